"""Columns carried as extensions, declared once and read back by the same declaration.

Most CashDesk columns have no FHIR element of their own. Each mapping lists them as `Field`s (column,
extension name, kind); `extensions_of` writes them and `values_of` reads them back, so a column cannot be
written one way and read another. A kind knows how its value looks in FHIR and what an absent extension
means: FHIR has no empty strings, so a blank text is left out and read back as the column's blank.
"""

from __future__ import annotations

import enum
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cashdesk.sync.mapping import values
from cashdesk.sync.mapping.elements import logical_id, logical_reference, reference, referenced_id
from cashdesk.sync.mapping.urls import extension_url

Extension = dict[str, Any]

INT32 = range(-(2**31), 2**31)  # FHIR integer


class Kind:
    """A scalar column in one extension with one value[x] key."""

    key = "valueString"
    blank: Any = None  # the column's value when the extension is absent

    def dump(self, value: Any) -> Any:
        return value

    def load(self, value: Any) -> Any:
        return value

    def to_extensions(self, url: str, value: Any) -> list[Extension]:
        if value is None or value == "":
            return []
        return [{"url": url, self.key: self.dump(value)}]

    def from_extensions(self, found: list[Extension]) -> Any:
        return self.load(found[0][self.key]) if found else self.blank


class Text(Kind):
    def __init__(self, blank: str | None = None) -> None:
        self.blank = blank


class Code(Kind):
    key = "valueCode"

    def __init__(self, enum_type: type[enum.StrEnum]) -> None:
        self.enum_type = enum_type

    def load(self, value: Any) -> Any:
        return self.enum_type(value)


class Token(Kind):
    """A code from a list the scheme keeps (a reason for not paying): a FHIR code, no enum to check."""

    key = "valueCode"


class Boolean(Kind):
    key = "valueBoolean"
    blank = False

    def to_extensions(self, url: str, value: Any) -> list[Extension]:
        return [{"url": url, self.key: bool(value)}]  # always written: absent would be a third value


class Integer(Kind):
    key = "valueInteger"


class Exact(Kind):
    """A Decimal column (a coordinate) as a FHIR decimal, digit for digit."""

    key = "valueDecimal"

    def load(self, value: Any) -> Any:
        return values.exact(value)


class Number(Kind):
    """A float column (a duplicate's score) as an exact decimal of its shortest repr."""

    key = "valueDecimal"

    def dump(self, value: Any) -> Any:
        return values.exact(value)

    def load(self, value: Any) -> Any:
        return float(values.exact(value))


class Amount(Kind):
    """Integer minor units as a FHIR Money in the row's currency (see values.money)."""

    key = "valueMoney"

    def __init__(self, currency: str, minor_units: int) -> None:
        self.currency, self.minor_units = currency, minor_units

    def dump(self, value: Any) -> Any:
        return values.money(value, self.currency, self.minor_units)

    def load(self, value: Any) -> Any:
        return values.minor_of(value, self.minor_units)


class Moment(Kind):
    key = "valueDateTime"

    def dump(self, value: Any) -> Any:
        return values.moment(value)

    def load(self, value: Any) -> Any:
        return values.parse_moment(value)


class Day(Kind):
    key = "valueDate"

    def dump(self, value: Any) -> Any:
        return values.day(value)

    def load(self, value: Any) -> Any:
        return values.parse_day(value)


class Ref(Kind):
    """A foreign key to a row that is itself a resource: a literal reference "Type/uuid"."""

    key = "valueReference"

    def __init__(self, resource_type: str) -> None:
        self.resource_type = resource_type

    def dump(self, value: Any) -> Any:
        return reference(self.resource_type, value)

    def load(self, value: Any) -> uuid.UUID:
        return referenced_id(value, self.resource_type)


class Logical(Kind):
    """A foreign key to a row that is not a resource (a user, a payment cycle): a reference by
    identifier, which a server keeps without trying to resolve it."""

    key = "valueReference"

    def __init__(self, system_name: str) -> None:
        self.system_name = system_name

    def dump(self, value: Any) -> Any:
        return logical_reference(self.system_name, value)

    def load(self, value: Any) -> uuid.UUID:
        return logical_id(value, self.system_name)


