"""blocking keys in an FTS5 index, one row per member

member_match_keys had one b-tree row per (key, member) and a second index by member: storing the
2 million keys of a 450,000-person import took 17 s, most of an import's time. member_keys is a
contentless FTS5 table with one row per member (rowid = the member's rowid, like member_search) whose
text is the member's keys separated by spaces; SQLite builds its index in C, about four times faster,
and its vocabulary (fts5vocab) answers "which members have this key". Keys are ASCII lower case: the
ascii tokenizer folds ASCII case only, so the keys are stored the way the tokenizer sees them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 01:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Keys are letters, digits and : - < > + (cashdesk.registry.dedup.keys); everything else separates them.
CREATE_MEMBER_KEYS = (
    "CREATE VIRTUAL TABLE member_keys USING fts5(keys, tokenize = \"ascii tokenchars ':-<>+'\", "
    "detail = none, content = '', contentless_delete = 1)"
)


def upgrade() -> None:
    op.execute(CREATE_MEMBER_KEYS)
    # SQLite's lower() folds ASCII only, like the tokenizer.
    op.execute(
        """INSERT INTO member_keys (rowid, keys)
           SELECT m.rowid, lower(group_concat(k.key, ' '))
           FROM member_match_keys k JOIN members m ON m.id = k.member_id
           GROUP BY m.rowid"""
    )
    op.drop_index("ix_member_match_keys_member_id", table_name="member_match_keys")
    op.drop_table("member_match_keys")


def downgrade() -> None:
    # The keys are not copied back: the next full duplicate scan (cashdesk dedup) rewrites them.
    op.create_table(
        "member_match_keys",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_member_match_keys_member_id_members", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("key", "member_id", name="pk_member_match_keys"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_member_match_keys_member_id", "member_match_keys", ["member_id"], unique=False)
    op.execute("DROP TABLE member_keys")
