from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlcipher3
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text

from cashdesk.core import database
from cashdesk.core.database import make_engine, upgrade_schema
from cashdesk.core.errors import DatabaseTooNew, DiskFull, NotACashDeskDatabase
from cashdesk.demo.district import load_demo_district
from cashdesk.desk import open_desk
from cashdesk.models import Base, Household
from tests.conftest import ADMIN, ADMIN_PASSWORD


def test_empty_database_upgrades_to_head_with_no_autogenerate_difference(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "x.db", os.urandom(32))
    assert upgrade_schema(engine) is None  # a new database needs no backup
    with engine.connect() as conn:
        opts = {
            "compare_type": True,
            "include_name": lambda name, type_, parent: type_ != "table" or database.is_mapped_table(name),
        }
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
    assert diff == []


def test_the_file_is_unreadable_without_the_key(data_dir: Path) -> None:
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(data_dir / "cashdesk.db").execute("SELECT * FROM sqlite_master").fetchall()
    raw = (data_dir / "cashdesk.db").read_bytes()
    assert b"SQLite format 3" not in raw[:100]
    assert b"admin" not in raw


def test_wrong_key_or_foreign_file_is_refused_without_change(data_dir: Path, tmp_path: Path) -> None:
    before = (data_dir / "cashdesk.db").read_bytes()
    with pytest.raises(NotACashDeskDatabase):
        database.check_readable(make_engine(data_dir / "cashdesk.db", os.urandom(32)))
    assert (data_dir / "cashdesk.db").read_bytes() == before

    plain = tmp_path / "other.db"
    sqlite3.connect(plain).execute("CREATE TABLE people (name TEXT)").connection.commit()
    engine = make_engine(plain, os.urandom(32))
    with pytest.raises(NotACashDeskDatabase):
        database.check_readable(engine)


def test_an_sqlcipher_database_of_another_program_is_not_taken_over(tmp_path: Path) -> None:
    key = os.urandom(32)
    engine = make_engine(tmp_path / "x.db", key)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (body TEXT)"))
    with pytest.raises(NotACashDeskDatabase):
        upgrade_schema(engine)


def test_database_from_a_newer_version_is_left_untouched(data_dir: Path) -> None:
    desk = open_desk(data_dir, ADMIN, ADMIN_PASSWORD)
    with desk.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_future'"))
    desk.close()
    with pytest.raises(DatabaseTooNew, match="newer version"):
        open_desk(data_dir, ADMIN, ADMIN_PASSWORD)


def test_an_older_database_is_backed_up_then_upgraded(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A copy of the migrations with one more revision plays the part of the next CashDesk release.
    current = database.head_revision()
    migrations = tmp_path / "migrations"
    shutil.copytree(database.MIGRATIONS, migrations)
    (migrations / "versions" / "9999_next.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n"
        f"revision = '9999'\ndown_revision = '{current}'\nbranch_labels = None\ndepends_on = None\n"
        "def upgrade():\n    op.create_table('extra', sa.Column('id', sa.Integer, primary_key=True))\n"
        "def downgrade():\n    op.drop_table('extra')\n"
    )
    monkeypatch.setattr(database, "MIGRATIONS", migrations)
    desk = open_desk(data_dir, ADMIN, ADMIN_PASSWORD)
    assert desk.backup_written is not None
    backup = Path(desk.backup_written)
    assert backup.exists() and backup.name.startswith(f"cashdesk.db.backup-{current}-")
    with desk.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999"
    desk.close()


def test_a_full_disk_saves_nothing_and_says_so(empty_dir: Path) -> None:
    desk = open_desk(empty_dir, ADMIN, ADMIN_PASSWORD)
    with desk.engine.connect() as conn:  # SQLite's page limit gives the real SQLITE_FULL error
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
        conn.exec_driver_sql(f"PRAGMA max_page_count = {int(pages) + 20}")
    with pytest.raises(DiskFull, match="disk is full"):
        desk.run(load_demo_district, households=3000, seed=1)
    with desk.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA max_page_count = 1073741823")
    assert (
        desk.run(lambda session, actor: session.execute(select(func.count()).select_from(Household)).scalar())
        == 0
    )
    desk.close()


def test_pragmas_protect_money_writes(admin: object) -> None:
    with admin.engine.connect() as conn:  # type: ignore[attr-defined]
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_none_is_stored_as_null_through_the_driver_and_the_orm(tmp_path: Path) -> None:
    # None is bound through an adapter registered for speed (database._bind_null): it must stay NULL.
    engine = make_engine(tmp_path / "x.db", os.urandom(32))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (a, b)")
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.cursor().executemany("INSERT INTO t VALUES (?, ?)", [(None, 1), ("x", None)])
        conn.execute(text("INSERT INTO t VALUES (:a, :b)"), {"a": None, "b": None})
        kinds = conn.exec_driver_sql("SELECT typeof(a), typeof(b) FROM t ORDER BY rowid").all()
    assert [tuple(k) for k in kinds] == [("null", "integer"), ("text", "null"), ("null", "null")]


def _pages_readable_with(path: Path, key: bytes, page_hmac: str | None) -> bool:
    """Whether SQLCipher reads the file with this page HMAC (None: SQLCipher's own default, SHA-512)."""
    connection = sqlcipher3.dbapi2.connect(str(path))
    try:
        connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        if page_hmac:
            connection.execute(f"PRAGMA cipher_hmac_algorithm = {page_hmac}")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.dbapi2.DatabaseError:
        return False
    finally:
        connection.close()
    return True


def test_new_databases_check_pages_with_sha256_and_older_ones_still_open(empty_dir: Path) -> None:
    desk = open_desk(empty_dir, ADMIN, ADMIN_PASSWORD)
    path, key = database.engine_file_and_key(desk.engine)
    desk.close()
    assert _pages_readable_with(path, key, "HMAC_SHA256")
    assert not _pages_readable_with(path, key, None)

    # A database written before the change, with SQLCipher's default page HMAC (SHA-512).
    older = path.with_name("older.db")
    connection = sqlcipher3.dbapi2.connect(str(path))
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    connection.execute("PRAGMA cipher_hmac_algorithm = HMAC_SHA256")
    connection.execute(f"ATTACH DATABASE '{older}' AS older KEY \"x'{key.hex()}'\"")
    connection.execute("PRAGMA older.cipher_hmac_algorithm = HMAC_SHA512")
    connection.execute("SELECT sqlcipher_export('older')")
    connection.execute("DETACH DATABASE older")
    connection.close()
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    older.replace(path)
    assert _pages_readable_with(path, key, None)

    desk = open_desk(empty_dir, ADMIN, ADMIN_PASSWORD)  # found, opened and written as SHA-512
    desk.run(load_demo_district, households=20, seed=1)
    desk.close()
    assert _pages_readable_with(path, key, None)
    reader = make_engine(path, key, reader=True)  # the import's duplicate-check worker opens it so
    with reader.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Household)).scalar() == 20
    reader.dispose()
