"""The enrolment screen's two forms: enrol households by hand, and change one beneficiary's status.

Both save through the enrolment services in one call; a refusal (a household already enrolled, a change
the rules do not allow, no reason given) is shown under the form and the dialog stays open.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from cashdesk.payroll.enrolment import ALLOWED_CHANGES, change_status, enrol_households
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.money_ui import enrolment_status
from cashdesk.ui.widgets.forms import ErrorLabel, ok_cancel_buttons, show_failure

ORDER = ("active", "suspended", "graduated", "exited")


def _date_edit() -> QDateEdit:
    edit = QDateEdit(QDate.currentDate())
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def _day(edit: QDateEdit) -> date:
    day = edit.date()
    return date(day.year(), day.month(), day.day())


def household_codes(text: str) -> list[str]:
    """Codes as people paste them: one a line, or separated by commas, semicolons or spaces."""
    return [code for code in re.split(r"[\s,;]+", text) if code]


class EnrolByHandDialog(QDialog):
    """Enrol households the criteria do not select (a supervisor's decision, with the reason)."""

    def __init__(self, hub: OpsHub, plan_code: str, plan_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.plan_code = plan_code
        self.enrolled = 0
        self.setWindowTitle(self.tr("Enrol chosen households"))
        self.setMinimumWidth(520)
        self.codes = QPlainTextEdit()
        self.codes.setPlaceholderText(self.tr("One household code a line, or separated by commas"))
        self.codes.setMinimumHeight(120)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("e.g. referred by the social welfare office"))
        self.day = _date_edit()
        form = QFormLayout()
        form.addRow(self.tr("Plan"), QLabel(plan_label))
        form.addRow(self.tr("Household codes"), self.codes)
        form.addRow(self.tr("Why by hand"), self.reason)
        form.addRow(self.tr("Enrolled from"), self.day)
        hint = QLabel(
            self.tr(
                "These households become active beneficiaries whatever the plan's criteria say. "
                "The reason is kept with each of them."
            )
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        self.error = ErrorLabel()
        self.buttons = ok_cancel_buttons(self, self.tr("Enrol"), self.save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def save(self) -> None:
        self.error.clear_error()
        self.hub.call(
            enrol_households,
            self.plan_code,
            household_codes(self.codes.toPlainText()),
            reason=self.reason.text(),
            on=_day(self.day),
            on_done=self._saved,
            on_error=lambda exc: show_failure(exc, self.error, {"reason": self.reason}),
            parent=self,
        )

    def _saved(self, count: int) -> None:
        self.enrolled = count
        self.accept()


class StatusDialog(QDialog):
    """Suspend, reactivate, graduate or exit one beneficiary; only the changes the rules allow are offered."""

    def __init__(
        self,
        hub: OpsHub,
        *,
        plan_code: str,
        household_code: str,
        current: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self.plan_code = plan_code
        self.household_code = household_code
        self.setWindowTitle(self.tr("Change status of {code}").format(code=household_code))
        self.setMinimumWidth(460)
        self.status = QComboBox()
        # The statuses are str enums: the service's own table says which changes the rules allow.
        allowed = {
            str(to) for source, targets in ALLOWED_CHANGES.items() if source == current for to in targets
        }
        for target in [s for s in ORDER if s in allowed]:
            self.status.addItem(enrolment_status(target), target)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("e.g. moved out of the district"))
        self.day = _date_edit()
        form = QFormLayout()
        form.addRow(self.tr("Household"), QLabel(household_code))
        form.addRow(self.tr("Now"), QLabel(enrolment_status(current)))
        form.addRow(self.tr("New status"), self.status)
        form.addRow(self.tr("Reason"), self.reason)
        form.addRow(self.tr("From (date)"), self.day)
        hint = QLabel(
            self.tr(
                "Suspended households are left off new payrolls until they are active again. "
                "Graduated and exited are final."
            )
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        self.error = ErrorLabel()
        self.buttons = ok_cancel_buttons(self, self.tr("Change status"), self.save)
        if not self.status.count():
            self.error.show_error(
                self.tr("A {status} beneficiary's status cannot change.").format(
                    status=enrolment_status(current).lower()
                )
            )
            self.buttons.button(self.buttons.StandardButton.Ok).setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def save(self) -> None:
        self.error.clear_error()
        self.hub.call(
            change_status,
            self.plan_code,
            self.household_code,
            to=self.status.currentData(),
            reason=self.reason.text(),
            effective_on=_day(self.day),
            on_done=lambda _none: self.accept(),
            on_error=lambda exc: show_failure(
                exc, self.error, {"reason": self.reason, "status": self.status}
            ),
            parent=self,
        )
