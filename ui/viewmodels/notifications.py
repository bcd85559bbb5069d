"""What the user is told about while working elsewhere: approvals others changed, publishing,
the user's renders finished or failed."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from app.domain.approvals import Approval
from app.domain.campaigns import Campaign
from app.domain.changes import ChangeEvent, EventKind, RecordKind
from app.domain.enums import ApprovalScope
from app.domain.render_jobs import RenderJob
from ui.tasks import UiTaskRunner
from ui.viewmodels.base import ViewModel
from ui.viewmodels.navigation import Target
from ui.viewmodels.session import SessionViewModel

KINDS = {"approvals": "Approvals", "publishing": "Publishing", "renders": "Renders"}
"""Kinds of notification (the key under ``notifications/`` in QSettings) and their names."""
GATHER_MS = 300
"""A cascade changes four approvals in one operation: they are told as one notification."""


@dataclass(frozen=True)
class Notice:
    """One notification: its kind (a key of :data:`KINDS`), title, text, and where a click
    takes the user."""

    kind: str
    title: str
    text: str
    target: Target


def enabled(kind: str) -> bool:
    """Whether notifications of ``kind`` are on (they are until turned off in Settings)."""
    return str(QSettings().value(f"notifications/{kind}", "true")).lower() == "true"


def set_enabled(kind: str, on: bool) -> None:
    QSettings().setValue(f"notifications/{kind}", "true" if on else "false")


class NotificationsViewModel(ViewModel):
    """Turns the change feed into notices: an approval of the workspace changed by someone
    else (a vote, a rejection, a cascade asking for review), a publication finished, and a
    render the user asked for published or failed (wherever it ran).

    Signals:
        noticed(object): a :class:`Notice` to show (only kinds that are turned on).
    """

    noticed = Signal(object)

    def __init__(
        self, session: SessionViewModel, tasks: UiTaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(tasks, parent)
        self._session = session
        self._campaigns: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(GATHER_MS)
        self._timer.timeout.connect(self._read_approvals)
        session.changed.connect(self._on_session_changed)

    @property
    def gathering(self) -> bool:
        """Whether approval changes were heard and are about to be read and told."""
        return self._timer.isActive()

    def published(self, campaign: Campaign) -> None:
        """Tell of a publication this window finished."""
        self._notify(
            Notice(
                "publishing",
                f"{campaign.name} is published",
                f"Strategy version {campaign.published_strategy_version}; the bundle is in "
                f"{campaign.bundle_path}.",
                Target("campaign", "overview", "campaign", campaign.id),
            )
        )

    def _on_session_changed(self, event: ChangeEvent) -> None:
        if event.job is not None and event.kind in (EventKind.JOB_FINISHED, EventKind.JOB_FAILED):
            self._render_ended(event.job, failed=event.kind is EventKind.JOB_FAILED)
            return
        mine = event.actor_id == self._session.actor.user_id
        if event.record is not RecordKind.APPROVAL or mine or event.campaign_id is None:
            return
        self._campaigns.add(event.campaign_id)
        if not self._timer.isActive():
            self._timer.start()

    def _render_ended(self, job: RenderJob, *, failed: bool) -> None:
        if job.created_by != self._session.actor.user_id:
            return  # a teammate's render: theirs to hear about
        what = f"{job.kind.value.capitalize()} render by {job.provider}"
        if failed:
            title, text = f"{what} failed", job.error or "The provider gave no reason."
        else:
            title, text = f"{what} finished", "Its output is in the library and on the creative."
        self._notify(Notice("renders", title, text, Target.for_record("render_job", job.id)))

    def _read_approvals(self) -> None:
        campaigns, self._campaigns = self._campaigns, set()
        core, actor = self._session.core, self._session.actor
        for campaign_id in campaigns:

            async def read(campaign_id: str = campaign_id) -> tuple[Campaign, list[Approval]]:
                campaign = await core.campaigns.get_campaign(actor, campaign_id)
                approvals = await core.approvals.get_approvals(actor, campaign_id)
                return campaign, [approvals[scope] for scope in ApprovalScope if scope in approvals]

            self.run(f"approvals-{campaign_id}", read(), self._on_approvals_read)

    def _on_approvals_read(self, result: tuple[Campaign, list[Approval]]) -> None:
        campaign, approvals = result
        states = "; ".join(
            f"{approval.scope.value.capitalize()}: {approval.state.value.replace('_', ' ')}"
            for approval in approvals
        )
        first = approvals[0].id if approvals else None
        self._notify(
            Notice(
                "approvals",
                f"Approvals changed in {campaign.name}",
                states,
                Target.for_record("approval", first),
            )
        )

    def _notify(self, notice: Notice) -> None:
        if enabled(notice.kind):
            self.noticed.emit(notice)
