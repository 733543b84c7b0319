"""The ops hub: runs service calls off the UI thread and tells screens what changed.

Threading rules:
- Every database call goes through `OpsHub.call()`, which runs it on one worker thread (SQLite has
  one writer; one thread keeps writes in order). The UI thread never waits on the database.
- Results and errors come back on the UI thread through Qt signals (queued connections).
- Long jobs (`OpsHub.job()`) get `progress` and `abort` keywords; a progress dialog with a working
  Cancel appears if the job runs longer than ~600 ms.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from cashdesk.core.errors import Cancelled, CashDeskError

log = logging.getLogger(__name__)
PROGRESS_DELAY_MS = 600


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(float, str)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.fn = fn
        self.signals = signals
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:
            if not isinstance(exc, CashDeskError):
                log.error("background task failed:\n%s", traceback.format_exc())
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


def error_text(exc: BaseException) -> str:
    if isinstance(exc, CashDeskError):
        return exc.message
    return QCoreApplication.translate("OpsHub", "Something went wrong and nothing was saved: {error}").format(
        error=exc
    )


class OpsHub(QObject):
    """One per window. `changed` carries the names of the tables a call wrote."""

    changed = Signal(object)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.desk: Any = None  # cashdesk.desk.Desk once logged in
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        # Network work (sync) has a thread of its own, so a slow line never holds up the database worker;
        # its own short transactions wait for the database like any other writer.
        self._network = QThreadPool(self)
        self._network.setMaxThreadCount(1)
        self._pending: set[_Signals] = set()

    def _start(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        parent_widget: QWidget | None,
        network: bool = False,
    ) -> _Signals:
        signals = _Signals()
        self._pending.add(signals)

        def finished(result: Any) -> None:
            self._pending.discard(signals)
            self.busy_changed.emit(bool(self._pending))
            if on_done:
                on_done(result)

        def failed(exc: BaseException) -> None:
            self._pending.discard(signals)
            self.busy_changed.emit(bool(self._pending))
            if on_error:
                on_error(exc)
            elif not isinstance(exc, Cancelled):
                QMessageBox.warning(parent_widget, self.tr("CashDesk"), error_text(exc))

        signals.done.connect(finished, Qt.ConnectionType.QueuedConnection)
        signals.failed.connect(failed, Qt.ConnectionType.QueuedConnection)
        self.busy_changed.emit(True)
        (self._network if network else self._pool).start(_Task(fn, signals))
        return signals

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        parent: QWidget | None = None,
        network: bool = False,
        **kwargs: Any,
    ) -> None:
        """Run a plain function (no database session) on the worker thread, or the network thread."""
        self._start(lambda: fn(*args, **kwargs), on_done, on_error, parent, network)

    def call(
        self,
        service: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        parent: QWidget | None = None,
        **kwargs: Any,
    ) -> None:
        """Run `service(session, actor, *args, **kwargs)` in one transaction on the worker thread."""
        desk = self.desk

        def work() -> Any:
            result, changed = desk.run_tracked(service, *args, **kwargs)
            return result, changed

        def done(pair: tuple[Any, frozenset[str]]) -> None:
            result, changed = pair
            if changed:
                self.changed.emit(changed)
            if on_done:
                on_done(result)

        self._start(work, done, on_error, parent)

    def job(
        self,
        title: str,
        service: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        parent: QWidget | None = None,
        needs_desk: bool = True,
        network: bool = False,
        **kwargs: Any,
    ) -> threading.Event:
        """A long job with a progress dialog (after ~600 ms) whose Cancel stops it cleanly."""
        abort = threading.Event()
        dialog = QProgressDialog(title, self.tr("Cancel"), 0, 1000, parent)
        dialog.setWindowTitle(self.tr("CashDesk"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(PROGRESS_DELAY_MS)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setValue(0)
        dialog.canceled.connect(abort.set)
        dialog.canceled.connect(lambda: dialog.setLabelText(self.tr("Cancelling...")))
        progress_signals = _Signals()

        def on_progress(fraction: float, message: str) -> None:
            if not abort.is_set():
                dialog.setValue(int(fraction * 1000))
                dialog.setLabelText(message)

        progress_signals.progress.connect(on_progress, Qt.ConnectionType.QueuedConnection)

        def report(fraction: float, message: str) -> None:
            progress_signals.progress.emit(fraction, message)

        def close_now() -> None:
            # Not `singleShot(0, dialog.close)`: PySide6 over-releases a slot's bool return value,
            # which on Python 3.11 eventually frees `True` itself and aborts the process.
            if shiboken6.isValid(dialog):  # its window may have closed (and taken it along) meanwhile
                dialog.close()

        def close_dialog() -> None:
            QTimer.singleShot(0, close_now)
            progress_signals.deleteLater()

        def done(result: Any) -> None:
            close_dialog()
            if on_done:
                on_done(result)

        def failed(exc: BaseException) -> None:
            close_dialog()
            if on_error:
                on_error(exc)
            elif not isinstance(exc, Cancelled):
                QMessageBox.warning(parent, self.tr("CashDesk"), error_text(exc))

        if needs_desk:
            self.call(
                service,
                *args,
                progress=report,
                abort=abort,
                on_done=done,
                on_error=failed,
                parent=parent,
                **kwargs,
            )
        else:
            self.run(
                service,
                *args,
                progress=report,
                abort=abort,
                on_done=done,
                on_error=failed,
                parent=parent,
                network=network,
                **kwargs,
            )
        return abort

    def wait_idle(self, timeout_ms: int = 30000) -> bool:
        """For shutdown and tests: wait until the workers have finished everything queued."""
        return self._network.waitForDone(timeout_ms) and self._pool.waitForDone(timeout_ms)
