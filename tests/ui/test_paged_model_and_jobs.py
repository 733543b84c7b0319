from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressDialog
from pytestqt.qtbot import QtBot

from cashdesk.core.errors import Cancelled
from cashdesk.core.jobs import check_abort
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.widgets.paged_model import PagedTableModel

ROWS = [{"n": i, "name": f"person {i}"} for i in range(1050)]


def _fetcher(calls: list[tuple[int, int]]) -> Callable[[int, int, Callable[[list[Any]], None]], None]:
    def fetch(offset: int, limit: int, deliver: Callable[[list[Any]], None]) -> None:
        calls.append((offset, limit))
        QTimer.singleShot(1, lambda: deliver(ROWS[offset : offset + limit]))  # answers later, like the hub

    return fetch


def test_rows_arrive_a_page_at_a_time(qtbot: QtBot) -> None:
    calls: list[tuple[int, int]] = []
    model = PagedTableModel(
        [("#", lambda r: r["n"]), ("Name", lambda r: r["name"])], _fetcher(calls), page_size=200
    )
    model.fetchMore()
    assert calls == []  # nothing until the screen asks for its first page
    model.reload()
    qtbot.waitUntil(lambda: model.rowCount() == 200)
    assert model.data(model.index(3, 1)) == "person 3"
    assert model.canFetchMore()
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model._loading)
    assert model.rowCount() == 1050 and model.complete
    assert calls[:2] == [(0, 200), (200, 200)]


def test_reload_drops_pages_requested_before_it(qtbot: QtBot) -> None:
    calls: list[tuple[int, int]] = []
    model = PagedTableModel([("#", lambda r: r["n"])], _fetcher(calls), page_size=100)
    model.reload()
    model.reload()  # the first request's answer must not be appended after the reset
    qtbot.waitUntil(lambda: model.rowCount() == 100)
    qtbot.wait(20)
    assert model.rowCount() == 100
    assert [model.row(i)["n"] for i in range(3)] == [0, 1, 2]


def _slow_job(*, progress: Callable[[float, str], None], abort: threading.Event) -> str:
    for step in range(200):
        check_abort(abort)
        progress(step / 200, f"step {step}")
        time.sleep(0.02)
    return "finished"


def test_long_job_shows_progress_and_cancel_stops_it(qtbot: QtBot, hub: OpsHub) -> None:
    outcome: list[object] = []
    abort = hub.job("Working", _slow_job, needs_desk=False, on_done=outcome.append, on_error=outcome.append)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in _dialogs()), timeout=3000)  # shown after ~600 ms
    dialog = next(d for d in _dialogs() if d.isVisible())
    assert dialog.value() > 0
    from PySide6.QtWidgets import QPushButton

    dialog.findChild(QPushButton).click()  # the Cancel button, as a user would
    qtbot.waitUntil(lambda: bool(outcome), timeout=5000)
    assert abort.is_set()
    assert isinstance(outcome[0], Cancelled)


def test_short_job_shows_no_dialog(qtbot: QtBot, hub: OpsHub) -> None:
    outcome: list[object] = []
    hub.job("Quick", lambda *, progress, abort: "done", needs_desk=False, on_done=outcome.append)
    qtbot.waitUntil(lambda: bool(outcome), timeout=3000)
    assert outcome == ["done"]
    qtbot.wait(700)
    assert not any(d.isVisible() for d in _dialogs())


def _dialogs() -> list[QProgressDialog]:
    from PySide6.QtWidgets import QApplication

    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog)]


@pytest.fixture(autouse=True)
def _close_dialogs(qapp: object) -> Any:
    yield
    for dialog in _dialogs():
        dialog.close()
        dialog.deleteLater()
