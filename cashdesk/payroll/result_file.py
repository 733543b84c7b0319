"""A payment service provider's result file, read into one common shape whatever the provider's format.

Providers answer a payroll with a CSV or XLSX file of their own making. A profile says which column is
which field; three ship with CashDesk and a supervisor may save more:

- `cashdesk`: this project's payment file (cashdesk payroll export) with its paid / receipt columns
  filled in at the pay point or by the provider, the way openIMIS reconciles offline;
- `generic`: one row per payment in plain words (transaction number, status, amount, ...);
- `mobile-money`: the shape mobile money operators' bulk-payment reports take (transaction reference,
  provider transaction id, MSISDN, amount, currency, status, failure reason, completion time).

Without a profile named, the one that recognises most of the file's columns is taken. Each value is read
as people and spreadsheets write it: amounts with thousands separators or a decimal comma, dates day
first, status words in the operators' many spellings. A value that cannot be read is a problem naming
its row and field; the caller refuses the whole file when there is any (nothing is half-applied).
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, never_abort, no_progress
from cashdesk.core.tables import TableInfo, iter_rows, normalise_header, open_table
from cashdesk.models import ResultProfile
from cashdesk.models.payments import ResultStatus
from cashdesk.payroll import numbers
from cashdesk.security.permissions import Actor, Permission

REQUIRED = ("transaction_number", "status")
FIELDS = (
    "transaction_number",
    "status",
    "amount",
    "amount_due",  # taken when `amount` is empty (our payment file: the amount due, when paid in full)
    "currency",
    "provider_transaction_id",
    "account",
    "name",
    "failure_reason",
    "error_code",
    "completed_at",
    "fee",
    "reference",  # the payroll's code, when the provider sends it back
)


@dataclass(frozen=True)
class Profile:
    name: str
    label: str
    aliases: Mapping[str, tuple[str, ...]]  # field -> headers it may have, first found wins
    built_in: bool = True


BUILT_IN: dict[str, Profile] = {
    profile.name: profile
    for profile in (
        Profile(
            "cashdesk",
            _("CashDesk payment file, paid columns filled in"),
            {
                "transaction_number": ("transaction_number",),
                "status": ("paid",),
                "amount": ("amount_paid",),
                "amount_due": ("amount",),
                "currency": ("currency",),
                "provider_transaction_id": ("receipt_number",),
                "account": ("phone_or_account",),
                "name": ("recipient_name",),
                "failure_reason": ("not_paid_reason",),
                "completed_at": ("paid_on",),
                "reference": ("reference",),
            },
        ),
        Profile(
            "generic",
            _("Generic result file, one row per payment"),
            {
                "transaction_number": ("transaction number", "transaction no", "txn", "payment number"),
                "status": ("status", "result", "payment status"),
                "amount": ("amount", "amount paid", "paid amount"),
                "currency": ("currency",),
                "provider_transaction_id": (
                    "provider transaction id",
                    "provider reference",
                    "receipt number",
                ),
                "account": ("account", "phone", "phone or account", "account number"),
                "name": ("name", "recipient name", "beneficiary name"),
                "failure_reason": ("failure reason", "reason", "not paid reason", "error message"),
                "error_code": ("error code", "failure code"),
                "completed_at": ("completed at", "paid at", "paid on", "payment date", "date"),
                "fee": ("fee", "charge"),
                "reference": ("payroll", "payroll code", "reference", "batch"),
            },
        ),
        Profile(
            "mobile-money",
            _("Mobile money operator's bulk payment report"),
            {
                "transaction_number": (
                    "transaction reference",
                    "client reference",
                    "external reference",
                    "external id",
                    "reference",
                    "originator conversation id",
                ),
                "status": ("status", "transaction status", "result", "result type"),
                "amount": ("amount", "transaction amount", "withdrawn"),
                "currency": ("currency", "currency code"),
                "provider_transaction_id": (
                    "provider transaction id",
                    "transaction id",
                    "receipt no",
                    "receipt number",
                    "financial transaction id",
                    "mpesa receipt",
                ),
                "account": ("msisdn", "account", "phone number", "mobile number", "other party info"),
                "name": ("receiver name", "recipient name", "customer name", "name"),
                "failure_reason": ("failure reason", "result description", "reason", "error description"),
                "error_code": ("result code", "error code", "failure code"),
                "completed_at": ("completion time", "completed at", "transaction time", "completed"),
                "fee": ("fee", "charges", "transaction fee"),
                "reference": ("batch reference", "batch name", "batch id"),
            },
        ),
    )
}

# Status words as providers and people write them.
STATUS_WORDS: dict[ResultStatus, tuple[str, ...]] = {
    ResultStatus.PAID: (
        "paid", "success", "successful", "succeeded", "completed", "complete", "done", "processed",
        "yes", "y", "true", "1", "ok", "transaction successful", "oui", "paye",
    ),
    ResultStatus.FAILED: (
        "failed", "failure", "fail", "unsuccessful", "not paid", "unpaid", "no", "n", "false", "0",
        "rejected", "declined", "error", "cancelled", "canceled", "expired", "timeout", "timed out", "non",
        "echec",
    ),
    ResultStatus.PENDING: ("pending", "processing", "in progress", "queued", "submitted", "initiated", ""),
    ResultStatus.REVERSED: ("reversed", "refunded", "returned", "reversal"),
}  # fmt: skip
_STATUS = {normalise_header(word): status for status, words in STATUS_WORDS.items() for word in words}

DATE_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%d %b %Y %H:%M",
    "%d %b %Y",
)
_CURRENCY_AROUND = re.compile(r"^[A-Za-z]{3}(?=[\d.,])|(?<=[\d.,])[A-Za-z]{3}$")


class Problem(NamedTuple):
    row: int
    field: str
    message: str


@dataclass(slots=True)
class Answer:
    """The provider's answer for one payment (one row of its file)."""

    row: int
    transaction_number: str
    status: ResultStatus
    raw_status: str
    amount_minor: int | None
    currency: str | None
    provider_transaction_id: str | None
    account: str | None
    name: str | None
    failure_reason: str | None
    error_code: str | None
    completed_at: datetime | None
    fee_minor: int | None
    reference: str | None


