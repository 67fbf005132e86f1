"""The Train dock's controls on a tiny network and a 30-image shapes set, offscreen."""
from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtGui import QKeySequence

from convstudio.engine import training
from convstudio.graph import RemoveNodes, SetParams
from convstudio.io.templates import load_template
from convstudio.qt.panels.run_menu import run_menu

from convstudio.qt.training.session import undo_text

from .conftest import open_dock, open_window, wait_idle

TRAINED = ("conv1", "fc")


@pytest.fixture
def slow_steps(monkeypatch):
    """Batches that take at least 40 ms, so a test can act while training runs."""
    real = training.Trainer.step

    def slow(self):
        time.sleep(0.04)
        return real(self)
    monkeypatch.setattr(training.Trainer, "step", slow)


def events_of(panel):
    return panel.curves.steps


def weights_of(win):
    return {nid: {k: v.copy() for k, v in win.doc.weight_book.arrays[nid].items()} for nid in TRAINED}


def wait_until_idle(qtbot, session, timeout=30000):
    qtbot.waitUntil(lambda: session.state == "idle", timeout=timeout)


def test_run_menu_train_opens_the_dock_with_the_dataset_at_the_input_size(qtbot, win, panel):
    act = win.training.action
    assert act.shortcut() == QKeySequence("Ctrl+T") and "Ctrl+T" in act.toolTip()
    assert act in run_menu(win).actions() and act.statusTip()
    assert win.training.dock.isVisible()
    data = win.training.session.data
    assert data.x_train.shape[1:] == (3, 16, 16)
    assert panel.samples.rows == ["circle", "square", "triangle"]
    counts = data.counts()
    assert f"{counts['circle'][0]} + {counts['circle'][1]}" in panel.samples.grid.itemAtPosition(0, 0).widget().text()
    assert data.pipeline in panel.pipeline.text()
    assert not panel.refusal.isVisible()
    assert panel.start.isEnabled() and panel.step.isEnabled()
    assert not panel.pause.isEnabled() and not panel.stop.isEnabled()
    assert all(b.toolTip() for b in (panel.start, panel.pause, panel.step, panel.stop, panel.lr))


def test_start_trains_to_the_end_and_keeps_the_weights_and_class_names_in_one_undo_step(qtbot, win, panel):
    session, doc = win.training.session, win.doc
    before, steps_before = weights_of(win), doc.stack.count()
    assert not doc.modified and doc.net.labels == []
    panel.start.click()
    assert session.state == "training" and panel.pause.isEnabled() and panel.stop.isEnabled()
    assert not panel.start.isEnabled() and not panel.epochs.isEnabled()
    wait_until_idle(qtbot, session)
    assert events_of(panel) == list(range(1, 7))  # 2 epochs of 3 batches of 8
    assert len(panel.curves.val_losses) == 2
    assert doc.stack.count() == steps_before + 1 and doc.stack.undoText() == "Train 2 epochs on shapes"
    assert doc.modified and win.isWindowModified()
    assert doc.net.labels == ["circle", "square", "triangle"]
    after = weights_of(win)
    assert all(not np.array_equal(after[n]["weight"], before[n]["weight"]) for n in TRAINED)
    assert "Train 2 epochs on shapes" in doc.weight_book.origin("conv1")
    revert = win.training.revert
    assert revert.isEnabled() and revert in win.menus["edit"].actions()
    revert.trigger()  # Edit ▸ Revert Weights: the training's undo step
    assert doc.net.labels == [] and not revert.isEnabled()
    for nid in TRAINED:
        for k, v in before[nid].items():
            assert np.array_equal(doc.weight_book.arrays[nid][k], v)
    assert not doc.modified
    doc.stack.redo()
    assert np.array_equal(doc.weight_book.arrays["fc"]["weight"], after["fc"]["weight"])


def test_after_an_epoch_the_confusion_matrix_and_mistakes_name_the_classes(qtbot, win, panel):
    panel.start.click()
    wait_until_idle(qtbot, win.training.session)
    assert panel.confusion.rowCount() == 0  # drawn when its tab is chosen
    panel.tabs.setCurrentWidget(panel.confusion_page)
    table = panel.confusion
    labels = ["circle", "square", "triangle"]
    assert [table.verticalHeaderItem(i).text() for i in range(3)] == labels
    assert [table.horizontalHeaderItem(i).text() for i in range(3)] == [f"→ {n}" for n in labels]
    assert table.counts().sum() == len(win.training.session.data.y_val)
    wrong = table.counts().sum() - np.trace(table.counts())
    panel.tabs.setCurrentWidget(panel.mistakes_page)
    assert panel.mistakes.count() == wrong and f"{wrong} of 6 validation images" in panel.mistakes_note.text()
    for i in range(panel.mistakes.count()):
        true, said = panel.mistakes.item(i).text().split(" → ")
        assert true in labels and said in labels and true != said


