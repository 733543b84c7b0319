"""Registering and editing a household with its members (the editor's services).

Saving runs the rules (household_input), looks for people already registered who may be the same
(duplicates), and writes the household, its members, their identifiers, the search index and the
duplicate keys in the caller's one transaction. If look-alikes exist and the officer has not said why
they save anyway, nothing is written and `PossibleDuplicates` lists them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.util import identity_key

from cashdesk.core.codes import HOUSEHOLD, reserve_codes
from cashdesk.core.errors import CashDeskError, NotFound, ValidationError
from cashdesk.core.i18n import _
from cashdesk.models import (
    DuplicateSource,
    Enrolment,
    Household,
    Location,
    Member,
    MemberIdentifier,
    PaymentMethod,
    PayPoint,
    RecipientRole,
    Relationship,
    Scheme,
    Sex,
)
from cashdesk.models.base import utcnow
from cashdesk.registry import duplicates, search
from cashdesk.registry.dedup import Match, PersonRecord
from cashdesk.registry.household_input import (
    CleanHousehold,
    HouseholdInput,
    IdentifierInput,
    LocationRef,
    MemberInput,
    PayPointRef,
    Problem,
    RegistryContext,
    check_household,
    enum_choice,
    normalise_id_number,
)
from cashdesk.scheme.phones import normalise_phone
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission


class InvalidHousehold(ValidationError):
    """The household breaks a rule; `problems` lists every one (errors and warnings)."""

    def __init__(self, problems: list[Problem]) -> None:
        first = next(p for p in problems if p.is_error)
        super().__init__(first.message, field=first.field)
        self.problems = problems


class PossibleDuplicates(CashDeskError):
    """People already registered look like members being saved. `hits[i]` are member i's look-alikes."""

    def __init__(self, hits: dict[int, list[duplicates.MatchView]]) -> None:
        count = sum(len(v) for v in hits.values())
        super().__init__(_("{n} registered person(s) look like members of this household.").format(n=count))
        self.hits = hits


@dataclass(frozen=True)
class SavedHousehold:
    id: uuid.UUID
    code: str
    warnings: tuple[Problem, ...]
    duplicates_recorded: int
    changed: bool = True  # False when an update found every value already as given


def registry_context(session: Session) -> RegistryContext:
    scheme = session.execute(select(Scheme)).scalar_one()
    locations = {
        loc.code.upper(): LocationRef(loc.id, loc.code, loc.name, loc.level.value, loc.path)
        for loc in session.execute(select(Location).where(Location.deleted_at.is_(None))).scalars()
    }
    pay_points = {
        p.code.upper(): PayPointRef(p.id, p.code, p.provider_id)
        for p in session.execute(select(PayPoint).where(PayPoint.active.is_(True))).scalars()
    }
    return RegistryContext(
        country=scheme.country,
        today=datetime.now(UTC).date(),
        locations=locations,
        pay_points=pay_points,
        custom_fields_schema=scheme.custom_fields_schema or {},
    )


def editor_context(session: Session, actor: Actor) -> RegistryContext:
    """What the editor needs to check a household as it is typed (same rules as saving)."""
    actor.require(Permission.VIEW_REGISTRY)
    return registry_context(session)


def _person(
    m: MemberInput, member_id: uuid.UUID, household_id: uuid.UUID, phone: str | None, location_path: str
) -> tuple[Any, ...]:
    """One member as the duplicate checks see it, in PersonRecord's field order."""
    numbers = tuple(number for _type, number in identifier_values(m))
    return (member_id, household_id, *person_fields(member_row(m, phone), numbers, m.sex), location_path)


# A plain "F" or "M" (Enum's .value is a Python-level property, asked for each person of an import).
_SEX_TEXT = {sex: sex.value for sex in Sex}


def person_fields(row: tuple[Any, ...], id_numbers: tuple[str, ...], typed_sex: str) -> tuple[Any, ...]:
    """PersonRecord's fields from given_name to id_numbers, taken from the member's row (member_row), so
    that a check before saving and one after compare the same things. A sex that is no sex yet (a member
    still being typed) is compared as typed, in upper case."""
    given, family, other, sex, born, birth_year, _estimated, _relation, _role, phone, *_rest = row
    return (
        given,
        family,
        other,
        _SEX_TEXT[sex] if sex is not None else typed_sex.strip().upper(),
        born,
        birth_year,
        phone,
        id_numbers,
    )


