"""Every duplicate check of an import, run beside the writing: in a second process for a large file.

The check compares the file's people with the people registered before the import, then with each other,
and gives their blocking keys (which the import stores). None of this needs the rows being written, so on
a two-core laptop it runs in a second process while the import writes on the first (threads would share
Python's one interpreter lock and gain nothing). The people are sent to the worker as soon as their ids
are given, a few thousand at a time, and the worker computes their keys as they arrive, while the
import is still reading the file, and compares them with the people registered before (as they arrive
too, when the registry is small beside the file: INDEX_FIRST_UP_TO); it sends the keys back first,
then the pairs. It opens the database itself as a reader: it sees the registry as last
committed, which is exactly "the people registered before this file", whatever the import has written
since in its transaction.

Small files are checked in this process once their rows are written, with the import's own session:
starting Python costs a few hundred milliseconds. Their keys must then be stored only after the check, so
that the session too finds only people registered before the file.

The worker is `python -m cashdesk.registry.importing.duplicate_check`, talking through two pipes. It is a
plain subprocess rather than multiprocessing, which would re-run the caller's main script in the child
(`python -m cashdesk`, a benchmark, the window). A cancelled import kills the worker at once.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import pickle
import queue
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from sqlalchemy.orm import Session

from cashdesk.core.database import engine_file_and_key, make_engine
from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort, no_progress
from cashdesk.registry import duplicates, key_index
from cashdesk.registry.dedup import Blocks, Match, PersonRecord, find_duplicates, match_keys

# Below this many people the whole check takes a few seconds at most: not worth a process.
IN_PROCESS_BELOW = 50_000
# The worker reads the registry's whole key index before the people arrive, and compares each chunk with
# the registry as it comes, when the registry has at most this many members per person in the file: the
# index then costs the worker less than the file's own people do (a registry of 509,225 members: 6.6 s
# and 367 MB). A larger registry is compared once the last chunk is in, with one pass over the index
# that keeps only the keys the file's people hold.
INDEX_FIRST_UP_TO = 0.5

# A person as the import sends it to the check (see `packed`): plain values marshal can write.
PackedPerson = tuple[Any, ...]


def packed(member: int, household: int, fields: Sequence[Any], location_path: str) -> PackedPerson:
    """A person in PersonRecord's field order, with the ids as their integers and the date of birth as its
    ordinal. `fields`: PersonRecord's fields from given_name to id_numbers (households.person_fields)."""
    given, family, other, sex, born, *rest = fields
    return (
        member,
        household,
        given,
        family,
        other,
        sex,
        born.toordinal() if born else None,
        *rest,
        location_path,
    )


def _unpacked(people: Sequence[PackedPerson]) -> list[PersonRecord]:
    """The people as PersonRecords again; a household's members share one UUID object."""
    households: dict[int, uuid.UUID] = {}
    records = []
    for own, household, given, family, other, sex, born, *rest in people:
        household_id = households.get(household)
        if household_id is None:
            household_id = households[household] = uuid.UUID(int=household)
        birthday = None if born is None else date.fromordinal(born)
        records.append(
            PersonRecord(uuid.UUID(int=own), household_id, given, family, other, sex, birthday, *rest)
        )
    return records


def check_people(
    session: Session,
    people: Sequence[PersonRecord],
    *,
    excluded_pairs: frozenset[tuple[uuid.UUID, uuid.UUID]],
    min_score: float,
    keys: Sequence[set[str]],
    progress: Progress = no_progress,
) -> list[Match]:
    """All at once, in this process (a small file): pairs with people registered before (as `session`
    sees the registry), then pairs in the file. `keys`: each person's match_keys."""
    registered = duplicates.Lookalikes(session, min_score=min_score).matches(
        people, keys=keys, progress=lambda f, m: progress(0.5 * f, m)
    )
    in_file = find_duplicates(
        people,
        keys=keys,
        excluded_pairs=excluded_pairs,
        min_score=min_score,
        progress=lambda f, m: progress(0.5 + 0.5 * f, m),
    )
    return _with_registered(registered, people) + in_file


def _with_registered(per_person: Iterable[list[Match]], people: Sequence[PersonRecord]) -> list[Match]:
    """The pairs of the file's people with people registered before. In-file pairs come from the file's
    own scan (find_duplicates), which also leaves out the pairs decided "not the same"."""
    new_ids = {person.id for person in people}
    return [
        match for matches in per_person for match in matches if not {match.left_id, match.right_id} <= new_ids
    ]


