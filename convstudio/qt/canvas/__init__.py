"""The network canvas: a QGraphicsScene that mirrors the graph and a view that edits it."""
from .scene import CanvasScene
from .view import CanvasView

__all__ = ["CanvasScene", "CanvasView"]
