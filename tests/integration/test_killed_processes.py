"""The `cashdesk` command killed (SIGKILL: no cleanup, no `finally`) at a random moment of a job.

On restart nothing may be half-written: the job's changes are all there or none are, the database and the
audit chain check out, and the job, run again, ends as an unkilled run would have. Each test first times
an unkilled run of the command on this machine (T), then kills it at moments drawn uniformly from
[0.2 T, 1.05 T] by a seeded random.Random: a failure names the seed and the moment, and
CASHDESK_KILL_SEED=<seed> draws the same moments again. Every kill works on its own copy of a database set
up once. The jobs: an import of households, a merge of duplicates, a payroll generation. `pytest -s` prints where the kills landed.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from cashdesk.desk import Desk, open_desk
from cashdesk.models import (
    AuditEntry,
    DuplicateCandidate,
    Household,
    ImportBatch,
    Member,
    MemberIdentifier,
    MemberMerge,
)
from cashdesk.security import audit
from tests.conftest import ADMIN, ADMIN_PASSWORD
from tests.integration.test_cli_review import PASSWORDS, command, environment, make_pairs

SEED = int(os.environ.get("CASHDESK_KILL_SEED", "20261206"))
KILLS = 20
HOUSEHOLDS = 6_000  # about 15,000 people: the import itself takes most of a second, after the start-up
OFFICER = "olive"  # the template's enrolment officer, who works in V001
SUPERVISOR = "sue"
GIVEN_NAMES = (
    "Agnes Esther Mercy Ruth Grace Tiwonge Chikondi Thoko Alinafe Kondwani Joseph James Yohane Chisomo "
    "Blessings Mphatso Limbani Madalitso Pemphero Tadala"
)
FAMILY_NAMES = (
    "Banda Phiri Mwale Zulu Nkhoma Kalua Chirwa Gondwe Mbewe Tembo Moyo Kumwenda Nyirenda Msiska Chavula "
    "Mhango Lungu Sakala Jere Mvula"
)


# --- running and killing ---------------------------------------------------------------------------


def timed_run(args: list[str], user: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.monotonic()
    result = subprocess.run(
        args,
        capture_output=True,
        text=True,
        env=environment(user),
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return time.monotonic() - started, result


def killed_run(args: list[str], user: str, at: float, stderr: Path) -> int | None:
    """Run the command and SIGKILL it `at` seconds after it was started; its exit code if it ended first.
    Its own process group, killed whole, so no helper process it might start survives it."""
    with stderr.open("w", encoding="utf-8") as err:
        started = time.monotonic()
        process = subprocess.Popen(
            args,
            env=environment(user),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
        try:
            return process.wait(timeout=max(0.0, at - (time.monotonic() - started)))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
            return None


@contextmanager
def opened(folder: Path) -> Iterator[Desk]:
    """The restart: the database opened again in this process (which replays a committed log)."""
    desk = open_desk(folder, ADMIN, ADMIN_PASSWORD)
    try:
        yield desk
    finally:
        desk.close()


def sound(desk: Desk) -> str:
    """'' when the file and the audit chain check out, else what is wrong."""
    with desk.engine.connect() as conn:
        integrity = conn.exec_driver_sql("PRAGMA integrity_check").scalars().all()
    if integrity != ["ok"]:
        return f"integrity_check: {integrity[:5]}"
    chain = desk.run(audit.verify_chain)
    return "" if chain.intact else f"audit chain broken at {chain.first_broken_seq}: {chain.reason}"


@dataclass(frozen=True)
class Kill:
    at: float
    phase: str
    outcome: str


def draw_moments(took: float) -> list[float]:
    rng = random.Random(SEED)
    return [rng.uniform(0.2 * took, 1.05 * took) for _ in range(KILLS)]


def report(job: str, took: float, kills: list[Kill]) -> None:
    moments = sorted(k.at for k in kills)
    print(f"\n{job}: unkilled run {took:.2f} s; seed {SEED}; kills at {moments[0]:.2f}-{moments[-1]:.2f} s")
    for (phase, outcome), n in sorted(Counter((k.phase, k.outcome) for k in kills).items()):
        print(f"  {n:2} x {outcome:<28} last seen: {phase}")


def fresh_copy(template: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(template, target)
    return target


# --- (a) an import ---------------------------------------------------------------------------------


def write_households(path: Path, count: int, pay_point: str = "") -> tuple[list[str], list[str]]:
    """A file of `count` households of one to four people in V001 (paid at `pay_point` when given);
    returns the household and member refs."""
    rng = random.Random(7)
    given = GIVEN_NAMES.split()
    family = FAMILY_NAMES.split()
    households, members = [], []
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["household_ref", "member_ref", "relationship", "recipient", "given_name", "family_name", "sex",
             "date_of_birth", "id_type", "id_number", "location", "pay_point"]
        )  # fmt: skip
        for number in range(count):
            ref = f"K{number:05d}"
            households.append(ref)
            surname = rng.choice(family)
            for person in range(rng.randint(1, 4)):
                relation = ("head", "spouse")[person] if person < 2 else "child"
                year = rng.randint(1940, 2000) if person < 2 else rng.randint(2005, 2020)
                members.append(f"{ref}-{person}")
                writer.writerow(
                    [
                        ref,
                        f"{ref}-{person}",
                        relation,
                        "primary" if person == 0 else "",
                        rng.choice(given),
                        surname,
                        rng.choice("FM"),
                        f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                        "national_id" if person == 0 else "",
                        f"{30_000_000 + number}" if person == 0 else "",
                        "V001",
                        pay_point,
                    ]
                )
    return sorted(households), sorted(members)


@dataclass(frozen=True)
class Registry:
    households: tuple[str, ...]  # each live household's source ref, sorted: a ref twice would show twice
    members: tuple[str, ...]
    identifiers: int
    search_rows: int
    key_rows: int
    pairs: int
    batches: tuple[str, ...]  # their statuses
    audit: tuple[str, ...]  # the trail's actions, logins left out (every run logs in before its job)

    def registered(self) -> tuple[Any, ...]:
        return (self.households, self.members, self.identifiers, self.search_rows, self.key_rows, self.pairs)


def registry(desk: Desk) -> Registry:
    def read(session: Session, actor: object) -> Registry:
        def count(sql: str) -> int:
            return int(session.execute(text(sql)).scalar_one())

        return Registry(
            households=tuple(
                sorted(
                    session.execute(select(Household.source_ref).where(Household.deleted_at.is_(None)))
                    .scalars()
                    .all()
                )
            ),
            members=tuple(
                sorted(
                    session.execute(select(Member.source_ref).where(Member.deleted_at.is_(None)))
                    .scalars()
                    .all()
                )
            ),
            identifiers=session.execute(select(func.count()).select_from(MemberIdentifier)).scalar_one(),
            search_rows=count("SELECT count(*) FROM member_search"),
            key_rows=count("SELECT count(*) FROM member_keys"),
            pairs=session.execute(select(func.count()).select_from(DuplicateCandidate)).scalar_one(),
            batches=tuple(b.value for b in session.execute(select(ImportBatch.status)).scalars()),
            audit=tuple(
                session.execute(
                    select(AuditEntry.action)
                    .where(AuditEntry.action.not_like("login%"))
                    .order_by(AuditEntry.seq)
                ).scalars()
            ),
        )

    return desk.run(read)


def import_phase(stderr: Path) -> str:
    """Where the import was: its last progress line (the progress goes to stderr, a line each 10 %)."""
    lines = [line.strip() for line in stderr.read_text(encoding="utf-8").splitlines() if "%" in line]
    return lines[-1] if lines else "(starting, logging in)"


def test_a_killed_import_is_all_there_or_not_at_all(template_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "households.csv"
    refs, member_refs = write_households(source, HOUSEHOLDS)
    args = ["import", "households", str(source)]

    reference = fresh_copy(template_dir, tmp_path / "reference")
    with opened(reference) as desk:
        empty = registry(desk)
    assert empty.households == () and empty.batches == ()
    took, result = timed_run(command(OFFICER, *args, data=reference), OFFICER)
    assert result.returncode == 0, result.stderr
    with opened(reference) as desk:
        whole = registry(desk)
    assert whole.households == tuple(refs) and whole.members == tuple(member_refs)
    assert whole.batches == ("completed",) and whole.audit == (*empty.audit, "import.households")
    assert whole.identifiers == HOUSEHOLDS and whole.search_rows == whole.key_rows == len(member_refs)

    kills = []
    for number, at in enumerate(draw_moments(took)):
        where = f"seed {SEED}, kill {number} at {at:.3f} s of an unkilled {took:.3f} s"
        folder = fresh_copy(template_dir, tmp_path / "killed")
        stderr = tmp_path / "stderr.txt"
        code = killed_run(command(OFFICER, *args, data=folder), OFFICER, at, stderr)
        phase = import_phase(stderr)
        where += f", last progress: {phase}"
        with opened(folder) as desk:
            assert (problem := sound(desk)) == "", f"{where}: {problem}"
            after_kill = registry(desk)
        if code is not None:
            assert code == 0, f"{where}: the import ended by itself with {code}: {stderr.read_text()}"
        assert after_kill in (empty, whole), (
            f"{where}: half an import: {len(after_kill.households)} of {len(refs)} households, "
            f"{len(after_kill.members)} members, batches {after_kill.batches}, {after_kill}"
        )
        outcome = "ended before the kill" if code is not None else "whole" if after_kill == whole else "none"
        kills.append(Kill(at, phase, f"import {outcome}"))

        again = subprocess.run(
            command(OFFICER, *args, data=folder),
            capture_output=True,
            text=True,
            env=environment(OFFICER),
            timeout=300,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert again.returncode == 0, f"{where}: run again: {again.stderr[-2000:]}"
        with opened(folder) as desk:
            assert (problem := sound(desk)) == "", f"{where}, run again: {problem}"
            final = registry(desk)
        # Every household of the file once; an import that had been saved is found up to date.
        assert final.registered() == whole.registered(), f"{where}, run again: {final}"
        runs = 1 if after_kill == empty else 2
        assert final.batches == ("completed",) * runs, f"{where}, run again: {final.batches}"
        assert final.audit == (*empty.audit, *["import.households"] * runs), f"{where}, run again"
    report("import households", took, kills)


# --- (b) a merge -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def review_template(template_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template with the review test's four open pairs."""
    folder = fresh_copy(template_dir, tmp_path_factory.mktemp("review") / "data")
    with ExitStack() as stack:

        def desk_for(user: str) -> Desk:
            desk = open_desk(folder, user, PASSWORDS[user])
            stack.callback(desk.close)
            return desk

        make_pairs(desk_for)
    return folder


