"""The central server's tables: SQLAlchemy Core, one metadata, created on first start.

Each resource's current version is in `resources`; every version ever written (deletions included) is a
row of `versions`, whose `seq` is the order of the history every device pulls. On PostgreSQL several
server processes may write at once: a writer takes one advisory lock for its transaction (store.py), so
`seq` values become visible in the order they were given and a device's cursor never jumps over a
version committed late.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    text,
)

metadata = MetaData()

# Instants are kept as ISO 8601 text in UTC with microseconds (store.instant): the same on SQLite and
# PostgreSQL, and their text order is their time order.
Instant = String(32)

# SQLite gives an autoincrementing key only to an INTEGER PRIMARY KEY; PostgreSQL wants a BIGINT.
SeqKey = BigInteger().with_variant(Integer(), "sqlite")

resources = Table(
    "resources",
    metadata,
    Column("type", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("version_id", Integer, nullable=False),
    Column("last_updated", Instant, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    # The place the resource belongs to (a location path, as the mapping tags it); NULL for the
    # scheme-wide resources (providers, plans) every user may read.
    Column("location_path", String(255)),
    Column("seq", SeqKey, nullable=False),  # of its latest version
    Column("content", Text, nullable=False),  # the resource's JSON, meta included
    Index("ix_resources_last_updated", "type", "last_updated"),
)

versions = Table(
    "versions",
    metadata,
    Column("seq", SeqKey, primary_key=True, autoincrement=True),
    Column("type", String(64), nullable=False),
    Column("id", String(64), nullable=False),
    Column("version_id", Integer, nullable=False),
    Column("last_updated", Instant, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("location_path", String(255)),
    # The place the resource belonged to before this version, when this version moved it (a household
    # to another district): devices of the old place are told to withdraw their copy (store.history).
    Column("moved_from", String(255)),
    Column("method", String(8), nullable=False),  # POST, PUT or DELETE, for the history's request
    Column("author", String(64), nullable=False),
    Column("device", String(32), nullable=False),
    Column("content", Text),  # NULL for a deletion
    Index("ix_versions_resource", "type", "id", "version_id", unique=True),
    Index("ix_versions_updated", "last_updated"),
)

identifiers = Table(
    "identifiers",
    metadata,
    Column("type", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("system", String(255), primary_key=True),
    Column("value", String(255), primary_key=True),
    Index("ix_identifiers_value", "type", "value", "system"),
)

# A transaction bundle's answer, by the bundle's id: the same bundle sent again (the first answer was lost
# on the way) gets the same answer and is not applied twice.
bundles = Table(
    "bundles",
    metadata,
    Column("bundle_id", String(64), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("received_at", Instant, nullable=False),
    Column("status", Integer, nullable=False),
    Column("response", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("full_name", String(160), nullable=False, default=""),
    Column("role", String(32), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("locations", Text, nullable=False, default="[]"),  # JSON list of location paths
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", Instant, nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(160), nullable=False, default=""),
    Column("registered_by", String(64), nullable=False),
    Column("registered_at", Instant, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_sha256", String(64), primary_key=True),  # the token itself is never stored
    Column("username", String(64), nullable=False),
    Column("device", String(32), nullable=False),
    Column("issued_at", Instant, nullable=False),
    Column("expires_at", Instant, nullable=False),
)


# Columns added after servers were already running: create_all makes missing tables, not missing columns.
_ADDED_COLUMNS = ((versions, "moved_from"),)


def add_missing_columns(conn: Connection) -> None:
    """Brings a database made by an older server up to these tables (a column added is nullable)."""
    for table, name in _ADDED_COLUMNS:
        present = {c["name"] for c in inspect(conn).get_columns(table.name)}
        if name not in present:
            column = table.c[name]
            kind = column.type.compile(dialect=conn.dialect)
            conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {name} {kind}"))
