"""The inspector: widgets generated from Param declarations; every edit is a SetParams command."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLabel, QLineEdit, QSpinBox

from convstudio import layers
from convstudio.graph import AddNode, SetParams


def show(window, nid):
    window.scene.select_ids([nid])
    return window.inspector


def find(window, cls, name):
    widget = window.inspector.findChild(cls, name)
    assert widget is not None, name
    return widget


def test_every_parameter_gets_a_labelled_editor_with_help(window):
    insp = show(window, "conv1")
    decl = layers.get("Conv2D")
    assert list(insp.editors) == [p.name for p in decl.params]
    labels = {w.text(): w.toolTip() for w in insp.findChildren(QLabel)}
    for p in decl.params:
        assert labels[p.title] == p.help
    assert "kernel size (F)" in labels and "stride (S)" in labels and "filters (K)" in labels
    spin = find(window, QSpinBox, "param-filters-value")
    assert (spin.minimum(), spin.maximum(), spin.value()) == (1, 65536, 8)
    assert find(window, QSpinBox, "param-kernel_size-h").value() == 3
    assert find(window, QCheckBox, "param-bias-value").isChecked()
    assert find(window, QComboBox, "param-padding-mode").currentText() == "pixels"
    assert find(window, QLineEdit, "inspector-id").text() == "conv1"
    assert "Slides K filters" in find(window, QLabel, "inspector-summary").text()


def test_spinning_a_value_is_one_merged_command_and_updates_shapes(window):
    show(window, "conv1")
    spin = find(window, QSpinBox, "param-stride-h")
    spin.setValue(2)
    assert window.doc.net.node("conv1").params["stride"] == [2, 2]  # "square" keeps both axes
    assert window.scene.nodes["conv1"].face.shape == "8×16×16"
    assert window.scene.nodes["fc"].face.shape == "10"
    spin.setValue(3)
    spin.setValue(4)
    assert window.doc.stack.count() == 1
    assert window.doc.stack.undoText() == "Change stride of conv1"
    window.doc.stack.undo()
    assert window.doc.net.node("conv1").params["stride"] == [1, 1]
    assert spin.value() == 1  # the widget follows the graph


def test_unlocking_square_edits_one_axis(window):
    show(window, "conv1")
    find(window, QCheckBox, "param-kernel_size-square").setChecked(False)
    find(window, QSpinBox, "param-kernel_size-w").setValue(5)
    assert window.doc.net.node("conv1").params["kernel_size"] == [3, 5]


def test_padding_words_and_numbers(window):
    show(window, "conv1")
    mode = find(window, QComboBox, "param-padding-mode")
    mode.setCurrentIndex(1)
    assert window.doc.net.node("conv1").params["padding"] == "same"
    assert not find(window, QSpinBox, "param-padding-h").isEnabled()
    mode.setCurrentIndex(2)
    assert window.doc.net.node("conv1").params["padding"] == "valid"
    assert window.scene.nodes["conv1"].face.shape == "8×30×30"
    mode.setCurrentIndex(0)
    assert window.doc.net.node("conv1").params["padding"] == [1, 1]


def test_pool_stride_can_follow_the_kernel(window):
    show(window, "pool1")
    follow = find(window, QCheckBox, "param-stride-null")
    assert follow.isChecked() and follow.text() == "= kernel size"
    assert not find(window, QSpinBox, "param-stride-h").isEnabled()
    follow.setChecked(False)
    assert window.doc.net.node("pool1").params["stride"] == [2, 2]
    find(window, QSpinBox, "param-stride-h").setValue(1)
    assert window.doc.net.node("pool1").params["stride"] == [1, 1]
    follow.setChecked(True)
    assert window.doc.net.node("pool1").params["stride"] is None


def test_float_int_and_bool_editors(window):
    window.doc.push(AddNode("Dropout", node_id="drop", inputs=["flat"]))
    show(window, "drop")
    rate = find(window, QDoubleSpinBox, "param-rate-value")
    assert rate.maximum() < 1
    rate.setValue(0.25)
    assert window.doc.net.node("drop").params["rate"] == 0.25
    show(window, "fc")
    find(window, QCheckBox, "param-bias-value").setChecked(False)
    assert window.doc.net.node("fc").params["bias"] is False
    assert window.scene.nodes["fc"].face.params == "20.5 k params"  # 2048 × 10, no bias


def test_output_size_formula_with_this_layers_numbers(window):
    window.doc.push(AddNode("Input", {"channels": 3, "height": 56, "width": 56}, node_id="big"))
    window.doc.push(AddNode("Conv2D", {"kernel_size": 3, "padding": 1, "stride": 2}, node_id="c56", inputs=["big"]))
    show(window, "c56")
    text = find(window, QLabel, "inspector-formula").text()
    assert "⌊(56 + 2·1 − 3) / 2⌋ + 1 = 28" in text
    window.doc.push(SetParams("c56", {"dilation": 2}))
    text = find(window, QLabel, "inspector-formula").text()
    assert "k̂ = 3 + (3 − 1)(2 − 1) = 5" in text and "⌊(56 + 2·1 − 5) / 2⌋ + 1 = 27" in text


def test_diagnostics_are_listed(window):
    show(window, "conv1")
    window.doc.push(SetParams("conv1", {"kernel_size": 40}))
    text = find(window, QLabel, "inspector-diagnostics").text()
    assert "Error:" in text and "kernel 40 needs 40 pixels" in text
    window.doc.push(SetParams("conv1", {"kernel_size": 3, "stride": 2, "padding": 0}))
    assert "Warning:" in find(window, QLabel, "inspector-diagnostics").text()


def test_rename_valid_and_refused(window, qtbot):
    show(window, "conv1")
    edit = find(window, QLineEdit, "inspector-id")
    edit.setText("relu1")
    edit.editingFinished.emit()
    assert "conv1" in window.doc.net
    assert "already used" in window.status.currentMessage()
    assert "already used" in find(window, QLabel, "inspector-error").text()
    edit = find(window, QLineEdit, "inspector-id")
    edit.setText("bad id!")
    edit.editingFinished.emit()
    assert "is not valid" in window.status.currentMessage()
    edit = find(window, QLineEdit, "inspector-id")
    edit.setText("stem")
    edit.editingFinished.emit()
    assert "stem" in window.doc.net and window.scene.selected_ids() == ["stem"]
    assert find(window, QLineEdit, "inspector-id").text() == "stem"


def test_refused_value_is_explained_and_widget_restored(window, monkeypatch):
    show(window, "conv1")
    editor = window.inspector.editors["filters"]
    editor.edited.emit(0)  # what a spin box cannot produce, but a bad command could
    assert "must be ≥ 1" in window.status.currentMessage()
    assert find(window, QSpinBox, "param-filters-value").value() == 8
    assert window.doc.stack.count() == 0


def test_network_page_edits_name_and_shows_totals(window):
    window.scene.select_ids([])
    name = find(window, QLineEdit, "inspector-network-name")
    assert name.text() == "Small"
    name.setText("Renamed")
    name.editingFinished.emit()
    assert window.doc.net.name == "Renamed"
    assert "Renamed" in window.windowTitle()
    assert "parameters: <b>" in find(window, QLabel, "inspector-totals").text()


def test_many_selected(window):
    window.scene.select_ids(["conv1", "fc"])
    labels = " ".join(w.text() for w in window.inspector.findChildren(QLabel))
    assert "2 layers selected" in labels


def test_every_layer_type_builds_an_inspector(window):
    for i, name in enumerate(layers.names()):
        inputs = [] if layers.get(name).max_inputs == 0 else ["relu1"]
        window.doc.push(AddNode(name, node_id=f"t{i}", inputs=inputs))
        show(window, f"t{i}")
        assert set(window.inspector.editors) == {p.name for p in layers.get(name).params}


def test_typing_a_number_commits_once_on_enter_not_per_keystroke(window, qtbot):
    from PySide6.QtCore import Qt
    show(window, "conv1")
    spin = find(window, QSpinBox, "param-filters-value")
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "384")
    assert window.doc.net.node("conv1").params["filters"] == 8  # 3 and 38 never became edits
    assert window.doc.stack.count() == 0
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert window.doc.net.node("conv1").params["filters"] == 384
    assert window.doc.stack.count() == 1
    qtbot.keyClick(spin, Qt.Key.Key_Up)  # an arrow step commits at once
    assert window.doc.net.node("conv1").params["filters"] == 385
    report = window.doc.report
    assert f"{report.total_params:,}" in window.status.params.text()
    assert f"{report.total_params:,} parameters" in window.summary.totals.text()


def test_typed_number_commits_when_focus_leaves(window, qtbot):
    show(window, "conv1")
    spin = find(window, QSpinBox, "param-kernel_size-h")
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "5")
    assert window.doc.net.node("conv1").params["kernel_size"] == [3, 3]
    spin.clearFocus()
    assert window.doc.net.node("conv1").params["kernel_size"] == [5, 5]


def test_a_warning_is_shown_above_the_parameters(window):
    window.doc.push(SetParams("conv1", {"padding": [0, 0]}))
    show(window, "conv1")
    find(window, QSpinBox, "param-stride-h").setValue(2)  # 32 − 3 is odd: the last row is never visited
    diagnostics = find(window, QLabel, "inspector-diagnostics")
    assert "Warning:" in diagnostics.text() and diagnostics.isVisible()
    filters = find(window, QSpinBox, "param-filters-value")
    page = window.inspector.widget()
    assert diagnostics.mapTo(page, diagnostics.rect().topLeft()).y() < filters.mapTo(page, filters.rect().topLeft()).y()
    assert diagnostics.mapTo(page, diagnostics.rect().bottomLeft()).y() < window.inspector.viewport().height()
