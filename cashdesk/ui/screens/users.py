"""Users (administrators): create, edit, reset passwords, deactivate and reactivate."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cashdesk.core.errors import ValidationError
from cashdesk.registry.locations import list_locations
from cashdesk.security import users
from cashdesk.security.permissions import Role, role_label
from cashdesk.ui.ops import OpsHub, error_text
from cashdesk.ui.screens.base import Screen
from cashdesk.ui.widgets.forms import ErrorLabel, ok_cancel_buttons, show_failure
from cashdesk.ui.widgets.tables import row_table

Index = QModelIndex | QPersistentModelIndex


class UsersModel(QAbstractTableModel):
    """Rows are users.UserInfo values."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []
        self.headers = [
            self.tr("User name"),
            self.tr("Full name"),
            self.tr("Role"),
            self.tr("Areas"),
            self.tr("Status"),
            self.tr("Last login"),
        ]

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        user = self.rows[index.row()]
        if role == Qt.ItemDataRole.ForegroundRole and not user.active:
            return Qt.GlobalColor.gray
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        status = self.tr("active") if user.active else self.tr("deactivated")
        if user.active and user.must_change_password:
            status = self.tr("active (temporary password)")
        last = (
            user.last_login_at.astimezone().strftime("%Y-%m-%d %H:%M")
            if user.last_login_at
            else self.tr("never")
        )
        return (
            user.username,
            user.full_name,
            role_label(user.role),
            ", ".join(user.location_codes) or "—",
            status,
            last,
        )[index.column()]


