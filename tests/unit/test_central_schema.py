"""The central server opens a database made by an older version of itself and brings its tables up."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from cashdesk.central.app import open_database


def test_a_database_of_an_older_server_gains_the_columns_added_since(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.sqlite'}"
    engine = open_database(url)
    with engine.begin() as conn:  # as a server before versions.moved_from made it
        conn.execute(text("ALTER TABLE versions DROP COLUMN moved_from"))
        conn.execute(
            text(
                "INSERT INTO versions (type, id, version_id, last_updated, deleted, method, author, device)"
                " VALUES ('Group', 'g1', 1, '2026-12-01T00:00:00.000000+00:00', 0, 'PUT', 'olive', 'D1')"
            )
        )
    engine.dispose()
    engine = open_database(url)
    with engine.connect() as conn:
        assert "moved_from" in {c["name"] for c in inspect(conn).get_columns("versions")}
        assert conn.execute(text("SELECT id, moved_from FROM versions")).all() == [("g1", None)]
    engine.dispose()
