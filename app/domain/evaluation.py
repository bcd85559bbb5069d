"""What the prompting engine returns: a score with its parts, recommendations and blockers."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.domain.common import FrozenModel, Timestamp


class ScorePart(FrozenModel):
    """One part of the score: ``points`` earned of ``weight``, and why."""

    name: str
    points: Annotated[float, Field(ge=0)]
    weight: Annotated[float, Field(gt=0)]
    detail: str

    @property
    def share(self) -> float:
        return self.points / self.weight


class Blocker(FrozenModel):
    """One reason the campaign cannot be published, and the object it concerns."""

    code: str
    message: str
    target_type: str | None = None
    target_id: str | None = None


class Recommendation(FrozenModel):
    """A next action, why it matters, and the object it is about (for "take me there")."""

    rank: int
    action: str
    reason: str
    target_type: str | None = None
    target_id: str | None = None


class Evaluation(FrozenModel):
    """The prompting engine's verdict on a campaign.

    ``suggestions`` are the AI model's ideas when one is configured and has answered;
    ``suggestions_pending`` says they are being fetched (a later evaluation will carry them).
    """

    campaign_id: str
    score: Annotated[int, Field(ge=0, le=100)]
    parts: list[ScorePart]
    recommendations: list[Recommendation]
    blockers: list[Blocker]
    suggestions: list[str] = Field(default_factory=list)
    suggestions_pending: bool = False
    evaluated_at: Timestamp
