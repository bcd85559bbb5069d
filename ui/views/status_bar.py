"""The main window's status bar: where campaigns are kept, the renders under way on every
panel, and a busy indicator for work that takes a while."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from ui.viewmodels.session import FEED_TASK

BUSY_DELAY_MS = 400
"""Work that ends sooner shows no busy indicator (no flicker on quick reads)."""


class WindowStatusBar(QStatusBar):
    """The status bar shown under every panel.

    Signals:
        renders_requested(): the render summary was clicked (open the render monitor).
    """

    renders_requested = Signal()

    def __init__(self, data_location: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status_label = QLabel(f"Campaigns are kept {data_location}.")
        self.status_label.setAccessibleName("Where campaigns are kept")
        self.status_label.setContentsMargins(self.fontMetrics().averageCharWidth(), 0, 0, 0)
        self.addWidget(self.status_label, 1)
        self.render_summary = QPushButton()
        self.render_summary.setFlat(True)
        self.render_summary.setAccessibleName("Renders under way")
        self.render_summary.setToolTip("Open the render monitor (Ctrl+3)")
        self.render_summary.clicked.connect(self.renders_requested)
        self.render_summary.hide()
        self.addPermanentWidget(self.render_summary)
        self.busy_indicator = QProgressBar()
        self.busy_indicator.setRange(0, 0)  # indeterminate
        self.busy_indicator.setMaximumWidth(self.fontMetrics().averageCharWidth() * 16)
        self.busy_indicator.setAccessibleName("Working")
        self.busy_indicator.setToolTip("Reading or saving…")
        self.busy_indicator.hide()
        self.addPermanentWidget(self.busy_indicator)
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_DELAY_MS)
        self._busy_timer.timeout.connect(self.busy_indicator.show)

    def show_render_summary(self, summary: str) -> None:
        """Show the monitor's summary ("2 rendering · 1 queued"), or nothing when it is empty."""
        self.render_summary.setText(summary)
        self.render_summary.setVisible(bool(summary))

    def show_tasks(self, running: list[str]) -> None:
        """Follow the window's running tasks: busy once any but the change feed has run for
        :data:`BUSY_DELAY_MS`, idle as soon as none is left."""
        if any(key != FEED_TASK for key in running):
            if not self.busy_indicator.isVisible() and not self._busy_timer.isActive():
                self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self.busy_indicator.hide()
