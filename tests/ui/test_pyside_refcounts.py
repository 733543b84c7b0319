"""Guards against Qt binding releases that corrupt Python's reference counts.

PySide6 6.12.0 on Python 3.11 released `True` once per Signal.emit(); after enough signals the
interpreter freed `True` itself and aborted. CashDesk pins PySide6 below 6.12 because of it.
"""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(object)


def test_emitting_signals_keeps_bool_reference_counts(qapp: object) -> None:
    emitter = _Emitter()
    received: list[object] = []
    emitter.fired.connect(received.append)
    gc.collect()
    before = sys.getrefcount(True), sys.getrefcount(False)
    for i in range(2000):
        emitter.fired.emit(i)
    gc.collect()
    after = sys.getrefcount(True), sys.getrefcount(False)
    assert len(received) == 2000
    assert after[0] - before[0] > -100, "Signal.emit() releases True: use a PySide6 without this bug"
    assert after[1] - before[1] > -100, "Signal.emit() releases False: use a PySide6 without this bug"
