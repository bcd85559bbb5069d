"""Help → About: the app's name and version, where its data lives, and the licences of what it
ships (icons, Qt, ffmpeg)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.cli_parser import app_version
from ui.widgets.icons import icon

LICENCE_NOTES = (
    "Icons: Lucide (ISC licence), a few derived from Feather (MIT licence); the app icon is "
    "Campaign Studio's own.\n"
    "Qt for Python (PySide6): LGPL-3.0.\n"
    "Video is written and read by ffmpeg (LGPL/GPL), through imageio-ffmpeg (BSD-2-Clause)."
)


class AboutDialog(QDialog):
    """Shows the name, the installed version (pyproject's, as ``--version`` prints it), the data
    folder and the licence notes; Close dismisses it. Open it with ``open()``.

    Args:
        data_dir: The data folder the open core uses (shown selectable, to copy); without it
            the line is left out.
    """

    def __init__(self, parent: QWidget | None = None, *, data_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Campaign Studio")
        logo = QLabel()
        logo.setPixmap(icon("app").pixmap(64, 64))
        logo.setAccessibleName("Campaign Studio icon")
        self.name = QLabel("<b>Campaign Studio</b>")
        self.name.setAccessibleName("Application name")
        self.version = QLabel(f"Version {app_version()}")
        self.version.setAccessibleName("Version")
        self.version.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.data_folder = QLabel(f"Data folder: {data_dir}")
        self.data_folder.setWordWrap(True)
        self.data_folder.setAccessibleName("Data folder")
        self.data_folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.data_folder.setVisible(data_dir is not None)
        self.licences = QLabel(LICENCE_NOTES)
        self.licences.setWordWrap(True)
        self.licences.setAccessibleName("Licences")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName("Close")
        self.buttons.rejected.connect(self.reject)

        heading = QVBoxLayout()
        heading.addWidget(self.name)
        heading.addWidget(self.version)
        top = QHBoxLayout()
        top.addWidget(logo)
        top.addLayout(heading, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.data_folder)
        layout.addWidget(self.licences)
        layout.addWidget(self.buttons)
        width = self.fontMetrics().averageCharWidth() * 64
        self.setMinimumWidth(width)
