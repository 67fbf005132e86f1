"""Seeds, presets, and weights files: loaded, saved, and kept with the network."""
from __future__ import annotations

import json

import numpy as np

from convstudio.engine.presets import preset_weights
from convstudio.engine.weights import init_weights, load_weights
from convstudio.graph import SetParams
from convstudio.io import load_network, save_network

from .conftest import make_window, panels_network, select, show_dock, wait_idle


def test_initial_weights_are_the_engine_s_seed_0_weights(win, panels):
    expected = init_weights(win.doc.net, 0)
    for nid, arrays in expected.items():
        for name, array in arrays.items():
            assert np.array_equal(panels.controller.weights[nid][name], array)
    assert panels.filters.weights_bar.seed.value() == 0


def test_a_preset_changes_the_weights_and_the_maps(win, panels, qtbot):
    controller = panels.controller
    before = controller.results.activations["conv1"].copy()
    select(win, "conv1")
    menu = panels.filters.weights_bar.preset.menu()
    sobel = next(a for a in menu.actions() if a.text() == "sobel-x")
    assert "vertical edges" in sobel.toolTip()
    sobel.trigger()
    wait_idle(qtbot, controller)
    assert np.array_equal(controller.weights["conv1"]["weight"], preset_weights("sobel-x", (8, 3, 3, 3)))
    assert not np.any(controller.weights["conv1"]["bias"])
    after = controller.results.activations["conv1"]
    assert not np.allclose(before, after)
    assert np.allclose(after[0], after[1])  # every filter is the same Sobel kernel
    show_dock(panels, "filters")
    assert "sobel-x" in panels.filters.header.text()
    assert "conv1 sobel-x" in panels.filters.weights_bar.origin.text()


def test_presets_are_only_offered_for_conv_layers(win, panels):
    show_dock(panels, "filters")
    select(win, "fc")
    assert not panels.filters.weights_bar.preset.isEnabled()
    select(win, "conv2")
    assert panels.filters.weights_bar.preset.isEnabled()


def test_a_preset_survives_a_kernel_size_change(win, panels, qtbot):
    panels.controller.apply_preset("conv1", "gaussian")
    wait_idle(qtbot, panels.controller)
    win.doc.push(SetParams("conv1", {"kernel_size": 5, "padding": 2}))
    wait_idle(qtbot, panels.controller)
    assert np.allclose(panels.controller.weights["conv1"]["weight"], preset_weights("gaussian", (8, 3, 5, 5)))


def test_seed_and_randomize_redraw_every_layer(win, panels, qtbot):
    controller = panels.controller
    bar = panels.filters.weights_bar
    bar.seed.setValue(7)
    wait_idle(qtbot, controller)
    assert np.array_equal(controller.weights["fc"]["weight"], init_weights(win.doc.net, 7)["fc"]["weight"])
    bar.randomize.click()
    wait_idle(qtbot, controller)
    assert bar.seed.value() == controller.seed != 7
    assert np.array_equal(controller.weights["fc"]["weight"],
                          init_weights(win.doc.net, controller.seed)["fc"]["weight"])


def test_save_and_load_weights_files_round_trip(win, panels, qtbot, tmp_path, file_answers, messages):
    controller = panels.controller
    controller.apply_preset("conv1", "laplacian")
    wait_idle(qtbot, controller)
    saved = {nid: dict(ws) for nid, ws in controller.weights.items()}
    file_answers.save = str(tmp_path / "w.npz")
    panels.filters.weights_bar.save.click()
    qtbot.waitUntil(lambda: (tmp_path / "w.npz").exists() and any("w.npz" in t for t in messages.texts()),
                    timeout=5000)
    controller.set_seed(3)
    wait_idle(qtbot, controller)
    assert not np.array_equal(controller.weights["fc"]["weight"], saved["fc"]["weight"])
    file_answers.open_weights = str(tmp_path / "w.npz")
    panels.filters.weights_bar.load.click()
    wait_idle(qtbot, controller)
    for nid, arrays in saved.items():
        for name, array in arrays.items():
            assert np.array_equal(controller.weights[nid][name], array)
    assert "from w.npz" in panels.filters.weights_bar.origin.text()
    assert any("Loaded weights for 3 layers" in t for t in messages.texts())


