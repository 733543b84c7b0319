"""The Enrolment and Payrolls screens driven as a user would, through the real services and database.

Modal questions (confirm, reason, file name) are answered by a timer that finds the dialog the screen
opened and clicks or types into it, as a person would.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QDate, QTimer
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from cashdesk.desk import Desk
from cashdesk.models.security import Role
from cashdesk.payroll.approval import approve_payroll
from cashdesk.payroll.enrolment import status_history
from cashdesk.payroll.generation import generate_payroll
from cashdesk.payroll.plans import save_plan
from cashdesk.payroll.providers import PayPointInput, save_pay_point
from cashdesk.payroll.queries import list_payrolls, payroll_lines
from cashdesk.payroll.sheets import print_sheet
from cashdesk.security import users
from cashdesk.ui.dialogs.print_pdf import pdf_support, print_pages
from cashdesk.ui.main_window import MainWindow
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.enrolment import EnrolmentScreen
from cashdesk.ui.screens.payroll import PayrollScreen
from tests.conftest import USER_PASSWORD
from tests.unit.payroll_helpers import (
    add_pay_points,
    child_grant,
    district_officer,
    flat_plan,
    ready_to_generate,
    register_caseload,
)

HubAs = Callable[[str], OpsHub]


# --- driving the window ---
def _direct(hub: OpsHub, service: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A service called by the test itself, once the window's worker is idle: the desk's one database
    connection must never be used by two threads at once (SQLCipher crashes the process)."""
    assert hub.wait_idle(30_000)
    return hub.desk.run(service, *args, **kwargs)


def _window(qtbot: QtBot, hub: OpsHub, key: str) -> Any:
    window = MainWindow(hub)
    qtbot.addWidget(window)
    window.show()
    window.show_screen(key)
    assert window.current_screen() == key
    return window.screens[key]


def _when_modal(kind: type[QWidget], act: Callable[[Any], None]) -> QTimer:
    """Act on the next modal dialog of `kind` the screen opens (keep the returned timer referenced)."""
    timer = QTimer()
    timer.setInterval(20)

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, kind) and widget.isVisible():
            timer.stop()
            act(widget)

    timer.timeout.connect(poll)
    timer.start()
    return timer


def _yes(box: QMessageBox) -> None:
    box.button(QMessageBox.StandardButton.Yes).click()


def _save_as(path: Path) -> Callable[[QFileDialog], None]:
    def act(dialog: QFileDialog) -> None:
        # Typed into the name box as a person would: the box is what the dialog saves to, and a
        # selectFile() alone was sometimes undone by the dialog's own loading of the folder.
        dialog.setDirectory(str(path.parent))
        dialog.selectFile(str(path))
        name_box = dialog.findChild(QLineEdit, "fileNameEdit")
        if name_box is not None:
            name_box.setText(str(path))
        dialog.accept()

    return act


def _cells(table: Any, row: int) -> list[str]:
    model = table.model()
    return [
        str(model.index(row, c).data() or "")
        for c in range(model.columnCount())
        if not table.isColumnHidden(c)
    ]


def _second_supervisor(admin: Desk) -> None:
    admin.run(
        users.create_user,
        admin.vault,
        username="sam",
        full_name="Sam Second",
        role=Role.SUPERVISOR,
        password=USER_PASSWORD,
    )


def _payroll_screen(qtbot: QtBot, hub: OpsHub, rows: int) -> PayrollScreen:
    screen: PayrollScreen = _window(qtbot, hub, "payroll")
    if rows:
        qtbot.waitUntil(lambda: screen.model.rowCount() == rows, timeout=5000)
    else:  # the list has arrived, empty
        qtbot.waitUntil(lambda: screen.empty.text() != "", timeout=5000)
    return screen


def _select(qtbot: QtBot, screen: PayrollScreen, code: str) -> None:
    row = [p.code for p in screen.model.rows].index(code)
    screen.table.selectRow(row)
    qtbot.waitUntil(lambda: screen.detail.summary is not None and screen.detail.summary.code == code)


