"""A plan for individuals through the window: the editor's words and choices follow the target, the
enrolment screen counts people, enrols chosen members by hand and changes one person's status."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from cashdesk.desk import Desk
from cashdesk.payroll.enrolment import household_people, status_history
from cashdesk.payroll.plans import list_plans, save_plan
from cashdesk.ui.dialogs.criteria_rows import TopUpRow
from cashdesk.ui.main_window import MainWindow
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.enrolment import EnrolmentScreen
from tests.unit.payroll_helpers import add_pay_points, district_officer, register_caseload
from tests.unit.test_individual_plans import grandmothers, pension

HubAs = Callable[[str], OpsHub]
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def _answers_arrive_while_the_windows_live(hub: OpsHub, hub_as: HubAs) -> Iterator[None]:
    yield
    for _ in range(5):
        hub.wait_idle()
        QApplication.processEvents()


def _stored(hub: OpsHub, service: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """What the database holds, once the window's own reads are done (one thread on the connection)."""
    assert hub.wait_idle(30_000)
    return hub.desk.run(service, *args, **kwargs)


def _screen(qtbot: QtBot, hub: OpsHub, key: str) -> Any:
    window = MainWindow(hub)
    qtbot.addWidget(window)
    window.show()
    window.show_screen(key)
    return window.screens[key]


def _choose(combo: Any, data: str) -> None:
    index = combo.findData(data)
    assert index >= 0, f"{data} is not offered"
    combo.setCurrentIndex(index)


@pytest.fixture
def household_code(admin: Desk, desk_for: Any) -> str:
    add_pay_points(admin)
    otto = district_officer(admin, desk_for)
    register_caseload(otto)
    return grandmothers(otto)


def test_the_plan_editor_words_a_plan_for_individuals(qtbot: QtBot, hub_as: HubAs) -> None:
    hub = hub_as("sue")
    screen = _screen(qtbot, hub, "plans")
    qtbot.waitUntil(lambda: screen.scheme is not None, timeout=5000)
    editor = screen.new_plan()
    qtbot.keyClicks(editor.code, "oap")
    qtbot.keyClicks(editor.name, "Old age pension")
    editor.top_ups.add_button.click()
    top_up = editor.top_ups.rows[-1]
    assert isinstance(top_up, TopUpRow)
    _choose(top_up.scope, "member")
    # A row added to the open editor is shown once Qt's queue is processed.
    qtbot.waitUntil(lambda: top_up.max_count.isVisibleTo(editor), timeout=5000)  # counts members
    _choose(editor.amount_per, "member")
    _choose(editor.target, "individual")
    assert editor.match_label.text() == "A person qualifies when they meet"
    assert editor.how_much.title() == "How much each person gets, each payment"
    assert not editor.amount_per.isVisibleTo(editor) and editor.per_person.isVisibleTo(editor)
    assert not top_up.max_count.isVisibleTo(editor)  # about the one person paid: nothing to count
    assert top_up.scope.currentText() == "The person"
    _choose(top_up.field, "disability")
    _choose(top_up.pick_value, "yes")
    qtbot.keyClicks(top_up.amount, "2000")
    editor.conditions.add_button.click()
    condition = editor.conditions.rows[-1]  # a row added later is worded for individuals too
    assert condition.scope.itemText(condition.scope.findData("member")) == "The person"
    _choose(condition.scope, "member")
    _choose(condition.field, "age")
    _choose(condition.operator, "gte")
    condition.text_value.setText("60")
    qtbot.keyClicks(editor.base_amount, "8000")
    with qtbot.waitSignal(editor.saved, timeout=5000):
        editor.save()
    [plan] = _stored(hub, list_plans)
    assert (plan.target, plan.amount_per) == ("individual", "household")
    assert plan.conditions == ("the person: age ≥ 60",)
    assert plan.top_ups == ("+2,000.00 MWK if the person: disability = yes",)
    screen.table.selectRow(0)
    qtbot.waitUntil(lambda: "each person who meets" in screen.details.text(), timeout=5000)
    assert "The person: age in years is at least 60" in screen.details.text()


