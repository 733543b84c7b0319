"""the search index without word positions (detail=none)

The households list matches what is typed as words that must each start a word of a member's text, in any
order (cashdesk.registry.search.fts_query): it never asks where in the text a word is. Without positions
the index is a quarter of the size and a third cheaper to write, which an import of 450,000 people feels
(docs/benchmarks.md); a search takes a fraction of a millisecond more.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TABLE = (
    "CREATE VIRTUAL TABLE member_search_rebuilt USING fts5("
    "household_id UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'{detail})"
)


def _rebuild(detail: str) -> None:
    op.execute(_TABLE.format(detail=detail))
    op.execute(
        "INSERT INTO member_search_rebuilt (rowid, household_id, text) "
        "SELECT rowid, household_id, text FROM member_search"
    )
    op.execute("DROP TABLE member_search")
    op.execute("ALTER TABLE member_search_rebuilt RENAME TO member_search")


def upgrade() -> None:
    _rebuild(", detail = none")


def downgrade() -> None:
    _rebuild("")
