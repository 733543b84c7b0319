"""What every screen in the navigation list has in common."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from cashdesk.ui.ops import OpsHub


class Screen(QWidget):
    """A page of the main window. Subclasses name the tables they show (`watches`) and refresh when the
    ops hub reports a change to one of them, or when they are shown again after such a change."""

    watches: frozenset[str] = frozenset()

    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self._stale = True
        hub.changed.connect(self._on_changed)

    def title(self) -> str:
        raise NotImplementedError

    def _on_changed(self, tables: frozenset[str]) -> None:
        if tables & self.watches:
            self._stale = True
            if self.isVisible():
                self.refresh_now()

    def showEvent(self, event: object) -> None:  # type: ignore[override]
        super().showEvent(event)  # type: ignore[arg-type]
        if self._stale:
            self.refresh_now()

    def refresh_now(self) -> None:
        self._stale = False
        self.refresh()

    def refresh(self) -> None:
        """Reload what the screen shows (asynchronously, through the hub)."""
