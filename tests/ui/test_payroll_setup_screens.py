"""The payment providers and benefit plans screens, driven as a user would, on a real database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from cashdesk.payroll.plans import CriterionInput, list_plans, plan_definition, save_plan
from cashdesk.payroll.providers import ProviderInput, list_pay_points, list_providers, save_provider
from cashdesk.scheme.settings import set_custom_fields
from cashdesk.ui.dialogs.criteria_rows import ConditionRow, TopUpRow
from cashdesk.ui.dialogs.plan_editor import PlanEditor
from cashdesk.ui.main_window import MainWindow
from cashdesk.ui.ops import OpsHub
from tests.unit.payroll_helpers import add_pay_points, add_provider, child_grant

DISPLAY = Qt.ItemDataRole.DisplayRole


@pytest.fixture(autouse=True)
def _answers_arrive_while_the_windows_live(hub: OpsHub, hub_as: Callable[[str], OpsHub]) -> Iterator[None]:
    """Deliver every queued answer before the windows are closed: an answer left queued would reach a
    deleted widget during the next test (and fail that test instead)."""
    yield
    for _ in range(5):  # an answer may ask again (a list, then the chosen row's details)
        hub.wait_idle()
        QApplication.processEvents()


def _stored(hub: OpsHub, service: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Read what the database holds, once the screens' own reads are done (one thread at a time on a
    connection, as in the window)."""
    hub.wait_idle()
    return hub.desk.run(service, *args, **kwargs)


def _screen(qtbot: QtBot, hub: OpsHub, key: str) -> Any:
    window = MainWindow(hub)
    qtbot.addWidget(window)
    window.show()
    window.show_screen(key)
    return window.screens[key]


def _cell(model: Any, row: int, column: int, role: int = DISPLAY) -> Any:
    return model.data(model.index(row, column), role)


def _texts(model: Any, column: int) -> list[str]:
    return [_cell(model, r, column) for r in range(model.rowCount())]


def _choose(combo: Any, data: str) -> None:
    index = combo.findData(data)
    assert index >= 0, f"{data} is not offered"
    combo.setCurrentIndex(index)


# --- payment providers ---------------------------------------------------------------------------------


