"""The full scan: group everyone by blocking key, score the pairs inside each block.

Cost grows with the sum of squared block sizes, not with the square of the registry: blocks larger than
MAX_BLOCK (a key shared by too many people, e.g. a very common name in one year) are skipped, since
the other keys of a real duplicate still bring the pair together.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence

from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort, never_abort, no_progress
from cashdesk.registry.dedup.keys import match_keys
from cashdesk.registry.dedup.records import Match, PersonRecord
from cashdesk.registry.dedup.scoring import score_pair

MAX_BLOCK = 200


def find_duplicates(
    records: Sequence[PersonRecord],
    *,
    min_score: float = 75.0,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
    excluded_pairs: frozenset[tuple[uuid.UUID, uuid.UUID]] = frozenset(),
) -> list[Match]:
    abort = abort or never_abort()
    blocks: dict[str, list[int]] = {}
    for index, record in enumerate(records):
        if index % 20_000 == 0:
            check_abort(abort)
            progress(0.3 * index / max(1, len(records)), _("Grouping people ({n:,})").format(n=index))
        for key in match_keys(record):
            blocks.setdefault(key, []).append(index)
    compared: set[tuple[int, int]] = set()
    found: dict[tuple[uuid.UUID, uuid.UUID], Match] = {}
    usable = [members for members in blocks.values() if 1 < len(members) <= MAX_BLOCK]
    for done, members in enumerate(usable):
        if done % 5_000 == 0:
            check_abort(abort)
            progress(
                0.3 + 0.7 * done / max(1, len(usable)),
                _("Comparing ({n:,} pairs found)").format(n=len(found)),
            )
        for position, i in enumerate(members):
            for j in members[position + 1 :]:
                pair = (i, j) if i < j else (j, i)
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
