"""A large write's log is copied into the database file after its commit, by a thread (checkpoints)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from cashdesk.core import checkpoints
from cashdesk.core.database import make_engine

# About 10 MB of pages: well past the 1,000 pages (4 MB) at which a commit copies the log itself.
LARGE_WRITE = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) "
    "INSERT INTO notes SELECT hex(randomblob(1000)) FROM n"
)
MB = 1 << 20


def _database(tmp_path: Path) -> Any:
    engine = make_engine(tmp_path / "x.db", os.urandom(32))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (body TEXT)")
    return engine


def test_an_ordinary_large_commit_copies_the_log_itself(tmp_path: Path) -> None:
    engine = _database(tmp_path)
    with Session(engine) as session, session.begin():
        session.execute(text(LARGE_WRITE))
    assert (tmp_path / "x.db").stat().st_size > 8 * MB  # copied in the commit
    engine.dispose()


def test_a_write_marked_large_commits_without_the_copy_and_a_thread_makes_it_after(tmp_path: Path) -> None:
    engine = _database(tmp_path)
    seen_at_start: list[int] = []
    with Session(engine) as session, session.begin():
        driver = session.connection().connection.driver_connection
        assert driver is not None
        checkpoints.checkpoint_after_commit(
            session, start=lambda: seen_at_start.append((tmp_path / "x.db").stat().st_size)
        )
        session.execute(text(LARGE_WRITE))
    # After the commit, before the copy: the pages are in the log only, and the data is committed.
    assert seen_at_start and seen_at_start[0] < MB
    assert (tmp_path / "x.db-wal").stat().st_size > 8 * MB
    assert driver.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == checkpoints.AUTOCHECKPOINT_PAGES
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM notes").scalar() == 5000

    # The default start: a thread copies the log; waiting for it leaves the pages in the file.
    with Session(engine) as session, session.begin():
        checkpoints.checkpoint_after_commit(session)
        session.execute(text(LARGE_WRITE))
    checkpoints.wait_for_checkpoint(engine)
    assert (tmp_path / "x.db").stat().st_size > 16 * MB
    engine.dispose()


def test_a_rolled_back_large_write_gives_the_connection_its_setting_back(tmp_path: Path) -> None:
    engine = _database(tmp_path)
    started: list[bool] = []
    with Session(engine) as session:
        session.begin()
        driver = session.connection().connection.driver_connection
        assert driver is not None
        checkpoints.checkpoint_after_commit(session, start=lambda: started.append(True))
        assert driver.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        session.execute(text(LARGE_WRITE))
        session.rollback()
    assert driver.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == checkpoints.AUTOCHECKPOINT_PAGES
    assert started == []
    engine.dispose()
