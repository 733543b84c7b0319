"""find an import's members through its households

Undoing an import finds the members through the households the batch created (members.household_id is
indexed), so the index on members.import_batch_id served no query and cost an import of 450,000 people
about half a second (docs/benchmarks.md).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_members_import_batch_id", table_name="members")


def downgrade() -> None:
    op.create_index("ix_members_import_batch_id", "members", ["import_batch_id"], unique=False)
