"""Sync in the background whenever the server can be reached: the moment the operating system says a
network came up (Qt's QNetworkInformation: NetworkManager, GLib or the system's own), and every few
minutes besides (a network may be up while the server is not), the window tries, on the network thread,
when something waits or the last sync is old; a failure only updates the status bar's words (no dialog:
being offline is the normal state in the field)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtNetwork import QNetworkInformation

from cashdesk.sync.run import sync_now
from cashdesk.sync.status import sync_status
from cashdesk.ui.ops import OpsHub

EVERY_MS = 3 * 60_000
STALE = timedelta(minutes=30)
# A connection to the internet, or to a site network (an office LAN where the server may be).
ONLINE = (QNetworkInformation.Reachability.Online, QNetworkInformation.Reachability.Site)


def _network_information() -> QNetworkInformation | None:
    """The system's network state, where a backend exists for it (none on some systems: the timer then
    does it alone)."""
    if QNetworkInformation.instance() is None and not QNetworkInformation.loadDefaultBackend():
        return None
    return QNetworkInformation.instance()


class AutoSync(QObject):
    def __init__(self, hub: OpsHub, synced_tables: frozenset[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.synced_tables = synced_tables
        self.running = False
        self.timer = QTimer(self)
        self.timer.setInterval(EVERY_MS)
        self.timer.timeout.connect(self.consider)
        self.timer.start()
        self.network = _network_information()
        if self.network is not None:
            self.network.reachabilityChanged.connect(self.reachability_changed)

    def reachability_changed(self, reachability: QNetworkInformation.Reachability) -> None:
        if reachability in ONLINE:
            self.consider()

    def consider(self) -> None:
        if not self.running:
            self.hub.call(sync_status, on_done=self._decide, on_error=lambda _exc: None)

    def _decide(self, status: Any) -> None:
        if not status.configured or status.error_kind == "login" or self.running:
            return  # a login only the user can give
        old = status.last_success_at is None or datetime.now(UTC) - status.last_success_at > STALE
        if status.waiting or old or status.error_kind == "offline":
            self.running = True
            self.hub.run(sync_now, self.hub.desk, on_done=self._done, on_error=self._done, network=True)

    def _done(self, _result: object) -> None:
        self.running = False
        self.hub.changed.emit(self.synced_tables)
