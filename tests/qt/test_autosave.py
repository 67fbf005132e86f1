"""Autosave: written soon after a change, off the GUI thread; offered back after a crash; gone after a save."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from convstudio.graph import MoveNodes, RemoveNodes, SetParams
from convstudio.io import load_network
from convstudio.io.atomic import clean_stale_temps, write_atomic
from convstudio.qt.document.autosave import Autosaver, autosave_root, find_autosaves
from convstudio.qt.document.document import Document

from .conftest import small_network


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def as_if_crashed(saver: Autosaver) -> Path:
    """Move the slot to the name a process that is gone would have left."""
    saver.wait()
    target = saver.folder.parent / f"{dead_pid()}-1"
    shutil.move(saver.folder, target)
    return target


def test_the_autosave_lives_in_the_user_data_folder(tmp_path):
    assert autosave_root().is_relative_to(tmp_path / "data")  # XDG_DATA_HOME, set by conftest


def test_a_change_is_autosaved_within_the_delay_and_a_save_removes_it(qtbot, tmp_path):
    doc = Document(small_network())
    saver = Autosaver(doc, delay_s=0.2)
    doc.push(SetParams("conv1", {"filters": 5}))
    doc.push(SetParams("conv1", {"filters": 6}))
    qtbot.waitUntil(lambda: (saver.folder / "info.json").exists(), timeout=5000)
    assert saver.writes == 1  # later changes did not push the write back
    saved = load_network(saver.folder / "network.json")
    assert saved.node("conv1").params["filters"] == 6
    info = json.loads((saver.folder / "info.json").read_text())
    assert info["name"] == "Small" and info["layers"] == 6 and info["weights"] is False
    doc.save(tmp_path / "small.json")
    saver.wait()
    assert not saver.folder.exists()
    saver.shutdown()


def test_undoing_back_to_the_saved_state_removes_the_autosave(qtbot):
    doc = Document(small_network())
    saver = Autosaver(doc, delay_s=60)
    doc.push(MoveNodes({"conv1": (300, 10)}))
    saver.write_now().result(10)
    assert saver.folder.exists()
    doc.stack.undo()
    saver.wait()
    assert not saver.folder.exists()
    saver.shutdown()


def test_only_autosaves_of_processes_that_are_gone_are_offered(qtbot):
    doc = Document(small_network())
    saver = Autosaver(doc, delay_s=60)
    doc.push(RemoveNodes(["relu1"]))
    saver.write_now().result(10)
    assert find_autosaves() == []  # this process is alive: its own slot is not a crash
    folder = as_if_crashed(saver)
    (found,) = find_autosaves()
    assert found.folder == folder and found.layers == 5 and "never saved" in found.describe()
    assert "Small" in found.describe() and found.saved_at.strftime("%H:%M") in found.describe()
    saver.shutdown()


def test_a_half_written_slot_is_not_offered_and_is_removed(tmp_path):
    broken = autosave_root() / f"{dead_pid()}-3"
    broken.mkdir(parents=True)
    (broken / "network.json").write_text("{")
    assert find_autosaves() == []
    assert not broken.exists()


def autosaved_window_work(window, tmp_path):
    """Edit the window's network and its weights, autosave, and leave the slot as a crash would."""
    controller = window.inspection.controller
    window.doc.push(SetParams("conv1", {"filters": 4}))
    controller.complete_now()
    controller.apply_preset("conv1", "sobel-y")
    controller.complete_now()
    arrays = {n: {k: a.copy() for k, a in ws.items()} for n, ws in controller.weights.items()}
    window.autosaver.write_now().result(30)
    return as_if_crashed(window.autosaver), arrays


def test_restore_brings_back_the_network_and_exact_weights(window, dialogs, tmp_path, qtbot):
    folder, arrays = autosaved_window_work(window, tmp_path)
    info = json.loads((folder / "info.json").read_text())
    assert info["weights"] is True
    window.doc.replace(small_network())  # as a fresh start shows
    dialogs.restore_answer = "restore"
    assert window.offer_restore()
    (asked,) = dialogs.named("ask_restore")
    assert "6 layers and its weights" in asked[1]
    assert window.doc.net.node("conv1").params["filters"] == 4
    assert window.doc.modified  # restored work is not saved work
    controller = window.inspection.controller
    controller.complete_now()
    for nid, ws in arrays.items():
        for k, a in ws.items():
            assert np.array_equal(controller.weights[nid][k], a), f"{nid}/{k}"
    assert not folder.exists()


def test_discard_removes_the_autosave_and_later_keeps_it(window, dialogs, tmp_path):
    folder, _ = autosaved_window_work(window, tmp_path)
    dialogs.restore_answer = "later"
    assert not window.offer_restore()
    assert folder.exists()
    dialogs.restore_answer = "discard"
    assert not window.offer_restore()
    assert not folder.exists()


def test_closing_without_saving_removes_the_window_s_autosave(window, dialogs):
    window.doc.push(MoveNodes({"conv1": (300, 10)}))
    window.autosaver.write_now().result(10)
    assert window.autosaver.folder.exists()
    dialogs.save_answer = "discard"
    window.close()
    assert not window.autosaver.folder.exists()


# -- leftovers of a save that was killed -----------------------------------------------------------
KILLED_WRITER = """
import os, sys, time
sys.path.insert(0, {repo!r})
from convstudio.io import atomic
atomic.os.replace = lambda *a: time.sleep(3600)  # stop between writing and renaming
atomic.write_atomic({target!r}, b"x" * 100000)
"""


def test_a_save_killed_midway_leaves_a_temporary_file_the_next_save_removes(tmp_path):
    target = tmp_path / "net.json"
    repo = str(Path(__file__).resolve().parents[2])
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER.format(repo=repo, target=str(target))])
    try:
        deadline = time.monotonic() + 20
        while not (leftovers := list(tmp_path.glob(".net.json.*.tmp"))) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert leftovers
        old = time.time() - 60
        os.utime(leftovers[0], (old, old))
        assert clean_stale_temps(target) == []  # still locked by a live writer: left alone
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert leftovers[0].exists()
    write_atomic(target, b"{}")
    assert not leftovers[0].exists()
    assert target.read_bytes() == b"{}"


def test_opening_a_network_removes_leftovers_beside_it(tmp_path):
    doc = Document(small_network())
    doc.save(tmp_path / "net.json")
    leftover = tmp_path / ".net.json.k2j4h5g6.tmp"
    leftover.write_bytes(b"half")
    unrelated = tmp_path / ".other.json.k2j4h5g6.tmp"
    unrelated.write_bytes(b"half")
    old = time.time() - 60
    for p in (leftover, unrelated):
        os.utime(p, (old, old))
    Document().load(tmp_path / "net.json")
    assert not leftover.exists() and unrelated.exists()
