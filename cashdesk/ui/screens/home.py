"""Home: the scheme at a glance."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from cashdesk.reports.overview import overview
from cashdesk.scheme.settings import scheme_info
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.base import Screen


class _Figure(QFrame):
    def __init__(self, caption: str) -> None:
        super().__init__()
        self.setObjectName("figureCard")
        self.value = QLabel("…")
        self.value.setObjectName("figureValue")
        label = QLabel(caption)
        label.setObjectName("figureCaption")
        layout = QVBoxLayout(self)
        layout.addWidget(self.value)
        layout.addWidget(label)


class HomeScreen(Screen):
    watches = frozenset({"households", "members", "locations", "providers", "pay_points", "users", "scheme"})

    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.heading = QLabel()
        self.heading.setObjectName("screenTitle")
        self.subtitle = QLabel()
        self.subtitle.setObjectName("hint")
        self.figures = {
            "households": _Figure(self.tr("households")),
            "members": _Figure(self.tr("people registered")),
            "villages": _Figure(self.tr("villages")),
            "pay_points": _Figure(self.tr("pay points")),
            "providers": _Figure(self.tr("payment providers")),
            "users": _Figure(self.tr("active users")),
            "unsynced_records": _Figure(self.tr("records not yet synced")),
        }
        grid = QGridLayout()
        for i, card in enumerate(self.figures.values()):
            grid.addWidget(card, i // 4, i % 4)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.subtitle)
        layout.addSpacing(12)
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.setAlignment(Qt.AlignmentFlag.AlignTop)

    def title(self) -> str:
        return self.tr("Home")

    def refresh(self) -> None:
        self.hub.call(scheme_info, on_done=self._show_scheme, parent=self)
        self.hub.call(overview, on_done=self._show_figures, parent=self)

    def _show_scheme(self, info: Any) -> None:
        self.heading.setText(info.name)
        self.subtitle.setText(
            self.tr("{country} · amounts in {currency} · device {device}").format(
                country=info.country_name, currency=info.currency, device=info.device_code
            )
        )

    def _show_figures(self, figures: Any) -> None:
        for key, card in self.figures.items():
            card.value.setText(f"{getattr(figures, key):,}")
