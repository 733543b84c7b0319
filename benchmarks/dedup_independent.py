"""Precision, recall and F1 of the duplicate scan on people it was not written against.

Usage: .venv/bin/python -m benchmarks.dedup_independent [--people 100000] [--per-kind 200] [--min-score 75]
The people come from benchmarks/linkage_generator.py, written without reading the matcher, and the
public Febrl 4 set (benchmarks/data/febrl). Runs with and without ID numbers and prints, per kind of
error, how many true pairs the scan found, then precision, recall and F1 overall (issue 21's goals at
the default threshold: F1 >= 0.99 with IDs, >= 0.97 without).
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections import Counter
from collections.abc import Sequence

from benchmarks.linkage_generator import FEBRL_DIR, Person, febrl4, pairs, population
from cashdesk.registry.dedup import PersonRecord, find_duplicates


def _record(person: Person, number: int) -> PersonRecord:
    return PersonRecord(
        id=uuid.UUID(int=number + 1),
        household_id=uuid.uuid5(uuid.NAMESPACE_URL, person.household),
        given_name=person.given_name,
        family_name=person.family_name,
        other_names=person.other_names,
        sex=person.sex or "F",
        date_of_birth=person.date_of_birth,
        birth_year=person.birth_year,
        phone=person.phone,
        id_numbers=(person.id_number,) if person.id_number else (),
        location_path=f"/R01/D{int(person.village.lstrip('V') or 0) // 20:02d}/{person.village}/",
    )


def measure(label: str, people: Sequence[Person], min_score: float) -> None:
    records = [_record(p, i) for i, p in enumerate(people)]
    key_of = {r.id: p.key for r, p in zip(records, people, strict=True)}
    truth = pairs(people)
    kind_of = {p.key: p.kind for p in people}
    started = time.perf_counter()
    found = {
        tuple(sorted((key_of[m.left_id], key_of[m.right_id])))
        for m in find_duplicates(records, min_score=min_score)
    }
    seconds = time.perf_counter() - started
    hits = found & truth
    precision = len(hits) / len(found) if found else 1.0
    recall = len(hits) / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"\n{label}: {len(records):,} people, {len(truth):,} true pairs, scan {seconds:.1f} s")
    by_kind: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    for a, b in truth:
        kind = kind_of[b] if kind_of[a] == "original" else kind_of[a]
        by_kind[kind] += 1
        caught[kind] += (a, b) in hits
    for kind in sorted(by_kind):
        print(f"  {kind:<28} recall {caught[kind] / by_kind[kind]:6.1%}  ({caught[kind]}/{by_kind[kind]})")
    print(f"  flagged {len(found):,}; precision {precision:.3f}, recall {recall:.3f}, F1 {f1:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--min-score", type=float, default=75.0)
    args = parser.parse_args()
    for with_ids in (True, False):
        people = population(args.people, seed=21, duplicates_per_kind=args.per_kind, with_ids=with_ids)
        measure(f"generated, {'with' if with_ids else 'without'} ID numbers", people, args.min_score)
    if (FEBRL_DIR / "dataset4a.csv").exists():
        measure("Febrl 4", febrl4(), args.min_score)
    else:
        print("\nFebrl 4 skipped: fetch it as benchmarks/data/febrl/README.md says.")


if __name__ == "__main__":
    main()