# --- profiles and columns ----------------------------------------------------------------------------


def saved_profiles(session: Session) -> list[Profile]:
    return [
        Profile(p.name, p.name, {field: (header,) for field, header in p.mapping.items()}, built_in=False)
        for p in session.scalars(select(ResultProfile).order_by(ResultProfile.name))
    ]


def all_profiles(session: Session) -> list[Profile]:
    return [*BUILT_IN.values(), *saved_profiles(session)]


def _columns_for(profile: Profile, headers: tuple[str, ...]) -> dict[str, int]:
    """field -> column index, for the fields of `profile` the file has a column for."""
    by_normalised: dict[str, int] = {}
    for i, header in enumerate(headers):
        by_normalised.setdefault(normalise_header(header), i)
    columns: dict[str, int] = {}
    taken: set[int] = set()
    for field, aliases in profile.aliases.items():
        for alias in aliases:
            index = by_normalised.get(normalise_header(alias))
            if index is not None and index not in taken:
                columns[field] = index
                taken.add(index)
                break
    return columns


def _profile_columns(session: Session, info: TableInfo, profile: str | None) -> tuple[str, dict[str, int]]:
    """The named profile's columns for this file, or those of the profile that fits it best."""
    profiles = {p.name: p for p in all_profiles(session)}
    if profile:
        chosen = profiles.get(profile)
        if chosen is None:
            raise ValidationError(
                _("There is no result-file profile called {name} (profiles: {names}).").format(
                    name=profile, names=", ".join(profiles)
                ),
                field="profile",
            )
        return chosen.name, _columns_for(chosen, info.headers)
    # The profile that finds the required fields and most of the others in this file's header.
    scored = [(p, _columns_for(p, info.headers)) for p in profiles.values()]
    best, columns = max(scored, key=lambda pc: (all(f in pc[1] for f in REQUIRED), len(pc[1])))
    return best.name, columns


def resolve_columns(
    session: Session, info: TableInfo, *, profile: str | None, overrides: Mapping[str, str]
) -> tuple[str, dict[str, int]]:
    """(profile name, field -> column index). `overrides` maps a column header to a field ("" drops it)."""
    name, columns = _profile_columns(session, info, profile)
    by_normalised = {normalise_header(h): i for i, h in enumerate(info.headers)}
    for header, field in overrides.items():
        index = by_normalised.get(normalise_header(header))
        if index is None:
            raise ValidationError(
                _("{file} has no column {col} (columns: {cols}).").format(
                    file=info.path.name, col=header, cols=", ".join(info.headers)
                ),
                field="mapping",
            )
        if field and field not in FIELDS:
            raise ValidationError(
                _("{field} is not a result-file field ({fields}).").format(
                    field=field, fields=", ".join(FIELDS)
                ),
                field="mapping",
            )
        columns = {f: i for f, i in columns.items() if i != index and f != field}
        if field:
            columns[field] = index
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        raise ValidationError(
            _(
                "{file}: no column for {fields} (columns: {cols}). Choose a profile or map the columns "
                '(e.g. --map "Payment ref=transaction_number").'
            ).format(file=info.path.name, fields=", ".join(missing), cols=", ".join(info.headers)),
            field="mapping",
        )
    return name, columns


