"""A table model over a short list of DTO rows that arrives whole (providers, pay points, plans): the
lists that never grow to thousands, where PagedTableModel's paging would only add waiting."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

Column = tuple[str, Callable[[Any], Any]]
Index = QModelIndex | QPersistentModelIndex


class RowsModel(QAbstractTableModel):
    """`columns` are (title, row -> text). `warning(row, column)` returns a reason to show that cell in
    red with the reason in its tooltip (an expired contract), or "" for none; `muted(row)` greys a row
    out (a provider no longer in use). A cell's tooltip is `tooltip(row, column)`, by default its own
    text (for cells cut short)."""

    WARNING = QColor("#b00020")

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        warning: Callable[[Any, int], str] | None = None,
        muted: Callable[[Any], bool] | None = None,
        tooltip: Callable[[Any, int], str] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Any] = []
        self._warning = warning or (lambda _row, _column: "")
        self._muted = muted or (lambda _row: False)
        self._tooltip = tooltip or (lambda row, column: str(self.columns[column][1](row) or ""))

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> Any:
        return self.rows[index]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = self.columns[index.column()][1](row)
            return "" if value is None else str(value)
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole):
            reason = self._warning(row, index.column())
            if role == Qt.ItemDataRole.ToolTipRole:
                return "\n".join(x for x in (self._tooltip(row, index.column()), reason) if x) or None
            if reason:
                return self.WARNING
            return QColor(Qt.GlobalColor.gray) if self._muted(row) else None
        return None
