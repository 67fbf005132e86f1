"""Help ▸ Guided Tour, Keyboard Shortcuts and Glossary open readers inside the app."""
from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QKeySequence, QTextDocument

from convstudio.qt.app.help.glossary import TERMS, glossary_html
from convstudio.qt.app.help.shortcuts import shortcut_rows
from convstudio.qt.app.help.tour import tour_folder

ROOT = Path(__file__).resolve().parents[2]


def help_entries(window) -> list[str]:
    return [a.text().replace("&", "") for a in window.menus["help"].actions() if not a.isSeparator()]


def test_help_menu_lists_the_readers_before_about(window):
    assert help_entries(window) == ["Guided Tour", "Keyboard Shortcuts", "Glossary", "About ConvStudio"]


def test_guided_tour_opens_the_docs_tour_with_its_screenshots(window):
    dialog = window.help.tour()
    assert dialog.isVisible()
    text = dialog.browser.toPlainText()
    source = (ROOT / "docs" / "guided-tour.md").read_text(encoding="utf-8")
    assert text.startswith("Guided tour: how does convolution work?")
    assert "N input channels and M output channels" in text and "**" not in text  # rendered, not raw
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", source)
    assert images
    for image in images:
        loaded = dialog.browser.loadResource(QTextDocument.ResourceType.ImageResource.value, QUrl(image))
        assert loaded is not None and not loaded.isNull(), image
    assert window.help.tour() is dialog  # asked again: the same reader comes to the front


def test_the_tour_read_in_a_checkout_is_docs_guided_tour():
    assert tour_folder().resolve() == (ROOT / "docs").resolve()


def test_shortcuts_table_lists_every_action_with_a_shortcut(window):
    dialog = window.help.shortcuts()
    table = dialog.table
    shown = {(table.item(r, 1).text(), table.item(r, 2).text()) for r in range(table.rowCount())}
    native = QKeySequence.SequenceFormat.NativeText
    assert ("Save", QKeySequence(QKeySequence.StandardKey.Save).toString(native)) in shown
    assert ("Guided Tour", "F1") in shown
    menus = {row[1]: row[0] for row in shortcut_rows(window)}
    assert menus["Save As"] == "File" and menus["Fit Network"] == "View"
    for act in window.findChildren(QAction):
        keys = ", ".join(k.toString(native) for k in act.shortcuts() if not k.isEmpty())
        if keys:
            assert (act.text().replace("&", "").rstrip("…").strip(), keys) in shown


def test_shortcuts_table_follows_actions_added_later(window):
    act = QAction("Frobnicate", window)
    act.setShortcut(QKeySequence("Ctrl+Alt+J"))
    window.addAction(act)
    table = window.help.shortcuts().table
    rows = [(table.item(r, 1).text(), table.item(r, 2).text()) for r in range(table.rowCount())]
    assert ("Frobnicate", QKeySequence("Ctrl+Alt+J").toString(QKeySequence.SequenceFormat.NativeText)) in rows


def test_glossary_defines_the_letters_and_training_words(window):
    dialog = window.help.glossary()
    text = dialog.browser.toPlainText()
    terms = dict(TERMS)
    assert "output channels" in terms["K — filters"]
    assert "step" in terms["S — stride"].lower() and "spatial size" not in text
    for word in ("F — filter size", "P — padding", "D — dilation", "groups (G)", "receptive field", "jump",
                 "epoch", "batch", "learning rate", "loss", "gradient", "backpropagation"):
        assert word in terms and word in text
    assert "<dt>" in glossary_html()