# --- enrolment ---
@pytest.fixture
def caseload(admin: Desk, desk_for: Any) -> list[str]:
    """Six households (three a village); the first of each has a child under 5. Plan CG, nobody enrolled."""
    add_pay_points(admin)
    codes = register_caseload(district_officer(admin, desk_for))
    desk_for("sue").run(save_plan, child_grant())
    return codes


def _previewed(qtbot: QtBot, hub: OpsHub) -> EnrolmentScreen:
    screen: EnrolmentScreen = _window(qtbot, hub, "enrolment")
    qtbot.waitUntil(lambda: screen.plan.currentData() == "CG", timeout=5000)
    qtbot.mouseClick(screen.preview_button, _left())
    qtbot.waitUntil(lambda: screen.table.rowCount() == 3, timeout=5000)
    return screen


def _left() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_preview_shows_who_qualifies_per_village_and_the_cost(
    qtbot: QtBot, hub_as: HubAs, caseload: list[str]
) -> None:
    screen = _previewed(qtbot, hub_as("sue"))
    # 5,000 a household plus 1,500 for its one child under 5; one household a village qualifies.
    assert _cells(screen.table, 0) == ["All villages", "2", "0", "2", "13,000.00 MWK"]
    assert _cells(screen.table, 1) == ["Chikwawa (V001)", "1", "0", "1", "6,500.00 MWK"]
    assert _cells(screen.table, 2) == ["Mbewe (V002)", "1", "0", "1", "6,500.00 MWK"]
    assert "2 households qualify" in screen.summary.text()
    assert screen.enrol_button.text() == "Enrol 2 households" and screen.enrol_button.isEnabled()


def test_enrol_makes_the_households_active_and_a_status_change_is_kept(
    qtbot: QtBot, hub_as: HubAs, caseload: list[str]
) -> None:
    hub = hub_as("sue")
    screen = _previewed(qtbot, hub)
    confirm = _when_modal(QMessageBox, _yes)
    qtbot.mouseClick(screen.enrol_button, _left())
    qtbot.waitUntil(lambda: "2 households enrolled" in screen.notice.text(), timeout=5000)
    assert confirm is not None
    assert _cells(screen.table, 0) == ["All villages", "2", "2", "0", "13,000.00 MWK"]
    assert not screen.enrol_button.isEnabled()
    qtbot.waitUntil(lambda: screen.members.model.loaded == 2, timeout=5000)
    qtbot.waitUntil(lambda: screen.members.count.text() == "2 households", timeout=5000)
    enrolled = {screen.members.model.row(i).code for i in range(2)}
    assert enrolled == {caseload[0], caseload[3]}
    assert _direct(hub, status_history, "CG", caseload[0])[-1].to_status == "active"

    row = next(i for i in range(2) if screen.members.model.row(i).code == caseload[0])
    screen.members.table.selectRow(row)
    qtbot.waitUntil(lambda: screen.members.history_table.rowCount() == 1, timeout=5000)
    assert "Active" in screen.members.chosen.text()
    assert _cells(screen.members.history_table, 0)[1:3] == ["Not yet enrolled", "Active"]
    qtbot.mouseClick(screen.members.status_button, _left())
    dialog = screen.members.status_dialog
    assert dialog is not None
    dialog.status.setCurrentIndex(dialog.status.findData("suspended"))
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: "Say why" in dialog.error.text(), timeout=5000)  # a reason is required
    qtbot.keyClicks(dialog.reason, "moved to town for work")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: screen.members.history_table.rowCount() == 2, timeout=5000)
    newest = _cells(screen.members.history_table, 0)
    assert newest[1:] == ["Active", "Suspended", "moved to town for work", "sue"]
    assert "Suspended" in screen.members.chosen.text()
    assert f"{caseload[0]} is now suspended" in screen.notice.text()


