"""Panels that draw only while on screen: a dock tab behind another one just remembers to redraw."""
from __future__ import annotations

from PySide6.QtCore import QTimer


class DrawsWhenShown:
    """Mixin for a QWidget with `refresh(force=False)` that sets `_dirty` when it skipped drawing."""

    _dirty = False

    def on_screen(self) -> bool:
        """False while the panel's dock tab is behind another one (Qt still calls it visible)."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def refresh_if_dirty(self) -> None:
        """Draw what changed while the panel was behind another tab (its dock calls this when shown)."""
        if self._dirty:
            self.refresh(force=True)


class FollowsWhenShown(DrawsWhenShown):
    """Mixin for a view with a plain `refresh()` that follows background changes (a new run, new gradients).

    Connect those changes to `follow()`: while the view is hidden in a window on screen (its dock
    tab behind another one, or the dock closed) it only remembers, so a network training in the
    background never makes hidden views redraw on the GUI thread; its dock calls
    `refresh_if_dirty()` when it comes to the front. A view whose window is not on screen (built
    by itself, or before the window is shown) follows at once, so what it says is always current.
    What the user does in the view itself (a pixel picked, a spin box) refreshes at once too.
    """

    def waits(self) -> bool:
        """True while following a change would draw for nobody."""
        return self.window().isVisible() and not self.on_screen()

    def follow(self) -> None:
        self._dirty = self.waits()
        if not self._dirty:
            self.refresh()

    def refresh_if_dirty(self) -> None:
        if self._dirty:
            self._dirty = False
            self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._catch_up()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._catch_up()

    def _catch_up(self) -> None:
        """Refresh once the view is really on screen, however it got there: its dock signals only
        tab changes, not a floated dock or a splitter that gives a collapsed dock room again."""
        if self._dirty:
            QTimer.singleShot(0, self, lambda: self.waits() or self.refresh_if_dirty())
