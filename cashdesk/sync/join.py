"""A new laptop joins a scheme from its central server: the first run of every laptop but the scheme's first.

The server's administrator registers the laptop (`cashdesk central device add`, which draws its device
code) and gives its user a server account. On the laptop, the user gives the server's address, their
server account, the device code and a password for this laptop. CashDesk then:

1. logs in to the server and reads the scheme's settings (name, country, currency, custom fields) and
   the user's staff record, if the scheme already has one;
2. creates the encrypted database in a folder beside the data folder, with the device code and the
   user as its first account, in the role their server account has;
3. syncs: the places, providers, plans and staff of the scheme, and the households, enrolments and
   payments of the user's places; a new user's own record (their places) goes up;
4. only then moves the folder into place, so that a join cut off (power, network, Cancel) leaves no
   half-filled scheme behind: running it again starts afresh.

The user logs in on this laptop with the password given here. Other staff arrive with the sync and
log in here once an administrator of this laptop has given them a password (their passwords never
travel). An officer's or clerk's laptop has no administrator of its own unless one joins it too.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cashdesk.core.errors import Cancelled, CashDeskError, PermissionDenied, ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.paths import DATABASE_FILE
from cashdesk.desk import open_desk
from cashdesk.models import Location, Role, Scheme, User
from cashdesk.scheme.create import create_database
from cashdesk.security.passwords import check_password, check_username
from cashdesk.sync import local, scheme_settings
from cashdesk.sync.connection import ServerConnection
from cashdesk.sync.login import check_url, log_in_to_server
from cashdesk.sync.mapping import Resource
from cashdesk.sync.mapping.staff import user_from_fhir
from cashdesk.sync.mapping.urls import identifier_system
from cashdesk.sync.run import SyncReport, sync_now


@dataclass(frozen=True)
class Joined:
    database: Path
    recovery_key: str
    scheme_name: str
    username: str
    role: Role
    places: tuple[str, ...]  # the location paths the user works in (none: the whole scheme)
    report: SyncReport


@dataclass(frozen=True)
class _FromServer:
    settings: scheme_settings.Settings
    settings_version: str
    role: Role
    places: tuple[str, ...]
    staff: Resource | None


def join_scheme(
    data_dir: Path,
    *,
    url: str,
    username: str,
    server_password: str,
    device: str,
    password: str,
    progress: Callable[[float, str], None] | None = None,
    abort: threading.Event | None = None,
) -> Joined:
    """Everything of the module docstring. Raises CashDeskError subclasses with a message for the user;
    on any failure or Cancel the data folder is as it was."""
    tell = progress or (lambda _fraction, _message: None)
    address = check_url(url)
    name = check_username(username)
    code = device.strip().upper()
    if not code:
        raise ValidationError(_("Give the device code the server's administrator gave you."), field="device")
    if (data_dir / DATABASE_FILE).exists():
        raise CashDeskError(
            _("{path} already holds a CashDesk scheme.").format(path=data_dir / DATABASE_FILE)
        )
    if data_dir.exists() and any(data_dir.iterdir()):
        raise ValidationError(
            _("The data folder {folder} is not empty: choose an empty folder.").format(folder=data_dir),
            field="data_dir",
        )
    check_password(password, username=name)
    found = _read_server(address, name, server_password, code)
    tell(0.03, _("Creating this laptop's database..."))
    staging = data_dir.with_name(f".{data_dir.name}.joining")
    shutil.rmtree(staging, ignore_errors=True)  # what a join cut off before left
    try:
        created = create_database(
            staging,
            Scheme(
                name=found.settings.name,
                country=found.settings.country,
                currency=found.settings.currency,
                currency_minor_units=found.settings.currency_minor_units,
                custom_fields_schema=found.settings.custom_fields_schema,
                device_code=code,
            ),
            _first_user(name, found),
            password,
            action="scheme.joined",
            summary=_("joined from {url}").format(url=address),
        )
        report = _first_sync(staging, address, name, server_password, password, found, tell, abort)
        if data_dir.exists():
            data_dir.rmdir()  # empty, checked above
        staging.replace(data_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Joined(
        data_dir / DATABASE_FILE,
        created.recovery_key,
        found.settings.name,
        name,
        found.role,
        found.places,
        report,
    )


def _read_server(address: str, username: str, server_password: str, device: str) -> _FromServer:
    server = ServerConnection(address)
    try:
        server.log_in(username=username, password=server_password, device=device)
        account = server.account
        if account is None or account.role not in {r.value for r in Role}:
            raise PermissionDenied(
                _(
                    "The server account {user} only reads the scheme's data: join with the account of "
                    "the person who will work on this laptop."
                ).format(user=username)
            )
        found = scheme_settings.read_from_server(server)
        if found is None:
            raise ValidationError(
                _(
                    "The server at {url} holds no scheme yet: the scheme's first laptop must sync with it "
                    "before others can join."
                ).format(url=address),
                field="url",
            )
        staff = _staff_record(server, username)
    finally:
        server.close()
    settings, version = found
    return _FromServer(settings, version, Role(account.role), account.locations, staff)


def _staff_record(server: ServerConnection, username: str) -> Resource | None:
    """The user's Practitioner, when a laptop of the scheme already has them as staff."""
    answer = server.get("Practitioner", {"identifier": f"{identifier_system('username')}|{username}"})
    entries = [e["resource"] for e in answer.body.get("entry") or [] if e.get("resource")]
    return entries[0] if entries else None


def _first_user(username: str, found: _FromServer) -> User:
    if found.staff is None:  # new to the scheme: the server account says who they are
        return User(username=username, full_name=username, role=found.role)
    known = user_from_fhir(found.staff)
    # The scheme's own record of this user: the same id, so that the sync fills it in (its places,
    # its name) as the server has it rather than making a second "olive"; nothing of it is to push.
    return User(
        id=known["id"], username=username, full_name=known["full_name"], role=known["role"], dirty=False
    )


def _first_sync(  # noqa: PLR0917 (one step of join_scheme, with what it worked out)
    folder: Path,
    address: str,
    username: str,
    server_password: str,
    password: str,
    found: _FromServer,
    tell: Callable[[float, str], None],
    abort: threading.Event | None,
) -> SyncReport:
    desk = open_desk(folder, username, password)
    try:
        log_in_to_server(desk, url=address, username=username, password=server_password)
        with local.transaction(desk.engine) as session:
            scheme_settings.remember(session, found.settings_version, found.settings)
        report = sync_now(desk, progress=lambda f, m: tell(0.05 + 0.9 * f, m), abort=abort)
        if found.staff is None and found.places:
            _assign_places(desk.engine, username, found.places)
            tell(0.97, _("Sending your account to the server..."))
            sync_now(desk, abort=abort)
        if abort is not None and abort.is_set():
            raise Cancelled(_("Joining the scheme was cancelled: nothing was kept on this laptop."))
    finally:
        desk.close()
    return report


def _assign_places(engine: Any, username: str, paths: tuple[str, ...]) -> None:
    """A user new to the scheme works where their server account says, now that the places are here."""
    with local.transaction(engine, remote=False) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        user.locations = list(session.scalars(select(Location).where(Location.path.in_(paths))))
