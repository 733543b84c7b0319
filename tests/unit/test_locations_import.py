"""Importing the location tree from a file: all rows or none, and no conflict passes silently.

The template scheme already has R01 South > D01 Riverside > V001 Chikwawa, V002 Mbewe.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cashdesk.core.errors import ValidationError
from cashdesk.desk import Desk
from cashdesk.registry.locations import import_locations, list_locations


def _file(folder: Path, *rows: str) -> Path:
    path = folder / "locations.csv"
    path.write_text("\n".join(["code,name,level,parent_code", *rows]) + "\n", encoding="utf-8")
    return path


def _codes(desk: Desk) -> set[str]:
    return {location.code for location in desk.run(list_locations)}


def _refused(desk: Desk, path: Path) -> str:
    """The import's error message, after checking that nothing at all was written."""
    before = _codes(desk)
    with pytest.raises(ValidationError) as caught:
        desk.run(import_locations, path)
    assert _codes(desk) == before
    assert "nothing was imported" in caught.value.message
    return caught.value.message


def test_an_existing_code_with_other_data_is_an_error_naming_row_and_field(
    admin: Desk, tmp_path: Path
) -> None:
    renamed = _file(tmp_path, "V900,Nkhata,village,D01", "V001,Chikwawa Boma,village,D01")
    message = _refused(admin, renamed)
    assert "row 3, name: V001 already exists with name “Chikwawa”, not “Chikwawa Boma”" in message

    admin.run(import_locations, _file(tmp_path, "D02,North,district,R01"))
    moved = _file(tmp_path, "V001,Chikwawa,village,D02")
    assert "row 2, parent_code: V001 already exists with parent_code “D01”, not “D02”" in _refused(
        admin, moved
    )


def test_an_existing_code_with_the_same_data_is_already_present(admin: Desk, tmp_path: Path) -> None:
    result = admin.run(
        import_locations, _file(tmp_path, "v001, Chikwawa ,village,d01", "V900,Nkhata,village,D01")
    )
    assert (result.created, result.already_present) == (1, 1)


def test_a_code_twice_with_different_data_names_both_rows(admin: Desk, tmp_path: Path) -> None:
    path = _file(tmp_path, "V900,Nkhata,village,D01", "V901,Mzuzu,village,D01", "V900,Nkhata Bay,village,D01")
    message = _refused(admin, path)
    assert "row 4, name: V900 is also on row 2 with name “Nkhata”, here “Nkhata Bay”" in message


def test_a_code_twice_with_the_same_data_is_imported_once(admin: Desk, tmp_path: Path) -> None:
    path = _file(tmp_path, "V900,Nkhata,village,D01", "v900,Nkhata,village,d01")
    result = admin.run(import_locations, path)
    assert (result.created, result.already_present) == (1, 0)
    assert "V900" in _codes(admin)


def test_errors_are_listed_in_row_order(admin: Desk, tmp_path: Path) -> None:
    # Row 3's bad level is found while reading, rows 2 and 4 only when creating (villages last).
    path = _file(tmp_path, "V901,A,village,NOPE", "D09,B,county,R01", "V902,C,village,NOPE")
    message = _refused(admin, path)
    rows = [message.index(f"row {n},") for n in (2, 3, 4)]
    assert rows == sorted(rows)


def test_a_header_without_rows_is_refused(admin: Desk, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="has a header but no rows"):
        admin.run(import_locations, _file(tmp_path))