def person_records(
    clean: CleanHousehold, household_id: uuid.UUID, member_ids: list[uuid.UUID]
) -> list[PersonRecord]:
    """A household's members as the duplicate checks see them."""
    path = clean.location.path
    return [
        PersonRecord(*_person(m, mid, household_id, phone, path))
        for m, mid, phone in zip(clean.data.members, member_ids, clean.member_phones, strict=True)
    ]


def _validated(
    session: Session, actor: Actor, data: HouseholdInput, ctx: RegistryContext | None = None
) -> tuple[CleanHousehold, list[Problem]]:
    """The clean household and its warnings; InvalidHousehold if any rule is broken. `ctx`: the registry's
    villages and pay points when the caller has them already (an import updating thousands)."""
    actor.require(Permission.REGISTER_HOUSEHOLDS)
    problems, clean = check_household(data, ctx or registry_context(session))
    if clean is None:
        raise InvalidHousehold(problems)
    actor.require_location(clean.location.path)
    return clean, problems


def _look_alikes(
    session: Session, people: list[PersonRecord]
) -> tuple[dict[int, list[duplicates.MatchView]], list[Match]]:
    own = {p.id for p in people}
    per_member = duplicates.matches_for(session, people)
    views: dict[int, list[duplicates.MatchView]] = {}
    flat: list[Match] = []
    for i, (person, matches) in enumerate(zip(people, per_member, strict=True)):
        # Members of the same household being saved are checked by the rules, not here.
        outside = [m for m in matches if not {m.left_id, m.right_id} <= own]
        if outside:
            views[i] = duplicates.explain(session, person.id, outside)
            flat.extend(outside)
    return views, flat


def check_duplicates(
    session: Session, actor: Actor, data: HouseholdInput
) -> dict[int, list[duplicates.MatchView]]:
    """What the editor shows before saving: registered people who look like each member."""
    actor.require(Permission.REGISTER_HOUSEHOLDS)
    _problems, clean = check_household(data, registry_context(session))
    if clean is None:
        return {}
    ids = [m.id or uuid.uuid4() for m in data.members]
    views, _flat = _look_alikes(session, person_records(clean, data.id or uuid.uuid4(), ids))
    return views


def check_member_duplicates(
    session: Session,
    actor: Actor,
    member: MemberInput,
    *,
    location_code: str,
    household_id: uuid.UUID | None = None,
) -> list[duplicates.MatchView]:
    """The same check for one member while it is being typed (no household rules)."""
    actor.require(Permission.REGISTER_HOUSEHOLDS)
    ctx = registry_context(session)
    location = ctx.locations.get(location_code.strip().upper())
    if location is None or not member.given_name.strip() or not member.family_name.strip():
        return []
    phone = None
    if member.phone.strip():
        with contextlib.suppress(ValidationError):  # a half-typed number is simply not compared yet
            phone = normalise_phone(member.phone, ctx.country)
    person = PersonRecord(
        *_person(member, member.id or uuid.uuid4(), household_id or uuid.uuid4(), phone, location.path)
    )
    matches = duplicates.matches_for(session, [person])[0]
    if household_id is not None:
        same_household = set(
            session.execute(select(Member.id).where(Member.household_id == household_id)).scalars()
        )
        matches = [m for m in matches if not ({m.left_id, m.right_id} - {person.id}) <= same_household]
    return duplicates.explain(session, person.id, matches)


# The keys member_values and household_values return (bulk inserts list the columns up front).
MEMBER_VALUE_COLUMNS = (
    "given_name",
    "family_name",
    "other_names",
    "sex",
    "date_of_birth",
    "birth_year",
    "birth_date_estimated",
    "relation_to_head",
    "recipient_role",
    "phone",
    "disability",
    "custom_fields",
    "source_ref",
)
HOUSEHOLD_VALUE_COLUMNS = (
    "location_id",
    "address",
    "gps_latitude",
    "gps_longitude",
    "preferred_pay_point_id",
    "payment_method",
    "payment_provider_id",
    "payment_account",
    "custom_fields",
    "source_ref",
)


