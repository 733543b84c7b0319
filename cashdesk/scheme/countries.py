"""Country and currency facts from the published standards, not a table of our own.

- Countries: ISO 3166-1 (pycountry), named in English from CLDR (Babel) so that the names match what
  Qt and the operating system show; every country a scheme may run in.
- A country's currency: CLDR's legal tender for the territory today (Babel).
- A currency's minor units: ISO 4217's own table (the iso4217 package, from ISO's published XML). CLDR's
  "digits" differ from ISO for fifteen currencies (AFN, IQD, MMK, SOS, YER...), and what a provider's file
  and a payroll count in is ISO's.
- Dialling codes: libphonenumber's metadata (phonenumbers); phone numbers themselves are in phones.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import iso4217
import phonenumbers
import pycountry
from babel import Locale
from babel.numbers import get_territory_currencies


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name: str
    currency: str  # ISO 4217 code of its legal tender ("" for the few territories without one)
    dialling_code: str  # "265"; "" where libphonenumber has none (Antarctica)

    @property
    def currency_minor_units(self) -> int:
        return minor_units(self.currency)


def _countries() -> dict[str, Country]:
    names = Locale("en").territories
    today = date.today()
    found = {}
    for entry in pycountry.countries:
        code = entry.alpha_2
        tender = get_territory_currencies(code, today, tender=True)
        dialling = phonenumbers.country_code_for_region(code)
        found[code] = Country(
            code=code,
            name=str(names.get(code) or getattr(entry, "common_name", entry.name)),
            currency=next((c for c in tender if is_currency(c)), ""),
            dialling_code=str(dialling) if dialling else "",
        )
    return found


def is_currency(code: str) -> bool:
    """An active ISO 4217 currency code ("MWK"; not the funds and metals "XAU", "XDR", "XTS", "XXX")."""
    try:
        currency = iso4217.Currency(code.upper())
    except ValueError:
        return False
    return currency.exponent is not None


def minor_units(currency: str) -> int:
    """ISO 4217's minor units: 2 for MWK, 0 for UGX and XOF, 3 for KWD."""
    try:
        exponent = iso4217.Currency(currency.upper()).exponent
    except ValueError:
        return 2
    return 2 if exponent is None else int(exponent)


COUNTRIES: dict[str, Country] = _countries()
