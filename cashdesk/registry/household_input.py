"""What a household looks like on the way in (from the editor or an import row group), and its rules.

The same rules serve the editor (inline messages), the import preview (a message per row and field) and
the services (which refuse to save anything with an error). They are pure: everything they need from the
database comes in a `RegistryContext`.
"""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any, Protocol, TypeVar

import jsonschema

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.models.registry import PaymentMethod, RecipientRole, Relationship, Sex
from cashdesk.scheme.phones import normalise_phone

OLDEST_AGE = 120
# Kinds of identity document the editor offers first (any other kind may be typed).
ID_TYPES = ("national_id", "birth_certificate", "voter_card", "passport", "driving_licence", "other")
ERROR, WARNING = "error", "warning"
Choice = TypeVar("Choice", bound=enum.StrEnum)

# What no name, address, number or reference holds: control characters (C0, DEL, C1; a tab or a line
# break inside a name breaks every list, sheet and file it goes to), the line and paragraph separators,
# and the invisible bidirectional controls that make a text display other than it reads (U+202A-E,
# U+2066-9), and U+FFFE/U+FFFF, which are no characters at all and which XML (so an XLSX file) cannot
# hold. Letters of every script, accents, apostrophes, hyphens and joiners (U+200C/D, which some scripts
# need) are all kept.
_NOT_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffe\uffff]")


@dataclass(slots=True)
class IdentifierInput:
    id_type: str
    number: str
    # Read from a file: its columns (kind, number), e.g. ("id_type_2", "id_number_2"), so a problem names
    # the column the user must correct rather than the document's place in the member's list.
    columns: tuple[str, str] | None = None

    def fields(self, j: int) -> tuple[str, str]:
        """The problem fields of its kind and its number, as the j-th document of its member."""
        return self.columns or (f"identifiers[{j}].id_type", f"identifiers[{j}].number")


@dataclass(slots=True)
class MemberInput:
    given_name: str
    family_name: str
    sex: str
    relation_to_head: str
    other_names: str = ""
    date_of_birth: date | None = None
    birth_year: int | None = None  # when only the year (or an estimated age) is known
    recipient_role: str | None = None
    phone: str = ""
    disability: bool | None = False  # None: not given (a blank cell of an import), read as no
    identifiers: list[IdentifierInput] = field(default_factory=list)
    custom_fields: dict[str, Any] = field(default_factory=dict)
    source_ref: str | None = None
    id: uuid.UUID | None = None  # set when editing an existing member
    row: int | None = None  # the import row it came from, for messages


@dataclass
class HouseholdInput:
    location_code: str
    members: list[MemberInput]
    address: str = ""
    gps_latitude: Decimal | None = None
    gps_longitude: Decimal | None = None
    pay_point_code: str = ""
    payment_method: str = PaymentMethod.CASH.value
    payment_account: str = ""
    custom_fields: dict[str, Any] = field(default_factory=dict)
    source_ref: str | None = None
    id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    field: str  # household fields by name; member fields as "members[i].name"
    message: str
    severity: str = ERROR
    member_index: int | None = None
    row: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


@dataclass(frozen=True)
class LocationRef:
    id: uuid.UUID
    code: str
    name: str
    level: str
    path: str


@dataclass(frozen=True)
class PayPointRef:
    id: uuid.UUID
    code: str
    provider_id: uuid.UUID


@dataclass
class RegistryContext:
    """Lookups the rules need, loaded once per save or per import."""

    country: str
    today: date
    locations: dict[str, LocationRef]  # by upper-case code (an import may add villages it creates)
    pay_points: Mapping[str, PayPointRef]  # by upper-case code
    custom_fields_schema: Mapping[str, Any] = field(
        default_factory=dict
    )  # {"household": {...}, "member": {...}}


@dataclass
class CleanHousehold:
    """A household that passed the rules, with values normalised for storage."""

    data: HouseholdInput
    location: LocationRef
    pay_point: PayPointRef | None
    payment_account: str | None
    member_phones: list[str | None]


def normalise_id_number(number: str) -> str:
    if number.isalnum():  # the usual case, without a character-by-character pass
        return number.upper()
    return "".join(ch for ch in number.upper() if ch.isalnum())


@cache
def _enum_spellings(allowed: type[Choice]) -> dict[str, Choice]:
    """Choice by accepted spelling (value or name, lower case): an import reads millions of cells."""
    return {spelling.lower(): m for m in allowed for spelling in (m.value, m.name)}


def _enum_choice(value: str, allowed: type[Choice]) -> Choice | None:
    return _enum_spellings(allowed).get(value.strip().lower())


class _ChoiceOf(Protocol):
    def __call__(self, value: str, allowed: type[Choice]) -> Choice | None: ...


