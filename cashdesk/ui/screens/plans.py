"""Benefit plans: the list, what the chosen plan gives to whom, and the editor (for those who may manage
plans; everyone else who sees payrolls gets the same editor read-only)."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cashdesk.payroll.plans import PlanInput, list_plans, plan_definition, read_plan_file, save_plan
from cashdesk.payroll.removal import remove_plan
from cashdesk.registry.locations import list_locations
from cashdesk.scheme.settings import scheme_info
from cashdesk.security.permissions import Permission
from cashdesk.ui.dialogs.criteria_rows import catalogues_for, describe
from cashdesk.ui.dialogs.plan_editor import SECTION_STYLE, PlanEditor, friendly_amount
from cashdesk.ui.ops import OpsHub, error_text
from cashdesk.ui.screens.base import Screen
from cashdesk.ui.widgets.alive import guarded
from cashdesk.ui.widgets.rows_model import RowsModel
from cashdesk.ui.widgets.tables import row_table

SHORT_FREQUENCIES = {
    "monthly": "Monthly",
    "bimonthly": "Every 2 months",
    "quarterly": "Quarterly",
    "one_off": "Once",
}


LIST_STYLE = 'style="margin-top: 2px; margin-bottom: 6px;"'  # Qt's default list margins look like blank lines


class PlansScreen(Screen):
    watches = frozenset({"benefit_plans", "plan_criteria", "enrolments", "scheme"})

    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.can_manage = hub.desk.actor.can(Permission.MANAGE_PLANS)
        heading = QLabel(self.tr("Benefit plans"))
        heading.setObjectName("screenTitle")
        intro = QLabel(
            self.tr("A plan says who is included, how much each household gets and how often.")
            if self.can_manage
            else self.tr("The plans the scheme pays. Only supervisors and administrators can change them.")
        )
        intro.setObjectName("hint")
        intro.setWordWrap(True)
        self.new_button = QPushButton(self.tr("New plan…"))
        self.edit_button = QPushButton(self.tr("Edit plan…") if self.can_manage else self.tr("View plan…"))
        self.import_button = QPushButton(self.tr("Import plan file…"))
        self.import_button.setToolTip(
            self.tr("A plan written in a JSON or YAML file (see the manual, “Plan files”).")
        )
        self.remove_button = QPushButton(self.tr("Remove…"))
        self.remove_button.setToolTip(self.tr("Only a plan with no enrolment and no payment cycle yet"))
        self.remove_button.clicked.connect(lambda: self.remove_selected())  # noqa: PLW0108 - clicked passes a bool
        for button in (self.new_button, self.import_button, self.remove_button):
            button.setVisible(self.can_manage)
        self.new_button.clicked.connect(self.new_plan)
        self.edit_button.clicked.connect(self.open_selected)
        self.import_button.clicked.connect(self.choose_plan_file)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        for button in (self.import_button, self.new_button, self.edit_button, self.remove_button):
            top.addWidget(button)

        self.model = RowsModel(
            [
                (self.tr("Code"), lambda p: p.code),
                (self.tr("Name"), lambda p: p.name),
                (self.tr("Paid"), lambda p: self.tr(SHORT_FREQUENCIES.get(p.frequency, p.frequency))),
                (self.tr("Amount"), self._amount),
                (self.tr("Runs"), self._runs),
                (self.tr("Households"), self._households),
                (self.tr("Status"), self._status),
            ],
            muted=lambda p: p.status == "closed" or self._ended(p),
            parent=self,
        )
        self.table = row_table(self.model)
        # Sized so that every column shows at 1280x720 (the last one takes what is left, at least
        # the header's default 100 px).
        for column, width in enumerate((85, 180, 115, 265, 180, 95)):
            self.table.setColumnWidth(column, width)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.empty = QLabel(
            self.tr("No benefit plans yet. Create one with “New plan…” or import a plan file.")
            if self.can_manage
            else self.tr("No benefit plans yet.")
        )
        self.empty.setObjectName("hint")
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.hide()
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        details_box = QGroupBox(self.tr("The chosen plan"))
        details_box.setStyleSheet(SECTION_STYLE)
        QVBoxLayout(details_box).addWidget(self.details)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.table)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(details_box)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([320, 260])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(intro)
        layout.addWidget(self.result)
        # With nothing to list, say so in the middle of the screen rather than show empty tables.
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("font-size: 12pt; padding: 40px;")
        self.body = QStackedWidget()
        self.body.addWidget(splitter)
        self.body.addWidget(self.empty)
        layout.addWidget(self.body, 1)
        self.table.selectionModel().selectionChanged.connect(self._plan_chosen)
        self.scheme: Any = None
        self.location_codes: list[str] = []
        self._wanted = ""
        self.editor: PlanEditor | None = None
        self._plan_chosen()

    def title(self) -> str:
        return self.tr("Benefit plans")

    # --- display ---
    def _amount(self, p: Any) -> str:
        per = self.tr("a household") if p.amount_per == "household" else self.tr("a member")
        text = self.tr("{amount} {per}").format(amount=p.base_amount, per=per)
        if p.top_ups:
            text += self.tr(" + top-ups")
        return text

    @staticmethod
    def _ended(p: Any) -> bool:
        return p.end is not None and p.end < date.today()

    def _status(self, p: Any) -> str:
        # A plan past its end date pays no more, whatever its stored status says.
        return self.tr("ended") if p.status == "active" and self._ended(p) else self.tr(p.status)

    def _runs(self, p: Any) -> str:
        end = p.end.isoformat() if p.end else self.tr("no end date")
        return f"{p.start.isoformat()} → {end}"

    def _households(self, p: Any) -> str:
        if p.max_beneficiaries:
            return self.tr("{n:,} of {most:,}").format(n=p.active_beneficiaries, most=p.max_beneficiaries)
        return f"{p.active_beneficiaries:,}"

    # --- loading ---
    def refresh(self) -> None:
        current = self.selected()
        if current is not None:
            self._wanted = current.code
        self.hub.call(scheme_info, **guarded(self, self._got_scheme))
        self.hub.call(list_plans, **guarded(self, self._show_plans))

    def _got_scheme(self, info: Any) -> None:
        self.scheme = info
        if self.can_manage and not self.location_codes:
            self.hub.call(
                list_locations,
                **guarded(self, lambda locs: setattr(self, "location_codes", [loc.code for loc in locs])),
            )

    def _show_plans(self, plans: list[Any]) -> None:
        self.model.set_rows(plans)
        self.body.setCurrentWidget(self.body.widget(0) if plans else self.empty)
        codes = [p.code for p in plans]
        if plans:
            self.table.selectRow(codes.index(self._wanted) if self._wanted in codes else 0)
        else:
            self._plan_chosen()

    def selected(self) -> Any:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _plan_chosen(self, *args: Any) -> None:
        plan = self.selected()
        self.edit_button.setEnabled(plan is not None)
        self.remove_button.setEnabled(plan is not None)
        if plan is None:
            self.details.setText(
                self.tr("Choose a plan in the list to see who it includes and what it pays.")
            )
            return
        self._wanted = plan.code
        self.hub.call(
            plan_definition,
            plan.code,
            **guarded(self, lambda definition, summary=plan: self._show_details(summary, definition)),
        )

    def _show_details(self, summary: Any, definition: PlanInput) -> None:
        chosen = self.selected()
        if chosen is None or chosen.code != summary.code or self.scheme is None:
            return
        catalogue = catalogues_for(self.scheme.custom_fields_schema)
        individual = definition.target == "individual"
        match = self.tr("all of") if definition.match == "all" else self.tr("any one of")
        lines = [f"<b>{html.escape(summary.code)} — {html.escape(summary.name)}</b>"]
        if definition.description:
            lines.append(html.escape(definition.description))
        if definition.conditions:
            items = "".join(
                f"<li>{html.escape(describe(c, catalogue, individual=individual))}</li>"
                for c in definition.conditions
            )
            who = (
                self.tr("<b>Who:</b> each person who meets {match}")
                if individual
                else self.tr("<b>Who:</b> households that meet {match}")
            )
            lines.append(who.format(match=match) + f"<ul {LIST_STYLE}>{items}</ul>")
        else:
            lines.append(
                self.tr("<b>Who:</b> every registered person.")
                if individual
                else self.tr("<b>Who:</b> every registered household.")
            )
        per = (
            self.tr("each person, paid in person")
            if individual
            else self.tr("each household")
            if summary.amount_per == "household"
            else self.tr("each member")
        )
        amount = self.tr("<b>Amount:</b> {amount} for {per}").format(amount=summary.base_amount, per=per)
        if summary.cap:
            amount += self.tr(", at most {cap} a payment").format(cap=summary.cap)
        lines.append(amount + ".")
        if definition.top_ups:
            items = "".join(
                "<li>"
                + html.escape(
                    self.tr("+{amount} {currency} — {condition}").format(
                        amount=friendly_amount(t.amount),
                        currency=summary.currency,
                        condition=describe(t, catalogue, individual=individual),
                    )
                    + (self._per_member(t) if t.scope == "member" and not individual else "")
                )
                + "</li>"
                for t in definition.top_ups
            )
            lines.append(self.tr("<b>Top-ups:</b>") + f"<ul {LIST_STYLE}>{items}</ul>")
        limits = []
        if summary.budget_per_cycle:
            limits.append(self.tr("budget {budget} a payment").format(budget=summary.budget_per_cycle))
        if summary.max_beneficiaries:
            limits.append(self.tr("at most {n:,} beneficiaries").format(n=summary.max_beneficiaries))
        if summary.carry_arrears:
            limits.append(self.tr("what is not paid goes into the next payment"))
        if limits:
            lines.append(self.tr("<b>Limits:</b> ") + html.escape(", ".join(limits)) + ".")
        self.details.setText("<br>".join(lines))

    def _per_member(self, top_up: Any) -> str:
        if top_up.max_count:
            return self.tr(" (for each such member, at most {n})").format(n=top_up.max_count)
        return self.tr(" (for each such member)")

    # --- the editor ---
    def _editor(self, plan: PlanInput | None, *, read_only: bool) -> PlanEditor | None:
        if self.scheme is None:  # the screen's first read has not come back yet
            return None
        self.editor = PlanEditor(
            self.hub,
            self.scheme,
            plan=plan,
            location_codes=self.location_codes,
            taken_codes=frozenset(p.code for p in self.model.rows),
            read_only=read_only,
            parent=self,
        )
        self.editor.saved.connect(lambda summary: setattr(self, "_wanted", summary.code))
        self.editor.open()
        return self.editor

    def new_plan(self) -> PlanEditor | None:
        return self._editor(None, read_only=False) if self.can_manage else None

    def open_selected(self) -> None:
        plan = self.selected()
        if plan is not None:
            self.hub.call(
                plan_definition,
                plan.code,
                **guarded(self, lambda definition: self._editor(definition, read_only=not self.can_manage)),
            )

    # --- plan files ---
    def choose_plan_file(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Import a plan file"),
            "",
            self.tr("Plan files (*.json *.yaml *.yml);;All files (*)"),
        )
        if name:
            self.import_from(Path(name))

    def import_from(self, path: Path) -> None:
        self.result.hide()
        # Reading the file needs no database; it runs off the UI thread all the same (a slow network drive).
        self.hub.run(read_plan_file, path, **guarded(self, self._file_read, self._show_failure))

    def _file_read(self, data: PlanInput) -> None:
        code = data.code.strip().upper()
        if code in {p.code for p in self.model.rows} and not self.confirm_replace(code):
            return
        self.hub.call(save_plan, data, **guarded(self, self._imported, self._show_failure))

    def confirm_replace(self, code: str) -> bool:
        answer = QMessageBox.question(
            self,
            self.tr("Import a plan file"),
            self.tr(
                "There is already a plan {code}. Replace its definition with the file's? "
                "Payrolls already made keep their amounts."
            ).format(code=code),
        )
        return answer == QMessageBox.StandardButton.Yes

    def _imported(self, summary: Any) -> None:
        self._wanted = summary.code
        self._show_result(
            self.tr("Plan {code} “{name}” saved from the file.").format(code=summary.code, name=summary.name),
            ok=True,
        )

    def remove_selected(self, *, confirm: bool = True) -> None:
        plan = self.selected()
        if plan is None:
            return
        if confirm:
            answer = QMessageBox.question(
                self, self.tr("Remove plan"),
                self.tr("Remove plan {code} “{name}”? Only a plan nobody is enrolled in can go.").format(
                    code=plan.code, name=plan.name),
            )  # fmt: skip
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.hub.call(
            remove_plan, plan.code,
            **guarded(self, lambda code: self._show_result(self.tr("Plan {code} removed.").format(code=code), ok=True),
                      lambda exc: self._show_result(error_text(exc), ok=False)),
        )  # fmt: skip

    def _show_failure(self, exc: BaseException) -> None:
        self._show_result(error_text(exc) + " " + self.tr("Nothing was saved."), ok=False)

    def _show_result(self, text: str, *, ok: bool) -> None:
        self.result.setObjectName("okLabel" if ok else "errorLabel")
        self.result.setText(text)
        self.result.style().unpolish(self.result)
        self.result.style().polish(self.result)
        self.result.show()
