"""The Overview tab's view model: the prompting engine's verdict, and the AI's suggestions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.bootstrap import EXPORTS_FOLDER
from app.domain.activity import ActivityEntry
from app.domain.changes import RecordKind
from app.domain.errors import AppError
from app.domain.evaluation import Evaluation
from ui.tasks import UiTaskRunner
from ui.viewmodels.campaign_page import CampaignPageViewModel
from ui.viewmodels.navigation import Navigator, Target
from ui.viewmodels.session import SessionViewModel


class SuggestionStatus(StrEnum):
    """Where the AI suggestions of the shown campaign stand."""

    OFF = "off"
    """No language model is configured: there will be none."""
    WAITING = "waiting"
    """The model was asked; the score is shown meanwhile."""
    READY = "ready"
    """The model answered (``items`` may still be empty)."""
    FAILED = "failed"
    """Asking failed (``message`` says why)."""


@dataclass(frozen=True)
class Suggestions:
    """The AI suggestions as the tab shows them."""

    status: SuggestionStatus
    items: tuple[str, ...] = ()
    message: str = ""


PUBLISHED_ACTION = "campaign.published"
"""The activity log's entry of a publication."""


class OverviewViewModel(CampaignPageViewModel):
    """Evaluates the selected campaign (score, parts, recommendations, blockers), then fetches
    the AI suggestions as a separate task so they never delay the score; deep links go through
    the navigator.

    Signals:
        evaluated(object): the campaign's ``Evaluation``, read (again).
        evaluation_failed(str): the evaluation was refused; the core's message.
        suggestions_changed(object): the :class:`Suggestions` now known.
        publications_loaded(list): the campaign's publications, newest first (activity
            entries ``campaign.published``: who, when, strategy version, bundle).
        bundle_ready(object): the ``Path`` of a bundle folder asked for by
            :meth:`open_bundle`, on this workstation now.
        bundle_failed(str): that bundle could not be had; the core's message.
    """

    evaluated = Signal(object)
    evaluation_failed = Signal(str)
    suggestions_changed = Signal(object)
    publications_loaded = Signal(list)
    bundle_ready = Signal(object)
    bundle_failed = Signal(str)

    # Everything the engine's snapshot reads. A finished render changes the score through the
    # creative it updates (its assets), so render jobs themselves are not needed here.
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
        self,
        session: SessionViewModel,
        tasks: UiTaskRunner,
        navigator: Navigator,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(session, tasks, parent)
        self._navigator = navigator
        self.evaluation: Evaluation | None = None
        self.evaluating = False
        """Whether an evaluation is being read (the suggestions may still be awaited after)."""
        self.suggestions = Suggestions(SuggestionStatus.OFF)
        self.campaign_changed.connect(self._on_self_campaign_changed)

    @property
    def has_language_model(self) -> bool:
        """Whether AI suggestions can come at all (a Poe key is configured)."""
        return self.core.language_model is not None

    def load(self) -> None:
        assert self.campaign_id is not None
        call = self.core.prompting.evaluate(self.actor, self.campaign_id)
        self.evaluating = True
        self.run("evaluate", call, self._on_evaluated, self._on_evaluate_refused)
        campaign_id = self.campaign_id
        history = self.core.activity.recent(self.actor, campaign_id=campaign_id)
        self.run("publications", history, lambda entries: self._on_history(campaign_id, entries))

    def open_target(self, target_type: str | None, target_id: str | None) -> None:
        """Take the user to the record a recommendation or blocker names."""
        self._navigator.go(Target.for_record(target_type, target_id))

    def bundle_here(self, bundle_path: str) -> bool:
        """Whether the bundle written to ``bundle_path`` (on whichever workstation published
        it) is in this workstation's exports folder."""
        if not bundle_path:
            return False
        return (self.core.settings.data_dir / EXPORTS_FOLDER / Path(bundle_path).name).is_dir()

    def open_bundle(self, strategy_version: int | None) -> None:
        """Get the bundle of the publication of ``strategy_version``: the folder written on this
        workstation, or the shared copy downloaded from the team's media storage."""
        assert self.campaign_id is not None
        call = self.core.campaigns.download_bundle(
            self.actor, self.campaign_id, strategy_version=strategy_version
        )
        self.run(
            f"bundle-{strategy_version}",
            call,
            self.bundle_ready.emit,
            lambda error: self.bundle_failed.emit(error.message),
        )

    def _on_evaluated(self, evaluation: Evaluation) -> None:
        if evaluation.campaign_id != self.campaign_id:
            return  # read for a campaign no longer shown
        self.evaluating = False
        self.evaluation = evaluation
        self.evaluated.emit(evaluation)
        if not self.has_language_model:
            self._set_suggestions(Suggestions(SuggestionStatus.OFF))
        elif evaluation.suggestions_pending:
            self._set_suggestions(Suggestions(SuggestionStatus.WAITING))
            campaign_id = evaluation.campaign_id
            call = self.core.prompting.suggest(self.actor, campaign_id)
            self.run(
                "suggest",
                call,
                lambda items: self._on_suggested(campaign_id, items),
                lambda error: self._on_suggest_refused(campaign_id, error),
            )
        else:
            self._set_suggestions(
                Suggestions(SuggestionStatus.READY, tuple(evaluation.suggestions))
            )

    def _on_history(self, campaign_id: str, entries: list[ActivityEntry]) -> None:
        if campaign_id == self.campaign_id:
            published = [entry for entry in entries if entry.action == PUBLISHED_ACTION]
            self.publications_loaded.emit(published)

    def _on_evaluate_refused(self, error: AppError) -> None:
        self.evaluating = False
        self.evaluation = None
        self.evaluation_failed.emit(error.message)

    def _on_suggested(self, campaign_id: str, suggestions: list[str]) -> None:
        if campaign_id == self.campaign_id:
            self._set_suggestions(Suggestions(SuggestionStatus.READY, tuple(suggestions)))

    def _on_suggest_refused(self, campaign_id: str, error: AppError) -> None:
        if campaign_id == self.campaign_id:
            self._set_suggestions(Suggestions(SuggestionStatus.FAILED, message=error.message))

    def _on_self_campaign_changed(self, _campaign_id: object) -> None:
        self.evaluation = None
        self._set_suggestions(Suggestions(SuggestionStatus.OFF))

    def _set_suggestions(self, suggestions: Suggestions) -> None:
        self.suggestions = suggestions
        self.suggestions_changed.emit(suggestions)