def test_gradient_chart_has_one_line_per_layer_with_weights(qtbot, win, panel):
    panel.start.click()
    wait_until_idle(qtbot, win.training.session)
    chart = panel.gradients
    assert set(chart.grads) == set(TRAINED) and chart.lines == {}  # drawn when its tab is chosen
    assert all(len(chart.grads[n]) == 6 and all(g > 0 for g in chart.grads[n]) for n in TRAINED)
    assert all(0 < r < 1 for n in TRAINED for r in chart.ratios[n])
    panel.tabs.setCurrentWidget(chart)
    qtbot.waitUntil(lambda: set(chart.lines) == set(TRAINED), timeout=3000)  # a few layers per redraw
    grad_line, ratio_line = chart.lines["fc"]
    assert grad_line.getData()[1].size == 6 and np.allclose(10 ** grad_line.getData()[1], chart.grads["fc"])  # drawn on a log scale


def test_pause_step_and_a_learning_rate_changed_while_training(qtbot, win, panel, slow_steps):
    session = win.training.session
    panel.epochs.setValue(20)
    panel.start.click()
    qtbot.waitUntil(lambda: len(events_of(panel)) >= 2, timeout=20000)
    panel.pause.click()
    assert session.state == "paused" and panel.start.text() == "Resume" and panel.step.isEnabled()
    assert not panel.pause.isEnabled()
    qtbot.wait(300)  # a batch in flight when Pause was pressed still arrives
    paused_at = len(events_of(panel))
    qtbot.wait(300)
    assert len(events_of(panel)) == paused_at  # really paused
    panel.lr.setValue(0.05)
    panel.step.click()
    qtbot.waitUntil(lambda: len(events_of(panel)) == paused_at + 1, timeout=10000)
    assert panel.last_event.lr == pytest.approx(0.05)
    qtbot.wait(200)
    assert len(events_of(panel)) == paused_at + 1 and session.state == "paused"
    panel.start.click()  # Resume
    assert session.state == "training"
    qtbot.waitUntil(lambda: len(events_of(panel)) >= paused_at + 3, timeout=10000)
    panel.lr.setValue(0.002)
    seen = len(events_of(panel))
    qtbot.waitUntil(lambda: len(events_of(panel)) >= seen + 2, timeout=10000)
    assert panel.last_event.lr == pytest.approx(0.002)
    panel.stop.click()
    wait_until_idle(qtbot, session)


def test_step_from_idle_trains_one_batch_then_waits(qtbot, win, panel):
    session = win.training.session
    panel.step.click()
    qtbot.waitUntil(lambda: len(events_of(panel)) == 1, timeout=20000)
    assert session.state == "paused"
    panel.stop.click()
    wait_until_idle(qtbot, session)
    assert win.doc.stack.undoText() == "Train 1 batch on shapes"


def test_stop_keeps_complete_weights_and_one_undo_step_restores_the_old_ones(qtbot, win, panel, slow_steps):
    session, doc = win.training.session, win.doc
    before, count = weights_of(win), doc.stack.count()
    panel.epochs.setValue(50)
    panel.start.click()
    qtbot.waitUntil(lambda: len(events_of(panel)) >= 4, timeout=20000)
    panel.stop.click()
    wait_until_idle(qtbot, session)
    steps = len(events_of(panel))
    assert doc.stack.count() == count + 1 and doc.stack.undoText() == undo_text(steps, 3, "shapes")
    assert steps < 150
    assert not doc.provisional
    arrays = doc.weight_book.arrays
    for nid in TRAINED:
        assert set(arrays[nid]) == {"weight", "bias"} and all(np.isfinite(v).all() for v in arrays[nid].values())
    assert "stopped" in panel.status.text()
    doc.stack.undo()
    for nid in TRAINED:
        assert np.array_equal(doc.weight_book.arrays[nid]["weight"], before[nid]["weight"])


def test_the_panels_show_the_weights_while_training_without_undo_steps(qtbot, win, panel, slow_steps):
    session, doc = win.training.session, win.doc
    controller = win.inspection.controller
    session_preview = []
    session.progress.connect(lambda parcel: parcel.weights is not None and session_preview.append(parcel.weights))
    before, count = weights_of(win), doc.stack.count()
    panel.epochs.setValue(50)
    panel.start.click()
    qtbot.waitUntil(lambda: len(session_preview) >= 2, timeout=20000)
    assert doc.provisional and doc.stack.count() == count and not doc.modified
    assert not np.array_equal(controller.weights["conv1"]["weight"], before["conv1"]["weight"])
    assert "training" in controller.book.origin("conv1")
    wait_idle(qtbot, controller)
    assert controller.results is not None
    panel.stop.click()
    wait_until_idle(qtbot, session)
    assert doc.stack.count() == count + 1


