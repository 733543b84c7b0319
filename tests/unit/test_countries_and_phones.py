"""Any country: ISO 3166 countries, their currencies and ISO 4217 minor units, and phone numbers by
libphonenumber's metadata (issue 21, item 6)."""

from __future__ import annotations

from pathlib import Path

import pycountry
import pytest

from cashdesk.core.errors import ValidationError
from cashdesk.scheme.countries import COUNTRIES, is_currency, minor_units
from cashdesk.scheme.create import create_scheme, validate_scheme
from cashdesk.scheme.phones import national_number, normalise_phone


def test_every_iso_3166_country_is_a_country_a_scheme_may_run_in() -> None:
    assert set(COUNTRIES) == {c.alpha_2 for c in pycountry.countries}
    assert len(COUNTRIES) >= 249
    for code in ("FR", "PE", "BD", "AF", "SO", "HT", "PH", "UA"):
        _name, country, currency = validate_scheme(
            name="A scheme", country=code.lower(), currency=COUNTRIES[code].currency
        )
        assert country == code and is_currency(currency)
    assert COUNTRIES["MW"].name == "Malawi" and COUNTRIES["MW"].currency == "MWK"
    assert COUNTRIES["TZ"].dialling_code == "255"


def test_minor_units_are_iso_4217s_where_cldr_says_otherwise() -> None:
    # CLDR (Babel) counts IQD, AFN and SOS without decimals; ISO 4217, which payment files follow, does not.
    assert (minor_units("IQD"), minor_units("AFN"), minor_units("SOS")) == (3, 2, 2)
    assert (minor_units("UGX"), minor_units("XOF"), minor_units("KWD"), minor_units("MWK")) == (0, 0, 3, 2)
    assert COUNTRIES["IQ"].currency_minor_units == 3


def test_unknown_countries_and_currencies_are_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="XZ is not an ISO 3166 country code") as refused:
        validate_scheme(name="A scheme", country="XZ", currency="MWK")
    assert refused.value.field == "country"
    for bad in ("ABC", "XAU", "mw", ""):
        with pytest.raises(ValidationError, match="not an ISO 4217 currency code") as refused:
            validate_scheme(name="A scheme", country="MW", currency=bad)
        assert refused.value.field == "currency"


def test_a_scheme_in_iraq_counts_its_money_in_fils(tmp_path: Path) -> None:
    from cashdesk.desk import open_desk
    from cashdesk.scheme.settings import scheme_info

    create_scheme(tmp_path / "iq", name="Cash for work", country="IQ", currency="IQD",
                  admin_username="admin", admin_password="admin-pass-1")  # fmt: skip
    desk = open_desk(tmp_path / "iq", "admin", "admin-pass-1")
    try:
        info = desk.run(scheme_info)
        assert (info.country_name, info.currency, info.currency_minor_units) == ("Iraq", "IQD", 3)
    finally:
        desk.close()


@pytest.mark.parametrize(
    ("typed", "country", "stored"),
    [
        ("0881 234 567", "MW", "+265881234567"),
        ("00265 99 123 4567", "MW", "+265991234567"),
        ("+254 712 345678", "KE", "+254712345678"),
        ("0803 123 4567", "NG", "+2348031234567"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("01712-345678", "BD", "+8801712345678"),
        ("0917 123 4567", "PH", "+639171234567"),
    ],
)
def test_phones_as_people_type_them_are_stored_in_e164(typed: str, country: str, stored: str) -> None:
    assert normalise_phone(typed, country) == stored
    assert national_number(stored, country) == stored[1 + len(COUNTRIES[country].dialling_code) :]


def test_numbers_that_cannot_be_a_mobile_of_the_country_are_refused_with_an_example() -> None:
    with pytest.raises(ValidationError, match=r"not a Malawi number \(it should start with \+265\)"):
        normalise_phone("+254 712 345678", "MW")
    with pytest.raises(ValidationError, match="not a valid Malawi mobile number \\(such as 0"):
        normalise_phone("0881 234", "MW")
    with pytest.raises(ValidationError, match="not a valid France mobile number"):
        normalise_phone("01 42 68 53 00", "FR")  # a Paris office line
    assert normalise_phone("01 42 68 53 00", "FR", mobile=False) == "+33142685300"
    with pytest.raises(ValidationError, match="is not a phone number") as refused:
        normalise_phone("call me", "MW", field="payment_account")
    assert refused.value.field == "payment_account"
