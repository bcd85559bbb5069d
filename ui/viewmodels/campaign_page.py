"""What the campaign panel's tabs share: the selected campaign, kept live by the change feed."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from app.bootstrap import Core
from app.domain import Actor
from app.domain.changes import ChangeEvent, RecordKind
from ui.tasks import UiTaskRunner
from ui.viewmodels.base import ViewModel
from ui.viewmodels.session import SessionViewModel

RELOAD_DELAY_MS = 150
"""A burst of changes (a cascade, fifty render events) is read back once, this long after the
first of them."""


class CampaignPageViewModel(ViewModel):
    """Base of a campaign tab's view model (Overview, Strategy, Content, Schedule, Ads).

    Subclasses name the :attr:`records` they show and implement :meth:`load`, which reads them
    for :attr:`campaign_id` through :meth:`run` and emits their own signals. The base calls
    :meth:`load` when the campaign changes, when the change feed reports one of
    :attr:`records` of this campaign (coalesced over :data:`RELOAD_DELAY_MS`), when the feed
    asks for a reload, and on :meth:`refresh` (F5).

    Signals:
        campaign_changed(object): the campaign id now shown (``str``) or None.
    """

    campaign_changed = Signal(object)

    records: frozenset[RecordKind] = frozenset()

    def __init__(
        self, session: SessionViewModel, tasks: UiTaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(tasks, parent)
        self._session = session
        self.campaign_id: str | None = None
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.refresh)
        session.changed.connect(self._on_session_changed)
        session.reload_requested.connect(self.refresh)
        session.workspace_switched.connect(lambda _actor: self.set_campaign(None))

    @property
    def core(self) -> Core:
        return self._session.core

    @property
    def actor(self) -> Actor:
        return self._session.actor

    def set_campaign(self, campaign_id: str | None) -> None:
        """Show ``campaign_id`` (None: no campaign selected) and read its data."""
        if campaign_id == self.campaign_id:
            return
        self.campaign_id = campaign_id
        self.campaign_changed.emit(campaign_id)
        self.refresh()

    def refresh(self) -> None:
        """Read the shown campaign's data again (nothing when no campaign is selected)."""
        self._reload_timer.stop()
        if self.campaign_id is not None:
            self.load()

    @property
    def reload_pending(self) -> bool:
        """Whether a change was heard and its read is still to come."""
        return self._reload_timer.isActive()

    def load(self) -> None:
        """Read what this tab shows for :attr:`campaign_id` (subclasses)."""
        raise NotImplementedError

    def concerns(self, event: ChangeEvent) -> bool:
        """Whether ``event`` changes what this tab shows (subclasses may widen it)."""
        return event.campaign_id == self.campaign_id and event.record in self.records

    def _on_session_changed(self, event: ChangeEvent) -> None:
        if self.campaign_id is None or self._reload_timer.isActive():
            return
        if self.concerns(event):
            self._reload_timer.start()