class DuplicateCheck:
    """The checks of an import's new people: fed with `add` as their ids are given, answered by `keys`
    and `result` once the rows are written."""

    def __init__(
        self,
        session: Session,
        people_expected: int,
        *,
        excluded_pairs: frozenset[tuple[uuid.UUID, uuid.UUID]] = frozenset(),
        min_score: float = 75.0,
        in_process_below: int | None = None,
    ) -> None:
        self._session = session
        self._people: list[PackedPerson] = []  # kept here only when the check runs in this process
        self._records: list[PersonRecord] | None = None
        self._own_keys: list[set[str]] = []
        self._excluded_pairs = excluded_pairs
        self._min_score = min_score
        self._worker: subprocess.Popen[bytes] | None = None
        self._outbox: queue.Queue[Any] = queue.Queue()
        self._answers: queue.Queue[Any] = queue.Queue()
        self._received: list[Any] = []
        self._errors: list[bytes] = []  # what the worker writes to stderr (a traceback if it fails)
        self._threads: list[threading.Thread] = []
        if people_expected >= (IN_PROCESS_BELOW if in_process_below is None else in_process_below):
            path, key = engine_file_and_key(session.get_bind().engine)
            self._worker = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no user input
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            # Threads move the messages, so that neither process waits for the other's pipe: the worker
            # reads people only as fast as it handles them, and its answers may be long.
            for target, stream, box in (
                (_send, self._worker.stdin, self._outbox),
                (_receive, self._worker.stdout, self._answers),
                (_drain, self._worker.stderr, self._errors),
            ):
                self._threads.append(threading.Thread(target=target, args=(stream, box), daemon=True))
                self._threads[-1].start()
            index_first = key_index.last_member_rowid(session) <= INDEX_FIRST_UP_TO * people_expected
            # The database key goes through the pipe to our own child process, never to a file.
            self._outbox.put((excluded_pairs, min_score, str(path), key, index_first))

    @property
    def in_background(self) -> bool:
        return self._worker is not None

    def add(self, people: list[PackedPerson]) -> None:
        if self._worker is not None:
            # marshal, not pickle, for the bulk of the messages: several times faster for plain values,
            # and this runs beside the writing, holding Python's lock.
            self._outbox.put(marshal.dumps(people))
        else:
            self._people.extend(people)

    def no_more_people(self) -> None:
        if self._worker is not None:
            self._outbox.put(None)

    def keys(self, abort: threading.Event) -> list[str]:
        """Each person's blocking keys separated by spaces, in the order they were added."""
        if self._worker is None:
            return [" ".join(own) for own in self._in_process()[1]]
        keys: list[str] = self._answer(0, abort)
        return keys

    def _in_process(self) -> tuple[list[PersonRecord], list[set[str]]]:
        """The people and their keys, made once for both result() and keys()."""
        if self._records is None:
            self._records = _unpacked(self._people)
            self._own_keys = [match_keys(person) for person in self._records]
        return self._records, self._own_keys

    def result(self, abort: threading.Event, progress: Progress = no_progress) -> list[Match]:
        """The pairs found; waits for the worker, checking `abort` (then Cancelled) meanwhile."""
        if self._worker is None:

            def checking(fraction: float, message: str) -> None:
                check_abort(abort)
                progress(fraction, message)

            records, keys = self._in_process()
            return check_people(
                self._session,
                records,
                excluded_pairs=self._excluded_pairs,
                min_score=self._min_score,
                keys=keys,
                progress=checking,
            )
        progress(0.0, _("Finishing the duplicate checks"))
        matches: list[Match] = self._answer(1, abort)
        self.close()
        return matches

    def _answer(self, number: int, abort: threading.Event) -> Any:
        """The worker's answer `number` (0: keys, 1: pairs), waiting for it while checking `abort`."""
        assert self._worker is not None
        while len(self._received) <= number:
            if abort.is_set():
                self.close()
            check_abort(abort)
            try:
                answer = self._answers.get(timeout=0.2)
            except queue.Empty:
                continue
            if answer is _END or isinstance(answer, _Unreadable):
                self._stopped(answer, abort)
            self._received.append(answer)
        return self._received[number]

    def _stopped(self, answer: object, abort: threading.Event) -> None:
        """The worker's answers ended before the one awaited: stop it if need be, and say why."""
        assert self._worker is not None
        try:
            # Its answers ended (it is failing; let it finish writing why) or could not be read (it may be
            # blocked writing an answer nobody reads any more: it would never end by itself).
            self._worker.wait(timeout=0 if isinstance(answer, _Unreadable) else WAIT_FOR_FAILING_WORKER)
        except subprocess.TimeoutExpired:
            self._worker.kill()
            self._worker.wait()
        check_abort(abort)  # Ctrl+C on the command line reaches the worker too: that is a cancel
        self._threads[-1].join(5)  # the rest of what it wrote to stderr
        lines = b"".join(self._errors).decode(errors="replace").strip().splitlines()
        if isinstance(answer, _Unreadable):
            reason = _("its answer could not be read ({error})").format(error=answer.error)
        else:
            reason = lines[-1] if lines else f"exit code {self._worker.returncode}"
        self.close()
        raise ValidationError(_("Looking for duplicates failed: {reason}").format(reason=reason))

    def close(self) -> None:
        if self._worker is not None:
            if self._worker.poll() is None:
                self._worker.kill()
            self._worker.wait()
            self._outbox.put(None)  # lets the sending thread end if it is waiting for more people
            for thread in self._threads:  # each ends at the end of its pipe, now that the worker is gone
                thread.join(5)
            for stream in (self._worker.stdin, self._worker.stdout, self._worker.stderr):
                # Data still buffered for a killed worker cannot be flushed: nothing is lost by that.
                with contextlib.suppress(OSError, ValueError):
                    if stream is not None:
                        stream.close()
            self._worker = None

    def __enter__(self) -> DuplicateCheck:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


