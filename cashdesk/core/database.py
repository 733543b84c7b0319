"""Opening the encrypted database, keeping its schema current, and the rules every write follows.

Threading: an Engine may be shared by threads; a Session belongs to one thread. The window runs all
writes on one worker thread (cashdesk.ui.ops); the command line runs on its main thread.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlcipher3
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.pool import QueuePool

from cashdesk.core.errors import DatabaseError, DatabaseTooNew, DiskFull, NotACashDeskDatabase
from cashdesk.core.i18n import _
from cashdesk.models.base import Synced, utcnow

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
KEY_BYTES = 32
# Full-text search tables are SQLite virtual tables, made by migrations and maintained by
# cashdesk.registry.search and cashdesk.registry.key_index; they are not ORM models, so schema
# comparisons must skip them.
UNMAPPED_TABLE_PREFIXES = ("member_search", "member_keys")


def _bind_null(value: None) -> None:
    return value


# The driver binds a str, int or float directly, but looks for an adapter for anything else, None
# included, raising and catching AttributeError twice on the way (~2 us per value). A bulk import binds
# millions of NULLs; with an adapter registered for None the driver finds it in one dictionary lookup
# (4 times faster; docs/benchmarks.md). NULL is still stored as NULL.
sqlcipher3.dbapi2.register_adapter(type(None), _bind_null)


def is_mapped_table(name: str | None) -> bool:
    return not (name or "").startswith(UNMAPPED_TABLE_PREFIXES)


# SQLCipher 4 checks every page it reads or writes with an HMAC, SHA-512 by default. New databases use
# HMAC-SHA256 instead: as sound for authenticating pages, and about twice as fast where the processor has
# SHA extensions (most laptops sold since 2017, this machine too). A large import writes several hundred
# megabytes of pages, some twice, and the HMAC was a sixth of SQLite's work there (docs/benchmarks.md).
# Databases written before keep SHA-512: the one they were written with is found when they are opened.
PAGE_HMAC = "HMAC_SHA256"
EARLIER_PAGE_HMACS = ("HMAC_SHA512",)


def make_engine(path: Path, key: bytes, *, reader: bool = False) -> Engine:
    """An engine on the SQLCipher file at `path`, unlocked with a raw 256-bit key.

    A raw key (not a passphrase) skips SQLCipher's own key derivation: opening costs ~0.1 ms
    instead of ~100 ms, and the slow derivation happens once, on the user's password (keystore).
    `reader`: for a helper process that only reads while this one writes (it must not wait for the
    write lock); it sees the database as last committed.
    """
    if len(key) != KEY_BYTES:
        raise ValueError("database key must be 32 bytes")
    url = URL.create("sqlite+pysqlcipher", password=f"x'{key.hex()}'", database=str(path))
    # A queue of connections, each used by one thread at a time, not SQLAlchemy's default for pysqlcipher
    # (SingletonThreadPool): that one keeps a connection per thread and, past five threads (the window's
    # worker after an idle spell, each background checkpoint), closes others' connections from the thread
    # that asks, even one another thread is using; SQLCipher then crashed the process (seen in a test run).
    engine = create_engine(
        url, module=sqlcipher3.dbapi2, poolclass=QueuePool, connect_args={"check_same_thread": False}
    )
    page_hmac = page_hmac_of(path, key)

    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        # Before anything reads a page: the key is set (by SQLAlchemy's dialect), nothing read yet.
        dbapi_connection.execute(f"PRAGMA cipher_hmac_algorithm = {page_hmac}")
        _on_connect(dbapi_connection, connection_record)

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", _begin_reading if reader else _on_begin)
    return engine


def page_hmac_of(path: Path, key: bytes) -> str:
    """The page HMAC the database at `path` is written with; PAGE_HMAC for a new one. With a wrong key
    none can read it: PAGE_HMAC is returned, and the engine's first connection reports the wrong key."""
    if not path.exists() or path.stat().st_size == 0:
        return PAGE_HMAC
    for algorithm in (PAGE_HMAC, *EARLIER_PAGE_HMACS):
        connection = sqlcipher3.dbapi2.connect(str(path))
        try:
            connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            connection.execute("PRAGMA cipher_log_level = NONE")
            connection.execute(f"PRAGMA cipher_hmac_algorithm = {algorithm}")
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.dbapi2.DatabaseError:
            continue
        finally:
            connection.close()
        return algorithm
    return PAGE_HMAC


def engine_file_and_key(engine: Engine) -> tuple[Path, bytes]:
    """What make_engine needs to open this engine's database again (in a helper process)."""
    password = engine.url.password or ""
    return Path(str(engine.url.database)), bytes.fromhex(password.removeprefix("x'").removesuffix("'"))


def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # A wrong key is reported to the user as NotACashDeskDatabase; SQLCipher need not log it too.
    cursor.execute("PRAGMA cipher_log_level = NONE")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 10000")  # the CLI and the window may share the file
    cursor.execute("PRAGMA journal_mode = WAL")
    # FULL: a power cut right after a recorded payment must not lose it.
    cursor.execute("PRAGMA synchronous = FULL")
    # 64 MB of page cache (the default is 2 MB): the indexes of a 500,000-person registry stay in memory
    # during an import or a scan, instead of being re-read and decrypted page by page.
    cursor.execute("PRAGMA cache_size = -65536")
    cursor.execute("PRAGMA temp_store = MEMORY")
    cursor.close()


