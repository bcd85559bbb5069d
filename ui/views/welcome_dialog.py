"""The first start's welcome: where the data lives, and a sample workspace to explore."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain import Workspace
from ui.viewmodels.session import SessionViewModel
from ui.widgets.dialog_sizing import fit_to_text


class WelcomeDialog(QDialog):
    """Names the data folder and offers the sample workspace; closes once it is ready (or at
    once for an empty start)."""

    def __init__(self, session: SessionViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Campaign Studio")
        self._session = session
        heading = QLabel("Welcome to Campaign Studio")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        text = QLabel(
            "Plan a campaign, write its strategy, produce copy, images and videos, schedule "
            "posts and ad plans, and get each approved before you publish.\n\n"
            f"Your campaigns are kept {session.data_location()}. Nothing needs configuring; "
            "Settings (Ctrl+,) connects a team database, cloud storage and render providers."
        )
        text.setWordWrap(True)
        text.setObjectName("welcomeText")
        self.sample_button = QPushButton("Explore a sample workspace")
        self.sample_button.setAccessibleName("Explore a sample workspace")
        self.sample_button.setToolTip(
            "A campaign caught mid-flow: strategy v2, approvals, stale copy, posts, rendered images"
        )
        self.empty_button = QPushButton("Start with an empty workspace")
        self.empty_button.setAccessibleName("Start with an empty workspace")
        buttons = QDialogButtonBox()
        buttons.addButton(self.empty_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.addButton(self.sample_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.sample_button.setDefault(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.progress.setAccessibleName("Preparing the sample workspace")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(text)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

        self.sample_button.clicked.connect(self._on_sample_button_clicked)
        self.empty_button.clicked.connect(self.reject)
        session.sample_created.connect(self._on_session_sample_created)
        session.sample_failed.connect(self._on_session_sample_failed)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_to_text(self, 72)

    def _on_sample_button_clicked(self) -> None:
        self.sample_button.setEnabled(False)
        self.progress.setVisible(True)
        self.message.setText(
            "Preparing the sample workspace: a campaign, its copy and rendered images…"
        )
        self.message.setVisible(True)
        self._session.create_sample_workspace()

    def _on_session_sample_created(self, _workspace: Workspace) -> None:
        self.accept()

    def _on_session_sample_failed(self, message: str) -> None:
        self.progress.setVisible(False)
        self.sample_button.setEnabled(True)
        self.message.setText(f"The sample workspace could not be made: {message}")
