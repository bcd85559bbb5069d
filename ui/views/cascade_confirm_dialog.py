"""Before a new strategy version is saved: what its cascade resets, to confirm or cancel."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.domain.cascade import ApprovalReset, CascadePreview
from ui.viewmodels.strategy import cascade_words


class CascadeConfirmDialog(QDialog):
    """Says what saving version ``preview.version`` resets (the approvals sent back, each with
    its state now, and how many creatives become stale); ``Save version N`` accepts, Cancel
    changes nothing. Open it with ``open()`` and save on ``accepted``.

    Args:
        preview: What the core says the save would reset.
    """

    def __init__(self, preview: CascadePreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Save version {preview.version}")
        intro = QLabel(f"Saving the strategy as version {preview.version} starts its review again:")
        intro.setWordWrap(True)
        self.summary = QLabel(cascade_words(preview))
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("What the save resets")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QLabel("\n".join(_reset_line(reset) for reset in preview.approvals))
        self.details.setWordWrap(True)
        self.details.setAccessibleName("Approvals now and after")
        self.details.setVisible(bool(preview.approvals))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(f"Save version {preview.version}")
        self.ok_button.setAccessibleName(self.ok_button.text())
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.summary)
        layout.addWidget(self.details)
        layout.addWidget(self.buttons)
        width = self.fontMetrics().averageCharWidth() * 64
        self.setMinimumWidth(width)
        self.resize(width, layout.totalHeightForWidth(width))


def _reset_line(reset: ApprovalReset) -> str:
    """ "Content approval: approved → needs review" (or "stays pending, its votes cleared")."""
    state, to_state = (value.value.replace("_", " ") for value in (reset.state, reset.to_state))
    change = f"stays {state}, its votes cleared" if state == to_state else f"{state} → {to_state}"
    return f"{reset.scope.value.capitalize()} approval: {change}"
