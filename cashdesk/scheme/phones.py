"""Phone numbers with libphonenumber's metadata (phonenumbers): accept what people type, store E.164,
refuse what cannot be a mobile number of the scheme's country."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.scheme.countries import COUNTRIES

# A mobile money account or a beneficiary's phone must take calls and messages on a mobile network;
# some countries' numbers cannot be told apart (libphonenumber says "fixed line or mobile").
MOBILE = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def normalise_phone(raw: str, country_code: str, *, field: str = "phone", mobile: bool = True) -> str:
    """'0881 234 567', '+265 881-234-567' or '00265881234567' -> '+265881234567' (for Malawi).

    Raises ValidationError when the number is not a valid number of the scheme's country (a mobile
    number unless `mobile` is False: a provider's office line).
    """
    country = COUNTRIES[country_code]
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, country_code)
    except NumberParseException:
        number = None
    if number is None or not text:
        raise ValidationError(_("{number} is not a phone number.").format(number=text or '""'), field=field)
    if str(number.country_code) != country.dialling_code:
        raise ValidationError(
            _("{number} is not a {country} number (it should start with +{code}).").format(
                number=text, country=country.name, code=country.dialling_code
            ),
            field=field,
        )
    valid = phonenumbers.is_valid_number(number)
    if not valid or (mobile and phonenumbers.number_type(number) not in MOBILE):
        example = phonenumbers.example_number_for_type(country_code, PhoneNumberType.MOBILE)
        shown = (
            phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL) if example else ""
        )
        raise ValidationError(
            (
                _("{number} is not a valid {country} mobile number (such as {example}).")
                if mobile
                else _("{number} is not a valid {country} phone number (such as {example}).")
            ).format(number=text, country=country.name, example=shown),
            field=field,
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national_number(e164: str, country_code: str) -> str:
    """'+265881234567' -> '881234567': what people type after the leading 0."""
    code = COUNTRIES[country_code].dialling_code
    return e164[1 + len(code) :] if code and e164.startswith("+" + code) else e164.lstrip("+")
