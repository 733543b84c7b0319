"""Sync: what the device holds that the server does not have yet, the last exchange in plain words, and
"Sync now". The Outbox lists what waits by kind, what the server refused and why, and bundles sent but
not yet answered."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cashdesk.core.errors import Cancelled
from cashdesk.sync.run import moved_away_text, sync_now
from cashdesk.sync.status import outbox, sync_status
from cashdesk.ui.dialogs.server_login import ServerLoginDialog
from cashdesk.ui.ops import OpsHub, error_text
from cashdesk.ui.screens.base import Screen

# Everything sync may have written: the screens showing any of it refresh after a sync.
SYNCED_TABLES = frozenset({
    "households", "members", "member_identifiers", "locations", "providers", "pay_points", "pay_point_clerks",
    "benefit_plans", "plan_criteria", "enrolments", "payment_cycles", "payrolls", "payment_lines",
    "payment_events", "duplicate_candidates", "member_merges", "sync_runs", "sync_conflicts", "sync_server",
})  # fmt: skip


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))


class SyncScreen(Screen):
    watches = SYNCED_TABLES

    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        heading = QLabel(self.tr("Sync with the server"))
        heading.setObjectName("screenTitle")
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setStyleSheet("font-size: 16px; padding: 6px 0")
        self.server = QLabel()
        self.server.setObjectName("hint")
        self.sync_button = QPushButton(self.tr("Sync now"))
        self.sync_button.setObjectName("primaryButton")
        self.sync_button.clicked.connect(self.sync)
        self.login_button = QPushButton(self.tr("Log in to the server…"))
        self.login_button.clicked.connect(self.log_in)
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.login_button)
        buttons.addStretch(1)

        self.waiting = _table([self.tr("Records"), self.tr("Waiting"), self.tr("Held back"), self.tr("Note")])
        self.refused = _table([self.tr("Record"), self.tr("Refused by the server because"), self.tr("When")])
        self.pending = _table(
            [self.tr("Bundle sent, no answer yet"), self.tr("Tries"), self.tr("Last error")]
        )

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.state)
        layout.addWidget(self.server)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        for title, table in (
            (self.tr("Outbox: waiting to be sent"), self.waiting),
            (self.tr("Refused"), self.refused),
            (self.tr("In flight"), self.pending),
        ):
            label = QLabel(f"<b>{html.escape(title)}</b>")
            layout.addWidget(label)
            layout.addWidget(table, 1)
        self.status: Any = None

    def title(self) -> str:
        return self.tr("Sync")

    def refresh(self) -> None:
        self.hub.call(sync_status, on_done=self._show_status, parent=self)
        self.hub.call(outbox, on_done=self._show_outbox, parent=self)

    def _show_status(self, status: Any) -> None:
        self.status = status
        self.state.setText(html.escape(status.text))
        if status.configured:
            self.server.setText(
                self.tr("Server {url} · user {user}").format(url=status.url, user=status.username)
            )
        else:
            self.server.setText(self.tr("Log in to the server once; after that, Sync now is enough."))
        self.sync_button.setEnabled(status.configured)
        if status.freeze.level:
            colour = "#b00020" if status.freeze.level == "block" else "#8a5a00"
            self.message.setText(f"<span style='color:{colour}'>{html.escape(status.freeze.reason)}</span>")

    def _show_outbox(self, found: tuple[list[Any], list[Any], list[Any]]) -> None:
        rows, refusals, pending = found
        _fill(self.waiting, [
            [r.kind, f"{r.waiting:,}", f"{r.held:,}" if r.held else "",
             "" if r.sent_by_this_version else self.tr("not sent by this version")]
            for r in rows
        ])  # fmt: skip
        _fill(self.refused, [[f"{r.kind} {r.record_id[:8]}", r.reason, r.at.astimezone().strftime("%Y-%m-%d %H:%M")]
                             for r in refusals])  # fmt: skip
        _fill(self.pending, [[bundle_id, str(tries), error] for bundle_id, tries, error in pending])

    def sync(self) -> None:
        self.message.setText(self.tr("Syncing…"))
        self.sync_button.setEnabled(False)
        self.hub.job(
            self.tr("Syncing with the server…"),
            sync_now,
            self.hub.desk,
            needs_desk=False,
            network=True,
            on_done=self._synced,
            on_error=self._failed,
            parent=self,
        )

    def _synced(self, report: Any) -> None:
        text = self.tr("Sent {pushed}, received {pulled}, merged {merged}, conflicts {conflicts}.").format(
            pushed=report.pushed, pulled=report.pulled, merged=report.merged, conflicts=report.conflicts
        )
        if report.withdrawn:
            text += " " + moved_away_text(report.withdrawn)
        if report.clock_off is not None:
            text += " " + self.tr("This laptop's clock is {h:+.1f} hours off: set the right time.").format(
                h=report.clock_off.total_seconds() / 3600
            )
        self.message.setText(html.escape(text))
        self.hub.changed.emit(SYNCED_TABLES)

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, Cancelled):
            self.message.setText(f"<span style='color:#b00020'>{html.escape(error_text(exc))}</span>")
        self.hub.changed.emit(SYNCED_TABLES)

    def log_in(self) -> None:
        url = self.status.url if self.status else ""
        user = self.status.username if self.status else ""
        dialog = ServerLoginDialog(self.hub, url, user, parent=self)
        if dialog.exec():
            self.message.setText(self.tr("Logged in to {url}.").format(url=dialog.result_login.url))
            self.hub.changed.emit(frozenset({"sync_server"}))
