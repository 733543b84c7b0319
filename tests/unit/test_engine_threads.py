"""The database engine shared by the window's threads: a thread's connection is never closed under it by
another thread asking for one (SQLAlchemy's default pool for pysqlcipher did, past five threads)."""

from __future__ import annotations

import threading

from sqlalchemy import text

from cashdesk.desk import Desk


def test_many_threads_come_and_go_while_another_holds_its_connection(admin: Desk) -> None:
    engine = admin.engine
    errors: list[BaseException] = []

    def read() -> None:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT count(*) FROM users")).scalar_one()
        except BaseException as exc:  # reported below, from the main thread
            errors.append(exc)

    held = engine.raw_connection()  # the main thread's connection, between two of its reads
    try:
        for _ in range(12):  # the worker's threads after idle spells, background checkpoints
            worker = threading.Thread(target=read)
            worker.start()
            worker.join()
        assert held.cursor().execute("SELECT count(*) FROM users").fetchone()[0] >= 1
    finally:
        held.close()
    assert errors == []
