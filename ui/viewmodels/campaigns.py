"""The sidebar's campaigns: a list model over the workspace's campaigns, kept live."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)

from app.domain.campaigns import Campaign
from app.domain.changes import ChangeEvent, RecordKind
from app.domain.errors import AppError
from ui.tasks import UiTaskRunner
from ui.viewmodels.base import ViewModel
from ui.viewmodels.session import SessionViewModel

StatusRole = Qt.ItemDataRole.UserRole + 1
"""The campaign's status value (``draft``, ``in_review``, …)."""
IdRole = Qt.ItemDataRole.UserRole + 2
"""The campaign's id."""

RELOAD_DELAY_MS = 150
"""A burst of campaign changes (an import, a cascade) is read back once, this long after the
first of them."""

AnyIndex = QModelIndex | QPersistentModelIndex


class CampaignListModel(QAbstractListModel):
    """The workspace's campaigns, newest first; DisplayRole is the name."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._campaigns: list[Campaign] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._campaigns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._campaigns):
            return None
        campaign = self._campaigns[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return campaign.name
        if role == StatusRole:
            return campaign.status.value
        if role == IdRole:
            return campaign.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{campaign.name} ({status_text(campaign)})"
        return None

    def set_campaigns(self, campaigns: Iterable[Campaign]) -> None:
        """Show ``campaigns`` instead of what the model held."""
        self.beginResetModel()
        self._campaigns = list(campaigns)
        self.endResetModel()

    def campaign(self, row: int) -> Campaign:
        return self._campaigns[row]

    def row_of(self, campaign_id: str) -> int | None:
        """The row of the campaign ``campaign_id``, or None when it is not listed."""
        for row, campaign in enumerate(self._campaigns):
            if campaign.id == campaign_id:
                return row
        return None


def status_text(campaign: Campaign) -> str:
    """The status badge's words (``in review``)."""
    return campaign.status.value.replace("_", " ")


class CampaignsViewModel(ViewModel):
    """Loads the campaigns of the session's workspace and reloads them when the change feed
    reports a campaign changed (from any process) or asks for a reload.

    Signals:
        loaded(): the list was read (again).
        created(object): a campaign made by :meth:`create` (the ``Campaign``).
        create_failed(str): :meth:`create` was refused; the core's message.
    """

    loaded = Signal()
    created = Signal(object)
    create_failed = Signal(str)

    def __init__(
        self, session: SessionViewModel, tasks: UiTaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(tasks, parent)
        self._session = session
        self.model = CampaignListModel(self)
        self.filtered = QSortFilterProxyModel(self)
        self.filtered.setSourceModel(self.model)
        self.filtered.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.load)
        session.changed.connect(self._on_change)
        session.reload_requested.connect(self.load)
        session.workspace_switched.connect(lambda _actor: self.load())

    def load(self) -> None:
        """Read the workspace's campaigns (a newer load replaces one still running)."""
        self._reload_timer.stop()
        actor = self._session.actor
        self.run("load", self._session.core.campaigns.list_campaigns(actor), self._on_loaded)

    @property
    def reload_pending(self) -> bool:
        """Whether a change was heard and its read is still to come."""
        return self._reload_timer.isActive()

    def set_search(self, text: str) -> None:
        """Show only the campaigns whose name contains ``text`` (any case)."""
        self.filtered.setFilterFixedString(text)

    def create(
        self,
        name: str,
        *,
        description: str = "",
        channels: Iterable[str] = (),
        start: date | None = None,
        end: date | None = None,
        time_zone: str = "UTC",
    ) -> None:
        """Ask the core for a new draft campaign; :attr:`created` or :attr:`create_failed`."""
        call = self._session.core.campaigns.create_campaign(
            self._session.actor,
            name,
            description=description,
            channels=tuple(channels),
            start=start,
            end=end,
            time_zone=time_zone,
        )
        self.run("create", call, self._on_created, self._on_create_refused)

    def _on_create_refused(self, error: AppError) -> None:
        self.create_failed.emit(error.message)

    def _on_created(self, campaign: Campaign) -> None:
        self.created.emit(campaign)
        # The change feed will report it too; reading now shows it without waiting for that.
        self.load()

    def _on_loaded(self, campaigns: list[Campaign]) -> None:
        self.model.set_campaigns(campaigns)
        self.loaded.emit()

    def _on_change(self, event: ChangeEvent) -> None:
        if event.record is RecordKind.CAMPAIGN and not self._reload_timer.isActive():
            self._reload_timer.start()
