"""Generate payroll: which plan, which month, all pay points or one, and what to do over the budget.

Generation is a long job (progress and Cancel); it is one transaction, so Cancel or a refusal (over the
budget, an expired provider contract, a period that overlaps another cycle) leaves nothing. A refusal is
shown in the dialog, which stays open so the user can change the choice and try again.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from cashdesk.payroll import runs
from cashdesk.payroll.generation import STOP, UP_TO_BUDGET, GenerationResult, parameters
from cashdesk.payroll.plans import list_plans
from cashdesk.payroll.providers import list_pay_points
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.widgets.forms import ErrorLabel, ok_cancel_buttons, show_failure

# What a generation changes: a job run outside hub.call says so itself, for the screens to refresh.
PAYROLL_TABLES = frozenset({"payrolls", "payment_lines", "payment_cycles", "code_sequences"})


class GeneratePayrollDialog(QDialog):
    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.result: GenerationResult | None = None
        self.plans: dict[str, Any] = {}
        self.setWindowTitle(self.tr("Generate payroll"))
        self.setMinimumWidth(640)
        self.plan = QComboBox()
        self.plan.setMinimumContentsLength(30)
        self.plan.currentIndexChanged.connect(lambda _i: self._describe())
        self.period = QDateEdit(QDate.currentDate())
        self.period.setDisplayFormat("yyyy-MM")  # a cycle is a month: the day does not matter
        self.period.setCalendarPopup(True)
        self.period.dateChanged.connect(lambda _d: self._describe())
        self.period_words = QLabel()
        self.period_words.setWordWrap(True)
        self.period_words.setObjectName("hint")
        self.pay_point = QComboBox()
        self.pay_point.addItem(self.tr("All pay points and providers"), None)
        self.pay_point.setMinimumContentsLength(30)
        self.stop = QRadioButton(self.tr("Stop and tell me by how much"))
        self.fill = QRadioButton(self.tr("Pay up to the budget, households in order of their code"))
        self.stop.setChecked(True)
        self.budget_group = QButtonGroup(self)
        self.budget_group.addButton(self.stop)
        self.budget_group.addButton(self.fill)
        self.budget = QLabel()
        self.budget.setObjectName("hint")
        budget_box = QVBoxLayout()
        budget_box.addWidget(self.budget)
        budget_box.addWidget(self.stop)
        budget_box.addWidget(self.fill)
        form = QFormLayout()
        form.addRow(self.tr("Plan"), self.plan)
        form.addRow(self.tr("Month (first of the cycle)"), self.period)
        form.addRow("", self.period_words)
        form.addRow(self.tr("Pay point"), self.pay_point)
        form.addRow(self.tr("If over the budget"), budget_box)
        hint = QLabel(
            self.tr(
                "One payroll is made for each pay point (cash) and each provider (mobile money, bank), "
                "for every active beneficiary not yet on a payroll of this cycle. "
                "Each payroll then waits for another supervisor to approve it."
            )
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        self.error = ErrorLabel()
        self.buttons = ok_cancel_buttons(self, self.tr("Generate"), self.generate)
        self.generate_button = self.buttons.button(self.buttons.StandardButton.Ok)
        self.generate_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self._fields = {"period": self.period, "over_budget": self.stop, "budget_per_cycle": self.fill}
        hub.call(list_plans, on_done=self._fill_plans, parent=self)
        hub.call(list_pay_points, on_done=self._fill_pay_points, parent=self)

    def _fill_plans(self, plans: list[Any]) -> None:
        self.plans = {p.code: p for p in plans}
        for plan in plans:
            self.plan.addItem(f"{plan.code} — {plan.name}", plan.code)
        self.generate_button.setEnabled(bool(plans))
        if not plans:
            self.error.show_error(
                self.tr("There is no benefit plan yet: define one on the Plans screen first.")
            )
        self._describe()

    def _fill_pay_points(self, points: list[Any]) -> None:
        for point in points:
            if point.active:
                self.pay_point.addItem(f"{point.code} — {point.name} ({point.village_name})", point.code)

    def period_text(self) -> str:
        return self.period.date().toString("yyyy-MM")

    def _describe(self) -> None:
        plan = self.plans.get(self.plan.currentData() or "")
        month = self.period.date().toString("MMMM yyyy")
        if plan is None:
            self.period_words.setText(month)
            return
        how_often = {
            "monthly": self.tr("every month"),
            "bimonthly": self.tr("every two months"),
            "quarterly": self.tr("every three months"),
        }.get(plan.frequency)
        self.period_words.setText(
            self.tr("The cycle that starts in {month}; {plan} pays {often}.").format(
                month=month, plan=plan.code, often=how_often
            )
            if how_often
            else self.tr("The one payment of {plan}, in {month}.").format(plan=plan.code, month=month)
        )
        has_budget = bool(plan.budget_per_cycle)
        self.budget.setText(
            self.tr("Budget per cycle: {budget}").format(budget=plan.budget_per_cycle)
            if has_budget
            else self.tr("{plan} has no budget limit per cycle.").format(plan=plan.code)
        )
        self.stop.setEnabled(has_budget)
        self.fill.setEnabled(has_budget)

    def generate(self) -> None:
        code = self.plan.currentData()
        if not code:
            return
        self.error.clear_error()
        self.generate_button.setEnabled(False)
        self.hub.job(
            self.tr("Generating the payrolls of {plan} for {month}…").format(
                plan=code, month=self.period_text()
            ),
            # Through runs.generate: a failure that is not the input's is kept as a failed payroll to re-run.
            runs.generate,
            self.hub.desk,
            parameters(
                code,
                self.period_text(),
                self.pay_point.currentData(),
                UP_TO_BUDGET if self.fill.isChecked() else STOP,
            ),
            needs_desk=False,
            on_done=self._generated,
            on_error=self._failed,
            parent=self,
        )

    def _generated(self, result: GenerationResult) -> None:
        self.hub.changed.emit(PAYROLL_TABLES)
        self.result = result
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, runs.GenerationFailed):
            self.hub.changed.emit(PAYROLL_TABLES)  # its failed record is in the list now
        self.generate_button.setEnabled(True)
        show_failure(exc, self.error, self._fields)
