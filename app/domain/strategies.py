"""Versioned strategies and their completion."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Self

from pydantic import Field, StringConstraints, computed_field, model_validator

from app.domain.campaigns import Channel, check_window
from app.domain.common import NO_NUL, FrozenModel, Id, Money, Record, Timestamp
from app.domain.enums import StrategyStatus
from app.domain.validation import InputModel

MAX_LONG_TEXT = 2000
"""Characters in the objective and the target audience (a few paragraphs)."""
MAX_SHORT_TEXT = 500
"""Characters in the tone, the call to action and each key message, KPI or mandatory."""
MAX_ITEMS = 20
"""Key messages, channels, KPIs or mandatories at most."""

LongText = Annotated[str, StringConstraints(max_length=MAX_LONG_TEXT), NO_NUL]
ShortText = Annotated[str, StringConstraints(max_length=MAX_SHORT_TEXT), NO_NUL]
Items = Annotated[tuple[ShortText, ...], Field(max_length=MAX_ITEMS)]

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


class StrategyDraft(InputModel):
    """What an editor writes; every field may be left empty while the strategy is drafted.

    Text is bounded (:data:`MAX_LONG_TEXT`, :data:`MAX_SHORT_TEXT`, :data:`MAX_ITEMS`).
    """

    objective: LongText = ""
    target_audience: LongText = ""
    key_messages: Items = ()
    channels: Annotated[tuple[Channel, ...], Field(max_length=MAX_ITEMS)] = ()
    tone: ShortText = ""
    budget: Money | None = None
    kpis: Items = ()
    call_to_action: ShortText = ""
    start: date | None = None
    end: date | None = None
    mandatories: Items = ()

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
