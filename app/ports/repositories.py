"""Repository ports: how services read and write records, whatever the database.

Every method takes the tenant first and never returns or changes another tenant's record: such a
record reads as missing (:class:`NotFound`). ``update`` is optimistic: it succeeds only if the
stored ``revision`` still equals the record's, and raises :class:`Conflict` otherwise. ``modify``
is how services change a stored record: it applies a change atomically, so concurrent writers
never lose an update and never see :class:`Conflict` for having raced.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from app.domain import (
    ActivityEntry,
    AdPlan,
    Approval,
    Asset,
    AssetPage,
    AssetQuery,
    Campaign,
    Creative,
    Member,
    Post,
    Record,
    RenderJob,
    RenderStatus,
    Strategy,
    Workspace,
)
from app.ports.change_log import ChangeLog

R = TypeVar("R", bound=Record)


class Repository(Protocol[R]):
    """The operations every record type has."""

    async def get(self, tenant_id: str, record_id: str) -> R:
        """The record, or :class:`NotFound` (also for another tenant's record)."""
        ...

    async def add(self, record: R) -> R:
        """Insert a new record; returns it at revision 1. :class:`Conflict` if its identity is
        taken."""
        ...

    async def add_many(self, records: Sequence[R]) -> None:
        """Insert many new records in one batch: all of them or, on a conflict, none."""
        ...

    async def update(self, record: R) -> R:
        """Write ``record`` if the stored revision equals ``record.revision``; returns it at the
        next revision. :class:`Conflict` if it is stale, :class:`NotFound` if it is gone."""
        ...

    async def modify(
        self,
        tenant_id: str,
        record_id: str,
        change: Callable[[R], R],
        *,
        known: R | None = None,
    ) -> R:
        """Apply ``change`` to the stored record atomically and return what was stored.

        ``change`` gets the current record and returns the new one, or the same object when
        there is nothing to change (then nothing is written). It must be a pure function of the
        record: a store may call it more than once (on a fresher copy each time) but stores
        exactly one result, computed from the record as it was when stored. Errors it raises
        propagate unchanged and nothing is written. ``known``, a copy the caller has just read,
        may save the store a read.

        Concurrent calls on one record are applied one after another, none lost; a racing
        writer never makes this raise :class:`Conflict` (a taken unique key still does).
        :class:`NotFound` if the record is missing or another tenant's.
        """
        ...

    async def delete_many(self, tenant_id: str, record_ids: Sequence[str]) -> int:
        """Delete the tenant's records with these ids (other tenants' are left alone); returns
        how many went. Undoes a batch that could not be finished (a failed import)."""
        ...

    async def delete(self, tenant_id: str, record_id: str) -> None:
        """Delete one record. :class:`NotFound` if it is missing or another tenant's."""
        ...


class WorkspaceRepository(Repository[Workspace], Protocol):
    """Workspaces (tenants); a workspace's ``tenant_id`` is its own ``id``."""


class MemberRepository(Repository[Member], Protocol):
    """Memberships: one per user and workspace, unique on (``tenant_id``, ``user_id``)."""

    async def list_for_user(self, user_id: str) -> list[Member]:
        """Every membership of the user, across workspaces, by workspace id (an indexed query:
        the one read that is not scoped to a tenant)."""
        ...

    async def remove(self, tenant_id: str, user_id: str) -> bool:
        """Delete the user's membership of the workspace; False if there was none."""
        ...

    async def find(self, tenant_id: str, user_id: str) -> Member | None: ...

    # Last: below it, ``list`` in an annotation names this method, not the built-in.
    async def list(self, tenant_id: str) -> list[Member]: ...


class CampaignRepository(Repository[Campaign], Protocol):
    async def list(self, tenant_id: str) -> list[Campaign]:
        """The tenant's campaigns, newest first."""
        ...


class StrategyRepository(Repository[Strategy], Protocol):
    async def list_for_campaign(self, tenant_id: str, campaign_id: str) -> list[Strategy]:
        """Every version of the campaign's strategy, oldest first."""
        ...

    async def find_active(self, tenant_id: str, campaign_id: str) -> Strategy | None: ...


class ApprovalRepository(Repository[Approval], Protocol):
    async def list_for_campaign(self, tenant_id: str, campaign_id: str) -> list[Approval]: ...


class CreativeRepository(Repository[Creative], Protocol):
    async def list_for_campaign(
        self, tenant_id: str, campaign_id: str, *, stale_only: bool = False
    ) -> list[Creative]:
        """The campaign's creatives, oldest first."""
        ...

    async def list_using_asset(self, tenant_id: str, asset_id: str) -> list[Creative]:
        """The creatives whose ``asset_ids`` include ``asset_id``, oldest first."""
        ...

    async def count_using_assets(self, tenant_id: str, asset_ids: Sequence[str]) -> dict[str, int]:
        """How many creatives use each of ``asset_ids``; assets no creative uses are left out."""
        ...

    async def mark_stale(
        self, tenant_id: str, campaign_id: str, strategy_version: int, at: datetime
    ) -> int:
        """Mark every fresh creative made from ``strategy_version`` stale, in one write
        (each changed record's revision goes up); returns how many changed."""
        ...


class PostRepository(Repository[Post], Protocol):
    async def list_for_campaign(self, tenant_id: str, campaign_id: str) -> list[Post]:
        """The campaign's posts in time order."""
        ...


class AdPlanRepository(Repository[AdPlan], Protocol):
    async def list_for_campaign(self, tenant_id: str, campaign_id: str) -> list[AdPlan]: ...


class RenderJobRepository(Repository[RenderJob], Protocol):
    async def list(
        self,
        tenant_id: str,
        *,
        campaign_id: str | None = None,
        statuses: Sequence[RenderStatus] | None = None,
    ) -> list[RenderJob]:
        """The tenant's jobs, newest first, optionally of one campaign and some statuses."""
        ...

    async def claim(
        self,
        *,
        worker_id: str,
        now: datetime,
        lease_until: datetime,
        limit: int = 1,
        room: Mapping[str, int] | None = None,
    ) -> Sequence[RenderJob]:
        """Atomically lease up to ``limit`` of the jobs that need a worker, across tenants.

        A job needs a worker when it is queued or running, its ``available_at`` has come, and it
        has no lease or its lease expired before ``now``. The oldest such jobs are leased to
        ``worker_id`` until ``lease_until`` and returned, oldest first; two claimers never get
        the same lease. With ``room``, only jobs of the providers it names are claimed, at most
        ``room[provider]`` of each (a provider's own concurrency limit).
        """
        ...

    async def find_by_provider_job(self, provider: str, provider_job_id: str) -> RenderJob | None:
        """The job a provider's id belongs to (for webhooks, which carry no tenant)."""
        ...


class AssetRepository(Repository[Asset], Protocol):
    async def search(self, tenant_id: str, query: AssetQuery) -> AssetPage:
        """Apply ``query`` in the seed's filter order; see :class:`AssetQuery`."""
        ...

    async def find_by_sha256(self, tenant_id: str, sha256: str) -> Asset | None: ...

    async def categories(self, tenant_id: str) -> dict[str, int]:
        """Each category in use by the tenant's unarchived assets, with its count, by name."""
        ...

    async def tags(self, tenant_id: str) -> dict[str, int]:
        """Each tag on the tenant's unarchived assets, with how many carry it, by name."""
        ...


class ActivityRepository(Repository[ActivityEntry], Protocol):
    async def list(
        self, tenant_id: str, *, campaign_id: str | None = None, limit: int = 100
    ) -> list[ActivityEntry]:
        """The newest entries first; a negative ``limit`` means all of them (as SQL's)."""
        ...


class Store(Protocol):
    """Every repository of one database, and its lifecycle."""

    @property
    def workspaces(self) -> WorkspaceRepository: ...

    @property
    def members(self) -> MemberRepository: ...

    @property
    def campaigns(self) -> CampaignRepository: ...

    @property
    def strategies(self) -> StrategyRepository: ...

    @property
    def approvals(self) -> ApprovalRepository: ...

    @property
    def creatives(self) -> CreativeRepository: ...

    @property
    def posts(self) -> PostRepository: ...

    @property
    def ad_plans(self) -> AdPlanRepository: ...

    @property
    def render_jobs(self) -> RenderJobRepository: ...

    @property
    def assets(self) -> AssetRepository: ...

    @property
    def activity(self) -> ActivityRepository: ...

    @property
    def changes(self) -> ChangeLog:
        """The log of every logged write, for the change feed."""
        ...

    async def open(self) -> None:
        """Connect, migrate or create indexes; raises :class:`StorageError` with the cause."""
        ...

    async def close(self) -> None: ...

    async def describe(self) -> dict[str, Any]:
        """Facts for ``campaign-studio doctor`` (kind, location, schema, server version, ...)."""
        ...

    def authenticated_user(self) -> str | None:
        """The database user the server authenticated this workstation as, learnt at
        :meth:`open`; None on the embedded file and on a server that does not authenticate."""
        ...
