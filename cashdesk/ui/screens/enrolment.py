"""Enrolment (supervisors): who a plan selects and what it would cost, enrolling them, and each
beneficiary's status over time.

Left: the preview per village (a long job with progress and Cancel: the criteria run over the whole
registry). Right: the households enrolled in the plan and the chosen one's status history
(enrolment_households.PlanHouseholds).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cashdesk.payroll.enrolment import EnrolmentPreview, enrol, preview_enrolment
from cashdesk.payroll.plans import list_plans
from cashdesk.ui.dialogs.enrolment_dialogs import EnrolByHandDialog, EnrolPeopleDialog
from cashdesk.ui.ops import OpsHub, error_text
from cashdesk.ui.screens.base import Screen
from cashdesk.ui.screens.enrolment_households import PlanHouseholds
from cashdesk.ui.screens.money_ui import Notice, compact_rows, money, number_item

TOTAL_BACKGROUND = QColor("#e8eef2")


class EnrolmentScreen(Screen):
    watches = frozenset({"benefit_plans", "plan_criteria", "enrolments", "enrolment_status_changes"})

    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.plans: dict[str, Any] = {}
        self.preview: EnrolmentPreview | None = None
        heading = QLabel(self.tr("Enrolment"))
        heading.setObjectName("screenTitle")
        self.plan = QComboBox()
        self.plan.setMinimumContentsLength(28)
        self.plan.currentIndexChanged.connect(lambda _i: self._plan_changed())
        self.preview_button = QPushButton(self.tr("Preview"))
        self.preview_button.setToolTip(self.tr("Count who the plan's criteria select today, per village"))
        self.enrol_button = QPushButton(self.tr("Enrol households"))
        self.by_hand_button = QPushButton(self.tr("Enrol chosen households…"))
        self.preview_button.clicked.connect(self.run_preview)
        self.enrol_button.clicked.connect(self.run_enrol)
        self.by_hand_button.clicked.connect(self.enrol_by_hand)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addSpacing(24)
        top.addWidget(QLabel(self.tr("Plan")))
        top.addWidget(self.plan)
        top.addWidget(self.preview_button)
        top.addStretch(1)
        top.addWidget(self.enrol_button)
        top.addWidget(self.by_hand_button)
        self.notice = Notice()
        split = QSplitter()
        split.setChildrenCollapsible(False)
        split.addWidget(self._preview_pane())
        self.members = PlanHouseholds(hub, self.notice)
        split.addWidget(self.members)
        split.setSizes([520, 520])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(split, 1)
        self._show_preview(None)

    def title(self) -> str:
        return self.tr("Enrolment")

    # --- layout ---
    def _preview_pane(self) -> QWidget:
        box = QGroupBox(self.tr("Who the plan selects"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Village"),
                self.tr("Qualify"),
                self.tr("Enrolled"),
                self.tr("New"),
                self.tr("Cost per cycle"),
            ]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        compact_rows(self.table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(box)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        return box

    # --- plans ---
    def refresh(self) -> None:
        self.hub.call(list_plans, on_done=self._fill_plans, parent=self)

    def _fill_plans(self, plans: list[Any]) -> None:
        chosen = self.plan.currentData()
        self.plans = {p.code: p for p in plans}
        self.plan.blockSignals(True)
        self.plan.clear()
        for plan in plans:
            self.plan.addItem(f"{plan.code} — {plan.name}", plan.code)
        self.plan.setCurrentIndex(max(0, self.plan.findData(chosen)))
        self.plan.blockSignals(False)
        has_plans = bool(plans)
        for widget in (self.plan, self.preview_button, self.by_hand_button):
            widget.setEnabled(has_plans)
        if not has_plans:
            self.summary.setText(
                self.tr("No benefit plans yet: a supervisor defines one on the Plans screen.")
            )
        if self.plan.currentData() != chosen or self.preview is None:
            self._plan_changed()
        else:
            self.members.reload()

    def plan_code(self) -> str | None:
        code = self.plan.currentData()
        return str(code) if code else None

    def individual(self) -> bool:
        """Whether the chosen plan pays individuals: its beneficiaries are people, not households."""
        plan = self.plans.get(self.plan_code() or "")
        return plan is not None and plan.target == "individual"

    def _how_many(self, n: int) -> str:
        if self.individual():
            return self.tr("1 person") if n == 1 else self.tr("{n:,} people").format(n=n)
        return self.tr("1 household") if n == 1 else self.tr("{n:,} households").format(n=n)

    def _plan_changed(self) -> None:
        self._show_preview(None)
        plan = self.plans.get(self.plan_code() or "")
        self.by_hand_button.setText(
            self.tr("Enrol chosen people…") if self.individual() else self.tr("Enrol chosen households…")
        )
        self.members.set_plan(
            plan.code if plan else None, plan.id if plan else None, individual=self.individual()
        )

    # --- preview and enrolment ---
    def run_preview(self) -> None:
        code = self.plan_code()
        if code is None:
            return
        self.notice.clear()
        self.preview_button.setEnabled(False)
        self.hub.job(
            self.tr("Counting who {plan} selects…").format(plan=code),
            preview_enrolment,
            code,
            on_done=self._previewed,
            on_error=self._failed,
            parent=self,
        )

    def _previewed(self, preview: EnrolmentPreview) -> None:
        self.preview_button.setEnabled(True)
        if preview.plan_code == self.plan_code():
            self._show_preview(preview)

    def _failed(self, exc: BaseException) -> None:
        self.preview_button.setEnabled(bool(self.plans))
        self.enrol_button.setEnabled(self.preview is not None and self.preview.new > 0)
        self.notice.problem(error_text(exc))

    def _money(self, preview: EnrolmentPreview, minor: int) -> str:
        return money(minor, minor_units=preview.minor_units, currency=preview.currency)

    def _show_preview(self, preview: EnrolmentPreview | None) -> None:
        self.preview = preview
        self.table.setRowCount(0)
        if preview is None:
            self.enrol_button.setText(
                self.tr("Enrol people") if self.individual() else self.tr("Enrol households")
            )
            self.enrol_button.setEnabled(False)
            self.enrol_button.setToolTip(self.tr("Preview first, to see who would be enrolled"))
            if self.plans:
                self.summary.setText(
                    self.tr("Press Preview to count who the plan selects, village by village.")
                )
            return
        # The total first: with a hundred villages it would be out of sight at the bottom.
        rows = [
            (
                self.tr("All villages"),
                preview.qualifying,
                preview.already_enrolled,
                preview.new,
                preview.cost_per_cycle_minor,
            )
        ]
        rows += [
            (f"{c.village} ({c.village_code})", c.qualifying, c.already_enrolled, c.new, c.cost_minor)
            for c in preview.by_location
        ]
        self.table.setRowCount(len(rows))
        bold = QFont(self.font())
        bold.setBold(True)
        for r, (village, qualifying, enrolled, new, cost) in enumerate(rows):
            cells = [
                QTableWidgetItem(village),
                number_item(f"{qualifying:,}"),
                number_item(f"{enrolled:,}"),
                number_item(f"{new:,}"),
                number_item(self._money(preview, cost)),
            ]
            for column, item in enumerate(cells):
                if r == 0:
                    item.setFont(bold)
                    item.setBackground(TOTAL_BACKGROUND)
                self.table.setItem(r, column, item)
        limit = (
            self.tr(" The plan takes at most {n:,} beneficiaries.").format(n=preview.max_beneficiaries)
            if preview.max_beneficiaries is not None
            else ""
        )
        self.summary.setText(
            self.tr(
                "Ages counted on {day}. <b>{who} qualify</b>: {e:,} already enrolled, "
                "<b>{n:,} new</b>. A cycle for all of them costs <b>{cost}</b>.{limit}"
            ).format(
                day=preview.reference.isoformat(),
                who=self._how_many(preview.qualifying),
                e=preview.already_enrolled,
                n=preview.new,
                cost=self._money(preview, preview.cost_per_cycle_minor),
                limit=limit,
            )
        )
        self.enrol_button.setText(
            self.tr("Nobody new to enrol")
            if preview.new == 0
            else self.tr("Enrol {who}").format(who=self._how_many(preview.new))
        )
        self.enrol_button.setEnabled(preview.new > 0 and not preview.enrolled)
        self.enrol_button.setToolTip(
            self.tr("Everyone qualifying is enrolled already") if preview.new == 0 else ""
        )

    def run_enrol(self) -> None:
        code, preview = self.plan_code(), self.preview
        if code is None or preview is None or preview.new == 0:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Enrol"),
            self.tr(
                "Enrol {who} in {plan}? They become active beneficiaries and go on the next payroll."
            ).format(who=self._how_many(preview.new), plan=code),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.notice.clear()
        self.enrol_button.setEnabled(False)
        self.hub.job(
            self.tr("Enrolling those {plan} selects…").format(plan=code),
            enrol,
            code,
            on=preview.reference,
            on_done=self._enrolled,
            on_error=self._failed,
            parent=self,
        )

    def _enrolled(self, result: EnrolmentPreview) -> None:
        # The result counts as before enrolling; show the plan as it is now (the new ones enrolled).
        now = replace(
            result,
            by_location=tuple(
                replace(c, already_enrolled=c.already_enrolled + c.new, new=0) for c in result.by_location
            ),
            already_enrolled=result.already_enrolled + result.new,
            new=0,
        )
        self._show_preview(now)
        if result.new == 0:  # someone else enrolled them since the preview
            self.notice.ok(
                self.tr("Nobody new to enrol: everyone {plan} selects is enrolled.").format(
                    plan=result.plan_code
                )
            )
        else:
            self.notice.ok(
                self.tr("{who} enrolled in {plan}. They are active beneficiaries now.").format(
                    who=self._how_many(result.new), plan=result.plan_code
                )
            )

    def enrol_by_hand(self) -> None:
        code = self.plan_code()
        if code is None:
            return
        dialog: EnrolByHandDialog | EnrolPeopleDialog
        if self.individual():
            dialog = EnrolPeopleDialog(self.hub, code, self.plan.currentText(), parent=self)
        else:
            dialog = EnrolByHandDialog(self.hub, code, self.plan.currentText(), parent=self)
        dialog.accepted.connect(
            lambda: self.notice.ok(
                self.tr("{who} enrolled in {plan} by hand.").format(
                    who=self._how_many(dialog.enrolled), plan=code
                )
            )
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.by_hand_dialog = dialog
        dialog.open()
