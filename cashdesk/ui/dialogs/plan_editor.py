"""The benefit plan editor: what the plan is, who is included, how much each household gets.

It builds a PlanInput from its widgets and saves it through cashdesk.payroll.plans.save_plan, which checks
everything before writing anything. A refusal names its field ("top-up 1 amount: …"); the editor shows the
message, marks the field and leaves the dialog open, so nothing is saved and nothing typed is lost.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cashdesk.core.errors import ValidationError
from cashdesk.payroll.plans import PlanInput, save_plan
from cashdesk.ui.dialogs.criteria_rows import ConditionRow, RowList, TopUpRow, catalogues_for
from cashdesk.ui.dialogs.date_fields import OptionalDate, date_edit, from_qdate, to_qdate
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.widgets.alive import guarded
from cashdesk.ui.widgets.forms import ErrorLabel, show_failure

FREQUENCIES = {
    "monthly": "Every month",
    "bimonthly": "Every 2 months",
    "quarterly": "Every 3 months (quarterly)",
    "one_off": "Once (one-off payment)",
}
SECTION_STYLE = "QGroupBox { font-weight: 600; } QGroupBox QWidget { font-weight: 400; }"
_ROW_FIELD = re.compile(r"^(criterion|top-up) (\d+)(?: (\w+))?$")


def friendly_amount(text: str) -> str:
    """'5000.00' -> '5,000' and '5000.50' -> '5,000.50': as people write amounts (save_plan reads both)."""
    try:
        amount = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        return text
    if not amount.is_finite():
        return text
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,}"


class PlanEditor(QDialog):
    """`scheme` is a SchemeInfo (currency, the scheme's own fields); `plan` a PlanInput to change, or None
    for a new plan. `read_only` shows a plan to someone who may not change plans."""

    saved = Signal(object)  # the PlanSummary

    def __init__(
        self,
        hub: OpsHub,
        scheme: Any,
        *,
        plan: PlanInput | None = None,
        location_codes: list[str] | None = None,
        taken_codes: frozenset[str] = frozenset(),
        read_only: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self.scheme = scheme
        self.editing = plan is not None
        self.read_only = read_only
        self.taken_codes = taken_codes
        self.catalogues = catalogues_for(scheme.custom_fields_schema)
        codes = location_codes or []
        if read_only:
            self.setWindowTitle(self.tr("Benefit plan {code}").format(code=plan.code if plan else ""))
        else:
            self.setWindowTitle(self.tr("Edit benefit plan") if plan else self.tr("New benefit plan"))
        self.resize(1180, 660)  # a 1280x720 window's worth, on a 1366x768 laptop
        self.setStyleSheet(SECTION_STYLE)

        self._build_plan_box()
        self.conditions = RowList(
            lambda: self._worded(ConditionRow(self.catalogues, codes)),
            self.tr(
                "No conditions: every registered household qualifies. Add a condition to target the plan."
            ),
        )
        self.top_ups = RowList(
            lambda: self._worded(TopUpRow(self.catalogues, codes, scheme.currency)),
            self.tr("No top-ups: every household gets the amount above."),
        )
        who = self._rows_box(
            self.tr("Who is included"),
            self.conditions,
            self.tr("Add a condition"),
            lead=self._match_line(),
        )
        self.how_much = how_much = self._rows_box(
            self.tr("How much each household gets, each payment"),
            self.top_ups,
            self.tr("Add a top-up"),
            lead=self._amount_line(),
        )
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 8, 0)
        column.addWidget(self.plan_box)
        column.addWidget(who, 1)
        column.addWidget(how_much, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        self.error = ErrorLabel()
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            self.tr("Save plan"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        close = self.buttons.addButton(
            self.tr("Close") if read_only else self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.save_button.clicked.connect(self.save)
        close.clicked.connect(self.reject)
        self.save_button.setVisible(not read_only)
        self.save_button.setDefault(not read_only)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.conditions.changed.connect(self._fix_tab_order)
        self.top_ups.changed.connect(self._fix_tab_order)
        self.target.currentIndexChanged.connect(lambda _i: self._target_changed())
        if plan is not None:
            self.load(plan)
        self._target_changed()
        if read_only:
            self._set_read_only()
        self._fix_tab_order()
        (self.name if self.editing else self.code).setFocus()

    # --- layout ---
    def _build_plan_box(self) -> None:
        scheme = self.scheme
        self.code = QLineEdit()
        self.code.setMaxLength(32)
        self.code.setPlaceholderText(self.tr("e.g. CG-2026"))
        self.code.setToolTip(self.tr("A short code: letters, digits, - or _. It cannot change later."))
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("e.g. Child grant"))
        self.target = QComboBox()
        self.target.addItem(self.tr("Households"), "household")
        self.target.addItem(self.tr("Individuals"), "individual")
        self.target.setToolTip(
            self.tr(
                "Households: one payment a household, to its primary recipient. Individuals: each person "
                "the conditions select is enrolled and paid in person (e.g. an old age pension)."
            )
        )
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText(self.tr("What the plan is for, who decided it (optional)"))
        self.description.setFixedHeight(52)
        self.description.setTabChangesFocus(True)
        self.start = date_edit(date.today())
        self.start.setToolTip(self.tr("The first day the plan pays for."))
        self.end = OptionalDate(self.tr("Ends on"))
        self.end.setToolTip(self.tr("Leave unticked if the plan runs until further notice."))
        self.currency = QLineEdit(scheme.currency)
        self.currency.setReadOnly(True)
        self.currency.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # shown, never typed in
        self.currency.setToolTip(
            self.tr("Plans pay in the scheme's currency, set when the scheme was created.")
        )
        self.currency.setFixedWidth(70)
        self.frequency = QComboBox()
        for value, label in FREQUENCIES.items():
            self.frequency.addItem(self.tr(label), value)
        self.max_beneficiaries = QSpinBox()
        self.max_beneficiaries.setRange(0, 10_000_000)
        self.max_beneficiaries.setGroupSeparatorShown(True)
        self.max_beneficiaries.setSpecialValueText(self.tr("no limit"))
        self.max_beneficiaries.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.max_beneficiaries.setToolTip(
            self.tr(
                "Enrolment stops when this many households (or people, in a plan for individuals) are in the plan. 0 means no limit."
            )
        )
        self.budget = QLineEdit()
        self.budget.setPlaceholderText(self.tr("no limit"))
        self.budget.setToolTip(
            self.tr(
                "The most one payment cycle may cost, in {currency}; payroll generation stops there."
            ).format(currency=scheme.currency)
        )
        self.carry_arrears = QCheckBox(self.tr("Add what was not paid to the next payment"))
        self.carry_arrears.setToolTip(
            self.tr(
                "A payment marked not paid when its payroll is reconciled is added, as arrears, to the same "
                "beneficiary's payment in the next cycle."
            )
        )
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        left, right = QFormLayout(), QFormLayout()
        left.addRow(self.tr("Code"), self.code)
        left.addRow(self.tr("Name"), self.name)
        left.addRow(self.tr("Pays"), self.target)
        left.addRow(self.tr("Description"), self.description)
        dates = QHBoxLayout()
        dates.addWidget(self.start)
        dates.addSpacing(12)
        dates.addWidget(self.end)
        dates.addStretch(1)
        right.addRow(self.tr("Starts on"), dates)
        money = QHBoxLayout()
        money.addWidget(self.frequency)
        money.addSpacing(8)
        money.addWidget(QLabel(self.tr("in")))
        money.addSpacing(4)
        money.addWidget(self.currency)
        money.addStretch(1)
        right.addRow(self.tr("Paid"), money)
        self.max_beneficiaries.setFixedWidth(150)
        self.budget.setFixedWidth(150)
        budget = QHBoxLayout()
        budget.addWidget(self.budget)
        budget.addWidget(QLabel(scheme.currency))
        budget.addStretch(1)
        right.addRow(self.tr("Most beneficiaries"), self.max_beneficiaries)
        right.addRow(self.tr("Budget per payment"), budget)
        right.addRow(self.tr("Arrears"), self.carry_arrears)
        left.setHorizontalSpacing(12)
        right.setHorizontalSpacing(12)
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.plan_box = QGroupBox(self.tr("The plan"))
        self.plan_box.setLayout(grid)

    def _match_line(self) -> QWidget:
        self.match = QComboBox()
        self.match.addItem(self.tr("all of these conditions"), "all")
        self.match.addItem(self.tr("any one of these conditions"), "any")
        line = QWidget()
        row = QHBoxLayout(line)
        row.setContentsMargins(0, 0, 0, 0)
        self.match_label = QLabel(self.tr("A household qualifies when it meets"))
        row.addWidget(self.match_label)
        row.addWidget(self.match)
        row.addStretch(1)
        return line

    def _amount_line(self) -> QWidget:
        currency = self.scheme.currency
        self.base_amount = QLineEdit()
        self.base_amount.setFixedWidth(120)
        self.base_amount.setPlaceholderText(self.tr("e.g. 5,000"))
        self.amount_per = QComboBox()
        self.amount_per.addItem(self.tr("for each household"), "household")
        self.amount_per.addItem(self.tr("for each member of the household"), "member")
        self.per_person = QLabel(self.tr("for each person"))
        self.cap = QLineEdit()
        self.cap.setFixedWidth(120)
        self.cap.setPlaceholderText(self.tr("no limit"))
        self.cap.setToolTip(self.tr("No household gets more than this in one payment, top-ups included."))
        line = QWidget()
        row = QHBoxLayout(line)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(self.tr("Base amount")))
        row.addWidget(self.base_amount)
        row.addWidget(QLabel(currency))
        row.addWidget(self.amount_per)
        row.addWidget(self.per_person)
        row.addSpacing(16)
        row.addWidget(QLabel(self.tr("but at most")))
        row.addWidget(self.cap)
        row.addWidget(QLabel(currency))
        row.addStretch(1)
        return line

    def individual(self) -> bool:
        return bool(self.target.currentData() == "individual")

    def _worded(self, row: ConditionRow) -> ConditionRow:
        row.set_individual(self.individual())
        return row

    def _target_changed(self) -> None:
        """A plan for individuals considers each person: the words and the per-member choices follow."""
        individual = self.individual()
        self.match_label.setText(
            self.tr("A person qualifies when they meet")
            if individual
            else self.tr("A household qualifies when it meets")
        )
        self.how_much.setTitle(
            self.tr("How much each person gets, each payment")
            if individual
            else self.tr("How much each household gets, each payment")
        )
        if individual:  # the base is paid once to each person: per member would mean nothing
            self.amount_per.setCurrentIndex(self.amount_per.findData("household"))
        self.amount_per.setVisible(not individual)
        self.per_person.setVisible(individual)
        for row in [*self.conditions.rows, *self.top_ups.rows]:
            row.set_individual(individual)

    def _rows_box(self, title: str, rows: RowList, add_text: str, *, lead: QWidget) -> QGroupBox:
        box = QGroupBox(title)
        add = QPushButton(add_text)
        add.clicked.connect(lambda: self._add_row(rows))
        rows.add_button = add  # type: ignore[attr-defined]
        bar = QHBoxLayout()
        bar.addWidget(add)
        bar.addStretch(1)
        column = QVBoxLayout(box)
        column.addWidget(lead)
        column.addWidget(rows)
        column.addLayout(bar)
        return box

    def _add_row(self, rows: RowList) -> None:
        row = rows.add_row()
        row.scope.setFocus()

    def _fix_tab_order(self) -> None:
        """Rows are added after the buttons exist; keep Tab moving down the form in reading order."""
        chain: list[QWidget] = [
            self.code, self.name, self.target, self.description, self.start, self.end.check, self.end.edit,
            self.frequency, self.max_beneficiaries, self.budget, self.match,
        ]  # fmt: skip
        for row in self.conditions.rows:
            chain += row.focus_widgets()
        chain += [self.conditions.add_button, self.base_amount, self.amount_per, self.cap]  # type: ignore[attr-defined]
        for row in self.top_ups.rows:
            chain += row.focus_widgets()
        chain += [self.top_ups.add_button, self.save_button]  # type: ignore[attr-defined]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # --- values in and out ---
    def load(self, plan: PlanInput) -> None:
        self.code.setText(plan.code)
        self.code.setReadOnly(self.editing)  # the code names the plan for payrolls and files
        self.name.setText(plan.name)
        self.target.setCurrentIndex(max(0, self.target.findData(plan.target)))
        self.description.setPlainText(plan.description)
        if plan.start:
            self.start.setDate(to_qdate(plan.start))
        self.end.set_date(plan.end)
        self.frequency.setCurrentIndex(max(0, self.frequency.findData(plan.frequency)))
        self.max_beneficiaries.setValue(plan.max_beneficiaries or 0)
        self.carry_arrears.setChecked(plan.carry_arrears)
        self.budget.setText(friendly_amount(plan.budget_per_cycle))
        self.match.setCurrentIndex(max(0, self.match.findData(plan.match)))
        self.conditions.set_items(plan.conditions)
        base = friendly_amount(plan.base_amount)
        self.base_amount.setText("" if base == "0" else base)
        self.amount_per.setCurrentIndex(max(0, self.amount_per.findData(plan.amount_per)))
        self.cap.setText(friendly_amount(plan.cap))
        self.top_ups.set_items([replace(t, amount=friendly_amount(t.amount)) for t in plan.top_ups])

    def plan_input(self) -> PlanInput:
        return PlanInput(
            code=self.code.text(),
            name=self.name.text(),
            target=str(self.target.currentData()),
            description=self.description.toPlainText(),
            start=from_qdate(self.start.date()),
            end=self.end.value(),
            currency=self.scheme.currency,
            frequency=str(self.frequency.currentData()),
            max_beneficiaries=self.max_beneficiaries.value() or None,
            budget_per_cycle=self.budget.text().strip(),
            match=str(self.match.currentData()),
            conditions=self.conditions.items(),
            base_amount=self.base_amount.text().strip() or "0",
            amount_per=str(self.amount_per.currentData()),
            cap=self.cap.text().strip(),
            top_ups=self.top_ups.items(),
            carry_arrears=self.carry_arrears.isChecked(),
        )

    def _set_read_only(self) -> None:
        for edit in (self.code, self.name, self.budget, self.base_amount, self.cap):
            edit.setReadOnly(True)
        self.description.setReadOnly(True)
        for widget in (self.target, self.start, self.end, self.frequency, self.max_beneficiaries, self.match,
                       self.amount_per, self.carry_arrears):  # fmt: skip
            widget.setEnabled(False)
        for rows in (self.conditions, self.top_ups):
            rows.add_button.hide()  # type: ignore[attr-defined]
            for row in rows.rows:
                row.set_read_only(True)

    # --- saving ---
    def save(self) -> None:
        if self.read_only:
            return
        self.error.clear_error()
        data = self.plan_input()
        # save_plan replaces the plan with that code: a new plan must not silently overwrite another.
        if not self.editing and data.code.strip().upper() in self.taken_codes:
            message = self.tr("There is already a plan {code}: choose another code, or edit that plan.")
            self._failed(ValidationError(message.format(code=data.code.strip().upper()), field="code"))
            return
        self.save_button.setEnabled(False)
        self.hub.call(save_plan, data, **guarded(self, self._saved, self._failed))

    def _saved(self, summary: Any) -> None:
        self.save_button.setEnabled(True)
        self.saved.emit(summary)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        show_failure(exc, self.error, self._fields(exc))

    def _fields(self, exc: BaseException) -> dict[str, QWidget]:
        """The widget each of the service's field names stands for; a row's field names its number."""
        fields: dict[str, QWidget] = {
            "code": self.code,
            "name": self.name,
            "target": self.target,
            "start": self.start,
            "end": self.end.edit,
            "frequency": self.frequency,
            "max_beneficiaries": self.max_beneficiaries,
            "budget_per_cycle": self.budget,
            "criteria.match": self.match,
            "amount.base": self.base_amount,
            "amount.per": self.amount_per,
            "amount.cap": self.cap,
        }
        found = _ROW_FIELD.match(getattr(exc, "field", None) or "")
        if found:
            kind, number, part = found.group(1), int(found.group(2)), found.group(3)
            rows = self.conditions.rows if kind == "criterion" else self.top_ups.rows
            if 1 <= number <= len(rows):
                row = rows[number - 1]
                widget: QWidget = row.value.currentWidget()
                if part == "amount" and isinstance(row, TopUpRow):
                    widget = row.amount
                elif part == "max_count" and isinstance(row, TopUpRow):
                    widget = row.max_count
                elif part == "scope":
                    widget = row.scope
                fields[found.group(0)] = widget
        return fields
