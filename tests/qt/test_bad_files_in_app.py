"""Bad files opened in the app: a message, never a traceback, and the work on screen stays."""
from __future__ import annotations

import numpy as np

from convstudio.engine.weights import init_weights
from convstudio.io import save_network
from convstudio.qt.messages import messenger

from .conftest import small_network


class Log(list):
    def __call__(self, text, level):
        self.append((text, level))


def test_a_deeply_nested_file_is_refused_with_one_line_and_the_network_stays(window, dialogs, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"format": "convstudio.network", "version": 1, "layers": [], "name": '
                    + "[" * 985 + "]" * 985 + "}")
    before = window.doc.net
    assert not window.files.load(str(path))
    (call,) = dialogs.named("show_error")
    assert "nested" in call[2] and "\n" not in call[2]
    assert window.doc.net is before


def test_weights_outside_the_network_folder_are_not_read_and_the_reason_is_shown(window, tmp_path, qtbot):
    log = Log()
    messenger().message.connect(log)
    try:
        net = small_network()
        net.weights = "/dev/zero"
        save_network(net, tmp_path / "net.json")
        assert window.files.load(str(tmp_path / "net.json"))
        assert any("not an absolute path" in text and level == "error" for text, level in log)
        assert window.doc.weight_book.pending_file is None
    finally:
        messenger().message.disconnect(log)


def test_a_corrupt_weights_file_beside_the_network_gives_a_message_and_random_weights(window, tmp_path, qtbot):
    log = Log()
    messenger().message.connect(log)
    try:
        net = small_network()
        np.savez(tmp_path / "net.weights.npz", **{"conv1/weight": np.zeros((8, 3, 3, 3), np.complex64)})
        net.weights = "net.weights.npz"
        save_network(net, tmp_path / "net.json")
        assert window.files.load(str(tmp_path / "net.json"))
        controller = window.inspection.controller
        controller.complete_now()
        assert any("floating-point" in text and level == "error" for text, level in log)
        expected = init_weights(window.doc.net, 0)["conv1"]["weight"]
        assert np.array_equal(controller.weights["conv1"]["weight"], expected)
    finally:
        messenger().message.disconnect(log)
