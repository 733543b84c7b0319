"""A large write's log is copied into the database file by a thread just after its commit, not in it.

The database runs in WAL mode: a commit appends the changed pages to the write-ahead log, and SQLite copies
the log into the database file (a checkpoint) at the first commit that finds it longer than 1,000 pages,
inside that commit. After an import of 450,000 people the copy is about 350 MB, and took 1.5-2 s of the
import's wait (docs/benchmarks.md). The data is safe at the commit either way: the log is written and
synced; the copy is housekeeping that neither readers nor writers wait for. So a large write turns the
automatic copy off for its own commit, and a thread makes it just after, while the user goes on.
`Desk.close` waits for that thread; if the program stops first, the copy is made the next time SQLite
checkpoints (at the next large commit, or when the file is next closed).
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Callable
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction

AUTOCHECKPOINT_PAGES = 1000  # SQLite's default, which the connection gets back after the commit
LARGE_WRITE_ROWS = 20_000  # from about this many rows a write is worth copying after its commit
_CONNECTION = "autocheckpoint_off"  # session.info keys
_START = "checkpoint_after_commit"


def checkpoint_after_commit(session: Session, *, start: Callable[[], None] | None = None) -> None:
    """This session's commit will not copy the log; `start` (a background copy, by default) runs after it.
    If the transaction is rolled back instead, only the connection's setting is restored."""
    driver: Any = session.connection().connection.driver_connection
    driver.execute("PRAGMA wal_autocheckpoint = 0")
    session.info[_CONNECTION] = driver
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    session.info[_START] = start or _checkpointer(engine).start


def wait_for_checkpoint(engine: Engine) -> None:
    """Until the background copy of this engine's database, if one runs, has ended."""
    checkpointer = _checkpointers.get(engine)
    if checkpointer is not None:
        checkpointer.wait()


class _Checkpointer:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return  # a copy is under way; what it leaves is copied by the next checkpoint
            self._thread = threading.Thread(target=self._copy, name="wal-checkpoint")
            self._thread.start()

    def _copy(self) -> None:
        try:
            with self._engine.connect() as conn:
                # On the driver's connection: SQLAlchemy would begin a transaction first, and a
                # checkpoint cannot run inside one. PASSIVE never makes readers or writers wait.
                driver: Any = conn.connection.driver_connection
                driver.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except (SQLAlchemyError, sqlcipher3.dbapi2.Error):
            pass  # housekeeping only: SQLite's next checkpoint makes the copy

    def wait(self) -> None:
        thread = self._thread
        if thread is not None:
            thread.join()


_checkpointers: weakref.WeakKeyDictionary[Engine, _Checkpointer] = weakref.WeakKeyDictionary()
_checkpointers_lock = threading.Lock()


def _checkpointer(engine: Engine) -> _Checkpointer:
    with _checkpointers_lock:
        found = _checkpointers.get(engine)
        if found is None:
            found = _checkpointers[engine] = _Checkpointer(engine)
        return found


def _restore(session: Session) -> None:
    driver = session.info.pop(_CONNECTION, None)
    if driver is not None:
        driver.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")


def _after_commit(session: Session) -> None:
    _restore(session)
    start = session.info.pop(_START, None)
    if start is not None:
        start()


def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.nested:
        return  # a savepoint: the transaction goes on
    session.info.pop(_START, None)
    with contextlib.suppress(sqlcipher3.dbapi2.Error):  # a broken connection: the pool discards it
        _restore(session)


event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_soft_rollback", _after_rollback)
