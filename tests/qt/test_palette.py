"""The palette is generated from the layer registry, searchable, and drags the type name."""
from __future__ import annotations

from PySide6.QtGui import QDrag

from convstudio import layers
from convstudio.qt.canvas.mime import LAYER_MIME
from convstudio.qt.canvas.palette import Palette


def groups(palette):
    tree = palette.tree
    out = {}
    for i in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(i)
        if not group.isHidden():
            out[group.text(0)] = [group.child(j).text(0) for j in range(group.childCount())
                                  if not group.child(j).isHidden()]
    return out


def test_types_grouped_by_family_in_registry_order(qtbot):
    palette = Palette()
    qtbot.addWidget(palette)
    expected = {f: [t.name for t in ts] for f, ts in layers.by_family().items() if ts}
    assert groups(palette) == expected
    assert list(groups(palette))[:3] == ["Input", "Convolution", "Pooling"]


def test_tooltips_are_the_summaries(qtbot):
    palette = Palette()
    qtbot.addWidget(palette)
    for name, item in palette.items.items():
        assert layers.get(name).summary in item.toolTip(0)


def test_search_filters_by_name_family_and_description(qtbot):
    palette = Palette()
    qtbot.addWidget(palette)
    palette.search.setText("pool")
    assert groups(palette) == {"Pooling": ["MaxPool2D", "AvgPool2D", "GlobalAvgPool2D"]}
    palette.search.setText("residual")
    assert groups(palette) == {"Merge": ["Add"]}
    palette.search.setText("nothing-like-this")
    assert groups(palette) == {}
    palette.search.clear()
    assert sum(map(len, groups(palette).values())) == len(layers.names())


def test_drag_carries_the_type_name(qtbot, monkeypatch):
    palette = Palette()
    qtbot.addWidget(palette)
    seen = {}

    def fake_exec(self, *args):
        seen["type"] = bytes(self.mimeData().data(LAYER_MIME).data()).decode()
        return args[0] if args else None
    monkeypatch.setattr(QDrag, "exec", fake_exec)
    palette.tree.setCurrentItem(palette.items["Conv2D"])
    palette.tree.startDrag(None)
    assert seen == {"type": "Conv2D"}


def test_double_click_adds_after_the_selected_layer(window):
    window.scene.select_ids(["relu1"])
    item = window.palette.items["BatchNorm2D"]
    window.palette.tree.itemActivated.emit(item, 0)
    node = window.doc.net.node("bn1")
    assert node.inputs == ["relu1"]
    assert window.scene.selected_ids() == ["bn1"]
