"""Forward passes off the GUI thread: cancel, supersede, discard stale results, automatic runs, errors."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from convstudio.graph import SetParams
from convstudio.qt.panels import run_controller

from .conftest import make_window, select, wait_idle


def test_run_menu_has_f5_and_the_status_bar_has_progress_and_cancel(win, panels):
    titles = [a.text().replace("&", "") for a in win.menuBar().actions()]
    assert "Run" in titles and titles.index("Run") < titles.index("Help")
    assert panels.actions.run.shortcut().toString() == "F5"
    assert panels.actions.auto.isCheckable() and panels.actions.auto.isChecked()
    assert panels.run_status.parent() is not None
    assert panels.run_status.cancel.text() == "Cancel"


def test_f5_runs_again(win, panels, qtbot):
    before = panels.controller.results
    panels.actions.run.trigger()
    qtbot.waitUntil(lambda: panels.controller.results is not before, timeout=10000)
    assert not panels.controller.stale


def test_cancel_mid_run_keeps_the_previous_results(win, panels, qtbot, slow_runs, messages):
    controller = panels.controller
    before = controller.results
    shown = panels.feature_maps.maps
    with qtbot.waitSignal(controller.progress, timeout=5000):
        controller.run()
    qtbot.waitUntil(panels.run_status.isVisible, timeout=3000)
    label = panels.run_status.label
    qtbot.waitUntil(lambda: label.text().startswith(("Running ", "Drawing weights of ")), timeout=3000)
    assert label.width() >= label.fontMetrics().horizontalAdvance(label.text())  # never clipped
    panels.run_status.cancel.click()
    wait_idle(qtbot, controller)
    assert controller.results is before
    assert panels.feature_maps.maps is shown
    assert not panels.run_status.isVisible()
    assert any("cancelled" in t for t in messages.texts())
    assert not messages.texts("error")


def test_a_newer_run_supersedes_an_older_one(win, panels, qtbot, slow_runs):
    controller = panels.controller
    adopted = []
    controller.results_changed.connect(lambda: adopted.append(controller.results))
    with qtbot.waitSignal(controller.progress, timeout=5000):
        controller.run()
    first_job = controller._job_id
    controller.run()
    qtbot.waitUntil(lambda: controller._job_id > first_job, timeout=2000)
    wait_idle(qtbot, controller)
    assert len(adopted) == 1  # only the newer run's results were adopted
    assert controller.results.revision == controller.revision


def test_results_are_discarded_when_the_network_changed_meanwhile(win, panels, qtbot, slow_runs):
    controller = panels.controller
    before = controller.results
    controller.debounce_ms = 60_000  # the user keeps editing: no newer run starts yet
    with qtbot.waitSignal(controller.progress, timeout=5000):
        controller.run()
    win.doc.push(SetParams("conv1", {"filters": 4}))
    qtbot.waitUntil(lambda: not controller.busy, timeout=20000)
    assert controller.results is before  # computed for the old network: not shown
    assert controller.stale
    controller.debounce_ms = run_controller.DEBOUNCE_MS
    controller.run()
    wait_idle(qtbot, controller)
    assert controller.results.activations["conv1"].shape == (4, 32, 32)


def test_edits_rerun_automatically(win, panels, qtbot):
    win.doc.push(SetParams("conv1", {"filters": 4}))
    qtbot.waitUntil(lambda: panels.controller.results.activations["conv1"].shape[0] == 4, timeout=10000)
    wait_idle(qtbot, panels.controller)
    assert len(panels.feature_maps.grid.tiles) == 4


def test_auto_run_off_leaves_results_out_of_date_until_f5(win, panels, qtbot):
    panels.actions.auto.setChecked(False)
    assert not panels.controller.auto_run and not panels.input_panel.auto.isChecked()
    win.doc.push(SetParams("conv1", {"filters": 4}))
    wait_idle(qtbot, panels.controller)
    assert panels.controller.results.activations["conv1"].shape[0] == 8 and panels.controller.stale
    assert "Out of date" in panels.feature_maps.note.text() and panels.feature_maps.note.isVisible()
    assert "out of date" in panels.input_panel.last_run.text()
    panels.actions.run.trigger()
    wait_idle(qtbot, panels.controller)
    assert panels.controller.results.activations["conv1"].shape[0] == 4 and not panels.controller.stale


def test_auto_run_setting_is_remembered(win, panels, qtbot):
    panels.input_panel.auto.setChecked(False)
    assert win.settings.value(run_controller.SETTINGS_AUTO_RUN) in (False, "false")
    _win2, panels2 = make_window(qtbot)
    assert not panels2.controller.auto_run and not panels2.actions.auto.isChecked()
    panels2.controller.shutdown()


def test_big_networks_do_not_run_automatically(qtbot, messages, monkeypatch):
    monkeypatch.setattr(run_controller, "AUTO_RUN_MAX_MACS", 1000)
    _win, panels = make_window(qtbot)
    wait_idle(qtbot, panels.controller)
    assert panels.controller.results is None
    assert any("Automatic runs are off" in t and "F5" in t for t in messages.texts())
    assert "F5" in panels.feature_maps.message.text()
    panels.actions.run.trigger()
    qtbot.waitUntil(lambda: panels.controller.results is not None, timeout=10000)
    panels.controller.shutdown()


def test_network_errors_are_messages_not_tracebacks(win, panels, qtbot, messages):
    win.doc.push(SetParams("conv1", {"kernel_size": 40}))  # larger than the 32×32 input
    wait_idle(qtbot, panels.controller)
    assert panels.controller.error and panels.controller.error.startswith("Not run: conv1")
    note = panels.feature_maps.note
    assert note.isVisibleTo(panels.feature_maps) and note.text().startswith("Not run: conv1")
    assert note.text().endswith("The maps below are from the last run that worked.")  # not today's network
    panels.actions.run.trigger()
    wait_idle(qtbot, panels.controller)
    assert any(t.startswith("cannot run: conv1") for t in messages.texts("error"))


def test_memory_limit_is_reported(win, panels, qtbot, messages, monkeypatch):
    monkeypatch.setattr("convstudio.engine.memory.default_limit", lambda: 1000)
    panels.actions.run.trigger()
    wait_idle(qtbot, panels.controller)
    errors = messages.texts("error")
    assert errors and "limit" in errors[-1] and "Traceback" not in errors[-1]


def test_weights_too_large_to_draw_are_refused_in_the_window(win, panels, qtbot, messages, monkeypatch):
    monkeypatch.setattr("convstudio.engine.memory.default_limit", lambda: 1000)
    win.doc.push(SetParams("conv1", {"filters": 64}))  # new weights to draw
    wait_idle(qtbot, panels.controller)
    errors = messages.texts("error")
    assert errors and "the weights need about" in errors[-1] and "Traceback" not in errors[-1]


def test_a_bad_image_file_is_reported_and_the_previous_image_kept(win, panels, qtbot, messages, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a png at all")
    panels.controller.set_source(str(bad))
    wait_idle(qtbot, panels.controller)
    assert panels.controller.source == "sample:shapes"
    assert any("broken.png" in t for t in messages.texts("error"))
    assert panels.input_panel.source.currentData() == "sample:shapes"


def test_moving_cards_does_not_rerun(win, panels, qtbot):
    from convstudio.graph import MoveNodes

    revision = panels.controller.revision
    win.doc.push(MoveNodes({"conv1": (300.0, 40.0)}))
    QApplication.processEvents()
    assert panels.controller.revision == revision and not panels.controller.working


def test_weights_follow_edits_and_keep_what_fits(win, panels, qtbot):
    controller = panels.controller
    fc_before = controller.weights["fc"]["weight"]
    conv2_before = controller.weights["conv2"]["weight"]
    win.doc.push(SetParams("conv1", {"filters": 4}))  # conv2's input depth and fc's input change too
    wait_idle(qtbot, controller)
    assert controller.weights["conv1"]["weight"].shape == (4, 3, 3, 3)
    assert controller.weights["conv2"]["weight"].shape == (6, 2, 3, 3)
    assert controller.weights["fc"]["weight"] is fc_before  # still fits: kept, not redrawn
    assert conv2_before.shape == (6, 4, 3, 3)


def test_closing_the_window_mid_run_does_not_wait_for_the_run(qtbot, slow_runs):
    slow_runs["delay"] = 1.0
    win, panels = make_window(qtbot)
    qtbot.waitUntil(lambda: panels.controller.busy, timeout=3000)
    win.close()
    qtbot.waitUntil(lambda: not panels.controller.busy, timeout=5000)


@pytest.mark.slow
def test_a_vgg16_run_happens_in_the_background_and_its_maps_arrive(qtbot):
    """The GUI thread keeps ticking while VGG-16 runs; the longest gap is printed (a figure, not a verdict:
    benchmarks/panels.py measures it)."""
    import time

    from PySide6.QtCore import QTimer

    from convstudio.io.templates import load_template

    win, panels = make_window(qtbot, load_template("vgg16"))
    select(win, "conv1_1")
    gaps, last = [], [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now
    timer = QTimer(interval=10)
    timer.timeout.connect(tick)
    timer.start()
    panels.actions.run.trigger()
    qtbot.waitUntil(lambda: panels.controller.results is not None and not panels.controller.busy, timeout=120000)
    qtbot.wait(300)  # the maps of conv1_1 (64×224×224) are drawn after the results arrive
    timer.stop()
    assert panels.feature_maps.maps.shape == (64, 224, 224)
    assert len(gaps) > 10  # the event loop ran while the worker computed
    print(f"longest GUI-thread gap during the VGG-16 run: {max(gaps) * 1000:.0f} ms")
    panels.controller.shutdown()