class UserDialog(QDialog):
    """New user (with a temporary password) or edit of an existing one."""

    def __init__(
        self, hub: OpsHub, locations: list[Any], user: Any = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self.user = user
        self.setWindowTitle(self.tr("Edit user") if user else self.tr("New user"))
        self.setMinimumWidth(480)
        self.username = QLineEdit(user.username if user else "")
        self.username.setReadOnly(user is not None)
        self.full_name = QLineEdit(user.full_name if user else "")
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(role_label(role), role)
        if user:
            self.role.setCurrentIndex(self.role.findData(user.role))
        self.locations = QListWidget()
        self.locations.setMaximumHeight(150)
        chosen = set(user.location_codes) if user else set()
        for loc in locations:
            depth = loc.path.count("/") - 2
            item = QListWidgetItem("    " * depth + f"{loc.name} ({loc.code})")
            item.setData(Qt.ItemDataRole.UserRole, loc.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if loc.code in chosen else Qt.CheckState.Unchecked)
            self.locations.addItem(item)
        self.password = QLineEdit()
        self.confirm = QLineEdit()
        for field in (self.password, self.confirm):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Full name"), self.full_name)
        form.addRow(self.tr("Role"), self.role)
        form.addRow(self.tr("Works in"), self.locations)
        if user is None:
            form.addRow(self.tr("Temporary password"), self.password)
            form.addRow(self.tr("Type it again"), self.confirm)
        hint = QLabel(
            self.tr(
                "Enrolment officers register households only in the areas ticked here. "
                "A new user must change the temporary password at first login."
            )
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        self.error = ErrorLabel()
        self.buttons = ok_cancel_buttons(self, self.tr("Save"), self._save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._fields = {
            "username": self.username,
            "full_name": self.full_name,
            "password": self.password,
            "locations": self.locations,
        }

    def chosen_locations(self) -> list[str]:
        return [
            self.locations.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.locations.count())
            if self.locations.item(i).checkState() == Qt.CheckState.Checked
        ]

    def _save(self) -> None:
        self.error.clear_error()
        done = {"on_done": lambda _info: self.accept(), "on_error": self._failed, "parent": self}
        if self.user is None:
            if self.password.text() != self.confirm.text():
                self._failed(ValidationError(self.tr("The two passwords are different."), field="password"))
                return
            self.hub.call(
                users.create_user,
                self.hub.desk.vault,
                username=self.username.text(),
                full_name=self.full_name.text(),
                role=self.role.currentData(),
                password=self.password.text(),
                location_codes=self.chosen_locations(),
                **done,
            )
        else:
            self.hub.call(
                users.update_user,
                username=self.user.username,
                full_name=self.full_name.text(),
                role=self.role.currentData(),
                location_codes=self.chosen_locations(),
                **done,
            )

    def _failed(self, exc: BaseException) -> None:
        show_failure(exc, self.error, self._fields)


class UsersScreen(Screen):
    watches = frozenset({"users", "user_locations"})

    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        heading = QLabel(self.tr("Users"))
        heading.setObjectName("screenTitle")
        self.model = UsersModel(self)
        self.table = row_table(self.model, fit_columns=True)
        self.table.doubleClicked.connect(lambda _index: self.edit_user())
        self.new_button = QPushButton(self.tr("New user…"))
        self.edit_button = QPushButton(self.tr("Edit…"))
        self.reset_button = QPushButton(self.tr("Reset password…"))
        self.active_button = QPushButton(self.tr("Deactivate"))
        self.new_button.clicked.connect(self.new_user)
        self.edit_button.clicked.connect(self.edit_user)
        self.reset_button.clicked.connect(self.reset_password)
        self.active_button.clicked.connect(self.toggle_active)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.reset_button, self.active_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self._selection_changed()

    def title(self) -> str:
        return self.tr("Users")

    def refresh(self) -> None:
        self.hub.call(users.list_users, on_done=self.model.set_rows, parent=self)

    def selected(self) -> Any:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def _selection_changed(self, *args: Any) -> None:
        user = self.selected()
        for button in (self.edit_button, self.reset_button, self.active_button):
            button.setEnabled(user is not None)
        self.active_button.setText(
            self.tr("Reactivate…") if user and not user.active else self.tr("Deactivate")
        )

    def _with_locations(self, then: Any) -> None:
        self.hub.call(list_locations, on_done=then, parent=self)

    def new_user(self) -> None:
        self._with_locations(lambda locations: UserDialog(self.hub, locations, parent=self).exec())

    def edit_user(self) -> None:
        user = self.selected()
        if user:
            self._with_locations(lambda locations: UserDialog(self.hub, locations, user, parent=self).exec())

    def _ask_password(self, title: str, user: Any) -> str | None:
        password, ok = QInputDialog.getText(
            self,
            title,
            self.tr("Temporary password for {name} (they must change it at next login):").format(
                name=user.username
            ),
            QLineEdit.EchoMode.Password,
        )
        return password if ok else None

    def reset_password(self) -> None:
        user = self.selected()
        if not user:
            return
        password = self._ask_password(self.tr("Reset password"), user)
        if password is not None:
            self.hub.call(
                users.reset_password,
                self.hub.desk.vault,
                username=user.username,
                new_password=password,
                on_done=lambda _u: QMessageBox.information(
                    self,
                    self.tr("Password reset"),
                    self.tr("{name} can log in with the temporary password.").format(name=user.username),
                ),
                on_error=lambda exc: QMessageBox.warning(self, self.tr("Reset password"), error_text(exc)),
                parent=self,
            )

    def toggle_active(self) -> None:
        user = self.selected()
        if not user:
            return
        if user.active:
            answer = QMessageBox.question(
                self,
                self.tr("Deactivate user"),
                self.tr("Deactivate {name}? They will not be able to log in; their past work stays.").format(
                    name=user.username
                ),
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.hub.call(
                    users.set_active, self.hub.desk.vault, username=user.username, active=False, parent=self
                )
        else:
            password = self._ask_password(self.tr("Reactivate user"), user)
            if password is not None:
                self.hub.call(
                    users.set_active,
                    self.hub.desk.vault,
                    username=user.username,
                    active=True,
                    new_password=password,
                    parent=self,
                )