def member_values(m: MemberInput, phone: str | None) -> dict[str, Any]:
    """Column values of a member, by name, for the ORM."""
    return dict(zip(MEMBER_VALUE_COLUMNS, member_row(m, phone), strict=True))


def member_row(m: MemberInput, phone: str | None) -> tuple[Any, ...]:
    """Column values of a member in MEMBER_VALUE_COLUMNS order: the one definition, for the ORM
    (member_values), the import's bulk rows and the duplicate checks (person_fields)."""
    born = m.date_of_birth
    return (
        m.given_name.strip(),
        m.family_name.strip(),
        m.other_names.strip() or None,
        # The spellings the rules accept ("female", "Head"): a dictionary look-up, 15 times cheaper than
        # calling the Enum, for the million choices of a large import.
        enum_choice(m.sex, Sex),
        born,
        born.year if born else m.birth_year,
        born is None,
        enum_choice(m.relation_to_head, Relationship),
        enum_choice(m.recipient_role, RecipientRole) if m.recipient_role else None,
        phone,
        bool(m.disability),
        dict(m.custom_fields),
        m.source_ref,
    )


def identifier_values(m: MemberInput) -> list[tuple[str, str]]:
    """The member's documents as stored: (kind in lower case, number normalised); blank numbers left out."""
    return [
        (i.id_type.strip().lower(), normalise_id_number(i.number)) for i in m.identifiers if i.number.strip()
    ]


def _identifiers(m: MemberInput) -> list[MemberIdentifier]:
    return [MemberIdentifier(id_type=id_type, number=number) for id_type, number in identifier_values(m)]


def household_values(clean: CleanHousehold) -> dict[str, Any]:
    """Column values of a household, for the ORM here and for bulk inserts in the import."""
    data = clean.data
    method = enum_choice(data.payment_method.strip() or "cash", PaymentMethod)
    return {
        "location_id": clean.location.id,
        "address": data.address.strip() or None,
        "gps_latitude": data.gps_latitude,
        "gps_longitude": data.gps_longitude,
        "preferred_pay_point_id": clean.pay_point.id if clean.pay_point else None,
        "payment_method": method,
        "payment_provider_id": clean.pay_point.provider_id
        if clean.pay_point and method != PaymentMethod.CASH
        else None,
        "payment_account": clean.payment_account,
        "custom_fields": dict(data.custom_fields),
        "source_ref": data.source_ref,
    }


def _snapshot(household: Household) -> dict[str, Any]:
    members = [m for m in household.members if m.deleted_at is None]
    return audit.snapshot(household) | {
        "members": [
            audit.snapshot(m) | {"identifiers": [f"{i.id_type}:{i.number}" for i in m.identifiers]}
            for m in members
        ]
    }


@dataclass(frozen=True)
class Changes:
    """What saving an edited household would change."""

    household: bool  # a household value (village, pay point, address, ...)
    members_changed: int
    members_added: int
    members_removed: int

    @property
    def any(self) -> bool:
        return self.household or bool(self.members_changed + self.members_added + self.members_removed)


def changes_of(session: Session, clean: CleanHousehold) -> Changes:
    """What saving `clean` (a stored household, edited) would change. (An import tells the households it
    changes from those already as its file says, and counts the people it changes and adds.)"""
    if clean.data.id is None:
        return Changes(True, 0, len(clean.data.members), 0)
    household = _load(session, clean.data.id)
    stored = {m.id: m for m in household.members if m.deleted_at is None}
    changed = added = 0
    for m, phone in zip(clean.data.members, clean.member_phones, strict=True):
        member = stored.pop(m.id, None) if m.id else None
        if member is None:
            added += 1
        elif _member_differs(member, m, phone):
            changed += 1
    household_changed = any(
        getattr(household, name) != value for name, value in household_values(clean).items()
    )
    return Changes(household_changed, changed, added, len(stored))


def _member_differs(member: Member, m: MemberInput, phone: str | None) -> bool:
    if any(getattr(member, name) != value for name, value in member_values(m, phone).items()):
        return True
    stored_documents = sorted((i.id_type, i.number) for i in member.identifiers)
    return sorted(identifier_values(m)) != stored_documents


