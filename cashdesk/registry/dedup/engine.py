"""The full scan: group everyone by blocking key, score the pairs inside each block.

Cost grows with the sum of squared block sizes, not with the square of the registry: blocks larger than
MAX_BLOCK (a key shared by too many people, e.g. a very common name in one year) are skipped, since
the other keys of a real duplicate still bring the pair together.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from functools import partial

from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort, never_abort, no_progress
from cashdesk.registry.dedup.keys import close_id_pairs, is_id_key, match_keys
from cashdesk.registry.dedup.records import Match, PersonRecord
from cashdesk.registry.dedup.scoring import score_pair, widest_year_gap

MAX_BLOCK = 200
# ID blocks are filtered in C before any pair is scored (see keys.close_id_pairs), so they can be larger.
MAX_ID_BLOCK = 2_000


def _all_pairs(members: list[int]) -> Iterator[tuple[int, int]]:
    for position, i in enumerate(members):
        for j in members[position + 1 :]:
            yield (i, j) if i < j else (j, i)


class Blocks:
    """The people of each blocking key, by their index in the records; filled as their keys are known
    (an import's worker does it while the rest of the people are still arriving)."""

    def __init__(self) -> None:
        self.members: defaultdict[str, list[int]] = defaultdict(list)
        self.people = 0

    def add(self, keys: Iterable[Iterable[str]]) -> None:
        """The keys of the next people, in the order of the records."""
        members = self.members
        index = self.people
        for own in keys:
            for key in own:
                members[key].append(index)
            index += 1
        self.people = index


def find_duplicates(
    records: Sequence[PersonRecord],
    *,
    min_score: float = 75.0,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
    excluded_pairs: frozenset[tuple[uuid.UUID, uuid.UUID]] = frozenset(),
    keys: Sequence[Iterable[str]] | None = None,
    grouped: Blocks | None = None,
) -> list[Match]:
    """Pairs scoring at least `min_score`, best first. `keys`: each record's match_keys, if known already;
    `grouped`: the records already grouped by those keys."""
    abort = abort or never_abort()
    if grouped is None:
        grouped = Blocks()
        for start in range(0, len(records), 20_000):
            check_abort(abort)
            progress(0.3 * start / max(1, len(records)), _("Grouping people ({n:,})").format(n=start))
            end = start + 20_000
            grouped.add(map(match_keys, records[start:end]) if keys is None else keys[start:end])
    if grouped.people != len(records):
        raise ValueError("the blocks were made for other records")
    blocks = grouped.members
    compared: set[int] = set()
    widest_gap = partial(widest_year_gap, min_score)
    count = len(records)
    found: dict[tuple[uuid.UUID, uuid.UUID], Match] = {}
    usable = [
        (key, members)
        for key, members in blocks.items()
        if 1 < len(members) <= (MAX_ID_BLOCK if is_id_key(key) else MAX_BLOCK)
    ]
    for done, (key, members) in enumerate(usable):
        if done % 5_000 == 0:
            check_abort(abort)
            progress(
                0.3 + 0.7 * done / max(1, len(usable)),
                _("Comparing ({n:,} pairs found)").format(n=len(found)),
            )
        pairs = (
            close_id_pairs(records, members, widest_gap=widest_gap) if is_id_key(key) else _all_pairs(members)
        )
        for i, j in pairs:
            pair = i * count + j  # one int per pair: cheaper to hash and keep than a tuple
            if pair in compared:
                continue
            compared.add(pair)
            match = score_pair(records[i], records[j], at_least=min_score)
            if match is None:
                continue
            ids = (match.left_id, match.right_id)
            if ids not in excluded_pairs:
                found[ids] = match
    progress(1.0, _("{n:,} pairs found").format(n=len(found)))
    return sorted(found.values(), key=lambda m: (-m.score, m.left_id.hex, m.right_id.hex))