_END = object()  # what _receive puts after the worker's last answer
WAIT_FOR_FAILING_WORKER = 10.0  # seconds for a worker whose answers ended to finish writing why


class _Unreadable:
    """What _receive puts when an answer cannot be read."""

    def __init__(self, error: BaseException) -> None:
        self.error = f"{type(error).__name__}: {error}"


def _send(stream: IO[bytes] | None, outbox: queue.Queue[Any]) -> None:
    """Pickle each message of `outbox` into the worker's input, until None (which closes it)."""
    assert stream is not None
    try:
        while (message := outbox.get()) is not None:
            pickle.dump(message, stream, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(None, stream)
        stream.close()
    except (BrokenPipeError, ValueError, OSError):
        pass  # the worker was killed (a cancelled import): nothing more to send


def _receive(stream: IO[bytes] | None, answers: queue.Queue[Any]) -> None:
    assert stream is not None
    try:
        while True:
            answers.put(pickle.load(stream))  # noqa: S301 - our own worker's answers, through a pipe
    except EOFError:
        answers.put(_END)
    except (OSError, ValueError, pickle.UnpicklingError) as exc:  # a closed or damaged stream
        answers.put(_Unreadable(exc))


def _drain(stream: IO[bytes] | None, sink: list[bytes]) -> None:
    assert stream is not None
    with contextlib.suppress(OSError, ValueError):
        while chunk := stream.read1(65536):  # type: ignore[attr-defined]
            sink.append(chunk)


def _work() -> None:
    # This process lives for one check and its objects live until the end: the collector would only
    # walk them again and again (see cashdesk.core.collector).
    gc.disable()
    source, answers = sys.stdin.buffer, sys.stdout.buffer
    excluded_pairs, min_score, path, key, index_first = pickle.load(source)  # noqa: S301 - from our parent
    engine = make_engine(Path(path), key, reader=True)
    try:
        with Session(engine) as session:
            registry = duplicates.Lookalikes(session, min_score=min_score, whole_index=index_first)
            found = _check_as_people_arrive(registry, source, answers, excluded_pairs, min_score)
    finally:
        engine.dispose()
    pickle.dump(found, answers, protocol=pickle.HIGHEST_PROTOCOL)


def _check_as_people_arrive(
    registry: duplicates.Lookalikes,
    source: IO[bytes],
    answers: IO[bytes],
    excluded_pairs: frozenset[tuple[uuid.UUID, uuid.UUID]],
    min_score: float,
) -> list[Match]:
    """While the parent is still checking the file, each chunk of people gets its keys, its place in the
    blocks and (when the registry's whole index was read first) its pairs with people registered before; once all have come, the keys go
    back first (the parent stores them meanwhile), then the rest of the pairs are found."""
    people: list[PersonRecord] = []
    keys: list[set[str]] = []
    grouped = Blocks()
    registered: list[list[Match]] = []
    while (chunk := pickle.load(source)) is not None:  # noqa: S301 - from our parent
        arrived = _unpacked(marshal.loads(chunk))  # noqa: S302 - from our parent
        arrived_keys = list(map(match_keys, arrived))
        people.extend(arrived)
        keys.extend(arrived_keys)
        grouped.add(arrived_keys)
        if registry.whole_index:
            registered.extend(registry.matches(arrived, keys=arrived_keys))
    pickle.dump([" ".join(own) for own in keys], answers, protocol=pickle.HIGHEST_PROTOCOL)
    answers.flush()
    if not registry.whole_index:
        registered = registry.matches(people, keys=keys)
    in_file = find_duplicates(
        people, keys=keys, grouped=grouped, excluded_pairs=excluded_pairs, min_score=min_score
    )
    return _with_registered(registered, people) + in_file


if __name__ == "__main__":
    _work()
