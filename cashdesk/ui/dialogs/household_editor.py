"""The household editor: built for an officer typing 100 paper forms a day with the keyboard.

Household fields on top; members in a grid (Tab moves right, Enter down, Ctrl+N adds a member).
Rules are checked as you type (the same pure rules the service applies on save); look-alike people
already registered appear on the right after a short pause in typing.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QDoubleValidator, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cashdesk.registry.household_input import (
    ID_TYPES,
    HouseholdInput,
    IdentifierInput,
    MemberInput,
    check_household,
)
from cashdesk.registry.households import (
    InvalidHousehold,
    PossibleDuplicates,
    check_member_duplicates,
    create_household,
    editor_context,
    get_household,
    update_household,
)
from cashdesk.registry.importing.rows import parse_birth
from cashdesk.ui.dialogs.member_documents import MemberDocumentsDialog
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.widgets.forms import ErrorLabel, expand_choice, mark_invalid

# Grid columns: (key, title). Sex/relationship/recipient accept the first letter(s) as typed.
COLUMNS = (
    ("given_name", "Given name"),
    ("family_name", "Family name"),
    ("other_names", "Other names"),
    ("sex", "Sex"),
    ("birth", "Born"),
    ("relation_to_head", "Relationship"),
    ("recipient_role", "Recipient"),
    ("phone", "Phone"),
    ("id_type", "ID type"),
    ("id_number", "ID number"),
    ("other_ids", "Other IDs"),
    ("disability", "Disability"),
)
COL = {key: i for i, (key, _title) in enumerate(COLUMNS)}
RELATIONS = ("head", "spouse", "child", "parent", "grandchild", "other")
MAX_AGE = 120
INVALID = QColor("#f8d7da")


def _documents_text(documents: list[IdentifierInput]) -> str:
    return "; ".join(f"{d.id_type} {d.number}".strip() for d in documents)


def parse_born(text: str, today: date) -> tuple[date | None, int | None]:
    """A date (YYYY-MM-DD or DD/MM/YYYY), a year, or an estimated age: ~34, or 34 alone (a number up to
    120 cannot be a year of birth)."""
    text = text.strip()
    age = text[1:].strip() if text.startswith("~") else text
    if age.isdigit() and (text.startswith("~") or int(age) <= MAX_AGE):
        return None, today.year - int(age)
    born, year, _message, _severity = parse_birth(text)
    return born, year


def _typed(text: str, prop: dict[str, Any]) -> Any:
    """A typed cell as the JSON value the scheme's schema expects (left as text if it does not parse,
    so the rules can say what is wrong)."""
    text = text.strip()
    kind = prop.get("type")
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text
    if kind == "boolean":
        return text.lower() in ("y", "yes", "1", "true", "oui")
    return text


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "y" if value else "n"
    return str(value)


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip()) if text.strip() else None
    except InvalidOperation:
        return None


class HouseholdEditor(QDialog):
    saved = Signal(object)  # households.SavedHousehold
    open_other = Signal(object)  # household id of a look-alike the officer wants to see

    def __init__(
        self, hub: OpsHub, household_id: uuid.UUID | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self.household_id = household_id
        self.member_ids: list[uuid.UUID | None] = []
        self.context: Any = None
        self.setWindowTitle(self.tr("New household") if household_id is None else self.tr("Household"))
        self.resize(1340, 680)  # fits a 1366x768 screen with the whole members grid visible

        self.code = QLabel(self.tr("new (a code is given when saved)"))
        self.village = QComboBox()
        self.village.setEditable(True)
        self.village.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.address = QLineEdit()
        self.method = QComboBox()
        for value, label in (
            ("cash", self.tr("Cash at a pay point")),
            ("mobile_money", self.tr("Mobile money")),
            ("bank", self.tr("Bank account")),
        ):
            self.method.addItem(label, value)
        self.account = QLineEdit()
        self.account.setPlaceholderText(self.tr("mobile number or bank account"))
        self.pay_point = QComboBox()
        self.latitude = QLineEdit()
        self.longitude = QLineEdit()
        for edit, limit, hint in ((self.latitude, 90, "-15.786111"), (self.longitude, 180, "35.005833")):
            edit.setValidator(QDoubleValidator(-limit, limit, 6, edit))
            edit.setPlaceholderText(hint)
        self.household_custom: dict[str, QWidget] = {}
        self.member_custom: list[tuple[str, dict[str, Any]]] = []
        form = QFormLayout()
        self.form = form
        form.addRow(self.tr("Household"), self.code)
        form.addRow(self.tr("Village"), self.village)
        form.addRow(self.tr("Address"), self.address)
        pay = QHBoxLayout()
        pay.addWidget(self.method)
        pay.addWidget(self.account, 1)
        form.addRow(self.tr("Paid by"), pay)
        form.addRow(self.tr("Preferred pay point"), self.pay_point)
        gps = QHBoxLayout()
        gps.addWidget(QLabel(self.tr("latitude")))
        gps.addWidget(self.latitude)
        gps.addWidget(QLabel(self.tr("longitude")))
        gps.addWidget(self.longitude)
        form.addRow(self.tr("GPS (optional)"), gps)

        self.grid = QTableWidget(0, len(COLUMNS))
        self.grid.setHorizontalHeaderLabels([self.tr(title) for _key, title in COLUMNS])
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.grid.setTabKeyNavigation(True)
        for column, width in enumerate((100, 100, 92, 40, 85, 85, 72, 98, 88, 90, 100, 68)):
            self.grid.setColumnWidth(column, width)
        self.grid.itemChanged.connect(self._cell_changed)
        self.grid.cellActivated.connect(self._cell_activated)
        self.grid.cellDoubleClicked.connect(self._cell_activated)
        self.extra_ids: list[list[IdentifierInput]] = []  # documents after the first, by grid row
        add = QPushButton(self.tr("Add member (Ctrl+N)"))
        add.clicked.connect(self.add_member)
        remove = QPushButton(self.tr("Remove member"))
        remove.clicked.connect(self.remove_member)
        for button in (add, remove):  # Enter in a field must not press them (QDialog's default button)
            button.setAutoDefault(False)
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.add_member)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)
        QShortcut(QKeySequence("Ctrl+D"), self, activated=lambda: self.edit_documents(self.grid.currentRow()))
        # Tab moves between the grid's cells, so the look-alikes are reached (and left) with F6.
        QShortcut(QKeySequence("F6"), self, activated=self._toggle_look_alikes)
        member_buttons = QHBoxLayout()
        member_buttons.addWidget(add)
        member_buttons.addWidget(remove)
        member_buttons.addStretch(1)

        self.problems = QListWidget()
        self.problems.setMaximumHeight(110)
        self.problems.setToolTip(self.tr("Enter or double-click a problem to go to its field."))
        self.problems.itemActivated.connect(self._go_to_problem)
        self.look_alikes = QListWidget()
        self.look_alikes.setWordWrap(True)
        self.look_alikes.itemActivated.connect(
            lambda item: self.open_other.emit(item.data(Qt.ItemDataRole.UserRole))
        )
        side = QGroupBox(self.tr("Already registered, looks similar"))
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.look_alikes)
        hint = QLabel(
            self.tr("F6 to come here, Enter or double-click to open that household, F6 to go back.")
        )
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        side_layout.addWidget(hint)

        members = QWidget()
        members_layout = QVBoxLayout(members)
        members_layout.setContentsMargins(0, 0, 0, 0)
        members_layout.addWidget(
            QLabel(
                self.tr(
                    "<b>Members</b> — Tab moves to the next cell · Sex F/M · Born 1984-11-30, 30/11/1984, 1984 "
                    "or 40 (age) · Disability y/n · Other IDs: Ctrl+D · F6: the look-alikes"
                )
            )
        )
        members_layout.addWidget(self.grid)
        members_layout.addLayout(member_buttons)
        members_layout.addWidget(self.problems)
        split = QSplitter()
        split.addWidget(members)
        split.addWidget(side)
        split.setSizes([1060, 250])

        self.error = ErrorLabel()
        self.save_button = QPushButton(self.tr("Save household (Ctrl+S)"))
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton(self.tr("Close"))
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.close_asking)
        buttons = QHBoxLayout()
        buttons.addWidget(self.error, 1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)

        self._dup_timer = QTimer(self)
        self._dup_timer.setSingleShot(True)
        self._dup_timer.setInterval(400)
        self._dup_timer.timeout.connect(self._check_duplicates)
        self._dup_row = 0
        for widget in (self.address, self.account):
            widget.textChanged.connect(lambda _t: self.validate())
        for box in (self.village, self.method, self.pay_point):
            box.currentIndexChanged.connect(lambda _i: self.validate())
        self.hub.call(editor_context, on_done=self._context_loaded, parent=self)

    # --- loading ---
    def _context_loaded(self, context: Any) -> None:
        self.context = context
        villages = sorted(
            (ref for ref in context.locations.values() if ref.level == "village"), key=lambda r: r.name
        )
        for ref in villages:
            if self.hub.desk.actor.covers_location(ref.path):
                self.village.addItem(f"{ref.name} ({ref.code})", ref.code)
        self.village.setCurrentIndex(-1)
        self._custom_fields(context.custom_fields_schema)
        self.pay_point.addItem(self.tr("— none —"), "")
        for ref in sorted(context.pay_points.values(), key=lambda r: r.code):
            self.pay_point.addItem(ref.code, ref.code)
        if self.household_id is None:
            self.add_member()
            self.village.setFocus()
            self._loaded = self.household_input()
        else:
            self.hub.call(get_household, self.household_id, on_done=self._show, parent=self)

    def _show(self, detail: Any) -> None:
        data: HouseholdInput = detail.input
        self.code.setText(detail.code)
        self.setWindowTitle(self.tr("Household {code}").format(code=detail.code))
        self.village.setCurrentIndex(self.village.findData(data.location_code))
        self.address.setText(data.address)
        self.method.setCurrentIndex(self.method.findData(data.payment_method))
        self.account.setText(data.payment_account)
        self.pay_point.setCurrentIndex(max(0, self.pay_point.findData(data.pay_point_code)))
        self.latitude.setText("" if data.gps_latitude is None else str(data.gps_latitude))
        self.longitude.setText("" if data.gps_longitude is None else str(data.gps_longitude))
        self._show_custom(data.custom_fields)
        self.grid.blockSignals(True)
        for m in data.members:
            born = (
                m.date_of_birth.isoformat()
                if m.date_of_birth
                else (str(m.birth_year) if m.birth_year else "")
            )
            ident = m.identifiers[0] if m.identifiers else IdentifierInput("", "")
            self._append_row(
                [
                    m.given_name,
                    m.family_name,
                    m.other_names,
                    m.sex,
                    born,
                    m.relation_to_head,
                    m.recipient_role or "",
                    m.phone,
                    ident.id_type,
                    ident.number,
                    "",  # other documents: filled from `extra` below
                    "y" if m.disability else "",
                    *[_text_of(m.custom_fields.get(name)) for name, _prop in self.member_custom],
                ],
                m.id,
                extra=m.identifiers[1:],
            )
        self.grid.blockSignals(False)
        self.validate()
        self._loaded = self.household_input()

    def _custom_fields(self, schema: dict[str, Any]) -> None:
        """The scheme's extra fields: household ones in the form, member ones as more grid columns."""
        for name, prop in (schema.get("household") or {}).get("properties", {}).items():
            widget: QWidget
            if prop.get("enum"):
                widget = QComboBox()
                widget.addItem("", "")
                for value in prop["enum"]:
                    widget.addItem(str(value), value)
            elif prop.get("type") == "boolean":
                widget = QCheckBox()
            else:
                widget = QLineEdit()
            self.household_custom[name] = widget
            self.form.addRow(prop.get("title", name), widget)
        self.member_custom = list((schema.get("member") or {}).get("properties", {}).items())
        self.grid.setColumnCount(len(COLUMNS) + len(self.member_custom))
        titles = [self.tr(title) for _key, title in COLUMNS] + [
            p.get("title", n) for n, p in self.member_custom
        ]
        self.grid.setHorizontalHeaderLabels(titles)

    def _custom_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, widget in self.household_custom.items():
            if isinstance(widget, QComboBox) and widget.currentData() not in ("", None):
                values[name] = widget.currentData()
            elif isinstance(widget, QCheckBox):
                values[name] = widget.isChecked()
            elif isinstance(widget, QLineEdit) and widget.text().strip():
                prop = (
                    (self.context.custom_fields_schema.get("household") or {})
                    .get("properties", {})
                    .get(name, {})
                )
                values[name] = _typed(widget.text(), prop)
        return values

    def _show_custom(self, values: dict[str, Any]) -> None:
        for name, widget in self.household_custom.items():
            value = values.get(name)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(value)))
            elif isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, QLineEdit):
                widget.setText("" if value is None else str(value))

    # --- members ---
    def _append_row(
        self, values: list[str], member_id: uuid.UUID | None, extra: list[IdentifierInput] | None = None
    ) -> None:
        row = self.grid.rowCount()
        self.grid.insertRow(row)
        self.member_ids.append(member_id)
        self.extra_ids.append(list(extra or []))
        for column, value in enumerate(values):
            self.grid.setItem(row, column, QTableWidgetItem(value))
        documents = self.grid.item(row, COL["other_ids"])
        documents.setFlags(documents.flags() & ~Qt.ItemFlag.ItemIsEditable)  # edited in its own dialog
        documents.setText(_documents_text(self.extra_ids[row]))
        documents.setToolTip(self._documents_hint(row))

    def _documents_hint(self, row: int) -> str:
        """The documents in full (the cell may cut them off), then how to change them."""
        hint = self.tr("Enter, double-click or Ctrl+D: the member's other ID documents")
        listed = "\n".join(f"{d.id_type} {d.number}" for d in self.extra_ids[row])
        return f"{listed}\n\n{hint}" if listed else hint

    def _cell_activated(self, row: int, column: int) -> None:
        if column == COL["other_ids"]:
            self.edit_documents(row)

    def edit_documents(self, row: int) -> None:
        """The member's documents after the first, in a small dialog (most people have one or none)."""
        if not 0 <= row < self.grid.rowCount():
            return
        name = f"{self._text(row, 'given_name')} {self._text(row, 'family_name')}".strip()
        dialog = MemberDocumentsDialog(name, self.extra_ids[row], self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_documents(row, dialog.documents())
        self.grid.setCurrentCell(row, COL["other_ids"])
        self.grid.setFocus()

    def set_documents(self, row: int, documents: list[IdentifierInput]) -> None:
        self.extra_ids[row] = list(documents)
        self.grid.blockSignals(True)
        self.grid.item(row, COL["other_ids"]).setText(_documents_text(documents))
        self.grid.blockSignals(False)
        self.validate()
        self._dup_row = row
        self._dup_timer.start()

    def add_member(self) -> None:
        first = self.grid.rowCount() == 0
        family = self.grid.item(0, COL["family_name"]).text() if not first else ""
        self.grid.blockSignals(True)
        self._append_row(
            [
                "",
                family,
                "",
                "",
                "",
                "head" if first else "",
                "primary" if first else "",
                "",
                "national_id",
                "",
                "",
                "",
                *["" for _field in self.member_custom],
            ],
            None,
        )
        self.grid.blockSignals(False)
        row = self.grid.rowCount() - 1
        self.grid.setCurrentCell(row, COL["given_name"])
        self.grid.setFocus()
        self.validate()

    def remove_member(self) -> None:
        row = self.grid.currentRow()
        if row >= 0:
            self.grid.removeRow(row)
            del self.member_ids[row]
            del self.extra_ids[row]
            self.validate()

    def _text(self, row: int, key: str) -> str:
        item = self.grid.item(row, COL[key])
        return item.text().strip() if item else ""

    def _cell_changed(self, item: QTableWidgetItem) -> None:
        column = item.column()
        expanded = {
            COL["relation_to_head"]: lambda t: expand_choice(t, RELATIONS),
            COL["recipient_role"]: lambda t: expand_choice(t, ("primary", "secondary")),
            COL["id_type"]: lambda t: expand_choice(t, ID_TYPES),
            COL["sex"]: lambda t: t.strip().upper()[:1],
        }.get(column)
        if expanded:
            value = expanded(item.text())
            if value != item.text():
                self.grid.blockSignals(True)
                item.setText(value)
                self.grid.blockSignals(False)
        self.validate()
        if column in (
            COL["given_name"],
            COL["family_name"],
            COL["birth"],
            COL["id_number"],
            COL["phone"],
            COL["sex"],
        ):
            self._dup_row = item.row()
            self._dup_timer.start()

    def member_input(self, row: int) -> MemberInput:
        today = self.context.today if self.context else date.today()
        born, year = parse_born(self._text(row, "birth"), today)
        number = self._text(row, "id_number")
        return MemberInput(
            id=self.member_ids[row],
            given_name=self._text(row, "given_name"),
            family_name=self._text(row, "family_name"),
            other_names=self._text(row, "other_names"),
            sex=self._text(row, "sex"),
            date_of_birth=born,
            birth_year=year,
            relation_to_head=self._text(row, "relation_to_head"),
            recipient_role=self._text(row, "recipient_role") or None,
            phone=self._text(row, "phone"),
            identifiers=([IdentifierInput(self._text(row, "id_type"), number)] if number else [])
            + self.extra_ids[row],
            disability=self._text(row, "disability").lower() in ("y", "yes", "1", "true"),
            custom_fields=self._member_custom_values(row),
        )

    def _member_custom_values(self, row: int) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for offset, (name, prop) in enumerate(self.member_custom):
            item = self.grid.item(row, len(COLUMNS) + offset)
            if item and item.text().strip():
                values[name] = _typed(item.text(), prop)
        return values

    def household_input(self) -> HouseholdInput:
        return HouseholdInput(
            id=self.household_id,
            location_code=self.village.currentData() or "",
            address=self.address.text(),
            payment_method=self.method.currentData(),
            payment_account=self.account.text(),
            pay_point_code=self.pay_point.currentData() or "",
            gps_latitude=_decimal(self.latitude.text()),
            gps_longitude=_decimal(self.longitude.text()),
            custom_fields=self._custom_values() if self.context else {},
            members=[self.member_input(row) for row in range(self.grid.rowCount())],
        )

    # --- checking ---
    def validate(self) -> list[Any]:
        """Run the rules on what is typed now and mark the cells and fields they name."""
        if self.context is None:
            return []
        problems, _clean = check_household(self.household_input(), self.context)
        self.grid.blockSignals(True)
        for row in range(self.grid.rowCount()):
            for column in range(len(COLUMNS)):
                item = self.grid.item(row, column)
                if item:
                    item.setBackground(QColor(0, 0, 0, 0))
                    item.setToolTip(self._documents_hint(row) if column == COL["other_ids"] else "")
        self.problems.clear()
        marked = {"location": self.village, "payment_account": self.account, "pay_point": self.pay_point}
        labels = {
            "location": self.tr("Village"),
            "payment_account": self.tr("Mobile number or bank account"),
            "pay_point": self.tr("Preferred pay point"),
        }
        for widget in marked.values():
            mark_invalid(widget, False)
            widget.setToolTip("")
        for problem in problems:
            text = problem.message
            target: Any = None  # where Enter on the message takes the officer
            if problem.member_index is not None:
                key = problem.field.split(".", 1)[1].split("[")[0].split(".")[0]
                key = {"date_of_birth": "birth", "identifiers": "id_number"}.get(key, key)
                if key == "id_number" and self._is_other_document(problem.member_index, problem.field):
                    key = "other_ids"
                column = COL.get(key, 0)
                if key == "custom":  # members[i].custom.NAME -> that field's own column
                    names = [name for name, _prop in self.member_custom]
                    custom_name = problem.field.rsplit(".", 1)[-1]
                    column = len(COLUMNS) + names.index(custom_name) if custom_name in names else 0
                item = self.grid.item(problem.member_index, column)
                if item and problem.is_error:
                    item.setBackground(INVALID)
                    item.setToolTip(text)
                target = (problem.member_index, column)
                text = self.tr("Member {n}: {message}").format(n=problem.member_index + 1, message=text)
            elif problem.field in marked:
                target = marked[problem.field]
                if problem.is_error:
                    mark_invalid(target, True)
                    target.setToolTip(text)  # the message at the field itself, as the cells have it
                text = f"{labels[problem.field]}: {text}"
            entry = QListWidgetItem(("⚠ " if not problem.is_error else "✘ ") + text)
            entry.setData(Qt.ItemDataRole.UserRole, target)
            self.problems.addItem(entry)
        self.grid.blockSignals(False)
        self.problems.setVisible(bool(problems))
        return problems

    def _is_other_document(self, row: int, problem_field: str) -> bool:
        """Whether members[i].identifiers[j] is one of the dialog's documents rather than the grid's own."""
        found = re.search(r"identifiers\[(\d+)\]", problem_field)
        in_grid = 1 if self._text(row, "id_number") else 0
        return found is not None and int(found.group(1)) >= in_grid

    def _check_duplicates(self) -> None:
        row = self._dup_row
        if row >= self.grid.rowCount() or not self.village.currentData():
            return
        self.hub.call(
            check_member_duplicates,
            self.member_input(row),
            location_code=self.village.currentData(),
            household_id=self.household_id,
            on_done=lambda views: self._show_look_alikes(row, views),
            on_error=lambda _exc: None,
            parent=self,
        )

    def _show_look_alikes(self, row: int, views: list[Any]) -> None:
        self.look_alikes.clear()
        for view in views:
            self._add_look_alike(row, view)

    def _add_look_alike(self, row: int, view: Any) -> None:
        text = self.tr(
            "Member {n} ~ {name}, born {birth}\n{village}, household {code} — {score:.0f}%\n{reasons}"
        ).format(
            n=row + 1,
            name=view.name,
            birth=view.birth or "?",
            village=view.village,
            code=view.household_code,
            score=view.score,
            reasons="; ".join(view.reasons),
        )
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, view.household_id)
        self.look_alikes.addItem(item)

    def _go_to_problem(self, entry: QListWidgetItem) -> None:
        target = entry.data(Qt.ItemDataRole.UserRole)
        if isinstance(target, tuple):
            self.grid.setCurrentCell(*target)
            self.grid.setFocus()
        elif isinstance(target, QWidget):
            target.setFocus()

    # --- leaving ---
    def _toggle_look_alikes(self) -> None:
        if self.look_alikes.hasFocus():
            self.grid.setFocus()
        elif self.look_alikes.count():
            self.look_alikes.setFocus()
            self.look_alikes.setCurrentRow(max(0, self.look_alikes.currentRow()))

    def _commit_typing(self) -> None:
        """A cell still being typed in keeps its text in its editor: Ctrl+S (or a click on Save) comes
        before the Tab that would put it in the cell, so put it there first."""
        if self.grid.state() == QAbstractItemView.State.EditingState:
            editor = QApplication.focusWidget()
            if editor is not None and self.grid.isAncestorOf(editor):
                self.grid.commitData(editor)
                self.grid.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def _unsaved(self) -> bool:
        self._commit_typing()
        loaded = getattr(self, "_loaded", None)
        return loaded is not None and self.household_input() != loaded

    def close_asking(self) -> None:
        """Close, asking first when something typed would be lost (a day's forms are typed here)."""
        if self._unsaved():
            answer = QMessageBox.question(
                self,
                self.tr("Close without saving?"),
                self.tr("What you typed in this household has not been saved. Close and lose it?"),
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                return
        self.reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:  # QDialog would close at once, losing what was typed
            self.close_asking()
            return
        super().keyPressEvent(event)

    # --- saving ---
    def save(self, duplicate_note: str | None = None) -> None:
        self._commit_typing()
        problems = self.validate()
        if any(p.is_error for p in problems):
            self.error.show_error(
                self.tr("Fix the marked fields first ({n} problem(s)).").format(
                    n=sum(p.is_error for p in problems)
                )
            )
            first = next(
                i for i in range(self.problems.count()) if self.problems.item(i).text().startswith("✘")
            )
            self.problems.setCurrentRow(first)
            self._go_to_problem(self.problems.item(first))  # straight to the first thing to fix
            return
        self.error.clear_error()
        self.save_button.setEnabled(False)
        service = create_household if self.household_id is None else update_household
        self.hub.call(
            service,
            self.household_input(),
            duplicate_note=duplicate_note or None,
            on_done=self._saved,
            on_error=self._failed,
            parent=self,
        )

    def _saved(self, saved: Any) -> None:
        self.save_button.setEnabled(True)
        self.household_id = saved.id
        self.saved.emit(saved)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, PossibleDuplicates):
            self.look_alikes.clear()
            for row, views in exc.hits.items():
                for view in views:
                    self._add_look_alike(row, view)
            note, ok = QInputDialog.getText(
                self,
                self.tr("Possible duplicates"),
                self.tr(
                    "{message}\nThey are listed on the right. To save anyway, say why (a supervisor will review "
                    "the pair):"
                ).format(message=exc.message),
            )
            if ok and note.strip():
                self.save(duplicate_note=note.strip())
            elif ok:
                self.error.show_error(self.tr("Not saved: to save anyway, say why in the note."))
            return
        if isinstance(exc, InvalidHousehold):
            self.validate()
        from cashdesk.ui.ops import error_text

        self.error.show_error(error_text(exc))
