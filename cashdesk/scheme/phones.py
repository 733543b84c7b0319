"""Mobile numbers: accept what people type, store E.164, refuse what cannot be a number of the country."""

from __future__ import annotations

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.scheme.countries import COUNTRIES, Country


def normalise_phone(raw: str, country_code: str, *, field: str = "phone") -> str:
    """'0881 234 567', '+265 881-234-567' or '00265881234567' -> '+265881234567' (for Malawi).

    Raises ValidationError when the number is not a mobile number of the scheme's country.
    """
    country: Country = COUNTRIES[country_code]
    digits = "".join(filter(str.isdigit, raw))
    text = raw.strip()
    if text.startswith("+") or text.startswith("00"):
        digits = digits[2:] if text.startswith("00") else digits
        if not digits.startswith(country.dialling_code):
            raise ValidationError(
                _("{number} is not a {country} number (it should start with +{code}).").format(
                    number=raw.strip(), country=country.name, code=country.dialling_code
                ),
                field=field,
            )
        national = digits[len(country.dialling_code) :]
    elif (
        digits.startswith(country.dialling_code)
        and len(digits) == len(country.dialling_code) + country.national_length
    ):
        national = digits[len(country.dialling_code) :]
    else:
        national = digits[1:] if digits.startswith("0") else digits  # trunk prefix
    if len(national) != country.national_length or not national.startswith(country.mobile_prefixes):
        raise ValidationError(
            _(
                "{number} is not a valid {country} mobile number ({n} digits after +{code}, starting with {prefixes})."
            ).format(
                number=raw.strip(),
                country=country.name,
                n=country.national_length,
                code=country.dialling_code,
                prefixes=" or ".join(country.mobile_prefixes),
            ),
            field=field,
        )
    return f"+{country.dialling_code}{national}"


def national_number(e164: str, country_code: str) -> str:
    """'+265881234567' -> '881234567': what people type after the leading 0."""
    code = COUNTRIES[country_code].dialling_code
    return e164[1 + len(code) :] if e164.startswith("+" + code) else e164.lstrip("+")
