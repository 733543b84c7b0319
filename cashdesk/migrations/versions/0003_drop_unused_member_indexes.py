"""drop member indexes no query uses

Names, phones and ID numbers are searched through member_search (FTS5) and matched through
member_match_keys; the plain indexes on members.family_name, members.birth_year, members.phone and
member_identifiers.number served no query and cost an import of 450,000 people several seconds each.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:15:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DROPPED = (
    ("members", "ix_members_family_name", "family_name"),
    ("members", "ix_members_birth_year", "birth_year"),
    ("members", "ix_members_phone", "phone"),
    ("member_identifiers", "ix_member_identifiers_number", "number"),
)


def upgrade() -> None:
    for table, index, _column in DROPPED:
        op.drop_index(index, table_name=table)


def downgrade() -> None:
    for table, index, column in DROPPED:
        op.create_index(index, table, [column], unique=False)
