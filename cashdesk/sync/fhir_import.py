"""Importing households from another beneficiary registry's FHIR Bundle (collection, transaction, batch or
searchset) of Patients and Groups (`cashdesk import fhir FILE`).

Each Patient becomes a row of the household import format, each Group (type person) a household, and the
rows go through the spreadsheet import itself: the same checks, the same duplicate detection, the same
report, all in one transaction. Problems name the bundle entry (and the Patient) rather than a row.

What is read, by the widest conventions of registries' FHIR exports (docs/fhir.md, "Importing"):
- Patient: the first identifier is the member's reference; name[0] family and given names; gender;
  birthDate (a year alone is kept as a year); the first phone in telecom; further identifiers are identity
  documents, their kind from identifier.type.text, its coding, or the last part of the system.
- Group: the first identifier (else its id) is the household's reference; members by Group.member.entity
  (Patient/<id> or urn:uuid:...); the head is the member flagged by an extension whose URL ends in "head",
  else the first; a member extension whose URL ends in "relationship" gives the relation to the head.
- The village: an extension of the Group (or the Patient) whose URL ends in "location", read from its
  reference's identifier or display; else the Patient's address city. The importer takes a code or a name.
- A Patient in no Group is a household of one.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.models import ImportBatch
from cashdesk.registry.importing.options import ImportOptions
from cashdesk.registry.importing.run import ImportReport, import_households
from cashdesk.security.permissions import Actor, Permission

COLUMNS = ("household_ref", "member_ref", "relationship", "recipient", "given_name", "family_name",
           "other_names", "sex", "date_of_birth", "phone", "location", "id_type", "id_number")  # fmt: skip
RELATIONS = {"head", "spouse", "child", "parent", "grandchild", "other"}
SEX = {"female": "F", "male": "M"}


@dataclass
class FhirImportReport:
    report: ImportReport
    where: dict[int, str] = field(default_factory=dict)  # the import's row number -> "entry 3 (Patient/x)"
    skipped: list[str] = field(default_factory=list)  # entries that are neither Patient nor Group


def _read(path: Path) -> dict[str, Any]:
    try:
        bundle = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(
            _("{path} cannot be read: {reason}.").format(path=path, reason=exc.strerror or exc), field="file"
        ) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(
            _("{path} is not JSON: {reason}").format(path=path, reason=exc), field="file"
        ) from None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise ValidationError(_("{path} is not a FHIR Bundle.").format(path=path), field="file")
    return bundle


def _ends(url: Any, suffix: str) -> bool:
    return isinstance(url, str) and url.rstrip("/").lower().endswith(suffix)


def _extension(holder: dict[str, Any], suffix: str) -> dict[str, Any] | None:
    return next((e for e in holder.get("extension") or [] if _ends(e.get("url"), suffix)), None)


def _code_of(ext: dict[str, Any] | None) -> str:
    if not ext:
        return ""
    if "valueCode" in ext or "valueString" in ext:
        return str(ext.get("valueCode") or ext.get("valueString"))
    concept = ext.get("valueCodeableConcept") or {}
    coding = (concept.get("coding") or [{}])[0]
    return str(coding.get("code") or concept.get("text") or "")


def _place_of(holder: dict[str, Any]) -> str:
    ext = _extension(holder, "location")
    ref = (ext or {}).get("valueReference") or {}
    return str((ref.get("identifier") or {}).get("value") or ref.get("display") or "")


def _document_kind(identifier: dict[str, Any]) -> str:
    kind = identifier.get("type") or {}
    coding = (kind.get("coding") or [{}])[0]
    system = str(identifier.get("system") or "")
    return str(kind.get("text") or coding.get("code") or system.rstrip("/").rsplit("/", 1)[-1] or "document")


def _member_row(patient: dict[str, Any], household_ref: str, relation: str) -> dict[str, str]:
    identifiers = [i for i in patient.get("identifier") or [] if isinstance(i, dict) and i.get("value")]
    name = (patient.get("name") or [{}])[0]
    given = list(name.get("given") or [])
    phone = next((t.get("value", "") for t in patient.get("telecom") or [] if t.get("system") == "phone"), "")
    address = (patient.get("address") or [{}])[0]
    document = identifiers[1] if len(identifiers) > 1 else None
    return {
        "household_ref": household_ref,
        "member_ref": str(identifiers[0]["value"]) if identifiers else str(patient.get("id", "")),
        "relationship": relation,
        "recipient": "primary" if relation == "head" else "",
        "given_name": given[0] if given else "",
        "family_name": str(name.get("family") or ""),
        "other_names": " ".join(given[1:]),
        "sex": SEX.get(str(patient.get("gender", "")), str(patient.get("gender", ""))),
        "date_of_birth": str(patient.get("birthDate") or ""),
        "phone": str(phone),
        "location": _place_of(patient) or str(address.get("city") or ""),
        "id_type": _document_kind(document) if document else "",
        "id_number": str(document["value"]) if document else "",
    }


def _is_head(member: dict[str, Any]) -> bool:
    flag = _extension(member or {}, "head")
    return bool(flag and flag.get("valueBoolean"))


def bundle_rows(bundle: dict[str, Any]) -> tuple[list[dict[str, str]], list[str], list[str]]:
    """The import rows, where each came from, and the entries skipped."""
    patients: dict[str, tuple[int, dict[str, Any]]] = {}
    groups: list[tuple[int, dict[str, Any]]] = []
    skipped: list[str] = []
    for n, entry in enumerate(bundle.get("entry") or []):
        resource = (entry or {}).get("resource") or {}
        kind = resource.get("resourceType")
        if kind == "Patient":
            for key in (f"Patient/{resource.get('id')}", str(entry.get("fullUrl", ""))):
                patients[key] = (n, resource)
        elif kind == "Group":
            groups.append((n, resource))
        else:
            skipped.append(_("entry {n}: a {kind}").format(n=n, kind=kind or "?"))
    rows: list[dict[str, str]] = []
    where: list[str] = []
    placed: set[int] = set()
    for _n, group in groups:
        identifiers = [i for i in group.get("identifier") or [] if isinstance(i, dict) and i.get("value")]
        household_ref = str(identifiers[0]["value"]) if identifiers else str(group.get("id", ""))
        members = group.get("member") or []
        head = next((i for i, m in enumerate(members) if _is_head(m)), 0)
        for i, m in enumerate(members):
            ref = str(((m or {}).get("entity") or {}).get("reference", ""))
            if ref not in patients:
                continue
            index, patient = patients[ref]
            relation = "head" if i == head else (_code_of(_extension(m, "relationship")).lower() or "other")
            row = _member_row(patient, household_ref, relation if relation in RELATIONS else "other")
            row["location"] = row["location"] or _place_of(group)
            rows.append(row)
            where.append(_("entry {n} (Patient/{id})").format(n=index, id=patient.get("id", "?")))
            placed.add(index)
    for key, (index, patient) in patients.items():
        if index in placed or not key.startswith("Patient/"):
            continue
        placed.add(index)
        row = _member_row(patient, "", "head")
        row["household_ref"] = f"P-{row['member_ref']}"
        rows.append(row)
        where.append(_("entry {n} (Patient/{id})").format(n=index, id=patient.get("id", "?")))
    return rows, where, skipped


def import_fhir(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    dry_run: bool = False,
    create_locations: bool = False,
    progress: Any = None,
    abort: threading.Event | None = None,
) -> FhirImportReport:
    actor.require(Permission.IMPORT_HOUSEHOLDS)
    rows, where, skipped = bundle_rows(_read(path))
    if not rows:
        raise ValidationError(_("{path} holds no Patient to import.").format(path=path), field="file")
    # The import reads a table file: a private temporary one (mode 0600), removed as soon as it is read.
    handle, name = tempfile.mkstemp(
        prefix="cashdesk-fhir-", suffix=".csv", dir=os.environ.get("XDG_RUNTIME_DIR")
    )
    table = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        kwargs: dict[str, Any] = {"abort": abort} if abort is not None else {}
        if progress is not None:
            kwargs["progress"] = progress
        report = import_households(
            session,
            actor,
            table,
            options=ImportOptions(create_locations=create_locations),
            dry_run=dry_run,
            **kwargs,
        )
    finally:
        table.unlink(missing_ok=True)
    report.file_name = path.name
    if report.batch_id is not None:  # the import's history names the FHIR file, not the temporary table
        batch = session.get(ImportBatch, report.batch_id)
        if batch is not None:
            batch.file_name = path.name
    return FhirImportReport(report, {row: where[row - 2] for row in range(2, len(where) + 2)}, skipped)
