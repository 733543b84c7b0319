"""A date a form may leave empty: a tick box says whether there is one (a contract with no end date, a
plan that runs until further notice), so nobody has to type a made-up far-future date."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QCheckBox, QDateEdit, QHBoxLayout, QWidget


def to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def date_edit(day: date | None = None) -> QDateEdit:
    edit = QDateEdit(to_qdate(day or date.today()))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumWidth(130)  # the whole date and the calendar button
    return edit


class OptionalDate(QWidget):
    """[x] Label  [2026-01-31 ▾]; unticked means no date (and the date box is greyed out)."""

    def __init__(self, label: str, day: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = QCheckBox(label)
        self.edit = date_edit(day)
        self.check.toggled.connect(self.edit.setEnabled)
        self.set_date(day)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.check)
        row.addWidget(self.edit)
        row.addStretch(1)
        self.setFocusProxy(self.check)

    def set_date(self, day: date | None) -> None:
        self.check.setChecked(day is not None)
        self.edit.setEnabled(day is not None)
        if day is not None:
            self.edit.setDate(to_qdate(day))

    def value(self) -> date | None:
        return from_qdate(self.edit.date()) if self.check.isChecked() else None
