"""The enrolment screen's forms: enrol households (or, in a plan for individuals, chosen members of a
household) by hand, and change one beneficiary's status.

Each saves through the enrolment services in one call; a refusal (a household already enrolled, a change
the rules do not allow, no reason given) is shown under the form and the dialog stays open.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cashdesk.payroll.enrolment import (
    ALLOWED_CHANGES,
    Person,
    change_status,
    enrol_households,
    enrol_people,
    household_people,
)
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


class EnrolPeopleDialog(QDialog):
    """In a plan for individuals: find a household, tick the members to enrol, say why."""

    def __init__(self, hub: OpsHub, plan_code: str, plan_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.plan_code = plan_code
        self.enrolled = 0
        self.shown_code = ""  # the household whose members the list shows
        self.setWindowTitle(self.tr("Enrol chosen people"))
        self.setMinimumWidth(560)
        self.household = QLineEdit()
        self.household.setPlaceholderText(self.tr("Household code, then Enter"))
        self.household.returnPressed.connect(self.find)
        find = QPushButton(self.tr("Show members"))
        find.setAutoDefault(False)
        find.clicked.connect(self.find)
        row = QHBoxLayout()
        row.addWidget(self.household, 1)
        row.addWidget(find)
        self.people = QListWidget()
        self.people.setMinimumHeight(140)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("e.g. referred by the social welfare office"))
        self.day = _date_edit()
        form = QFormLayout()
        form.addRow(self.tr("Plan"), QLabel(plan_label))
        form.addRow(self.tr("Household"), row)
        form.addRow(self.tr("Members"), self.people)
        form.addRow(self.tr("Why by hand"), self.reason)
        form.addRow(self.tr("Enrolled from"), self.day)
        hint = QLabel(
            self.tr(
                "The people ticked become active beneficiaries whatever the plan's criteria say, and are "
                "paid in person. Members already in the plan are shown with their status."
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

    def find(self) -> None:
        self.error.clear_error()
        code = self.household.text().strip()
        if not code:
            return
        self.hub.call(
            household_people,
            self.plan_code,
            code,
            on_done=lambda people: self._show(code, people),
            on_error=lambda exc: show_failure(exc, self.error, {}),
            parent=self,
        )

    def _show(self, code: str, people: list[Person]) -> None:
        self.shown_code = code
        self.people.clear()
        for person in people:
            label = f"{person.name}  ·  {person.sex}  ·  {person.birth}"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, person.member_id)
            if person.status is None:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
            else:  # in the plan already: shown, not offered
                item.setText(label + "  ·  " + enrolment_status(person.status).lower())
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.people.addItem(item)

    def ticked(self) -> list[uuid.UUID]:
        items = (self.people.item(i) for i in range(self.people.count()))
        return [
            item.data(Qt.ItemDataRole.UserRole)
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        ]

    def save(self) -> None:
        self.error.clear_error()
        if self.shown_code != self.household.text().strip():
            self.find()  # the code was changed after the list was shown: show whose members they are
            self.error.show_error(self.tr("Tick the people to enrol in the list of this household."))
            return
        self.hub.call(
            enrol_people,
            self.plan_code,
            self.shown_code,
            self.ticked(),
            reason=self.reason.text(),
            on=_day(self.day),
            on_done=self._saved,
            on_error=lambda exc: show_failure(
                exc, self.error, {"reason": self.reason, "people": self.people}
            ),
            parent=self,
        )

    def _saved(self, count: int) -> None:
        self.enrolled = count
        self.accept()


@dataclass(frozen=True)
class Enrolled:
    """A member enrolled in a plan for individuals, as the status dialog offers them."""

    member_id: uuid.UUID
    name: str
    status: str


class StatusDialog(QDialog):
    """Suspend, reactivate, graduate or exit one beneficiary; only the changes the rules allow are offered."""

    def __init__(
        self,
        hub: OpsHub,
        *,
        plan_code: str,
        household_code: str,
        current: str,
        people: list[Enrolled] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`people`: in a plan for individuals, the household's enrolled members to choose from."""
        super().__init__(parent)
        self.hub = hub
        self.plan_code = plan_code
        self.household_code = household_code
        self.people = people or []
        self.setWindowTitle(self.tr("Change status of {code}").format(code=household_code))
        self.setMinimumWidth(460)
        self.person = QComboBox()
        for person in self.people:
            self.person.addItem(person.name, person.member_id)
        self.person.currentIndexChanged.connect(lambda _i: self._offer_changes())
        self.now = QLabel()
        self.status = QComboBox()
        self.current = current
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("e.g. moved out of the district"))
        self.day = _date_edit()
        form = QFormLayout()
        form.addRow(self.tr("Household"), QLabel(household_code))
        if self.people:
            form.addRow(self.tr("Person"), self.person)
        form.addRow(self.tr("Now"), self.now)
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
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._offer_changes()

    def _offer_changes(self) -> None:
        """The changes the rules allow from the current status (of the chosen person, if any)."""
        if self.people:
            self.current = self.people[max(0, self.person.currentIndex())].status
        self.now.setText(enrolment_status(self.current))
        self.status.clear()
        # The statuses are str enums: the service's own table says which changes the rules allow.
        allowed = {
            str(to) for source, targets in ALLOWED_CHANGES.items() if source == self.current for to in targets
        }
        for target in [s for s in ORDER if s in allowed]:
            self.status.addItem(enrolment_status(target), target)
        self.error.clear_error()
        if not self.status.count():
            self.error.show_error(
                self.tr("A {status} beneficiary's status cannot change.").format(
                    status=enrolment_status(self.current).lower()
                )
            )
        self.buttons.button(self.buttons.StandardButton.Ok).setEnabled(bool(self.status.count()))

    def save(self) -> None:
        self.error.clear_error()
        self.hub.call(
            change_status,
            self.plan_code,
            self.household_code,
            to=self.status.currentData(),
            reason=self.reason.text(),
            effective_on=_day(self.day),
            member_id=self.person.currentData() if self.people else None,
            on_done=lambda _none: self.accept(),
            on_error=lambda exc: show_failure(
                exc, self.error, {"reason": self.reason, "status": self.status}
            ),
            parent=self,
        )
