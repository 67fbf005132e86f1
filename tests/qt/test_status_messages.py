"""Status-bar messages: cleared when Undo/Redo moves past the edit they describe; long ones not clipped."""
from __future__ import annotations

from PySide6.QtGui import QFontMetrics

from convstudio.graph import SetParams
from convstudio.qt.messages import notify


def test_undo_clears_the_note_about_the_undone_edit(window):
    window.scene.select_ids(["relu1"])
    window.edits.delete_selection()
    assert window.status.currentMessage().startswith("Deleted relu1")
    window.doc.stack.undo()
    assert window.status.currentMessage() == ""


def test_undo_clears_an_error_left_by_a_refused_edit(window):
    window.doc.push(SetParams("conv1", {"filters": 9}))
    notify("connecting fc to conv1 would make a cycle", "error")
    assert "cycle" in window.status.currentMessage()
    window.doc.stack.undo()
    assert window.status.currentMessage() == ""


def test_a_message_shown_after_an_edit_stays_until_the_next_step(window):
    window.scene.select_ids(["relu1"])
    window.edits.delete_selection()
    notify("a later note")
    assert window.status.currentMessage() == "a later note"  # no undo yet: it stays


def test_a_long_message_gets_the_whole_bar_and_comes_back_whole_in_the_tooltip(window):
    bar = window.status
    metrics = QFontMetrics(bar.font())
    words = "The conversion replaced fc6, fc7 and fc8 by convolutions with the same weights; "
    medium = words * 2
    assert metrics.horizontalAdvance(medium) < bar.width() - 60
    notify(medium)
    assert bar.currentMessage() == medium and not bar.params.isVisible()  # the figures make room
    bar.clearMessage()
    assert bar.params.isVisible()
    very_long = words * 8
    notify(very_long)
    assert bar.currentMessage() != very_long and "…" in bar.currentMessage()
    assert metrics.horizontalAdvance(bar.currentMessage()) <= bar.width()
    assert bar.toolTip() == very_long
    notify("short")
    assert bar.currentMessage() == "short" and bar.params.isVisible() and bar.toolTip() == ""