# The choice a typed value means: its value or its name, in any case ("F", "female"), or None.
# Remembered per (text, choices) in C: an import asks seven times per person, for a handful of spellings.
# Bounded, so that a file full of odd spellings cannot make it grow without end.
enum_choice: _ChoiceOf = lru_cache(maxsize=4096)(_enum_choice)


def _check_birth(m: MemberInput, ctx: RegistryContext, add: Any) -> None:
    if m.date_of_birth is not None:
        if m.date_of_birth > ctx.today:
            add(
                "date_of_birth",
                _("The date of birth {d} is in the future.").format(d=m.date_of_birth.isoformat()),
            )
        elif m.date_of_birth.year < ctx.today.year - OLDEST_AGE:
            add(
                "date_of_birth",
                _("A date of birth before {y} is not possible.").format(y=ctx.today.year - OLDEST_AGE),
            )
    elif m.birth_year is None:
        add("date_of_birth", _("Give a date of birth, a year of birth or an estimated age."))
    elif not ctx.today.year - OLDEST_AGE <= m.birth_year <= ctx.today.year:
        add("date_of_birth", _("The year of birth {y} is not possible.").format(y=m.birth_year))


def text_problem(value: str) -> str | None:
    """The message for a text that holds a character no registry text may hold, or None."""
    found = _NOT_TEXT.search(value)
    if found is None:
        return None
    char = found.group()
    if char == "\t":
        what = _("a tab")
    elif char in "\r\n":
        what = _("a line break")
    elif char in "\ufffe\uffff":
        what = _("U+{code:04X}, which is no character").format(code=ord(char))
    else:
        what = _("an invisible control character (U+{code:04X})").format(code=ord(char))
    return _("Contains {what}, which cannot be stored: type the value again without it.").format(what=what)


def _check_texts(values: Mapping[str, Any], add: Any) -> None:
    """Refuse control characters in each text of `values` (field name -> value)."""
    texts = [(name, value) for name, value in values.items() if isinstance(value, str)]
    # One search over all of them first: an import checks every member, and nearly all are clean.
    if not _NOT_TEXT.search("".join(value for _name, value in texts)):
        return
    for name, value in texts:
        if message := text_problem(value):
            add(name, message)


def _member_texts(m: MemberInput) -> dict[str, Any]:
    texts: dict[str, Any] = {
        "given_name": m.given_name,
        "family_name": m.family_name,
        "other_names": m.other_names,
        "phone": m.phone,
        "source_ref": m.source_ref,
    }
    for j, ident in enumerate(m.identifiers):
        kind_field, number_field = ident.fields(j)
        texts[kind_field] = ident.id_type
        texts[number_field] = ident.number
    texts.update({f"custom.{name}": value for name, value in m.custom_fields.items()})
    return texts


def _check_codes(m: MemberInput, add: Any) -> None:
    names = (("given_name", m.given_name), ("family_name", m.family_name))
    for name, value in names:
        if len(value.strip()) > 80:
            add(name, _("At most 80 characters."))
    blank = [name for name, value in names if not value.strip()]
    if len(blank) == 2:
        add("given_name", _("A name is required."))
    elif blank:  # many cultures use a single name: say so, and let it be saved
        add(
            blank[0],
            _("Only one name: right for people known by a single name; otherwise add the other."),
            WARNING,
        )
    if enum_choice(m.sex, Sex) is None:
        add("sex", _("Sex must be F or M."))
    if enum_choice(m.relation_to_head, Relationship) is None:
        add(
            "relation_to_head",
            _("Relationship must be one of: head, spouse, child, parent, grandchild, other."),
        )
    if m.recipient_role and enum_choice(m.recipient_role, RecipientRole) is None:
        add("recipient_role", _("Recipient must be primary, secondary or blank."))
    for j, ident in enumerate(m.identifiers):
        kind_field, number_field = ident.fields(j)
        if ident.number.strip() and not ident.id_type.strip():
            add(kind_field, _("Say what kind of document the number {n} is.").format(n=ident.number))
        elif ident.number.strip() and len(normalise_id_number(ident.number)) < 3:
            add(number_field, _("The ID number {n} is too short.").format(n=ident.number))


def _check_member(i: int, m: MemberInput, ctx: RegistryContext, out: list[Problem]) -> str | None:
    """Appends the member's problems; returns the member's phone in E.164 (or None)."""

    def add(name: str, message: str, severity: str = ERROR) -> None:
        out.append(Problem(f"members[{i}].{name}", message, severity, i, m.row))

    _check_texts(_member_texts(m), add)
    _check_codes(m, add)
    _check_birth(m, ctx, add)
    phone = None
    if m.phone.strip():
        try:
            phone = normalise_phone(m.phone, ctx.country, field="phone")
        except ValidationError as exc:
            add("phone", exc.message)
    _check_custom(ctx.custom_fields_schema.get("member"), m.custom_fields, add)
    return phone