def test_enrol_chosen_households_by_hand(qtbot: QtBot, hub_as: HubAs, caseload: list[str]) -> None:
    screen: EnrolmentScreen = _window(qtbot, hub_as("sue"), "enrolment")
    qtbot.waitUntil(lambda: screen.plan.currentData() == "CG", timeout=5000)
    qtbot.mouseClick(screen.by_hand_button, _left())
    dialog = screen.by_hand_dialog
    dialog.codes.setPlainText(f"{caseload[1]}, {caseload[2].lower()}")
    qtbot.keyClicks(dialog.reason, "referred by the social welfare office")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: "2 households enrolled in CG by hand" in screen.notice.text(), timeout=5000)
    qtbot.waitUntil(lambda: screen.members.model.loaded == 2, timeout=5000)
    assert {screen.members.model.row(i).code for i in range(2)} == {caseload[1], caseload[2]}


# --- payrolls ---
def test_generate_through_the_dialog_lists_payrolls_waiting_for_approval(
    qtbot: QtBot, hub_as: HubAs, admin: Desk, desk_for: Any
) -> None:
    hub = hub_as("sue")
    ready_to_generate(hub.desk, admin, desk_for)
    screen = _payroll_screen(qtbot, hub, 0)
    assert "No payrolls here yet" in screen.empty.text()
    qtbot.mouseClick(screen.generate_button, _left())
    dialog = screen.generate_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.plan.count() == 1 and dialog.pay_point.count() == 3, timeout=5000)
    assert dialog.period_text() == date.today().strftime("%Y-%m")  # this month by default
    dialog.period.setDate(QDate(2026, 3, 1))
    assert "March 2026" in dialog.period_words.text()
    qtbot.mouseClick(dialog.generate_button, _left())
    qtbot.waitUntil(lambda: screen.model.rowCount() == 2, timeout=10000)
    assert not shiboken6.isValid(dialog)  # closed (and freed) once the payrolls were generated
    assert "2 payroll(s) generated for ALL-202603: 6 payments, 60,000.00 MWK" in screen.notice.text()
    first = _cells(screen.table, 0)
    assert first[:6] == [
        "ALL-202603-PP1",
        "ALL",
        "Mar 2026",
        "PP1 Chikwawa agent",
        "Waiting for approval",
        "3",
    ]
    assert first[6] == "30,000.00 MWK" and first[7] == "Sue"
    qtbot.waitUntil(lambda: screen.detail.lines.loaded == 3, timeout=5000)
    assert "given when the payroll is approved" in screen.detail.fingerprint.text()
    qtbot.waitUntil(lambda: "To pay: 3 (30,000.00 MWK)" in screen.detail.counts.text(), timeout=5000)
    screen.status.setCurrentIndex(screen.status.findData("approved"))
    qtbot.waitUntil(lambda: screen.model.rowCount() == 0, timeout=5000)


def test_a_failed_generation_is_listed_with_its_error_and_run_again(
    qtbot: QtBot, hub_as: HubAs, admin: Desk, desk_for: Any
) -> None:
    hub = hub_as("sue")
    ready_to_generate(hub.desk, admin, desk_for)
    # A real failure of the database's, not of the input: a trigger refuses the payment lines.
    trigger = (
        "CREATE TRIGGER no_lines BEFORE INSERT ON payment_lines "
        "BEGIN SELECT RAISE(ABORT, 'simulated storage failure'); END"
    )
    _direct(hub, lambda session, actor: session.execute(text(trigger)))
    screen = _payroll_screen(qtbot, hub, 0)
    qtbot.mouseClick(screen.generate_button, _left())
    dialog = screen.generate_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.plan.count() == 1, timeout=5000)
    dialog.period.setDate(QDate(2026, 3, 1))
    qtbot.mouseClick(dialog.generate_button, _left())
    qtbot.waitUntil(lambda: "simulated storage failure" in dialog.error.text(), timeout=10000)
    assert "ALL-202603-FAILED-1" in dialog.error.text()
    dialog.reject()
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=5000)
    screen.table.selectRow(0)
    assert _cells(screen.table, 0)[0] == "ALL-202603-FAILED-1"
    assert screen.rerun_button.isEnabled() and not screen.approve_button.isEnabled()

    _direct(hub, lambda session, actor: session.execute(text("DROP TRIGGER no_lines")))  # the cause fixed
    qtbot.mouseClick(screen.rerun_button, _left())
    qtbot.waitUntil(lambda: screen.model.rowCount() == 3, timeout=10000)
    assert "2 payroll(s) generated for ALL-202603" in screen.notice.text()
    statuses = {p.code: p.status for p in _direct(hub, list_payrolls)}
    assert statuses == {
        "ALL-202603-FAILED-1": "failed",
        "ALL-202603-PP1": "pending_approval",
        "ALL-202603-PP2": "pending_approval",
    }


