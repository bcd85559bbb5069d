"""A panel whose page is still to be built says in one line what it will hold."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

UPCOMING = {
    "approvals": (
        "Approvals",
        "One card per scope (strategy, content, schedule, ads) with its state, quorum, "
        "timeline and approve / reject buttons — coming in the next release.",
    ),
    "renders": (
        "Render monitor",
        "Every render job with its provider, progress, ETA, retries, log and preview, "
        "with cancel and retry — coming in the next release.",
    ),
    "assets": (
        "Asset library",
        "Your images, videos and copy as a searchable, taggable thumbnail grid with "
        "uploads and archiving — coming in the next release.",
    ),
}


class UpcomingPanel(QWidget):
    """The page of a panel not built yet: its title and one line about what it will hold."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title, line = UPCOMING[name]
        self.setAccessibleName(title)
        heading = QLabel(title)
        heading.setObjectName("panelTitle")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        text = QLabel(line)
        text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for label in (heading, text):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        layout.addStretch(2)
        layout.setContentsMargins(48, 24, 48, 24)
