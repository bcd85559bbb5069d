"""The sidebar: workspace switcher, campaign search and list, ``New campaign``."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain import Workspace
from ui.viewmodels.campaigns import CampaignsViewModel, IdRole, StatusRole
from ui.viewmodels.session import SessionViewModel
from ui.widgets.status_badge_delegate import StatusBadgeDelegate


class SidebarWidget(QWidget):
    """Workspaces, campaigns and the button that starts a new one.

    Signals:
        campaign_selected(object): the selected campaign's id (``str``), or None.
        new_campaign_requested(): ``New campaign`` was pressed.
    """

    campaign_selected = Signal(object)
    new_campaign_requested = Signal()

    def __init__(
        self,
        session: SessionViewModel,
        campaigns: CampaignsViewModel,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._campaigns = campaigns
        self._wanted: str | None = None

        self.workspace_box = QComboBox()
        self.workspace_box.setAccessibleName("Workspace")
        self.workspace_box.setToolTip("The workspace whose campaigns are shown")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search campaigns")
        self.search.setAccessibleName("Search campaigns")
        self.search.setClearButtonEnabled(True)
        self.campaign_list = QListView()
        self.campaign_list.setAccessibleName("Campaigns")
        self.campaign_list.setModel(campaigns.filtered)
        self.campaign_list.setItemDelegate(StatusBadgeDelegate(StatusRole, self.campaign_list))
        self.campaign_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.campaign_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.campaign_list.setUniformItemSizes(True)
        self.empty_label = QLabel("No campaigns yet.\nPress New campaign to start one.")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setEnabled(False)
        self.new_button = QPushButton("New campaign")
        self.new_button.setAccessibleName("New campaign")
        self.new_button.setToolTip("Start a new campaign (Ctrl+N)")
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setVisible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        workspace_label = QLabel("&Workspace")
        workspace_label.setBuddy(self.workspace_box)
        layout.addWidget(workspace_label)
        layout.addWidget(self.workspace_box)
        layout.addSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.campaign_list, 1)
        layout.addWidget(self.empty_label, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.new_button)
        self.setTabOrder(self.workspace_box, self.search)
        self.setTabOrder(self.search, self.campaign_list)
        self.setTabOrder(self.campaign_list, self.new_button)

        self.search.textChanged.connect(campaigns.set_search)
        self.new_button.clicked.connect(self.new_campaign_requested)
        self.workspace_box.activated.connect(self._on_workspace_box_activated)
        selection = self.campaign_list.selectionModel()
        selection.selectionChanged.connect(self._on_selection_changed)
        session.workspaces_changed.connect(self._on_session_workspaces_changed)
        session.workspace_switched.connect(lambda _actor: self._show_current_workspace())
        campaigns.loaded.connect(self._on_campaigns_loaded)
        campaigns.error_raised.connect(self._on_campaigns_error_raised)
        campaigns.filtered.rowsInserted.connect(self._update_empty_state)
        campaigns.filtered.rowsRemoved.connect(self._update_empty_state)
        campaigns.filtered.modelReset.connect(self._update_empty_state)
        self._update_empty_state()

    @property
    def selected_campaign_id(self) -> str | None:
        indexes = self.campaign_list.selectionModel().selectedIndexes()
        return indexes[0].data(IdRole) if indexes else None

    def select_campaign(self, campaign_id: str | None) -> None:
        """Select ``campaign_id`` in the list (now, or once the list holds it)."""
        self._wanted = campaign_id
        self._select_wanted()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _select_wanted(self) -> None:
        if self._wanted is None:
            self.campaign_list.clearSelection()
            return
        row = self._campaigns.model.row_of(self._wanted)
        if row is None:
            return
        index = self._campaigns.filtered.mapFromSource(self._campaigns.model.index(row))
        if not index.isValid():  # hidden by the search: show it
            self.search.clear()
            index = self._campaigns.filtered.mapFromSource(self._campaigns.model.index(row))
        self.campaign_list.setCurrentIndex(index)
        self.campaign_list.scrollTo(index)

    def _on_campaigns_loaded(self) -> None:
        self.error_label.setVisible(False)
        if self._wanted is not None and self.selected_campaign_id != self._wanted:
            self._select_wanted()

    def _on_campaigns_error_raised(self, message: str) -> None:
        self.error_label.setText(f"Could not load the campaigns: {message}")
        self.error_label.setVisible(True)

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        campaign_id = self.selected_campaign_id
        if campaign_id is not None or not self._campaigns.reload_pending:
            self._wanted = campaign_id
        self.campaign_selected.emit(campaign_id)

    def _on_workspace_box_activated(self, index: int) -> None:
        workspace_id = self.workspace_box.itemData(index)
        if workspace_id:
            self._session.switch_workspace(workspace_id)

    def _on_session_workspaces_changed(self, workspaces: list[Workspace]) -> None:
        self.workspace_box.clear()
        for workspace in workspaces:
            self.workspace_box.addItem(workspace.name, workspace.id)
        self._show_current_workspace()

    def _show_current_workspace(self) -> None:
        index = self.workspace_box.findData(self._session.actor.tenant_id)
        if index >= 0:
            self.workspace_box.setCurrentIndex(index)

    def _update_empty_state(self, *_args: object) -> None:
        empty = self._campaigns.filtered.rowCount() == 0
        searching = bool(self.search.text())
        self.empty_label.setText(
            "No campaign matches the search."
            if searching
            else "No campaigns yet.\nPress New campaign to start one."
        )
        self.campaign_list.setVisible(not empty)
        self.empty_label.setVisible(empty)
