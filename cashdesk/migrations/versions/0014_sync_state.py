"""sync state: the central server this device syncs with, push bundles kept until answered, records the
server refused, and conflicts at the level of fields

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cashdesk.models.base import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_server",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=400), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("token", sa.Text(), nullable=True),
        sa.Column("token_in_keyring", sa.Boolean(), nullable=False),
        sa.Column("token_expires_at", UTCDateTime(), nullable=True),
        sa.Column("last_success_at", UTCDateTime(), nullable=True),
        sa.Column("last_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("last_error_kind", sa.String(length=16), nullable=False),
        sa.Column("clock_offset_seconds", sa.Float(), nullable=False),
        sa.Column("warn_after_days", sa.Integer(), nullable=False),
        sa.Column("block_after_days", sa.Integer(), nullable=False),
        sa.Column("warn_unsynced_payments", sa.Integer(), nullable=False),
        sa.Column("block_unsynced_payments", sa.Integer(), nullable=False),
        sa.Column("override_until", UTCDateTime(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=False),
        sa.Column("override_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["override_by_id"], ["users.id"], name=op.f("fk_sync_server_override_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_server")),
    )
    op.create_table(
        "sync_pending",
        sa.Column("bundle_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("bundle_id", name=op.f("pk_sync_pending")),
    )
    op.create_table(
        "sync_refusals",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("refused_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "row_id", name=op.f("pk_sync_refusals")),
    )
    with op.batch_alter_table("sync_conflicts") as batch:
        batch.add_column(sa.Column("table_name", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("fields", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("base", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("remote_version", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("remote_author", sa.String(length=160), nullable=False, server_default=""))
        batch.add_column(sa.Column("remote_changed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("local_changed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("resolved_by_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_sync_conflicts_resolved_by_id_users"), "users", ["resolved_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("sync_conflicts") as batch:
        batch.drop_constraint(op.f("fk_sync_conflicts_resolved_by_id_users"), type_="foreignkey")
        for column in ("resolved_by_id", "local_changed_at", "remote_changed_at", "remote_author",
                       "remote_version", "base", "fields", "table_name"):  # fmt: skip
            batch.drop_column(column)
    op.drop_table("sync_refusals")
    op.drop_table("sync_pending")
    op.drop_table("sync_server")