def test_admin_adds_a_provider_and_sees_it_listed(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    hub = hub_as("admin")
    screen = _screen(qtbot, hub, "providers")
    qtbot.waitUntil(screen.empty.isVisible, timeout=5000)  # nothing yet, and it says so
    dialog = screen.new_provider()
    qtbot.keyClicks(dialog.code, "airtel")
    qtbot.keyClicks(dialog.name, "Airtel Money")
    _choose(dialog.kind, "mobile_money")
    qtbot.keyClicks(dialog.contract_ref, "SCTP/2026/07")
    dialog.contract_from.set_date(date(2026, 1, 1))
    dialog.contract_to.set_date(date(2030, 12, 31))
    qtbot.keyClicks(dialog.phone, "0881 234 567")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()
    qtbot.waitUntil(lambda: screen.provider_model.rowCount() == 1, timeout=5000)
    row = screen.provider_model.row(0)
    assert (row.code, row.kind, row.phone) == ("AIRTEL", "mobile_money", "+265881234567")
    assert _cell(screen.provider_model, 0, 2) == "Mobile money"
    assert _cell(screen.provider_model, 0, 5) == "2026-01-01 → 2030-12-31"
    assert _cell(screen.provider_model, 0, 6) == "valid"
    assert not screen.empty.isVisible()
    assert screen.points_heading.text() == "Pay points of Airtel Money"  # chosen at once


def test_admin_removes_a_provider_entered_by_mistake(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    hub = hub_as("admin")
    hub.desk.run(save_provider, ProviderInput(code="TYPO", name="Typo bank", kind="bank"))
    screen = _screen(qtbot, hub, "providers")
    qtbot.waitUntil(lambda: screen.provider_model.rowCount() == 1, timeout=5000)
    qtbot.waitUntil(screen.remove_provider_button.isEnabled, timeout=5000)
    screen.remove_provider(confirm=False)
    qtbot.waitUntil(lambda: "TYPO removed." in screen.import_result.text(), timeout=5000)
    qtbot.waitUntil(lambda: screen.provider_model.rowCount() == 0, timeout=5000)


def test_an_expired_contract_is_marked(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    admin = hub_as("admin").desk
    ended = date.today() - timedelta(days=1)
    add_provider(admin, "OLD", kind="cash_agent", contract_from=date(2020, 1, 1), contract_to=ended)
    add_provider(admin, "NEW", kind="bank", contract_to=date.today() + timedelta(days=90))
    screen = _screen(qtbot, hub_as("admin"), "providers")
    qtbot.waitUntil(lambda: screen.provider_model.rowCount() == 2, timeout=5000)
    model = screen.provider_model
    new, old = _texts(model, 0).index("NEW"), _texts(model, 0).index("OLD")
    assert "EXPIRED" in _cell(model, old, 6)
    assert _cell(model, old, 6, Qt.ItemDataRole.ForegroundRole) == model.WARNING
    assert f"expired on {ended.isoformat()}" in _cell(model, old, 6, Qt.ItemDataRole.ToolTipRole)
    assert _cell(model, new, 6) == "valid"
    assert _cell(model, new, 6, Qt.ItemDataRole.ForegroundRole) is None

    screen.providers.selectRow(old)  # renewing it: the dialog says why first
    dialog = screen.edit_provider()
    assert dialog is not None and dialog.code.isReadOnly()
    assert "expired" in dialog.contract_warning.text() and dialog.contract_warning.isVisibleTo(dialog)
    dialog.contract_to.set_date(date.today() + timedelta(days=365))
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()
    qtbot.waitUntil(lambda: _cell(screen.provider_model, old, 6) == "valid", timeout=5000)
    assert screen.selected_provider().code == "OLD"  # still where the user was


def test_a_bad_value_is_shown_in_the_dialog_and_nothing_saved(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub]
) -> None:
    hub = hub_as("admin")
    screen = _screen(qtbot, hub, "providers")
    dialog = screen.new_provider()
    qtbot.keyClicks(dialog.code, "KMM")
    qtbot.keyClicks(dialog.name, "Kalulu")
    qtbot.keyClicks(dialog.email, "kalulu at example")
    dialog.save()
    qtbot.waitUntil(dialog.error.isVisible, timeout=5000)
    assert "is not an e-mail address" in dialog.error.text()
    assert dialog.email.property("invalid") is True
    assert dialog.isVisible()
    assert _stored(hub, list_providers) == []


def test_admin_adds_a_pay_point_with_its_clerk(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    hub = hub_as("admin")
    add_provider(hub.desk, "KMM")
    screen = _screen(qtbot, hub, "providers")
    qtbot.waitUntil(screen.new_point_button.isEnabled, timeout=5000)
    screen.new_point_button.click()
    qtbot.waitUntil(lambda: getattr(screen, "point_dialog", None) is not None, timeout=5000)
    dialog = screen.point_dialog
    assert dialog.provider.currentData() == "KMM"  # the provider chosen on the screen
    clerks = [dialog.clerks.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dialog.clerks.count())]
    assert clerks == ["carl"]  # only pay point clerks are offered
    qtbot.keyClicks(dialog.code, "pp-mbewe")
    qtbot.keyClicks(dialog.name, "Mbewe market agent")
    _choose(dialog.village, "V002")
    dialog.days["mon"].setChecked(True)
    dialog.days["thu"].setChecked(True)
    dialog.clerks.item(0).setCheckState(Qt.CheckState.Checked)
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()
    qtbot.waitUntil(lambda: screen.point_model.rowCount() == 1, timeout=5000)
    assert _texts(screen.point_model, 0) == ["PP-MBEWE"]
    assert _cell(screen.point_model, 0, 2) == "Mbewe (V002)"
    assert _cell(screen.point_model, 0, 4) == "Mon, Thu"
    assert _cell(screen.point_model, 0, 5) == "Carl"  # the clerk by name
    [saved] = _stored(hub, list_pay_points, provider="KMM")
    assert (saved.opening_days, saved.clerks) == ("mon,thu", ("carl",))


def test_a_deactivated_clerk_stays_on_the_pay_point_unless_unticked(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub]
) -> None:
    from cashdesk.payroll.providers import PayPointInput, save_pay_point
    from cashdesk.security.users import set_active

    hub = hub_as("admin")
    add_provider(hub.desk, "KMM")
    hub.desk.run(save_pay_point, PayPointInput("PP1", "Chikwawa agent", "KMM", "V001", clerks=["carl"]))
    hub.desk.run(set_active, hub.desk.vault, username="carl", active=False)
    screen = _screen(qtbot, hub, "providers")
    qtbot.waitUntil(lambda: screen.point_model.rowCount() == 1, timeout=5000)
    screen.points.selectRow(0)
    screen.edit_pay_point()
    qtbot.waitUntil(lambda: getattr(screen, "point_dialog", None) is not None, timeout=5000)
    dialog = screen.point_dialog
    items = [dialog.clerks.item(i) for i in range(dialog.clerks.count())]
    assert [(i.text(), i.checkState()) for i in items] == [("carl (inactive)", Qt.CheckState.Checked)]
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()  # saving another change keeps him
    [saved] = _stored(hub, list_pay_points, provider="KMM")
    assert saved.clerks == ("carl",)


def test_pay_point_import_names_the_bad_row_and_saves_nothing(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub], tmp_path: Path
) -> None:
    hub = hub_as("admin")
    add_provider(hub.desk, "KMM")
    screen = _screen(qtbot, hub, "providers")
    qtbot.waitUntil(lambda: screen.provider_model.rowCount() == 1, timeout=5000)
    bad = tmp_path / "points.csv"
    bad.write_text(
        "code,name,provider,village,opening_days,clerks\n"
        "PP1,Chikwawa agent,KMM,V001,mon,carl\n"
        "PP2,Nowhere agent,KMM,V999,tue,\n",
        encoding="utf-8",
    )
    screen.import_from(bad)
    qtbot.waitUntil(screen.import_result.isVisible, timeout=5000)
    text = screen.import_result.text()
    assert (
        "row 3" in text and "village" in text and "V999" in text and "Nothing from the file was saved" in text
    )
    assert screen.import_result.objectName() == "errorLabel"
    assert _stored(hub, list_pay_points) == []

    bad.write_text(
        "code,name,provider,village,opening_days,clerks\n"
        "PP1,Chikwawa agent,KMM,V001,mon,carl\n"
        "PP2,Mbewe agent,KMM,V002,tue,\n",
        encoding="utf-8",
    )
    screen.import_from(bad)
    qtbot.waitUntil(lambda: "2 new" in screen.import_result.text(), timeout=5000)
    qtbot.waitUntil(lambda: screen.point_model.rowCount() == 2, timeout=5000)
    assert _cell(screen.point_model, 0, 5) == "Carl"


