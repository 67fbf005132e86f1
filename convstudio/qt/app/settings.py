"""Where the app keeps window layout and recent files (QSettings).

`CONVSTUDIO_SETTINGS=/path/file.ini` points the app at another settings file, so tests
and the end-to-end run never touch a user's real settings.
"""
from __future__ import annotations

import os

from PySide6.QtCore import QSettings

ORGANIZATION = "ConvStudio"
APPLICATION = "ConvStudio"
ENV = "CONVSTUDIO_SETTINGS"
MAX_RECENT = 8


def open_settings() -> QSettings:
    path = os.environ.get(ENV)
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def recent_files(settings: QSettings) -> list[str]:
    value = settings.value("recentFiles", [])
    if isinstance(value, str):  # QSettings returns a lone entry as a string
        value = [value]
    return [str(v) for v in value or []]


def remember_file(settings: QSettings, path: str) -> list[str]:
    files = [path] + [p for p in recent_files(settings) if p != path]
    files = files[:MAX_RECENT]
    settings.setValue("recentFiles", files)
    return files


def forget_file(settings: QSettings, path: str) -> None:
    settings.setValue("recentFiles", [p for p in recent_files(settings) if p != path])


def last_folder(settings: QSettings) -> str:
    """The folder of the file opened or saved last ("" before any): where the file dialogs start."""
    for path in recent_files(settings):
        folder = os.path.dirname(path)
        if os.path.isdir(folder):
            return folder
    return ""
