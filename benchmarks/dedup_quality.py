"""Recall, precision and speed of duplicate detection on a generated registry with known duplicates.

Usage: .venv/bin/python benchmarks/dedup_quality.py [--people 500000] [--per-kind 1000]
Builds N people in households (twins, common names, shared phones included), injects duplicates of each
kind the scheme must catch, runs the full scan, and prints recall per kind, overall precision, time and
peak memory; then times the check of one typed person against the registry through the blocking keys.
Goals (issue 3): 500,000 people scanned in under 2 minutes and 2 GB; one check under 150 ms.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import resource
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta

from cashdesk.demo.names import FAMILY, FEMALE_GIVEN, MALE_GIVEN, VILLAGE_SYLLABLES
from cashdesk.registry.dedup import PersonRecord, find_duplicates, match_keys, score_pair


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word))
    kind = rng.choice(("swap", "drop", "double", "change"))
    if kind == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiounmkl") + word[i + 1 :]


KINDS: dict[str, Callable[[random.Random, PersonRecord], PersonRecord | None]] = {
    "name typo": lambda rng, p: dataclasses.replace(p, family_name=typo(rng, p.family_name)),
    "names swapped": lambda rng, p: dataclasses.replace(
        p, given_name=p.family_name, family_name=p.given_name
    ),
    "missing middle name": lambda rng, p: (
        dataclasses.replace(p, other_names=None)
        if p.other_names
        else dataclasses.replace(p, other_names=rng.choice(FEMALE_GIVEN))
    ),
    "transliteration": lambda rng, p: dataclasses.replace(
        p, family_name=p.family_name.replace("k", "kh", 1) if "k" in p.family_name else p.family_name + "h"
    ),
    "day/month swapped": lambda rng, p: (
        dataclasses.replace(
            p, date_of_birth=p.date_of_birth.replace(month=p.date_of_birth.day, day=p.date_of_birth.month)
        )
        if p.date_of_birth and p.date_of_birth.day <= 12 and p.date_of_birth.day != p.date_of_birth.month
        else None
    ),
    "year of birth only": lambda rng, p: (
        dataclasses.replace(p, date_of_birth=None) if p.date_of_birth else None
    ),
    "ID one digit wrong": lambda rng, p: (
        dataclasses.replace(
            p,
            id_numbers=(
                p.id_numbers[0][:-3] + str((int(p.id_numbers[0][-3]) + 1) % 10) + p.id_numbers[0][-2:],
            ),
            given_name=typo(rng, p.given_name),
        )
        if p.id_numbers
        else None
    ),
    "ID one digit missing": lambda rng, p: (
        dataclasses.replace(p, id_numbers=(p.id_numbers[0][:2] + p.id_numbers[0][3:],))
        if p.id_numbers
        else None
    ),
    "same phone, typo": lambda rng, p: (
        dataclasses.replace(p, given_name=typo(rng, p.given_name), id_numbers=()) if p.phone else None
    ),
}


def family_names(rng: random.Random, count: int = 2000) -> list[str]:
    """Half of the people carry one of the common surnames, the others one of `count` rarer ones.

    A registry with a few dozen surnames would make namesakes (same name, same birth date) far more
    common than in a real district and understate precision.
    """
    rare: set[str] = set()
    while len(rare) < count:
        rare.add("".join(rng.choice(VILLAGE_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize())
    return sorted(rare)


def registry(rng: random.Random, people: int, villages: int = 400) -> list[PersonRecord]:
    out: list[PersonRecord] = []
    rare = family_names(rng)
    next_id = 10_000_000
    today = date(2026, 11, 1)
    while len(out) < people:
        household = uuid.uuid4()
        village = f"/R01/D{rng.randint(1, 8):02d}/V{rng.randint(1, villages):04d}/"
        family = rng.choice(FAMILY) if rng.random() < 0.5 else rng.choice(rare)
        phone = f"+26588{rng.randint(1000000, 9999999)}" if rng.random() < 0.5 else None
        size = rng.choice((1, 2, 3, 4, 4, 5, 5, 6, 7, 8))
        twins_born = today - timedelta(days=rng.randint(1000, 6000)) if rng.random() < 0.03 else None
        for m in range(size):
            sex = rng.choice("FM")
            adult = m < 2
            born = (
                twins_born
                if twins_born and m in (2, 3)
                else today
                - timedelta(days=rng.randint(18 * 365 if adult else 0, 80 * 365 if adult else 17 * 365))
            )
            year_only = rng.random() < 0.12
            ids: tuple[str, ...] = ()
            if adult and rng.random() < 0.8:
                next_id += rng.randint(1, 30)
                ids = (f"{next_id:08d}",)
            out.append(
                PersonRecord(
                    id=uuid.uuid4(),
                    household_id=household,
                    given_name=rng.choice(FEMALE_GIVEN if sex == "F" else MALE_GIVEN),
                    family_name=family,
                    other_names=rng.choice(FEMALE_GIVEN) if rng.random() < 0.15 else None,
                    sex=sex,
                    date_of_birth=None if year_only else born,
                    birth_year=born.year,
                    phone=phone if adult else None,
                    id_numbers=ids,
                    location_path=village,
                )
            )
    return out[:people]


def _indistinguishable(a: PersonRecord, b: PersonRecord) -> bool:
    """Generated namesakes: same names and sex, and birth data that agree (same date, or a year alone)."""
    from cashdesk.registry.dedup.normalise import simplify

    same_name = {simplify(a.given_name), simplify(a.family_name)} == {
        simplify(b.given_name),
        simplify(b.family_name),
    }
    same_birth = (
        a.date_of_birth == b.date_of_birth
        if a.date_of_birth and b.date_of_birth
        else a.birth_year == b.birth_year
    )
    return same_name and a.sex == b.sex and same_birth


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--per-kind", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    base = registry(rng, args.people - args.per_kind * len(KINDS))
    truth: dict[tuple[uuid.UUID, uuid.UUID], str] = {}
    injected: list[PersonRecord] = []
    for kind, make in KINDS.items():
        made = 0
        while made < args.per_kind:
            original = rng.choice(base)
            copy = make(rng, original)
            if copy is None or copy == original:
                continue
            # The copy is registered again elsewhere: another household, maybe another village.
            copy = dataclasses.replace(
                copy,
                id=uuid.uuid4(),
                household_id=uuid.uuid4(),
                location_path=rng.choice((original.location_path, "/R01/D09/V9999/")),
            )
            injected.append(copy)
            pair = (original.id, copy.id) if original.id.hex < copy.id.hex else (copy.id, original.id)
            truth[pair] = kind
            made += 1
    people = base + injected
    rng.shuffle(people)
    started = time.perf_counter()
    matches = find_duplicates(people)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found = {(m.left_id, m.right_id) for m in matches}
    print(
        f"{len(people):,} people, {len(truth):,} injected duplicates; scan {elapsed:.1f} s, "
        f"peak memory {peak_mb:,.0f} MB, {len(matches):,} pairs flagged"
    )
    for kind in KINDS:
        pairs = [p for p, k in truth.items() if k == kind]
        hit = sum(p in found for p in pairs)
        print(f"  recall {kind:<22} {hit / len(pairs):6.1%} ({hit}/{len(pairs)})")
    true_positive = len(found & set(truth))
    print(f"  recall overall           {true_positive / len(truth):6.1%}")
    print(
        f"  precision                {true_positive / max(1, len(found)):6.1%} "
        f"({len(found) - true_positive:,} flagged pairs are not injected duplicates)"
    )
    by_id = {p.id: p for p in people}
    namesakes = sum(
        1
        for m in matches
        if (m.left_id, m.right_id) not in truth and _indistinguishable(by_id[m.left_id], by_id[m.right_id])
    )
    print(
        f"    of which namesakes with the same name, sex and birth (no rule can tell them apart): {namesakes:,}"
    )
    by_key: dict[str, list[int]] = {}
    for index, person in enumerate(people):
        for key in match_keys(person):
            by_key.setdefault(key, []).append(index)
    times = []
    for probe in rng.sample(injected, 50):
        t = time.perf_counter()
        candidates = {i for key in match_keys(probe) for i in by_key.get(key, ()) if len(by_key[key]) <= 1000}
        _ = [score_pair(probe, people[i]) for i in candidates]
        times.append((time.perf_counter() - t) * 1000)
    print(
        f"  one check against the registry (keys in memory): median {statistics.median(times):.1f} ms, "
        f"max {max(times):.1f} ms"
    )


if __name__ == "__main__":
    main()