def test_enrolment_counts_people_and_changes_one_persons_status(
    qtbot: QtBot, hub_as: HubAs, household_code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = hub_as("sue")
    hub.desk.run(save_plan, pension())
    screen: EnrolmentScreen = _screen(qtbot, hub, "enrolment")
    qtbot.waitUntil(lambda: screen.plan.currentData() == "OAP", timeout=5000)
    assert screen.by_hand_button.text() == "Enrol chosen people…"
    assert screen.members.title() == "Households with people in the plan"
    qtbot.mouseClick(screen.preview_button, LEFT)
    qtbot.waitUntil(lambda: screen.table.rowCount() == 2, timeout=5000)
    assert "2 people qualify" in screen.summary.text()
    assert screen.enrol_button.text() == "Enrol 2 people"
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(screen.enrol_button, LEFT)
    qtbot.waitUntil(lambda: "2 people enrolled in OAP" in screen.notice.text(), timeout=5000)

    qtbot.waitUntil(lambda: screen.members.model.loaded == 1, timeout=5000)
    screen.members.table.selectRow(0)
    panel = screen.members
    qtbot.waitUntil(lambda: panel.history_table.rowCount() == 2, timeout=5000)
    assert not panel.history_table.isColumnHidden(1)
    people = {panel.history_table.item(r, 1).text() for r in range(2)}
    assert people == {"Agness Chirwa", "Mercy Chirwa"}
    assert "Agness Chirwa <b>active</b>" in panel.chosen.text()

    qtbot.mouseClick(panel.status_button, LEFT)
    dialog = panel.status_dialog
    assert dialog is not None
    assert [dialog.person.itemText(i) for i in range(dialog.person.count())] == [
        "Agness Chirwa",
        "Mercy Chirwa",
    ]
    dialog.person.setCurrentIndex(1)
    _choose(dialog.status, "exited")
    qtbot.keyClicks(dialog.reason, "moved to her son in town")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: panel.history_table.rowCount() == 3, timeout=5000)
    assert "Mercy Chirwa is now exited" in screen.notice.text()
    assert panel.history_table.isColumnHidden(2)  # "was": the row below says it
    newest = [panel.history_table.item(0, c).text() for c in range(6)]
    assert newest[1:5] == ["Mercy Chirwa", "Active", "Exited", "moved to her son in town"]
    assert [(p.name, p.status) for p in _stored(hub, household_people, "OAP", household_code)][:2] == [
        ("Agness Chirwa", "active"),
        ("Mercy Chirwa", "exited"),
    ]


def test_chosen_members_are_enrolled_by_hand(qtbot: QtBot, hub_as: HubAs, household_code: str) -> None:
    hub = hub_as("sue")
    hub.desk.run(save_plan, pension())
    screen: EnrolmentScreen = _screen(qtbot, hub, "enrolment")
    qtbot.waitUntil(lambda: screen.plan.currentData() == "OAP", timeout=5000)
    qtbot.mouseClick(screen.by_hand_button, LEFT)
    dialog = screen.by_hand_dialog
    qtbot.keyClicks(dialog.household, household_code.lower())
    qtbot.keyClick(dialog.household, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.people.count() == 3, timeout=5000)
    child = next(
        dialog.people.item(i) for i in range(3) if dialog.people.item(i).text().startswith("Wongani")
    )
    child.setCheckState(Qt.CheckState.Checked)
    qtbot.keyClicks(dialog.reason, "orphan in the care of her grandmothers")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: "1 person enrolled in OAP by hand" in screen.notice.text(), timeout=5000)
    history = _stored(hub, status_history, "OAP", household_code)
    assert [(h.person, h.to_status, h.reason) for h in history] == [
        ("Wongani Chirwa", "active", "orphan in the care of her grandmothers")
    ]
