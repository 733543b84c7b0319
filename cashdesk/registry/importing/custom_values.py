"""The scheme's own fields (its JSON Schema) in an import: spreadsheet text made into the schema's types.

A file has one column per custom field, household and member fields alike; the row parser puts them all
on the member. Here the household's fields move to the household (taken from its first row that fills
them, like the other household columns), and every value becomes what the schema says: "3" a whole
number, "yes" true. The schema's own rules (enum, minimum, ...) are then checked with the household.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from cashdesk.core.i18n import _
from cashdesk.registry.household_input import ERROR, Problem
from cashdesk.registry.importing.rows import RowGroup

_YES = frozenset(("1", "yes", "y", "true", "t", "oui", "o"))
_NO = frozenset(("0", "no", "n", "false", "f", "non"))


def _whole(text: str) -> int:
    number = _number(text)  # "3" and "3.0" (a spreadsheet's number cell) alike
    if not number.is_integer():
        raise ValueError(text)
    return int(number)


def _number(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # float() reads "nan" and "inf"
        raise ValueError(text)
    return number


def _yes_no(text: str) -> bool:
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(text)


# JSON Schema type -> how to make the value from a cell's text.
_READERS: dict[str, Callable[[str], Any]] = {"integer": _whole, "number": _number, "boolean": _yes_no}


def _unreadable(kind: str, name: str, text: str) -> str:
    # Built when needed: the language can change while the program runs.
    if kind == "integer":
        return _("{field} must be a whole number, not {value}.").format(field=name, value=text)
    if kind == "number":
        return _("{field} must be a number, not {value}.").format(field=name, value=text)
    return _("{field} must be yes or no, not {value}.").format(field=name, value=text)


def _type_of(spec: Mapping[str, Any]) -> str:
    kind = spec.get("type", "string")
    if isinstance(kind, list):  # ["integer", "null"]: the first real type
        kind = next((k for k in kind if k != "null"), "string")
    return str(kind)


class CustomFields:
    """The scheme's household and member field definitions, ready to read a file's cells."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self._household = dict((schema.get("household") or {}).get("properties", {}))
        self._member = dict((schema.get("member") or {}).get("properties", {}))

    def __bool__(self) -> bool:
        return bool(self._household or self._member)

    def apply(self, group: RowGroup) -> dict[str, Any]:
        """Type the members' values in place and return the household's, reporting cells that cannot be
        read, or a household value that differs between rows, on their row."""
        household: dict[str, Any] = {}
        first_row: dict[str, int] = {}
        for row in group.rows:
            values = row.member.custom_fields
            if not values:
                continue
            for name in [n for n in values if n in self._household]:
                value = self._read(name, self._household[name], values.pop(name), row.number, row.problems)
                if value is None:
                    continue
                if name not in household:
                    household[name], first_row[name] = value, row.number
                elif value != household[name]:
                    row.problems.append(
                        Problem(
                            f"custom.{name}",
                            _("{field} is {value} here but {first} on row {row}.").format(
                                field=name, value=value, first=household[name], row=first_row[name]
                            ),
                            ERROR,
                            row=row.number,
                        )
                    )
            for name in [n for n in values if n in self._member]:
                value = self._read(name, self._member[name], values[name], row.number, row.problems)
                if value is None:
                    del values[name]
                else:
                    values[name] = value
        return household

    @staticmethod
    def _read(name: str, spec: Mapping[str, Any], text: str, row: int, problems: list[Problem]) -> Any:
        kind = _type_of(spec)
        make = _READERS.get(kind)
        if make is None:
            return text
        try:
            return make(text)
        except ValueError:
            problems.append(Problem(f"custom.{name}", _unreadable(kind, name, text), ERROR, row=row))
            return None