def test_a_refused_generation_keeps_the_dialog_open_with_the_reason(
    qtbot: QtBot, hub_as: HubAs, admin: Desk, desk_for: Any
) -> None:
    hub = hub_as("sue")
    ready_to_generate(hub.desk, admin, desk_for)
    screen = _payroll_screen(qtbot, hub, 0)
    dialog = screen.open_generate()
    qtbot.waitUntil(lambda: dialog.plan.count() == 1, timeout=5000)
    dialog.period.setDate(QDate(2025, 6, 1))  # before the plan starts
    qtbot.mouseClick(dialog.generate_button, _left())
    qtbot.waitUntil(lambda: "outside it" in dialog.error.text(), timeout=5000)
    assert dialog.isVisible() and dialog.generate_button.isEnabled()


def test_over_the_budget_stops_or_pays_up_to_the_budget(
    qtbot: QtBot, hub_as: HubAs, admin: Desk, desk_for: Any
) -> None:
    hub = hub_as("sue")
    ready_to_generate(hub.desk, admin, desk_for, flat_plan(budget_per_cycle="40,000"))
    screen = _payroll_screen(qtbot, hub, 0)
    dialog = screen.open_generate()
    qtbot.waitUntil(lambda: dialog.plan.count() == 1, timeout=5000)
    dialog.period.setDate(QDate(2026, 3, 1))
    assert dialog.budget.text() == "Budget per cycle: 40,000.00 MWK" and dialog.stop.isChecked()
    qtbot.mouseClick(dialog.generate_button, _left())
    qtbot.waitUntil(lambda: "more than the plan's budget" in dialog.error.text(), timeout=5000)
    assert "20,000.00 MWK more" in dialog.error.text()
    dialog.fill.setChecked(True)
    qtbot.mouseClick(dialog.generate_button, _left())
    qtbot.waitUntil(lambda: screen.model.rowCount() > 0, timeout=10000)
    assert "4 payments, 40,000.00 MWK" in screen.notice.text()
    assert "2 households left off: over the budget" in screen.notice.text()


def test_cancel_of_a_generation_leaves_nothing(
    qtbot: QtBot, hub_as: HubAs, admin: Desk, desk_for: Any
) -> None:
    hub = hub_as("sue")
    ready_to_generate(hub.desk, admin, desk_for)
    screen = _payroll_screen(qtbot, hub, 0)
    dialog = screen.open_generate()
    qtbot.waitUntil(lambda: dialog.plan.count() == 1, timeout=5000)
    dialog.period.setDate(QDate(2026, 3, 1))
    # The worker is busy with earlier work, so the user sees the progress dialog and presses Cancel
    # before generation has finished.
    busy = threading.Event()
    hub.run(busy.wait, 10)
    qtbot.mouseClick(dialog.generate_button, _left())
    qtbot.waitUntil(lambda: any(p.isVisible() for p in _progress_dialogs()), timeout=3000)
    progress = next(p for p in _progress_dialogs() if p.isVisible())
    progress.findChild(QPushButton).click()
    busy.set()
    qtbot.waitUntil(lambda: "Cancelled. Nothing was saved." in dialog.error.text(), timeout=5000)
    assert dialog.isVisible()
    assert _direct(hub, list_payrolls) == []
    # Nothing half-written: the same month generates in full afterwards.
    result = _direct(hub, generate_payroll, plan_code="ALL", period="2026-03")
    assert sum(p.line_count for p in result.payrolls) == 6


def _progress_dialogs() -> list[QProgressDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog)]


