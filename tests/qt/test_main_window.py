"""The window: first launch, title and modified state, files, unsaved-changes questions, layout."""
from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from convstudio.graph import SetParams
from convstudio.io import load_network, save_network
from convstudio.io.templates import template_names, template_titles
from convstudio.qt.app.main_window import MainWindow

from .conftest import small_network


def test_first_launch_shows_the_default_template(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    assert win.doc.net.name == "TinyVGG" if "tinyvgg" in template_names() else True
    assert len(win.scene.nodes) == len(win.doc.net) > 0
    assert win.doc.path is None and not win.doc.modified
    assert "(not saved)" in win.windowTitle()


def test_title_shows_file_name_and_star_when_modified(window, tmp_path):
    path = tmp_path / "net.json"
    save_network(small_network(), path)
    assert window.files.open(str(path))
    assert window.windowTitle() == "net.json[*] — ConvStudio" and not window.isWindowModified()
    window.doc.push(SetParams("conv1", {"filters": 4}))
    assert window.isWindowModified()
    window.doc.stack.undo()
    assert not window.isWindowModified()


def test_save_writes_the_file_and_clears_modified(window, tmp_path):
    path = tmp_path / "net.json"
    save_network(small_network(), path)
    window.files.open(str(path))
    window.doc.push(SetParams("conv1", {"stride": 2}))
    window.acts.save.trigger()
    assert not window.doc.modified
    assert load_network(path).node("conv1").params["stride"] == [2, 2]
    assert json.loads(path.read_text())["format"] == "convstudio.network"


def test_save_of_unsaved_network_asks_for_a_path(window, tmp_path, dialogs):
    dialogs.save_path_answer = str(tmp_path / "chosen.json")
    window.acts.save.trigger()
    assert dialogs.named("save_path")[0][1].endswith("small.json")  # suggested from the network name
    assert window.doc.path == tmp_path / "chosen.json" and window.doc.path.exists()
    assert window.windowTitle().startswith("chosen.json")


def test_save_as_cancelled_changes_nothing(window, dialogs):
    dialogs.save_path_answer = ""
    window.doc.push(SetParams("conv1", {"filters": 4}))
    window.acts.save_as.trigger()
    assert window.doc.path is None and window.doc.modified


def test_export_writes_a_copy_and_keeps_the_document(window, tmp_path, dialogs):
    dialogs.save_path_answer = str(tmp_path / "copy.json")
    window.doc.push(SetParams("conv1", {"filters": 4}))
    window.acts.export_json.trigger()
    assert load_network(tmp_path / "copy.json").node("conv1").params["filters"] == 4
    assert window.doc.path is None and window.doc.modified


def test_failed_open_shows_the_message_and_leaves_the_document(window, tmp_path, dialogs):
    bad = tmp_path / "bad.json"
    doc = json.loads(open_text(small_network()))
    doc["layers"][1]["params"]["stride"] = [0, 1]
    bad.write_text(json.dumps(doc))
    window.doc.push(SetParams("conv1", {"filters": 4}))
    before = (window.doc.net, window.doc.path, window.doc.stack.count())
    dialogs.open_answer = str(bad)
    window.acts.open.trigger()
    errors = dialogs.named("show_error")
    assert errors and "stride[0]: must be ≥ 1, got 0" in errors[0][2]
    assert (window.doc.net, window.doc.path, window.doc.stack.count()) == before
    assert window.doc.net.node("conv1").params["filters"] == 4


def open_text(net) -> str:
    from convstudio.io import dumps

    return dumps(net)


def test_unsaved_changes_cancel_keeps_document(window, tmp_path, dialogs):
    window.doc.push(SetParams("conv1", {"filters": 4}))
    dialogs.save_answer = "cancel"
    window.acts.new.trigger()
    assert dialogs.named("ask_save_changes") == [("ask_save_changes", window.doc.net.name)]  # not "… (not saved)"
    assert "conv1" in window.doc.net and window.doc.modified


def test_unsaved_changes_save_then_open(window, tmp_path, dialogs):
    mine, other = tmp_path / "mine.json", tmp_path / "other.json"
    save_network(small_network(), mine)
    save_network(small_network(), other)
    window.files.open(str(mine))
    window.doc.push(SetParams("conv1", {"filters": 4}))
    dialogs.save_answer = "save"
    window.files.open(str(other))
    assert load_network(mine).node("conv1").params["filters"] == 4
    assert window.doc.path == other


def test_close_asks_and_can_be_cancelled(window, dialogs):
    window.doc.push(SetParams("conv1", {"filters": 4}))
    dialogs.save_answer = "cancel"
    assert not window.close()
    assert window.isVisible()
    dialogs.save_answer = "discard"
    assert window.close()


def test_recent_files_and_templates_menus(window, tmp_path):
    path = tmp_path / "net.json"
    save_network(small_network(), path)
    window.files.open(str(path))
    recent = [a.text() for a in window.menus["recent"].actions()]
    assert str(path.resolve()) in recent
    titles = [a.text() for a in window.menus["templates"].actions()]
    assert titles == [title for _, title, _ in template_titles()]
    assert "VGG-16" in titles and "vgg16" not in titles  # the networks' names, not file ids
    vgg = window.menus["templates"].actions()[titles.index("VGG-16")]
    assert "Simonyan" in vgg.toolTip()
    vgg.trigger()
    assert window.doc.path is None and window.doc.net.name == "VGG-16"


def test_geometry_and_dock_layout_are_restored(qtbot, isolated_settings):
    first = MainWindow(network=small_network())
    qtbot.addWidget(first)
    first.show()
    first.resize(760, 560)  # the offscreen screen is 800×600; geometry is clamped to it
    first.move(40, 30)
    first.history_dock.raise_()
    first.palette_dock.hide()
    QApplication.processEvents()
    first.close()
    assert isolated_settings.exists()
    second = MainWindow(network=small_network())
    qtbot.addWidget(second)
    second.show()
    QApplication.processEvents()
    assert (second.width(), second.height()) == (760, 560)
    assert not second.palette_dock.isVisible()
    assert not second.history.visibleRegion().isEmpty()  # the tab the user had in front, not the panels' default


def test_a_second_launch_shows_the_feature_maps_again(qtbot, isolated_settings):
    for launch in range(2):
        window = MainWindow(network=small_network())
        qtbot.addWidget(window)
        window.show()
        QApplication.processEvents()
        maps = window.inspection.feature_maps
        assert not maps.visibleRegion().isEmpty(), f"launch {launch + 1}"
        assert not window.inspector_dock.visibleRegion().isEmpty(), f"launch {launch + 1}"
        window.close()


def test_panel_dock_placement_is_remembered(qtbot):
    first = MainWindow(network=small_network())
    qtbot.addWidget(first)
    first.show()
    dock = first.add_panel_dock("Feature maps", QLabel("maps"))
    first.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    QApplication.processEvents()
    first.close()
    second = MainWindow(network=small_network())
    qtbot.addWidget(second)
    second.show()
    again = second.add_panel_dock("Feature maps", QLabel("maps"))
    QApplication.processEvents()
    assert second.dockWidgetArea(again) == Qt.DockWidgetArea.BottomDockWidgetArea and again.isVisible()


def test_panel_docks_can_be_added(window):
    first = window.add_panel_dock("Feature maps", QLabel("maps"))
    second = window.add_panel_dock("Filters", QLabel("filters"))
    QApplication.processEvents()
    assert first.objectName() == "panel-feature-maps"
    assert window.dockWidgetArea(second) == Qt.DockWidgetArea.RightDockWidgetArea
    assert second in window.tabifiedDockWidgets(first)
    assert window.menus["panels"].isEnabled()


def test_status_bar_shows_output_totals_and_problems(window):
    bar = window.status
    assert "10" in bar.output.text()
    assert f"{window.doc.report.total_params:,}" in bar.params.text()
    assert "no problems" in bar.problems.text()
    window.doc.push(SetParams("conv1", {"kernel_size": 40}))
    assert "1 error" in bar.problems.text()
    bar.problems_clicked.emit()
    assert window.scene.selected_ids() == ["conv1"]


def test_summary_is_live_and_clicking_selects(window):
    model = window.summary.model
    assert model.ids == window.doc.report.order
    row = model.ids.index("conv1")
    assert model.data(model.index(row, 3)) == "8×32×32"
    window.doc.push(SetParams("conv1", {"stride": 2}))
    assert model.data(model.index(row, 3)) == "8×16×16"
    window.summary.table.clicked.emit(model.index(model.ids.index("pool1"), 0))
    assert window.scene.selected_ids() == ["pool1"]
    window.scene.select_ids(["fc"])
    rows = window.summary.table.selectionModel().selectedRows()
    assert [model.ids[r.row()] for r in rows] == ["fc"]


def test_shortcuts(window):
    keys = {name: [k.toString() for k in getattr(window.acts, name).shortcuts()]
            for name in ("undo", "redo", "copy", "paste", "duplicate", "delete", "select_all", "fit",
                         "reset_zoom", "new", "open", "save", "save_as")}
    assert keys["undo"] == ["Ctrl+Z"]
    assert keys["redo"] == ["Ctrl+Shift+Z", "Ctrl+Y"]
    assert keys["duplicate"] == ["Ctrl+D"] and keys["fit"] == ["F"] and keys["reset_zoom"] == ["Ctrl+0"]
    assert keys["save_as"] == ["Ctrl+Shift+S"] and "Del" in keys["delete"]


def test_undo_redo_menu_texts(window):
    window.doc.push(SetParams("conv1", {"filters": 4}))
    assert window.acts.undo.text() == "&Undo Change filters of conv1"
    window.acts.undo.trigger()
    assert window.acts.redo.text() == "&Redo Change filters of conv1"
    assert window.history.stack() is window.doc.stack


def test_files_without_positions_are_laid_out(window, tmp_path):
    net = small_network()
    for node in net:
        node.position = (0.0, 0.0)
    path = tmp_path / "flat.json"
    save_network(net, path)
    window.files.open(str(path))
    assert len({n.position for n in window.doc.net}) == len(net)


LEFT_OVER_PROBE = """
import json, os, tempfile
os.environ["CONVSTUDIO_SETTINGS"] = os.path.join(tempfile.mkdtemp(), "settings.ini")
from PySide6.QtWidgets import QApplication, QTabBar
app = QApplication([])
from convstudio.qt.app.main_window import MainWindow
window = MainWindow()
window.resize(1600, 1000)
window.show()
for _ in range(5):
    app.processEvents()
window.resize(1280, 800)
app.processEvents()
bars = [b for b in window.findChildren(QTabBar) if b.isVisible()]
print(json.dumps(sorted(b.tabText(i) for b in bars for i in range(b.count()))))
window.inspection.controller.shutdown()
"""


def test_no_left_over_tab_bar_shows_through(tmp_path):
    """In a fresh process, as the app starts: each dock's tab appears on one visible tab bar only."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", LEFT_OVER_PROBE], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    titles = json.loads(done.stdout.strip().splitlines()[-1])
    assert "Inspector" in titles and len(titles) == len(set(titles)), titles


def test_open_starts_in_the_folder_used_last(window, tmp_path, dialogs):
    folder = tmp_path / "nets"
    folder.mkdir()
    dialogs.save_path_answer = str(folder / "mine.json")
    window.files.save_as()
    window.files.open()
    assert dialogs.named("open_path")[-1] == ("open_path", str(folder))


def test_save_as_names_an_untitled_network_after_its_file(window, tmp_path, dialogs):
    window.files.new()
    assert window.doc.net.name == "Untitled"
    dialogs.save_path_answer = str(tmp_path / "edge-detector.json")
    assert window.files.save_as()
    assert window.doc.net.name == "edge-detector" and not window.doc.modified
    assert '"name": "edge-detector"' in (tmp_path / "edge-detector.json").read_text()
    dialogs.save_path_answer = str(tmp_path / "copy.json")
    window.files.save_as()
    assert window.doc.net.name == "edge-detector"  # a name the user chose is kept


def test_the_docks_a_saved_layout_places_are_remembered(qtbot):
    first = MainWindow(network=small_network())
    qtbot.addWidget(first)
    assert not first.placed_before("panel-feature-maps")  # a first start: the panels get their default place
    first.show()
    first.close()
    second = MainWindow(network=small_network(), panels=False)
    qtbot.addWidget(second)
    assert second.placed_before("panel-feature-maps") and second.placed_before("panel-explain-window")
    assert not second.placed_before("panel-train")  # never opened, so never placed
