"""Versioned strategies and their completion."""

from __future__ import annotations

from datetime import date
from typing import Self

from pydantic import Field, computed_field, model_validator

from app.domain.campaigns import Channel, check_window
from app.domain.common import FrozenModel, Id, Model, Money, Record, Timestamp
from app.domain.enums import StrategyStatus

REQUIRED_FIELDS = (
    "objective",
    "target_audience",
    "key_messages",
    "channels",
    "tone",
    "budget",
    "kpis",
    "call_to_action",
)
"""The fields a strategy's completion counts, in the order the user fills them in."""


class StrategyDraft(Model):
    """What an editor writes; every field may be left empty while the strategy is drafted."""

    objective: str = ""
    target_audience: str = ""
    key_messages: tuple[str, ...] = ()
    channels: tuple[Channel, ...] = ()
    tone: str = ""
    budget: Money | None = None
    kpis: tuple[str, ...] = ()
    call_to_action: str = ""
    start: date | None = None
    end: date | None = None
    mandatories: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _window(self) -> Self:
        check_window(self.start, self.end, "the strategy")
        return self

    def completion(self) -> Completion:
        """The share of :data:`REQUIRED_FIELDS` that are filled, and which are missing."""
        missing = [name for name in REQUIRED_FIELDS if not _filled(getattr(self, name))]
        filled = len(REQUIRED_FIELDS) - len(missing)
        # Half up (12.5 → 13), not Python's round-half-to-even.
        percent = (200 * filled + len(REQUIRED_FIELDS)) // (2 * len(REQUIRED_FIELDS))
        return Completion(percent=percent, missing=missing)


def _filled(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, tuple):
        return any(_filled(item) for item in value)
    return True


class Completion(FrozenModel):
    """How complete a strategy is: ``percent`` 0–100 and the ``missing`` field names."""

    percent: int = Field(ge=0, le=100)
    missing: list[str]


class Strategy(Record):
    """One version of a campaign's strategy; exactly one version per campaign is active."""

    campaign_id: Id
    version: int = Field(ge=1, description="The strategy version: 1, 2, ... per campaign.")
    status: StrategyStatus = StrategyStatus.ACTIVE
    draft: StrategyDraft
    created_by: Id
    invalidated_at: Timestamp | None = None
    invalidation_reason: str | None = None
    superseded_by: Id | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def completion(self) -> Completion:
        return self.draft.completion()
