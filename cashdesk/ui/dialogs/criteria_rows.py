"""The inclusion-criteria builder: rows of [who | field | test | value], and top-up rows that add an amount.

Nobody types code: the fields come from the payroll service's catalogue (cashdesk.payroll.criteria, the
scheme's own fields included), each field offers only the tests its type has, and a yes/no or a fixed list
is picked from a list. What the rows hold is handed to save_plan as CriterionInput; the service still
checks everything and names the criterion ("criterion 2: …"), which is why each row shows its number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cashdesk.payroll.criteria import BOOLEAN, CHOICE, OPERATORS, FieldSpec, field_catalogue
from cashdesk.payroll.plans import CriterionInput


def tr(text: str) -> str:
    return QCoreApplication.translate("Criteria", text)


SCOPES = {
    "household": "The household",
    "member": "A member",
    "head": "The head",
}
# In a plan for individuals a member condition is about the person considered for payment.
PERSON_SCOPE, PERSON_TIP = (
    "The person",
    "The person to be paid matches (each member is considered on their own).",
)
SCOPE_TIPS = {
    "household": "A fact about the whole household: its size, village, payment method or the scheme's own fields.",
    "member": "At least one member of the household matches (for a top-up: each matching member counts).",
    "head": "The head of the household matches.",
}
# Tests in words; the service's operator codes are eq, ne, lt, lte, gt, gte, in, starts, contains.
OPERATOR_LABELS = {
    "eq": "is",
    "ne": "is not",
    "lt": "is less than",
    "lte": "is at most",
    "gt": "is more than",
    "gte": "is at least",
    "in": "is one of",
    "starts": "starts with",
    "contains": "contains",
}
CHOICE_LABELS = {"F": "female", "M": "male", "mobile_money": "mobile money"}
LOCATION_FIELDS = ("village", "area")


def choice_label(value: str) -> str:
    return tr(CHOICE_LABELS.get(value, value.replace("_", " ")))


def describe(
    item: CriterionInput, catalogue: Mapping[str, Mapping[str, FieldSpec]], *, individual: bool = False
) -> str:
    """'A member: age in years is less than 5' ('The person: …' in a plan for individuals), in the words
    the builder uses."""
    spec = catalogue.get(item.scope, {}).get(item.field)
    label = spec.label if spec else item.field
    value = item.value
    if spec and spec.kind == CHOICE:
        value = ", ".join(choice_label(v.strip()) for v in item.value.split(","))
    op = tr(OPERATOR_LABELS.get(item.operator, item.operator))
    scope = PERSON_SCOPE if individual and item.scope == "member" else SCOPES.get(item.scope, item.scope)
    return f"{tr(scope)}: {label} {op} {value}"


class ConditionRow(QWidget):
    """One condition. `removed` asks the list to drop this row."""

    removed = Signal(object)
    changed = Signal()

    def __init__(
        self,
        catalogues: Mapping[str, Mapping[str, FieldSpec]],
        location_codes: list[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.catalogues = catalogues
        self.individual = False  # set_individual: the words of a plan for individuals
        self.number = QLabel()
        self.number.setFixedWidth(22)
        self.number.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.scope = QComboBox()
        for value, label in SCOPES.items():
            self.scope.addItem(tr(label), value)
            self.scope.setItemData(self.scope.count() - 1, tr(SCOPE_TIPS[value]), Qt.ItemDataRole.ToolTipRole)
        self.scope.setFixedWidth(125)
        self.field = QComboBox()
        self.field.setFixedWidth(215)
        self.operator = QComboBox()
        self.operator.setFixedWidth(115)
        self.text_value = QLineEdit()
        self.pick_value = QComboBox()
        self.value = QStackedWidget()
        self.value.addWidget(self.text_value)
        self.value.addWidget(self.pick_value)
        self.value.setFixedWidth(150)
        self.value.setFocusProxy(self.text_value)
        completer = QCompleter(location_codes, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._location_completer = completer
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setToolTip(tr("Remove this row"))
        self.remove.clicked.connect(lambda: self.removed.emit(self))
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        for widget in (self.number, self.scope, self.field, self.operator, self.value):
            self.layout_.addWidget(widget)
        self.scope.currentIndexChanged.connect(lambda _i: self._fill_fields())
        self.field.currentIndexChanged.connect(lambda _i: self._fill_operators())
        self.operator.currentIndexChanged.connect(lambda _i: self._choose_value_widget())
        for signal in (
            self.scope.currentIndexChanged,
            self.field.currentIndexChanged,
            self.operator.currentIndexChanged,
            self.pick_value.currentIndexChanged,
        ):
            signal.connect(lambda *_a: self.changed.emit())
        self.text_value.textChanged.connect(lambda _t: self.changed.emit())
        self._fill_fields()

    def set_individual(self, individual: bool) -> None:
        """Word the member scope for a plan for individuals ("The person") or for households ("A member")."""
        self.individual = individual
        index = self.scope.findData("member")
        self.scope.setItemText(index, tr(PERSON_SCOPE if individual else SCOPES["member"]))
        self.scope.setItemData(
            index, tr(PERSON_TIP if individual else SCOPE_TIPS["member"]), Qt.ItemDataRole.ToolTipRole
        )

    def finish_layout(self) -> None:
        """Subclasses add their widgets first; the remove button always comes last."""
        self.layout_.addWidget(self.remove)  # next to the row it removes, not at the far edge
        self.layout_.addStretch(1)

    # --- the cascade: scope -> fields -> operators -> value widget ---
    def spec(self) -> FieldSpec | None:
        return self.catalogues[self.scope.currentData()].get(self.field.currentData())

    def _fill_fields(self, keep: str | None = None, *, loading: bool = False) -> None:
        """Refill the fields for the chosen scope, keeping the field when the new scope has it too."""
        keep = keep or self.field.currentData()
        self.field.blockSignals(True)
        self.field.clear()
        for name, spec in self.catalogues[self.scope.currentData()].items():
            label = (
                spec.label
                if not name.startswith("custom.")
                else tr("{label} (scheme field)").format(label=spec.label)
            )
            self.field.addItem(label, name)
        if loading and keep and self.field.findData(keep) < 0:
            # A field the catalogue lacks (a saved plan or a file): shown as it is, for the service to name.
            self.field.addItem(tr("{name} (unknown field)").format(name=keep), keep)
        self.field.setCurrentIndex(max(0, self.field.findData(keep)))
        self.field.blockSignals(False)
        if not loading:
            self._fill_operators()

    def _fill_operators(self, keep: str | None = None, *, loading: bool = False) -> None:
        keep = keep or self.operator.currentData()
        spec = self.spec()
        self.operator.blockSignals(True)
        self.operator.clear()
        for op in OPERATORS[spec.kind] if spec else ():
            self.operator.addItem(tr(OPERATOR_LABELS[op]), op)
        if loading and keep and self.operator.findData(keep) < 0:
            self.operator.addItem(keep, keep)
        self.operator.setCurrentIndex(max(0, self.operator.findData(keep)))
        self.operator.blockSignals(False)
        self._choose_value_widget()

    def _choose_value_widget(self) -> None:
        spec = self.spec()
        op = self.operator.currentData()
        picks = spec is not None and spec.kind in (BOOLEAN, CHOICE) and op != "in"
        kept = self.value_text()
        self.pick_value.blockSignals(True)
        self.pick_value.clear()
        if spec is not None and spec.kind == BOOLEAN:
            self.pick_value.addItem(tr("yes"), "yes")
            self.pick_value.addItem(tr("no"), "no")
        elif spec is not None and spec.kind == CHOICE:
            for choice in spec.choices:
                self.pick_value.addItem(choice_label(choice), choice)
        self.pick_value.blockSignals(False)
        self.value.setCurrentWidget(self.pick_value if picks else self.text_value)
        self.value.setFocusProxy(self.pick_value if picks else self.text_value)
        self.set_value(kept)
        self.text_value.setCompleter(
            self._location_completer if spec is not None and spec.name in LOCATION_FIELDS else None
        )
        self.text_value.setPlaceholderText(self._placeholder(spec, op))
        self.text_value.setToolTip(self._placeholder(spec, op))

    def _placeholder(self, spec: FieldSpec | None, op: str | None) -> str:
        """What to type, for the value box's grey hint and tooltip."""
        if spec is None:
            return ""
        hints = {
            ("village", False): tr("village code, e.g. V001"),
            ("village", True): tr("village codes: V001, V002"),
            ("area", False): tr("location code, e.g. D01"),
            ("area", True): tr("location codes: D01, D02"),
        }
        if spec.name in LOCATION_FIELDS:
            return hints[(spec.name, op == "in")]
        if op == "in" and spec.choices:
            return tr("some of: {choices}").format(choices=", ".join(spec.choices))
        if op == "in":
            return tr("values separated by commas")
        return tr("a number") if spec.kind in ("integer", "number") else tr("text")

    # --- values in and out ---
    def value_text(self) -> str:
        if self.value.currentWidget() is self.pick_value:
            return str(self.pick_value.currentData() or "")
        return self.text_value.text()

    def set_value(self, text: str) -> None:
        found = next(
            (
                i
                for i in range(self.pick_value.count())
                if str(self.pick_value.itemData(i)).lower() == text.lower()
            ),
            -1,
        )
        if found >= 0:
            self.pick_value.setCurrentIndex(found)
        self.text_value.setText(text)

    def load(self, item: CriterionInput) -> None:
        index = self.scope.findData(item.scope)
        self.scope.blockSignals(True)
        self.scope.setCurrentIndex(max(0, index))
        self.scope.blockSignals(False)
        self._fill_fields(keep=item.field, loading=True)
        self._fill_operators(keep=item.operator, loading=True)
        self.set_value(item.value)

    def criterion(self) -> CriterionInput:
        return CriterionInput(
            scope=str(self.scope.currentData()),
            field=str(self.field.currentData() or ""),
            operator=str(self.operator.currentData() or ""),
            value=self.value_text(),
        )

    def focus_widgets(self) -> list[QWidget]:
        return [self.scope, self.field, self.operator, self.value.currentWidget(), self.remove]

    def set_read_only(self, read_only: bool) -> None:
        for widget in (self.scope, self.field, self.operator, self.pick_value):
            widget.setEnabled(not read_only)
        self.text_value.setReadOnly(read_only)
        self.remove.setVisible(not read_only)