def _on_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock up front, so a read-then-write transaction cannot fail halfway
    # with SQLITE_BUSY after another process wrote in between.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_reading(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def check_readable(engine: Engine) -> None:
    """Raise NotACashDeskDatabase if the key is wrong or the file is not an SQLCipher database."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    except DBAPIError as exc:
        raise NotACashDeskDatabase(
            _(
                "{path} cannot be opened: it is not a CashDesk database, or it belongs to another "
                "key file. Nothing was changed."
            ).format(path=engine.url.database)
        ) from exc


def upgrade_schema(engine: Engine, *, backup_dir: Path | None = None) -> str | None:
    """Bring the schema to the newest revision. Returns the backup file written, if any.

    A new (empty) database is created at head. An older one is first copied next to itself, so a
    failed upgrade can be undone by hand. A database from a newer CashDesk is left untouched.
    """
    path = Path(str(engine.url.database))
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        tables = set(inspect(conn).get_table_names())
    if current == head:
        return None
    if current is None and tables:
        raise NotACashDeskDatabase(
            _("{path} is an SQLite database, but not a CashDesk one. Nothing was changed.").format(path=path)
        )
    if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
        raise DatabaseTooNew(
            _(
                "{path} was written by a newer version of CashDesk. Install the newer version to "
                "open it. Nothing was changed."
            ).format(path=path)
        )
    backup: str | None = None
    if current is not None:
        backup = str(backup_database(engine, path, label=current, folder=backup_dir))
    with translate_errors(), engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    return backup


def backup_database(engine: Engine, path: Path, *, label: str, folder: Path | None = None) -> Path:
    """Copy the (still encrypted) database file, after folding the WAL into it."""
    with engine.connect() as conn:
        # Outside any transaction (SQLAlchemy would BEGIN first), so use the driver connection.
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = (folder or path.parent) / f"{path.name}.backup-{label}-{stamp}"
    shutil.copy2(path, target)
    return target


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn low-level storage failures into messages a user can act on."""
    try:
        yield
    except (OperationalError, sqlite3.OperationalError, sqlcipher3.dbapi2.OperationalError) as exc:
        text = str(exc).lower()
        if "disk is full" in text or "database or disk is full" in text:
            raise DiskFull(
                _("The disk is full, so nothing was saved. Free some space and try again.")
            ) from exc
        if "readonly" in text or "read-only" in text:
            raise DatabaseError(
                _("The database file cannot be written (read-only). Nothing was saved.")
            ) from exc
        if "locked" in text or "busy" in text:
            raise DatabaseError(
                _("The database is busy in another CashDesk window or command. Try again in a moment.")
            ) from exc
        raise


# --- rules applied to every Session -------------------------------------------------------------


def _mark_synced_rows(session: Session, flush_context: UOWTransaction, instances: object) -> None:
    """Every local change to a synced row bumps its version and queues it for the next push.

    The sync client sets session.info["applying_remote"] while it stores what the server sent,
    so records received from the server are not sent back.
    """
    if session.info.get("applying_remote"):
        return
    now = utcnow()
    for obj in session.dirty:
        if isinstance(obj, Synced) and _changed_what_travels(obj):
            obj.version = (obj.version or 0) + 1
            obj.updated_at = now
            obj.dirty = True


def _changed_what_travels(obj: Synced) -> bool:
    """Its columns, or a many-to-many list that travels inside it (a user's places, a pay point's clerks).
    A change to columns the model keeps on this device only (a user's last login) is not one to push;
    nor is a change to its one-to-many children (a household's members travel as records of their own)."""
    local: frozenset[str] = getattr(type(obj), "LOCAL_COLUMNS", frozenset())
    state = inspect(obj)
    mapper = state.mapper
    travelling = {c.key for c in mapper.column_attrs} | {
        r.key for r in mapper.relationships if r.secondary is not None
    }
    return any(
        attr.key in travelling and attr.key not in local and attr.history.has_changes()
        for attr in state.attrs
    )


def _collect_changed_tables(session: Session, flush_context: UOWTransaction) -> None:
    changed: set[str] = session.info.setdefault("changed_tables", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table:
            changed.add(table)


def _run_after_commit(session: Session) -> None:
    callbacks: list[Callable[[], None]] = session.info.pop("after_commit", [])
    for callback in callbacks:
        callback()


def _forget_after_commit(session: Session) -> None:
    session.info.pop("after_commit", None)
    session.info.pop("changed_tables", None)


event.listen(Session, "before_flush", _mark_synced_rows)
event.listen(Session, "after_flush", _collect_changed_tables)
event.listen(Session, "after_commit", _run_after_commit)
event.listen(Session, "after_soft_rollback", lambda session, previous: _forget_after_commit(session))


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` only once the session's transaction has been committed.

    For side effects outside the database (the key file) that must not happen if the write fails.
    """
    session.info.setdefault("after_commit", []).append(callback)


def note_changed(session: Session, *tables: str) -> None:
    """Record tables changed by Core statements (bulk inserts), which the flush hook cannot see."""
    session.info.setdefault("changed_tables", set()).update(tables)
