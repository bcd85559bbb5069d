"""What the campaign panel's tabs share: the selected campaign, kept live by the change feed."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from app.domain.changes import ChangeEvent, RecordKind
from ui.tasks import UiTaskRunner
from ui.viewmodels.session import SessionViewModel
from ui.viewmodels.workspace import WorkspaceViewModel

RELOAD_DELAY_MS = 150
"""A burst of changes (a cascade, fifty render events) is read back once, this long after the
first of them."""


class CampaignPageViewModel(WorkspaceViewModel):
    """Base of a campaign tab's view model (Overview, Strategy, Content, Schedule, Ads).

    Subclasses name the :attr:`records` they show and implement :meth:`load`, which reads them
    for :attr:`campaign_id` through :meth:`run` and emits their own signals. The base calls
    :meth:`load` when the campaign changes, when the change feed reports one of
    :attr:`records` of this campaign (coalesced over :data:`RELOAD_DELAY_MS`), when the feed
    asks for a reload, and on :meth:`refresh` (F5) — while it is :attr:`shown` (its tab is
    shown). A hidden tab only notes that it is out of date and reads once it is shown again,
    so fifty render events are read back by the one tab in front, not by five.

    Signals:
        campaign_changed(object): the campaign id now shown (``str``) or None.
        permissions_changed(): :attr:`may_edit` may have changed (the user's roles were read).
    """

    campaign_changed = Signal(object)

    records: frozenset[RecordKind] = frozenset()

    def __init__(
        self, session: SessionViewModel, tasks: UiTaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(session, tasks, parent)
        self.campaign_id: str | None = None
        self.shown = True
        self._out_of_date = False
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.refresh)
        session.changed.connect(self._on_session_changed)
        session.reload_requested.connect(self.refresh)
        session.workspace_switched.connect(lambda _actor: self.set_campaign(None))

    def set_campaign(self, campaign_id: str | None) -> None:
        """Show ``campaign_id`` (None: no campaign selected) and read its data."""
        if campaign_id == self.campaign_id:
            return
        self.campaign_id = campaign_id
        self.campaign_changed.emit(campaign_id)
        self.refresh()

    def set_shown(self, shown: bool) -> None:
        """Whether the tab is shown; shown again, it reads what changed while it was hidden."""
        if shown == self.shown:
            return
        self.shown = shown
        if shown and self._out_of_date:
            self.refresh()

    def refresh(self) -> None:
        """Read the shown campaign's data again (nothing when no campaign is selected; later,
        once shown, while the tab is hidden)."""
        self._reload_timer.stop()
        if self.campaign_id is None:
            return
        self._out_of_date = not self.shown
        if self.shown:
            self.load()

    @property
    def out_of_date(self) -> bool:
        """Whether the tab, hidden, missed a change it will read once shown."""
        return self._out_of_date

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
        if self.campaign_id is None or self._reload_timer.isActive() or self._out_of_date:
            return
        if self.concerns(event):
            if self.shown:
                self._reload_timer.start()
            else:
                self._out_of_date = True
