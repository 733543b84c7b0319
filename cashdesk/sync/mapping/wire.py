"""Resources as JSON text and back, with decimals kept exact.

The standard library writes no Decimal and reads every fraction as a float; fhir.resources' own writer
also goes through float (12.50 becomes 12.5). Client and server both use these two functions, so an
amount or a coordinate is the same number at both ends.
"""

from __future__ import annotations

import json
import json.encoder
from decimal import Decimal
from typing import Any

_quoted = json.encoder.encode_basestring  # the C version when available; keeps non-ASCII letters


def dumps(resource: dict[str, Any], *, indent: int | None = None) -> str:
    """JSON of a resource made by the mapping (str, int, bool, None, Decimal, lists, dicts): compact,
    or indented for people to read (the examples of docs/fhir.md)."""
    out: list[str] = []
    _write(resource, out, "" if indent is None else "\n", " " * (indent or 0))
    return "".join(out)


def loads(text: str | bytes) -> dict[str, Any]:
    value = json.loads(text, parse_float=Decimal)
    if not isinstance(value, dict):
        raise ValueError("a FHIR resource is a JSON object")
    return value


class StoredJSON(str):
    """JSON text written by `dumps` and kept as it is (the server's stored resources): put into a larger
    document without being read and written again."""


def _write(value: Any, out: list[str], newline: str, step: str) -> None:
    if isinstance(value, StoredJSON):
        out.append(value)
    elif isinstance(value, str):
        out.append(_quoted(value))
    elif value is None or isinstance(value, bool):
        out.append("null" if value is None else "true" if value else "false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"JSON has no {value}")
        out.append(format(value, "f"))  # never an exponent, every written decimal place kept
    elif isinstance(value, dict) and value:
        inner = newline + step
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            out.append("," + inner if i else inner)
            out.append(_quoted(key))
            out.append(": " if newline else ":")
            _write(item, out, inner, step)
        out.append(newline + "}")
    elif isinstance(value, list | tuple) and value:
        inner = newline + step
        out.append("[")
        for i, item in enumerate(value):
            out.append("," + inner if i else inner)
            _write(item, out, inner, step)
        out.append(newline + "]")
    elif isinstance(value, dict | list | tuple):
        out.append("{}" if isinstance(value, dict) else "[]")
    else:  # a float included: amounts and coordinates travel as Decimal
        raise TypeError(f"not JSON for a resource: {type(value).__name__}")