def test_an_edit_of_the_structure_stops_training_with_a_message(qtbot, win, panel, slow_steps, messages):
    session, doc = win.training.session, win.doc
    before = weights_of(win)
    panel.epochs.setValue(50)
    panel.start.click()
    qtbot.waitUntil(lambda: len(events_of(panel)) >= 2, timeout=20000)
    doc.push(SetParams("conv1", {"filters": 5}))
    wait_until_idle(qtbot, session)
    assert "Training stopped: the network was edited." in messages.texts()
    assert "the network was edited" in panel.status.text()
    assert doc.stack.undoText().startswith("Train ")  # fc's input changed too: nothing fits but the labels
    doc.stack.undo()  # the training step
    doc.stack.undo()  # the edit: back to the weights from before training
    for nid in TRAINED:
        assert np.array_equal(doc.weight_book.arrays[nid]["weight"], before[nid]["weight"])


def test_a_ten_class_lenet_on_shapes_is_refused_naming_what_to_change(qtbot, dialogs):
    win = open_window(qtbot, load_template("lenet5"))
    try:
        panel = open_dock(qtbot, win)
        session = win.training.session
        assert session.data.x_train.shape[1:] == (1, 32, 32)
        assert panel.refusal.isVisible()
        assert panel.refusal.text() == ("The dataset has 3 classes but the network outputs 10 scores; "
                                        "set the last layer's K to 3")
        assert not panel.start.isEnabled() and not panel.step.isEnabled()
        last = [n.id for n in win.doc.net][-1]
        fc = next(n.id for n in reversed(list(win.doc.net)) if n.type == "Dense")
        win.doc.push(SetParams(fc, {"units": 3}))
        qtbot.waitUntil(lambda: not panel.refusal.isVisible(), timeout=10000)
        assert panel.start.isEnabled(), last
    finally:
        win.training.session.shutdown()
        win.inspection.controller.shutdown()


def test_a_network_without_input_is_refused(qtbot, win, panel):
    win.doc.push(RemoveNodes(["image"]))
    assert panel.refusal.isVisible() and "exactly one Input layer; add one from the palette" in panel.refusal.text()
    assert not panel.start.isEnabled()


def test_undo_text_names_epochs_and_batches():
    assert undo_text(6, 3, "shapes") == "Train 2 epochs on shapes"
    assert undo_text(7, 3, "shapes") == "Train 2 epochs and 1 batch on shapes"
    assert undo_text(2, 3, "digits") == "Train 2 batches on digits"
    assert undo_text(3, 3, "shapes") == "Train 1 epoch on shapes"


def test_after_training_the_class_names_label_the_scores_view_and_the_output_bars(qtbot, win, panel):
    panel.start.click()
    wait_until_idle(qtbot, win.training.session)
    controller = win.inspection.controller
    wait_idle(qtbot, controller)
    names = ["circle", "square", "triangle"]
    assert controller.results.report is not None and win.doc.net.labels == names
    win.explain.reveal("fcn")
    scores = win.explain.views["fcn"]
    scores.refresh()
    assert scores.labels == names
    assert sorted(r.label for r in scores.bars.ranking) == names
    ticks = [(0, n) for n in scores.bars.shown_names()]
    assert sorted(text for _, text in ticks) == names
    maps = win.inspection.feature_maps
    win.inspection.docks["feature_maps"].raise_()
    maps.show_node("fc")
    maps.refresh(force=True)
    assert maps.bars.names == names
    assert any(n in maps.bars.ranking.text() for n in names) and "#0" not in maps.bars.ranking.text()
    maps.show_node("conv1")  # not the output: no class names
    maps.show_node("flat")
    maps.refresh(force=True)
    assert maps.bars.names is None


def test_save_writes_the_trained_weights_and_class_names(qtbot, win, panel, tmp_path):
    from convstudio.engine.weights import load_weights
    from convstudio.io import load_network

    panel.start.click()
    wait_until_idle(qtbot, win.training.session)
    trained = weights_of(win)
    win.doc.save(tmp_path / "tiny.json")
    assert not win.doc.modified and not win.isWindowModified()
    saved = load_network(tmp_path / "tiny.json")
    assert saved.labels == ["circle", "square", "triangle"] and saved.weights
    arrays = load_weights(tmp_path / saved.weights)
    for nid in TRAINED:
        assert np.array_equal(arrays[nid]["weight"], trained[nid]["weight"])


