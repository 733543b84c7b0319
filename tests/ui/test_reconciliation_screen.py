"""The reconciliation screen as two supervisors use it: one imports the provider's file and decides the
exceptions, the other closes the payroll."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel
from pytestqt.qtbot import QtBot

from cashdesk.desk import Desk
from cashdesk.payroll.queries import payroll_summary
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.reconciliation import ReconciliationScreen
from tests.unit.test_reconciliation import PP1, _every_category, _numbers, eight  # noqa: F401 - the fixture


def _screen(qtbot: QtBot, hub: OpsHub) -> ReconciliationScreen:
    screen = ReconciliationScreen(hub)
    qtbot.addWidget(screen)
    screen.resize(1166, 700)
    screen.show()
    qtbot.waitUntil(lambda: screen.payroll.count() == 2 and screen.current is not None)
    screen.payroll.setCurrentIndex(screen.payroll.findData(PP1))
    qtbot.waitUntil(lambda: screen.current is not None and screen.current.payroll_code == PP1)
    return screen


def _select(screen: ReconciliationScreen, numbers: set[str]) -> None:
    selection = screen.table.selectionModel()
    selection.clearSelection()
    for row in range(screen.rows.rowCount()):
        if screen.rows.row(row).transaction_number in numbers:
            flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
            selection.select(screen.rows.index(row, 0), flags)


def test_import_review_decide_and_close_by_a_second_supervisor(
    qtbot: QtBot,
    hub_as: Any,
    eight: dict[str, Desk],  # noqa: F811
    tmp_path: Path,
) -> None:
    hub = hub_as("sue")
    screen = _screen(qtbot, hub)
    assert not screen.close_button.isEnabled() and "import the provider" in screen.summary.text()
    t = _numbers(eight["sue"])
    screen.import_file(_every_category(tmp_path, t))
    qtbot.waitUntil(lambda: "rows matched" in screen.notice.text(), timeout=10_000)
    qtbot.waitUntil(lambda: screen.rows.rowCount() == 6)  # needing a decision, the screen's first view
    assert "still need a decision" in screen.summary.text() and not screen.close_button.isEnabled()
    assert "Paid a different amount" in [screen.rows.row(r).category_label for r in range(6)]

    _select(screen, {t[1], t[4], t[6]})
    screen.decide_selected("accept")
    qtbot.waitUntil(lambda: screen.rows.rowCount() == 3)
    _select(screen, {t[3], t[5]})
    screen.decide_selected("mark_unpaid")
    qtbot.waitUntil(lambda: screen.rows.rowCount() == 1)
    _select(screen, {t[0]})  # not in the list: the only row left is the unknown one
    screen.table.selectAll()
    screen.decide_selected("flag", note="ask KMM where this went")
    qtbot.waitUntil(lambda: "Flagged: 1" in screen.notice.text())
    qtbot.waitUntil(
        lambda: screen.rows.rowCount() == 1 and "ask KMM" in screen.rows.columns[7][1](screen.rows.row(0))
    )
    screen.table.selectAll()
    screen.decide_selected("accept")
    qtbot.waitUntil(lambda: screen.rows.rowCount() == 0 and screen.close_button.isEnabled())
    screen.close_payroll()
    qtbot.waitUntil(lambda: "another supervisor closes it" in screen.notice.text())
    assert hub.wait_idle()

    hub = hub_as("admin")
    checker = _screen(qtbot, hub)
    assert checker.close_button.isEnabled()
    checker.close_payroll()
    qtbot.waitUntil(lambda: "closed as reconciled" in checker.notice.text())
    assert hub.wait_idle()
    assert hub.desk.run(payroll_summary, PP1).status == "reconciled"
    qtbot.waitUntil(lambda: checker.current is not None and checker.current.status == "reconciled")
    assert not checker.import_button.isEnabled() and "Closed as reconciled" in checker.summary.text()


def test_a_bad_file_is_shown_in_words_and_nothing_is_imported(
    qtbot: QtBot,
    hub_as: Any,
    eight: dict[str, Desk],  # noqa: F811
    tmp_path: Path,
) -> None:
    hub = hub_as("sue")
    screen = _screen(qtbot, hub)
    bad = tmp_path / "bad.csv"
    bad.write_text("Transaction number,Status\nABCD-T0000001X,maybe\n", encoding="utf-8")
    screen.import_file(bad)
    qtbot.waitUntil(lambda: "cannot be read" in screen.notice.text(), timeout=10_000)
    assert "row 2, status" in screen.notice.text()
    assert screen.current is not None and screen.current.batches == []


def test_the_columns_are_checked_fixed_by_hand_and_saved_as_a_profile(
    qtbot: QtBot,
    hub_as: Any,
    eight: dict[str, Desk],  # noqa: F811
    tmp_path: Path,
) -> None:
    hub = hub_as("sue")
    screen = _screen(qtbot, hub)
    t = _numbers(eight["sue"])
    odd = tmp_path / "odd.csv"  # the provider calls its columns as nobody else does
    odd.write_text("Ref,Outcome,Paid amt\n" + "".join(f"{n},SUCCESS,10000\n" for n in t), encoding="utf-8")
    screen.import_file(odd, check_columns=True)
    qtbot.waitUntil(lambda: screen.columns_dialog is not None and screen.columns_dialog.isVisible())
    dialog = screen.columns_dialog
    assert dialog is not None
    assert dialog.table.item(0, 1).text() == t[0]  # the first row's values, to tell the columns apart
    ok = dialog.buttons.buttons()[0]
    assert not ok.isEnabled() and "transaction number" in dialog.problem.text()
    for box, field in zip(dialog.boxes, ("transaction_number", "status", "amount"), strict=True):
        box.setCurrentIndex(box.findData(field))
    assert ok.isEnabled()
    dialog.save_as.setText("odd-bank")
    dialog.accept()
    qtbot.waitUntil(lambda: "8 rows matched" in screen.notice.text(), timeout=10_000)
    qtbot.waitUntil(lambda: screen.profile.findData("odd-bank") > 0)
    assert screen.current is not None and screen.current.counts == {"matched": 8}
