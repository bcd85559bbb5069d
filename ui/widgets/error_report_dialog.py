"""The report shown when something unexpected fails: plain words first, details on request."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.dialog_sizing import fit_to_text


class ErrorReportDialog(QDialog):
    """Says that something went wrong and that the work is safe; shows the technical details
    (every failure reported while it is open) for a bug report, with a copy button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Something went wrong")
        self.setAccessibleName("Error report")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Error details")
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setMinimumHeight(self.fontMetrics().lineSpacing() * 10)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("Copy details")
        copy.setAccessibleName("Copy details")
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self._on_copy_clicked)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.count = 0

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_to_text(self, 90)

    def add(self, summary: str, details: str) -> None:
        """Show one more failure (the newest summary on top, every failure's details)."""
        self.count += 1
        more = f" ({self.count} problems so far)" if self.count > 1 else ""
        self.summary.setText(
            f"{summary}{more}\n\nYour saved work is safe. The details below help fix it; "
            "they are also in the log."
        )
        self.details.appendPlainText(details + "\n")
        if self.isVisible():
            fit_to_text(self, 90)

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())
