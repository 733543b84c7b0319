"""`cashdesk import fhir FILE`: households from another registry's FHIR Bundle (written here by hand in
that registry's own conventions, not by CashDesk's mapping), through the spreadsheet import's checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from cashdesk.desk import Desk
from cashdesk.registry.households import create_household
from cashdesk.registry.review import count_queue
from tests.conftest import USER_PASSWORD
from tests.unit.registry_helpers import household, member

EXT = "http://registry.example.gov/fhir/StructureDefinition"


def _patient(
    pid: str, given: list[str], family: str, gender: str, born: str, nid: str = ""
) -> dict[str, Any]:
    identifiers = [{"system": "http://registry.example.gov/person", "value": f"REG-{pid}"}]
    if nid:
        identifiers.append(
            {"type": {"text": "national_id"}, "system": "http://nrb.example.gov/nid", "value": nid}
        )
    return {"fullUrl": f"urn:uuid:{pid}", "resource": {
        "resourceType": "Patient", "id": pid, "identifier": identifiers,
        "name": [{"family": family, "given": given}], "gender": gender, "birthDate": born,
        "telecom": [{"system": "phone", "value": "+265 991 234 567"}]}}  # fmt: skip


def _bundle(path: Path, *, bad_birth: bool = False) -> Path:
    members = [
        {"entity": {"reference": "urn:uuid:p1"}, "extension": [{"url": f"{EXT}/group-member-head", "valueBoolean": True}]},
        {"entity": {"reference": "urn:uuid:p2"},
         "extension": [{"url": f"{EXT}/group-member-relationship", "valueCodeableConcept": {"coding": [{"code": "child"}]}}]},
    ]  # fmt: skip
    entries = [
        _patient("p1", ["Esther", "Mary"], "Nkhoma", "female", "1969-07-01", nid="NID-55501234"),
        _patient("p2", ["Kondwani"], "Nkhoma", "male", "not-a-date" if bad_birth else "2012"),
        _patient("p3", ["Yohane"], "Gama", "male", "1950-02-02"),
        {
            "resource": {
                "resourceType": "Group",
                "id": "g1",
                "type": "person",
                "actual": True,
                "identifier": [{"system": "http://registry.example.gov/household", "value": "HH-0042"}],
                "extension": [
                    {"url": f"{EXT}/household-location", "valueReference": {"identifier": {"value": "V001"}}}
                ],
                "member": members,
            }
        },
        {"resource": {"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "x"}}},
    ]
    entries[2]["resource"]["address"] = [{"city": "Chikwawa"}]
    path.write_text(
        json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}), encoding="utf-8"
    )
    return path


def _run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASHDESK_")}
    env |= {"CASHDESK_HOME": str(data), "CASHDESK_USER": "olive", "CASHDESK_PASSWORD": USER_PASSWORD}
    return subprocess.run([sys.executable, "-m", "cashdesk", "import", "fhir", *args], capture_output=True,
                          text=True, env=env, timeout=300, stdin=subprocess.DEVNULL, check=False)  # fmt: skip


def test_a_registrys_bundle_becomes_households_with_the_duplicate_check(
    data_dir: Path, desk_for: Any, tmp_path: Path
) -> None:
    from tests.unit.registry_helpers import add_pay_point

    admin: Desk = desk_for("admin")
    add_pay_point(admin)
    olive: Desk = desk_for("olive")
    olive.run(
        create_household,
        household(member("Yohane", "Gama", sex="M", born=date(1950, 2, 2))),
    )
    dry = _run(data_dir, str(_bundle(tmp_path / "registry.json")), "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "dry run" in dry.stdout and "households created: 2 (3 members)" in dry.stdout
    assert "entry 4: a Observation" in dry.stdout

    bad = _run(data_dir, str(_bundle(tmp_path / "bad.json", bad_birth=True)))
    assert bad.returncode == 1 and "entry 1 (Patient/p2), date_of_birth" in bad.stdout
    assert "households created: 1" in bad.stdout  # the other household is whole and goes in

    done = _run(data_dir, str(_bundle(tmp_path / "registry.json")))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "households created: 1 (2 members)" in done.stdout  # Gama's arrived with the bad file already
    sue: Desk = desk_for("sue")
    assert sue.run(count_queue) >= 1  # Yohane Gama is registered already: flagged for review

    again = _run(data_dir, str(_bundle(tmp_path / "registry.json")))
    assert "households created: 0" in again.stdout  # the registry's references are known now
