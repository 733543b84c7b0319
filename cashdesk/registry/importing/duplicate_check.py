"""Every duplicate check of an import, run beside the writing: in a second process for a large file.

The check compares the file's people with the people registered before the import, then with each other.
None of this needs the rows being written, so on a two-core laptop it runs in a second process while the
import writes on the first (threads would share Python's one interpreter lock and gain nothing). The
worker opens the database itself as a reader: it sees the registry as last committed, which is exactly
"the people registered before this file", whatever the import has written since in its transaction.

Small files are checked in this process when their rows are written, with the import's own session:
starting Python costs a few hundred milliseconds. Their keys are not stored yet, so that session too
finds only people registered before the file.

The worker is `python -m cashdesk.registry.importing.duplicate_check`, fed the people through a pipe. It
is a plain subprocess rather than multiprocessing, which would re-run the caller's main script in the
child (`python -m cashdesk`, a benchmark, the window). A cancelled import kills the worker at once.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from sqlalchemy.orm import Session

from cashdesk.core.database import engine_file_and_key, make_engine
from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort, no_progress
from cashdesk.registry import duplicates
from cashdesk.registry.dedup import Match, PersonRecord, find_duplicates, match_keys

# Below this many people the whole check takes a few seconds at most: not worth a process.
IN_PROCESS_BELOW = 50_000

# A person as plain values in PersonRecord's field order (see households.person_values).
PersonValues = tuple[Any, ...]


def check_people(
    session: Session,
    people: Sequence[PersonRecord],
    *,
    excluded_pairs: frozenset[tuple[uuid.UUID, uuid.UUID]],
    min_score: float,
    progress: Progress = no_progress,
) -> list[Match]:
    """Pairs with people registered before (as `session` sees the registry), then pairs in the file."""
    keys = [match_keys(person) for person in people]  # computed once for both checks
    new_ids = {person.id for person in people}
    earlier = [
        match
        for matches in duplicates.matches_for(
            session, people, keys=keys, min_score=min_score, progress=lambda f, m: progress(0.5 * f, m)
        )
        for match in matches
        if not {match.left_id, match.right_id} <= new_ids  # in-file pairs come from the scan below
    ]
    in_file = find_duplicates(
        people,
        keys=keys,
        excluded_pairs=excluded_pairs,
        min_score=min_score,
        progress=lambda f, m: progress(0.5 + 0.5 * f, m),
    )
    return earlier + in_file


class DuplicateCheck:
    """check_people(people) started now (in a worker for a large file), its result collected later."""

    def __init__(
        self,
        session: Session,
        people: Sequence[PersonValues],
        *,
        excluded_pairs: frozenset[tuple[uuid.UUID, uuid.UUID]] = frozenset(),
        min_score: float = 75.0,
        in_process_below: int | None = None,
    ) -> None:
        self._session = session
        self._people = people
        self._excluded_pairs = excluded_pairs
        self._min_score = min_score
        self._worker: subprocess.Popen[bytes] | None = None
        self._feeding: threading.Thread | None = None
        if len(people) >= (IN_PROCESS_BELOW if in_process_below is None else in_process_below):
            path, key = engine_file_and_key(session.get_bind())  # type: ignore[arg-type]
            self._worker = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no user input
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            # The database key goes through the pipe to our own child process, never to a file.
            job = ([_packed(p) for p in people], excluded_pairs, min_score, str(path), key)
            # Fed from a thread: the pipe takes the people only as fast as the worker reads them.
            self._feeding = threading.Thread(target=_feed, args=(self._worker.stdin, job), daemon=True)
            self._feeding.start()

    @property
    def in_background(self) -> bool:
        return self._worker is not None

    def result(self, abort: threading.Event, progress: Progress = no_progress) -> list[Match]:
        """The pairs found; waits for the worker, checking `abort` (then Cancelled) meanwhile."""
        if self._worker is None:

            def checking(fraction: float, message: str) -> None:
                check_abort(abort)
                progress(fraction, message)

            return check_people(
                self._session,
                [PersonRecord(*values) for values in self._people],
                excluded_pairs=self._excluded_pairs,
                min_score=self._min_score,
                progress=checking,
            )
        progress(0.0, _("Finishing the duplicate checks"))
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
            raise ValidationError(_("Looking for duplicates failed: {reason}").format(reason=reason))
        matches: list[Match] = pickle.loads(output)  # noqa: S301 - our own worker's answer, through a pipe
        return matches

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

    def __enter__(self) -> DuplicateCheck:
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


def _packed(values: PersonValues) -> PersonValues:
    """UUIDs as bytes: pickling UUID objects runs Python code per object, which for 450,000 people took
    longer than the writing the check runs beside."""
    own, household, *rest = values
    return (own.bytes, household.bytes, *rest)


def _unpacked(packed: Sequence[PersonValues]) -> list[PersonRecord]:
    households: dict[bytes, uuid.UUID] = {}  # a household's members share one UUID object
    people = []
    for own, household, *rest in packed:
        household_id = households.get(household)
        if household_id is None:
            household_id = households[household] = uuid.UUID(bytes=household)
        people.append(PersonRecord(uuid.UUID(bytes=own), household_id, *rest))
    return people


def _work() -> None:
    packed, excluded_pairs, min_score, path, key = pickle.load(sys.stdin.buffer)  # noqa: S301 - our parent
    people = _unpacked(packed)
    del packed  # a large file's people are held once, not twice
    engine = make_engine(Path(path), key, reader=True)
    try:
        with Session(engine) as session:
            found = check_people(session, people, excluded_pairs=excluded_pairs, min_score=min_score)
    finally:
        engine.dispose()
    pickle.dump(found, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    _work()
