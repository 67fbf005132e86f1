"""Panels that draw only while on screen: a dock tab behind another one just remembers to redraw."""
from __future__ import annotations


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
