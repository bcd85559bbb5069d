"""Dialogs with wrapped text sized to show all of it.

Qt sizes a top-level window from its layout's size hint, which ignores height-for-width: a
dialog holding word-wrapped labels opens too short and clips them (worst at 200 % scaling).
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog


def fit_to_text(dialog: QDialog, min_chars: int = 72) -> None:
    """Give ``dialog`` at least ``min_chars`` average characters of width and the height its
    layout needs at that width (call it after its content changes, e.g. from ``showEvent``)."""
    layout = dialog.layout()
    if layout is None:
        return
    width = max(dialog.width(), dialog.fontMetrics().averageCharWidth() * min_chars)
    layout.activate()
    height = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else 0
    dialog.setMinimumWidth(min(width, dialog.fontMetrics().averageCharWidth() * min_chars))
    dialog.resize(width, max(height, layout.totalMinimumSize().height()))
