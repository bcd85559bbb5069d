"""The toolbar's Publish: enabled only when nothing blocks, its tooltip lists the blockers."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QMainWindow, QMessageBox

from app.domain.campaigns import Campaign
from ui.viewmodels.publish import PublishViewModel
from ui.widgets.permission import VIEWERS_CANNOT_EDIT


class PublishAction(QAction):
    """Publishes the selected campaign through ``view_model``; once published, offers to open
    the bundle folder in the platform's file manager; a refusal goes to the status bar."""

    def __init__(self, view_model: PublishViewModel, window: QMainWindow) -> None:
        super().__init__("Publish", window)
        self._view_model = view_model
        self._window = window
        self.result_box: QMessageBox | None = None
        self.triggered.connect(view_model.publish)
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

    def _on_view_model_published(self, campaign: Campaign) -> None:
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
        self._window.statusBar().showMessage(f"Not published: {message}", 15_000)