class Many(Kind):
    """A list of values, one extension each (the clerks of a pay point)."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind

    def to_extensions(self, url: str, value: Any) -> list[Extension]:
        return [ext for item in value for ext in self.kind.to_extensions(url, item)]

    def from_extensions(self, found: list[Extension]) -> Any:
        return [self.kind.load(ext[self.kind.key]) for ext in found]


class Json(Kind):
    """A JSON column (a dict or a list) as its JSON text: any shape, key order kept."""

    def __init__(self, *, nullable: bool = False) -> None:
        self.nullable = nullable

    def to_extensions(self, url: str, value: Any) -> list[Extension]:
        if value is None and self.nullable:
            return []
        return [{"url": url, self.key: values.json_text(value)}]

    def load(self, value: Any) -> Any:
        return values.from_json_text(value)


class CustomFields(Kind):
    """A scheme's own fields, one complex extension each (name, value), so that a server can search
    them: text, yes/no and whole numbers in their FHIR types, anything else (a decimal, a list, a blank,
    a null) as JSON text, because a float or an empty string has no exact FHIR form."""

    def to_extensions(self, url: str, value: Any) -> list[Extension]:
        return [
            {"url": url, "extension": [{"url": "name", "valueString": k}, self._value(v)]}
            for k, v in value.items()
        ]

    @staticmethod
    def _value(value: Any) -> Extension:
        if isinstance(value, str) and value:
            return {"url": "value", "valueString": value}
        if isinstance(value, bool):
            return {"url": "value", "valueBoolean": value}
        if isinstance(value, int) and value in INT32:
            return {"url": "value", "valueInteger": value}
        return {"url": "json", "valueString": values.json_text(value)}

    def from_extensions(self, found: list[Extension]) -> Any:
        fields: dict[str, Any] = {}
        for ext in found:
            parts = {part["url"]: part for part in ext["extension"]}
            name = parts["name"]["valueString"]
            if "json" in parts:
                fields[name] = values.from_json_text(parts["json"]["valueString"])
            else:
                value = parts["value"]
                fields[name] = next(
                    value[k] for k in ("valueString", "valueBoolean", "valueInteger") if k in value
                )
        return fields


@dataclass(frozen=True)
class Field:
    column: str
    name: str  # the extension's name under BASE/StructureDefinition/ (or a complex extension's part)
    kind: Kind


def _url(field: Field, nested: bool) -> str:
    # Parts of a complex extension are named by a bare word, FHIR's convention.
    return field.name if nested else extension_url(field.name)


def extensions_of(fields: Sequence[Field], row: object, *, nested: bool = False) -> list[Extension]:
    """The extensions carrying these columns of the row (an ORM row, or a dict of values for what is
    not a column), in declaration order."""
    out: list[Extension] = []
    for field in fields:
        value = row[field.column] if isinstance(row, dict) else getattr(row, field.column)
        out.extend(field.kind.to_extensions(_url(field, nested), value))
    return out


def values_of(
    fields: Sequence[Field], extensions: Iterable[Extension], *, nested: bool = False
) -> dict[str, Any]:
    """The columns back from the extensions; unknown extensions (a later version's) are left alone."""
    by_url: dict[str, list[Extension]] = defaultdict(list)
    for ext in extensions:
        by_url[ext["url"]].append(ext)
    return {field.column: field.kind.from_extensions(by_url.get(_url(field, nested), [])) for field in fields}


def extension(name: str, **value: Any) -> Extension:
    """One extension written by hand, e.g. extension("payroll", valueReference=...)."""
    return {"url": extension_url(name), **value}


def find_extension(element: dict[str, Any], name: str) -> Extension | None:
    url = extension_url(name)
    return next((e for e in element.get("extension", ()) if e.get("url") == url), None)
