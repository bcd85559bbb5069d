"""The campaign panel: the selected campaign's name and status over its tabs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QLabel, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from ui.viewmodels.campaign_page import CampaignPageViewModel
from ui.viewmodels.campaigns import CampaignsViewModel, status_text
from ui.viewmodels.navigation import Target


class CampaignPanel(QWidget):
    """Tabs (Overview, Strategy, Content, Schedule, Ads) for one campaign; an empty state
    when none is selected. Each tab's view model follows :meth:`set_campaign`, and reads only
    while its tab is in front (``CampaignPageViewModel.set_shown``)."""

    def __init__(self, campaigns: CampaignsViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Campaign")
        self._campaigns = campaigns
        self.campaign_id: str | None = None
        self._view_models: list[CampaignPageViewModel] = []
        self._tab_names: list[str] = []

        self.title = QLabel()
        self.title.setObjectName("campaignTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel()
        self.status.setObjectName("campaignStatus")
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setAccessibleName("Campaign tabs")
        self.empty = QLabel(
            "Select a campaign in the sidebar, or press New campaign (Ctrl+N) to start one."
        )
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(16, 12, 16, 0)
        column.addWidget(self.title)
        column.addWidget(self.status)
        column.addWidget(self.tabs, 1)
        self._stack = QStackedWidget()
        self._stack.addWidget(self.empty)
        self._stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        campaigns.loaded.connect(self._on_campaigns_loaded)
        self.tabs.currentChanged.connect(self._update_shown)

    def add_tab(
        self, name: str, title: str, tab: QWidget, view_model: CampaignPageViewModel
    ) -> None:
        """Add a tab ``title`` (``name`` for :meth:`show_tab`) whose view model follows the
        selected campaign."""
        tab.setAccessibleName(title)
        self.tabs.addTab(tab, title)
        self._tab_names.append(name)
        self._view_models.append(view_model)
        view_model.set_shown(False)
        view_model.set_campaign(self.campaign_id)
        self._update_shown()

    def set_campaign(self, campaign_id: str | None) -> None:
        self.campaign_id = campaign_id
        self._stack.setCurrentIndex(0 if campaign_id is None else 1)
        self._show_header()
        for view_model in self._view_models:
            view_model.set_campaign(campaign_id)

    def show_tab(self, name: str) -> None:
        if name in self._tab_names:
            self.tabs.setCurrentIndex(self._tab_names.index(name))

    def select(self, target: Target) -> None:
        """Show ``target``'s tab and select its record there (a tab offers
        ``select_<record type>(record_id)`` for the records it lists)."""
        if target.tab is None:
            return
        self.show_tab(target.tab)
        if target.record_type is None or target.record_id is None:
            return
        tab = (
            self.tabs.widget(self._tab_names.index(target.tab))
            if target.tab in self._tab_names
            else None
        )
        select = getattr(tab, f"select_{target.record_type}", None)
        if callable(select):
            select(target.record_id)

    @property
    def current_tab(self) -> str | None:
        index = self.tabs.currentIndex()
        return self._tab_names[index] if 0 <= index < len(self._tab_names) else None

    def refresh(self) -> None:
        for view_model in self._view_models:
            view_model.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._update_shown()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._update_shown()

    def _update_shown(self) -> None:
        shown = self.tabs.currentIndex() if self.isVisible() else -1
        for index, view_model in enumerate(self._view_models):
            view_model.set_shown(index == shown)

    def _on_campaigns_loaded(self) -> None:
        if self.campaign_id is not None and self._campaigns.model.row_of(self.campaign_id) is None:
            self.set_campaign(None)  # deleted, or from a workspace no longer shown
        else:
            self._show_header()

    def _show_header(self) -> None:
        row = None if self.campaign_id is None else self._campaigns.model.row_of(self.campaign_id)
        if row is None:
            self.title.clear()
            self.status.clear()
            return
        campaign = self._campaigns.model.campaign(row)
        self.title.setText(campaign.name)
        window = ""
        if campaign.start and campaign.end:
            window = (
                f" · {campaign.start:%d %b %Y} – {campaign.end:%d %b %Y} ({campaign.time_zone})"
            )
        channels = ", ".join(campaign.channels)
        self.status.setText(
            f"Status: {status_text(campaign)}{window}" + (f" · {channels}" if channels else "")
        )
