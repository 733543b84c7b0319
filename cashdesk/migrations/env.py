"""Alembic environment. CashDesk always hands it an open connection (cashdesk.core.database)."""

from __future__ import annotations

from alembic import context

from cashdesk.core.database import is_mapped_table
from cashdesk.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("CashDesk migrations run through cashdesk.core.database, with a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things: rebuild tables in batch mode
    compare_type=True,
    include_name=lambda name, type_, parent: type_ != "table" or is_mapped_table(name),
)
context.run_migrations()
