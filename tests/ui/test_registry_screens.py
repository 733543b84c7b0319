from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from cashdesk.registry.households import create_household
from cashdesk.ui.dialogs.household_editor import COL, HouseholdEditor
from cashdesk.ui.dialogs.import_households import ImportDialog
from cashdesk.ui.main_window import MainWindow
from cashdesk.ui.ops import OpsHub
from tests.unit.registry_helpers import add_pay_point, household, member
from tests.unit.test_import_households import BAD, GOOD, write_csv


def _type_cell(qtbot: QtBot, editor: HouseholdEditor, row: int, key: str, text: str) -> None:
    """Type into a cell as a user does: move to it (the grid opens its editor), type, press Return."""
    from PySide6.QtWidgets import QAbstractItemView, QLineEdit

    grid = editor.grid
    if grid.state() == QAbstractItemView.State.EditingState:
        grid.setCurrentCell(row, COL[key])  # moving away commits the cell being edited
    grid.setCurrentCell(row, COL[key])
    if grid.state() != QAbstractItemView.State.EditingState:
        grid.editItem(grid.item(row, COL[key]))
    line = next(w for w in grid.viewport().findChildren(QLineEdit) if w.isVisible())
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: grid.item(row, COL[key]).text() != "" or text == "", timeout=2000)


def _households_screen(qtbot: QtBot, hub: OpsHub, *, rows: int) -> Any:
    """The main window on the households screen, once its first `rows` households are listed."""
    window = MainWindow(hub)
    qtbot.addWidget(window)
    window.show()
    window.show_screen("households")
    screen = window.households_screen
    assert screen is not None
    qtbot.waitUntil(lambda: screen.model.loaded == rows, timeout=5000)
    return screen


def test_officer_registers_a_household_by_keyboard(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    add_pay_point(hub_as("admin").desk)
    hub = hub_as("olive")
    editor = HouseholdEditor(hub)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.village.count() > 0 and editor.grid.rowCount() == 1, timeout=5000)
    editor.village.setCurrentIndex(editor.village.findData("V001"))
    editor.pay_point.setCurrentIndex(editor.pay_point.findData("PP1"))
    _type_cell(qtbot, editor, 0, "given_name", "Memory")
    _type_cell(qtbot, editor, 0, "family_name", "Gondwe")
    _type_cell(qtbot, editor, 0, "sex", "f")
    _type_cell(qtbot, editor, 0, "birth", "1984-11-30")
    assert editor.grid.item(0, COL["sex"]).text() == "F"  # typed lower case, stored as the code
    qtbot.keyClick(editor, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert editor.grid.rowCount() == 2 and editor.grid.item(1, COL["family_name"]).text() == "Gondwe"
    _type_cell(qtbot, editor, 1, "given_name", "Kettie")
    _type_cell(qtbot, editor, 1, "sex", "F")
    _type_cell(qtbot, editor, 1, "birth", "~7")
    _type_cell(qtbot, editor, 1, "relation_to_head", "ch")
    assert editor.grid.item(1, COL["relation_to_head"]).text() == "child"
    _type_cell(qtbot, editor, 1, "phone", "0123")
    assert any(
        "phone" in editor.problems.item(i).text() or "mobile" in editor.problems.item(i).text()
        for i in range(editor.problems.count())
    )
    editor.grid.item(1, COL["phone"]).setText("")
    with qtbot.waitSignal(editor.saved, timeout=5000) as saved:
        qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert saved.args[0].code


def test_duplicate_warning_then_save_anyway(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub], monkeypatch: object
) -> None:
    add_pay_point(hub_as("admin").desk)
    hub = hub_as("olive")
    first = hub.desk.run(create_household, household(member("Lucy", "Mbewe", born=date(1990, 3, 4))))
    editor = HouseholdEditor(hub)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.grid.rowCount() == 1, timeout=5000)
    editor.village.setCurrentIndex(editor.village.findData("V001"))
    editor.pay_point.setCurrentIndex(editor.pay_point.findData("PP1"))
    for key, text in (
        ("given_name", "Lucy"),
        ("family_name", "Mbewe"),
        ("sex", "F"),
        ("birth", "1990-04-03"),
    ):
        _type_cell(qtbot, editor, 0, key, text)
    qtbot.waitUntil(lambda: editor.look_alikes.count() == 1, timeout=5000)  # shown while typing
    assert first.code in editor.look_alikes.item(0).text()
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("she has two cards", True))  # type: ignore[attr-defined]
    with qtbot.waitSignal(editor.saved, timeout=5000) as saved:
        editor.save()
    assert saved.args[0].duplicates_recorded == 1