def test_only_administrators_see_the_providers_screen(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    for username in ("carl", "olive", "sue"):
        window = MainWindow(hub_as(username))
        qtbot.addWidget(window)
        assert "providers" not in window.screens, username
    window = MainWindow(hub_as("admin"))
    qtbot.addWidget(window)
    assert "providers" in window.screens


# --- benefit plans -------------------------------------------------------------------------------------


def _new_plan_editor(qtbot: QtBot, hub: OpsHub) -> tuple[Any, PlanEditor]:
    screen = _screen(qtbot, hub, "plans")
    qtbot.waitUntil(lambda: screen.scheme is not None, timeout=5000)
    editor = screen.new_plan()
    assert editor is not None
    return screen, editor


def _condition(
    editor: PlanEditor, rows: Any, scope: str, field: str, operator: str, value: str
) -> ConditionRow:
    rows.add_button.click()
    row = rows.rows[-1]
    _choose(row.scope, scope)
    _choose(row.field, field)
    _choose(row.operator, operator)
    if row.value.currentWidget() is row.pick_value:
        _choose(row.pick_value, value)
    else:
        row.text_value.clear()
        row.text_value.setText(value)
    return row


def test_supervisor_builds_a_targeted_plan_with_a_top_up(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub]
) -> None:
    hub = hub_as("sue")
    screen, editor = _new_plan_editor(qtbot, hub)
    assert editor.currency.text() == "MWK" and editor.currency.isReadOnly()  # the scheme's currency
    assert editor.start.date().toPython() == date.today()
    qtbot.keyClicks(editor.code, "cg-2026")
    qtbot.keyClicks(editor.name, "Child grant")
    _choose(editor.frequency, "bimonthly")
    _condition(editor, editor.conditions, "household", "size", "gte", "5")
    head = _condition(editor, editor.conditions, "head", "sex", "eq", "F")
    assert head.value.currentWidget() is head.pick_value  # a choice is picked, not typed
    _condition(editor, editor.conditions, "member", "age", "lt", "5")
    qtbot.keyClicks(editor.base_amount, "5,000")
    top_up = _condition(editor, editor.top_ups, "member", "age", "lt", "5")
    assert isinstance(top_up, TopUpRow)
    qtbot.keyClicks(top_up.amount, "1500")
    top_up.max_count.setValue(2)
    assert [r.number.text() for r in editor.conditions.rows] == ["1.", "2.", "3."]
    with qtbot.waitSignal(editor.saved, timeout=5000):
        editor.save()

    [plan] = _stored(hub, list_plans)
    assert (plan.code, plan.frequency, plan.base_amount) == ("CG-2026", "bimonthly", "5,000.00 MWK")
    assert plan.match == "all"
    assert plan.conditions == ("household: size ≥ 5", "the head: sex = F", "a member: age < 5")
    assert plan.top_ups == ("+1,500.00 MWK if a member: age < 5 (at most 2)",)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=5000)
    qtbot.waitUntil(lambda: "number of members is at least 5" in screen.details.text(), timeout=5000)
    assert "The head: sex is female" in screen.details.text()


