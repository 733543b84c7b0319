"""Duplicate review queue (supervisors): one pair at a time, side by side, decide and move on."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cashdesk.registry.review import (
    MERGE_FIELDS,
    count_queue,
    decide_field_visit,
    decide_not_same,
    merge,
    review_queue,
    scan_registry,
)
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.base import Screen

DIFFERENT = "background: #fff3bf;"


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(value) or "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(getattr(value, "isoformat", lambda: value)())


class DuplicatesScreen(Screen):
    watches = frozenset({"duplicate_candidates"})
    open_household = Signal(object)

    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        heading = QLabel(self.tr("Possible duplicates"))
        heading.setObjectName("screenTitle")
        self.count = QLabel()
        self.count.setObjectName("hint")
        self.scan_button = QPushButton(self.tr("Scan the whole registry…"))
        self.scan_button.clicked.connect(self.scan)
        self.queue = QListWidget()
        self.queue.setMaximumWidth(380)  # room for two full names and the score
        self.queue.currentRowChanged.connect(self._select)
        self.items: list[Any] = []

        self.header = QLabel()
        self.header.setWordWrap(True)
        self.pair = QGridLayout()
        self.keep_group = QButtonGroup(self)
        self.keep_left = QRadioButton(self.tr("keep this record"))
        self.keep_right = QRadioButton(self.tr("keep this record"))
        self.keep_group.addButton(self.keep_left)
        self.keep_group.addButton(self.keep_right)
        # Choosing the record to keep chooses its values too; the supervisor then picks any from the other.
        self.keep_left.toggled.connect(lambda on: on and self._choose_all(1))
        self.keep_right.toggled.connect(lambda on: on and self._choose_all(2))
        self.choices: dict[str, QButtonGroup] = {}
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("Note for the record (optional)"))
        self.same = QPushButton(self.tr("Same person: merge"))
        self.not_same = QPushButton(self.tr("Not the same"))
        self.visit = QPushButton(self.tr("Needs a field visit"))
        self.same.clicked.connect(self.decide_same)
        self.not_same.clicked.connect(lambda: self._decide(decide_not_same))
        self.visit.clicked.connect(lambda: self._decide(decide_field_visit))
        buttons = QHBoxLayout()
        for button in (self.same, self.not_same, self.visit):
            buttons.addWidget(button)
        buttons.addStretch(1)

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.addWidget(self.header)
        detail_layout.addLayout(self.pair)
        detail_layout.addWidget(self.note)
        detail_layout.addLayout(buttons)
        detail_layout.addStretch(1)
        split = QSplitter()
        split.addWidget(self.queue)
        split.addWidget(detail)
        split.setSizes([350, 830])
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.scan_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.count)
        layout.addWidget(split, 1)
        self._enable(False)

    def title(self) -> str:
        return self.tr("Duplicates")

    def scan(self) -> None:
        """A full scan is long work: progress dialog with Cancel; the queue refreshes when it ends."""
        self.scan_button.setEnabled(False)
        self.hub.job(
            self.tr("Comparing everyone in the registry…"),
            scan_registry,
            on_done=self._scanned,
            on_error=self._scan_failed,
            parent=self,
        )

    def _scanned(self, result: Any) -> None:
        self.scan_button.setEnabled(True)
        self.count.setText(
            self.tr("Scan done: {people:,} people compared, {new:,} new pairs.").format(
                people=result.people, new=result.new_candidates
            )
        )
        self.refresh()

    def _scan_failed(self, exc: BaseException) -> None:
        from cashdesk.ui.ops import error_text

        self.scan_button.setEnabled(True)
        self.count.setText(error_text(exc))

    def refresh(self) -> None:
        self.hub.call(review_queue, limit=200, on_done=self._fill, parent=self)
        self.hub.call(
            count_queue,
            on_done=lambda n: self.count.setText(self.tr("{n:,} pairs waiting for a decision").format(n=n)),
            parent=self,
        )

    def _fill(self, items: list[Any]) -> None:
        self.items = items
        self.queue.blockSignals(True)
        self.queue.clear()
        for item in items:
            left, right = item.left.values, item.right.values
            text = self.tr("{score:.0f}%  {a} / {b}").format(
                score=item.score,
                a=f"{left['given_name']} {left['family_name']}",
                b=f"{right['given_name']} {right['family_name']}",
            )
            self.queue.addItem(QListWidgetItem(text))
        self.queue.blockSignals(False)
        if items:
            self.queue.setCurrentRow(0)
            self._select(0)
        else:
            self._clear_pair()
            self.header.setText(self.tr("Nothing to review."))
            self._enable(False)

    def _enable(self, on: bool) -> None:
        for button in (self.same, self.not_same, self.visit):
            button.setEnabled(on)

    def _clear_pair(self) -> None:
        while self.pair.count():
            widget = self.pair.takeAt(0).widget()
            if widget is not None and widget not in (self.keep_left, self.keep_right):
                widget.deleteLater()
        self.choices = {}

    def current(self) -> Any:
        row = self.queue.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def _select(self, row: int) -> None:
        item = self.current()
        self._clear_pair()
        if item is None:
            return
        self._enable(True)
        self.header.setText(
            self.tr("<b>Score {score:.0f}</b> — {reasons}<br>found by {source}{note}").format(
                score=item.score,
                reasons="; ".join(item.reasons),
                source=item.source,
                note=(" — " + item.note) if item.note else "",
            )
        )
        sides = (item.left, item.right)
        for column, side in enumerate(sides, start=1):
            link = QLabel(f"<a href='#'>{side.household_code}</a> · {side.village} · {side.relation}")
            link.linkActivated.connect(lambda _href, hid=side.household_id: self.open_household.emit(hid))
            self.pair.addWidget(link, 0, column)
        differing = set(item.differing_fields())
        for r, name in enumerate((*MERGE_FIELDS, "id_numbers"), start=1):
            label = QLabel(name.replace("_", " "))
            self.pair.addWidget(label, r, 0)
            group = QButtonGroup(self)
            for column, side in enumerate(sides, start=1):
                text = _show(side.values.get(name))
                if name in MERGE_FIELDS and name in differing:
                    widget: QWidget = QRadioButton(text)
                    group.addButton(widget, column)
                    if column == 1:
                        widget.setChecked(True)
                else:
                    widget = QLabel(text)
                if name in differing:
                    widget.setStyleSheet(DIFFERENT)
                self.pair.addWidget(widget, r, column)
            if group.buttons():
                self.choices[name] = group
        last = len(MERGE_FIELDS) + 2
        self.pair.addWidget(self.keep_left, last, 1)
        self.pair.addWidget(self.keep_right, last, 2)
        self.keep_left.setChecked(True)
        self._choose_all(1)  # a new pair: setChecked does not signal when the left one was kept already

    def _choose_all(self, column: int) -> None:
        for group in self.choices.values():
            button = group.button(column)
            if button is not None:
                button.setChecked(True)

    def _after_decision(self, _result: Any) -> None:
        self.note.clear()
        self.refresh()

    def _decide(self, service: Any) -> None:
        item = self.current()
        if item is not None:
            self.hub.call(service, item.id, note=self.note.text(), on_done=self._after_decision, parent=self)

    def decide_same(self) -> None:
        item = self.current()
        if item is None:
            return
        sides = {1: item.left.member_id, 2: item.right.member_id}
        keep = sides[1] if self.keep_left.isChecked() else sides[2]
        choices = {
            name: sides[group.checkedId()]
            for name, group in self.choices.items()
            if group.checkedId() in sides
        }
        self.hub.call(
            merge,
            item.id,
            keep=keep,
            choices=choices,
            note=self.note.text(),
            on_done=self._after_decision,
            parent=self,
        )