@pytest.fixture
def pending(hub_as: HubAs, admin: Desk, desk_for: Any) -> list[str]:
    """Payrolls ALL-202603-PP1 and -PP2 generated by sue; sam is a second supervisor."""
    sue = desk_for("sue")
    ready_to_generate(sue, admin, desk_for)
    _second_supervisor(admin)
    return [p.code for p in sue.run(generate_payroll, plan_code="ALL", period="2026-03").payrolls]


def test_own_payroll_is_refused_and_a_second_supervisor_approves_it(
    qtbot: QtBot, hub_as: HubAs, pending: list[str]
) -> None:
    screen = _payroll_screen(qtbot, hub_as("sue"), 2)
    _select(qtbot, screen, "ALL-202603-PP1")
    # Sue generated it: the window does not offer her the decision, and says why.
    assert not screen.approve_button.isEnabled() and not screen.reject_button.isEnabled()
    assert "another supervisor approves" in screen.approve_button.toolTip()
    assert not screen.sheet_button.isEnabled()
    confirm = _when_modal(QMessageBox, _yes)
    screen.approve()  # were the button reached anyway (a keyboard shortcut), the service refuses it
    qtbot.waitUntil(lambda: "another supervisor must approve" in screen.notice.text(), timeout=5000)
    assert confirm is not None and screen.notice.objectName() == "errorLabel"
    screen.window().close()

    screen = _payroll_screen(qtbot, hub_as("sam"), 2)
    _select(qtbot, screen, "ALL-202603-PP1")
    confirm = _when_modal(QMessageBox, _yes)
    qtbot.mouseClick(screen.approve_button, _left())
    qtbot.waitUntil(lambda: "ALL-202603-PP1 approved" in screen.notice.text(), timeout=5000)
    qtbot.waitUntil(lambda: _cells(screen.table, 0)[4] == "Approved", timeout=5000)
    assert _cells(screen.table, 0)[8] == "Sam Second"
    qtbot.waitUntil(lambda: "Approved by Sam Second" in screen.detail.header.text(), timeout=5000)
    fingerprint = screen.detail.fingerprint.text().removeprefix("Fingerprint: ")
    assert len(fingerprint) == 64
    assert screen.sheet_button.isEnabled() and not screen.approve_button.isEnabled()


def test_reject_asks_why_and_shows_the_reason(qtbot: QtBot, hub_as: HubAs, pending: list[str]) -> None:
    screen = _payroll_screen(qtbot, hub_as("sam"), 2)
    _select(qtbot, screen, "ALL-202603-PP2")

    def because(dialog: QInputDialog) -> None:
        dialog.setTextValue("two households moved away")
        dialog.accept()

    reason = _when_modal(QInputDialog, because)
    qtbot.mouseClick(screen.reject_button, _left())
    qtbot.waitUntil(lambda: "ALL-202603-PP2 rejected" in screen.notice.text(), timeout=5000)
    assert reason is not None
    qtbot.waitUntil(lambda: "two households moved away" in screen.detail.header.text(), timeout=5000)
    assert _cells(screen.table, 1)[4] == "Rejected" and _cells(screen.table, 1)[8] == "rejected: Sam Second"
    qtbot.waitUntil(lambda: "Cancelled: 3" in screen.detail.counts.text(), timeout=5000)


@pytest.fixture
def approved(pending: list[str], desk_for: Any) -> str:
    desk_for("sam").run(approve_payroll, "ALL-202603-PP1")
    return "ALL-202603-PP1"


