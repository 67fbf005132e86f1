"""Forward passes through the public API: shapes, dtype, progress, cancel, memory limit, weights."""
import numpy as np
import pytest

from convstudio import ConvStudioError, ResourceLimitError, RunCancelled, init_weights, run
from convstudio.engine.weights import check_weights, load_weights, refresh_weights, save_weights
from convstudio.errors import FormatError
from convstudio.graph import AddNode, Network, SetParams, UndoStack


def small_net() -> Network:
    net = Network("small")
    stack = UndoStack(net)
    stack.push(AddNode("Input", {"channels": 3, "height": 16, "width": 16}, node_id="x"))
    stack.push(AddNode("Conv2D", {"filters": 4, "padding": "same"}, inputs=["x"], node_id="c1"))
    stack.push(AddNode("BatchNorm2D", inputs=["c1"], node_id="bn"))
    stack.push(AddNode("ReLU", inputs=["bn"], node_id="r"))
    stack.push(AddNode("Conv2D", {"filters": 4, "padding": 1}, inputs=["r"], node_id="c2"))
    stack.push(AddNode("Add", inputs=["r", "c2"], node_id="sum"))
    stack.push(AddNode("MaxPool2D", inputs=["sum"], node_id="pool"))
    stack.push(AddNode("Flatten", inputs=["pool"], node_id="flat"))
    stack.push(AddNode("Dense", {"units": 3}, inputs=["flat"], node_id="fc"))
    stack.push(AddNode("Softmax", inputs=["fc"], node_id="prob"))
    return net


def test_run_returns_every_node_float32():
    net = small_net()
    x = np.random.default_rng(0).random((2, 3, 16, 16), dtype=np.float32)
    acts = run(net, x, init_weights(net, seed=3))
    assert list(acts) == ["x", "c1", "bn", "r", "c2", "sum", "pool", "flat", "fc", "prob"]
    assert all(a.dtype == np.float32 for a in acts.values())
    assert acts["pool"].shape == (2, 4, 8, 8)
    np.testing.assert_allclose(acts["prob"].sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(acts["sum"], acts["r"] + acts["c2"], rtol=1e-6)


def test_float64_input_is_converted_not_propagated():
    net = small_net()
    acts = run(net, np.ones((1, 3, 16, 16)))
    assert acts["prob"].dtype == np.float32


def test_progress_reports_every_layer_in_order():
    net = small_net()
    seen = []
    run(net, np.zeros((1, 3, 16, 16), np.float32), progress=lambda d, t, i: seen.append((d, t, i)))
    assert [s[0] for s in seen] == list(range(1, 11))
    assert all(s[1] == 10 for s in seen)


def test_cancel_raises_and_returns_nothing():
    net = small_net()
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(RunCancelled):
        run(net, np.zeros((1, 3, 16, 16), np.float32), cancel=cancel)


def test_memory_limit_refuses_with_numbers():
    net = small_net()
    with pytest.raises(ResourceLimitError, match=r"needs about .* but the limit is"):
        run(net, np.zeros((1, 3, 16, 16), np.float32), memory_limit=1000)


def test_network_with_errors_does_not_run():
    net = small_net()
    UndoStack(net).push(SetParams("c1", {"kernel_size": 40, "padding": 0}))
    with pytest.raises(ConvStudioError, match="cannot run: c1: kernel 40 needs 40 pixels"):
        run(net, np.zeros((1, 3, 16, 16), np.float32))


def test_wrong_input_channels_is_explained():
    with pytest.raises(ConvStudioError, match=r"needs a batch N×3×H×W, got 1×1×16×16"):
        run(small_net(), np.zeros((1, 1, 16, 16), np.float32))


def test_init_is_deterministic_and_per_node():
    net = small_net()
    a, b = init_weights(net, seed=5), init_weights(net, seed=5)
    for nid in a:
        for name in a[nid]:
            np.testing.assert_array_equal(a[nid][name], b[nid][name])
    assert not np.array_equal(init_weights(net, seed=6)["c1"]["weight"], a["c1"]["weight"])
    bound = 1 / np.sqrt(3 * 3 * 3)
    assert np.abs(a["c1"]["weight"]).max() <= bound
    np.testing.assert_array_equal(a["bn"]["running_var"], np.ones(4, np.float32))


def test_changing_one_node_reinitializes_only_that_node():
    net = small_net()
    before = init_weights(net, seed=1)
    UndoStack(net).push(SetParams("c2", {"kernel_size": 5, "padding": 2}))
    after = refresh_weights(net, before, seed=1)
    assert after["c2"]["weight"].shape == (4, 4, 5, 5)
    assert after["c1"]["weight"] is before["c1"]["weight"]
    assert after["fc"]["weight"] is before["fc"]["weight"]


def test_weights_round_trip_and_errors(tmp_path):
    net = small_net()
    w = init_weights(net, seed=2)
    path = tmp_path / "w.npz"
    save_weights(path, w)
    back = load_weights(path, net)
    np.testing.assert_array_equal(back["c2"]["weight"], w["c2"]["weight"])
    w["c2"]["weight"] = np.zeros((4, 4, 5, 5), np.float32)
    save_weights(path, w)
    with pytest.raises(FormatError, match=r"c2/weight: expected 4×4×3×3, the weights have 4×4×5×5"):
        load_weights(path, net)
    del w["c2"]
    with pytest.raises(ConvStudioError, match="c2/weight: missing"):
        check_weights(net, w)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(FormatError, match="not a readable .npz"):
        load_weights(tmp_path / "bad.npz")


def test_weights_file_never_unpickles(tmp_path):
    path = tmp_path / "obj.npz"
    np.savez(path, **{"c1/weight": np.array([object()], dtype=object)})
    with pytest.raises(FormatError):
        load_weights(path)
