"""The plain data the matcher works on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class PersonRecord:
    id: uuid.UUID
    household_id: uuid.UUID
    given_name: str
    family_name: str
    other_names: str | None
    sex: str  # "F" or "M"
    date_of_birth: date | None
    birth_year: int | None  # set whenever date_of_birth is; may be all that is known
    phone: str | None  # E.164
    id_numbers: tuple[str, ...]  # upper case, no spaces
    location_path: str  # "/R01/D01/V003/"


@dataclass(frozen=True, slots=True)
class Match:
    left_id: uuid.UUID  # always left_id.hex < right_id.hex
    right_id: uuid.UUID
    score: float  # 0..100
    reasons: tuple[str, ...]
