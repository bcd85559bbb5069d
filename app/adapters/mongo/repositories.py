"""The MongoDB repositories of every record type (see :mod:`app.ports.repositories`)."""

from __future__ import annotations

import builtins
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from app.adapters.mongo.change_log import MongoChangeLog
from app.adapters.mongo.codec import DocumentCodec, as_utc
from app.adapters.mongo.collection import Document, MongoRepository, storage_errors
from app.domain import (
    ActivityEntry,
    AdPlan,
    Approval,
    ApprovalScope,
    Campaign,
    Creative,
    Member,
    Post,
    RenderJob,
    RenderStatus,
    Strategy,
    StrategyStatus,
    Workspace,
)
from app.domain.changes import ChangeAction

Database = AsyncDatabase[Document]

NEWEST_FIRST = [("created_at", -1), ("_id", -1)]
OLDEST_FIRST = [("created_at", 1), ("_id", 1)]
CLAIMABLE = [RenderStatus.QUEUED.value, RenderStatus.RUNNING.value]
_SCOPE_ORDER = {scope: rank for rank, scope in enumerate(ApprovalScope)}


class MongoWorkspaceRepository(MongoRepository[Workspace]):
    """Workspaces (tenants); a workspace's ``tenant_id`` is its own ``id``."""

    def __init__(self, database: Database, changes: MongoChangeLog | None = None) -> None:
        super().__init__(database["workspaces"], DocumentCodec(Workspace, noun="workspace"))
        self._changes = changes


class MongoMemberRepository(MongoRepository[Member]):
    """Members of a workspace; one per user and tenant."""

    def __init__(self, database: Database, changes: MongoChangeLog | None = None) -> None:
        super().__init__(
            database["members"],
            DocumentCodec(Member, noun="member"),
            taken=lambda m: f"user {m.user_id} is already a member of this workspace",
        )
        self._changes = changes

    async def find(self, tenant_id: str, user_id: str) -> Member | None:
        """The user's membership of the tenant, or None."""
        return await self._find_one({"tenant_id": tenant_id, "user_id": user_id})

    async def list_for_user(self, user_id: str) -> list[Member]:
        """Every membership of the user, by workspace id."""
        return await self._find_all({"user_id": user_id}, sort=[("tenant_id", 1)])

    async def remove(self, tenant_id: str, user_id: str) -> bool:
        """Delete the user's membership of the tenant; False if there was none."""
        with storage_errors("remove the member"):
            gone = await self._collection.find_one_and_delete(
                {"tenant_id": tenant_id, "user_id": user_id}
            )
        if gone is None:
            return False
        await self._log([(self._codec.decode(gone), ChangeAction.DELETED)])
        return True

    async def list(self, tenant_id: str) -> list[Member]:
        """The tenant's members by user id."""
        return await self._find_all({"tenant_id": tenant_id}, sort=[("user_id", 1)])


class MongoCampaignRepository(MongoRepository[Campaign]):
    """Campaigns."""

    def __init__(self, database: Database, changes: MongoChangeLog | None = None) -> None:
        codec = DocumentCodec(Campaign, noun="campaign", datetime_fields=("published_at",))
        super().__init__(database["campaigns"], codec)
        self._changes = changes

    async def list(self, tenant_id: str) -> list[Campaign]:
        """The tenant's campaigns, newest first."""
        return await self._find_all({"tenant_id": tenant_id}, sort=NEWEST_FIRST)


class MongoStrategyRepository(MongoRepository[Strategy]):
    """Strategy versions; one per campaign and version number."""

    def __init__(self, database: Database, changes: MongoChangeLog | None = None) -> None:
        super().__init__(
            database["strategies"],
            DocumentCodec(Strategy, noun="strategy", datetime_fields=("invalidated_at",)),
            taken=lambda s: f"strategy version {s.version} already exists",
        )
        self._changes = changes

    async def list_for_campaign(self, tenant_id: str, campaign_id: str) -> list[Strategy]:
        """Every version of the campaign's strategy, oldest first."""
        query = {"tenant_id": tenant_id, "campaign_id": campaign_id}
        return await self._find_all(query, sort=[("version", 1)])

    async def find_active(self, tenant_id: str, campaign_id: str) -> Strategy | None:
        """The active version, or None."""
        query = {
            "tenant_id": tenant_id,
            "campaign_id": campaign_id,
            "status": StrategyStatus.ACTIVE.value,
        }
        return await self._find_one(query, sort=[("version", -1)])


