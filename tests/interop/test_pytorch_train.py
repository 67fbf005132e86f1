"""`export --to pytorch --train`: the generated training script runs without ConvStudio, alone and under
torchrun (2 CPU processes, gloo), and writes weights ConvStudio loads; one step equals the Trainer's."""
from __future__ import annotations

import ast
import os
import subprocess
import sys

import numpy as np
import pytest
from interop_helpers import build

from convstudio.cli import main
from convstudio.engine.datasets import load_dataset
from convstudio.engine.optim import lr_schedule
from convstudio.engine.training import TrainConfig, Trainer
from convstudio.engine.weights import init_weights, load_weights, save_weights
from convstudio.io import save_network

torch = pytest.importorskip("torch")

# Runs a script with every import of convstudio refused, so only torch and numpy can serve it.
WITHOUT_CONVSTUDIO = """
import runpy, sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "convstudio":
            raise ImportError("convstudio is not available here")
sys.meta_path.insert(0, Refuse())
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def tiny(batch_norm: bool = True):
    """1×8×8 images to three class scores, with an id that is not a Python name and a final Softmax."""
    spec = [("image", "Input", {"channels": 1, "height": 8, "width": 8}, []),
            ("conv", "Conv2D", {"filters": 4, "kernel_size": 3}, ["image"])]
    if batch_norm:
        spec.append(("bn", "BatchNorm2D", {}, ["conv"]))
    spec += [("relu", "ReLU", {}, [spec[-1][0]]),
             ("gap", "GlobalAvgPool2D", {}, ["relu"]),
             ("flat", "Flatten", {}, ["gap"]),
             ("fc-out", "Dense", {"units": 3}, ["flat"]),
             ("probs", "Softmax", {}, ["fc-out"])]
    return build(spec, "Tiny")


def export_script(tmp_path, net, *extra) -> tuple:
    path = tmp_path / "tiny.json"
    save_network(net, path)
    script = tmp_path / "train.py"
    assert main(["export", str(path), "--to", "pytorch", "--train", "--count", "30", "-o", str(script),
                 *extra]) == 0
    return script, tmp_path / "train-data.npz"


def run_script(script, *args, cwd) -> str:
    proc = subprocess.run([sys.executable, "-I", "-c", WITHOUT_CONVSTUDIO, str(script), *args], cwd=cwd, env=ENV,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_script_imports_only_torch_and_numpy(tmp_path):
    script, data = export_script(tmp_path, tiny())
    tree = ast.parse(script.read_text(encoding="utf-8"))
    modules = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert modules == {"argparse", "math", "os", "sys", "time", "numpy", "torch"}
    with np.load(data) as d:
        assert d["x_train"].shape == (24, 1, 8, 8) and d["x_val"].shape == (6, 1, 8, 8)
        assert d["x_train"].dtype == np.float32 and d["y_train"].dtype == np.int64
        assert list(d["labels"]) == ["circle", "square", "triangle"]


def test_one_process_writes_weights_convstudio_loads(tmp_path):
    net = tiny()
    script, _ = export_script(tmp_path, net)
    out = run_script(script, "--epochs", "1", "--out", "trained.npz", cwd=tmp_path)
    assert out.count("epoch 1/1  train loss") == 1 and "wrote trained.npz" in out
    weights = load_weights(tmp_path / "trained.npz", net)
    assert set(weights) == {"conv", "bn", "fc-out"}
    assert set(weights["bn"]) == {"weight", "bias", "running_mean", "running_var"}
    assert not np.allclose(weights["bn"]["running_mean"], 0)  # the statistics were trained, not left at init
    assert all(a.dtype == np.float32 for ws in weights.values() for a in ws.values())


def test_one_step_equals_the_trainer(tmp_path):
    """SGD with momentum, one batch holding every training image: batch statistics, the logits under
    the Softmax and the update are ConvStudio's."""
    net = tiny()
    start = init_weights(net, seed=3)
    save_weights(tmp_path / "start.npz", start)
    script, _ = export_script(tmp_path, net)
    run_script(script, "--epochs", "1", "--batch-size", "32", "--optimizer", "sgd", "--weights", "start.npz",
               "--out", "torch.npz", cwd=tmp_path)
    data = load_dataset("shapes", shape=(1, 8, 8), seed=0, count=30)
    trainer = Trainer(net, start, data, TrainConfig(epochs=1, batch_size=32, optimizer="sgd", lr=0.01))
    trainer.step()
    theirs = load_weights(tmp_path / "torch.npz", net)
    for nid, ws in trainer.weights.items():
        for name, ours in ws.items():
            np.testing.assert_allclose(theirs[nid][name], ours, rtol=1e-4, atol=1e-5, err_msg=f"{nid}/{name}")


