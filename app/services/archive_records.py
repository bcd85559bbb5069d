"""Reading a whole workspace out of a store, and the clash check before one is imported."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from app.domain import (
    ActivityEntry,
    AdPlan,
    Approval,
    Asset,
    AssetQuery,
    Campaign,
    Creative,
    Member,
    Post,
    Record,
    RenderJob,
    Strategy,
    Workspace,
)
from app.domain.assets import MAX_PAGE_SIZE
from app.domain.errors import Conflict, NotFound
from app.ports.repositories import Store

RECORD_TYPES: dict[str, type[Record]] = {
    "workspaces": Workspace,
    "members": Member,
    "campaigns": Campaign,
    "strategies": Strategy,
    "approvals": Approval,
    "creatives": Creative,
    "posts": Post,
    "ad_plans": AdPlan,
    "assets": Asset,
    "render_jobs": RenderJob,
    "activity": ActivityEntry,
}
"""Every record type by its name in the store (``Store.<name>``) and in an archive, in the
order an import writes them (a workspace before its members, an asset before its renders)."""

ALL = -1  # ActivityRepository.list: a negative limit means every entry


async def read_workspace(store: Store, tenant: str, now: datetime) -> dict[str, list[Record]]:
    """Every record of the workspace, by type; :class:`NotFound` if the store has none.

    A workspace used before workspaces had records (its data only) is named by its id.
    """
    campaigns = await store.campaigns.list(tenant)
    found: dict[str, list[Record]] = {
        "members": list(await store.members.list(tenant)),
        "campaigns": list(campaigns),
        "render_jobs": list(await store.render_jobs.list(tenant)),
        "assets": list(await _assets(store, tenant)),
        "activity": list(await store.activity.list(tenant, limit=ALL)),
    }
    for kind in ("strategies", "approvals", "creatives", "posts", "ad_plans"):
        found[kind] = []
        for campaign in campaigns:
            found[kind].extend(await getattr(store, kind).list_for_campaign(tenant, campaign.id))
    try:
        workspace = await store.workspaces.get(tenant, tenant)
    except NotFound:
        if not any(found.values()):
            raise NotFound(f"the workspace {tenant} is not in this store") from None
        workspace = Workspace.named_by_id(tenant, now)
    found["workspaces"] = [workspace]
    return {kind: found[kind] for kind in RECORD_TYPES}


async def _assets(store: Store, tenant: str) -> list[Asset]:
    assets: list[Asset] = []
    while True:
        query = AssetQuery(include_archived=True, limit=MAX_PAGE_SIZE, offset=len(assets))
        page = await store.assets.search(tenant, query)
        assets.extend(page.items)
        if not page.items or len(assets) >= page.total:
            return assets


def media_of(assets: Iterable[Asset]) -> list[str]:
    """The storage keys of the assets' files (not their thumbnails, which can be made again)."""
    return [asset.storage_key for asset in assets]


async def refuse_clashes(
    store: Store, tenant: str, records: Mapping[str, Sequence[Record]]
) -> None:
    """Raise :class:`Conflict`, naming the clash, if the store has the workspace or any of the
    records already (checked before anything is written).

    A record of another workspace with one of the ids cannot be seen from here (reads are
    scoped to a workspace); the write refuses it, and the import is undone.
    """
    named = [record for record in records.get("workspaces", []) if isinstance(record, Workspace)]
    name = named[0].name if named else tenant
    clash = f"the workspace {tenant} ({name}) is already in this store"
    try:
        await store.workspaces.get(tenant, tenant)
    except NotFound:
        pass
    else:
        raise Conflict(f"{clash}: nothing was imported")
    holders = {
        "members": bool(await store.members.list(tenant)),
        "campaigns": bool(await store.campaigns.list(tenant)),
        "render jobs": bool(await store.render_jobs.list(tenant)),
        "assets": bool((await store.assets.search(tenant, _ANY_ASSET)).total),
        "activity entries": bool(await store.activity.list(tenant, limit=1)),
    }
    held = [kind for kind, present in holders.items() if present]
    if held:
        raise Conflict(f"{clash} (it has {', '.join(held)}): nothing was imported")


_ANY_ASSET = AssetQuery(include_archived=True, limit=1)
