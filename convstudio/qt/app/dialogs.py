"""Every modal dialog the app opens, in one place, so tests can replace them and never block."""
from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

JSON_FILTER = "ConvStudio networks (*.json);;All files (*)"


def ask_save_changes(parent: QWidget, name: str) -> str:
    """"save", "discard" or "cancel" for a document with unsaved changes."""
    buttons = QMessageBox.StandardButton
    answer = QMessageBox.question(
        parent, "Unsaved changes", f"Save the changes to {name} before closing it?\n\n"
        "If you don't save, your changes will be lost.",
        buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
    return {buttons.Save: "save", buttons.Discard: "discard"}.get(answer, "cancel")


def ask_restore(parent: QWidget, description: str) -> str:
    """"restore", "discard" or "later" for work an earlier session autosaved but never saved."""
    box = QMessageBox(QMessageBox.Icon.Question, "Restore unsaved work?",
                      "ConvStudio closed without saving this work:\n\n" + description +
                      "\n\nRestore it? (Keep for Later asks again at the next start.)", parent=parent)
    restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("Keep for Later", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(restore)
    box.exec()
    clicked = box.clickedButton()
    return "restore" if clicked is restore else "discard" if clicked is discard else "later"


def show_error(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def open_path(parent: QWidget, folder: str = "") -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Open network", folder, JSON_FILTER)
    return path


def save_path(parent: QWidget, suggestion: str, title: str = "Save network as") -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggestion, JSON_FILTER)
    if path and not path.lower().endswith(".json"):
        path += ".json"
    return path


def export_path(parent: QWidget, title: str, suggestion: str, filter_text: str, suffix: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggestion, f"{filter_text};;All files (*)")
    if path and not path.lower().endswith(suffix):
        path += suffix
    return path


def about(parent: QWidget, text: str) -> None:
    QMessageBox.about(parent, "About ConvStudio", text)
