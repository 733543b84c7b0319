"""The payroll screen's lower half: one payroll's header, fingerprint, payments by state, its lines (paged,
so a 100,000-line payroll opens at once), and the last file saved from it with Open and Print…"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from cashdesk.payroll.queries import PayrollSummary, payroll_lines, status_counts
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.money_ui import (
    compact_rows,
    money,
    month_range,
    payment_method,
    payment_status,
    payroll_status,
    when,
)
from cashdesk.ui.widgets.paged_model import PagedTableModel
from cashdesk.ui.widgets.tables import row_table

Index = QModelIndex | QPersistentModelIndex
RIGHT = {0, 7}  # row number and amount line up on their digits


class LinesModel(PagedTableModel):
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in RIGHT:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return super().data(index, role)


class PayrollDetail(QWidget):
    print_requested = Signal(object)  # the Path of a saved PDF

    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.summary: PayrollSummary | None = None
        self.saved_file: Path | None = None
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint = QLabel()
        self.fingerprint.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        self.file_label = QLabel()
        self.file_label.setWordWrap(True)
        self.open_button = QPushButton(self.tr("Open"))
        self.print_button = QPushButton(self.tr("Print…"))
        self.open_button.clicked.connect(self.open_file)
        self.print_button.clicked.connect(
            lambda: self.saved_file and self.print_requested.emit(self.saved_file)
        )
        self.file_row = QWidget()
        file_layout = QHBoxLayout(self.file_row)
        file_layout.setContentsMargins(0, 0, 0, 0)
        file_layout.addWidget(self.file_label, 1)
        file_layout.addWidget(self.open_button)
        file_layout.addWidget(self.print_button)
        self.file_row.hide()

        def cents(row: Any) -> str:
            s = self.summary
            return money(row.amount_minor, minor_units=s.minor_units, currency=s.currency) if s else ""

        columns: list[tuple[str, Callable[[Any], Any]]] = [
            (self.tr("No."), lambda r: f"{r.position:,}"),
            (self.tr("Transaction number"), lambda r: r.transaction_number),
            (self.tr("Household"), lambda r: r.household_code),
            (self.tr("Recipient"), lambda r: r.recipient_name),
            (self.tr("ID number"), lambda r: r.id_number),
            (self.tr("Paid by"), lambda r: payment_method(r.payment_method)),
            (self.tr("Phone or account"), lambda r: r.account),
            (self.tr("Amount"), cents),
            (self.tr("Payment"), lambda r: payment_status(r.status)),
        ]
        self.lines = LinesModel(columns, self._fetch, parent=self)
        self.table = row_table(self.lines)
        for column, width in enumerate((50, 132, 122, 160, 95, 100, 125, 110)):
            self.table.setColumnWidth(column, width)
        compact_rows(self.table)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.fingerprint)
        layout.addWidget(self.counts)
        layout.addWidget(self.file_row)
        layout.addWidget(self.table, 1)
        self.show_payroll(None)

    def _fetch(self, offset: int, limit: int, deliver: Callable[[list[Any]], None]) -> None:
        if self.summary is None:
            deliver([])
            return
        self.hub.call(
            payroll_lines, self.summary.code, offset=offset, limit=limit, on_done=deliver, parent=self
        )

    def show_payroll(self, summary: PayrollSummary | None) -> None:
        same = summary is not None and self.summary is not None and summary.code == self.summary.code
        self.summary = summary
        if not same:
            self.file_row.hide()
        if summary is None:
            self.header.setText(self.tr("Choose a payroll above to see its payments."))
            self.fingerprint.clear()
            self.counts.clear()
            self.lines.reload()
            return
        s = summary
        where = (
            f"{s.pay_point_code} {s.pay_point_name} ({s.provider_name})"
            if s.pay_point_code
            else f"{s.provider_code} {s.provider_name}"
        )
        lines = [
            self.tr("<b>{code}</b> — {status} · {plan} ({plan_code}) · {period} · {where}").format(
                code=html.escape(s.code),
                status=payroll_status(s.status),
                plan=html.escape(s.plan_name),
                plan_code=html.escape(s.plan_code),
                period=f"{month_range(s.period)} ({html.escape(s.period)})",
                where=html.escape(where),
            ),
            self.tr("{n:,} payments, {total} · generated by {who} on {at}").format(
                n=s.line_count,
                total=money(s.total_minor, minor_units=s.minor_units, currency=s.currency),
                who=html.escape(s.generated_by),
                at=when(s.generated_at),
            ),
        ]
        if s.status == "rejected":
            lines.append(
                self.tr(
                    "<span style='color:#b00020'><b>Rejected</b> by {who} on {at}: {reason}</span>"
                ).format(
                    who=html.escape(s.approved_by), at=when(s.approved_at), reason=html.escape(s.status_note)
                )
            )
        elif s.approved_by:
            lines.append(
                self.tr("Approved by {who} on {at}").format(
                    who=html.escape(s.approved_by), at=when(s.approved_at)
                )
            )
        elif s.status == "pending_approval":
            lines.append(self.tr("Waiting for a supervisor other than {who} to approve or reject it.").format(
                who=html.escape(s.generated_by)))  # fmt: skip
        self.header.setText("<br>".join(lines))
        self.fingerprint.setText(
            self.tr("Fingerprint: {fp}").format(fp=s.fingerprint)
            if s.fingerprint
            else self.tr("Fingerprint: given when the payroll is approved")
        )
        self.counts.setText(self.tr("Payments: …"))
        self.hub.call(status_counts, s.code, on_done=lambda c: self._show_counts(s.code, c), parent=self)
        self.lines.reload()

    def _show_counts(self, code: str, counts: dict[str, tuple[int, int]]) -> None:
        s = self.summary
        if s is None or s.code != code:
            return
        parts = [
            self.tr("{state}: {n:,} ({amount})").format(
                state=payment_status(state),
                n=n,
                amount=money(amount, minor_units=s.minor_units, currency=s.currency),
            )
            for state, (n, amount) in sorted(counts.items())
        ]
        self.counts.setText(self.tr("Payments — {parts}").format(parts=" · ".join(parts) or self.tr("none")))

    def show_file(self, path: Path, what: str, *, printable: bool) -> None:
        self.saved_file = path
        self.file_label.setText(self.tr("{what} saved: {path}").format(what=what, path=path))
        self.print_button.setVisible(printable)
        self.file_row.show()

    def open_file(self) -> None:
        if self.saved_file is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.saved_file)))
