"""Bad weights files and weights paths: one clear line each; nothing huge is allocated or decompressed."""
from __future__ import annotations

import io
import os
import zipfile

import numpy as np
import pytest

from convstudio.cli import main
from convstudio.engine.infer import infer
from convstudio.engine.weights import init_weights, load_weights, save_weights
from convstudio.errors import FormatError
from convstudio.graph import AddNode, Network
from convstudio.io import save_network
from convstudio.io.npz import NpzReader
from convstudio.io.paths import weights_beside
from convstudio.engine.weight_book import complete_weights


def small_net() -> Network:
    net = Network("w")
    AddNode("Input", {"channels": 1, "height": 6, "width": 6}, node_id="image").redo(net)
    AddNode("Conv2D", {"filters": 2, "kernel_size": 3}, node_id="c1", inputs=["image"]).redo(net)
    return net


def refused(path, *args, error=FormatError) -> str:
    with pytest.raises(error) as e:
        load_weights(path, *args)
    message = str(e.value)
    assert "\n" not in message and len(message) < 400, message
    return message


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=True)
    return buf.getvalue()


def write_zip(path, members: dict[str, bytes], compression=zipfile.ZIP_STORED) -> None:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


@pytest.fixture
def reads(monkeypatch):
    """The archive keys whose data was read."""
    seen = []
    original = NpzReader.read

    def spy(self, key):
        seen.append(key)
        return original(self, key)
    monkeypatch.setattr(NpzReader, "read", spy)
    return seen


def test_a_corrupt_deflate_stream(tmp_path):
    path = tmp_path / "w.npz"
    rng = np.random.default_rng(0)
    np.savez_compressed(path, **{"c1/weight": rng.random((64, 64), np.float32)})
    data = bytearray(path.read_bytes())
    for k in range(200, 400):
        data[k] ^= 0x5A
    path.write_bytes(bytes(data))
    message = refused(path)
    assert str(path) in message


def test_a_plain_npy_file(tmp_path):
    path = tmp_path / "w.npz"
    np.save(tmp_path / "w.npy", np.zeros(3, np.float32))
    os.replace(tmp_path / "w.npy", path)
    assert "is a single .npy array, not an .npz archive" in refused(path)


def test_a_header_declaring_a_huge_shape_allocates_nothing(tmp_path, reads):
    header = npy_bytes(np.zeros((1, 1), np.float32))
    huge = header.replace(b"(1, 1)", b"(1048576, 1048576)")  # 4 TiB of float32
    path = tmp_path / "w.npz"
    write_zip(path, {"c1/weight.npy": huge})
    assert "declares 1048576×1048576" in refused(path)
    assert reads == []


def test_an_unused_huge_array_is_never_decompressed(tmp_path, reads):
    net = small_net()
    weights = init_weights(net, 0)
    flat = {f"c1/{k}": v for k, v in weights["c1"].items()}
    path = tmp_path / "w.npz"
    np.savez_compressed(path, **flat, **{"other/weight": np.zeros((64, 1024, 1024), np.float32)})  # 256 MB
    assert path.stat().st_size < 2_000_000
    back = load_weights(path, net)
    assert sorted(reads) == ["c1/bias", "c1/weight"]
    assert np.array_equal(back["c1"]["weight"], weights["c1"]["weight"]) and set(back) == {"c1"}
    reads.clear()
    done = complete_weights(net, infer(net), {}, 0, {}, path)  # the app's reader
    assert sorted(reads) == ["c1/bias", "c1/weight"] and done.loaded == {"c1"}


def test_a_needed_array_of_the_wrong_shape_is_refused_before_it_is_read(tmp_path, reads):
    net = small_net()
    path = tmp_path / "w.npz"
    np.savez(path, **{"c1/weight": np.zeros((2, 1, 5, 5), np.float32), "c1/bias": np.zeros(2, np.float32)})
    assert "c1/weight: expected 2×1×3×3, the weights have 2×1×5×5" in refused(path, net)
    assert reads == []


@pytest.mark.parametrize("array", [np.zeros(3, np.complex64), np.array(["a", "b"]), np.zeros(2, "datetime64[s]"),
                                   np.zeros(2, bool), np.zeros(2, np.int32), np.array([object()], dtype=object),
                                   np.zeros(2, [("a", np.float32)])],
                         ids=["complex", "str", "datetime", "bool", "int", "object", "structured"])
def test_non_float_arrays_are_refused_not_cast(tmp_path, array):
    path = tmp_path / "w.npz"
    write_zip(path, {"c1/weight.npy": npy_bytes(array)})
    assert "weights must be floating-point numbers" in refused(path)


def test_float16_and_float64_are_read_as_float32(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, **{"a/x": np.ones(3, np.float16), "b/y": np.asfortranarray(np.arange(6.0).reshape(2, 3))})
    back = load_weights(path)
    assert back["a"]["x"].dtype == np.float32 and back["b"]["y"].dtype == np.float32
    assert np.array_equal(back["b"]["y"], np.arange(6.0).reshape(2, 3))


def test_a_truncated_member_and_a_long_bad_key(tmp_path):
    path = tmp_path / "w.npz"
    write_zip(path, {"c1/weight.npy": npy_bytes(np.zeros(100, np.float32))[:-10]})
    assert "holds" in refused(path)
    write_zip(path, {"k" * 10_000 + ".npy": npy_bytes(np.zeros(1, np.float32))})
    refused(path)


# -- the weights path a network names ---------------------------------------------------------------
@pytest.fixture
def folder(tmp_path):
    (tmp_path / "nets" / "sub").mkdir(parents=True)
    save_weights(tmp_path / "nets" / "w.npz", init_weights(small_net(), 0))
    save_weights(tmp_path / "nets" / "sub" / "w.npz", init_weights(small_net(), 0))
    save_weights(tmp_path / "outside.npz", init_weights(small_net(), 0))
    return tmp_path


def test_a_file_beside_or_below_the_network_is_accepted(folder):
    net = folder / "nets" / "net.json"
    assert weights_beside(net, "w.npz") == (folder / "nets" / "w.npz").resolve()
    assert weights_beside(net, "sub/w.npz").name == "w.npz"
    assert weights_beside(net, "sub/../w.npz").name == "w.npz"


@pytest.mark.timeout(30)
@pytest.mark.parametrize("name,why", [
    ("/dev/zero", "not an absolute path"),
    ("../outside.npz", "leads outside the network's folder"),
    ("sub/../../outside.npz", "leads outside the network's folder"),
    ("link.npz", "leads outside the network's folder"),
    ("fifo.npz", "not a regular file"),
    ("sub", "is a folder"),
    ("missing.npz", "no such file"),
])
def test_other_weights_paths_are_refused_with_the_reason(folder, name, why):
    (folder / "nets" / "link.npz").symlink_to(folder / "outside.npz")
    os.mkfifo(folder / "nets" / "fifo.npz")
    with pytest.raises(FormatError) as e:
        weights_beside(folder / "nets" / "net.json", name)
    assert why in str(e.value) and "\n" not in str(e.value)


@pytest.mark.timeout(60)
def test_the_cli_refuses_a_network_whose_weights_point_at_a_device(folder, capsys):
    net = small_net()
    net.weights = "/dev/stdin"
    save_network(net, folder / "nets" / "net.json")
    code = main(["run", str(folder / "nets" / "net.json"), "--image", "sample:digit", "--out", str(folder / "o")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "not an absolute path" in err