def test_loading_a_file_that_partly_fits_says_which_layers_did_not(win, panels, qtbot, tmp_path, messages):
    from convstudio.engine.weights import save_weights

    arrays = init_weights(win.doc.net, 5)
    arrays["fc"] = {"weight": np.zeros((3, 2), np.float32), "bias": np.zeros(3, np.float32)}
    save_weights(tmp_path / "partial.npz", arrays)
    panels.controller.load_weights_file(tmp_path / "partial.npz")
    wait_idle(qtbot, panels.controller)
    assert np.array_equal(panels.controller.weights["conv1"]["weight"], arrays["conv1"]["weight"])
    assert panels.controller.weights["fc"]["weight"].shape == (10, 6 * 14 * 14)
    assert any("fc (file has weight 3×2" in t for t in messages.texts("warning"))


def test_a_bad_weights_file_keeps_the_current_weights(win, panels, qtbot, tmp_path, messages):
    (tmp_path / "bad.npz").write_bytes(b"garbage")
    before = panels.controller.weights["fc"]["weight"]
    panels.controller.load_weights_file(tmp_path / "bad.npz")
    wait_idle(qtbot, panels.controller)
    assert panels.controller.weights["fc"]["weight"] is before
    assert any("bad.npz" in t for t in messages.texts("error"))


def test_weights_saved_beside_the_network_and_opened_with_it(win, panels, qtbot, tmp_path):
    controller = panels.controller
    assert controller.save_weights_beside(tmp_path / "net.json") is None  # seed 0, untouched: no file
    controller.apply_preset("conv1", "sobel-y")
    wait_idle(qtbot, controller)
    name = controller.save_weights_beside(tmp_path / "net.json")
    assert name == "net.weights.npz"
    net = win.doc.net
    net.weights = name
    save_network(net, tmp_path / "net.json")
    saved = load_weights(tmp_path / name, load_network(tmp_path / "net.json"))
    assert np.array_equal(saved["conv1"]["weight"], controller.weights["conv1"]["weight"])

    win2, panels2 = make_window(qtbot)
    wait_idle(qtbot, panels2.controller)
    win2.files.load(str(tmp_path / "net.json"))  # the controller reads the file the network names
    qtbot.waitUntil(lambda: "net.weights.npz" in panels2.controller.book.describe(), timeout=10000)
    wait_idle(qtbot, panels2.controller)
    for nid, arrays in controller.weights.items():
        for k, a in arrays.items():
            assert np.array_equal(panels2.controller.weights[nid][k], a)
    panels2.controller.shutdown()


def test_load_weights_beside_explicitly(win, panels, qtbot, tmp_path):
    from convstudio.engine.weights import save_weights

    arrays = init_weights(win.doc.net, 11)
    save_weights(tmp_path / "x.weights.npz", arrays)
    net = panels_network()
    net.weights = "x.weights.npz"
    path = panels.controller.load_weights_beside(tmp_path / "x.json", net)
    assert path == tmp_path / "x.weights.npz"
    wait_idle(qtbot, panels.controller)
    assert np.array_equal(panels.controller.weights["fc"]["weight"], arrays["fc"]["weight"])


def test_document_save_hook_is_offered(win, panels, tmp_path):
    assert win.doc.weights_saver == panels.controller.save_weights_beside
    json.dumps({})  # the hook returns a relative name (str) or None, both JSON-friendly


def test_weight_controls_are_offered_only_beside_layers_with_weights(win, panels):
    show_dock(panels, "filters")
    bar = panels.filters.weights_bar
    controls = (bar.seed, bar.randomize, bar.load, bar.save)
    select(win, "relu1")
    assert not any(w.isEnabled() for w in controls)
    assert bar.randomize.toolTip() == "relu1 has no weights"
    select(win, "fc")  # Dense: weights, no filters
    assert all(w.isEnabled() for w in controls) and not bar.preset.isEnabled()
    assert "new seed" in bar.randomize.toolTip()
    win.scene.clearSelection()
    assert all(w.isEnabled() for w in controls)  # nothing shown: they act on the whole network
