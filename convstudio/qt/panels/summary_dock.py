"""The live layer table (the CLI's `summary` rows): shapes, parameters, MACs, receptive fields.

Rows come from `engine.summary.table_rows`, so the app and the command line agree. Clicking
a row selects that layer on the canvas; selecting on the canvas highlights its row.
"""
from __future__ import annotations

from html import escape

from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from ...engine.summary import HEADER, table_row
from .. import style
from ..document.document import Document

RIGHT_ALIGNED = {4, 5}
# room for typical values, so cells edited later are not cut off: settings, shape, params, MACs
WIDEST = {2: "K256 F3 S2 P1 D2", 3: "256×112×112", 4: "102,764,544", 5: "15,470,264,320"}


class SummaryModel(QAbstractTableModel):
    def __init__(self, doc: Document, parent=None):
        super().__init__(parent)
        self.doc = doc
        self.rows: list[list[str]] = []
        self.ids: list[str] = []
        self.status: list[str | None] = []
        self.tips: list[str] = []
        self._report = None  # the report the rows show
        self.reload()

    def reload(self, touched=None) -> None:
        """All rows again; or, given the ids an edit `touched` and the same layers in the same order,
        only the rows of touched layers and of layers whose inference result changed."""
        net, report, old = self.doc.net, self.doc.report, self._report
        self._report = report
        if touched is not None and old is not None and old.order == report.order:
            changed = [i for i, nid in enumerate(self.ids)
                       if nid in touched or report.nodes[nid] is not old.nodes[nid]]
            for i in changed:
                self._fill(i, net, report)
            if changed:
                self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), len(HEADER) - 1))
            return
        self.beginResetModel()
        self.ids = list(report.order)
        self.rows = [[] for _ in self.ids]
        self.status, self.tips = [None] * len(self.ids), [""] * len(self.ids)
        for i in range(len(self.ids)):
            self._fill(i, net, report)
        self.endResetModel()

    def _fill(self, i: int, net, report) -> None:
        nid = self.ids[i]
        rep = report.nodes[nid]
        self.rows[i] = table_row(net, report, nid)
        self.status[i] = "error" if rep.errors else "warning" if rep.warnings else None
        self.tips[i] = "<br>".join(f"<b>{d.level}:</b> {escape(d.text)}" for d in rep.diagnostics)

    def rowCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.rows)

    def columnCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(HEADER)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADER[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[row][col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in RIGHT_ALIGNED:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and self.status[row]:
            colour = style.ERROR if self.status[row] == "error" else style.WARNING
            return style.tint(colour, 0.16)
        if role == Qt.ItemDataRole.ForegroundRole and col == 3 and self.rows[row][3] == "?":
            return QColor(style.ERROR)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tips[row] or None
        return None


class SummaryPanel(QWidget):
    node_clicked = Signal(str)

    def __init__(self, doc: Document, parent=None):
        super().__init__(parent)
        self.setObjectName("summary")
        self.doc = doc
        self.model = SummaryModel(doc, self)
        self.table = QTableView()
        self.table.setObjectName("summary-table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setResizeContentsPrecision(100)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip("Every layer in run order; click a row to select the layer on the canvas")
        self.totals = QLabel()
        self.totals.setObjectName("summary-totals")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.table)
        layout.addWidget(self.totals)
        self.table.clicked.connect(self._clicked)
        doc.changed.connect(self.refresh)
        self.refresh()

    def refresh(self, change=None) -> None:
        if change is not None and not (change.structural or change.reset):
            return  # positions do not appear in the table
        if change is not None and not self.isVisible():
            self._stale = True  # a hidden table (closed, or behind the History tab) catches up when shown
            return
        self._stale = False
        self.model.reload(change.ids if change is not None and not change.reset else None)
        if change is None or change.reset:
            self._fit_columns()
        report = self.doc.report
        self.totals.setText(f"{len(self.model.rows)} layers · {report.total_params:,} parameters · "
                            f"{report.total_macs:,} MACs (FLOPs = 2 × MACs)")

    def _fit_columns(self) -> None:
        self.table.resizeColumnsToContents()
        metrics = self.table.fontMetrics()
        for column, sample in WIDEST.items():
            wanted = metrics.horizontalAdvance(sample) + 14
            if self.table.columnWidth(column) < wanted:
                self.table.setColumnWidth(column, wanted)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.node_clicked.emit(self.model.ids[index.row()])

    def show_selection(self, ids: list[str]) -> None:
        """Highlight the rows of the canvas selection without emitting clicks."""
        selection = self.table.selectionModel()
        selection.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for nid in ids:
            if nid in self.model.ids:
                row = self.model.ids.index(nid)
                selection.select(self.model.index(row, 0), flags)
        if len(ids) == 1 and ids[0] in self.model.ids:
            self.table.scrollTo(self.model.index(self.model.ids.index(ids[0]), 0))
