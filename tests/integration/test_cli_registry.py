"""`cashdesk import|export|dedup` as a real process on a real encrypted database."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from tests.integration.test_cli import cashdesk

PASSWORD = "admin-pass-1"
OFFICER = {"CASHDESK_USER": "kondwani", "CASHDESK_PASSWORD": "officer-pass-1"}


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("registry") / "data"
    assert (
        cashdesk(
            "init", "--scheme", "SCTP", "--country", "MW", "--currency", "MWK", "--admin", "admin", data=data
        ).returncode
        == 0
    )
    assert (
        cashdesk("--user", "admin", "demo", "--households", "200", "--seed", "2", data=data).returncode == 0
    )
    added = cashdesk(
        "--user",
        "admin",
        "user",
        "add",
        "kondwani",
        "--role",
        "enrolment_officer",
        "--location",
        "D01",
        data=data,
        CASHDESK_NEW_PASSWORD=OFFICER["CASHDESK_PASSWORD"],
    )
    assert added.returncode == 0, added.stderr
    return data


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Household",
                "Person",
                "Relationship",
                "Recipient",
                "First name",
                "Surname",
                "Sex",
                "Date of birth",
                "NIN",
                "Village",
                "Pay point",
            ]
        )
        writer.writerows(rows)
    return path


def test_import_dry_run_errors_file_then_import(district: Path, tmp_path: Path) -> None:
    source = _write(
        tmp_path / "legacy.csv",
        [
            [
                "L1",
                "L1-1",
                "head",
                "primary",
                "Agnes",
                "Mwale",
                "F",
                "1971-04-03",
                "41000001",
                "V001",
                "PP01",
            ],
            ["L1", "L1-2", "child", "", "Kondwani", "Mwale", "M", "2014", "", "V001", "PP01"],
            ["L2", "L2-1", "head", "primary", "James", "Zulu", "M", "2099-01-01", "41000002", "V002", "PP01"],
        ],
    )
    errors = tmp_path / "errors.csv"
    dry = cashdesk(
        "import",
        "households",
        str(source),
        "--dry-run",
        "--errors",
        str(errors),
        data=district,
        password=None,
        **OFFICER,
    )
    assert dry.returncode == 1  # a row was rejected
    assert "dry run" in dry.stdout and "households created: 1" in dry.stdout
    assert "row 4, date_of_birth: The date of birth 2099-01-01 is in the future." in dry.stdout
    with errors.open(encoding="utf-8-sig") as handle:
        rejected = list(csv.DictReader(handle))
    assert [(r["Person"], r["row"]) for r in rejected] == [("L2-1", "4")]

    real = cashdesk("import", "households", str(source), data=district, password=None, **OFFICER)
    assert real.returncode == 1 and "households created: 1 (2 members)" in real.stdout
    again = cashdesk(
        "import", "households", str(source), "--existing", "report", data=district, password=None, **OFFICER
    )
    assert "already registered (reported, not changed): 2 rows" in again.stdout


def test_bad_mapping_and_unknown_file_fail_in_one_line(district: Path, tmp_path: Path) -> None:
    source = _write(
        tmp_path / "x.csv", [["A", "A1", "head", "primary", "X", "Y", "F", "1990", "", "V001", ""]]
    )
    bad = cashdesk(
        "import", "households", str(source), "--map", "Surname=", data=district, password=None, **OFFICER
    )
    assert bad.returncode == 1 and "family_name" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    missing = cashdesk(
        "import", "households", str(tmp_path / "nope.csv"), data=district, password=None, **OFFICER
    )
    assert missing.returncode == 1 and "does not exist" in missing.stderr


def test_errors_file_must_not_be_the_input_and_warnings_are_shown(district: Path, tmp_path: Path) -> None:
    rows = [
        ["W1", "W1-1", "head", "primary", "Ruth", "Banda", "F", "15/04/1980", "", "V001", "PP01"],
        ["W1", "W1-2", "head", "", "Tiwonge", "Banda", "M", "1979", "", "V001", "PP01"],
    ]
    source = _write(tmp_path / "w.csv", rows)
    kept = source.read_bytes()
    same = cashdesk(
        "import",
        "households",
        str(source),
        "--dry-run",
        "--errors",
        str(source),
        data=district,
        password=None,
        **OFFICER,
    )
    assert same.returncode == 1 and "is the file being imported" in same.stderr
    assert source.read_bytes() == kept
    nowhere = cashdesk(
        "import",
        "households",
        str(source),
        "--errors",
        str(tmp_path / "no" / "e.csv"),
        data=district,
        password=None,
        **OFFICER,
    )
    assert (
        nowhere.returncode == 1
        and "No such file or directory" in nowhere.stderr
        and "Traceback" not in nowhere.stderr
    )
    dry = cashdesk("import", "households", str(source), "--dry-run", data=district, password=None, **OFFICER)
    # The columns are named as in the file format (relationship, not relation_to_head); warnings are shown too.
    assert "row 3, relationship: " in dry.stdout
    assert "row 2, date_of_birth (warning): " in dry.stdout and "15/04/1980" in dry.stdout


def test_export_and_dedup(district: Path, tmp_path: Path) -> None:
    out = tmp_path / "registry.xlsx"
    exported = cashdesk("export", "households", "--out", str(out), data=district, password=None, **OFFICER)
    assert exported.returncode == 0 and out.exists()
    # The demo's households were registered in CashDesk, not imported: the file names them by CashDesk's
    # own ids, and importing it back changes nothing.
    back = cashdesk("import", "households", str(out), data=district, password=None, **OFFICER)
    assert back.returncode == 0, back.stdout + back.stderr
    assert "households created: 0 (0 members)" in back.stdout and "households updated: 0" in back.stdout
    assert re.search(
        r"already up to date \(not changed\): 20[01] households", back.stdout
    )  # 201 after the import test
    pairs = tmp_path / "pairs.csv"
    scan = cashdesk("--user", "admin", "dedup", "--output", str(pairs), data=district)
    assert scan.returncode == 0, scan.stderr
    assert "people compared" in scan.stdout
    with pairs.open(encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle))
    assert header == ["left_member_ref", "right_member_ref", "left_id", "right_id", "score", "reasons"]


def test_import_locations(district: Path, tmp_path: Path) -> None:
    source = tmp_path / "locations.csv"
    source.write_text(
        "code,name,level,parent_code\nV900,Nkhata Bay,village,D02\nD02,North,district,R01\n", encoding="utf-8"
    )
    result = cashdesk("--user", "admin", "import", "locations", str(source), data=district)
    assert result.returncode == 0, result.stderr
    assert "2 locations created" in result.stdout
    twice = cashdesk("--user", "admin", "import", "locations", str(source), data=district)
    assert "0 locations created, 2 already present" in twice.stdout
