"""The first window shows the whole default network (TinyVGG, 13 layers) at a readable zoom, on a 1366×768
screen and on a larger one, with every palette group in view."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QRectF
from PySide6.QtWidgets import QApplication

from convstudio.qt.canvas.node_item import HEIGHT, WIDTH
from convstudio.qt.canvas.view import READABLE


class Screen:
    def __init__(self, width: int, height: int):
        self.rect = QRect(0, 0, width, height)

    def primaryScreen(self):
        return self

    def availableGeometry(self) -> QRect:
        return self.rect


@pytest.mark.parametrize("size", [(1366, 740), (1920, 1050)],
                         ids=["1366x768", "1920x1080"])
def test_the_default_network_is_whole_and_readable(qtbot, monkeypatch, size):
    from convstudio.qt.app import main_window
    from convstudio.qt.app.main_window import MainWindow

    monkeypatch.setattr(main_window, "QGuiApplication", Screen(*size))  # the screen less its panel
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    for _ in range(3):
        QApplication.processEvents()
    win.view.show_network()
    assert len(win.scene.nodes) == 13
    assert win.view.zoom() >= READABLE
    viewport = win.view.viewport().rect()
    for nid, card in win.scene.nodes.items():
        shown = win.view.mapFromScene(card.mapRectToScene(QRectF(0, 0, WIDTH, HEIGHT))).boundingRect()
        assert viewport.contains(shown), f"{nid} is outside the canvas: {shown} not in {viewport}"
    tree = win.palette.tree
    last_group = tree.topLevelItem(tree.topLevelItemCount() - 1)
    last = last_group.child(last_group.childCount() - 1)
    assert tree.viewport().rect().contains(tree.visualItemRect(last)), "the palette's last group scrolls out of view"