def test_the_schemes_own_fields_are_offered_with_their_type(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub]
) -> None:
    hub_as("admin").desk.run(
        set_custom_fields,
        schema={
            "household": {
                "type": "object",
                "properties": {"poverty_score": {"type": "number", "title": "Poverty score"}},
            },
            "member": {
                "type": "object",
                "properties": {"in_school": {"type": "boolean", "title": "In school"}},
            },
        },
    )
    hub = hub_as("sue")
    _, editor = _new_plan_editor(qtbot, hub)
    qtbot.keyClicks(editor.code, "PMT")
    qtbot.keyClicks(editor.name, "Poorest households")
    qtbot.keyClicks(editor.base_amount, "4000")
    score = _condition(editor, editor.conditions, "household", "custom.poverty_score", "lte", "30")
    assert score.field.currentText() == "Poverty score (scheme field)"
    assert [score.operator.itemData(i) for i in range(score.operator.count())] == [
        "eq", "ne", "lt", "lte", "gt", "gte",
    ]  # fmt: skip
    school = _condition(editor, editor.conditions, "member", "custom.in_school", "eq", "yes")
    assert school.value.currentWidget() is school.pick_value  # yes or no, picked
    with qtbot.waitSignal(editor.saved, timeout=5000):
        editor.save()
    assert _stored(hub, plan_definition, "PMT").conditions == [
        CriterionInput("household", "custom.poverty_score", "lte", "30"),
        CriterionInput("member", "custom.in_school", "eq", "yes"),
    ]


def test_a_bad_criterion_value_names_its_row_and_saves_nothing(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub]
) -> None:
    hub = hub_as("sue")
    _, editor = _new_plan_editor(qtbot, hub)
    qtbot.keyClicks(editor.code, "CG")
    qtbot.keyClicks(editor.name, "Child grant")
    qtbot.keyClicks(editor.base_amount, "5000")
    _condition(editor, editor.conditions, "member", "age", "lt", "5")
    second = _condition(editor, editor.conditions, "household", "size", "gte", "five")
    editor.save()
    qtbot.waitUntil(editor.error.isVisible, timeout=5000)
    assert "criterion 2" in editor.error.text() and "five" in editor.error.text()
    assert second.text_value.property("invalid") is True
    assert editor.isVisible()
    assert _stored(hub, list_plans) == []

    second.text_value.setText("5")
    top_up = _condition(editor, editor.top_ups, "household", "size", "gte", "7")
    assert isinstance(top_up, TopUpRow)
    assert not top_up.max_count.isVisibleTo(editor)  # "at most N" counts members only
    qtbot.keyClicks(top_up.amount, "1.005")  # more decimals than the kwacha has
    editor.save()
    qtbot.waitUntil(lambda: "top-up 1 amount" in editor.error.text(), timeout=5000)
    assert top_up.amount.property("invalid") is True
    assert _stored(hub, list_plans) == []


