"""Approve (optional comment), reject (reason required) or mark feedback addressed (note
required), with a warning instead of a stale action when the approval changes meanwhile."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain import ApprovalAction, ApprovalScope
from ui.widgets.dialog_sizing import fit_to_text
from ui.widgets.icons import icon

_WORDING = {
    # action: (button, field label, required, hint while empty)
    ApprovalAction.APPROVE: ("Approve", "&Comment (optional)", False, ""),
    ApprovalAction.REJECT: (
        "Reject",
        "&Reason (required)",
        True,
        "To reject, say why: the reason is required.",
    ),
    ApprovalAction.MARK_ADDRESSED: (
        "Mark addressed",
        "&Note on what was addressed (required)",
        True,
        "To mark the feedback addressed, write a note on what changed: it is required.",
    ),
}


class ApprovalActionDialog(QDialog):
    """One action on one approval, with its text: optional for approve, required (OK disabled
    with a hint until typed) for reject and mark addressed. Open it with ``open()`` and read
    :meth:`text` on ``accepted``; :meth:`mark_stale` turns it into a warning.

    Args:
        action: ``APPROVE``, ``REJECT`` or ``MARK_ADDRESSED``.
        scope: The approval's scope, named in the title.
    """

    def __init__(
        self, action: ApprovalAction, scope: ApprovalScope, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.action = ApprovalAction(action)
        self.scope = ApprovalScope(scope)
        button, label, self.required, self._empty_hint = _WORDING[self.action]
        self.setWindowTitle(f"{button} — {self.scope.value.capitalize()} approval")
        self.text_edit = QPlainTextEdit()
        self.text_edit.setAccessibleName(label.replace("&", ""))
        self.text_edit.setTabChangesFocus(True)
        field_label = QLabel(label)
        field_label.setBuddy(self.text_edit)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("Action hint")
        self.stale_message = QLabel()
        self.stale_message.setWordWrap(True)
        self.stale_message.setAccessibleName("Approval changed")
        self.stale_icon = QLabel()
        self.stale_icon.setPixmap(icon("triangle-alert").pixmap(20, 20))
        self.stale_icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.stale_message.hide()
        self.stale_icon.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(button)
        self.ok_button.setAccessibleName(button)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        stale_row = QHBoxLayout()
        stale_row.addWidget(self.stale_icon)
        stale_row.addWidget(self.stale_message, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(stale_row)
        layout.addWidget(field_label)
        layout.addWidget(self.text_edit, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.setTabOrder(self.text_edit, self.buttons)
        self.stale = False
        self.text_edit.textChanged.connect(self._validate)
        self._validate()

    def text(self) -> str:
        return self.text_edit.toPlainText().strip()

    def mark_stale(self, what_changed: str) -> None:
        """The approval changed under the dialog: say so, refuse to submit, offer to close."""
        self.stale = True
        self.stale_message.setText(
            f"This approval changed while you were writing: {what_changed}. "
            "Close this and look again before you act."
        )
        self.stale_message.show()
        self.stale_icon.show()
        self.cancel_button.setText("Close")
        self.cancel_button.setAccessibleName("Close")
        self._validate()
        fit_to_text(self)

    def accept(self) -> None:
        if self.ok_button.isEnabled():
            super().accept()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_to_text(self)

    def _validate(self) -> None:
        missing = self.required and not self.text()
        self.hint.setText(self._empty_hint if missing and not self.stale else "")
        self.hint.setVisible(bool(self.hint.text()))
        self.ok_button.setEnabled(not missing and not self.stale)
