"""The window people see the moment they start the app, while the core opens behind it.

Showing it needs only Qt: the core (pydantic models, settings, the keyring, the store) is
imported and opened after its first paint, and the main window then takes its place at the same
geometry. A problem that stops the start (invalid settings) is shown here in words.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QPushButton, QVBoxLayout, QWidget


class StartWindow(QMainWindow):
    """ "Opening Campaign Studio…" where the main window will appear.

    Signals:
        painted(): the window was painted for the first time.
    """

    painted = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Campaign Studio")
        self.setAccessibleName("Campaign Studio is starting")
        self.message = QLabel("Opening Campaign Studio…")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.close_button = QPushButton("Close")
        self.close_button.setVisible(False)
        self.close_button.clicked.connect(self.close)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self.message)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        layout.setContentsMargins(48, 24, 48, 24)
        self.setCentralWidget(page)
        self._painted = False
        geometry = QSettings().value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)

    def show_problem(self, text: str) -> None:
        """Say why the app cannot start; the window stays until the user closes it."""
        self.message.setText(f"Campaign Studio cannot start: {text}")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button.setVisible(True)
        self.close_button.setFocus()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.painted.emit()
