from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from cashdesk.core import checkpoints
from cashdesk.core.errors import Cancelled, ValidationError
from cashdesk.desk import Desk
from cashdesk.models import (
    AuditEntry,
    DuplicateCandidate,
    Household,
    ImportBatch,
    ImportStatus,
    Location,
    Member,
)
from cashdesk.registry.export import COLUMNS, export_households
from cashdesk.registry.households import create_household, get_household
from cashdesk.registry.importing import run
from cashdesk.registry.importing.batches import undo_import
from cashdesk.registry.importing.fields import REQUIRED
from cashdesk.registry.importing.run import REPORT, ImportOptions, import_households
from cashdesk.registry.search import HouseholdQuery, index_households, list_households
from tests.unit.registry_helpers import add_pay_point, household, member

# The import format without the optional other_names, address and disability columns.
HEADER = [c for c in COLUMNS if c not in ("other_names", "address", "disability")]
GOOD = [
    [
        "HH1",
        "P1",
        "head",
        "primary",
        "Mercy",
        "Phiri",
        "F",
        "1975-03-02",
        "national_id",
        "30000001",
        "0881000001",
        "V001",
        "cash",
        "",
        "PP1",
    ],
    ["HH1", "P2", "child", "", "Tionge", "Phiri", "F", "2012", "", "", "", "V001", "cash", "", "PP1"],
    [
        "HH2",
        "P3",
        "head",
        "primary",
        "John",
        "Mwale",
        "M",
        "03/04/1960",
        "national_id",
        "30000002",
        "",
        "Chikwawa",
        "mobile_money",
        "0999000002",
        "PP1",
    ],
]
BAD = [  # two heads, and a member with an impossible date: the whole household is rejected
    [
        "HH3",
        "P4",
        "head",
        "primary",
        "Alice",
        "Tembo",
        "F",
        "1990-02-30",
        "",
        "",
        "",
        "V001",
        "cash",
        "",
        "PP1",
    ],
    ["HH3", "P5", "head", "", "Peter", "Tembo", "M", "1988-01-01", "", "", "", "V001", "cash", "", "PP1"],
]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def admin_with_pay_point(admin: Desk, desk_for: Callable[[str], Desk]) -> Desk:
    """An enrolment officer covering the whole district (imports are an officer's job)."""
    from cashdesk.models.security import Role
    from cashdesk.security import users
    from tests.conftest import USER_PASSWORD

    add_pay_point(admin)
    admin.run(
        users.create_user,
        admin.vault,
        username="dora",
        full_name="Dora District",
        role=Role.ENROLMENT_OFFICER,
        password=USER_PASSWORD,
        location_codes=["D01"],
    )
    return desk_for("dora")


def _audit_actions(desk: Desk) -> list[str]:
    return desk.run(lambda s, a: list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq))))


def _count(desk: Desk, model: type) -> int:
    return desk.run(
        lambda s, a: s.execute(
            select(func.count()).select_from(model).where(model.deleted_at.is_(None))
        ).scalar_one()
    )


def test_import_writes_good_households_and_reports_bad_rows(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    desk = admin_with_pay_point
    source = write_csv(tmp_path / "registry.csv", GOOD + BAD)
    errors = tmp_path / "errors.csv"
    seen: list[float] = []
    report = desk.run(import_households, source, errors_path=errors, progress=lambda f, m: seen.append(f))
    assert (report.households_created, report.members_created) == (2, 3)
    assert (report.households_rejected, report.rows_rejected) == (1, 2)
    assert seen[-1] == 1.0
    assert _count(desk, Household) == 2
    with errors.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["member_ref"] for r in rows] == ["P4", "P5"]
    assert "date_of_birth" in rows[0]["error"] and "not a real date" in rows[0]["error"]
    assert "relationship" in rows[1]["error"] and "two heads" in rows[1]["error"]
    assert rows[0]["row"] == "5"
    warnings = [p for p in report.problems if not p.is_error]
    assert any("day/month/year" in p.message and p.row == 4 for p in warnings)
    # Village given by name (Chikwawa) and the mobile money number were normalised.
    found = desk.run(list_households, HouseholdQuery(text="john mwale"))
    assert found and found[0].village == "Chikwawa" and found[0].payment_method == "mobile_money"
    batch = desk.run(lambda s, a: s.execute(select(ImportBatch)).scalar_one())
    assert batch.status == ImportStatus.COMPLETED and batch.counts["households_created"] == 2


