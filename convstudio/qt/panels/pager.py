"""Page controls for big layers: "◀  65–128 of 512 channels  ▶"."""
from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget


class Pager(QWidget):
    page_changed = Signal(int)

    def __init__(self, noun: str, parent=None):
        super().__init__(parent)
        self.noun = noun
        self.count, self.per_page, self.page = 0, 1, 0
        self.prev = QToolButton(text="◀", toolTip=f"Previous page of {noun}", autoRaise=True)
        self.next = QToolButton(text="▶", toolTip=f"Next page of {noun}", autoRaise=True)
        self.label = QLabel()
        self.label.setObjectName("pager-label")
        self.label.setToolTip(f"Large layers are shown one page of {noun} at a time")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        for w in (self.prev, self.label, self.next):
            row.addWidget(w)
        self.prev.clicked.connect(lambda: self.set_page(self.page - 1))
        self.next.clicked.connect(lambda: self.set_page(self.page + 1))
        self._refresh()

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.count / self.per_page))

    def set_count(self, count: int, per_page: int, page: int = 0) -> None:
        """Set the item count without emitting page_changed (the caller redraws anyway)."""
        self.count, self.per_page = count, max(1, per_page)
        self.page = min(max(page, 0), self.pages - 1)
        self._refresh()

    def set_page(self, page: int) -> None:
        page = min(max(page, 0), self.pages - 1)
        if page != self.page:
            self.page = page
            self._refresh()
            self.page_changed.emit(page)

    def page_of(self, index: int) -> int:
        return index // self.per_page

    def range(self) -> range:
        start = self.page * self.per_page
        return range(start, min(self.count, start + self.per_page))

    def _refresh(self) -> None:
        r = self.range()
        paged = self.pages > 1
        self.label.setText(f"{r.start + 1}–{r.stop} of {self.count} {self.noun}" if paged
                           else f"{self.count} {self.noun}")
        self.prev.setVisible(paged)
        self.next.setVisible(paged)
        self.prev.setEnabled(self.page > 0)
        self.next.setEnabled(self.page < self.pages - 1)
