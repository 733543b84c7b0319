"""FHIR primitive values <-> Python values: dates, UTC datetimes, exact decimals, money, JSON text."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


def day(value: date) -> str:
    return value.isoformat()


def parse_day(text: str) -> date:
    return date.fromisoformat(text)


def moment(value: datetime) -> str:
    """A FHIR dateTime in UTC, to the microsecond: the round trip must give back the stored value."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: CashDesk keeps UTC datetimes only")
    return value.astimezone(UTC).isoformat()


def parse_moment(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:  # FHIR requires a zone whenever a time is given
        raise ValueError(f"dateTime without a time zone: {text}")
    return parsed.astimezone(UTC)


def exact(value: object) -> Decimal:
    """A FHIR decimal as a Decimal. A float can only come from a JSON parser other than `wire.loads`;
    its shortest repr is the number that was written, so it is read from that, never by arithmetic."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | str) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    raise ValueError(f"not a decimal: {value!r}")


def money(minor: int, currency: str, minor_units: int) -> dict[str, Any]:
    """Integer minor units as a FHIR Money: 1_000_000 MWK with 2 minor units is 10000.00 MWK."""
    return {"value": Decimal(minor).scaleb(-minor_units), "currency": currency}


def minor_of(amount: dict[str, Any], minor_units: int) -> int:
    """A FHIR Money's value back in integer minor units; refuses a value finer than the currency."""
    scaled = exact(amount["value"]).scaleb(minor_units)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount['value']} has more than {minor_units} decimals")
    return int(scaled)


def json_text(value: Any) -> str:
    """A JSON column's value as text: what a FHIR string can carry without losing a type or a key order."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def from_json_text(text: str) -> Any:
    return json.loads(text)