def _finish(
    session: Session,
    actor: Actor,
    household: Household,
    clean: CleanHousehold,
    *,
    duplicate_note: str | None,
    warnings: list[Problem],
    source: DuplicateSource = DuplicateSource.CAPTURE,
) -> SavedHousehold:
    """Common end of create and update: duplicates, search index, keys."""
    session.flush()
    live = [m for m in household.members if m.deleted_at is None]
    people = person_records(clean, household.id, [m.id for m in live])
    views, flat = _look_alikes(session, people)
    if views and not (duplicate_note or "").strip():
        raise PossibleDuplicates(views)
    recorded = (
        duplicates.record_candidates(session, actor, flat, source=source, note=duplicate_note or "")
        if flat
        else 0
    )
    duplicates.store_keys(session, people)
    search.index_households(session, [household.id])
    return SavedHousehold(household.id, household.code, tuple(warnings), recorded)


def create_household(
    session: Session, actor: Actor, data: HouseholdInput, *, duplicate_note: str | None = None
) -> SavedHousehold:
    clean, warnings = _validated(session, actor, data)
    household = Household(
        code=reserve_codes(session, HOUSEHOLD, 1)[0],
        registered_by_id=actor.user_id,
        **household_values(clean),
    )
    for m, phone in zip(data.members, clean.member_phones, strict=True):
        member = Member(**member_values(m, phone))
        member.identifiers = _identifiers(m)
        household.members.append(member)
    session.add(household)
    saved = _finish(session, actor, household, clean, duplicate_note=duplicate_note, warnings=warnings)
    audit.record(
        session,
        actor,
        action="household.created",
        entity_type="household",
        entity_id=household.id,
        summary=household.code,
        after=_snapshot(household),
    )
    return saved


def _load(session: Session, household_id: uuid.UUID) -> Household:
    """The household with its members and their documents; from the session when it holds them already
    (loaded by `preload`, or earlier in the same call), otherwise in three queries."""
    household = session.identity_map.get(identity_key(Household, household_id))
    if not isinstance(household, Household) or "members" in inspect(household).unloaded:
        household = session.execute(
            select(Household)
            .options(selectinload(Household.members).selectinload(Member.identifiers))
            .where(Household.id == household_id)
        ).scalar_one_or_none()
    if household is None or household.deleted_at is not None:
        raise NotFound(_("This household no longer exists."))
    return household


def preload(session: Session, household_ids: list[uuid.UUID]) -> list[Any]:
    """Load these households, members, documents, villages and pay points in a few queries, for the calls
    that follow (an import updating thousands would otherwise make five queries for each). The session
    holds objects only while someone refers to them: keep the returned list until done."""
    found: list[Any] = list(
        session.execute(
            select(Household)
            .options(selectinload(Household.members).selectinload(Member.identifiers))
            .where(Household.id.in_(household_ids))
        ).scalars()
    )
    places = {h.location_id for h in found}
    pay_points = {h.preferred_pay_point_id for h in found if h.preferred_pay_point_id}
    found += session.execute(select(Location).where(Location.id.in_(places))).scalars()
    found += session.execute(select(PayPoint).where(PayPoint.id.in_(pay_points))).scalars()
    return found


