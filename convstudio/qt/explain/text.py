"""Numbers and small HTML pieces as the explain views write them (true minus sign, thousands commas)."""
from __future__ import annotations

import html

from PySide6.QtGui import QTextDocument

from ...engine.numbers import count, num, signed  # noqa: F401  (the views' number style)
from ...layers import fmt_shape as shape  # noqa: F401


def esc(text: str) -> str:
    return html.escape(str(text), quote=False)


def swatch(color: str, label: str, pattern: str = "■") -> str:
    """A coloured square followed by its meaning, for legends in rich-text labels."""
    return f"<span style='color:{color}; font-size:large'>{pattern}</span>&nbsp;{esc(label)}"


def paragraphs(*parts: str) -> str:
    return "".join(f"<p style='margin:0 0 6px 0'>{p}</p>" for p in parts if p)


def bullet_list(items) -> str:
    rows = "".join(f"<li style='margin-bottom:3px'>{i}</li>" for i in items if i)
    return f"<ul style='margin:0 0 6px 0; -qt-list-indent:1'>{rows}</ul>" if rows else ""


def plain(rich: str) -> str:
    """Rich text as the user reads it (tags removed, entities decoded)."""
    doc = QTextDocument()
    doc.setHtml(rich)
    return doc.toPlainText()
