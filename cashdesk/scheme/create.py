"""Creating a scheme database (first run) and recovering access with the recovery key."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cashdesk.core.database import check_readable, make_engine, translate_errors, upgrade_schema
from cashdesk.core.errors import CashDeskError, DatabaseError, ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.ids import CODE_ALPHABET, check_character, new_device_code
from cashdesk.core.paths import DATABASE_FILE, KEYSTORE_FILE
from cashdesk.models.scheme import Scheme
from cashdesk.models.security import Role, User
from cashdesk.scheme.countries import COUNTRIES, is_currency, minor_units
from cashdesk.security import audit
from cashdesk.security.auth import load_actor
from cashdesk.security.keystore import Keystore
from cashdesk.security.passwords import check_password, check_username


@dataclass(frozen=True)
class NewScheme:
    database: Path
    recovery_key: str


def format_recovery_key(key: bytes) -> str:
    """The database key as 52 Crockford base32 characters plus a check character, in groups of 4."""
    number = int.from_bytes(key, "big")
    body = "".join(CODE_ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(52)))
    full = body + check_character(body)
    return "-".join(full[i : i + 4] for i in range(0, len(full), 4))


def parse_recovery_key(text: str) -> bytes:
    """Accepts the key as written on paper: any case, any spacing, O for 0 and I or L for 1."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum()).translate(str.maketrans("OIL", "011"))
    body, check = cleaned[:-1], cleaned[-1:]
    if len(body) != 52 or any(ch not in CODE_ALPHABET for ch in cleaned) or check_character(body) != check:
        raise ValidationError(
            _("This is not a valid recovery key: check each group of characters."), field="recovery_key"
        )
    number = 0
    for ch in body:
        number = number * 32 + CODE_ALPHABET.index(ch)
    return number.to_bytes(32, "big")


def validate_scheme(*, name: str, country: str, currency: str) -> tuple[str, str, str]:
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the scheme a name."), field="scheme")
    country = country.strip().upper()
    if country not in COUNTRIES:
        raise ValidationError(
            _("{code} is not an ISO 3166 country code (two letters, such as MW for Malawi).").format(
                code=country or '""'
            ),
            field="country",
        )
    currency = currency.strip().upper()
    if not is_currency(currency):
        raise ValidationError(
            _("{code} is not an ISO 4217 currency code (three letters, such as MWK).").format(
                code=currency or '""'
            ),
            field="currency",
        )
    return name, country, currency


def create_scheme(
    data_dir: Path,
    *,
    name: str,
    country: str,
    currency: str,
    admin_username: str,
    admin_password: str,
    admin_full_name: str = "",
) -> NewScheme:
    """Create the encrypted database, its key file and the first administrator."""
    _refuse_existing(data_dir)  # first: nothing typed matters when the folder already holds a scheme
    name, country, currency = validate_scheme(name=name, country=country, currency=currency)
    username = check_username(admin_username)
    scheme = Scheme(
        name=name,
        country=country,
        currency=currency,
        currency_minor_units=minor_units(currency),
        device_code=new_device_code(),
    )
    admin = User(username=username, full_name=admin_full_name.strip() or username, role=Role.ADMINISTRATOR)
    return create_database(
        data_dir, scheme, admin, admin_password, action="scheme.created", summary=_("a new scheme")
    )


def _refuse_existing(data_dir: Path) -> Path:
    database = data_dir / DATABASE_FILE
    if database.exists():
        raise CashDeskError(_("{path} already holds a CashDesk scheme.").format(path=database))
    return database


def create_database(
    data_dir: Path, scheme: Scheme, first_user: User, password: str, *, action: str, summary: str
) -> NewScheme:
    """The encrypted database with its scheme row and first user, and the key file that opens it with
    the user's password. Nothing is left behind when any step fails."""
    database = _refuse_existing(data_dir)
    username = first_user.username  # the row is expired once its transaction commits
    check_password(password, username=username)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(
            _("The data folder {folder} cannot be created: {reason}.").format(
                folder=data_dir, reason=exc.strerror
            )
        ) from exc

    key = os.urandom(32)
    engine = make_engine(database, key)
    try:
        upgrade_schema(engine)
        with translate_errors(), Session(engine) as session, session.begin():
            session.add(scheme)
            session.add(first_user)
            session.flush()
            actor = load_actor(session, first_user)
            audit.record(
                session,
                actor,
                action=action,
                entity_type="scheme",
                entity_id=1,
                summary=summary,
                after={"name": scheme.name, "country": scheme.country, "currency": scheme.currency},
            )
            audit.record(
                session,
                actor,
                action="user.created",
                entity_type="user",
                entity_id=first_user.id,
                summary=username,
                after=audit.snapshot(first_user),
            )
        keystore = Keystore(data_dir / KEYSTORE_FILE)
        keystore.create(key)
        keystore.set_password(username, password, key)
    except BaseException:
        # A half-created scheme is worse than none: remove it so the next attempt starts clean.
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        (data_dir / KEYSTORE_FILE).unlink(missing_ok=True)
        raise
    engine.dispose()
    return NewScheme(database=database, recovery_key=format_recovery_key(key))


def recover_access(data_dir: Path, *, recovery_key: str, username: str, new_password: str) -> None:
    """Give an administrator a new password using the recovery key (lost passwords or key file)."""
    key = parse_recovery_key(recovery_key)
    keystore = Keystore(data_dir / KEYSTORE_FILE)
    if keystore.exists() and not keystore.matches(key):
        raise ValidationError(
            _("This recovery key belongs to another CashDesk database."), field="recovery_key"
        )
    engine = make_engine(data_dir / DATABASE_FILE, key)
    try:
        check_readable(engine)
        upgrade_schema(engine)
        with translate_errors(), Session(engine) as session, session.begin():
            user = session.execute(
                select(User).where(func.lower(User.username) == username.strip().lower())
            ).scalar_one_or_none()
            if user is None or user.role != Role.ADMINISTRATOR:
                raise ValidationError(
                    _("{name} is not an administrator of this scheme.").format(name=username),
                    field="username",
                )
            check_password(new_password, username=user.username)
            username = user.username
            before = audit.snapshot(user)
            user.active = True
            user.must_change_password = False
            audit.record(
                session,
                load_actor(session, user),
                action="user.access_recovered",
                entity_type="user",
                entity_id=user.id,
                summary=_("password set with the recovery key"),
                before=before,
                after=audit.snapshot(user),
            )
        if not keystore.exists():
            keystore.create(key)
        keystore.set_password(username, new_password, key)
    finally:
        engine.dispose()