def test_households_list_searches_as_you_type(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    add_pay_point(hub_as("admin").desk)
    officer = hub_as("olive").desk
    for given in ("Agnes", "Ruth", "Ireen"):
        officer.run(
            create_household,
            household(member(given, "Chirwa", born=date(1970, 1, len(given)))),
            duplicate_note="sisters",
        )
    screen = _households_screen(qtbot, hub_as("sue"), rows=3)
    qtbot.keyClicks(screen.search, "ruth chir")
    qtbot.waitUntil(lambda: screen.model.loaded == 1 and screen.model.complete, timeout=5000)
    assert screen.model.row(0).head_name == "Ruth Chirwa"
    qtbot.waitUntil(lambda: screen.count.text() == "1 household", timeout=5000)


def test_import_dialog_previews_then_imports(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub], tmp_path: Path
) -> None:
    add_pay_point(hub_as("admin").desk)
    hub = hub_as("olive")
    dialog = ImportDialog(hub)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.load_file(write_csv(tmp_path / "r.csv", GOOD + BAD))
    qtbot.waitUntil(dialog.import_button.isEnabled, timeout=10000)
    assert "Rejected: 1 households (2 rows)" in dialog.summary.text()
    assert dialog.problems.rowCount() >= 2
    dialog.run_import()
    qtbot.waitUntil(lambda: "Imported" in dialog.summary.text(), timeout=10000)
    assert "2 households created" in dialog.summary.text()


def test_the_import_preview_says_how_the_file_was_read(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub], tmp_path: Path
) -> None:
    add_pay_point(hub_as("admin").desk)
    dialog = ImportDialog(hub_as("olive"))
    qtbot.addWidget(dialog)
    accented = [["HH1", "P1", "head", "primary", "Mércy", *GOOD[0][5:]]]
    dialog.load_file(write_csv(tmp_path / "old.csv", accented, encoding="cp1252"))
    qtbot.waitUntil(dialog.import_button.isEnabled, timeout=10000)
    assert "it was read as Windows-1252" in dialog.summary.text()


def test_scheme_custom_fields_are_rendered_checked_and_saved(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub]
) -> None:
    from cashdesk.registry.households import get_household
    from cashdesk.scheme.settings import set_custom_fields

    admin = hub_as("admin").desk
    add_pay_point(admin)
    admin.run(
        set_custom_fields,
        schema={
            "household": {
                "type": "object",
                "properties": {
                    "roof": {"type": "string", "title": "Roof", "enum": ["thatch", "iron sheets"]}
                },
            },
            "member": {
                "type": "object",
                "properties": {
                    "school_grade": {"type": "integer", "title": "School grade", "minimum": 0, "maximum": 12}
                },
            },
        },
    )
    hub = hub_as("olive")
    editor = HouseholdEditor(hub)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.grid.rowCount() == 1, timeout=5000)
    assert "roof" in editor.household_custom
    grade_column = editor.grid.columnCount() - 1
    assert editor.grid.horizontalHeaderItem(grade_column).text() == "School grade"
    editor.village.setCurrentIndex(editor.village.findData("V001"))
    editor.pay_point.setCurrentIndex(editor.pay_point.findData("PP1"))
    roof = editor.household_custom["roof"]
    roof.setCurrentIndex(roof.findData("iron sheets"))  # type: ignore[attr-defined]
    for key, text in (
        ("given_name", "Alinafe"),
        ("family_name", "Msiska"),
        ("sex", "F"),
        ("birth", "2012"),
        ("disability", "y"),
    ):
        editor.grid.item(0, COL[key]).setText(text)
    editor.grid.item(0, grade_column).setText("15")
    assert any(
        "15 is greater than the maximum of 12" in editor.problems.item(i).text()
        for i in range(editor.problems.count())
    )
    assert editor.grid.item(0, grade_column).toolTip()  # the cell itself is marked
    editor.grid.item(0, grade_column).setText("6")
    editor.latitude.setText("-15.786111")
    with qtbot.waitSignal(editor.saved, timeout=5000) as saved:
        editor.save()
    stored = hub.desk.run(get_household, saved.args[0].id).input
    assert stored.custom_fields == {"roof": "iron sheets"}
    assert stored.members[0].custom_fields == {"school_grade": 6} and stored.members[0].disability
    assert str(stored.gps_latitude) == "-15.786111"


