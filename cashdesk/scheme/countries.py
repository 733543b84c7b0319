"""Country facts CashDesk needs: default currency and how a valid mobile number looks.

Mobile prefixes are the national significant number's leading digits used by mobile networks.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    currency: str
    currency_minor_units: int
    dialling_code: str
    national_length: int  # digits after the country code
    mobile_prefixes: tuple[str, ...]


COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in (
        Country("BI", "Burundi", "BIF", 0, "257", 8, ("6", "7")),
        Country("BF", "Burkina Faso", "XOF", 0, "226", 8, ("5", "6", "7")),
        Country("CD", "Congo (DRC)", "CDF", 2, "243", 9, ("8", "9")),
        Country("ET", "Ethiopia", "ETB", 2, "251", 9, ("7", "9")),
        Country("GH", "Ghana", "GHS", 2, "233", 9, ("2", "5")),
        Country("GM", "The Gambia", "GMD", 2, "220", 7, ("2", "3", "5", "6", "7", "9")),
        Country("KE", "Kenya", "KES", 2, "254", 9, ("1", "7")),
        Country("LR", "Liberia", "LRD", 2, "231", 9, ("7", "8")),
        Country("MW", "Malawi", "MWK", 2, "265", 9, ("88", "99", "98", "31")),
        Country("ML", "Mali", "XOF", 0, "223", 8, ("6", "7", "8", "9")),
        Country("MZ", "Mozambique", "MZN", 2, "258", 9, ("82", "83", "84", "85", "86", "87")),
        Country("NE", "Niger", "XOF", 0, "227", 8, ("8", "9")),
        Country("NG", "Nigeria", "NGN", 2, "234", 10, ("70", "80", "81", "90", "91")),
        Country("RW", "Rwanda", "RWF", 0, "250", 9, ("72", "73", "78", "79")),
        Country("SL", "Sierra Leone", "SLE", 2, "232", 8, ("2", "3", "7", "8", "9")),
        Country("SN", "Senegal", "XOF", 0, "221", 9, ("7",)),
        Country("TZ", "Tanzania", "TZS", 2, "255", 9, ("6", "7")),
        Country("UG", "Uganda", "UGX", 0, "256", 9, ("7",)),
        Country("ZM", "Zambia", "ZMW", 2, "260", 9, ("76", "77", "95", "96", "97")),
        Country("ZW", "Zimbabwe", "ZWG", 2, "263", 9, ("71", "73", "77", "78")),
    )
}

CURRENCY_MINOR_UNITS = {c.currency: c.currency_minor_units for c in COUNTRIES.values()} | {
    "USD": 2,
    "EUR": 2,
}