@dataclass(frozen=True)
class FileColumns:
    """A result file's columns as a profile reads them, for the supervisor to check before importing."""

    file_name: str
    profile: str
    headers: tuple[str, ...]
    fields: dict[str, str]  # header -> field, for the headers the profile reads
    missing: tuple[str, ...]  # required fields no column gives
    example: tuple[str, ...] = ()  # the first row of data, one value per header


def result_columns(session: Session, actor: Actor, *, path: Path, profile: str | None = None) -> FileColumns:
    actor.require(Permission.RECONCILE_PAYROLLS)
    info = open_table(path)
    name, columns = _profile_columns(session, info, profile)
    first = next(iter(iter_rows(info)), None)
    return FileColumns(
        path.name, name, info.headers, {info.headers[i]: f for f, i in columns.items()},
        tuple(f for f in REQUIRED if f not in columns), first.values if first else (),
    )  # fmt: skip


def save_profile(session: Session, name: str, info: TableInfo, columns: Mapping[str, int]) -> None:
    """Keep the mapping used for this file under `name` (a built-in profile's name cannot be taken)."""
    name = name.strip()
    if not name or name in BUILT_IN:
        raise ValidationError(
            _("Give the profile a name of its own (not {names}).").format(names=", ".join(BUILT_IN)),
            field="save_profile",
        )
    mapping = {field: info.headers[index] for field, index in columns.items()}
    existing = session.scalars(select(ResultProfile).where(ResultProfile.name == name)).first()
    if existing is None:
        session.add(ResultProfile(name=name, mapping=mapping))
    else:
        existing.mapping = mapping


# --- values ------------------------------------------------------------------------------------------


def parse_amount(text: str, minor_units: int) -> int:
    """'6,500.00', '6.500,00', '6 500', '6500,5', 'MWK 6,500' -> minor units. Raises ValueError."""
    value = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    value = _CURRENCY_AROUND.sub("", value)
    if "," in value and "." in value:  # the later one is the decimal separator
        thousands = "," if value.rfind(",") < value.rfind(".") else "."
        value = value.replace(thousands, "").replace(",", ".")
    elif "," in value:
        head, *groups = value.split(",")
        if len(groups) == 1 and len(groups[0]) != 3:
            value = f"{head}.{groups[0]}"  # a decimal comma: 6500,5 or 6500,50
        elif all(len(g) == 3 for g in groups) and 0 < len(head) <= 3:
            value = value.replace(",", "")
        else:
            raise ValueError(text)
    elif value.count(".") > 1:
        head, *groups = value.split(".")
        if not (all(len(g) == 3 for g in groups) and 0 < len(head) <= 3):
            raise ValueError(text)
        value = value.replace(".", "")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(text) from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(text)
    minor = amount.scaleb(minor_units)
    if minor != minor.to_integral_value():
        raise ValueError(text)
    return int(minor)


_NORMAL_NUMBER = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]+$")  # already as CashDesk writes it: nothing to normalise
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def parse_time(text: str) -> datetime:
    """A completion time as providers write it (ISO, or day first); without a zone it is local time."""
    value = text.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = _day_first(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=_local_zone(moment.date()))


def _day_first(value: str) -> datetime:
    match = _DAY_FIRST.match(value)  # the usual shape, without strptime's cost for each of 100,000 rows
    if match:
        day, month, year, hour, minute, second = match.groups()
        return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    raise ValueError(value)


@cache
def _local_zone(day: date) -> tzinfo | None:
    """The laptop's time zone on that day (its offset, summer time included), asked once per day."""
    return datetime(day.year, day.month, day.day, 12).astimezone().tzinfo


def parse_status(text: str) -> ResultStatus:
    status = _STATUS.get(text.strip().lower())  # most rows: a plain word, found without normalising
    if status is None:
        status = _STATUS.get(normalise_header(text))
    if status is None:
        raise ValueError(text)
    return status


# --- rows --------------------------------------------------------------------------------------------


