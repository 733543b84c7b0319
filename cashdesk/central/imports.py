"""A transfer file from a device that has no network (cashdesk.sync.transfer), applied on the server as
the transaction bundle it holds: all or nothing, and once (its bundle id), as a sync's push is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from cashdesk.central import store
from cashdesk.central.accounts import Caller
from cashdesk.central.schema import devices, users
from cashdesk.core.errors import NotFound, ValidationError
from cashdesk.core.i18n import _
from cashdesk.sync.transfer import unseal


def import_transfer(
    conn: Connection, *, path: Path, passphrase: str, username: str, device: str
) -> dict[str, Any]:
    """The transaction-response bundle; raises ValidationError with what to do when the server refuses."""
    bundle = unseal(path, passphrase)
    user = conn.execute(
        select(users).where(users.c.username == username.strip().lower(), users.c.active)
    ).first()
    if user is None:
        raise NotFound(_("There is no active user {name} on the server.").format(name=username))
    if (
        conn.execute(
            select(devices.c.code).where(devices.c.code == device.strip().upper(), devices.c.active)
        ).first()
        is None
    ):
        raise NotFound(_("Device {code} is not registered with the server.").format(code=device))
    caller = Caller(user.username, user.role, device.strip().upper(), tuple(json.loads(user.locations)))
    store.lock_for_writing(conn)
    try:
        _status, answer = store.transaction(conn, caller, bundle, "")
    except store.FhirError as exc:
        advice = (
            _(
                "Records in it changed on the server since that device last synced: import the file on a laptop "
                "that syncs (cashdesk import bundle), which merges them, then sync it."
            )
            if exc.status == 412
            else ""
        )
        raise ValidationError(f"{path}: {exc.message} {advice}".strip(), field="file") from None
    return answer