def test_a_folder_of_class_subfolders_is_a_dataset(qtbot, win, panel, tmp_path):
    from PIL import Image

    for name, colour in (("red", (220, 30, 30)), ("blue", (30, 30, 220)), ("green", (30, 200, 30))):
        (tmp_path / name).mkdir()
        for i in range(4):
            Image.new("RGB", (20 + i, 20), colour).save(tmp_path / name / f"{i}.png")
    panel.count.setValue(0)
    panel.choose_folder(str(tmp_path))
    session = win.training.session
    qtbot.waitUntil(lambda: session.data is not None and session.data.name == tmp_path.name, timeout=20000)
    assert panel.samples.rows == ["blue", "green", "red"]
    assert "stretched to 16×16" in panel.pipeline.text() and panel.dataset.currentText() == "Folder…"
    panel.start.click()
    wait_until_idle(qtbot, session)
    assert win.doc.net.labels == ["blue", "green", "red"]
    assert win.doc.stack.undoText() == f"Train 2 epochs on {tmp_path.name}"


def test_gradient_chart_adds_a_deep_networks_layers_a_few_per_draw(qtbot):
    from convstudio.engine.training import BatchEvent
    from convstudio.qt.training.charts import LAYERS_PER_DRAW, GradientChart

    chart = GradientChart()
    qtbot.addWidget(chart)
    layers = [f"conv{i}" for i in range(2 * LAYERS_PER_DRAW + 1)]
    events = [BatchEvent(epoch=1, step=s, steps_per_epoch=10, total_steps=10, loss=1.0, accuracy=0.5,
                         smoothed_loss=1.0, images_per_second=1.0, seconds_left=1.0, lr=1e-3,
                         grad_norms={n: 0.1 for n in layers}, update_ratios={n: 1e-3 for n in layers})
              for s in (1, 2)]
    chart.add_events(events, draw=False)
    assert not chart.draw() and len(chart.lines) == LAYERS_PER_DRAW
    assert not chart.draw()
    assert chart.draw() and set(chart.lines) == set(layers)
    assert chart.lines["conv0"][0].getData()[1].size == 2


def test_schedule_and_weight_decay_reach_the_trainer_and_stay_fixed_while_training(qtbot, win, panel, slow_steps):
    from convstudio.engine.optim import lr_schedule

    assert panel.schedule.currentText() == "constant" and panel.decay.value() == 0.0  # the engine's defaults
    assert panel.schedule.toolTip() and panel.decay.toolTip()
    assert panel.config().schedule is None and panel.config().weight_decay == 0.0
    panel.schedule.setCurrentIndex(panel.schedule.findText("cosine (down to 0)"))
    panel.decay.setValue(0.0005)
    panel.epochs.setValue(3)
    configs, rates = [], []
    win.training.session.started.connect(configs.append)
    win.training.session.progress.connect(lambda parcel: rates.extend(e.lr for e in parcel.events))
    panel.start.click()
    qtbot.waitUntil(lambda: len(rates) >= 1, timeout=20000)
    assert not panel.schedule.isEnabled() and not panel.decay.isEnabled() and panel.lr.isEnabled()
    wait_until_idle(qtbot, win.training.session)
    assert panel.schedule.isEnabled() and panel.decay.isEnabled()
    config = configs[-1]
    assert config.schedule == "cosine" and config.weight_decay == pytest.approx(0.0005)
    expected = lr_schedule("cosine", config.lr, len(rates))
    assert rates == pytest.approx([expected(i) for i in range(len(rates))])  # not reset to the base rate
    assert rates[-1] < rates[0] / 5


def test_a_learning_rate_typed_while_training_replaces_the_schedule(qtbot, win, panel, slow_steps):
    panel.schedule.setCurrentIndex(panel.schedule.findText("step (÷10 every third)"))
    panel.epochs.setValue(20)
    rates = []
    win.training.session.progress.connect(lambda parcel: rates.extend(e.lr for e in parcel.events))
    panel.start.click()
    qtbot.waitUntil(lambda: len(rates) >= 1, timeout=20000)
    panel.lr.setValue(0.004)
    seen = len(rates)
    qtbot.waitUntil(lambda: len(rates) >= seen + 2, timeout=10000)
    assert rates[-1] == pytest.approx(0.004)
    panel.stop.click()
    wait_until_idle(qtbot, win.training.session)
