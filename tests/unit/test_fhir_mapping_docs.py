"""docs/fhir.md says what the mapping does: its examples are what the mapping writes now (valid R4B, giving
their rows back), and every column, extension and identifier system of the mapping is in it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from cashdesk.sync.mapping import (
    BOOKKEEPING,
    MAPPINGS,
    dumps,
    duplicates,
    loads,
    mapping_for,
    payments,
    people,
    places,
    plans,
    staff,
    validate,
)
from cashdesk.sync.mapping.base import SYNCED_FIELDS
from cashdesk.sync.mapping.examples import MINOR_UNITS, examples, markdown, rows
from cashdesk.sync.mapping.fields import Field
from cashdesk.sync.mapping.urls import BASE

DOC = (Path(__file__).parents[2] / "docs" / "fhir.md").read_text(encoding="utf-8")


def _section(model_name: str) -> str:
    return next(part for part in DOC.split("\n### ") if part.startswith(f"{model_name} →"))


def test_the_examples_in_the_doc_are_what_the_mapping_writes() -> None:
    assert markdown() in DOC, "run: python -m cashdesk.sync.mapping.examples docs/fhir.md"


@pytest.mark.parametrize("name", list(MAPPINGS))
def test_each_example_is_valid_r4b_and_gives_its_row_back(name: str) -> None:
    resource, row = examples()[name], rows()[name]
    validate(resource)
    arrived = loads(dumps(resource, indent=2))
    mapping = mapping_for(arrived)
    assert mapping is MAPPINGS[name]
    skip = BOOKKEEPING | mapping.local_only
    expected = {a.key: getattr(row, a.key) for a in inspect(mapping.model).column_attrs if a.key not in skip}
    assert mapping.from_fhir(arrived, minor_units=MINOR_UNITS) == expected


@pytest.mark.parametrize("name", list(MAPPINGS))
def test_every_column_is_in_its_models_table(name: str) -> None:
    section = _section(name)
    missing = [a.key for a in inspect(MAPPINGS[name].model).column_attrs if f"`{a.key}`" not in section]
    assert missing == [] or set(missing) <= BOOKKEEPING


def _declared_fields() -> list[Field]:
    found: list[Field] = list(SYNCED_FIELDS)
    for module in (people, places, plans, payments, duplicates, staff):
        for value in vars(module).values():
            if isinstance(value, tuple) and value and all(isinstance(f, Field) for f in value):
                found.extend(value)
    return found


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_every_extension_identifier_and_code_system_is_named_in_the_doc() -> None:
    names = {f.name for f in _declared_fields()} | {"birth-year", "address", "criterion"}
    urls = {s for r in examples().values() for s in _strings(r) if s.startswith(BASE)}
    for url in urls:
        kind, _, name = url[len(BASE) + 1 :].partition("/")
        names.add("document/<id_type>" if name.startswith("document/") else name)
        assert kind in {"StructureDefinition", "identifier", "CodeSystem"}
    undocumented = sorted(n for n in names if f"`{n}`" not in DOC)
    assert undocumented == []
    assert (
        re.search(r"BASE = \"https://cashdesk\.example\.org/fhir\"", DOC)
        and BASE == "https://cashdesk.example.org/fhir"
    )
