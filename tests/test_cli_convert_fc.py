"""`convstudio convert-fc`: converted network and weights written beside each other, one-line errors."""
from __future__ import annotations

import argparse

import numpy as np
import pytest

from convstudio import init_weights, load_network, load_weights, run, save_network, save_weights
from convstudio.cli import convert_fc
from convstudio.graph import SetMeta
from convstudio.io.templates import load_template


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="convstudio")
    convert_fc.add_parser(parser.add_subparsers(dest="command"))
    return convert_fc.run(parser.parse_args(["convert-fc", *argv]))


def test_template_without_weights(tmp_path, capsys):
    out = tmp_path / "lenet_fcn.json"
    assert cli("template:lenet5", "-o", str(out)) == 0
    text = capsys.readouterr().out
    assert "fc1: Dense 400 → 120 is now Conv2D K120 F5×5 on 16×5×5 (48,120 parameters)" in text
    assert "parameters: 61,706 before, 61,706 after" in text
    assert "max |difference|" in text and "random weights (seed 0)" in text
    net = load_network(out)
    assert net.node("fc3").type == "Conv2D" and "flatten" not in net and net.weights is None
    assert not (tmp_path / "lenet_fcn.weights.npz").exists()


def test_weights_option_converts_the_weights(tmp_path, capsys):
    src = tmp_path / "lenet.json"
    net = load_template("lenet5")
    save_network(net, src)
    weights = init_weights(net, 7)
    save_weights(tmp_path / "mine.npz", weights)
    out = tmp_path / "out.json"
    assert cli(str(src), "-o", str(out), "--weights", str(tmp_path / "mine.npz")) == 0
    assert "with its weights" in capsys.readouterr().out
    converted = load_network(out)
    assert converted.weights == "out.weights.npz"
    new_weights = load_weights(tmp_path / "out.weights.npz", converted)
    x = np.random.default_rng(0).standard_normal((2, 1, 32, 32)).astype(np.float32)
    expected, got = run(net, x, weights)["fc3"], run(converted, x, new_weights)["fc3"]
    np.testing.assert_allclose(got.reshape(expected.shape), expected, rtol=1e-5, atol=1e-7)


def test_weights_named_by_the_network_are_found_beside_it(tmp_path, capsys):
    net = load_template("lenet5")
    save_weights(tmp_path / "lenet.weights.npz", init_weights(net, 1))
    SetMeta(weights="lenet.weights.npz").redo(net)
    save_network(net, tmp_path / "lenet.json")
    out = tmp_path / "sub" / "converted"
    out.parent.mkdir()
    assert cli(str(tmp_path / "lenet.json"), "-o", str(out), "--no-check") == 0
    printed = capsys.readouterr().out
    assert "difference" not in printed and "converted.weights.npz" in printed
    assert load_network(out).weights == "converted.weights.npz"
    load_weights(out.parent / "converted.weights.npz", load_network(out))


@pytest.mark.parametrize("source, message", [
    ("template:fcn3", "nothing to convert: FCN-3 has no Dense"),
    ("missing.json", "missing.json: no such file"),
])
def test_errors_are_one_line_with_exit_2(tmp_path, capsys, monkeypatch, source, message):
    monkeypatch.chdir(tmp_path)
    assert cli(source, "-o", "out.json") == 2
    err = capsys.readouterr().err
    assert err.startswith("convstudio convert-fc: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "out.json").exists()


def test_missing_weights_file_and_unwritable_output(tmp_path, capsys):
    net = load_template("lenet5")
    SetMeta(weights="gone.npz").redo(net)
    save_network(net, tmp_path / "net.json")
    assert cli(str(tmp_path / "net.json"), "-o", str(tmp_path / "out.json")) == 2
    assert "gone.npz: no such file" in capsys.readouterr().err
    assert cli("template:lenet5", "-o", str(tmp_path / "no" / "such" / "out.json"), "--no-check") == 2
    err = capsys.readouterr().err
    assert err.startswith("convstudio convert-fc: cannot write") and err.count("\n") == 1


def test_a_network_that_cannot_be_written_leaves_no_weights_behind(tmp_path, capsys, monkeypatch):
    src = tmp_path / "lenet.json"
    net = load_template("lenet5")
    save_network(net, src)
    save_weights(tmp_path / "mine.npz", init_weights(net, 7))

    def full_disk(*_args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(convert_fc, "save_network", full_disk)
    assert cli(str(src), "-o", str(tmp_path / "out.json"), "--weights", str(tmp_path / "mine.npz")) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert not (tmp_path / "out.weights.npz").exists() and not (tmp_path / "out.json").exists()
