"""What an import is asked to do, and what it reports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from cashdesk.registry.household_input import Problem

UPDATE, REPORT = "update", "report"


@dataclass(frozen=True)
class ImportOptions:
    mapping: dict[str, str] = field(default_factory=dict)  # header -> field, overriding the automatic one
    profile: str | None = None  # a saved mapping to start from
    save_profile: str | None = None  # save the mapping used under this name
    on_existing: str = UPDATE  # or REPORT
    create_locations: bool = False
    sheet: str | None = None


@dataclass
class ImportReport:
    file_name: str
    rows: int = 0
    households_created: int = 0
    members_created: int = 0
    households_updated: int = 0
    members_updated: int = 0
    members_added: int = 0  # people added to households already registered
    households_unchanged: int = 0  # already registered with the file's values
    households_rejected: int = 0
    rows_rejected: int = 0
    rows_already_present: int = 0
    duplicate_candidates: int = 0
    locations_created: int = 0
    warnings: int = 0
    mapping: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # every error and warning, by row
    batch_id: uuid.UUID | None = None
    table_warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.rows_rejected == 0