class MongoApprovalRepository(MongoRepository[Approval]):
    """Approvals; one per campaign and scope."""

    def __init__(self, database: Database, changes: MongoChangeLog | None = None) -> None:
        super().__init__(
            database["approvals"],
            DocumentCodec(Approval, noun="approval"),
            taken=lambda a: f"a {a.scope.value} approval already exists for this campaign",
        )
        self._changes = changes

    async def list_for_campaign(self, tenant_id: str, campaign_id: str) -> list[Approval]:
        """The campaign's approvals in scope order: strategy, content, schedule, ads."""
        query = {"tenant_id": tenant_id, "campaign_id": campaign_id}
        approvals = await self._find_all(query, sort=[("_id", 1)])
        return sorted(approvals, key=lambda approval: _SCOPE_ORDER[approval.scope])


class MongoCreativeRepository(MongoRepository[Creative]):
    """Creatives."""

    def __init__(self, database: Database, changes: MongoChangeLog | None = None) -> None:
        super().__init__(database["creatives"], DocumentCodec(Creative, noun="creative"))
        self._changes = changes

    async def list_for_campaign(
        self, tenant_id: str, campaign_id: str, *, stale_only: bool = False
    ) -> list[Creative]:
        """The campaign's creatives (only the stale ones if ``stale_only``), oldest first."""
        query: dict[str, Any] = {"tenant_id": tenant_id, "campaign_id": campaign_id}
        if stale_only:
            query["stale"] = True
        return await self._find_all(query, sort=OLDEST_FIRST)

    async def mark_stale(
        self, tenant_id: str, campaign_id: str, strategy_version: int, at: datetime
    ) -> int:
        """Mark the fresh creatives of ``strategy_version`` stale in one ``update_many``."""
        query = {
            "tenant_id": tenant_id,
            "campaign_id": campaign_id,
            "strategy_version": strategy_version,
            "stale": False,
        }
        update = {"$set": {"stale": True, "updated_at": as_utc(at)}, "$inc": {"revision": 1}}
        with storage_errors("mark the creatives stale"):
            # update_many names no ids: read them first, and change only those (a creative
            # made meanwhile is fresh in the new version and stays out of it).
            found = await self._find_all(query, sort=OLDEST_FIRST)
            ids = [creative.id for creative in found]
            result = await self._collection.update_many({**query, "_id": {"$in": ids}}, update)
        await self._log([(creative, ChangeAction.UPDATED) for creative in found])
        return int(result.modified_count)

    async def list_using_asset(self, tenant_id: str, asset_id: str) -> list[Creative]:
        """The creatives that use the asset, oldest first."""
        query = {"tenant_id": tenant_id, "asset_ids": asset_id}
        return await self._find_all(query, sort=OLDEST_FIRST)

    async def count_using_assets(self, tenant_id: str, asset_ids: Sequence[str]) -> dict[str, int]:
        """Counted here from the creatives' ``asset_ids`` (only that field is read)."""
        wanted = set(asset_ids)
        if not wanted:
            return {}
        query = {"tenant_id": tenant_id, "asset_ids": {"$in": sorted(wanted)}}
        counts: Counter[str] = Counter()
        with storage_errors("count the creatives using the assets"):
            cursor = self._collection.find(query, {"asset_ids": 1, "_id": 0})
            for doc in await cursor.to_list(None):
                counts.update(set(doc.get("asset_ids", ())) & wanted)
        return dict(counts)


def _post_at_utc(post: Post) -> datetime:
    return as_utc(post.at.astimezone(UTC))


class MongoPostRepository(MongoRepository[Post]):
    """Scheduled posts; ``at`` keeps its offset, ``at_utc`` orders them."""

    def __init__(self, database: Database, changes: MongoChangeLog | None = None) -> None:
        codec = DocumentCodec(Post, noun="post", derived={"at_utc": _post_at_utc})
        super().__init__(database["posts"], codec)
        self._changes = changes

    async def list_for_campaign(self, tenant_id: str, campaign_id: str) -> list[Post]:
        """The campaign's posts in time order."""
        query = {"tenant_id": tenant_id, "campaign_id": campaign_id}
        return await self._find_all(query, sort=[("at_utc", 1), ("_id", 1)])


class MongoAdPlanRepository(MongoRepository[AdPlan]):
    """Ad plans."""

    def __init__(self, database: Database, changes: MongoChangeLog | None = None) -> None:
        super().__init__(database["ad_plans"], DocumentCodec(AdPlan, noun="ad plan"))
        self._changes = changes

    async def list_for_campaign(self, tenant_id: str, campaign_id: str) -> list[AdPlan]:
        """The campaign's ad plans, oldest first."""
        query = {"tenant_id": tenant_id, "campaign_id": campaign_id}
        return await self._find_all(query, sort=OLDEST_FIRST)