def test_printed_sheet_holds_every_transaction_number(
    qtbot: QtBot, hub_as: HubAs, approved: str, tmp_path: Path
) -> None:
    hub = hub_as("sue")
    screen = _payroll_screen(qtbot, hub, 2)
    _select(qtbot, screen, approved)
    target = tmp_path / f"{approved}.pdf"
    chooser = _when_modal(QFileDialog, _save_as(target))
    qtbot.mouseClick(screen.sheet_button, _left())
    qtbot.waitUntil(lambda: "Payroll sheet saved: 3 payments" in screen.notice.text(), timeout=10000)
    assert chooser is not None and target.exists()
    assert screen.detail.file_row.isVisible() and screen.detail.print_button.isVisible()
    text = subprocess.run(
        ["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True, check=True
    )
    numbers = [line.transaction_number for line in _direct(hub, payroll_lines, approved)]
    assert len(numbers) == 3
    for number in numbers:
        assert number in text.stdout


@pytest.mark.skipif(bool(QPrinterInfo.availablePrinters()), reason="a printer is set up here")
def test_print_without_a_printer_says_so_and_the_file_stays(
    qtbot: QtBot, hub_as: HubAs, approved: str, tmp_path: Path
) -> None:
    screen = _payroll_screen(qtbot, hub_as("sue"), 2)
    _select(qtbot, screen, approved)
    chooser = _when_modal(QFileDialog, _save_as(tmp_path / "sheet.pdf"))
    qtbot.mouseClick(screen.sheet_button, _left())
    qtbot.waitUntil(screen.detail.print_button.isVisible, timeout=10000)
    said: list[str] = []

    def read(box: QMessageBox) -> None:
        said.append(box.text())
        box.accept()

    answer = _when_modal(QMessageBox, read)
    qtbot.mouseClick(screen.detail.print_button, _left())
    qtbot.waitUntil(lambda: bool(said), timeout=5000)
    assert chooser is not None and answer is not None
    assert "No printer is set up" in said[0] or "cannot print PDFs" in said[0]
    assert str(tmp_path / "sheet.pdf") in said[0]


def test_payment_file_for_the_provider(qtbot: QtBot, hub_as: HubAs, approved: str, tmp_path: Path) -> None:
    hub = hub_as("sue")
    screen = _payroll_screen(qtbot, hub, 2)
    _select(qtbot, screen, approved)
    assert screen.export_button.isEnabled()  # KMM is a mobile money provider
    target = tmp_path / "kmm.csv"
    chooser = _when_modal(QFileDialog, _save_as(target))
    qtbot.mouseClick(screen.export_button, _left())
    qtbot.waitUntil(lambda: "Payment file saved: 3 payments" in screen.notice.text(), timeout=10000)
    assert chooser is not None
    written = target.read_text(encoding="utf-8-sig")
    for line in _direct(hub, payroll_lines, approved):
        assert line.transaction_number in written
    assert not screen.detail.print_button.isVisible()  # a CSV goes to the provider, not the printer


@pytest.mark.skipif(not pdf_support(), reason="PySide6-Pdf is not installed")
def test_print_draws_every_page_of_the_sheet_on_the_printer(
    qtbot: QtBot, hub_as: HubAs, approved: str, tmp_path: Path
) -> None:
    """What Print… does after the system dialog: the saved PDF's pages, drawn on the worker thread."""
    hub = hub_as("sue")
    sheet = _direct(hub, print_sheet, approved, tmp_path / "sheet.pdf")
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # a real printer backend, into a file
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    done: list[object] = []
    hub.job(
        "Printing",
        print_pages,
        sheet.path,
        printer,
        needs_desk=False,
        on_done=done.append,
        on_error=done.append,
    )
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert done == [sheet.pages]
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "printed.pdf")], capture_output=True, text=True, check=True
    )
    assert f"Pages:           {sheet.pages}" in info.stdout


def test_clerk_sees_payrolls_but_no_generate_approve_or_print(
    qtbot: QtBot, hub_as: HubAs, admin: Desk, pending: list[str]
) -> None:
    admin.run(
        save_pay_point,
        PayPointInput(code="PP1", name="Chikwawa agent", provider="KMM", village="V001", clerks=["carl"]),
    )
    screen = _payroll_screen(qtbot, hub_as("carl"), 1)  # the payroll of his pay point only
    assert "enrolment" not in screen.window().screens
    assert _cells(screen.table, 0)[0] == "ALL-202603-PP1"
    qtbot.waitUntil(lambda: screen.detail.lines.loaded == 3, timeout=5000)
    for button in (
        screen.generate_button,
        screen.approve_button,
        screen.reject_button,
        screen.sheet_button,
        screen.slips_button,
        screen.export_button,
    ):
        assert button.isHidden()
