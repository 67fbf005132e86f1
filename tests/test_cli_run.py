"""`convstudio run`: files written, top-5 printed, clear one-line errors."""
import numpy as np

from convstudio.cli import main
from convstudio.io import save_network
from tests.engine.test_execute import small_net


def test_run_writes_activations_and_grids(tmp_path, capsys):
    net_path = tmp_path / "net.json"
    save_network(small_net(), net_path)
    code = main(["run", str(net_path), "--image", "sample:checkerboard", "--out", str(tmp_path / "out")])
    assert code == 0
    acts = np.load(tmp_path / "out" / "activations.npz")
    assert acts["c1"].shape == (1, 4, 16, 16)
    assert (tmp_path / "out" / "c1.png").stat().st_size > 0 and (tmp_path / "out" / "c2.png").exists()
    out = capsys.readouterr().out
    assert "top-5 of prob" in out and out.count("class") == 3


def test_run_bad_image_is_one_line_exit_2(tmp_path, capsys):
    net_path = tmp_path / "net.json"
    save_network(small_net(), net_path)
    code = main(["run", str(net_path), "--image", str(tmp_path / "missing.png"), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "missing.png" in err and "Traceback" not in err


def test_run_unknown_layer(tmp_path, capsys):
    net_path = tmp_path / "net.json"
    save_network(small_net(), net_path)
    assert main(["run", str(net_path), "--image", "sample:digit", "--layer", "nope", "--out", str(tmp_path)]) == 2
    assert "no layer 'nope'" in capsys.readouterr().err


def test_several_layers_after_one_flag_and_flat_layers_said(tmp_path, capsys):
    net_path = tmp_path / "net.json"
    save_network(small_net(), net_path)
    out = tmp_path / "out"
    code = main(["run", str(net_path), "--image", "sample:digit", "--layer", "c1", "c2", "prob", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0 and (out / "c1.png").exists() and (out / "c2.png").exists() and not (out / "prob.png").exists()
    assert "and 2 feature-map grids" in text and "no grid for prob: flat outputs have no maps" in text


def test_out_that_is_a_file_or_cannot_be_made(tmp_path, capsys):
    net_path = tmp_path / "net.json"
    save_network(small_net(), net_path)
    taken = tmp_path / "taken.png"
    taken.write_bytes(b"x")
    assert main(["run", str(net_path), "--image", "sample:digit", "--out", str(taken)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err and taken.read_bytes() == b"x"
    assert main(["run", str(net_path), "--image", "sample:digit", "--out", str(taken / "sub")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("convstudio run: --out: cannot create the folder") and "Traceback" not in err


def test_weights_too_large_to_draw_are_refused_before_drawing(tmp_path, capsys, monkeypatch):
    from convstudio.engine import memory

    monkeypatch.setattr(memory, "default_limit", lambda: 2_000)
    net_path = tmp_path / "net.json"
    save_network(small_net(), net_path)
    assert main(["run", str(net_path), "--image", "sample:digit", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "this run needs about" in err and "weights" in err and "but the limit is 2.0 KB" in err
    assert not (tmp_path / "o").exists()  # refused before anything was drawn or written
