"""Python's cyclic garbage collector, paused while bulk work builds millions of objects.

The collector runs whenever 700 more objects have been made than freed, and every so often walks every
object still alive. An import holds millions of them for a while (rows, records, blocking keys), so the
walks grow with the work and find almost nothing to free: they were 14 of the 48 seconds of a 450,000-row
import, and a quarter of its duplicate check. Reference counting still frees each object as soon as it is
no longer used; only objects in reference cycles wait, until the collector runs again after the work.

Pauses nest and may come from several threads: the collector runs again when the last one ends, and only
if it was running before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _pauses, _was_enabled  # noqa: PLW0603 - the collector is process-wide, so is its pause count
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
