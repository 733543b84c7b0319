"""The pay point screen driven by keyboard and scanner input only, as a clerk works through a pay day."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from cashdesk.desk import Desk
from cashdesk.payroll.queries import payroll_lines
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.pay_point import PayPointScreen
from tests.unit.test_cash_instead_of_transfer import MOBILE, desks  # noqa: F401 - the fixture
from tests.unit.test_disbursement import PP1, carl  # noqa: F401 - the fixture


def _screen(qtbot: QtBot, hub: OpsHub) -> PayPointScreen:
    screen = PayPointScreen(hub)
    qtbot.addWidget(screen)
    screen.resize(1366, 700)
    screen.show()
    qtbot.waitUntil(lambda: screen.payroll.count() == 1 and screen.reason.count() > 0)
    return screen


def _scan(qtbot: QtBot, screen: PayPointScreen, text: str) -> None:
    """What a USB scanner does: types the characters, then presses Enter."""
    screen.search.setFocus()
    qtbot.keyClicks(screen.search, text)
    qtbot.keyClick(screen.search, Qt.Key.Key_Return)


def _statuses(hub: OpsHub) -> list[str]:
    assert hub.wait_idle(30_000)
    return [line.status for line in hub.desk.run(payroll_lines, PP1)]


def test_scan_then_enter_records_paid_and_a_second_scan_shows_it_was_paid(
    qtbot: QtBot,
    hub_as: Any,
    carl: Desk,  # noqa: F811
) -> None:
    hub = hub_as("carl")
    screen = _screen(qtbot, hub)
    lines = hub.desk.run(payroll_lines, PP1)
    number = lines[0].transaction_number
    _scan(qtbot, screen, number.replace("-", ""))
    qtbot.waitUntil(lambda: screen.card is not None)
    assert lines[0].recipient_name in screen.card_label.text() and "10,000.00 MWK" in screen.card_label.text()
    assert screen.paid_button.hasFocus()
    qtbot.keyClick(screen.paid_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Paid:" in screen.message.text())
    assert screen.search.hasFocus() and screen.search.text() == "" and screen.card is None
    assert _statuses(hub)[0] == "paid"

    _scan(qtbot, screen, number)
    qtbot.waitUntil(lambda: screen.card is not None)
    assert "Already recorded: paid" in screen.card_label.text() and not screen.paid_button.isEnabled()


def test_a_typo_is_refused_at_once_and_not_paid_takes_the_chosen_reason(
    qtbot: QtBot,
    hub_as: Any,
    carl: Desk,  # noqa: F811
) -> None:
    hub = hub_as("carl")
    screen = _screen(qtbot, hub)
    lines = hub.desk.run(payroll_lines, PP1)
    number = lines[1].transaction_number
    typo = number[:-1] + ("A" if number[-1] != "A" else "B")
    _scan(qtbot, screen, typo)
    qtbot.waitUntil(lambda: "check character" in screen.message.text())
    assert screen.card is None and screen.search.hasFocus()

    _scan(qtbot, screen, lines[1].household_code)
    qtbot.waitUntil(lambda: screen.card is not None)
    screen.reason.setCurrentIndex(screen.reason.findData("out_of_cash"))
    qtbot.keyClick(screen.paid_button, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: "Not paid:" in screen.message.text())
    assert _statuses(hub)[1] == "not_paid"


def test_several_matches_are_listed_and_one_is_chosen_by_keyboard(
    qtbot: QtBot,
    hub_as: Any,
    carl: Desk,  # noqa: F811
) -> None:
    hub = hub_as("carl")
    screen = _screen(qtbot, hub)
    _scan(qtbot, screen, "a")  # a letter in every name
    qtbot.waitUntil(lambda: screen.matches.count() == 3)
    assert screen.matches.hasFocus()
    qtbot.keyClick(screen.matches, Qt.Key.Key_Down)
    qtbot.keyClick(screen.matches, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.card is not None)
    assert (
        screen.card is not None
        and screen.card.transaction_number == hub.desk.run(payroll_lines, PP1)[1].transaction_number
    )
    qtbot.keyClick(screen.paid_button, Qt.Key.Key_Escape)
    assert screen.card is None and screen.search.hasFocus()


def test_the_days_figures_and_records_follow_each_record_and_print_for_signing(
    qtbot: QtBot,
    hub_as: Any,
    carl: Desk,  # noqa: F811
    tmp_path: Path,
) -> None:
    hub = hub_as("carl")
    screen = _screen(qtbot, hub)
    qtbot.waitUntil(lambda: "Still to pay" in screen.today.text())
    lines = hub.desk.run(payroll_lines, PP1)
    _scan(qtbot, screen, lines[0].transaction_number)
    qtbot.waitUntil(lambda: screen.card is not None)
    qtbot.keyClick(screen.paid_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.records.count() == 1)
    assert (
        lines[0].recipient_name in screen.records.item(0).text() and "paid" in screen.records.item(0).text()
    )
    screen.cash_received("30,000")
    qtbot.waitUntil(lambda: "30,000.00 MWK" in screen.today.text())
    assert "20,000.00 MWK" in screen.today.text()  # remaining: received less the 10,000 paid

    out = tmp_path / "day.pdf"
    screen.print_day(out)
    qtbot.waitUntil(lambda: "End of day saved" in screen.message.text())
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Cash remaining (to be handed in)" in text and "20,000.00 MWK" in text

    screen.records.setCurrentRow(0)
    screen.records.itemActivated.emit(screen.records.item(0))  # Enter on the record: its payment, to reverse
    qtbot.waitUntil(lambda: screen.card is not None and screen.reverse_button.isEnabled())
    assert screen.card.transaction_number == lines[0].transaction_number


def test_a_mobile_money_slip_scanned_at_its_pay_point_is_paid_in_cash_with_a_warning(
    qtbot: QtBot,
    hub_as: Any,
    desks: dict[str, Desk],  # noqa: F811
) -> None:
    numbers = {line.recipient_name.split()[0]: line.transaction_number
               for line in desks["sue"].run(payroll_lines, MOBILE)}  # fmt: skip
    hub = hub_as("carl")
    screen = _screen(qtbot, hub)
    _scan(qtbot, screen, numbers["Chimwemwe"])
    qtbot.waitUntil(lambda: screen.card is not None)
    assert "Paid by mobile money on payroll ALL-202603-KMM" in screen.card_label.text()
    assert screen.paid_button.isEnabled() and not screen.not_paid_button.isEnabled()
    qtbot.keyClick(screen.paid_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Paid:" in screen.message.text())
    qtbot.waitUntil(lambda: "Cash instead of transfer" in screen.today.text())
