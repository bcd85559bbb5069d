"""Controls the user's role does not allow: disabled, with the reason as their tooltip."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QWidget

VIEWERS_CANNOT_EDIT = "Viewers cannot change campaigns: ask an admin for the editor role"
"""Why an edit control is off for a viewer."""


def gate(widgets: Iterable[QWidget], allowed: bool, reason: str = VIEWERS_CANNOT_EDIT) -> None:
    """Disable ``widgets`` with ``reason`` as their tooltip unless ``allowed``; when allowed,
    leave their state to the caller and give back their own tooltip. Call it after the usual
    enabling of the controls."""
    for widget in widgets:
        if widget.toolTip() != reason:
            widget.setProperty("ownToolTip", widget.toolTip())
        if allowed:
            widget.setToolTip(str(widget.property("ownToolTip") or ""))
        else:
            widget.setEnabled(False)
            widget.setToolTip(reason)
