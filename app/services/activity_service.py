"""ActivityService: the workspace's activity log, as the UI reads it."""

from __future__ import annotations

from app.domain import ActivityEntry, Actor, Role
from app.services.activity_log import ActivityLog
from app.services.context import ServiceContext
from app.services.operations import public_calls


@public_calls
class ActivityService:
    """Who did what, when, on which object: the entries the services record as they change
    things (they write them; this only reads).

    Args:
        context: role checks.
        log: the activity log the services write.
    """

    def __init__(self, *, context: ServiceContext, log: ActivityLog) -> None:
        self._access = context.access
        self._log = log

    async def recent(
        self, actor: Actor, *, campaign_id: str | None = None, limit: int = 100
    ) -> list[ActivityEntry]:
        """The workspace's newest entries first (of one campaign if ``campaign_id``), each with
        its actor's display name (``actor_name``; the user id when they have none)."""
        await self._access.require(actor, Role.VIEWER, "see the activity log")
        return await self._log.recent(actor, campaign_id=campaign_id, limit=limit)
