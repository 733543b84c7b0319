"""Offline transfer: everything on this device, unsynced changes included, as one encrypted file for a
USB stick, and reading such a file on another device (or on the central server: cashdesk.central.imports).

The file holds a FHIR transaction Bundle (the same PUTs a sync would send, `ifMatch` the server version
this device knew), compressed and sealed with AES-256-GCM under a key derived from a passphrase by scrypt.
Its bundle id makes a second import of the same file a no-op on the server, as a resent bundle is.

On a device, a record that is new there is added and goes to the server with its next sync; one that
differs is taken only when this device had not changed it since the version the sender started from;
otherwise every differing field is a conflict for the Conflicts screen. Nothing is overwritten blindly.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, select

from cashdesk.core.errors import Cancelled, ValidationError
from cashdesk.core.files import write_whole
from cashdesk.core.i18n import _
from cashdesk.desk import Desk
from cashdesk.models.keys import uuid7
from cashdesk.security.keystore import derive_key
from cashdesk.security.permissions import Permission
from cashdesk.sync import local
from cashdesk.sync.mapping import MAPPINGS, dumps, loads, mapping_for
from cashdesk.sync.merge import three_way
from cashdesk.sync.pull import record_conflict
from cashdesk.sync.records import local_values, values_of, write

MAGIC = b"CASHDESK-BUNDLE 1\n"
SCRYPT = {"n": 2**15, "r": 8, "p": 1}
MIN_PASSPHRASE = 10


@dataclass(frozen=True)
class ExportReport:
    records: int
    bundle_id: str
    path: Path


@dataclass(frozen=True)
class ImportReport:
    added: int
    updated: int
    unchanged: int
    conflicts: int
    skipped: int  # resources of a kind this version does not keep


def _key(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    return derive_key(passphrase, salt, params["n"], params["r"], params["p"])


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError(
            _("The passphrase has at least {n} characters: the file holds people's personal data.").format(
                n=MIN_PASSPHRASE
            ),
            field="passphrase",
        )


def seal(bundle: dict[str, Any], passphrase: str) -> bytes:
    check_passphrase(passphrase)
    salt, nonce = os.urandom(16), os.urandom(12)
    header = {"salt": salt.hex(), "nonce": nonce.hex(), **SCRYPT}
    sealed = AESGCM(_key(passphrase, salt, SCRYPT)).encrypt(
        nonce, gzip.compress(dumps(bundle).encode()), MAGIC
    )
    return MAGIC + json.dumps(header).encode() + b"\n" + sealed


def unseal(path: Path, passphrase: str) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(
            _("{path} cannot be read: {reason}.").format(path=path, reason=exc.strerror or exc), field="file"
        ) from exc
    if not raw.startswith(MAGIC):
        raise ValidationError(_("{path} is not a CashDesk transfer file.").format(path=path), field="file")
    head, _newline, sealed = raw[len(MAGIC) :].partition(b"\n")
    try:
        header = json.loads(head)
        key = _key(passphrase, bytes.fromhex(header["salt"]), header)
        plain = gzip.decompress(AESGCM(key).decrypt(bytes.fromhex(header["nonce"]), sealed, MAGIC))
    except InvalidTag:
        raise ValidationError(
            _("{path}: wrong passphrase, or the file was damaged on the way.").format(path=path),
            field="passphrase",
        ) from None
    except (ValueError, KeyError, OSError, EOFError):
        raise ValidationError(
            _("{path} is damaged: it cannot be read.").format(path=path), field="file"
        ) from None
    bundle = loads(plain)
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "transaction":
        raise ValidationError(_("{path} holds no CashDesk bundle.").format(path=path), field="file")
    return bundle


def export_bundle(
    desk: Desk,
    *,
    out: Path,
    passphrase: str,
    progress: Callable[[float, str], None] | None = None,
    abort: threading.Event | None = None,
) -> ExportReport:
    desk.actor.require(Permission.SYNC)
    if not out.parent.is_dir():  # said before the work, not after
        raise ValidationError(
            _("{path} cannot be written: the folder {folder} does not exist.").format(
                path=out, folder=out.parent
            ),
            field="out",
        )
    check_passphrase(passphrase)
    tell = progress or (lambda _f, _m: None)
    entries: list[dict[str, Any]] = []
    with local.transaction(desk.engine, remote=False) as session:
        total = sum(
            int(session.execute(select(func.count()).select_from(m.model)).scalar_one())
            for m in MAPPINGS.values()
        )
        for mapping in MAPPINGS.values():
            for row in session.scalars(
                select(mapping.model).order_by(mapping.model.created_at, mapping.model.id)
            ):
                if abort is not None and abort.is_set():
                    raise Cancelled(_("Export cancelled; no file was written."))
                url = f"{mapping.resource_type}/{row.id}"
                request: dict[str, Any] = {"method": "PUT", "url": url}
                if row.server_version:
                    request["ifMatch"] = f'W/"{row.server_version}"'
                entries.append({"fullUrl": url, "resource": mapping.read(session, row), "request": request})
                if len(entries) % 500 == 0:
                    tell(len(entries) / max(total, 1) * 0.9, _("{n} records").format(n=len(entries)))
        bundle_id = f"{local.device_code(session)}-transfer-{uuid7()}"
    tell(0.95, _("Encrypting…"))
    bundle = {"resourceType": "Bundle", "id": bundle_id, "type": "transaction", "entry": entries}
    write_whole(out, seal(bundle, passphrase))
    tell(1.0, _("Written."))
    return ExportReport(len(entries), bundle_id, out)


def import_bundle(
    desk: Desk,
    *,
    path: Path,
    passphrase: str,
    progress: Callable[[float, str], None] | None = None,
    abort: threading.Event | None = None,
) -> ImportReport:
    """All of the file in one local transaction: a cut-off import leaves nothing half applied."""
    desk.actor.require(Permission.SYNC)
    tell = progress or (lambda _f, _m: None)
    bundle = unseal(path, passphrase)
    entries = list(bundle.get("entry") or [])
    counts = {"added": 0, "updated": 0, "unchanged": 0, "conflicts": 0, "skipped": 0}
    with local.transaction(desk.engine, remote=True) as session:
        units = local.minor_units(session)
        for n, entry in enumerate(entries):
            if abort is not None and abort.is_set():
                raise Cancelled(_("Import cancelled; nothing of the file was kept."))
            counts[_take(session, entry, units)] += 1
            if n % 500 == 0:
                tell(n / max(len(entries), 1), _("{n} of {total} records").format(n=n, total=len(entries)))
    tell(1.0, _("Imported."))
    return ImportReport(**counts)


def _take(session: Any, entry: dict[str, Any], units: int) -> str:
    resource = entry.get("resource") or {}
    try:
        mapping = mapping_for(resource)
    except ValueError:
        return "skipped"
    sent_version = (
        str((entry.get("request") or {}).get("ifMatch") or "").removeprefix("W/").strip('"') or None
    )
    theirs = values_of(mapping, resource, units)
    row = session.get(mapping.model, uuid.UUID(str(resource["id"])))
    if row is None:
        write(session, mapping, None, theirs, version=sent_version).dirty = True
        return "added"
    mine = local_values(session, mapping, row, units)
    if mine == theirs:
        return "unchanged"
    if not row.dirty and row.server_version == sent_version:  # changed there only, since one version
        write(session, mapping, row, theirs, version=None).dirty = True
        return "updated"
    merged = three_way(None, mine, theirs)
    record_conflict(
        session, mapping, row, resource | {"meta": {"source": _("a transfer file")}}, merged.conflicts
    )
    row.dirty = True
    return "conflicts"
