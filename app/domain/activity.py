"""The activity log: one entry per mutation, per tenant."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.domain.common import Id, NonEmptyStr, Record, Timestamp, utc_now


class ActivityEntry(Record):
    """Who did what to which object, and when."""

    actor_id: Id
    action: NonEmptyStr
    object_type: NonEmptyStr
    object_id: Id
    campaign_id: Id | None = None
    at: Timestamp = Field(default_factory=utc_now)
    details: dict[str, Any] = Field(default_factory=dict)
