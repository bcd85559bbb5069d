"""Render jobs: one provider render of a creative, with progress, retries and a lease."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from app.domain.common import FrozenModel, Id, NonEmptyStr, Record, Timestamp, utc_now
from app.domain.enums import CreativeKind, RenderStatus

MAX_LOG_LINES = 200
MAX_RETRIES = 3
MAX_INTERRUPTIONS = 3
"""Renders lost with their process (a local render when its app stopped or crashed) that are
rendered again without counting as failed attempts; beyond, each one counts (a render that
keeps taking its process down must end)."""


class RenderProgress(FrozenModel):
    """How far a render is: a fraction 0–1 and, when the provider says, steps done of total."""

    fraction: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    step: Annotated[int, Field(ge=0)] | None = None
    total_steps: Annotated[int, Field(ge=1)] | None = None


class RenderJob(Record):
    """A render of one creative by one provider.

    ``lease_owner``/``lease_expires_at`` say which worker holds the job; a job whose lease expired
    may be claimed by another worker, which resumes polling ``provider_job_id`` instead of
    submitting again. ``available_at`` delays a retry until its backoff has passed.
    """

    campaign_id: Id
    creative_id: Id
    kind: CreativeKind
    prompt: NonEmptyStr
    provider: NonEmptyStr
    params: dict[str, Any] = Field(default_factory=dict)
    status: RenderStatus = RenderStatus.QUEUED
    provider_job_id: str | None = None
    progress: RenderProgress = Field(default_factory=RenderProgress)
    eta_seconds: Annotated[float, Field(ge=0)] | None = None
    logs: tuple[str, ...] = ()
    retries: Annotated[int, Field(ge=0)] = 0
    max_retries: Annotated[int, Field(ge=0, le=10)] = MAX_RETRIES
    error: str | None = None
    result_url: str | None = None
    asset_id: Id | None = None
    """The first output's asset (the one its creative uses until someone picks another)."""
    output_asset_ids: tuple[Id, ...] = ()
    """Every main output's asset, in the provider's order (several when variants were asked
    for with the ``num_outputs`` param)."""
    created_by: Id
    strategy_id: Id | None = None
    strategy_version: int | None = None
    """The strategy version the render was made for (its output belongs to that version)."""
    available_at: Timestamp = Field(default_factory=utc_now)
    lease_owner: str | None = None
    lease_expires_at: Timestamp | None = None
    submitted_at: Timestamp | None = None
    finished_at: Timestamp | None = None
    submissions: Annotated[int, Field(ge=0)] = 0
    interruptions: Annotated[int, Field(ge=0)] = 0
    """Renders lost with the process that ran them, rendered again without using a retry."""
    seen_deliveries: tuple[str, ...] = ()
    """The ids of the webhook deliveries already applied (the newest ones), for exactly-once."""