def test_choices_spelled_by_name_or_in_any_case_are_stored_as_their_codes(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    # The rules accept "female" for F and "Head" for head: what they accept must be written, not crash.
    head = ["HH9", "P9", "Head", "Primary", "Mercy", "Banda", "female", "1975-03-02", "", "", "", "V001"]
    child = ["HH9", "P10", "CHILD", "", "Tamanda", "Banda", "Male", "2012", "", "", "", "V001"]
    spelled = [[*head, "CASH", "", "PP1"], [*child, "cash", "", "pp1"]]  # one household, however written
    desk = admin_with_pay_point
    report = desk.run(import_households, write_csv(tmp_path / "spelled.csv", spelled))
    assert [p.message for p in report.problems if p.is_error] == []
    assert (report.households_created, report.members_created) == (1, 2)
    stored = desk.run(
        lambda s, a: s.execute(
            text(
                "SELECT m.sex, m.relation_to_head, m.recipient_role, h.payment_method FROM members m "
                "JOIN households h ON h.id = m.household_id ORDER BY m.source_ref DESC"
            )
        ).all()
    )
    assert [tuple(row) for row in stored] == [("F", "head", "primary", "cash"), ("M", "child", None, "cash")]


def test_a_household_in_two_villages_is_refused_with_the_row_that_disagrees(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    head = ["HH7", "P7", "head", "primary", "Ruth", "Phiri", "F", "1970-01-01", "", "", "", "V001"]
    child = ["HH7", "P8", "child", "", "Yamikani", "Phiri", "M", "2010", "", "", "", "V002"]
    source = write_csv(tmp_path / "two.csv", [[*head, "cash", "", "PP1"], [*child, "cash", "", "PP1"]])
    report = admin_with_pay_point.run(import_households, source)
    assert report.households_created == 0 and report.households_rejected == 1
    (problem,) = [p for p in report.problems if p.is_error]
    assert problem.row == 3 and problem.field == "location" and "V001 on an earlier row" in problem.message


def test_importing_the_same_file_twice_creates_nothing_new(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    desk = admin_with_pay_point
    source = write_csv(tmp_path / "registry.csv", GOOD)
    desk.run(import_households, source)
    audit_entries = _audit_actions(desk)
    again = desk.run(import_households, source)
    # Nothing differs: nothing is updated, and the audit trail only records the import itself.
    assert (again.households_created, again.households_updated, again.households_unchanged) == (0, 0, 2)
    assert _audit_actions(desk) == [*audit_entries, "import.households"]
    reported = desk.run(import_households, source, options=ImportOptions(on_existing=REPORT))
    assert reported.households_created == 0 and reported.rows_already_present == 3
    assert _count(desk, Household) == 2 and _count(desk, Member) == 3
    assert _count(desk, DuplicateCandidate) == 0  # a re-import is not a duplicate of itself


def test_dry_run_writes_nothing(admin_with_pay_point: Desk, tmp_path: Path) -> None:
    from cashdesk.registry.importing.mapping import list_profiles

    desk = admin_with_pay_point
    source = write_csv(tmp_path / "r.csv", GOOD)
    report = desk.run(import_households, source, dry_run=True, options=ImportOptions(save_profile="mine"))
    assert report.households_created == 2
    assert _count(desk, Household) == 0 and desk.run(list_profiles) == []


def test_dry_run_tells_updates_from_households_already_as_the_file_says(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    desk = admin_with_pay_point
    desk.run(import_households, write_csv(tmp_path / "r.csv", GOOD))
    changed = [GOOD[0], GOOD[1], [*GOOD[2][:4], "Johnny", *GOOD[2][5:]]]
    report = desk.run(import_households, write_csv(tmp_path / "c.csv", changed), dry_run=True)
    assert (report.households_updated, report.members_updated, report.households_unchanged) == (1, 1, 1)
    real = desk.run(import_households, write_csv(tmp_path / "c.csv", changed))
    assert (real.households_updated, real.members_updated, real.households_unchanged) == (1, 1, 1)


def test_headers_map_automatically_and_by_hand(admin_with_pay_point: Desk, tmp_path: Path) -> None:
    header = [
        "HH ID",
        "Member ID",
        "Relation",
        "Recipient",
        "Prénom",
        "Surname",
        "Gender",
        "DOB",
        "ID type",
        "NIN",
        "Mobile",
        "Village",
        "Payment mode",
        "Account",
        "Pay point",
    ]
    source = write_csv(tmp_path / "other.csv", GOOD, header=header)
    with pytest.raises(ValidationError, match="family_name"):
        admin_with_pay_point.run(import_households, source, options=ImportOptions(mapping={"Surname": ""}))
    report = admin_with_pay_point.run(
        import_households,
        source,
        options=ImportOptions(mapping={"NIN": "id_number"}, save_profile="old registry"),
    )
    assert report.households_created == 2
    assert report.mapping["Surname"] == "family_name" and report.mapping["Prénom"] == "given_name"


def test_latin1_file_with_semicolons(admin_with_pay_point: Desk, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    rows = [r[:] for r in GOOD]
    rows[0][4] = "Mércy"
    with path.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(rows)
    report = admin_with_pay_point.run(import_households, path)
    assert report.households_created == 2
    assert admin_with_pay_point.run(list_households, HouseholdQuery(text="mercy"))  # accents folded in search


def test_unknown_location_is_an_error_unless_created(admin_with_pay_point: Desk, tmp_path: Path) -> None:
    rows = [GOOD[0][:]]
    rows[0][11] = "Nsanje Boma"
    source = write_csv(tmp_path / "r.csv", rows)
    report = admin_with_pay_point.run(import_households, source)
    assert report.households_rejected == 1
    assert any("no village Nsanje Boma" in p.message for p in report.problems)
    created = admin_with_pay_point.run(
        import_households, source, options=ImportOptions(create_locations=True)
    )
    assert created.households_created == 1 and created.locations_created == 1
    # A value that looks like a code is the new village's code; a name gets one made up.
    coded = [["HH9", "P9", *GOOD[2][2:11], "V104", *GOOD[2][12:]]]
    admin_with_pay_point.run(
        import_households, write_csv(tmp_path / "c.csv", coded), options=ImportOptions(create_locations=True)
    )
    villages = admin_with_pay_point.run(
        lambda s, a: {
            code: name
            for code, name in s.execute(
                select(Location.code, Location.name).where(Location.name.in_(["V104", "Nsanje Boma"]))
            )
        }
    )
    assert villages == {"V104": "V104", "D01-V001": "Nsanje Boma"}


def test_a_row_without_a_household_ref_is_rejected_and_reported(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    orphan = ["", *GOOD[2][1:]]
    errors = tmp_path / "errors.csv"
    source = write_csv(tmp_path / "r.csv", [GOOD[0], GOOD[1], orphan])
    report = admin_with_pay_point.run(import_households, source, errors_path=errors)
    assert (report.households_created, report.rows_rejected, report.households_rejected) == (1, 1, 0)
    (problem,) = [p for p in report.problems if p.is_error]
    assert (problem.row, problem.field) == (4, "household_ref")
    with errors.open(encoding="utf-8-sig") as handle:
        (rejected,) = list(csv.DictReader(handle))
    assert rejected["member_ref"] == "P3" and "household_ref is empty" in rejected["error"]


def test_villages_are_created_only_for_households_imported(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    rejected = [
        ["HH8", "P8", "head", "", "Ruth", "Banda", "F", "1990", "", "", "", "Mpando", "cash", "", "PP1"]
    ]
    options = ImportOptions(create_locations=True)
    report = admin_with_pay_point.run(
        import_households, write_csv(tmp_path / "r.csv", rejected), options=options
    )
    assert (report.households_rejected, report.locations_created) == (1, 0)  # no primary recipient
    rejected[0][3] = "primary"
    report = admin_with_pay_point.run(
        import_households, write_csv(tmp_path / "r.csv", rejected), options=options
    )
    assert (report.households_created, report.locations_created) == (1, 1)
    assert _audit_actions(admin_with_pay_point)[-2:] == ["location.created", "import.households"]


def test_a_household_without_a_village_is_told_so(admin_with_pay_point: Desk, tmp_path: Path) -> None:
    rows = [GOOD[0][:]]
    rows[0][11] = ""
    report = admin_with_pay_point.run(import_households, write_csv(tmp_path / "r.csv", rows))
    (problem,) = [p for p in report.problems if p.is_error]
    assert (problem.row, problem.field) == (2, "location") and "village is missing" in problem.message


def test_a_scheme_field_named_like_another_header_is_the_schemes(
    admin: Desk, admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    from cashdesk.scheme.settings import set_custom_fields

    admin.run(
        set_custom_fields,
        schema={"member": {"type": "object", "properties": {"disabled": {"type": "boolean"}}}},
    )
    report = admin_with_pay_point.run(
        import_households, write_csv(tmp_path / "r.csv", [[*GOOD[0], "yes"]], [*HEADER, "disabled"])
    )
    assert report.mapping["disabled"] == "custom.disabled" and report.households_created == 1


def test_the_schemes_own_fields_are_read_as_their_types(
    admin: Desk, admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    from cashdesk.scheme.settings import set_custom_fields

    schema = {
        "household": {
            "type": "object",
            "properties": {
                "dwelling": {"type": "string", "enum": ["brick", "mud"]},
                "rooms": {"type": "integer", "minimum": 1},
            },
        },
        "member": {
            "type": "object",
            "properties": {"school_grade": {"type": "integer", "maximum": 12}, "orphan": {"type": "boolean"}},
        },
    }
    admin.run(set_custom_fields, schema=schema)
    header = [*HEADER, "dwelling", "rooms", "school_grade", "orphan"]
    rows = [
        [*GOOD[0], "brick", "3", "", "no"],
        [*GOOD[1], "brick", "3.0", "5", "yes"],
        [*GOOD[2], "palace", "two", "", ""],  # not one of the choices; not a number
    ]
    report = admin_with_pay_point.run(import_households, write_csv(tmp_path / "r.csv", rows, header))
    assert report.households_created == 1
    problems = {(p.row, p.field) for p in report.problems if p.is_error}
    assert problems == {(4, "custom.rooms"), (4, "custom.dwelling")}
    stored = admin_with_pay_point.run(
        lambda s, a: (
            s.execute(select(Household.custom_fields).where(Household.source_ref == "HH1")).scalar_one(),
            sorted(s.execute(select(Member.source_ref, Member.custom_fields))),
        )
    )
    assert stored == (
        {"dwelling": "brick", "rooms": 3},
        [("P1", {"orphan": False}), ("P2", {"school_grade": 5, "orphan": True})],
    )


def test_cancel_leaves_nothing(admin_with_pay_point: Desk, tmp_path: Path) -> None:
    import threading

    abort = threading.Event()
    abort.set()
    with pytest.raises(Cancelled):
        admin_with_pay_point.run(import_households, write_csv(tmp_path / "r.csv", GOOD), abort=abort)
    assert _count(admin_with_pay_point, Household) == 0


def test_a_cancel_during_the_last_step_still_leaves_nothing(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    import threading

    abort = threading.Event()

    def progress(fraction: float, message: str) -> None:
        if fraction >= 0.99:  # the user presses Cancel as the bar reaches its end
            abort.set()

    with pytest.raises(Cancelled):
        admin_with_pay_point.run(
            import_households, write_csv(tmp_path / "r.csv", GOOD), progress=progress, abort=abort
        )
    assert _count(admin_with_pay_point, Household) == 0


def test_undo_removes_the_batch(admin_with_pay_point: Desk, tmp_path: Path) -> None:
    from datetime import date

    from cashdesk.registry.households import create_household, get_household, update_household

    kept = admin_with_pay_point.run(create_household, household(member("Agness", "Kamanga")))
    report = admin_with_pay_point.run(import_households, write_csv(tmp_path / "r.csv", GOOD))
    # A baby added by hand to an imported household since: undoing the import removes the household, so
    # the baby too (its members are found through the batch's households).
    hh1 = admin_with_pay_point.run(
        lambda s, a: s.execute(select(Household.id).where(Household.source_ref == "HH1")).scalar_one()
    )
    data = admin_with_pay_point.run(get_household, hh1).input
    data.members.append(member("Baby", "Phiri", born=date(2026, 10, 1), relation="child", recipient=None))
    admin_with_pay_point.run(update_household, data)
    assert _count(admin_with_pay_point, Member) == 5

    assert admin_with_pay_point.run(undo_import, report.batch_id) == 2
    assert _count(admin_with_pay_point, Household) == 1  # the one registered by hand stays, with its member
    live = admin_with_pay_point.run(
        lambda s, a: list(s.execute(select(Member.household_id).where(Member.deleted_at.is_(None))).scalars())
    )
    assert live == [kept.id]
    assert admin_with_pay_point.run(list_households, HouseholdQuery(text="mercy")) == []
    assert admin_with_pay_point.run(list_households, HouseholdQuery(text="baby")) == []
    keys_left = admin_with_pay_point.run(
        lambda s, a: s.execute(text("SELECT count(*) FROM member_keys")).scalar_one()
    )
    assert keys_left == 1  # only the kept member can still be matched as a duplicate
    with pytest.raises(ValidationError):
        admin_with_pay_point.run(undo_import, report.batch_id)


WORKER_OR_NOT = pytest.mark.parametrize("worker", [False, True], ids=["in this process", "in a worker"])
TWIN = ["HH9", "P9", "head", "primary", "Mercy", "Phirri", "F", "1975-02-03", "national_id", "30000001"]
TWIN += ["", "V002", "cash", "", "PP1"]


def _checks_in_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large files are checked in a second process; make a small one be checked there too."""
    from cashdesk.registry.importing import duplicate_check

    monkeypatch.setattr(duplicate_check, "IN_PROCESS_BELOW", 0)


@WORKER_OR_NOT
def test_in_file_duplicates_are_flagged(
    admin_with_pay_point: Desk, tmp_path: Path, worker: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if worker:
        _checks_in_a_worker(monkeypatch)
    report = admin_with_pay_point.run(import_households, write_csv(tmp_path / "r.csv", [*GOOD, TWIN]))
    assert report.households_created == 3 and report.duplicate_candidates == 1


@WORKER_OR_NOT
def test_people_registered_before_the_file_are_found_but_not_the_files_own_rows(
    admin_with_pay_point: Desk, tmp_path: Path, worker: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin_with_pay_point.run(import_households, write_csv(tmp_path / "first.csv", GOOD))
    if worker:  # the worker reads the database as committed: the first file, not the second
        _checks_in_a_worker(monkeypatch)
    report = admin_with_pay_point.run(import_households, write_csv(tmp_path / "second.csv", [TWIN]))
    assert report.duplicate_candidates == 1
    pair = admin_with_pay_point.run(
        lambda s, a: (
            s.execute(select(DuplicateCandidate).order_by(DuplicateCandidate.created_at.desc()))
            .scalars()
            .first()
        )
    )
    names = admin_with_pay_point.run(
        lambda s, a: set(
            s.execute(
                select(Member.family_name).where(Member.id.in_([pair.left_member_id, pair.right_member_id]))
            ).scalars()
        )
    )
    assert names == {"Phiri", "Phirri"}
    # The second file's people are found in turn by the next check (their keys were stored).
    third = admin_with_pay_point.run(
        import_households, write_csv(tmp_path / "third.csv", [["HH10", "P10", *TWIN[2:]]])
    )
    assert third.duplicate_candidates == 2


@pytest.mark.parametrize("index_first", [True, False], ids=["as they arrive", "after the last"])
def test_a_worker_given_the_file_a_household_at_a_time_finds_every_look_alike(
    admin_with_pay_point: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, index_first: bool
) -> None:
    from cashdesk.registry.importing import duplicate_check, writing

    admin_with_pay_point.run(import_households, write_csv(tmp_path / "first.csv", GOOD))
    _checks_in_a_worker(monkeypatch)
    # The registry (3 people) is compared with the file's 3 people as they arrive, or after the last one.
    monkeypatch.setattr(duplicate_check, "INDEX_FIRST_UP_TO", 1.0 if index_first else 0.5)
    # Each household reaches the worker on its own. As they arrive: the registered Mercy Phiri, loaded
    # for the first, must be found again for the third, after John Mwale was loaded for the second.
    monkeypatch.setattr(writing, "PEOPLE_PER_MESSAGE", 1)
    john = ["HH11", "P11", "head", "primary", "John", "Mwalle", "M", "1960-04-03", "national_id"]
    john += ["30000002", "", "V001", "cash", "", "PP1"]
    second = [TWIN, john, ["HH10", "P10", *TWIN[2:]]]
    report = admin_with_pay_point.run(import_households, write_csv(tmp_path / "second.csv", second))
    # Both Mercys with the registered one and with each other; John with the registered John.
    assert report.duplicate_candidates == 4


def test_cancelling_stops_the_worker(
    admin_with_pay_point: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from cashdesk.registry.importing.duplicate_check import DuplicateCheck

    admin_with_pay_point.run(import_households, write_csv(tmp_path / "first.csv", GOOD))
    abort = threading.Event()
    abort.set()

    def start_and_cancel(session: object, actor: object) -> bool:
        check = DuplicateCheck(session, 0, in_process_below=0)  # type: ignore[arg-type]
        with pytest.raises(Cancelled):
            check.result(abort)
        return check.in_background

    assert admin_with_pay_point.run(start_and_cancel) is False  # the worker process is gone


def test_export_then_import_round_trips(
    admin_with_pay_point: Desk, tmp_path: Path, desk_for: Callable[[str], Desk], empty_dir: Path
) -> None:
    desk = admin_with_pay_point
    desk.run(import_households, write_csv(tmp_path / "r.csv", GOOD))
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"export{suffix}"
        assert desk.run(export_households, out) == 3
        again = desk.run(import_households, out)
        assert (again.households_created, again.households_unchanged, again.rows_rejected) == (0, 2, 0)
    assert _count(desk, Household) == 2


def test_households_registered_in_cashdesk_round_trip_under_their_own_ids(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    desk = admin_with_pay_point
    desk.run(
        create_household,
        household(member("Mercy", "Phiri"), member("Tionge", "Phiri", relation="child", recipient=None)),
    )
    out = tmp_path / "export.csv"
    desk.run(export_households, out)
    again = desk.run(import_households, out)
    assert (again.households_created, again.households_unchanged, again.rows_rejected) == (0, 1, 0)
    # A change in the file updates the registered member; the file's references do not become source ids.
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    rows[2][rows[0].index("given_name")] = "Tiyamike"
    write_csv(out, rows[1:], header=rows[0])
    changed = desk.run(import_households, out)
    assert (changed.households_created, changed.households_updated) == (0, 1)
    names = desk.run(
        lambda s, a: sorted(
            s.execute(select(Member.given_name, Member.source_ref).where(Member.deleted_at.is_(None)))
        )
    )
    assert names == [("Mercy", None), ("Tiyamike", None)]
    assert _count(desk, Household) == 1


def test_an_update_keeps_what_the_file_has_no_column_for(admin_with_pay_point: Desk, tmp_path: Path) -> None:
    from decimal import Decimal

    desk = admin_with_pay_point
    saved = desk.run(
        create_household,
        household(
            member(
                "Mercy",
                "Phiri",
                phone="0881000001",
                id_number="30000001",
                other_names="Grace",
                disability=True,
            ),
            gps_latitude=Decimal("-15.5"),
            gps_longitude=Decimal("35.1"),
            address="Plot 7",
        ),
    )
    (mercy,) = desk.run(get_household, saved.id).input.members
    assert mercy.id is not None
    columns = ["household_ref", "member_ref", "relationship", "recipient", "given_name", "family_name", "sex"]
    row = [saved.code, mercy.id.hex, "head", "primary", "Mercy", "Phiri-Banda", "F"]
    source = write_csv(
        tmp_path / "short.csv", [[*row, "1980-05-17", "V001"]], header=[*columns, "date_of_birth", "location"]
    )
    report = desk.run(import_households, source)
    assert (report.households_updated, report.rows_rejected) == (1, 0)
    after = desk.run(get_household, saved.id).input
    (kept,) = after.members
    assert kept.family_name == "Phiri-Banda"
    assert (after.gps_latitude, after.gps_longitude, after.address, after.pay_point_code) == (
        Decimal("-15.5"),
        Decimal("35.1"),
        "Plot 7",
        "PP1",
    )
    assert (kept.phone, kept.other_names, kept.disability) == ("+265881000001", "Grace", True)
    assert [(i.id_type, i.number) for i in kept.identifiers] == [("national_id", "30000001")]


def test_an_update_that_breaks_a_rule_with_the_members_kept_is_rejected(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    desk = admin_with_pay_point
    desk.run(import_households, write_csv(tmp_path / "r.csv", GOOD))
    # HH1 again with a new head: with P1 and P2 kept (not in this file), it would have two heads.
    newcomer = [
        "HH1",
        "P7",
        "head",
        "primary",
        "Yohane",
        "Phiri",
        "M",
        "1970",
        "",
        "",
        "",
        "V001",
        "cash",
        "",
        "PP1",
    ]
    errors = tmp_path / "errors.csv"
    for dry_run in (True, False):
        report = desk.run(
            import_households, write_csv(tmp_path / "n.csv", [newcomer]), dry_run=dry_run, errors_path=errors
        )
        assert (report.households_updated, report.households_rejected, report.rows_rejected) == (0, 1, 1)
        errors_found = [(p.row, p.message) for p in report.problems if p.is_error]
        assert (
            2,
            "With the members registered already: The household has two heads: only one member can be head.",
        ) in errors_found
        assert all(
            message.startswith("With the members registered already: ") for _row, message in errors_found
        )
    assert _count(desk, Member) == 3


def test_one_registered_household_under_two_references_is_refused(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    desk = admin_with_pay_point
    desk.run(import_households, write_csv(tmp_path / "r.csv", GOOD))
    renamed = ["HH1", "P1", "head", "primary", "Mercie", *GOOD[0][5:]]
    child_again = ["hh1", *GOOD[1][1:]]  # the same household, its reference typed in lower case
    report = desk.run(import_households, write_csv(tmp_path / "t.csv", [renamed, child_again]))
    assert (report.households_updated, report.households_rejected) == (1, 1)
    (problem,) = [p for p in report.problems if p.is_error]  # and no "no head": it is not checked further
    assert problem.row == 3 and "hh1 is the household registered as HH1 (row 2)" in problem.message
    names = desk.run(
        lambda s, a: sorted(s.scalars(select(Member.given_name).where(Member.deleted_at.is_(None))))
    )
    assert names == ["John", "Mercie", "Tionge"]


def test_cashdesk_ids_in_another_case_are_the_same_member(admin_with_pay_point: Desk, tmp_path: Path) -> None:
    desk = admin_with_pay_point
    saved = desk.run(create_household, household(member("Mercy", "Phiri")))
    (mercy,) = desk.run(get_household, saved.id).input.members
    assert mercy.id is not None
    rest = ["head", "primary", "Mercy", "Phiri", "F", "1980-05-17", "", "", "", "V001", "", "", ""]
    rows = [[saved.code, mercy.id.hex, *rest], [saved.code, mercy.id.hex.upper(), *rest]]
    report = desk.run(import_households, write_csv(tmp_path / "c.csv", rows))
    assert any(
        p.row == 3 and p.field == "member_ref" and "also on row 2" in p.message for p in report.problems
    )
    assert _count(desk, Member) == 1


def test_blank_cells_and_missing_columns_keep_what_is_stored(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    desk = admin_with_pay_point
    header = [*HEADER, "disability"]
    desk.run(import_households, write_csv(tmp_path / "r.csv", [[*GOOD[0], "yes"], [*GOOD[1], "no"]], header))
    # No recipient column; the head's birth date, village and disability left blank.
    columns = [*REQUIRED, "disability"]
    rows = [["HH1", "P1", "head", "Mercy", "Phiri", "F", "", "", ""]]
    report = desk.run(import_households, write_csv(tmp_path / "b.csv", rows, columns))
    assert (report.households_unchanged, report.rows_rejected) == (1, 0), report.problems


def test_reporting_a_registered_household_listed_in_part(admin_with_pay_point: Desk, tmp_path: Path) -> None:
    desk = admin_with_pay_point
    desk.run(import_households, write_csv(tmp_path / "r.csv", GOOD))
    report = desk.run(
        import_households, write_csv(tmp_path / "p.csv", [GOOD[1]]), options=ImportOptions(on_existing=REPORT)
    )
    assert (report.rows_already_present, report.rows_rejected, report.households_rejected) == (1, 0, 0)


def test_a_member_registered_in_another_household_is_not_copied(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    desk = admin_with_pay_point
    desk.run(import_households, write_csv(tmp_path / "r.csv", GOOD))
    moved = [GOOD[0], GOOD[2], ["HH2", *GOOD[1][1:]]]  # P2 now in HH2
    report = desk.run(import_households, write_csv(tmp_path / "moved.csv", moved))
    assert report.households_rejected == 1
    (problem,) = [p for p in report.problems if p.is_error and p.field == "member_ref"]
    assert problem.row == 4 and "registered in another household" in problem.message
    assert _count(desk, Member) == 3


def test_a_new_member_joins_the_registered_household_and_the_others_are_kept(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    desk = admin_with_pay_point
    desk.run(import_households, write_csv(tmp_path / "r.csv", GOOD))
    baby = ["HH1", "P9", "child", "", "Chisomo", "Phiri", "M", "2024", "", "", "", "V001", "cash", "", "PP1"]
    report = desk.run(import_households, write_csv(tmp_path / "baby.csv", [baby]))  # only the newborn
    assert (report.households_created, report.households_updated, report.rows_rejected) == (0, 1, 0)
    assert (report.members_created, report.members_added, report.members_updated) == (0, 1, 0)
    assert _count(desk, Household) == 2 and _count(desk, Member) == 4


def test_blank_cells_keep_stored_values_and_documents_are_replaced_by_type(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    desk = admin_with_pay_point
    desk.run(import_households, write_csv(tmp_path / "r.csv", GOOD))
    # P1 again: a passport now, no phone, no pay point given.
    again = [
        [
            "HH1",
            "P1",
            "head",
            "primary",
            "Mercy",
            "Phiri",
            "F",
            "1975-03-02",
            "passport",
            "MW123456",
            "",
            "V001",
            "",
            "",
            "",
        ]
    ]
    report = desk.run(import_households, write_csv(tmp_path / "p.csv", again))
    assert (report.households_updated, report.members_updated, report.rows_rejected) == (1, 1, 0)

    def stored(session: Session, actor: object) -> tuple[object, ...]:
        mercy = session.execute(select(Member).where(Member.source_ref == "P1")).scalar_one()
        pay_point = session.execute(
            select(Household.preferred_pay_point_id).where(Household.id == mercy.household_id)
        ).scalar_one()
        return mercy.phone, sorted((i.id_type, i.number) for i in mercy.identifiers), pay_point is not None

    assert desk.run(stored) == (
        "+265881000001",
        [("national_id", "30000001"), ("passport", "MW123456")],
        True,
    )


def test_officers_import_only_into_their_areas(desk_for: Callable[[str], Desk], tmp_path: Path) -> None:
    add_pay_point(desk_for("admin"))
    olive = desk_for("olive")  # V001 only
    rows = [GOOD[0][:], GOOD[1][:]]
    rows[0][11] = rows[1][11] = "V002"
    report = olive.run(import_households, write_csv(tmp_path / "r.csv", rows))
    assert report.households_created == 0
    assert any("outside the areas assigned to you" in p.message for p in report.problems)


def test_further_id_documents_import_and_export(admin_with_pay_point: Desk, tmp_path: Path) -> None:
    desk = admin_with_pay_point
    header = [*HEADER, "ID type 2", "ID number 2"]
    rows = [
        [*GOOD[0], "voter_card", "VC-7781"],
        [*GOOD[1], "", ""],
        [*GOOD[2], "", "BC-2200"],  # a further number must say what document it is
    ]
    errors = tmp_path / "errors.csv"
    report = desk.run(import_households, write_csv(tmp_path / "r.csv", rows, header), errors_path=errors)
    assert report.households_created == 1 and report.rows_rejected == 1
    with errors.open(encoding="utf-8-sig") as handle:
        (rejected,) = list(csv.DictReader(handle))
    assert rejected["ID number 2"] == "BC-2200" and "Say what kind of document" in rejected["error"]
    out = tmp_path / "export.csv"
    desk.run(export_households, out)
    with out.open(encoding="utf-8-sig") as handle:
        exported = list(csv.DictReader(handle))
    assert [(r["id_type_2"], r["id_number_2"]) for r in exported] == [("voter_card", "VC7781"), ("", "")]
    again = desk.run(import_households, out)
    assert again.rows_rejected == 0 and again.households_unchanged == 1


def test_a_file_over_the_row_limit_is_refused_whole(
    admin_with_pay_point: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cashdesk.registry.importing import preparing

    monkeypatch.setattr(preparing, "MAX_ROWS", 3)  # the real limit is 600,000 rows
    with pytest.raises(ValidationError, match=r"r.csv has more than 3 rows.*Split the file"):
        admin_with_pay_point.run(import_households, write_csv(tmp_path / "r.csv", [*GOOD, GOOD[0]]))
    assert _count(admin_with_pay_point, Household) == 0
    assert (
        admin_with_pay_point.run(
            lambda s, a: s.execute(select(func.count()).select_from(ImportBatch)).scalar_one()
        )
        == 0
    )
    report = admin_with_pay_point.run(import_households, write_csv(tmp_path / "r.csv", GOOD))
    assert report.households_created == 2  # at the limit: imported


def test_a_200_mb_file_is_refused_early_without_filling_memory(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    import resource

    path = tmp_path / "whole-country.csv"
    row = ",".join(GOOD[0]).replace("HH1,P1", "HH{0},P{0}") + "\n"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(",".join(HEADER) + "\n")
        block = "".join(row.format(i) for i in range(10_000))
        for _part in range(300):
            handle.write(block)  # 3 million rows (the refs repeat: the limit comes first)
    assert path.stat().st_size > 200_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValidationError, match=r"whole-country.csv has about [\d,]+ rows"):
        admin_with_pay_point.run(import_households, path)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200  # refused after reading a small part of the file
    assert _count(admin_with_pay_point, Household) == 0


def test_a_failing_worker_is_reported_not_hung(admin_with_pay_point: Desk) -> None:
    import threading
    import uuid

    from cashdesk.registry.importing.duplicate_check import DuplicateCheck, packed

    def broken_people(session: object, actor: object) -> None:
        with DuplicateCheck(session, 1, in_process_below=0) as check:  # type: ignore[arg-type]
            # No given name: not a person the worker can handle, so it fails.
            fields = (None, "Banda", None, "F", None, None, None, ())
            check.add([packed(uuid.uuid4().int, uuid.uuid4().int, fields, "/R01/")])
            check.no_more_people()
            with pytest.raises(ValidationError, match="Looking for duplicates failed: TypeError"):
                check.keys(threading.Event())

    admin_with_pay_point.run(broken_people)


def test_an_answer_that_cannot_be_read_stops_the_worker_instead_of_hanging(
    admin_with_pay_point: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Seen once under a profiler: the answer stream could not be read while the worker was still writing
    # its keys; the import then waited for ever for a worker blocked on a pipe nobody read.
    import pickle
    import threading
    import uuid

    from cashdesk.registry.importing import duplicate_check

    def unreadable(stream: object) -> object:
        raise pickle.UnpicklingError("pickle data was truncated")

    monkeypatch.setattr(duplicate_check.pickle, "load", unreadable)  # the reading side only
    outcome: list[BaseException] = []

    def check(session: object, actor: object) -> None:
        with duplicate_check.DuplicateCheck(session, 1, in_process_below=0) as running:  # type: ignore[arg-type]
            people = [
                duplicate_check.packed(
                    uuid.uuid4().int,
                    uuid.uuid4().int,
                    ("Mercy", "Banda", None, "F", None, 1980 + k % 30, None, ()),
                    "/R01/",
                )
                for k in range(20_000)  # keys enough to fill the pipe: the worker blocks writing them
            ]
            running.add(people)
            running.no_more_people()
            try:
                running.keys(threading.Event())
            except ValidationError as exc:
                outcome.append(exc)
            assert running._worker is None  # stopped, not left blocked

    waiting = threading.Thread(target=admin_with_pay_point.run, args=(check,), daemon=True)
    waiting.start()
    waiting.join(60)
    assert not waiting.is_alive(), "the import hung waiting for the worker"
    assert outcome and "could not be read" in str(outcome[0]) and "truncated" in str(outcome[0])


def test_imported_search_rows_are_the_ones_an_edit_would_write(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    """The import writes its members' search rows itself (with the rowids it gave them): they must be the
    rows index_households would write, or a household would be found differently after its first edit."""

    def search_rows(session: Session) -> set[tuple[str, int]]:
        # The index keeps no copy of the texts: compare its (word, member) pairs.
        session.execute(
            text(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_words USING fts5vocab(main, member_search, instance)"
            )
        )
        return {
            (term, rowid) for term, rowid in session.execute(text("SELECT term, doc FROM temp.search_words"))
        }

    path = write_csv(tmp_path / "r.csv", [*GOOD, TWIN])
    with open(path, encoding="utf-8", newline="") as handle:
        assert any(row["phone"] and row["id_number"] for row in csv.DictReader(handle))  # every part is there
    admin_with_pay_point.run(import_households, path)
    imported = admin_with_pay_point.run(lambda s, a: search_rows(s))
    members = admin_with_pay_point.run(
        lambda s, a: set(s.execute(text("SELECT rowid FROM members WHERE deleted_at IS NULL")).scalars())
    )
    assert {rowid for _term, rowid in imported} == members

    def reindexed(session: Session, actor: object) -> set[tuple[str, int]]:
        index_households(session, session.execute(select(Household.id)).scalars())
        return search_rows(session)  # committed: the same rows again

    assert admin_with_pay_point.run(reindexed) == imported
    hits = admin_with_pay_point.run(list_households, HouseholdQuery(text=GOOD[0][4]))
    assert hits


def test_imported_rows_are_stored_as_the_editor_stores_them(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    """The import makes its rows for the driver itself (writing.NewHouseholdPlan): every column must be
    stored in the form the editor's save (the ORM) gives it (enums as values, dates, flags, documents), or
    a household would read back, search or sync differently depending on how it was registered. Saving
    each imported household again through the editor must give the same rows, column by column."""
    from cashdesk.registry.households import create_household, get_household

    identity = {"id", "code", "household_id", "member_id", "created_at", "updated_at", "import_batch_id"}

    def raw(session: Session, table: str, where: str, value: str) -> list[dict[str, object]]:
        rows = session.execute(text(f"SELECT * FROM {table} WHERE {where} = :v ORDER BY rowid"), {"v": value})
        return [{k: v for k, v in row._mapping.items() if k not in identity} for row in rows]

    path = write_csv(tmp_path / "r.csv", GOOD)
    admin_with_pay_point.run(import_households, path)
    imported_ids = admin_with_pay_point.run(lambda s, a: list(s.execute(select(Household.id)).scalars()))
    assert len(imported_ids) == 2
    for imported_id in imported_ids:
        detail = admin_with_pay_point.run(get_household, imported_id)
        data = detail.input
        data.id = None
        for m in data.members:
            m.id = None
        saved = admin_with_pay_point.run(create_household, data, duplicate_note="the same household again")

        def both(
            session: Session, actor: object, imported: object = imported_id, edited: object = saved.id
        ) -> object:
            pair = []
            for household_id in (imported, edited):
                hex_id = household_id.hex  # type: ignore[attr-defined]
                members = raw(session, "members", "household_id", hex_id)
                documents = session.execute(
                    text(
                        "SELECT i.id_type, i.number FROM member_identifiers AS i JOIN members AS m "
                        "ON m.id = i.member_id WHERE m.household_id = :h ORDER BY m.rowid, i.id_type"
                    ),
                    {"h": hex_id},
                ).all()
                pair.append((raw(session, "households", "id", hex_id), members, documents))
            return pair

        from_import, from_editor = admin_with_pay_point.run(both)
        assert from_import == from_editor
        assert from_import[1]  # members were compared, column by column


def test_codes_given_during_an_import_follow_on_and_are_never_given_twice(admin: Desk) -> None:
    from cashdesk.core.codes import HOUSEHOLD, CodeIssuer, reserve_codes

    def issue(session: Session, actor: object) -> tuple[list[str], str]:
        issuer = CodeIssuer(session, HOUSEHOLD)
        given = [issuer.next() for _ in range(3)]
        issuer.close()
        return given, reserve_codes(session, HOUSEHOLD, 1)[0]

    given, after = admin.run(issue)
    assert [code[:-1] for code in [*given, after]] == sorted({code[:-1] for code in [*given, after]})
    assert after[:-1].endswith("4")  # the next number after the three given

    def taken_meanwhile(session: Session, actor: object) -> None:
        issuer = CodeIssuer(session, HOUSEHOLD)
        issuer.next()
        reserve_codes(session, HOUSEHOLD, 1)  # another writer in the same transaction: a programming error
        with pytest.raises(RuntimeError, match="reserved by another writer"):
            issuer.close()

    admin.run(taken_meanwhile)


def test_a_large_import_leaves_the_copy_of_its_log_to_a_thread(
    admin_with_pay_point: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "CHECKPOINT_AFTER_FROM", 1)  # the two-household file counts as large here
    desk = admin_with_pay_point
    csv_file = write_csv(tmp_path / "r.csv", GOOD)
    with desk.engine.connect() as conn:  # the registry so far copied into the file (outside a transaction)
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA wal_checkpoint(PASSIVE)")
    before = desk.database_path.read_bytes()
    report = desk.run(import_households, csv_file)
    assert report.households_created == 2
    checkpoints.wait_for_checkpoint(desk.engine)
    # The import's pages were copied into the file itself. A commit of fewer than 1,000 pages leaves them
    # in the log only: without the thread the file would be unchanged.
    assert desk.database_path.read_bytes() != before


def test_a_person_merged_away_is_not_brought_back_by_the_same_file(
    admin_with_pay_point: Desk, desk_for: Callable[[str], Desk], tmp_path: Path
) -> None:
    from cashdesk.registry.review import merge, review_queue

    desk = admin_with_pay_point
    source = write_csv(tmp_path / "r.csv", GOOD)
    desk.run(import_households, source)
    # Tionge (P2, a child of HH1) registered again at the office, as the head of a household of her own.
    again = household(member("Tionge", "Phiri", born=None, year=2012))
    saved = desk.run(create_household, again, duplicate_note="registered again at the office")
    (native,) = desk.run(get_household, saved.id).input.members
    supervisor = desk_for("sue")
    (pair,) = supervisor.run(review_queue)
    supervisor.run(merge, pair.id, keep=native.id)  # P2 is the record that goes
    report = desk.run(import_households, source)
    problems = [p for p in report.problems if p.is_error]
    assert [(p.row, p.field) for p in problems] == [(3, "member_ref")]
    assert "was merged with" in problems[0].message
    assert report.households_rejected == 1 and _count(desk, Member) == 3  # HH1 whole or not at all
