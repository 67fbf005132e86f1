"""Runs that cannot work are refused before they allocate: kernel buffers, huge inputs, empty or NaN batches."""
from __future__ import annotations

import numpy as np
import pytest

from convstudio.cli import main
from convstudio.engine import images, memory
from convstudio.engine.execute import run
from convstudio.engine.infer import infer
from convstudio.errors import ConvStudioError, ResourceLimitError
from convstudio.graph import AddNode, Network
from convstudio.io import save_network


def chain(*steps, channels=1, size=8) -> Network:
    net = Network("n")
    AddNode("Input", {"channels": channels, "height": size, "width": size}, node_id="image").redo(net)
    last = "image"
    for k, (type_name, params) in enumerate(steps):
        AddNode(type_name, params, node_id=f"l{k}", inputs=[last]).redo(net)
        last = f"l{k}"
    return net


def test_the_transposed_convolution_buffer_is_in_the_estimate():
    net = chain(("ConvTranspose2D", {"filters": 16, "kernel_size": 3, "dilation": 4096, "padding": 4096}), size=1)
    report = infer(net)
    assert report.nodes["l0"].shape == (16, 1, 1)  # a tiny output from an 8193×8193 buffer per channel
    need = memory.estimate(report, 1, 0, net)
    assert need["scratch"] >= 16 * 8193 * 8193 * 4
    with pytest.raises(ResourceLimitError, match="working space"):
        run(net, np.zeros((1, 1, 1, 1), np.float32), memory_limit=2 << 30)


def test_ordinary_kernels_still_fit_a_small_limit():
    net = chain(("ConvTranspose2D", {"filters": 4, "kernel_size": 3, "stride": 2}), ("MaxPool2D", {"padding": 1}),
                ("Conv2D", {"filters": 2, "kernel_size": 3}))
    out = run(net, np.ones((1, 1, 8, 8), np.float32), memory_limit=200 << 20)
    assert out["l2"].shape == (1, 2, 7, 7)


def test_the_cli_refuses_a_huge_input_before_scaling_the_image(tmp_path, capsys, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the image was prepared before the network was refused")
    monkeypatch.setattr(images, "load_image_source", never)
    net = chain(("Conv2D", {"filters": 64, "kernel_size": 3, "padding": 1}), channels=3, size=16384)  # 68 GB out
    save_network(net, tmp_path / "huge.json")
    code = main(["run", str(tmp_path / "huge.json"), "--image", "sample:shapes", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "this run needs about" in err
    assert not (tmp_path / "o").exists()


def test_an_empty_batch_is_refused_for_a_network_with_flatten():
    net = chain(("Flatten", {}), ("Dense", {"units": 3}))
    with pytest.raises(ConvStudioError, match="holds no images"):
        run(net, np.zeros((0, 1, 8, 8), np.float32))


@pytest.mark.parametrize("value,word", [(np.nan, "NaN"), (np.inf, "infinite"), (-np.inf, "infinite")])
def test_an_image_holding_nan_or_infinity_is_refused(value, word):
    net = chain(("Flatten", {}), ("Dense", {"units": 3}), ("Softmax", {}))
    x = np.zeros((1, 1, 8, 8), np.float32)
    x[0, 0, 3, 4] = value
    with pytest.raises(ConvStudioError, match=f"holds {word} values"):
        run(net, x)
