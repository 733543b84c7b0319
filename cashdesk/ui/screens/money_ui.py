"""What the money screens (enrolment, payroll) share: statuses in plain words, amounts with their
currency, periods as months, and the line under the buttons that says what just happened.

The services speak in codes ("pending_approval", minor units); staff read "Waiting for approval" and
"60,000.00 MWK". One place, so the screens and their dialogs say it the same way.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QTableView, QTableWidgetItem, QWidget

from cashdesk.payroll.money import format_amount


def _tr(text: str) -> str:
    return QCoreApplication.translate("PayrollWords", text)


def payroll_status(code: str) -> str:
    return {
        "generating": _tr("Being generated"),
        "pending_approval": _tr("Waiting for approval"),
        "approved": _tr("Approved"),
        "rejected": _tr("Rejected"),
        "failed": _tr("Failed"),
        "reconciled": _tr("Reconciled"),
    }.get(code, code.replace("_", " "))


def payment_status(code: str) -> str:
    return {
        "pending": _tr("To pay"),
        "paid": _tr("Paid"),
        "not_paid": _tr("Not paid"),
        "reversed": _tr("Reversed"),
        "cancelled": _tr("Cancelled"),
    }.get(code, code.replace("_", " "))


def reconciliation_category(code: str) -> str:
    """A category's word in the reconciliation table (the report and tooltips use the long ones)."""
    return {
        "matched": _tr("Paid as due"),
        "amount_differs": _tr("Other amount"),
        "failed": _tr("Failed"),
        "not_in_file": _tr("Not in the file"),
        "unknown": _tr("Not on the payroll"),
        "duplicate_provider_id": _tr("Receipt used twice"),
        "paid_twice": _tr("Paid twice"),
    }.get(code, code.replace("_", " "))


def reconciliation_decision(code: str) -> str:
    return {"accept": _tr("Accepted"), "mark_unpaid": _tr("Marked unpaid"), "flag": _tr("Flagged")}.get(
        code, code
    )


def enrolment_status(code: str | None) -> str:
    if not code:
        return "—"
    return {
        "potential": _tr("Not yet enrolled"),
        "active": _tr("Active"),
        "suspended": _tr("Suspended"),
        "graduated": _tr("Graduated"),
        "exited": _tr("Exited"),
    }.get(code, code.replace("_", " "))


def payment_method(code: str) -> str:
    return {"cash": _tr("Cash"), "mobile_money": _tr("Mobile money"), "bank": _tr("Bank")}.get(
        code, code.replace("_", " ")
    )


def money(minor: int, *, minor_units: int, currency: str) -> str:
    return format_amount(minor, minor_units=minor_units, currency=currency)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def month_range(period: str) -> str:
    """A cycle's period ("2026-03-01 to 2026-05-31", whatever the words between) as "Mar 2026" or
    "Mar – May 2026": what a person calls a payment cycle."""
    days = [date.fromisoformat(d) for d in _ISO_DAY.findall(period)]
    if len(days) != 2:
        return period
    start, end = days
    if (start.year, start.month) == (end.year, end.month):
        return start.strftime("%b %Y")
    if start.year == end.year:
        return f"{start:%b} – {end:%b %Y}"
    return f"{start:%b %Y} – {end:%b %Y}"


def when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""


class Notice(QLabel):
    """The outcome of the last action, in words: green when it worked, red when it was refused.
    Not a message box: the user keeps working, and the words stay until the next action."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def ok(self, text: str) -> None:
        self._show("okLabel", text)

    def problem(self, text: str) -> None:
        self._show("errorLabel", text)

    def clear(self) -> None:
        self.setText("")
        self.hide()

    def _show(self, name: str, text: str) -> None:
        self.setObjectName(name)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setText(text)
        self.setVisible(bool(text))


def number_item(text: str) -> QTableWidgetItem:
    """A table cell for a count or an amount: right-aligned so the digits line up."""
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def compact_rows(table: QTableView) -> None:
    """One line of text a row: more payments on a 720-pixel-high screen without scrolling."""
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
