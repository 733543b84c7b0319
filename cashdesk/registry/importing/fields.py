"""The import format's fields, and the spreadsheet headers each is usually called.

One row per member. A header maps to a field when its normalised text equals the field name or one of
its aliases (English and French, as registries in the field export them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cashdesk.core.tables import normalise_header

FIELDS: dict[str, tuple[str, ...]] = {
    "household_ref": (
        "household",
        "household id",
        "household ref",
        "hh id",
        "hhid",
        "household number",
        "household no",
        "id menage",
        "menage",
        "code menage",
    ),
    "member_ref": (
        "member",
        "person",
        "member id",
        "member ref",
        "individual id",
        "person id",
        "beneficiary id",
        "id individu",
        "id membre",
    ),
    "relationship": ("relation", "relationship to head", "relation to head", "lien de parente", "lien"),
    "recipient": ("recipient role", "payment recipient", "beneficiaire paiement", "recipiendaire"),
    "given_name": ("first name", "firstname", "given names", "forename", "prenom", "prenoms"),
    "family_name": ("last name", "lastname", "surname", "nom", "nom de famille"),
    "other_names": ("middle name", "middle names", "other name", "autres noms"),
    "sex": ("gender", "sexe"),
    "date_of_birth": (
        "dob",
        "birth date",
        "birthdate",
        "date of birth",
        "date de naissance",
        "year of birth",
        "birth year",
    ),
    "id_type": ("document type", "id document", "type piece", "type de piece"),
    "id_number": (
        "id no",
        "national id",
        "nid",
        "nin",
        "document number",
        "numero piece",
        "numero cni",
        "id",
    ),
    "phone": ("phone number", "mobile", "mobile number", "telephone", "tel", "msisdn", "contact"),
    "location": ("village", "location code", "village code", "localite"),
    "address": ("physical address", "adresse"),
    "payment_method": ("payment mode", "payment type", "mode de paiement"),
    "account_number": ("account", "bank account", "mobile money number", "wallet", "numero de compte"),
    "pay_point": ("pay point", "paypoint", "pay point code", "point de paiement"),
    "disability": ("disabled", "handicap"),
}
# A member's further documents: id_type_2 / id_number_2 ... (export writes as many pairs as it needs).
MORE_ID_PAIRS = (2, 3, 4)
for _k in MORE_ID_PAIRS:
    FIELDS[f"id_type_{_k}"] = (f"document type {_k}", f"type piece {_k}")
    FIELDS[f"id_number_{_k}"] = (f"id no {_k}", f"document number {_k}", f"numero piece {_k}")
REQUIRED = (
    "household_ref",
    "member_ref",
    "relationship",
    "given_name",
    "family_name",
    "sex",
    "date_of_birth",
    "location",
)


def auto_map(headers: Iterable[str], custom_fields: Iterable[str] = ()) -> dict[str, str]:
    """{header: field} for every header recognised; each field is taken by its first matching header."""
    # A field's own name first, then the scheme's fields by name, then the usual other headers: a scheme
    # field called "disabled" is that field, not the "disabled" alias of disability.
    lookup: dict[str, str] = {normalise_header(name): name for name in FIELDS}
    for name in custom_fields:
        lookup.setdefault(normalise_header(name), f"custom.{name}")
    for name, aliases in FIELDS.items():
        for alias in aliases:
            lookup.setdefault(normalise_header(alias), name)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        target = lookup.get(normalise_header(header))
        if target and target not in taken:
            mapping[header] = target
            taken.add(target)
    return mapping


def missing_required(mapping: Mapping[str, str]) -> list[str]:
    chosen = set(mapping.values())
    return [name for name in REQUIRED if name not in chosen]


def known_field(name: str, custom_fields: Iterable[str]) -> bool:
    return name in FIELDS or (name.startswith("custom.") and name[7:] in set(custom_fields))