class TopUpRow(ConditionRow):
    """If <condition>, add <amount>; a member condition counts each matching member, at most N of them."""

    def __init__(
        self,
        catalogues: Mapping[str, Mapping[str, FieldSpec]],
        location_codes: list[str],
        currency: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(catalogues, location_codes, parent)
        self.amount = QLineEdit()
        self.amount.setFixedWidth(95)
        self.amount.setPlaceholderText(tr("amount"))
        self.amount.setToolTip(
            tr("Added to the household's amount each cycle, in {currency}.").format(currency=currency)
        )
        self.max_count = QSpinBox()
        self.max_count.setRange(0, 99)
        self.max_count.setSpecialValueText(tr("no limit"))
        self.max_count.setFixedWidth(85)
        self.max_count.setToolTip(
            tr("For a member condition: the amount is added for each matching member, at most this many.")
        )
        self.max_label = QLabel(tr("per member, at most"))
        self.layout_.addWidget(QLabel(tr("add")))
        self.layout_.addWidget(self.amount)
        self.layout_.addWidget(QLabel(currency))
        self.layout_.addWidget(self.max_label)
        self.layout_.addWidget(self.max_count)
        self.scope.currentIndexChanged.connect(lambda _i: self._member_only())
        self.amount.textChanged.connect(lambda _t: self.changed.emit())
        self.max_count.valueChanged.connect(lambda _v: self.changed.emit())
        self._member_only()

    def set_individual(self, individual: bool) -> None:
        super().set_individual(individual)
        self._member_only()

    def _member_only(self) -> None:
        # "at most N" counts members; the service refuses it on a household or head condition, and in a
        # plan for individuals, where a member top-up is about the one person paid.
        member = self.scope.currentData() == "member" and not self.individual
        self.max_count.setVisible(member)
        self.max_label.setVisible(member)
        if not member:
            self.max_count.setValue(0)

    def load(self, item: CriterionInput) -> None:
        super().load(item)
        self._member_only()
        self.amount.setText(item.amount)
        self.max_count.setValue(item.max_count or 0)

    def criterion(self) -> CriterionInput:
        base = super().criterion()
        return CriterionInput(
            scope=base.scope,
            field=base.field,
            operator=base.operator,
            value=base.value,
            amount=self.amount.text(),
            max_count=self.max_count.value() or None,
        )

    def focus_widgets(self) -> list[QWidget]:
        return [*super().focus_widgets()[:-1], self.amount, self.max_count, self.remove]

    def set_read_only(self, read_only: bool) -> None:
        super().set_read_only(read_only)
        self.amount.setReadOnly(read_only)
        self.max_count.setEnabled(not read_only)


class RowList(QWidget):
    """A column of rows with numbers (1, 2, …) that follow additions and removals."""

    changed = Signal()

    def __init__(
        self, make_row: Callable[[], ConditionRow], empty_text: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.make_row = make_row
        self.rows: list[ConditionRow] = []
        self.empty = QLabel(empty_text)
        self.empty.setObjectName("hint")
        self.empty.setWordWrap(True)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(4)
        self.column.addWidget(self.empty)
        self.column.addStretch(1)

    def add_row(self, item: CriterionInput | None = None) -> ConditionRow:
        row = self.make_row()
        row.finish_layout()
        if item is not None:
            row.load(item)
        row.removed.connect(self.remove_row)
        row.changed.connect(self.changed)
        self.rows.append(row)
        self.column.insertWidget(len(self.rows), row)  # after the hint, before the stretch
        self._renumber()
        self.changed.emit()
        return row

    def remove_row(self, row: ConditionRow) -> None:
        self.rows.remove(row)
        row.hide()
        row.deleteLater()
        self._renumber()
        self.changed.emit()

    def _renumber(self) -> None:
        for n, row in enumerate(self.rows, start=1):
            row.number.setText(f"{n}.")
        self.empty.setVisible(not self.rows)

    def items(self) -> list[CriterionInput]:
        return [row.criterion() for row in self.rows]

    def set_items(self, items: list[CriterionInput]) -> None:
        for row in list(self.rows):
            self.remove_row(row)
        for item in items:
            self.add_row(item)


def catalogues_for(custom_schema: Mapping[str, Any]) -> dict[str, dict[str, FieldSpec]]:
    """The fields of each scope, the scheme's own (custom) fields included."""
    return {scope: field_catalogue(scope, custom_schema) for scope in SCOPES}  # type: ignore[arg-type]