def pair_to_merge(folder: Path) -> tuple[str, str]:
    """Esther's pair (her right record is alone in its household, which the merge removes)."""
    with opened(folder) as desk:
        pair = desk.run(
            lambda s, a: s.execute(
                select(DuplicateCandidate)
                .join(Member, Member.id == DuplicateCandidate.left_member_id)
                .where(Member.given_name == "Esther")
            ).scalar_one()
        )
    return pair.id.hex, pair.right_member_id.hex


def review_state(desk: Desk) -> dict[str, Any]:
    """What a merge changes, without its timestamps (a tombstone is there or not)."""

    def read(session: Session, actor: object) -> dict[str, Any]:
        def rows(query: Any) -> list[Any]:
            return sorted(tuple(row) for row in session.execute(query))

        return {
            "members": rows(
                select(
                    Member.id,
                    Member.household_id,
                    Member.deleted_at.is_(None),
                    Member.given_name,
                    Member.family_name,
                    Member.date_of_birth,
                    Member.phone,
                    Member.relation_to_head,
                    Member.recipient_role,
                )
            ),
            "identifiers": rows(select(MemberIdentifier.member_id, MemberIdentifier.number)),
            "households": rows(select(Household.id, Household.deleted_at.is_(None))),
            "pairs": rows(
                select(
                    DuplicateCandidate.id,
                    DuplicateCandidate.status,
                    DuplicateCandidate.deleted_at.is_(None),
                    DuplicateCandidate.left_member_id,
                    DuplicateCandidate.right_member_id,
                    DuplicateCandidate.decision_note,
                )
            ),
            "merges": rows(
                select(MemberMerge.candidate_id, MemberMerge.kept_member_id, MemberMerge.merged_member_id)
            ),
            "keys": rows(text("SELECT rowid FROM member_keys")),
            "search": rows(text("SELECT rowid FROM member_search")),
            "audit": session.execute(
                select(AuditEntry.action).where(AuditEntry.action.not_like("login%")).order_by(AuditEntry.seq)
            )
            .scalars()
            .all(),
            # The supervisor's logins: whether the killed command had logged in (the checks log in as admin).
            "logins": session.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "login", AuditEntry.username == SUPERVISOR)
            ).scalar_one(),
        }

    return desk.run(read)


