"""`convstudio summary`: the table, the JSON, and exit codes 0 (valid), 1 (errors), 2 (unreadable)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from convstudio import layers
from convstudio.cli import main
from convstudio.graph import AddNode, Network, UndoStack
from convstudio.io import save_network

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(["summary", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def broken(tmp_path) -> Path:
    """A network whose Dense layer reads an image: one error, one layer left unknown."""
    net = Network("Broken")
    stack = UndoStack(net)
    stack.push(AddNode("Input", {"channels": 3, "height": 8, "width": 7}, node_id="image"))
    stack.push(AddNode("MaxPool2D", {"kernel_size": 2}, node_id="pool2", inputs=["image"]))
    stack.push(AddNode("Dense", {"units": 10}, node_id="dense1", inputs=["pool2"]))
    stack.push(AddNode("ReLU", node_id="relu", inputs=["dense1"]))
    path = tmp_path / "broken.json"
    save_network(net, path)
    return path


def test_table(capsys):
    code, out, err = run(capsys, "template:lenet5")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "LeNet-5"
    assert lines[2].split() == ["id", "type", "settings", "output", "C×H×W", "params", "MACs", "receptive", "field",
                                 "jump"]
    assert any(line.split()[:6] == ["conv1", "Conv2D", "K6", "F5", "S1", "P0"] and "6×28×28" in line and "156" in line
               for line in lines)
    assert any(line.split()[0] == "pool2" and line.split()[-2:] == ["16×16", "4"] for line in lines[4:])
    assert "Total params: 61,706" in lines
    assert "Total MACs:   416,520 (416.52 kMAC; FLOPs = 2 × MACs)" in lines
    assert "Output:       10" in lines
    assert lines[-1] == "0 errors, 0 warnings"


def test_json(capsys):
    code, out, _ = run(capsys, "template:vgg16", "--json")
    doc = json.loads(out)
    assert code == 0
    assert set(doc) == {"name", "input", "layers", "total_params", "total_macs", "errors", "warnings"}
    assert (doc["name"], doc["input"]) == ("VGG-16", [3, 224, 224])
    assert (doc["total_params"], doc["total_macs"]) == (138_357_544, 15_470_264_320)
    assert doc["errors"] == [] and doc["warnings"] == []
    for layer in doc["layers"]:
        assert set(layer) == {"id", "type", "output_shape", "params", "macs", "receptive_field", "diagnostics"}
    by_id = {layer["id"]: layer for layer in doc["layers"]}
    assert by_id["fc6"]["params"] == 102_764_544 and by_id["fc6"]["output_shape"] == [4096]
    assert by_id["pool5"]["receptive_field"] == {"size": [212, 212], "jump": [32.0, 32.0], "whole_input": False}
    assert by_id["fc8"]["receptive_field"]["whole_input"] is True


def test_errors_exit_1(capsys, broken):
    code, out, err = run(capsys, str(broken))
    assert (code, err) == (1, "")
    assert "error: dense1: expects a flat input; add Flatten or use GlobalAvgPool2D" in out.splitlines()
    assert "warning: pool2: stride 2 leaves the last column of the 7-wide input unvisited" in out.splitlines()
    assert out.splitlines()[-1] == "1 error, 1 warning"
    relu = next(line for line in out.splitlines() if line.startswith("relu "))
    assert relu.split()[2:5] == ["?", "?", "?"]  # shape, params and MACs unknown


def test_errors_in_json(capsys, broken):
    code, out, _ = run(capsys, str(broken), "--json")
    doc = json.loads(out)
    assert code == 1
    assert doc["errors"] == ["dense1: expects a flat input; add Flatten or use GlobalAvgPool2D"]
    assert doc["warnings"] == ["pool2: stride 2 leaves the last column of the 7-wide input unvisited"]
    relu = next(layer for layer in doc["layers"] if layer["id"] == "relu")
    assert relu == {"id": "relu", "type": "ReLU", "output_shape": None, "params": None, "macs": None,
                    "receptive_field": None, "diagnostics": []}


def test_input_override_on_vgg16(capsys):
    """Dense layers follow the flattened size: at 384×384 fc6 has 73,728 inputs; the network stays valid."""
    code, out, _ = run(capsys, "template:vgg16", "--input", "3,384,384", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["input"] == [3, 384, 384]
    by_id = {layer["id"]: layer for layer in doc["layers"]}
    assert by_id["pool5"]["output_shape"] == [512, 12, 12]
    assert by_id["fc6"]["params"] == 73_728 * 4_096 + 4_096


def test_input_too_small_for_vgg16(capsys):
    code, out, _ = run(capsys, "template:vgg16", "--input", "3x16x16")
    assert code == 1
    assert "error: pool5: kernel 2 needs 2 pixels but the padded input is only 1 tall (1 + 2×0)" in out.splitlines()


def test_fully_convolutional_network_on_a_larger_image(capsys):
    code, out, _ = run(capsys, "template:fcn3", "--input", "3,128,128")
    assert code == 0 and "Output:       3×9×9" in out.splitlines()


@pytest.mark.parametrize("text", ["3,224", "a,b,c", "0,8,8", "3,8,99999"])
def test_bad_input_option_is_a_usage_error(capsys, text):
    with pytest.raises(SystemExit) as e:
        main(["summary", "template:lenet5", "--input", text])
    assert e.value.code == 2
    assert "--input" in capsys.readouterr().err


def test_unreadable_file_exit_2(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "convstudio.network", "version": 1, "layers": [{"id": "a", "type": "Conv3D"}]}')
    code, out, err = run(capsys, str(bad))
    assert (code, out) == (2, "")
    assert err == f'convstudio summary: {bad}: layers[0].type: unknown layer type "Conv3D"; known types: ' \
                  + ", ".join(layers.names()) + "\n"
    code, out, err = run(capsys, str(tmp_path / "none.json"))
    assert (code, err) == (2, f"convstudio summary: {tmp_path / 'none.json'}: no such file\n")
    code, out, err = run(capsys, "template:nope")
    assert code == 2 and err.startswith("convstudio summary: no template 'nope'; templates: alexnet, ")


def test_command_line_process_never_shows_a_traceback(tmp_path, broken):
    bad = tmp_path / "truncated.json"
    bad.write_bytes(b'{"format": "convstudio.network", "version": 1, "layers": [{"id": "caf\xe9"')
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}

    def cli(*argv):
        return subprocess.run([sys.executable, "-m", "convstudio", "summary", *argv], capture_output=True,
                              text=True, env=env, cwd=tmp_path, timeout=120, check=False)

    done = cli(str(bad))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"convstudio summary: {bad}: not UTF-8 text (byte 0xe9 at offset 69)\n"
    done = cli(str(broken), "--json")
    assert done.returncode == 1 and json.loads(done.stdout)["errors"]
    assert "Traceback" not in done.stderr
    done = cli("template:tinyvgg")
    assert done.returncode == 0 and "Total params: 8,083" in done.stdout


def test_an_empty_network_says_so(capsys, tmp_path):
    path = tmp_path / "empty.json"
    path.write_text('{"format": "convstudio.network", "version": 1, "name": "Empty", "layers": []}')
    code, out, _err = run(capsys, str(path))
    assert code == 0 and "The network has no layers yet." in out.splitlines()
