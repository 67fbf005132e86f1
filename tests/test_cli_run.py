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
