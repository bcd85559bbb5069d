"""Helpers of the workspace archive tests: the service on any store, and a filled workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.adapters.export import ZipWorkspaceArchive
from app.adapters.media import LocalMediaInspector
from app.adapters.sqlite import SqliteStore
from app.adapters.storage import LocalBlobStore
from app.domain import Actor, Asset, RenderStatus, Role
from app.ports.blob_store import BlobStore
from app.ports.clock import SystemClock
from app.ports.repositories import Store
from app.services.access import AccessControl
from app.services.activity_log import ActivityLog
from app.services.context import ServiceContext
from app.services.storage_service import StorageService
from app.services.workspace_archive import WorkspaceArchive
from tests import factories, samples

ANA = Actor(tenant_id="acme", user_id="ana", roles={Role.ADMIN})
CLOCK = SystemClock()


def archive_service(store: Store, blobs: BlobStore) -> WorkspaceArchive:
    """The service over ``store`` and ``blobs``, with embedded-style role checks."""
    context = ServiceContext(
        access=AccessControl(store.members, CLOCK, stored_roles=False),
        activity=ActivityLog(store.activity, CLOCK),
        clock=CLOCK,
    )
    return WorkspaceArchive(
        context=context,
        store=store,
        blobs=blobs,
        archive_file=ZipWorkspaceArchive(),
        app_version="0.1.0-test",
    )


async def fill(store: Store, blobs: BlobStore, folder: Path) -> Asset:
    """The workspace "acme" with records of every type and one uploaded picture; another
    workspace beside it. Returns the picture's asset."""
    await store.workspaces.add(factories.workspace(name="Acme Spring"))
    await store.members.add(factories.member(user_id="ana", roles={"admin"}))
    await store.members.add(factories.member(user_id="vic", roles={"viewer"}))
    storage = StorageService(
        context=ServiceContext(
            access=AccessControl(store.members, CLOCK, stored_roles=False),
            activity=ActivityLog(store.activity, CLOCK),
            clock=CLOCK,
        ),
        assets=store.assets,
        creatives=store.creatives,
        blobs=blobs,
        media=LocalMediaInspector(),
        max_upload_bytes=10 * 1024 * 1024,
    )
    picture = await storage.upload(ANA, samples.png(folder / "hero.png"), tags=["hero"])
    campaign = await store.campaigns.add(factories.campaign())
    strategy = await store.strategies.add(factories.strategy(campaign_id=campaign.id))
    await store.approvals.add(factories.approval(campaign_id=campaign.id))
    creative = await store.creatives.add(
        factories.creative(campaign_id=campaign.id, strategy_id=strategy.id)
    )
    await store.posts.add(factories.post(campaign_id=campaign.id, creative_id=creative.id))
    await store.ad_plans.add(factories.ad_plan(campaign_id=campaign.id))
    await store.render_jobs.add(
        factories.render_job(
            campaign_id=campaign.id,
            status=RenderStatus.PUBLISHED,
            result_url="https://bucket.example/x?X-Amz-Signature=secret",
            asset_id=picture.id,
        )
    )
    await store.render_jobs.add(factories.render_job(campaign_id=campaign.id))  # queued
    await store.campaigns.add(factories.campaign("globex", name="Not theirs"))
    return picture


def comparable(found: dict[str, list[Any]]) -> dict[str, list[dict[str, Any]]]:
    """The records without their revisions (an import starts each record anew)."""
    return {
        kind: sorted(
            (record.model_dump(mode="json", exclude={"revision"}) for record in records),
            key=lambda doc: str(doc["id"]),
        )
        for kind, records in found.items()
    }


async def exported_archive(folder: Path) -> Path:
    """An archive of a filled workspace "acme" of an embedded store and media folder."""
    store = SqliteStore(folder / "exported.sqlite3")
    await store.open()
    try:
        blobs = LocalBlobStore(folder / "exported-media")
        await fill(store, blobs, folder)
        path = folder / "backups" / "acme.zip"
        await archive_service(store, blobs).export(ANA, path)
    finally:
        await store.close()
    return path