def update_household(
    session: Session,
    actor: Actor,
    data: HouseholdInput,
    *,
    duplicate_note: str | None = None,
    source: DuplicateSource = DuplicateSource.CAPTURE,
    ctx: RegistryContext | None = None,
) -> SavedHousehold:
    """Members with an id are updated, new ones added, and stored members left out are removed (tombstoned)."""
    if data.id is None:
        raise ValidationError(_("This household has not been saved yet."))
    clean, warnings = _validated(session, actor, data, ctx)
    household = _load(session, data.id)
    location_path = session.get_one(Location, household.location_id).path  # held by the session, often
    actor.require_location(location_path)  # the household's current village, as well as the new one
    if not changes_of(session, clean).any:
        return SavedHousehold(household.id, household.code, tuple(warnings), 0, changed=False)
    before = _snapshot(household)
    moved = household.location_id != clean.location.id
    for name, value in household_values(clean).items():
        setattr(household, name, value)
    stored = {m.id: m for m in household.members if m.deleted_at is None}
    wanted = {m.id for m in data.members if m.id}
    now = utcnow()
    # Clear every role first and flush, so the one-head / one-primary-recipient indexes never see two
    # heads at once while the new roles are written (e.g. when the head and the spouse swap).
    for member_id, member in stored.items():
        member.relation_to_head = Relationship.OTHER
        member.recipient_role = None
        if member_id not in wanted:
            member.deleted_at = now
    session.flush()
    for m, phone in zip(data.members, clean.member_phones, strict=True):
        if m.id and m.id in stored:
            member = stored[m.id]
            for name, value in member_values(m, phone).items():
                setattr(member, name, value)
            member.identifiers = _identifiers(m)
        else:
            member = Member(**member_values(m, phone))
            member.identifiers = _identifiers(m)
            household.members.append(member)
    saved = _finish(
        session, actor, household, clean, duplicate_note=duplicate_note, warnings=warnings, source=source
    )
    if moved:
        _follow_the_move(session, household.id)
    audit.record(
        session,
        actor,
        action="household.updated",
        entity_type="household",
        entity_id=household.id,
        summary=household.code,
        before=before,
        after=_snapshot(household),
    )
    return saved


def _follow_the_move(session: Session, household_id: uuid.UUID) -> None:
    """A household moved to another village: its members and enrolments are pushed again, so that the
    server files them under the new place (each record carries its household's place) and the devices
    of the old district withdraw them (cashdesk/sync/withdrawal.py). Its payment lines and events stay
    the old pay point's history."""
    for model in (Member, Enrolment):
        session.execute(
            update(model)
            .where(model.household_id == household_id, model.deleted_at.is_(None))
            .values(dirty=True, version=model.version + 1, updated_at=utcnow())
        )


@dataclass(frozen=True)
class HouseholdDetail:
    id: uuid.UUID
    code: str
    village: str
    input: HouseholdInput
    open_duplicates: int


def get_household(session: Session, actor: Actor, household_id: uuid.UUID) -> HouseholdDetail:
    """The household as the editor shows it."""
    detail = stored_household(session, actor, household_id)
    flags = duplicates.open_candidates_of(session, [m.id for m in detail.input.members if m.id])
    return dataclasses.replace(detail, open_duplicates=flags)


def stored_household(session: Session, actor: Actor, household_id: uuid.UUID) -> HouseholdDetail:
    """The household as stored, without counting its open duplicate flags (open_duplicates is 0)."""
    actor.require(Permission.VIEW_REGISTRY)
    household = _load(session, household_id)
    location = session.get_one(Location, household.location_id)
    actor.require_location(location.path)
    pay_point = (
        session.get(PayPoint, household.preferred_pay_point_id) if household.preferred_pay_point_id else None
    )
    members = [m for m in household.members if m.deleted_at is None]
    members.sort(key=lambda m: (m.relation_to_head != Relationship.HEAD, m.birth_year or 0))
    data = HouseholdInput(
        id=household.id,
        location_code=location.code,
        address=household.address or "",
        gps_latitude=household.gps_latitude,
        gps_longitude=household.gps_longitude,
        pay_point_code=pay_point.code if pay_point else "",
        payment_method=household.payment_method.value,
        payment_account=household.payment_account or "",
        custom_fields=dict(household.custom_fields or {}),
        source_ref=household.source_ref,
        members=[
            MemberInput(
                id=m.id,
                given_name=m.given_name,
                family_name=m.family_name,
                other_names=m.other_names or "",
                sex=m.sex.value,
                relation_to_head=m.relation_to_head.value,
                date_of_birth=m.date_of_birth,
                birth_year=m.birth_year,
                recipient_role=m.recipient_role.value if m.recipient_role else None,
                phone=m.phone or "",
                disability=m.disability,
                identifiers=[IdentifierInput(i.id_type, i.number) for i in m.identifiers],
                custom_fields=dict(m.custom_fields or {}),
                source_ref=m.source_ref,
            )
            for m in members
        ],
    )
    return HouseholdDetail(household.id, household.code, location.name, data, 0)
