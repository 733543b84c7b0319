"""Amounts as people write them ("5,000.50") and as CashDesk keeps them (integer minor units)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _


def parse_amount(value: object, *, minor_units: int, where: str, allow_zero: bool = True) -> int:
    """An amount in the currency's major units (a number or text with an optional thousands separator)
    as an integer of minor units. Refuses negatives, more decimals than the currency has, and non-numbers."""
    if isinstance(value, bool) or value is None:
        raise ValidationError(_("{where}: give an amount.").format(where=where), field=where)
    text = str(value).strip().replace(",", "").replace("\u202f", "").replace(" ", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError(
            _("{where}: \u201c{value}\u201d is not an amount.").format(where=where, value=value), field=where
        ) from None
    if not amount.is_finite():
        raise ValidationError(
            _("{where}: \u201c{value}\u201d is not an amount.").format(where=where, value=value), field=where
        )
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError(
            _("{where}: the amount must be more than zero, not {value}.").format(where=where, value=value),
            field=where,
        )
    minor = amount.scaleb(minor_units)
    if minor != minor.to_integral_value():
        raise ValidationError(
            _("{where}: {value} has more decimals than the currency ({n}).").format(
                where=where, value=value, n=minor_units
            ),
            field=where,
        )
    return int(minor)


def format_amount(minor: int, *, minor_units: int, currency: str = "") -> str:
    """12345650 with 2 minor units -> "123,456.50 MWK"."""
    major = Decimal(minor).scaleb(-minor_units)
    text = f"{major:,.{minor_units}f}"
    return f"{text} {currency}".strip()