def without_logins(state: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in state.items() if name != "logins"}


def test_a_killed_merge_is_done_or_not_at_all(review_template: Path, tmp_path: Path) -> None:
    pair, gone = pair_to_merge(review_template)
    args = ["review", "merge", pair, "--keep", "left", "--take", "date_of_birth=right", "--take",
            "phone=right", "--note", "one woman, two forms"]  # fmt: skip
    with opened(review_template) as desk:
        before = review_state(desk)

    reference = fresh_copy(review_template, tmp_path / "reference")
    took, result = timed_run(command(SUPERVISOR, *args, data=reference), SUPERVISOR)
    assert result.returncode == 0, result.stderr
    with opened(reference) as desk:
        merged = without_logins(review_state(desk))
    assert merged["merges"] and len(merged["merges"]) == 1 and merged["merges"][0][2].hex == gone
    assert merged["audit"] == [*before["audit"], "duplicate.merged"]
    statuses = {
        p[0].hex: (p[1].value, q[1].value) for p, q in zip(before["pairs"], merged["pairs"], strict=True)
    }
    assert statuses[pair] == ("open", "same_person")
    assert all(was == now == "open" for key, (was, now) in statuses.items() if key != pair)
    tombstoned = {m[0].hex for m in merged["members"] if not m[2]}
    assert tombstoned == {gone}

    kills = []
    for number, at in enumerate(draw_moments(took)):
        where = f"seed {SEED}, kill {number} at {at:.3f} s of an unkilled {took:.3f} s"
        folder = fresh_copy(review_template, tmp_path / "killed")
        code = killed_run(command(SUPERVISOR, *args, data=folder), SUPERVISOR, at, tmp_path / "stderr.txt")
        with opened(folder) as desk:
            assert (problem := sound(desk)) == "", f"{where}: {problem}"
            after_kill = review_state(desk)
        logged_in = after_kill["logins"] > before["logins"]
        state = without_logins(after_kill)
        assert state in (without_logins(before), merged), f"{where}: half a merge: {state}"
        if code is not None:
            assert code == 0 and state == merged, f"{where}: the merge ended by itself with {code}"
        outcome = "merge done" if state == merged else "merge not done"
        kills.append(Kill(at, "logged in" if logged_in else "(starting, logging in)", outcome))

        _, again = timed_run(command(SUPERVISOR, *args, data=folder), SUPERVISOR)
        if state == merged:
            assert again.returncode == 1, f"{where}: merged twice: {again.stdout}"
            assert again.stderr == "cashdesk: This pair was already decided.\n", where
        else:
            assert again.returncode == 0, f"{where}: run again: {again.stderr}"
            assert again.stdout.startswith("Merged: kept the left record"), where
        with opened(folder) as desk:
            assert (problem := sound(desk)) == "", f"{where}, run again: {problem}"
            assert without_logins(review_state(desk)) == merged, f"{where}, run again"
    report("review merge", took, kills)