def test_editing_a_plan_shows_its_criteria_and_keeps_them(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub]
) -> None:
    hub = hub_as("sue")
    hub.desk.run(save_plan, child_grant())
    screen = _screen(qtbot, hub, "plans")
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1 and screen.scheme is not None, timeout=5000)
    screen.open_selected()
    qtbot.waitUntil(lambda: screen.editor is not None, timeout=5000)
    editor = screen.editor
    assert editor.code.text() == "CG" and editor.code.isReadOnly()
    assert editor.base_amount.text() == "5,000"
    [top_up] = editor.top_ups.rows
    assert isinstance(top_up, TopUpRow)
    assert (top_up.amount.text(), top_up.max_count.value()) == ("1,500", 2)
    editor.name.setText("Child grant (2026)")
    with qtbot.waitSignal(editor.saved, timeout=5000):
        editor.save()
    again = _stored(hub, plan_definition, "CG")
    assert again.name == "Child grant (2026)"
    assert again.conditions == [CriterionInput("member", "age", "lt", "5")]
    assert again.top_ups == [CriterionInput("member", "age", "lt", "5", amount="1500.00", max_count=2)]


def test_plan_file_import(qtbot: QtBot, hub_as: Callable[[str], OpsHub], tmp_path: Path) -> None:
    hub = hub_as("sue")
    screen = _screen(qtbot, hub, "plans")
    bad = tmp_path / "elderly.yaml"
    bad.write_text(
        "code: OAP\nname: Older persons\nstart: 2026-01-01\namount: {base: 7500}\n"
        "criteria:\n  conditions:\n    - {scope: member, field: shoe_size, operator: gte, value: 40}\n",
        encoding="utf-8",
    )
    screen.import_from(bad)
    qtbot.waitUntil(screen.result.isVisible, timeout=5000)
    assert "criterion 1" in screen.result.text() and "shoe_size" in screen.result.text()
    assert _stored(hub, list_plans) == []

    bad.write_text(
        bad.read_text(encoding="utf-8").replace("shoe_size", "age").replace("40", "65"), encoding="utf-8"
    )
    screen.import_from(bad)
    qtbot.waitUntil(lambda: "saved from the file" in screen.result.text(), timeout=5000)
    qtbot.waitUntil(lambda: _texts(screen.model, 0) == ["OAP"], timeout=5000)


def test_importing_a_plan_that_exists_asks_first(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = hub_as("sue")
    hub.desk.run(save_plan, child_grant())
    screen = _screen(qtbot, hub, "plans")
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=5000)
    file = tmp_path / "cg.json"
    file.write_text(
        '{"code": "CG", "name": "Child grant, new", "start": "2026-01-01", "amount": {"base": 6000}}'
    )
    questions: list[str] = []

    def answer(reply: QMessageBox.StandardButton) -> Callable[..., QMessageBox.StandardButton]:
        def ask(_parent: Any, _title: str, text: str, *args: Any) -> QMessageBox.StandardButton:
            questions.append(text)
            return reply

        return ask

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    screen.import_from(file)
    qtbot.waitUntil(lambda: len(questions) == 1, timeout=5000)
    hub.wait_idle()
    assert "There is already a plan CG" in questions[0]
    assert _stored(hub, plan_definition, "CG").name == "Child grant"  # kept

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    screen.import_from(file)
    qtbot.waitUntil(lambda: "saved from the file" in screen.result.text(), timeout=5000)
    assert _stored(hub, plan_definition, "CG").name == "Child grant, new"


def test_a_clerk_sees_plans_read_only(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    hub_as("sue").desk.run(save_plan, child_grant())
    hub = hub_as("carl")
    screen = _screen(qtbot, hub, "plans")
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1 and screen.scheme is not None, timeout=5000)
    assert not screen.new_button.isVisibleTo(screen) and not screen.import_button.isVisibleTo(screen)
    assert screen.edit_button.text() == "View plan…"
    assert screen.new_plan() is None
    screen.open_selected()
    qtbot.waitUntil(lambda: screen.editor is not None, timeout=5000)
    editor = screen.editor
    assert editor.read_only and not editor.save_button.isVisibleTo(editor)
    assert editor.name.isReadOnly() and not editor.conditions.rows[0].scope.isEnabled()
    window = MainWindow(hub_as("olive"))  # enrolment officers see no plans at all
    qtbot.addWidget(window)
    assert "plans" not in window.screens


def test_pay_points_fixture_lists_under_their_provider(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    add_pay_points(hub_as("admin").desk)
    screen = _screen(qtbot, hub_as("admin"), "providers")
    qtbot.waitUntil(lambda: screen.point_model.rowCount() == 2, timeout=5000)
    assert _texts(screen.point_model, 0) == ["PP1", "PP2"]
    assert _cell(screen.provider_model, 0, 3) == "2"
