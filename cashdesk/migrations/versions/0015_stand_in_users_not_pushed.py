"""users made as stand-ins for another device's users are not pushed: users now travel as Practitioner,
and a stand-in sent up would overwrite the real account on the server

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE users SET dirty = 0 WHERE username LIKE '~%' AND server_version IS NULL")


def downgrade() -> None:
    pass  # nothing to undo: the flag is bookkeeping