def _check_custom(schema: Any, values: dict[str, Any], add: Any) -> None:
    if not schema:
        return
    for error in jsonschema.Draft202012Validator(schema).iter_errors(values):
        where = ".".join(str(p) for p in error.absolute_path) or (
            error.validator_value[0]
            if error.validator == "required" and error.validator_value
            else "custom_fields"
        )
        add(f"custom.{where}", error.message)


def _check_roles(members: list[MemberInput], out: list[Problem]) -> None:
    heads = [
        i for i, m in enumerate(members) if enum_choice(m.relation_to_head, Relationship) == Relationship.HEAD
    ]
    if not heads:
        out.append(Problem("members", _("The household has no head: mark one member as head.")))
    for i in heads[1:]:
        out.append(
            Problem(
                f"members[{i}].relation_to_head",
                _("The household has two heads: only one member can be head."),
                ERROR,
                i,
                members[i].row,
            )
        )
    roles = [enum_choice(m.recipient_role or "", RecipientRole) for m in members]
    primaries = [i for i, r in enumerate(roles) if r == RecipientRole.PRIMARY]
    if not primaries:
        out.append(
            Problem("members", _("The household has no primary recipient: mark who collects the payment."))
        )
    for i in primaries[1:]:
        out.append(
            Problem(
                f"members[{i}].recipient_role",
                _("Only one member can be the primary recipient."),
                ERROR,
                i,
                members[i].row,
            )
        )
    for i in [i for i, r in enumerate(roles) if r == RecipientRole.SECONDARY][1:]:
        out.append(
            Problem(
                f"members[{i}].recipient_role",
                _("Only one member can be the secondary recipient."),
                ERROR,
                i,
                members[i].row,
            )
        )


def _check_payment(
    data: HouseholdInput, ctx: RegistryContext, out: list[Problem]
) -> tuple[PayPointRef | None, str | None]:
    pay_point = None
    if data.pay_point_code.strip():
        pay_point = ctx.pay_points.get(data.pay_point_code.strip().upper())
        if pay_point is None:
            out.append(
                Problem("pay_point", _("There is no pay point {code}.").format(code=data.pay_point_code))
            )
    method = enum_choice(data.payment_method or "cash", PaymentMethod)
    account: str | None = data.payment_account.strip() or None
    if method is None:
        out.append(Problem("payment_method", _("Payment method must be cash, mobile_money or bank.")))
    elif method == PaymentMethod.MOBILE_MONEY:
        if not account:
            out.append(Problem("payment_account", _("Mobile money needs the mobile number to pay.")))
        else:
            try:
                account = normalise_phone(account, ctx.country, field="payment_account")
            except ValidationError as exc:
                out.append(Problem("payment_account", exc.message))
    elif method == PaymentMethod.BANK:
        if not account or not 5 <= len(normalise_id_number(account)) <= 34:
            out.append(
                Problem("payment_account", _("A bank payment needs the account number (5 to 34 characters)."))
            )
    elif pay_point is None:
        out.append(
            Problem("pay_point", _("No pay point: the household will not appear on a cash payroll."), WARNING)
        )
    return pay_point, (account if method != PaymentMethod.CASH else None)


def check_household(
    data: HouseholdInput, ctx: RegistryContext
) -> tuple[list[Problem], CleanHousehold | None]:
    """All problems found; the clean household only when there is no error."""
    out: list[Problem] = []
    location = ctx.locations.get(data.location_code.strip().upper())
    if location is None:
        out.append(
            Problem("location", _("There is no location {code}.").format(code=data.location_code or "—"))
        )
    elif location.level != "village":
        out.append(
            Problem(
                "location",
                _("{name} is a {level}: choose a village.").format(name=location.name, level=location.level),
            )
        )
    _check_texts(
        {
            "address": data.address,
            "payment_account": data.payment_account,
            "source_ref": data.source_ref,
            **{f"custom.{name}": value for name, value in data.custom_fields.items()},
        },
        lambda name, message: out.append(Problem(name, message)),
    )
    pay_point, account = _check_payment(data, ctx, out)
    for name, value, limit in (
        ("gps_latitude", data.gps_latitude, 90),
        ("gps_longitude", data.gps_longitude, 180),
    ):
        if value is not None and not -limit <= value <= limit:
            out.append(Problem(name, _("{value} is not a valid coordinate.").format(value=value)))
    if not data.members:
        out.append(Problem("members", _("A household needs at least one member.")))
    phones = [_check_member(i, m, ctx, out) for i, m in enumerate(data.members)]
    if data.members:
        _check_roles(data.members, out)
    _check_custom(
        ctx.custom_fields_schema.get("household"),
        data.custom_fields,
        lambda f, msg: out.append(Problem(f, msg)),
    )
    if any(p.is_error for p in out) or location is None:
        return out, None
    return out, CleanHousehold(data, location, pay_point, account, phones)
