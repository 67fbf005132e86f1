"""A crash loses no work: edit with the mouse, SIGKILL the app, start it again, restore.

The real app under Xvfb: a ReLU is dragged from the palette onto the canvas and wired
in; the autosave appears in the data folder (XDG_DATA_HOME) within its delay; the process
is killed with SIGKILL; the next start offers the work back, listing what and when, and
Restore (clicked with the mouse) brings back the very network, still marked unsaved.
"""
from __future__ import annotations

import json
import signal
import time

import pytest

from .conftest import centre

pytestmark = pytest.mark.e2e


def autosaves(workdir):
    return sorted((workdir / "data").glob("*/*/autosave/*/info.json"))


def test_work_survives_a_kill(launch, tmp_path):
    app = launch()
    g = app.wait_for(lambda g: "ReLU" in g["palette"] and len(g["nodes"]) > 3, "the window with TinyVGG")
    canvas = g["canvas"]
    app.click((canvas[0] + canvas[2] - 40, canvas[1] + 40))  # activates the window
    before = set(g["nodes"])
    app.drag(centre(g["palette"]["ReLU"]), (canvas[0] + canvas[2] - 160, canvas[1] + canvas[3] // 2))
    g = app.wait_for(lambda g: len(g["nodes"]) == len(before) + 1, "a ReLU dropped from the palette")
    (added,) = set(g["nodes"]) - before
    last = min(before, key=lambda n: g["nodes"][n]["rect"][1])  # the top card: on screen
    app.drag(g["nodes"][last]["out"], g["nodes"][added]["in"])
    g = app.wait_for(lambda g: f"{last}>{added}:0" in g["edges"] and g["modified"], "the wire to the new layer")
    app.screenshot("autosave-01-edited")
    deadline = time.monotonic() + 40  # the autosave comes at most DELAY_S after the first change
    while time.monotonic() < deadline:
        files = autosaves(tmp_path)
        if files and json.loads(files[0].read_text())["layers"] == len(before) + 1:
            saved = (files[0].parent / "network.json").read_text()
            if f'"{last}"' in saved.split(f'"id": "{added}"', 1)[-1]:
                break
        time.sleep(0.25)
    else:
        raise AssertionError(f"no autosave with the edit in {tmp_path / 'data'}")
    app.proc.send_signal(signal.SIGKILL)
    app.proc.wait(10)
    app.close()

    again = launch()
    g = again.wait_for(lambda g: g.get("dialog", {}).get("title") == "Restore unsaved work?", "the restore offer")
    assert "TinyVGG" in g["dialog"]["text"] and f"{len(before) + 1} layers" in g["dialog"]["text"]
    assert "autosaved" in g["dialog"]["text"]
    again.screenshot("autosave-02-offer")
    again.click(centre(g["dialog"]["buttons"]["Restore"]))
    g = again.wait_for(lambda g: not g["dialog"] and set(g["nodes"]) == before | {added}, "the restored network")
    assert f"{last}>{added}:0" in g["edges"]
    assert g["modified"] and "*" in g["title"]
    again.screenshot("autosave-03-restored")
    deadline = time.monotonic() + 10
    while len(autosaves(tmp_path)) > 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert all(p.parent.name.startswith(f"{again.proc.pid}-") for p in autosaves(tmp_path))  # the old one is gone