# --- (c) a payroll generation ----------------------------------------------------------------------

BENEFICIARIES = 5_000  # enough lines that a kill lands inside the generation, not only at start-up


@pytest.fixture(scope="module")
def payroll_template(template_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template with pay point PP1, BENEFICIARIES households paid there, all enrolled in plan ALL."""
    from datetime import date

    from cashdesk.payroll.enrolment import enrol
    from cashdesk.payroll.plans import save_plan
    from cashdesk.registry.importing.run import import_households
    from tests.unit.payroll_helpers import add_pay_points, flat_plan

    folder = fresh_copy(template_dir, tmp_path_factory.mktemp("payroll") / "data")
    source = folder.parent / "households.csv"
    write_households(source, BENEFICIARIES, pay_point="PP1")
    with ExitStack() as stack:

        def desk_for(user: str) -> Desk:
            desk = open_desk(folder, user, PASSWORDS[user])
            stack.callback(desk.close)
            return desk

        add_pay_points(desk_for(ADMIN))
        assert desk_for(OFFICER).run(import_households, source).households_created == BENEFICIARIES
        supervisor = desk_for(SUPERVISOR)
        supervisor.run(save_plan, flat_plan())
        assert supervisor.run(enrol, "ALL", on=date(2026, 3, 1)).new == BENEFICIARIES
    return folder


def payroll_state(desk: Desk) -> tuple[Any, ...]:
    """The payrolls, their lines (transaction numbers and amounts), the cycles, the counter the numbers
    come from, and the audit trail without logins."""

    def read(session: Session, actor: object) -> tuple[Any, ...]:
        def rows(sql: str) -> tuple[Any, ...]:
            return tuple(tuple(row) for row in session.execute(text(sql)))

        return (
            rows("SELECT code, status, line_count, total_amount_minor FROM payrolls ORDER BY code"),
            rows(
                "SELECT count(*), count(DISTINCT transaction_number), count(DISTINCT household_id), "
                "sum(amount_minor), min(transaction_number), max(transaction_number) FROM payment_lines"
            ),
            rows("SELECT code, period_start FROM payment_cycles ORDER BY code"),
            rows("SELECT * FROM code_sequences ORDER BY 1"),
            rows("SELECT action FROM audit_entries WHERE action NOT LIKE 'login%' ORDER BY seq"),
        )

    return desk.run(read)


def test_a_killed_payroll_generation_is_all_there_or_not_at_all(
    payroll_template: Path, tmp_path: Path
) -> None:
    args = ["payroll", "generate", "--plan", "ALL", "--period", "2026-03"]
    with opened(payroll_template) as desk:
        before = payroll_state(desk)
    assert before[0] == () and before[1][0][0] == 0

    reference = fresh_copy(payroll_template, tmp_path / "reference")
    took, result = timed_run(command(SUPERVISOR, *args, data=reference), SUPERVISOR)
    assert result.returncode == 0, result.stderr
    with opened(reference) as desk:
        whole = payroll_state(desk)
    assert whole[0] == (("ALL-202603-PP1", "pending_approval", BENEFICIARIES, BENEFICIARIES * 1_000_000),)
    assert whole[1][0][:3] == (BENEFICIARIES,) * 3  # one line, one number per household
    assert whole[4] == (*before[4], ("payroll.generated",))

    kills = []
    for number, at in enumerate(draw_moments(took)):
        where = f"seed {SEED}, kill {number} at {at:.3f} s of an unkilled {took:.3f} s"
        folder = fresh_copy(payroll_template, tmp_path / "killed")
        stderr = tmp_path / "stderr.txt"
        code = killed_run(command(SUPERVISOR, *args, data=folder), SUPERVISOR, at, stderr)
        phase = import_phase(stderr)
        where += f", last progress: {phase}"
        with opened(folder) as desk:
            assert (problem := sound(desk)) == "", f"{where}: {problem}"
            after_kill = payroll_state(desk)
        if code is not None:
            assert code == 0, f"{where}: the generation ended by itself with {code}: {stderr.read_text()}"
        # A cycle may be opened by a killed run's transaction only together with its payroll.
        assert after_kill in (before, whole), f"{where}: half a payroll: {after_kill[:4]}"
        outcome = "ended before the kill" if code is not None else "whole" if after_kill == whole else "none"
        kills.append(Kill(at, phase, f"generation {outcome}"))

        _, again = timed_run(command(SUPERVISOR, *args, data=folder), SUPERVISOR)
        if after_kill == whole:  # never twice in a cycle
            assert again.returncode == 1 and "Nobody to pay in ALL-202603" in again.stderr, where
        else:
            assert again.returncode == 0, f"{where}: run again: {again.stderr[-2000:]}"
        with opened(folder) as desk:
            assert (problem := sound(desk)) == "", f"{where}, run again: {problem}"
            assert payroll_state(desk) == whole, f"{where}, run again"
    report("payroll generate", took, kills)
