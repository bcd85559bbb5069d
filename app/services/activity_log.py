"""The activity log: every mutation, recorded per tenant (who, what, when, which object)."""

from __future__ import annotations

from typing import Any

from app.domain import ActivityEntry, Actor
from app.ports.clock import Clock
from app.ports.repositories import ActivityRepository
from app.services.member_names import MemberNames


class ActivityLog:
    """Writes and reads the tenant's activity entries.

    Args:
        entries: where the entries are stored.
        clock: the time of a new entry.
        names: the members' display names; given, :meth:`recent` shows who acted by name.
    """

    def __init__(
        self, entries: ActivityRepository, clock: Clock, *, names: MemberNames | None = None
    ) -> None:
        self._entries = entries
        self._clock = clock
        self._names = names

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
        """The actor's tenant's newest entries first, each with its actor's display name
        (``actor_name``; the user id when they have none)."""
        entries = await self._entries.list(actor.tenant_id, campaign_id=campaign_id, limit=limit)
        if self._names is None:
            return entries
        return await self._names.entries(actor.tenant_id, entries)
