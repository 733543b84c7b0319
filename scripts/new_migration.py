"""Write a new Alembic revision by comparing the models with a database migrated to head.

Usage: .venv/bin/python scripts/new_migration.py "what changed"
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from alembic import command

from cashdesk.core.database import alembic_config, make_engine, upgrade_schema


def main() -> None:
    message = sys.argv[1] if len(sys.argv) > 1 else "change"
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(Path(folder) / "head.db", os.urandom(32))
        upgrade_schema(engine)
        with engine.begin() as conn:
            command.revision(alembic_config(conn), message=message, autogenerate=True)


if __name__ == "__main__":
    main()
