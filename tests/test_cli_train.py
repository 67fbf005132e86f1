"""`convstudio train` and `run --json/--input`: files written, one line per epoch, refusals that write nothing."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from convstudio.cli import main
from convstudio.io import load_network, save_network
from convstudio.engine.weights import load_weights
from tests.engine.test_training import small


def net_file(tmp_path) -> Path:
    path = tmp_path / "small.json"
    save_network(small(), path)
    return path


def test_train_writes_network_with_labels_weights_and_history(tmp_path, capsys):
    out = tmp_path / "trained.json"
    code = main(["train", str(net_file(tmp_path)), "--data", "shapes", "--count", "90", "--epochs", "2",
                 "--batch-size", "16", "--quiet", "--history", str(tmp_path / "h.json"), "-o", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert text.count("epoch ") == 2 and "validation loss" in text and "circle 24+6" in text
    net = load_network(out)
    assert net.labels == ["circle", "square", "triangle"] and net.weights == "trained.weights.npz"
    load_weights(tmp_path / net.weights, net)
    history = json.loads((tmp_path / "h.json").read_text())
    assert [h["epoch"] for h in history] == [1, 2]
    assert set(history[0]) == {"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds"}
    assert (tmp_path / "trained.optimizer.npz").exists()


def test_resume_continues_from_the_written_weights(tmp_path, capsys):
    out = tmp_path / "t.json"
    args = ["train", str(net_file(tmp_path)), "--data", "shapes", "--count", "60", "--epochs", "1", "--quiet",
            "-o", str(out)]
    assert main(args) == 0
    first = load_weights(tmp_path / "t.weights.npz", load_network(out))
    assert main(args + ["--resume"]) == 0
    second = load_weights(tmp_path / "t.weights.npz", load_network(out))
    assert not np.array_equal(first["conv"]["weight"], second["conv"]["weight"])


@pytest.mark.parametrize("extra, message", [
    (["--data", "nothing-here"], "nothing-here"),
    (["--data", "shapes", "--epochs", "0"], "--epochs and --batch-size must be at least 1"),
    (["--data", "shapes", "--lr", "-1"], "learning rate"),
    (["--data", "shapes", "--resume"], "does not exist yet"),
])
def test_bad_options_are_one_line_and_write_nothing(tmp_path, capsys, extra, message):
    net = net_file(tmp_path)
    code = main(["train", str(net), *extra, "--quiet", "-o", str(tmp_path / "o.json")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.json"]


def test_class_count_mismatch_names_both_numbers(tmp_path, capsys):
    code = main(["train", "template:lenet5", "--data", "shapes", "-o", str(tmp_path / "o.json")])
    err = capsys.readouterr().err
    assert code == 2 and "3 classes" in err and "10 scores" in err


def test_ctrl_c_stops_after_the_batch_and_still_writes(tmp_path):
    out = tmp_path / "t.json"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "convstudio", "train", "template:tinyvgg", "--data", "shapes",
                             "--epochs", "50", "-o", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, text=True)
    for line in proc.stderr:  # the progress bar's first batch
        if "batch" in line:
            break
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "stopped early" in stdout
    assert load_network(out).labels == ["circle", "square", "triangle"]


def test_run_json_predictions_with_labels_best_first(tmp_path, capsys):
    out = tmp_path / "t.json"
    assert main(["train", str(net_file(tmp_path)), "--data", "shapes", "--count", "60", "--epochs", "1",
                 "--quiet", "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["run", str(out), "--image", "sample:circle", "--json"]) == 0
    preds = json.loads(capsys.readouterr().out)["predictions"]
    assert sorted(p["label"] for p in preds) == ["circle", "square", "triangle"]
    probs = [p["probability"] for p in preds]
    assert probs == sorted(probs, reverse=True) and sum(probs) == pytest.approx(1, abs=1e-5)


def test_run_input_gives_a_score_map(tmp_path, capsys):
    code = main(["run", "template:fcn3", "--image", "sample:shapes", "--input", "3,128,128",
                 "--out", str(tmp_path / "maps")])
    assert code == 0
    acts = np.load(tmp_path / "maps" / "activations.npz")
    assert acts["score"].shape == (1, 3, 9, 9)
    assert "spatial output" in capsys.readouterr().out


def test_run_needs_out_or_json(capsys):
    assert main(["run", "template:tinyvgg", "--image", "sample:circle"]) == 2
    assert "--out FOLDER" in capsys.readouterr().err