def test_an_import_can_be_undone_from_the_window(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub], tmp_path: Path, monkeypatch: object
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from cashdesk.registry.search import HouseholdQuery, count_households

    add_pay_point(hub_as("admin").desk)
    hub = hub_as("olive")
    dialog = ImportDialog(hub)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.load_file(write_csv(tmp_path / "r.csv", GOOD[:2]))
    qtbot.waitUntil(dialog.import_button.isEnabled, timeout=10000)
    dialog.run_import()
    qtbot.waitUntil(lambda: dialog.history.count() == 1, timeout=10000)
    assert hub.desk.run(count_households, HouseholdQuery()) == 1
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)  # type: ignore[attr-defined]
    dialog.history.setCurrentRow(0)
    dialog.undo_selected()
    qtbot.waitUntil(lambda: "undone" in dialog.summary.text(), timeout=5000)
    assert hub.desk.run(count_households, HouseholdQuery()) == 0
    qtbot.waitUntil(lambda: "undone" in dialog.history.item(0).text(), timeout=5000)


def _review_screen_with_a_pair(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> Any:
    """The supervisor's duplicates screen, showing one pair: two Esthers, the second saved anyway."""
    add_pay_point(hub_as("admin").desk)
    officer = hub_as("olive").desk
    officer.run(create_household, household(member("Esther", "Nkhoma", born=date(1969, 7, 1))))
    officer.run(
        create_household,
        household(member("Esther", "Nkoma", born=date(1969, 1, 7))),
        duplicate_note="2nd form",
    )
    window = MainWindow(hub_as("sue"))
    qtbot.addWidget(window)
    window.show()
    window.show_screen("duplicates")
    screen = window.duplicates_screen
    assert screen is not None
    qtbot.waitUntil(lambda: screen.queue.count() == 1 and screen.current() is not None, timeout=5000)
    return screen


def test_supervisor_scans_and_decides_in_the_window(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    screen = _review_screen_with_a_pair(qtbot, hub_as)
    screen.scan()
    qtbot.waitUntil(
        lambda: "Scan done" in screen.count.text() or "waiting" in screen.count.text(), timeout=10000
    )
    qtbot.waitUntil(screen.same.isEnabled, timeout=5000)
    screen.not_same.click()
    qtbot.waitUntil(lambda: screen.queue.count() == 0, timeout=5000)
    assert "Nothing to review" in screen.header.text()


def test_status_filter(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    from cashdesk.models import Household, HouseholdStatus

    add_pay_point(hub_as("admin").desk)
    officer = hub_as("olive").desk
    saved = officer.run(create_household, household(member("Ruth", "Gondwe")))
    officer.run(create_household, household(member("Joyce", "Kalua")))
    officer.run(lambda s, a: setattr(s.get_one(Household, saved.id), "status", HouseholdStatus.INACTIVE))
    screen = _households_screen(qtbot, hub_as("sue"), rows=2)
    screen.status.setCurrentIndex(screen.status.findData(HouseholdStatus.INACTIVE))
    qtbot.waitUntil(lambda: screen.model.complete and screen.model.loaded == 1, timeout=5000)
    assert screen.model.row(0).head_name == "Ruth Gondwe"


def test_plan_filter(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    from cashdesk.models import Enrolment, EnrolmentStatus, PlanTarget
    from tests.unit.registry_helpers import add_plan

    add_pay_point(hub_as("admin").desk)
    officer = hub_as("olive").desk
    enrolled = officer.run(create_household, household(member("Ruth", "Gondwe")))
    officer.run(create_household, household(member("Joyce", "Kalua")))
    screen = _households_screen(qtbot, hub_as("sue"), rows=2)
    assert not screen.plan.isEnabled()  # no plans yet: nothing to choose

    def enrol(session: Session, actor: object) -> None:
        plan = add_plan(session, "SCT", "Social cash transfer", PlanTarget.HOUSEHOLD)
        session.add(Enrolment(plan_id=plan.id, household_id=enrolled.id, status=EnrolmentStatus.ACTIVE))

    hub_as("admin").desk.run(enrol)
    screen.refresh()
    qtbot.waitUntil(lambda: screen.plan.count() == 2 and screen.plan.isEnabled(), timeout=5000)
    screen.plan.setCurrentIndex(1)
    qtbot.waitUntil(lambda: screen.model.complete and screen.model.loaded == 1, timeout=5000)
    assert screen.model.row(0).head_name == "Ruth Gondwe"


def test_a_member_with_several_id_documents(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from cashdesk.registry.household_input import IdentifierInput
    from cashdesk.registry.households import get_household
    from cashdesk.ui.dialogs.member_documents import MemberDocumentsDialog

    add_pay_point(hub_as("admin").desk)
    hub = hub_as("olive")
    head = member("Chikondi", "Banda", id_number="12345678")
    head.identifiers.append(IdentifierInput("birth_certificate", "BC-1980-77"))
    saved = hub.desk.run(create_household, household(head))
    editor = HouseholdEditor(hub, saved.id)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.grid.rowCount() == 1, timeout=5000)
    assert editor.grid.item(0, COL["id_number"]).text() == "12345678"
    assert editor.grid.item(0, COL["other_ids"]).text() == "birth_certificate BC198077"  # as stored

    def add_voter_card() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, MemberDocumentsDialog)
        assert dialog.windowTitle().endswith("Chikondi Banda")
        dialog.add_document()
        row = dialog.table.rowCount() - 1
        dialog.table.item(row, 0).setText("vo")  # the start of a known type is enough
        dialog.table.item(row, 1).setText("VC 99 01")
        dialog.accept()

    QTimer.singleShot(0, add_voter_card)
    editor.grid.setCurrentCell(0, COL["given_name"])
    qtbot.keyClick(editor, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert editor.grid.item(0, COL["other_ids"]).text() == ("birth_certificate BC198077; voter_card VC 99 01")
    # A further document without its type is marked on the Other IDs cell.
    editor.set_documents(0, [*editor.extra_ids[0], IdentifierInput("", "X-1")])
    assert editor.grid.item(0, COL["other_ids"]).toolTip().startswith("Say what kind of document")
    editor.set_documents(0, editor.extra_ids[0][:-1])
    assert editor.grid.item(0, COL["other_ids"]).toolTip() != ""  # the hint is back, no error
    with qtbot.waitSignal(editor.saved, timeout=5000):
        editor.save()
    stored = hub.desk.run(get_household, saved.id).input.members[0].identifiers
    assert [(i.id_type, i.number) for i in stored] == [
        ("national_id", "12345678"),
        ("birth_certificate", "BC198077"),
        ("voter_card", "VC9901"),
    ]


def test_import_dialog_can_create_unknown_villages(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub], tmp_path: Path
) -> None:
    from cashdesk.models.security import Role
    from cashdesk.security import users
    from tests.conftest import USER_PASSWORD
    from tests.unit.test_import_households import HEADER

    admin = hub_as("admin").desk
    add_pay_point(admin)
    admin.run(
        users.create_user,
        admin.vault,
        username="dora",
        full_name="Dora District",
        role=Role.ENROLMENT_OFFICER,
        password=USER_PASSWORD,
        location_codes=["D01"],  # the whole district, so a new village there is hers
    )
    rows = [GOOD[0][:], GOOD[1][:]]  # one household
    for row in rows:
        row[HEADER.index("location")] = "Mzimba Boma"
    dialog = ImportDialog(hub_as("dora"))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.load_file(write_csv(tmp_path / "new-village.csv", rows))
    qtbot.waitUntil(lambda: "Rejected: 1 households" in dialog.summary.text(), timeout=10000)
    assert any(
        "no village Mzimba Boma" in dialog.problems.item(r, 2).text()
        for r in range(dialog.problems.rowCount())
    )
    dialog.create_villages.setChecked(True)  # checks again by itself
    qtbot.waitUntil(lambda: "Rejected: 0 households" in dialog.summary.text(), timeout=10000)
    dialog.run_import()
    qtbot.waitUntil(lambda: "Imported" in dialog.summary.text(), timeout=10000)
    assert "1 households created" in dialog.summary.text()


def _new_editor(qtbot: QtBot, hub: OpsHub) -> HouseholdEditor:
    editor = HouseholdEditor(hub)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.village.count() > 0 and editor.grid.rowCount() == 1, timeout=5000)
    return editor


def test_ctrl_s_keeps_the_cell_still_being_typed(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    from PySide6.QtWidgets import QLineEdit

    add_pay_point(hub_as("admin").desk)
    editor = _new_editor(qtbot, hub_as("olive"))
    editor.village.setCurrentIndex(editor.village.findData("V001"))
    editor.pay_point.setCurrentIndex(editor.pay_point.findData("PP1"))
    for key, text in (("given_name", "Memory"), ("family_name", "Gondwe"), ("sex", "F"), ("birth", "40")):
        _type_cell(qtbot, editor, 0, key, text)
    editor.grid.setCurrentCell(0, COL["id_number"])
    editor.grid.editItem(editor.grid.item(0, COL["id_number"]))
    line = next(w for w in editor.grid.viewport().findChildren(QLineEdit) if w.isVisible())
    qtbot.keyClicks(line, "30000001")  # no Tab, no Return: straight to Ctrl+S
    with qtbot.waitSignal(editor.saved, timeout=5000) as saved:
        qtbot.keyClick(line, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    from cashdesk.registry.households import get_household

    (person,) = editor.hub.desk.run(get_household, saved.args[0].id).input.members
    assert [i.number for i in person.identifiers] == ["30000001"]
    assert person.date_of_birth is None and person.birth_year == date.today().year - 40  # "40" is an age


def test_escape_asks_before_losing_what_was_typed_and_enter_adds_no_member(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub], monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    add_pay_point(hub_as("admin").desk)
    editor = _new_editor(qtbot, hub_as("olive"))
    qtbot.keyClick(editor, Qt.Key.Key_Escape)  # nothing typed: closes at once
    assert not editor.isVisible()
    editor = _new_editor(qtbot, hub_as("olive"))
    qtbot.keyClicks(editor.address, "Plot 4")
    qtbot.keyClick(editor.address, Qt.Key.Key_Return)
    assert editor.grid.rowCount() == 1 and editor.isVisible()  # Enter pressed no button
    asked: list[str] = []

    def answer(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        asked.append(str(args[1]))
        return QMessageBox.StandardButton.Cancel if len(asked) == 1 else QMessageBox.StandardButton.Discard

    monkeypatch.setattr(QMessageBox, "question", answer)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert asked == ["Close without saving?"] and editor.isVisible()
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert len(asked) == 2 and not editor.isVisible()


def test_problems_are_told_at_their_field_and_save_goes_to_the_first(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub]
) -> None:
    add_pay_point(hub_as("admin").desk)
    editor = _new_editor(qtbot, hub_as("olive"))
    editor.village.setCurrentIndex(editor.village.findData("V001"))
    editor.pay_point.setCurrentIndex(editor.pay_point.findData("PP1"))
    editor.method.setCurrentIndex(editor.method.findData("mobile_money"))
    editor.account.setText("0123 45")
    assert "not a valid" in editor.account.toolTip()  # the message at the field itself
    assert any(
        editor.problems.item(i).text().startswith("✘ Mobile number or bank account: ")
        for i in range(editor.problems.count())
    )
    editor.account.setText("0991234567")
    assert editor.account.toolTip() == ""
    _type_cell(qtbot, editor, 0, "given_name", "Memory")  # no family name, sex or birth yet
    editor.village.setFocus()
    editor.save()
    row, column = editor.grid.currentRow(), editor.grid.currentColumn()
    assert row == 0 and column != COL["given_name"] and editor.grid.item(row, column).toolTip()


def test_keeping_a_record_in_review_keeps_its_values_unless_others_are_picked(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub]
) -> None:
    from cashdesk.models import Member

    screen = _review_screen_with_a_pair(qtbot, hub_as)
    item = screen.current()
    screen.keep_right.setChecked(True)
    assert all(group.checkedId() == 2 for group in screen.choices.values())  # the kept record's values
    screen.choices["date_of_birth"].button(1).setChecked(True)  # but this one from the other record
    screen.same.click()
    qtbot.waitUntil(lambda: screen.queue.count() == 0, timeout=5000)
    kept = screen.hub.desk.run(lambda s, a: s.get_one(Member, item.right.member_id))
    assert kept.family_name == item.right.values["family_name"]
    assert kept.date_of_birth == item.left.values["date_of_birth"]
