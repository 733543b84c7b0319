"""Payment service providers and their pay points: money only flows through them.

A provider has a contract with dates; generation refuses a new payroll for a provider whose contract does
not cover the cycle (payroll/generation.py). Pay points belong to one provider and one village, open on
some days of the week, and have the pay point clerks who record payments there.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cashdesk.core.errors import NotFound, ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort, never_abort, no_progress
from cashdesk.core.tables import TableError, TableRow, iter_rows, open_table
from cashdesk.models import Location, PaymentServiceProvider, PayPoint, Scheme, User
from cashdesk.models.location import LocationLevel
from cashdesk.models.provider import ProviderKind
from cashdesk.models.security import Role
from cashdesk.scheme.phones import normalise_phone
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PAY_POINT_COLUMNS = ("code", "name", "provider", "village", "address", "opening_days", "clerks")


@dataclass
class ProviderInput:
    code: str
    name: str
    kind: str
    contract_ref: str = ""
    contract_from: date | None = None
    contract_to: date | None = None
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    active: bool = True


@dataclass
class PayPointInput:
    code: str
    name: str
    provider: str  # provider code
    village: str  # location code
    address: str = ""
    opening_days: str = ""  # "mon,wed,fri"
    clerks: list[str] = field(default_factory=list)  # usernames of pay point clerks
    active: bool = True


@dataclass(frozen=True)
class ProviderRow:
    id: uuid.UUID
    code: str
    name: str
    kind: str
    contract_ref: str
    contract_from: date | None
    contract_to: date | None
    contact_name: str
    phone: str
    email: str
    active: bool
    pay_points: int


@dataclass(frozen=True)
class PayPointRow:
    id: uuid.UUID
    code: str
    name: str
    provider_code: str
    provider_name: str
    village_code: str
    village_name: str
    address: str
    opening_days: str
    clerks: tuple[str, ...]
    active: bool


@dataclass(frozen=True)
class PayPointImport:
    created: int
    updated: int


def _code(text: str, what: str) -> str:
    code = text.strip().upper()
    if not code or len(code) > 32 or not all(ch.isalnum() or ch in "-_" for ch in code):
        raise ValidationError(
            _("A {what} code is 1 to 32 letters, digits, - or _, not \u201c{code}\u201d.").format(
                what=what, code=text
            ),
            field="code",
        )
    return code


def _kind(text: str) -> ProviderKind:
    value = text.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return ProviderKind(value)
    except ValueError:
        raise ValidationError(
            _("The kind of provider is one of {kinds}, not \u201c{kind}\u201d.").format(
                kinds=", ".join(k.value for k in ProviderKind), kind=text
            ),
            field="kind",
        ) from None


def opening_days(text: str) -> str:
    """'Mon, Wed ,fri' -> 'mon,wed,fri' (in week order); refuses what is not a day."""
    days = {part.strip().lower()[:3] for part in text.replace(";", ",").split(",") if part.strip()}
    unknown = sorted(days - set(WEEKDAYS))
    if unknown:
        raise ValidationError(
            _("Opening days are mon, tue, wed, thu, fri, sat or sun, not {days}.").format(
                days=", ".join(unknown)
            ),
            field="opening_days",
        )
    return ",".join(day for day in WEEKDAYS if day in days)


def save_provider(session: Session, actor: Actor, data: ProviderInput) -> ProviderRow:
    """Register the provider, or change the one with this code."""
    actor.require(Permission.MANAGE_PROVIDERS)
    code = _code(data.code, _("provider"))
    if not data.name.strip():
        raise ValidationError(_("Give the provider's name."), field="name")
    kind = _kind(data.kind)
    if data.contract_from and data.contract_to and data.contract_to < data.contract_from:
        raise ValidationError(_("The contract ends before it starts."), field="contract_to")
    country = session.execute(select(Scheme.country)).scalar_one()
    # The provider's contact: an office line will do.
    phone = normalise_phone(data.phone, country, mobile=False) if data.phone.strip() else None
    email = data.email.strip() or None
    if email and ("@" not in email or " " in email):
        raise ValidationError(_("{email} is not an e-mail address.").format(email=email), field="email")
    provider = session.execute(
        select(PaymentServiceProvider).where(PaymentServiceProvider.code == code)
    ).scalar_one_or_none()
    before = audit.snapshot(provider) if provider else None
    if provider is None:
        provider = PaymentServiceProvider(code=code)
        session.add(provider)
    provider.deleted_at = None  # a removed provider's code saved again brings it back
    provider.name = data.name.strip()
    provider.kind = kind
    provider.contract_ref = data.contract_ref.strip() or None
    provider.contract_from = data.contract_from
    provider.contract_to = data.contract_to
    provider.contact_name = data.contact_name.strip() or None
    provider.phone = phone
    provider.email = email
    provider.active = data.active
    session.flush()
    audit.record(
        session,
        actor,
        action="provider.updated" if before else "provider.created",
        entity_type="provider",
        entity_id=provider.id,
        summary=f"{provider.code} {provider.name}",
        before=before,
        after=audit.snapshot(provider),
    )
    return _provider_row(session, provider)


def _provider_row(session: Session, provider: PaymentServiceProvider) -> ProviderRow:
    points = session.execute(
        select(func.count()).select_from(PayPoint).where(PayPoint.provider_id == provider.id)
    ).scalar_one()
    return ProviderRow(
        id=provider.id,
        code=provider.code,
        name=provider.name,
        kind=provider.kind.value,
        contract_ref=provider.contract_ref or "",
        contract_from=provider.contract_from,
        contract_to=provider.contract_to,
        contact_name=provider.contact_name or "",
        phone=provider.phone or "",
        email=provider.email or "",
        active=provider.active,
        pay_points=int(points),
    )


def list_providers(session: Session, actor: Actor) -> list[ProviderRow]:
    actor.require(Permission.VIEW_PAYROLLS)
    providers = session.execute(
        select(PaymentServiceProvider)
        .where(PaymentServiceProvider.deleted_at.is_(None))
        .order_by(PaymentServiceProvider.code)
    ).scalars()
    return [_provider_row(session, p) for p in providers]


def provider_by_code(session: Session, code: str) -> PaymentServiceProvider:
    provider = session.execute(
        select(PaymentServiceProvider).where(func.upper(PaymentServiceProvider.code) == code.strip().upper())
    ).scalar_one_or_none()
    if provider is None or provider.deleted_at is not None:
        raise NotFound(_("There is no payment provider {code}.").format(code=code))
    return provider


def _village(session: Session, code: str) -> Location:
    village = session.execute(
        select(Location).where(func.upper(Location.code) == code.strip().upper())
    ).scalar_one_or_none()
    if village is None:
        raise ValidationError(_("There is no location {code}.").format(code=code), field="village")
    if village.level != LocationLevel.VILLAGE:
        raise ValidationError(
            _("{code} is a {level}, not a village: a pay point is in a village.").format(
                code=village.code, level=village.level.value
            ),
            field="village",
        )
    return village


def _clerks(session: Session, usernames: list[str]) -> list[User]:
    clerks = []
    for name in usernames:
        user = session.execute(
            select(User).where(func.lower(User.username) == name.strip().lower())
        ).scalar_one_or_none()
        if user is None:
            raise ValidationError(_("There is no user {name}.").format(name=name), field="clerks")
        if user.role != Role.PAY_POINT_CLERK:
            raise ValidationError(
                _("{name} is a {role}; only pay point clerks are assigned to pay points.").format(
                    name=user.username, role=user.role.value.replace("_", " ")
                ),
                field="clerks",
            )
        clerks.append(user)
    return clerks


def save_pay_point(session: Session, actor: Actor, data: PayPointInput) -> PayPointRow:
    """Register the pay point, or change the one with this code."""
    actor.require(Permission.MANAGE_PROVIDERS)
    code = _code(data.code, _("pay point"))
    if not data.name.strip():
        raise ValidationError(_("Give the pay point's name."), field="name")
    try:
        provider = provider_by_code(session, data.provider)
    except NotFound as exc:
        raise ValidationError(exc.message, field="provider") from None
    village = _village(session, data.village)
    days = opening_days(data.opening_days)
    clerks = _clerks(session, data.clerks)
    point = session.execute(select(PayPoint).where(PayPoint.code == code)).scalar_one_or_none()
    before = audit.snapshot(point) if point else None
    if point is None:
        point = PayPoint(code=code)
        session.add(point)
    point.deleted_at = None  # a removed pay point's code saved again brings it back
    point.name = data.name.strip()
    point.provider_id = provider.id
    point.location_id = village.id
    point.address = data.address.strip() or None
    point.opening_days = days
    point.active = data.active
    point.clerks = clerks
    session.flush()
    after = audit.snapshot(point) | {"clerks": sorted(c.username for c in clerks)}
    audit.record(
        session,
        actor,
        action="pay_point.updated" if before else "pay_point.created",
        entity_type="pay_point",
        entity_id=point.id,
        summary=f"{point.code} {point.name} ({provider.code}, {village.code})",
        before=before,
        after=after,
    )
    return _pay_point_row(session, point)


def _pay_point_row(session: Session, point: PayPoint) -> PayPointRow:
    provider = session.get_one(PaymentServiceProvider, point.provider_id)
    village = session.get_one(Location, point.location_id)
    return PayPointRow(
        id=point.id,
        code=point.code,
        name=point.name,
        provider_code=provider.code,
        provider_name=provider.name,
        village_code=village.code,
        village_name=village.name,
        address=point.address or "",
        opening_days=point.opening_days,
        clerks=tuple(sorted(c.username for c in point.clerks)),
        active=point.active,
    )


def list_pay_points(session: Session, actor: Actor, *, provider: str | None = None) -> list[PayPointRow]:
    actor.require(Permission.VIEW_PAYROLLS)
    query = select(PayPoint).where(PayPoint.deleted_at.is_(None)).order_by(PayPoint.code)
    if provider:
        query = query.where(PayPoint.provider_id == provider_by_code(session, provider).id)
    return [_pay_point_row(session, p) for p in session.execute(query).scalars()]


def import_pay_points(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
) -> PayPointImport:
    """Pay points from a CSV or XLSX file with the columns code, name, provider, village and optionally
    address, opening_days, clerks (usernames separated by spaces). All or nothing: the first bad row is
    refused with its row and column, and no pay point of the file is saved (the caller's transaction)."""
    actor.require(Permission.MANAGE_PROVIDERS)
    abort = abort or never_abort()
    info = open_table(path)
    headers = [h.strip().lower().replace(" ", "_") for h in info.headers]
    missing = [c for c in PAY_POINT_COLUMNS[:4] if c not in headers]
    if missing:
        raise TableError(
            _("{file} has no column {columns}: pay point files have {expected}.").format(
                file=path.name, columns=", ".join(missing), expected=", ".join(PAY_POINT_COLUMNS)
            )
        )
    existing = set(session.execute(select(PayPoint.code)).scalars())
    created = updated = 0
    seen: dict[str, int] = {}
    for row in iter_rows(info, progress=progress, abort=abort):
        check_abort(abort)
        cells = dict(zip(headers, row.values, strict=False))
        data = PayPointInput(
            code=cells.get("code", ""),
            name=cells.get("name", ""),
            provider=cells.get("provider", ""),
            village=cells.get("village", ""),
            address=cells.get("address", ""),
            opening_days=cells.get("opening_days", ""),
            clerks=cells.get("clerks", "").replace(",", " ").split(),
        )
        code = data.code.strip().upper()
        if code in seen:
            raise _row_error(
                path,
                row,
                ValidationError(
                    _("pay point {code} is also on row {other}.").format(code=code, other=seen[code]),
                    field="code",
                ),
            )
        seen[code] = row.number
        try:
            save_pay_point(session, actor, data)
        except ValidationError as exc:
            raise _row_error(path, row, exc) from exc
        if code in existing:
            updated += 1
        else:
            created += 1
    if not seen:
        raise TableError(_("{file} has no pay points under its header.").format(file=path.name))
    return PayPointImport(created, updated)


def _row_error(path: Path, row: TableRow, exc: ValidationError) -> ValidationError:
    column = exc.field or ""
    return ValidationError(
        _("{file}, row {row}, column {column}: {message} Nothing from the file was saved.").format(
            file=path.name, row=row.number, column=column, message=exc.message
        ),
        field=column,
    )
