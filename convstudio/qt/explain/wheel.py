"""Pictures that sit in a scrolled page: the mouse wheel scrolls the page, Ctrl+wheel zooms the picture."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QApplication


class PagePicture(pg.GraphicsLayoutWidget):
    """A pyqtgraph picture that hands a plain wheel turn to the page around it.

    pyqtgraph zooms on every wheel turn, so a reader scrolling down the page got stuck zooming
    the first picture under the pointer; zooming stays one modifier away, as in a browser."""

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            super().wheelEvent(event)
            return
        page = self.scrolling_page()
        if page is None:
            event.ignore()
        else:
            QApplication.sendEvent(page.viewport(), event)

    def scrolling_page(self) -> QAbstractScrollArea | None:
        """The nearest scroll area around the picture that can scroll up or down."""
        w = self.parentWidget()
        while w is not None:
            if isinstance(w, QAbstractScrollArea) and w.verticalScrollBar().maximum() > 0:
                return w
            w = w.parentWidget()
        return None
