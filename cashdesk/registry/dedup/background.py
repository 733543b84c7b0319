"""The in-file duplicate scan of a large import, run in a second process.

An import spends most of its time writing to SQLite, on one core; comparing the file's people with each
other needs no database at all. On a two-core laptop the comparison therefore runs beside the writing, in
a separate process (threads would share Python's one interpreter lock and gain nothing).

Small jobs run in this process: starting a process costs about half a second. A cancelled import
terminates the worker at once.
"""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from collections.abc import Sequence
from multiprocessing.pool import AsyncResult, Pool
from types import TracebackType

from cashdesk.core.jobs import check_abort
from cashdesk.registry.dedup.engine import find_duplicates
from cashdesk.registry.dedup.records import Match, PersonRecord

# Below this many people the scan takes under a couple of seconds: not worth a process.
IN_PROCESS_BELOW = 50_000


class BackgroundScan:
    """find_duplicates(records) started now, its result collected later with `result()`."""

    def __init__(
        self,
        records: Sequence[PersonRecord],
        *,
        excluded_pairs: frozenset[tuple[uuid.UUID, uuid.UUID]] = frozenset(),
        min_score: float = 75.0,
        in_process_below: int | None = None,
    ) -> None:
        self._records = records
        self._excluded_pairs = excluded_pairs
        self._min_score = min_score
        self._pool: Pool | None = None
        self._pending: AsyncResult[list[Match]] | None = None
        if len(records) >= (IN_PROCESS_BELOW if in_process_below is None else in_process_below):
            # "spawn", not "fork": the window's process has Qt and database threads a fork would copy
            # in whatever state they happen to be.
            self._pool = multiprocessing.get_context("spawn").Pool(1)
            self._pending = self._pool.apply_async(
                find_duplicates,
                (list(records),),
                {"excluded_pairs": excluded_pairs, "min_score": min_score},
            )

    @property
    def in_background(self) -> bool:
        return self._pool is not None

    def result(self, abort: threading.Event) -> list[Match]:
        """The pairs found; waits for the worker, checking `abort` (then Cancelled) while waiting."""
        if self._pending is None:
            return find_duplicates(
                self._records, abort=abort, excluded_pairs=self._excluded_pairs, min_score=self._min_score
            )
        while not self._pending.ready():
            if abort.is_set():
                self.close()
            check_abort(abort)
            self._pending.wait(0.2)
        try:
            return self._pending.get()
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> BackgroundScan:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
