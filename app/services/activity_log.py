"""The activity log: every mutation, recorded per tenant (who, what, when, which object)."""

from __future__ import annotations

from typing import Any

from app.domain import ActivityEntry, Actor
from app.ports.clock import Clock
from app.ports.repositories import ActivityRepository


class ActivityLog:
    """Writes and reads the tenant's activity entries."""

    def __init__(self, entries: ActivityRepository, clock: Clock) -> None:
        self._entries = entries
        self._clock = clock

    async def record(
        self,
        actor: Actor,
        action: str,
        *,
        object_type: str,
        object_id: str,
        campaign_id: str | None = None,
        **details: Any,
    ) -> ActivityEntry:
        """Append one entry, e.g. ``record(ana, "asset.archived", object_type="asset", ...)``."""
        now = self._clock.now()
        entry = ActivityEntry(
            tenant_id=actor.tenant_id,
            actor_id=actor.user_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            campaign_id=campaign_id,
            at=now,
            created_at=now,
            updated_at=now,
            details=details,
        )
        return await self._entries.add(entry)

    async def recent(
        self, actor: Actor, *, campaign_id: str | None = None, limit: int = 100
    ) -> list[ActivityEntry]:
        """The actor's tenant's newest entries first."""
        return await self._entries.list(actor.tenant_id, campaign_id=campaign_id, limit=limit)
