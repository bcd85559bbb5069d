"""Publishing the selected campaign: whether anything blocks it, and the publish call."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.domain.campaigns import Campaign
from app.domain.changes import RecordKind
from app.domain.errors import AppError, PublishBlocked
from app.domain.evaluation import Evaluation
from ui.tasks import UiTaskRunner
from ui.viewmodels.campaign_page import CampaignPageViewModel
from ui.viewmodels.session import SessionViewModel


class PublishViewModel(CampaignPageViewModel):
    """The toolbar's Publish: the core's blocker list for the selected campaign (the same one
    the Overview shows and ``publish`` refuses with), and publishing.

    Signals:
        blockers_changed(object): the blockers' messages (empty: nothing blocks; None: not
            read yet).
        published(object): the published ``Campaign`` (its ``bundle_path`` names the bundle).
        publish_failed(str): publishing was refused or failed, in words.
        progressed(object): a step of the publish under way (``PublishProgress``).
    """

    blockers_changed = Signal(object)
    published = Signal(object)
    publish_failed = Signal(str)
    progressed = Signal(object)

    records = frozenset(
        {
            RecordKind.CAMPAIGN,
            RecordKind.STRATEGY,
            RecordKind.APPROVAL,
            RecordKind.CREATIVE,
            RecordKind.POST,
            RecordKind.AD_PLAN,
            RecordKind.ASSET,
        }
    )

    def __init__(
        self, session: SessionViewModel, tasks: UiTaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(session, tasks, parent)
        self.blockers: list[str] | None = None
        """The blockers' messages; None until read for the selected campaign."""
        self.publishing = False
        self.campaign_changed.connect(lambda _campaign_id: self._set_blockers(None))

    def load(self) -> None:
        assert self.campaign_id is not None
        call = self.core.prompting.evaluate(self.actor, self.campaign_id)
        self.run("blockers", call, self._on_evaluated, self._on_refused)

    @property
    def can_publish(self) -> bool:
        """Whether a campaign is selected, read, unblocked and not being published."""
        return self.campaign_id is not None and self.blockers == [] and not self.publishing

    def publish(self) -> None:
        """Publish the selected campaign (its bundle written, the campaign marked published)."""
        if self.campaign_id is None or self.publishing:
            return
        self.publishing = True
        self.blockers_changed.emit(self.blockers)
        call = self.core.campaigns.publish(
            self.actor, self.campaign_id, progress=self.progressed.emit
        )
        self.run("publish", call, self._on_published, self._on_publish_refused)

    def _on_evaluated(self, evaluation: Evaluation) -> None:
        self._set_blockers([blocker.message for blocker in evaluation.blockers])

    def _on_refused(self, error: AppError) -> None:
        self._set_blockers([error.message])

    def _on_published(self, campaign: Campaign) -> None:
        self.publishing = False
        self.published.emit(campaign)
        self.refresh()

    def _on_publish_refused(self, error: AppError) -> None:
        self.publishing = False
        if isinstance(error, PublishBlocked):
            self._set_blockers(error.blockers)
        else:
            self.blockers_changed.emit(self.blockers)
        self.publish_failed.emit(error.message)

    def _set_blockers(self, blockers: list[str] | None) -> None:
        self.blockers = blockers
        self.blockers_changed.emit(blockers)