class MongoRenderJobRepository(MongoRepository[RenderJob]):
    """Render jobs, including the system-wide lease and webhook look-ups."""

    def __init__(self, database: Database, changes: MongoChangeLog | None = None) -> None:
        codec = DocumentCodec(
            RenderJob,
            noun="render job",
            datetime_fields=("available_at", "lease_expires_at", "submitted_at", "finished_at"),
        )
        super().__init__(database["render_jobs"], codec)
        self._changes = changes

    async def list(
        self,
        tenant_id: str,
        *,
        campaign_id: str | None = None,
        statuses: Sequence[RenderStatus] | None = None,
    ) -> list[RenderJob]:
        """The tenant's jobs, newest first, optionally of one campaign and some statuses."""
        query: dict[str, Any] = {"tenant_id": tenant_id}
        if campaign_id is not None:
            query["campaign_id"] = campaign_id
        if statuses is not None:
            query["status"] = {"$in": [RenderStatus(status).value for status in statuses]}
        return await self._find_all(query, sort=NEWEST_FIRST)

    async def claim(
        self,
        *,
        worker_id: str,
        now: datetime,
        lease_until: datetime,
        limit: int = 1,
        room: Mapping[str, int] | None = None,
    ) -> Sequence[RenderJob]:
        """Atomically lease up to ``limit`` of the oldest jobs that need a worker, across
        tenants, at most ``room[provider]`` of each provider named there (when given).

        A job needs a worker when it is queued or running, its ``available_at`` has come and it
        has no lease or its lease expired before ``now``. Each job is leased by its own atomic
        update, so concurrent claimers never share one.
        """
        now = as_utc(now)
        left = None if room is None else {name: n for name, n in room.items() if n > 0}
        claimed: list[RenderJob] = []
        while len(claimed) < limit and left != {}:
            query: dict[str, Any] = {
                "status": {"$in": CLAIMABLE},
                "available_at": {"$lte": now},
                "$or": [{"lease_expires_at": None}, {"lease_expires_at": {"$lt": now}}],
            }
            if left is not None:
                query["provider"] = {"$in": list(left)}
            with storage_errors("claim a render job"):
                doc = await self._collection.find_one_and_update(
                    query,
                    {
                        "$set": {"lease_owner": worker_id, "lease_expires_at": as_utc(lease_until)},
                        "$inc": {"revision": 1},
                    },
                    sort=[("available_at", 1), ("created_at", 1), ("_id", 1)],
                    return_document=ReturnDocument.AFTER,
                )
            if doc is None:
                break
            job = self._codec.decode(doc)
            claimed.append(job)
            if left is not None:
                left[job.provider] -= 1
                if left[job.provider] == 0:
                    del left[job.provider]
        return claimed

    async def find_by_provider_job(self, provider: str, provider_job_id: str) -> RenderJob | None:
        """The job a provider's id belongs to, in any tenant (webhooks carry none)."""
        return await self._find_one({"provider": provider, "provider_job_id": provider_job_id})

    async def active_changed(self, known: Mapping[str, int]) -> builtins.list[RenderJob]:
        """The queued and running jobs, in any tenant, whose revision differs from ``known``'s
        (for the change feed). One query reads them all; only the changed ones are decoded
        into records (the driver's own decoding is cheap; the model's is not)."""
        with storage_errors("read the active render jobs"):
            docs = await self._collection.find({"status": {"$in": CLAIMABLE}}).to_list(None)
        return [self._codec.decode(doc) for doc in docs if known.get(doc["_id"]) != doc["revision"]]


class MongoActivityRepository(MongoRepository[ActivityEntry]):
    """The activity log."""

    def __init__(self, database: Database, changes: MongoChangeLog | None = None) -> None:
        codec = DocumentCodec(ActivityEntry, noun="activity entry", datetime_fields=("at",))
        super().__init__(database["activity"], codec)
        self._changes = changes

    async def list(
        self, tenant_id: str, *, campaign_id: str | None = None, limit: int = 100
    ) -> list[ActivityEntry]:
        """The newest ``limit`` entries first, optionally of one campaign."""
        if limit == 0:
            return []
        query: dict[str, Any] = {"tenant_id": tenant_id}
        if campaign_id is not None:
            query["campaign_id"] = campaign_id
        # Like SQL's LIMIT: a negative limit means no limit (Mongo would read it as a batch size).
        return await self._find_all(query, sort=[("at", -1), ("_id", -1)], limit=max(limit, 0))
