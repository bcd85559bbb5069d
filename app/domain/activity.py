"""The activity log: one entry per mutation, per tenant."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from app.domain.common import Id, NonEmptyStr, Record, Timestamp, utc_now


class ActivityEntry(Record):
    """Who did what to which object, and when.

    ``actor_name`` is the actor's display name as the activity log reads it (see
    :meth:`named`); records are written without it.
    """

    actor_id: Id
    actor_name: str | None = None
    action: NonEmptyStr
    object_type: NonEmptyStr
    object_id: Id
    campaign_id: Id | None = None
    at: Timestamp = Field(default_factory=utc_now)
    details: dict[str, Any] = Field(default_factory=dict)

    def named(self, names: Mapping[str, str]) -> ActivityEntry:
        """This entry with its actor's display name from ``names`` (user id → name), else the
        actor's user id."""
        return self.model_copy(update={"actor_name": names.get(self.actor_id, self.actor_id)})
