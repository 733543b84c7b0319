"""A table model that fetches rows a page at a time, so a list of 500,000 opens instantly.

It knows nothing about the database: it is given `fetch(offset, limit, deliver)` which must call
`deliver(rows)` later (on the UI thread) with at most `limit` plain rows, and `columns`, a list of
(title, row -> display value). Qt's view asks for more (`canFetchMore`/`fetchMore`) as the user scrolls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Fetch = Callable[[int, int, Callable[[list[Any]], None]], None]
Column = tuple[str, Callable[[Any], Any]]
Index = QModelIndex | QPersistentModelIndex


class PagedTableModel(QAbstractTableModel):
    def __init__(
        self, columns: Sequence[Column], fetch: Fetch, *, page_size: int = 200, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._fetch = fetch
        self._page_size = page_size
        self._rows: list[Any] = []
        self._exhausted = False
        self._loading = False
        self._generation = 0  # pages requested before a reset are dropped when they arrive
        # Views ask for rows as soon as they exist; nothing is fetched until the screen calls reload().
        self._started = False

    # --- Qt interface ---
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        value = self._columns[index.column()][1](self._rows[index.row()])
        return "" if value is None else str(value)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section][0]
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return self._started and not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self._started or parent.isValid() or self._exhausted or self._loading:
            return
        self._loading = True
        generation = self._generation
        self._fetch(len(self._rows), self._page_size, lambda rows: self._deliver(generation, rows))

    # --- our interface ---
    def _deliver(self, generation: int, rows: list[Any]) -> None:
        if generation != self._generation:
            return
        self._loading = False
        if len(rows) < self._page_size:
            self._exhausted = True
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def reload(self, fetch: Fetch | None = None) -> None:
        """Forget every row and start again from the first page (after a filter or a change)."""
        self.beginResetModel()
        if fetch is not None:
            self._fetch = fetch
        self._generation += 1
        self._started = True
        self._rows = []
        self._exhausted = False
        self._loading = False
        self.endResetModel()
        self.fetchMore()

    def row(self, index: int) -> Any:
        return self._rows[index]

    @property
    def loaded(self) -> int:
        return len(self._rows)

    @property
    def complete(self) -> bool:
        return self._exhausted
