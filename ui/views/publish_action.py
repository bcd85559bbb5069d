"""The toolbar's Publish: enabled only when nothing blocks, its tooltip lists the blockers."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QMainWindow, QMessageBox, QProgressDialog

from app.domain.campaigns import Campaign, PublishProgress
from ui.viewmodels.publish import PublishViewModel
from ui.widgets.permission import VIEWERS_CANNOT_EDIT


class PublishAction(QAction):
    """Publishes the selected campaign through ``view_model`` with its progress in a dialog
    (shown if it takes longer than a moment); once published, offers to open the bundle folder
    in the platform's file manager; a refusal goes to the status bar."""

    def __init__(self, view_model: PublishViewModel, window: QMainWindow) -> None:
        super().__init__("Publish", window)
        self._view_model = view_model
        self._window = window
        self.result_box: QMessageBox | None = None
        self.progress_dialog = QProgressDialog(window)
        self.progress_dialog.setWindowTitle("Publishing")
        self.progress_dialog.setCancelButton(None)  # a publish is all or nothing: it runs out
        self.progress_dialog.setAutoClose(False)
        self.progress_dialog.setAutoReset(False)
        self.progress_dialog.cancel()  # hidden, and QProgressDialog's own show timer stopped
        self.show_progress = QTimer(self, singleShot=True, interval=400)
        """Shows the progress of a publish that takes longer than a moment."""
        self.show_progress.timeout.connect(self.progress_dialog.show)
        self.triggered.connect(view_model.publish)
        view_model.progressed.connect(self._on_view_model_progressed)
        view_model.blockers_changed.connect(self._on_view_model_blockers_changed)
        view_model.published.connect(self._on_view_model_published)
        view_model.publish_failed.connect(self._on_view_model_publish_failed)
        view_model.permissions_changed.connect(
            lambda: self._on_view_model_blockers_changed(view_model.blockers)
        )
        self._on_view_model_blockers_changed(None)

    def _on_view_model_blockers_changed(self, blockers: list[str] | None) -> None:
        view_model = self._view_model
        self.setEnabled(view_model.can_publish and view_model.may_edit)
        if not view_model.may_edit:
            tip = VIEWERS_CANNOT_EDIT
        elif view_model.campaign_id is None:
            tip = "Select a campaign to publish."
        elif view_model.publishing:
            tip = "Publishing…"
        elif blockers is None:
            tip = "Checking what blocks publishing…"
        elif blockers:
            tip = "Publishing is blocked:\n" + "\n".join(f"• {text}" for text in blockers)
        else:
            tip = "Publish the campaign: write its bundle for the channels."
        self.setToolTip(tip)

    def _on_view_model_progressed(self, progress: PublishProgress) -> None:
        dialog = self.progress_dialog
        if not dialog.isVisible() and not self.show_progress.isActive():
            self.show_progress.start()
        dialog.setLabelText(f"{progress.step}…")
        dialog.setMaximum(progress.total)  # 0: a busy indicator
        dialog.setValue(progress.done)

    def _on_view_model_published(self, campaign: Campaign) -> None:
        self._hide_progress()
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Published",
            f"{campaign.name} is published (strategy version "
            f"{campaign.published_strategy_version}). Its bundle is in {campaign.bundle_path}.",
            QMessageBox.StandardButton.Close,
            self._window,
        )
        folder = box.addButton("Open bundle folder", QMessageBox.ButtonRole.AcceptRole)
        bundle = campaign.bundle_path or ""
        folder.setEnabled(bool(bundle) and Path(bundle).exists())
        folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(bundle)))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.result_box = box
        box.open()

    def _on_view_model_publish_failed(self, message: str) -> None:
        self._hide_progress()
        self._window.statusBar().showMessage(f"Not published: {message}", 15_000)

    def _hide_progress(self) -> None:
        self.show_progress.stop()
        self.progress_dialog.hide()
