"""The in-file duplicate scan of a large import, run in a second process.

An import spends most of its time writing to SQLite, on one core; comparing the file's people with each
other needs no database at all. On a two-core laptop the comparison therefore runs beside the writing, in
a separate process (threads would share Python's one interpreter lock and gain nothing).

The worker is `python -m cashdesk.registry.dedup.background`, fed the people through a pipe. It is started
as a plain subprocess rather than with multiprocessing, which would re-run the caller's main script in
the child (`python -m cashdesk`, a benchmark, the window) and copy nothing useful. Small jobs run in this
process: starting Python costs a few hundred milliseconds. A cancelled import kills the worker at once.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import threading
import uuid
from collections.abc import Sequence
from types import TracebackType
from typing import IO, Any

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.jobs import check_abort
from cashdesk.registry.dedup.engine import find_duplicates
from cashdesk.registry.dedup.records import Match, PersonRecord

# Below this many people the scan takes a couple of seconds at most: not worth a process.
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
        self._worker: subprocess.Popen[bytes] | None = None
        self._feeding: threading.Thread | None = None
        if len(records) >= (IN_PROCESS_BELOW if in_process_below is None else in_process_below):
            self._worker = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no user input
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            job = ([_packed(r) for r in records], excluded_pairs, min_score)
            # Fed from a thread: the pipe takes the people only as fast as the worker reads them.
            self._feeding = threading.Thread(target=_feed, args=(self._worker.stdin, job), daemon=True)
            self._feeding.start()

    @property
    def in_background(self) -> bool:
        return self._worker is not None

    def result(self, abort: threading.Event) -> list[Match]:
        """The pairs found; waits for the worker, checking `abort` (then Cancelled) while waiting."""
        if self._worker is None:
            return find_duplicates(
                self._records, abort=abort, excluded_pairs=self._excluded_pairs, min_score=self._min_score
            )
        worker = self._worker
        assert self._feeding is not None
        while self._feeding.is_alive():  # the worker reads all its people before it starts
            self._check(abort)
            self._feeding.join(0.2)
        worker.stdin = None  # closed by the feeding thread; communicate() must not touch it again
        while True:
            self._check(abort)
            try:
                # Reads the answer while waiting, so a long answer cannot fill the pipe and stall both.
                output, errors = worker.communicate(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                continue
        self.close()
        if worker.returncode != 0:
            check_abort(abort)  # Ctrl+C on the command line reaches the worker too: that is a cancel
            lines = errors.decode(errors="replace").strip().splitlines()
            reason = lines[-1] if lines else f"exit code {worker.returncode}"
            raise ValidationError(_("Comparing the file's people failed: {reason}").format(reason=reason))
        found: list[Match] = pickle.loads(output)  # noqa: S301 - our own worker's answer, through a pipe
        return found

    def _check(self, abort: threading.Event) -> None:
        if abort.is_set():
            self.close()
        check_abort(abort)

    def close(self) -> None:
        if self._worker is not None:
            if self._worker.poll() is None:
                self._worker.kill()
            self._worker.wait()
            for stream in (self._worker.stdin, self._worker.stdout, self._worker.stderr):
                if stream is not None:
                    stream.close()
            self._worker = None

    def __enter__(self) -> BackgroundScan:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def _feed(stream: IO[bytes] | None, job: Any) -> None:
    assert stream is not None
    try:
        pickle.dump(job, stream, protocol=pickle.HIGHEST_PROTOCOL)
        stream.close()
    except (BrokenPipeError, ValueError, OSError):
        pass  # the worker was killed (a cancelled import): nothing more to send


def _packed(r: PersonRecord) -> tuple[Any, ...]:
    """A record as plain values: pickling UUID objects and dataclasses runs Python code per object,
    which for 450,000 people took longer than the writing it was meant to run beside."""
    return (
        r.id.bytes,
        r.household_id.bytes,
        r.given_name,
        r.family_name,
        r.other_names,
        r.sex,
        r.date_of_birth,
        r.birth_year,
        r.phone,
        r.id_numbers,
        r.location_path,
    )


def _unpacked(values: tuple[Any, ...]) -> PersonRecord:
    own, household, *rest = values
    return PersonRecord(uuid.UUID(bytes=own), uuid.UUID(bytes=household), *rest)


def _work() -> None:
    packed, excluded_pairs, min_score = pickle.load(sys.stdin.buffer)  # noqa: S301 - from our parent
    records = [_unpacked(values) for values in packed]
    found = find_duplicates(records, excluded_pairs=excluded_pairs, min_score=min_score)
    pickle.dump(found, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    _work()
