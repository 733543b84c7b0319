"""`cashdesk review list|merge|not-same|field-visit` as a real process on a real encrypted database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.desk import Desk
from cashdesk.models import AuditEntry, DuplicateCandidate, Household, Member, MemberMerge
from cashdesk.registry.households import create_household
from cashdesk.registry.review import ReviewItem, review_queue
from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD
from tests.unit.registry_helpers import add_pay_point, household, member

# The console script an installation puts on the PATH, next to the interpreter running the tests.
CASHDESK = Path(sys.executable).with_name("cashdesk")
PASSWORDS = {"admin": ADMIN_PASSWORD, "sue": USER_PASSWORD, "olive": USER_PASSWORD, "carl": USER_PASSWORD}
REFUSED = {
    "olive": "cashdesk: Only administrators or supervisors may review duplicates; "
    "you are logged in as enrolment officer.",
    "carl": "cashdesk: Only administrators or supervisors may review duplicates; "
    "you are logged in as pay point clerk.",
}


def command(user: str, *args: str, data: Path) -> list[str]:
    assert CASHDESK.exists(), f"{CASHDESK} is missing: install the package (pip install -e .)"
    return [str(CASHDESK), "--data-dir", str(data), "--user", user, *args]


def environment(user: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CASHDESK_")}
    return environ | {"CASHDESK_PASSWORD": PASSWORDS[user]}


def cashdesk(user: str, *args: str, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(user, *args, data=data),
        capture_output=True,
        text=True,
        env=environment(user),
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def make_pairs(desk_for: Callable[[str], Desk]) -> dict[str, ReviewItem]:
    """Four open pairs, by the left record's given name; Chisomo's right record heads a household of two."""
    add_pay_point(desk_for("admin"))
    officer = desk_for("olive")
    for first, second in (
        (
            member("Esther", "Nkhoma", born=date(1969, 7, 1), id_number="55501234"),
            member("Esther", "Nkoma", born=date(1969, 1, 7), phone="0999123456"),
        ),
        (
            member("Joseph", "Kalua", sex="M", born=date(1950, 2, 2)),
            member("Joseph", "Kalwa", sex="M", born=date(1950, 2, 2)),
        ),
        (
            member("Mercy", "Phiri", born=date(1991, 3, 14)),
            member("Mercy", "Phiri", born=date(1991, 3, 14), phone="0888765432"),
        ),
    ):
        officer.run(create_household, household(first))
        officer.run(create_household, household(second), duplicate_note="a second form")
    officer.run(create_household, household(member("Chisomo", "Banda", sex="M", born=date(1975, 9, 9))))
    officer.run(
        create_household,
        household(
            member("Chisomo", "Bandah", sex="M", born=date(1975, 9, 9)),
            member("Ruth", "Bandah", relation="spouse", recipient=None, born=date(1978, 1, 1)),
        ),
        duplicate_note="a second form",
    )
    pairs = {item.left.values["given_name"]: item for item in desk_for("admin").run(review_queue)}
    assert sorted(pairs) == ["Chisomo", "Esther", "Joseph", "Mercy"]
    assert all(item.left.values["given_name"] == item.right.values["given_name"] for item in pairs.values())
    return pairs


@pytest.fixture
def pairs(desk_for: Callable[[str], Desk]) -> dict[str, ReviewItem]:
    return make_pairs(desk_for)


def registry_state(session: Session, actor: object) -> dict[str, Any]:
    """Everything a decision could change; the audit trail without the logins."""
    return {
        "pairs": sorted(
            (c.id, c.status.value, c.decided_by_id, c.decision_note, c.deleted_at, c.left_member_id)
            for c in session.execute(select(DuplicateCandidate)).scalars()
        ),
        "members": sorted(
            (
                m.id,
                m.household_id,
                m.deleted_at,
                m.given_name,
                m.family_name,
                m.date_of_birth,
                m.phone,
                m.relation_to_head.value,
                m.recipient_role,
                m.version,
            )
            for m in session.execute(select(Member)).scalars()
        ),
        "households": sorted((h.id, h.deleted_at) for h in session.execute(select(Household)).scalars()),
        "merges": session.execute(select(MemberMerge.id)).scalars().all(),
        "audit": session.execute(
            select(AuditEntry.action).where(AuditEntry.action.not_like("login%")).order_by(AuditEntry.seq)
        )
        .scalars()
        .all(),
    }


@pytest.mark.parametrize("user", ["admin", "sue"])
def test_list_shows_each_pair_by_an_id_that_can_be_pasted_back(
    user: str, data_dir: Path, pairs: dict[str, ReviewItem]
) -> None:
    listed = cashdesk(user, "review", "list", data=data_dir)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) == 4
    esther = next(line for line in lines if "Esther" in line)
    item = pairs["Esther"]
    assert esther.split()[0] == item.id.hex
    for text in (
        item.left.household_code,
        "Esther Nkhoma (1969-07-01, Chikwawa)",
        item.right.household_code,
        "Esther Nkoma (1969-01-07, Chikwawa)",
        "differs: family_name, date_of_birth, phone, id_numbers",
    ):
        assert text in esther
    assert f"{item.score:5.1f}" in esther

    as_json = cashdesk(user, "review", "list", "--json", data=data_dir)
    assert as_json.returncode == 0, as_json.stderr
    decoded = {entry["left"]["given_name"]: entry for entry in json.loads(as_json.stdout)}
    assert sorted(decoded) == ["Chisomo", "Esther", "Joseph", "Mercy"]
    entry = decoded["Esther"]
    assert entry["id"] == item.id.hex and entry["status"] == "open"
    assert entry["left"]["member_id"] == item.left.member_id.hex
    assert entry["left"]["household_code"] == item.left.household_code
    assert entry["right"]["date_of_birth"] == "1969-01-07" and entry["right"]["village"] == "Chikwawa"
    assert entry["left"]["id_numbers"] == ["national_id:55501234"]
    assert entry["differs"] == ["family_name", "date_of_birth", "phone", "id_numbers"]

    limited = cashdesk(user, "review", "list", "--limit", "1", data=data_dir)
    assert limited.returncode == 0 and limited.stdout.splitlines()[1] == "1 of 4 pairs shown (--limit)."
    parked = cashdesk(user, "review", "list", "--status", "field_visit", "--json", data=data_dir)
    assert parked.returncode == 0 and json.loads(parked.stdout) == []


@pytest.mark.parametrize("user", ["admin", "sue"])
def test_reviewers_merge_and_decide(
    user: str, data_dir: Path, pairs: dict[str, ReviewItem], desk_for: Callable[[str], Desk]
) -> None:
    admin = desk_for("admin")
    esther = pairs["Esther"]
    merged = cashdesk(
        user, "review", "merge", esther.id.hex, "--keep", "left", "--take", "date_of_birth=right",
        "--take", "phone=right", "--note", "one woman, two forms",
        data=data_dir,
    )  # fmt: skip
    assert merged.returncode == 0, merged.stderr
    assert merged.stdout.startswith(
        f"Merged: kept the left record, {esther.left.household_code} Esther Nkhoma (1969-07-01, Chikwawa) "
        f"(member {esther.left.member_id.hex}); {esther.right.household_code} Esther Nkoma"
    )

    def merge_done(session: Session, actor: object) -> tuple[Any, ...]:
        kept = session.get_one(Member, esther.left.member_id)
        gone = session.get_one(Member, esther.right.member_id)
        history = session.execute(select(MemberMerge)).scalar_one()
        pair = session.get_one(DuplicateCandidate, esther.id)
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "duplicate.merged")
        ).scalar_one()
        return kept, gone, history, pair, entry

    kept, gone, history, pair, entry = admin.run(merge_done)
    assert (kept.date_of_birth, kept.phone, kept.family_name) == (date(1969, 1, 7), "+265999123456", "Nkhoma")
    assert kept.deleted_at is None and gone.deleted_at is not None
    assert (history.kept_member_id, history.merged_member_id) == (kept.id, gone.id)
    assert pair.status.value == "same_person" and pair.decision_note == "one woman, two forms"
    assert entry.username == user and entry.entity_id == str(kept.id)

    joseph, mercy = pairs["Joseph"], pairs["Mercy"]
    different = cashdesk(user, "review", "not-same", joseph.id.hex, "--note", "brothers", data=data_dir)
    assert different.returncode == 0, different.stderr
    assert different.stdout == f"Not the same person: pair {joseph.id.hex} will not be raised again.\n"
    visit = cashdesk(user, "review", "field-visit", str(mercy.id), data=data_dir)  # the dashed form too
    assert visit.returncode == 0, visit.stderr

    decided = {c.id: c for c in admin.run(lambda s, a: s.execute(select(DuplicateCandidate)).scalars().all())}
    assert decided[joseph.id].status.value == "not_same" and decided[joseph.id].decision_note == "brothers"
    assert decided[mercy.id].status.value == "field_visit"
    assert all(decided[p.id].decided_by_id == desk_for(user).actor.user_id for p in (joseph, mercy))

    still_open = cashdesk(user, "review", "list", data=data_dir)
    assert [line.split()[0] for line in still_open.stdout.splitlines()] == [pairs["Chisomo"].id.hex]
    parked = cashdesk(user, "review", "list", "--status", "field_visit", data=data_dir)
    assert [line.split()[0] for line in parked.stdout.splitlines()] == [mercy.id.hex]
    # A pair parked for a visit can still be decided once the visit is made.
    after_visit = cashdesk(user, "review", "not-same", mercy.id.hex, data=data_dir)
    assert after_visit.returncode == 0, after_visit.stderr
    verified = cashdesk("admin", "audit", "verify", data=data_dir)
    assert verified.returncode == 0, verified.stderr


@pytest.mark.parametrize("user", ["olive", "carl"])
def test_other_roles_are_refused_and_nothing_changes(
    user: str, data_dir: Path, pairs: dict[str, ReviewItem], desk_for: Callable[[str], Desk]
) -> None:
    admin = desk_for("admin")
    before = admin.run(registry_state)
    pair = pairs["Esther"].id.hex
    for args in (
        ["list"],
        ["list", "--json"],
        ["merge", pair, "--keep", "left", "--take", "phone=right"],
        ["not-same", pair],
        ["field-visit", pair],
    ):
        result = cashdesk(user, "review", *args, data=data_dir)
        assert one_line(result) == REFUSED[user], args
        assert result.stdout == "", args
    assert admin.run(registry_state) == before


def test_bad_input_is_one_line_and_changes_nothing(
    data_dir: Path, pairs: dict[str, ReviewItem], desk_for: Callable[[str], Desk]
) -> None:
    admin = desk_for("admin")
    before = admin.run(registry_state)
    pair = pairs["Esther"].id.hex
    for args, message in (
        (
            ["merge", "01a2-not-a-pair", "--keep", "left"],
            "cashdesk: '01a2-not-a-pair' is not a pair id: use the 32-character id "
            "`cashdesk review list` shows. [PAIR_ID]",
        ),
        (["not-same", pair[:-1]], f"cashdesk: '{pair[:-1]}' is not a pair id"),
        (["field-visit", "Esther"], "cashdesk: 'Esther' is not a pair id"),
        (
            ["merge", pair, "--keep", "left", "--take", "household_id=right"],
            "cashdesk: 'household_id' cannot be chosen in a merge; the fields are given_name, family_name, "
            "other_names, sex, date_of_birth, birth_year, phone, disability. [take]",
        ),
        (["merge", pair, "--keep", "left", "--take", "phone"], "cashdesk: --take takes FIELD=left"),
        (["merge", pair, "--keep", "left", "--take", "phone=middle"], "cashdesk: --take takes FIELD=left"),
        (
            ["merge", pair, "--keep", "left", "--take", "phone=left", "--take", "phone=right"],
            "cashdesk: --take names phone twice",
        ),
        (["merge", "0" * 32, "--keep", "left"], "cashdesk: This pair is no longer in the queue."),
        (["not-same", "0" * 32], "cashdesk: This pair is no longer in the queue."),
        # The service refuses halfway (the record to remove heads a household of two): all is undone.
        (
            ["merge", pairs["Chisomo"].id.hex, "--keep", "left"],
            "cashdesk: Chisomo Bandah is the head of household",
        ),
    ):
        assert one_line(cashdesk("sue", "review", *args, data=data_dir)).startswith(message), args
    assert admin.run(registry_state) == before

    assert cashdesk("sue", "review", "merge", pair, "--keep", "right", data=data_dir).returncode == 0
    decided = admin.run(registry_state)
    for args in (["merge", pair, "--keep", "left"], ["not-same", pair], ["field-visit", pair, "--note", "x"]):
        result = cashdesk("sue", "review", *args, data=data_dir)
        assert one_line(result) == "cashdesk: This pair was already decided.", args
    assert admin.run(registry_state) == decided

    missing_keep = cashdesk("sue", "review", "merge", pair, data=data_dir)
    assert missing_keep.returncode == 2 and "--keep" in missing_keep.stderr