def read_answers(
    info: TableInfo,
    columns: Mapping[str, int],
    *,
    currency: str,
    minor_units: int,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
    warnings: list[str] | None = None,
) -> tuple[list[Answer], list[Problem]]:
    """Every row of the file as an Answer, and a Problem for each value that cannot be read."""
    answers: list[Answer] = []
    problems: list[Problem] = []
    short_last = _cut_short(info)

    def cell(values: tuple[str, ...], field: str) -> str:
        index = columns.get(field)
        return values[index] if index is not None else ""

    number = 0
    for number, values in iter_rows(info, progress=progress, abort=abort or never_abort(), warnings=warnings):
        row_problems = len(problems)
        txn = cell(values, "transaction_number")
        if not txn:
            problems.append(Problem(number, "transaction_number", _("is empty.")))
        raw_status = cell(values, "status")
        try:
            status = parse_status(raw_status)
        except ValueError:
            problems.append(
                Problem(
                    number,
                    "status",
                    _(
                        "\u201c{value}\u201d is not a status CashDesk knows (say paid, failed, "
                        "pending or reversed)."
                    ).format(value=raw_status),
                )
            )
            status = ResultStatus.PENDING
        amount = _amount(
            cell(values, "amount") or cell(values, "amount_due"), minor_units, number, "amount", problems
        )
        fee = _amount(cell(values, "fee"), minor_units, number, "fee", problems)
        row_currency = cell(values, "currency").upper() or None
        if row_currency and row_currency != currency:
            problems.append(
                Problem(
                    number,
                    "currency",
                    _("{found}, but the payroll pays in {currency}.").format(
                        found=row_currency, currency=currency
                    ),
                )
            )
        completed_text = cell(values, "completed_at")
        completed_at = None
        if completed_text:
            try:
                completed_at = parse_time(completed_text)
            except ValueError:
                problems.append(
                    Problem(
                        number,
                        "completed_at",
                        _("\u201c{value}\u201d is not a date and time.").format(value=completed_text),
                    )
                )
        if len(problems) > row_problems:
            continue
        answers.append(
            Answer(
                row=number,
                transaction_number=txn if _NORMAL_NUMBER.match(txn) else numbers.normalise(txn),
                status=status,
                raw_status=raw_status[:64],
                amount_minor=amount,
                currency=row_currency,
                provider_transaction_id=cell(values, "provider_transaction_id")[:64] or None,
                account=cell(values, "account")[:64] or None,
                name=cell(values, "name")[:160] or None,
                failure_reason=cell(values, "failure_reason")[:255] or None,
                error_code=cell(values, "error_code")[:64] or None,
                completed_at=completed_at,
                fee_minor=fee,
                reference=cell(values, "reference") or None,
            )
        )
    if short_last is not None and number:
        if answers and answers[-1].row == number:
            answers.pop()
        problems = [p for p in problems if p.row != number]  # the cut explains them
        problems.append(
            Problem(number, "row", _("has {n} of {m} columns and the file ends there: it looks cut short. Ask "
                                     "the provider for the whole file.").format(n=short_last, m=len(info.headers)))
        )  # fmt: skip
    return answers, problems


def _cut_short(info: TableInfo) -> int | None:
    """The number of cells of a CSV file's last line when the file stops in the middle of a row: no line
    break at its end and fewer cells than the header names (a download or a copy interrupted)."""
    if info.kind != "csv" or info.encoding is None or info.delimiter is None:
        return None
    with info.path.open("rb") as handle:
        handle.seek(max(0, info.size_bytes - 65536))
        tail = handle.read()
    if tail.endswith((b"\n", b"\r", b"\n\x00")):
        return None
    last = tail.decode(info.encoding, errors="replace").splitlines()[-1:]
    if not last:
        return None
    cells = next(csv.reader([last[0]], delimiter=info.delimiter), [])
    return len(cells) if len(cells) < len(info.headers) else None


def _amount(text: str, minor_units: int, row: int, field: str, problems: list[Problem]) -> int | None:
    if not text:
        return None
    try:
        return parse_amount(text, minor_units)
    except ValueError:
        problems.append(Problem(row, field, _("\u201c{value}\u201d is not an amount.").format(value=text)))
        return None


def profile_choices(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(name, label) of every profile, the built-in ones first, for a supervisor to choose from."""
    actor.require(Permission.RECONCILE_PAYROLLS)
    return [(p.name, p.label) for p in all_profiles(session)]
