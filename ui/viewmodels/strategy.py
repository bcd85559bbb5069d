"""The Strategy tab's data: the campaign's strategy versions, and saving a new one after
telling what its cascade resets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.domain.cascade import CascadePreview
from app.domain.changes import RecordKind
from app.domain.enums import StrategyStatus
from app.domain.errors import AppError
from app.domain.strategies import Completion, Strategy, StrategyDraft
from ui.tasks import UiTaskRunner
from ui.viewmodels.campaign_page import CampaignPageViewModel
from ui.viewmodels.session import SessionViewModel
from ui.viewmodels.strategy_models import StrategyHistoryModel, field_words

Loaded = tuple[str, list[Strategy], dict[str, str]]


class StrategyViewModel(CampaignPageViewModel):
    """The campaign's strategy versions, kept live; saves the form as version 1 or as a new
    version (asking the core first what the cascade would reset).

    Signals:
        strategy_loaded(object): the active ``Strategy`` (or None) after the versions were read
            (:attr:`history` holds them, :attr:`versions` shows them).
        preview_ready(object): what saving a new version would reset (``CascadePreview``).
        strategy_saved(object): the form was saved as this ``Strategy``.
        save_refused(str): the save (or its preview) was refused ("Refused: …").
        strategy_selected(str): a deep link asks the tab to show this version.
    """

    strategy_loaded = Signal(object)
    preview_ready = Signal(object)
    strategy_saved = Signal(object)
    save_refused = Signal(str)
    strategy_selected = Signal(str)

    records = frozenset({RecordKind.STRATEGY})

    def __init__(
        self, session: SessionViewModel, tasks: UiTaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(session, tasks, parent)
        self.versions = StrategyHistoryModel(self)
        self.history: list[Strategy] = []
        self.active: Strategy | None = None
        self.loaded_campaign: str | None = None
        self.campaign_changed.connect(self._on_campaign_changed)

    @property
    def has_strategy(self) -> bool:
        """Whether the campaign has a version already (saving makes a new one)."""
        return bool(self.history)

    def load(self) -> None:
        campaign_id = self.campaign_id
        assert campaign_id is not None

        async def read() -> Loaded:
            history = await self.core.strategies.history(self.actor, campaign_id)
            members = await self.core.workspaces.list_members(self.actor)
            names = {m.user_id: m.display_name for m in members if m.display_name}
            return campaign_id, history, names

        self.run("load", read(), self._on_read)

    def author(self, strategy: Strategy) -> str:
        """Who saved ``strategy`` (their display name when known)."""
        return self.versions.author(strategy)

    def strategy(self, strategy_id: str) -> Strategy | None:
        return next((s for s in self.history if s.id == strategy_id), None)

    def request_save(self) -> None:
        """Ask what saving a new version would reset; :attr:`preview_ready` tells."""
        campaign_id = self.campaign_id
        assert campaign_id is not None
        call = self.core.strategies.preview_update(self.actor, campaign_id)
        self.run("preview", call, self.preview_ready.emit, self._on_refused)

    def save(self, fields: Mapping[str, Any]) -> None:
        """Save the form's ``fields`` as version 1, or as a new version and run its cascade."""
        campaign_id = self.campaign_id
        assert campaign_id is not None
        strategies = self.core.strategies
        call = (
            strategies.update_strategy(self.actor, campaign_id, fields)
            if self.has_strategy
            else strategies.create_strategy(self.actor, campaign_id, fields)
        )
        self.run("save", call, self._on_saved, self._on_refused)

    def select_strategy(self, strategy_id: str) -> None:
        """Deep link: show and select version ``strategy_id``."""
        self.strategy_selected.emit(strategy_id)

    @staticmethod
    def completion_of(fields: Mapping[str, Any]) -> Completion:
        """The completion of the form's ``fields`` as typed, the core's rule without a call
        (nothing is validated: a field counts once it holds something)."""
        values = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in fields.items()
        }
        return StrategyDraft.model_construct(**values).completion()

    def _on_read(self, result: Loaded) -> None:
        campaign_id, history, names = result
        if campaign_id != self.campaign_id:
            return
        self.history = history
        self.active = next(
            (s for s in reversed(history) if s.status is StrategyStatus.ACTIVE), None
        )
        self.loaded_campaign = campaign_id
        self.versions.set_history(history, names)
        self.strategy_loaded.emit(self.active)

    def _on_campaign_changed(self, _campaign_id: str | None) -> None:
        self.history = []
        self.active = None
        self.loaded_campaign = None
        self.versions.set_history([], {})

    def _on_saved(self, strategy: Strategy) -> None:
        self.strategy_saved.emit(strategy)
        self.refresh()

    def _on_refused(self, error: AppError) -> None:
        self.save_refused.emit(f"Refused: {error.message}")


def completion_words(completion: Completion) -> str:
    """The meter's words: "75 % — missing: tone, KPIs" (or "100 % — complete")."""
    if not completion.missing:
        return f"{completion.percent} % — complete"
    missing = ", ".join(field_words(name) for name in completion.missing)
    return f"{completion.percent} % — missing: {missing}"


def cascade_words(preview: CascadePreview) -> str:
    """What saving resets, in one sentence: "Strategy approval goes back to pending; Content,
    Schedule and Ads approvals go back to needs review; 3 creatives become stale." """
    groups: dict[str, list[str]] = {}
    for reset in preview.approvals:
        state = reset.to_state.value.replace("_", " ")
        groups.setdefault(state, []).append(reset.scope.value.capitalize())
    parts = []
    for state, scopes in groups.items():
        names = scopes[0] if len(scopes) == 1 else f"{', '.join(scopes[:-1])} and {scopes[-1]}"
        verb = "approval goes" if len(scopes) == 1 else "approvals go"
        parts.append(f"{names} {verb} back to {state}")
    count = preview.stale_creatives
    if count == 0:
        parts.append("no creative becomes stale")
    else:
        parts.append(
            f"{count} creative{'s' if count > 1 else ''} become{'s' if count == 1 else ''} stale"
        )
    sentence = "; ".join(parts) + "."
    return sentence[0].upper() + sentence[1:]
