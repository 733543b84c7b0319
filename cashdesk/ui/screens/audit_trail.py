"""Audit trail (supervisors and administrators): filter, read before/after, verify the chain."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cashdesk.security import audit
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.base import Screen
from cashdesk.ui.widgets.paged_model import PagedTableModel
from cashdesk.ui.widgets.tables import row_table


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def describe_change(row: Any) -> str:
    """HTML for the detail pane: each field with its value before and after, changes highlighted."""
    before, after = row.before or {}, row.after or {}
    lines = [
        f"<p><b>{html.escape(row.action)}</b> on {html.escape(row.entity_type)} "
        f"<code>{html.escape(row.entity_id or '')}</code><br>"
        f"by <b>{html.escape(row.username)}</b> at {row.at.astimezone():%Y-%m-%d %H:%M:%S}</p>"
    ]
    if row.summary:
        lines.append(f"<p>{html.escape(row.summary)}</p>")
    keys = sorted(set(before) | set(after))
    if keys:
        lines.append(
            "<table cellspacing='0' cellpadding='3'><tr><th align='left'>field</th>"
            "<th align='left'>before</th><th align='left'>after</th></tr>"
        )
        for key in keys:
            old, new = before.get(key), after.get(key)
            changed = bool(before) and bool(after) and old != new
            style = " style='background:#fff3bf'" if changed else ""
            lines.append(
                f"<tr{style}><td>{html.escape(key)}</td><td>{html.escape(_value(old))}</td>"
                f"<td>{html.escape(_value(new))}</td></tr>"
            )
        lines.append("</table>")
    return "".join(lines)


class AuditScreen(Screen):
    watches = frozenset({"audit_entries"})

    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        heading = QLabel(self.tr("Audit trail"))
        heading.setObjectName("screenTitle")
        self.user = QComboBox()
        self.action = QComboBox()
        self.entity = QComboBox()
        for box, everything in (
            (self.user, self.tr("All users")),
            (self.action, self.tr("All actions")),
            (self.entity, self.tr("All records")),
        ):
            box.addItem(everything, None)
            box.setMinimumContentsLength(12)
            box.currentIndexChanged.connect(self._filters_changed)
        self.use_dates = QCheckBox(self.tr("From"))
        self.since = QDateEdit(QDate.currentDate().addDays(-30))
        self.until = QDateEdit(QDate.currentDate())
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(self._filters_changed)
        self.use_dates.toggled.connect(self._filters_changed)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search record id or text…"))
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self._filters_changed)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        filters = QHBoxLayout()
        for widget in (
            self.user,
            self.action,
            self.entity,
            self.use_dates,
            self.since,
            QLabel(self.tr("to")),
            self.until,
            self.search,
        ):
            filters.addWidget(widget)

        self.verify_button = QPushButton(self.tr("Verify the trail"))
        self.verify_button.clicked.connect(self.verify)
        self.verdict = QLabel()
        self.count = QLabel()
        self.count.setObjectName("hint")
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.verdict)
        top.addWidget(self.verify_button)

        columns: list[tuple[str, Callable[[Any], Any]]] = [
            (self.tr("#"), lambda r: r.seq),
            (self.tr("When"), lambda r: r.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")),
            (self.tr("Who"), lambda r: r.username),
            (self.tr("Action"), lambda r: r.action),
            # The full id is in the detail pane; the tail tells records apart (UUIDv7 heads are all alike).
            (
                self.tr("Record"),
                lambda r: (
                    f"{r.entity_type} …{(r.entity_id or '')[-8:]}"
                    if r.entity_id and len(r.entity_id) > 12
                    else f"{r.entity_type} {r.entity_id or ''}".strip()
                ),
            ),
            (self.tr("Summary"), lambda r: r.summary),
        ]
        self.model = PagedTableModel(columns, self._fetch, parent=self)
        self.table = row_table(self.model)
        for column, width in enumerate((55, 150, 100, 170, 250)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        self.detail = QTextBrowser()
        self.detail.setPlaceholderText(self.tr("Select an entry to see what changed."))
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setSizes([420, 180])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.count)
        layout.addWidget(split)
        self._filter = audit.AuditFilter()

    def title(self) -> str:
        return self.tr("Audit trail")

    def current_filter(self) -> audit.AuditFilter:
        since = until = None
        if self.use_dates.isChecked():
            since = datetime.combine(self.since.date().toPython(), time(0), tzinfo=UTC)
            until = datetime.combine(self.until.date().toPython(), time(0), tzinfo=UTC) + timedelta(days=1)
        return audit.AuditFilter(
            username=self.user.currentData(),
            action=self.action.currentData(),
            entity_type=self.entity.currentData(),
            since=since,
            until=until,
            text=self.search.text().strip() or None,
        )

    def _fetch(self, offset: int, limit: int, deliver: Callable[[list[Any]], None]) -> None:
        self.hub.call(
            audit.list_entries, self._filter, offset=offset, limit=limit, on_done=deliver, parent=self
        )

    def refresh(self) -> None:
        self.hub.call(audit.distinct_values, on_done=self._fill_choices, parent=self)
        self._filters_changed()

    def _fill_choices(self, values: dict[str, list[str]]) -> None:
        for box, key in ((self.user, "username"), (self.action, "action"), (self.entity, "entity_type")):
            current = box.currentData()
            box.blockSignals(True)
            while box.count() > 1:
                box.removeItem(1)
            for value in values[key]:
                box.addItem(value, value)
            box.setCurrentIndex(max(0, box.findData(current)))
            box.blockSignals(False)

    def _filters_changed(self, *args: Any) -> None:
        self._filter = self.current_filter()
        self.detail.clear()
        self.model.reload()
        self.hub.call(
            audit.count_entries,
            self._filter,
            on_done=lambda n: self.count.setText(self.tr("{n:,} entries").format(n=n)),
            parent=self,
        )

    def _show_detail(self, current: Any, previous: Any) -> None:
        if current.isValid():
            self.detail.setHtml(describe_change(self.model.row(current.row())))

    def verify(self) -> None:
        self.verdict.setText(self.tr("Checking…"))
        self.hub.call(audit.verify_chain, on_done=self._verdict, parent=self)

    def _verdict(self, report: Any) -> None:
        if report.intact:
            self.verdict.setObjectName("okLabel")
            self.verdict.setText(self.tr("✔ Intact: {n:,} entries checked").format(n=report.checked))
        else:
            self.verdict.setObjectName("errorLabel")
            self.verdict.setText(
                self.tr("✘ Broken at entry {seq}: {reason}").format(
                    seq=report.first_broken_seq, reason=report.reason
                )
            )
        self.verdict.style().unpolish(self.verdict)
        self.verdict.style().polish(self.verdict)
