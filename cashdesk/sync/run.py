"""One sync: resend what was pending, pull, push, and pull again when the server had moved on.

`sync_now(desk, progress=..., abort=...)` is the long-job contract of the window and the command line.
It runs outside Desk.run: its local transactions are short (records/pages) and the network is used
between them, never inside one. The outcome, good or bad, is written to sync_server for the status bar.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cashdesk.core.errors import Cancelled
from cashdesk.core.i18n import _, ngettext
from cashdesk.desk import Desk
from cashdesk.models import SyncRun, SyncRunStatus, SyncServer
from cashdesk.sync import credentials, local, scheme_settings
from cashdesk.sync.connection import LoginNeeded, ServerConnection, SyncError
from cashdesk.sync.pull import PullReport, pull
from cashdesk.sync.push import PushReport, prepare_bundle, send_pending

CLOCK_WARNING = timedelta(minutes=5)
ROUNDS = 5  # push-pull rounds when other devices keep writing the same records meanwhile


@dataclass
class SyncReport:
    pushed: int = 0
    pulled: int = 0
    merged: int = 0
    conflicts: int = 0
    withdrawn: int = 0  # households that moved to another district, withdrawn from this device
    refused: list[str] = field(default_factory=list)
    clock_off: timedelta | None = None  # the laptop's clock against the server's, when over 5 minutes


def server_connection(desk: Desk) -> tuple[ServerConnection, SyncServer]:
    with local.transaction(desk.engine) as session:
        config = session.get(SyncServer, 1)
        device = local.device_code(session)
    if config is None:
        raise LoginNeeded(_("No server is set up on this device: log in to the server first."))
    token = (
        credentials.load_token(config.url, config.username, device=device)
        if config.token_in_keyring
        else config.token
    )
    if not token:
        raise LoginNeeded(_("Log in to the server first."))
    return ServerConnection(config.url, token), config


def sync_now(
    desk: Desk,
    *,
    progress: Callable[[float, str], None] | None = None,
    abort: threading.Event | None = None,
) -> SyncReport:
    tell = progress or (lambda _fraction, _message: None)
    stop = abort or threading.Event()
    server, _config = server_connection(desk)
    with local.transaction(desk.engine) as session:
        run = SyncRun()
        session.add(run)
        session.flush()
        run_id = run.id
        _record_attempt(session)
    report = SyncReport()
    try:
        _exchange(desk, server, report, tell, stop.is_set)
    except BaseException as exc:
        _finish(desk, run_id, report, error=exc, server=server)
        raise
    finally:
        server.close()
    if stop.is_set():
        _finish(desk, run_id, report, error=Cancelled(_("Sync cancelled.")), server=server)
        raise Cancelled(_("Sync cancelled; what was exchanged so far is kept."))
    _finish(desk, run_id, report, error=None, server=server)
    return report


def _exchange(
    desk: Desk,
    server: ServerConnection,
    report: SyncReport,
    tell: Callable[[float, str], None],
    stopped: Callable[[], bool],
) -> None:
    pushed = PushReport()
    tell(0.05, _("Sending what was waiting..."))
    send_pending(desk.engine, server, pushed, stopped)
    for _round in range(ROUNDS):
        tell(0.2, _("Receiving changes..."))
        got = pull(desk.engine, server, progress=lambda n: tell(0.4, _("Received {n} changes").format(n=n)),
                   abort=stopped)  # fmt: skip
        _add(report, got)
        scheme_settings.push_if_changed(lambda: local.transaction(desk.engine, remote=False), server)
        pushed.stale = False
        after: dict[str, Any] = {}  # where each table's bundles got to in this round
        while not stopped():
            with local.transaction(desk.engine, remote=False) as session:
                bundle = prepare_bundle(session, server.url, after)
            if bundle is None:
                break
            tell(0.7, _("Sending changes ({n} so far)...").format(n=pushed.pushed))
            refused_before = len(pushed.refused)
            send_pending(desk.engine, server, pushed, stopped)
            if pushed.stale:
                break
            if len(pushed.refused) > refused_before:
                after.clear()  # nothing of that bundle went: its other records go again, the refused one held
        if not pushed.stale or stopped():
            break
    report.pushed, report.refused = pushed.pushed, pushed.refused
    if pushed.pushed and not stopped():  # learn the versions the server gave what was pushed
        _add(report, pull(desk.engine, server, progress=lambda _n: None, abort=stopped))
    tell(1.0, _("Up to date."))


def moved_away_text(households: int) -> str:
    return ngettext(
        "{n:,} household moved to another district and was withdrawn from this laptop.",
        "{n:,} households moved to another district and were withdrawn from this laptop.",
        households,
    ).format(n=households)


def _add(report: SyncReport, got: PullReport) -> None:
    report.pulled += got.pulled
    report.merged += got.merged
    report.conflicts += got.conflicts
    report.withdrawn += got.withdrawn


def _record_attempt(session: object) -> None:
    config = session.get(SyncServer, 1)  # type: ignore[attr-defined]
    if config is not None:
        config.last_attempt_at = datetime.now(UTC)


def _finish(
    desk: Desk, run_id: object, report: SyncReport, *, error: BaseException | None, server: ServerConnection
) -> None:
    offset = None
    if server.server_time is not None and server.answered_at is not None:
        offset = server.answered_at - server.server_time
        if abs(offset) > CLOCK_WARNING:
            report.clock_off = offset
    with local.transaction(desk.engine) as session:
        run = session.get(SyncRun, run_id)
        config = session.get(SyncServer, 1)
        if run is not None:
            run.finished_at = datetime.now(UTC)
            run.pushed, run.pulled = report.pushed, report.pulled
            if error is None:
                run.status = SyncRunStatus.SUCCEEDED
            else:
                run.status = SyncRunStatus.CANCELLED if isinstance(error, Cancelled) else SyncRunStatus.FAILED
                run.error = str(error)
        if config is not None:
            if offset is not None:
                config.clock_offset_seconds = offset.total_seconds()
            if error is None:
                config.last_success_at = server.server_time or datetime.now(UTC)
                config.last_error, config.last_error_kind = "", ""
            elif not isinstance(error, Cancelled):
                config.last_error = str(error)
                config.last_error_kind = error.kind if isinstance(error, SyncError) else "server"
