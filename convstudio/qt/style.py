"""Every colour of the app in one place, so the canvas, inspector, panels, explain views and charts agree."""
from __future__ import annotations

from PySide6.QtGui import QColor

FAMILY_COLORS = {
    "Input": "#3f7fd9",
    "Convolution": "#d9712b",
    "Pooling": "#2f9a72",
    "Activation": "#9b55c4",
    "Normalization": "#8a8a2e",
    "Dense": "#c9415f",
    "Merge": "#4f6478",
    "Reshape": "#7d6447",
}

ERROR = QColor("#d32f2f")
WARNING = QColor("#e69500")
SELECTED = QColor("#1e6fe0")
EDGE = QColor("#7b8694")
OK_TEXT = QColor("#2e7d32")

WHITE = QColor("#ffffff")

# The canvas: background, grid, card and edge-label text
CANVAS = QColor("#f4f6f8")
CANVAS_GRID = QColor("#e3e7ec")
INK = QColor("#1d2530")          # dark marks on a card (the problem badge's "!", a shape "?")
CARD_TEXT = QColor("#333a44")
LABEL_TEXT = QColor("#2b323b")   # the shape on an edge
LABEL_EDGE = QColor("#c9ced6")
LABEL_BACK = QColor(255, 255, 255, 240)

# Text in rich-text labels (HTML colours)
HEADING_TEXT = "#46505c"
FORMULA_TEXT = "#5d6670"
NOTE_TEXT = "#555555"
COUNT_TEXT = "#666666"
CHART_TEXT = "#333333"
ERROR_BACK = "#fdecea"
WARNING_BACK = "#fff6e0"
TABLE_BORDER = "#c8cdd3"
WARNING_TEXT = "#a86b00"
MUTED_TEXT = "#7a828c"
REFUSED = "#b00020"          # a training setting that cannot work
BAD = "#c62828"              # wrong or failed: a misclassified sample, a failed run, a window that never reads
GOOD = OK_TEXT.name()

# Pictures: the explain views' grids and the panels' picks
PAPER = QColor("#fbfbfc")    # the background of a painted explanation
PICK = QColor("#e53935")     # a picked pixel, and the input pixels that can change it
GRID = QColor("#9aa3ad")
REAL = QColor("#ffffff")
PAD = QColor("#e3e5e8")
PAD_HATCH = QColor("#a9afb7")
TAP = QColor(240, 140, 46, 200)
TAP_EDGE = QColor("#c05a00")
FOOTPRINT = QColor("#1e6fe0")
UNCOVERED = QColor("#f6b3b3")
UNCOVERED_EDGE = QColor(BAD)
CURRENT = QColor("#f08c2e")
TEXT = QColor("#1d232a")
MUTED = QColor("#5b6570")
VISITED = QColor("#fde3c8")
INPUT_EDGE = QColor("#2d3640")   # the outline of the real input in the sliding-window picture
NEVER_READ = "#e57373"
CELL_EDGE = QColor("#c3c8ce")
EMPTY_EDGE = QColor("#e1e4e8")   # a weight cell no output uses, in the sharing matrix
ROW_STRIPE = QColor("#f6f7f9")
# Tableau-20-like categorical colours: one per kernel weight in the sharing matrix
CATEGORICAL = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
               "#9c755f", "#bab0ac", "#86bcb6", "#d37295", "#8cd17d", "#b6992d", "#499894", "#f1ce63",
               "#a0cbe8", "#ffbe7d", "#d4a6c8", "#79706e")

# Charts: class-score bars and training curves
BAR = QColor("#9aa5b1")
BAR_EDGE = QColor("#6b7580")
TOP = QColor("#d9712b")
TRAIN = "#1f77b4"
VAL = "#d9712b"
LAYER_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22")


def family_color(family: str) -> QColor:
    return QColor(FAMILY_COLORS.get(family, "#666666"))


def tint(color: QColor, amount: float) -> QColor:
    """`color` mixed with white; amount 0 = white, 1 = color."""
    return QColor(
        round(255 + (color.red() - 255) * amount),
        round(255 + (color.green() - 255) * amount),
        round(255 + (color.blue() - 255) * amount),
    )