def test_two_processes_under_torchrun_match_one(tmp_path):
    """gloo on CPU: each process takes half of every batch, so without BatchNorm two processes train
    the same weights as one."""
    net = tiny(batch_norm=False)
    script, _ = export_script(tmp_path, net)
    run_script(script, "--epochs", "1", "--batch-size", "8", "--out", "one.npz", cwd=tmp_path)
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           str(script), "--epochs", "1", "--batch-size", "8", "--out", "two.npz"],
                          cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.count("epoch 1/1") == 1 and "2 process(es) on cpu" in proc.stdout
    one, two = load_weights(tmp_path / "one.npz", net), load_weights(tmp_path / "two.npz", net)
    for nid, ws in one.items():
        for name, a in ws.items():
            np.testing.assert_allclose(two[nid][name], a, rtol=1e-4, atol=1e-5, err_msg=f"{nid}/{name}")


@pytest.mark.parametrize("extra, message", [
    (["--to", "onnx"], "--train writes a PyTorch script"),
    (["--weights", "w.npz"], "--weights does not go with --train"),
    (["--data", "nowhere-at-all"], "nowhere-at-all"),
])
def test_bad_combinations_are_one_line_and_write_nothing(tmp_path, capsys, extra, message):
    path = tmp_path / "tiny.json"
    save_network(tiny(), path)
    code = main(["export", str(path), "--train", "-o", str(tmp_path / "train.py"), *extra])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.json"]


def test_data_without_train_is_refused(tmp_path, capsys):
    code = main(["export", "template:tinyvgg", "--data", "shapes", "-o", str(tmp_path / "net.py")])
    assert code == 2 and "--data goes with --train" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_class_count_mismatch_is_refused(tmp_path, capsys):
    code = main(["export", "template:lenet5", "--train", "-o", str(tmp_path / "train.py")])
    err = capsys.readouterr().err
    assert code == 2 and "3 classes" in err and "10 scores" in err
    assert list(tmp_path.iterdir()) == []


def epoch_lrs(out: str) -> list[float]:
    return [float(line.split("  lr ")[1].split()[0]) for line in out.splitlines() if line.startswith("epoch ")]


@pytest.mark.parametrize("schedule", ["step", "cosine"])
def test_schedules_are_convstudio_s(tmp_path, schedule):
    """The learning rate after each epoch is the one `convstudio train`'s schedule gives that step."""
    script, _ = export_script(tmp_path, tiny(batch_norm=False))
    out = run_script(script, "--epochs", "3", "--batch-size", "8", "--optimizer", "sgd", "--lr", "0.1",
                     "--schedule", schedule, cwd=tmp_path)
    steps = 3  # 24 training images in batches of 8
    expected = lr_schedule(schedule, 0.1, 3 * steps)
    assert epoch_lrs(out) == pytest.approx([expected(e * steps) for e in (1, 2, 3)], abs=1e-9)
    assert f"{schedule} schedule" in out


def test_resume_continues_where_the_checkpoint_stopped(tmp_path):
    """One epoch, then a second resumed from the checkpoint (Adam's moments included), trains the same
    weights as two epochs in one run."""
    net = tiny()
    script, _ = export_script(tmp_path, net)
    run_script(script, "--epochs", "2", "--batch-size", "8", "--out", "straight.npz", "--checkpoint", "a.pt",
               cwd=tmp_path)
    run_script(script, "--epochs", "1", "--batch-size", "8", "--out", "first.npz", "--checkpoint", "b.pt",
               cwd=tmp_path)
    out = run_script(script, "--epochs", "2", "--batch-size", "8", "--out", "resumed.npz", "--checkpoint", "b.pt",
                     "--resume", cwd=tmp_path)
    assert "resumed after epoch 1" in out and out.count("epoch 2/2") == 1 and "epoch 1/2" not in out
    straight, resumed = load_weights(tmp_path / "straight.npz", net), load_weights(tmp_path / "resumed.npz", net)
    first = load_weights(tmp_path / "first.npz", net)
    assert not np.allclose(first["conv"]["weight"], resumed["conv"]["weight"])
    for nid, ws in straight.items():
        for name, value in ws.items():
            np.testing.assert_allclose(resumed[nid][name], value, rtol=1e-6, atol=1e-7, err_msg=f"{nid}/{name}")


def test_resume_without_a_checkpoint_is_one_line(tmp_path):
    script, _ = export_script(tmp_path, tiny())
    proc = subprocess.run([sys.executable, "-I", "-c", WITHOUT_CONVSTUDIO, str(script), "--resume", "--checkpoint",
                           "missing.pt"], cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 2 and proc.stderr.strip() == "error: --resume: missing.pt: no such checkpoint"
