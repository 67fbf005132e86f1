"""`convstudio export` and `convstudio import`: files written, and one line with exit 2 on any problem."""
from __future__ import annotations

import argparse
import sys

import pytest
from interop_helpers import template, vivid_weights

from convstudio import cli
from convstudio.cli import export, import_onnx
from convstudio.engine.weights import save_weights
from convstudio.errors import ConvStudioError
from convstudio.io import save_network


def main(argv: list[str]) -> int:
    """convstudio.cli.main once the subcommands are registered; until then the same handling here."""
    if argv[0] in cli.SUBCOMMANDS:
        return cli.main(argv)
    modules = {"export": export, "import": import_onnx}
    parser = argparse.ArgumentParser(prog="convstudio")
    sub = parser.add_subparsers(dest="command")
    for module in modules.values():
        module.add_parser(sub)
    args = parser.parse_args(argv)
    try:
        return modules[args.command].run(args)
    except ConvStudioError as e:
        print(f"convstudio {args.command}: {e}", file=sys.stderr)
        return 2


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_export_pytorch(tmp_path, capsys):
    out = tmp_path / "net.py"
    assert main(["export", "template:tinyvgg", "--to", "pytorch", "-o", str(out)]) == 0
    compile(out.read_text(encoding="utf-8"), str(out), "exec")
    assert "class TinyVGG(nn.Module):" in out.read_text(encoding="utf-8")
    assert f"wrote {out}" in capsys.readouterr().out


def test_export_format_from_suffix_and_refusals(tmp_path, capsys):
    assert main(["export", "template:tinyvgg", "-o", str(tmp_path / "net.txt")]) == 2
    assert "say --to pytorch or --to onnx" in one_line_error(capsys)
    assert main(["export", "template:tinyvgg", "-o", str(tmp_path / "missing" / "net.py")]) == 2
    assert "cannot write" in one_line_error(capsys)
    assert main(["export", str(tmp_path / "nothing.json"), "-o", str(tmp_path / "n.py")]) == 2
    assert "no such file" in one_line_error(capsys)
    assert list(tmp_path.iterdir()) == []


def test_export_network_with_errors(tmp_path, capsys):
    net = template("tinyvgg")
    net.node("image").params["height"] = 4
    save_network(net, tmp_path / "broken.json")
    assert main(["export", str(tmp_path / "broken.json"), "-o", str(tmp_path / "n.py")]) == 2
    assert "cannot export TinyVGG: conv1_2: kernel 3 needs 3 pixels" in one_line_error(capsys)


def test_export_onnx_without_onnx(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    assert main(["export", "template:tinyvgg", "-o", str(tmp_path / "n.onnx")]) == 2
    assert "pip install 'convstudio[onnx]'" in one_line_error(capsys)
    assert main(["import", str(tmp_path / "n.onnx"), "-o", str(tmp_path / "n.json")]) == 2
    assert "ONNX import needs the onnx package" in one_line_error(capsys)


def test_export_then_import_with_own_weights(tmp_path, capsys):
    pytest.importorskip("onnx")
    net = template("tinyvgg")
    net.weights = "tiny.weights.npz"
    save_network(net, tmp_path / "tiny.json")
    save_weights(tmp_path / "tiny.weights.npz", vivid_weights(net))
    assert main(["export", str(tmp_path / "tiny.json"), "-o", str(tmp_path / "tiny.onnx")]) == 0
    assert main(["import", str(tmp_path / "tiny.onnx"), "-o", str(tmp_path / "back.json")]) == 0
    out = capsys.readouterr().out
    assert "back.weights.npz (TinyVGG: 13 layers, 8,083 parameters)" in out
    assert (tmp_path / "back.weights.npz").read_bytes() == (tmp_path / "tiny.weights.npz").read_bytes()


def test_import_refusals(tmp_path, capsys):
    pytest.importorskip("onnx")
    (tmp_path / "junk.onnx").write_bytes(b"not a model at all")
    assert main(["import", str(tmp_path / "junk.onnx"), "-o", str(tmp_path / "n.json")]) == 2
    assert "junk.onnx: not" in one_line_error(capsys)
    assert main(["import", str(tmp_path / "none.onnx"), "-o", str(tmp_path / "n.json")]) == 2
    assert "no such file" in one_line_error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.onnx"]
