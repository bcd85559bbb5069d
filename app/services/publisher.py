"""The publish bundle: what a published campaign hands to the channels' people and tools."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

from app.domain import Actor, Asset, Campaign, CampaignStatus
from app.domain.campaigns import PublishListener, PublishProgress
from app.domain.errors import NotFound, PublishBlocked
from app.domain.file_names import safe_name
from app.domain.guidance import CampaignSnapshot
from app.ports.blob_store import BlobStore, StagedBlob
from app.ports.bundle import BundleFile, BundleWriter, PreparedBundle
from app.ports.repositories import AssetRepository, CampaignRepository
from app.services.calendar_export import render_calendar

MANIFEST_VERSION = 1
MAX_BUNDLE_BYTES = 64 * 2**30
"""The largest bundle archive shared through the blob store (a sanity bound, not a quota)."""


def _file_name(asset: Asset) -> str:
    """The asset's file name in the bundle: its id's start (names may repeat) and its own
    name, letters of every script kept."""
    return safe_name(f"{asset.id[:12]}-{asset.filename}")


@contextlib.asynccontextmanager
async def _temporary_zip() -> AsyncIterator[Path]:
    """A private temporary file for a bundle archive on its way to or from the blob store."""

    def make() -> Path:
        handle, name = tempfile.mkstemp(prefix="campaign-studio-bundle-", suffix=".zip")
        os.close(handle)
        return Path(name)

    archive = await asyncio.to_thread(make)
    try:
        yield archive
    finally:
        await asyncio.to_thread(archive.unlink, missing_ok=True)


def _archive_key(staged: StagedBlob) -> str:
    """Where a shared bundle archive is stored: by its content, like the media."""
    return f"bundles/{staged.sha256[:2]}/{staged.sha256}.zip"


class Publisher:
    """Builds the manifest, gathers the files and writes the bundle through a BundleWriter.

    Args:
        share: also store each bundle, packed as one zip file, in the blob store, so that a
            teammate on another workstation can download it (on for shared media: R2).
    """

    def __init__(
        self,
        *,
        campaigns: CampaignRepository,
        assets: AssetRepository,
        blobs: BlobStore,
        writer: BundleWriter,
        share: bool = False,
    ) -> None:
        self._campaigns = campaigns
        self._assets = assets
        self._blobs = blobs
        self._writer = writer
        self._share = share

    async def publish(
        self,
        actor: Actor,
        snapshot: CampaignSnapshot,
        *,
        published_at: datetime,
        progress: PublishListener | None = None,
    ) -> Campaign:
        """Write the bundle of ``snapshot`` and mark the campaign published, all or nothing.

        The campaign is claimed first (of concurrent publishes, one wins this conditional
        write; the others get PublishBlocked), then the bundle is made visible; a lost claim or
        a failed rename leaves no bundle and no claim. A shared bundle is uploaded before the
        rename; an upload that fails fails the publish the same way.
        """
        tell = progress or (lambda _progress: None)
        bundle = await self.prepare(actor, snapshot, published_at=published_at, progress=tell)
        try:
            if self._share:
                tell(PublishProgress("Packing the bundle to share it"))
            shared = await self._pack(bundle) if self._share else None
        except BaseException:
            await self.discard(bundle)
            raise
        key = _archive_key(shared) if shared else None
        version = snapshot.version
        previous: Campaign | None = None

        def claim(campaign: Campaign) -> Campaign:
            nonlocal previous
            if campaign.published_at and campaign.published_strategy_version == version:
                raise PublishBlocked([f"strategy version {version} is already published"])
            previous = campaign
            return campaign.model_copy(
                update={
                    "status": CampaignStatus.PUBLISHED,
                    "published_at": published_at,
                    "published_strategy_version": version,
                    "bundle_path": str(bundle.target),
                    "bundle_key": key,
                    "updated_at": published_at,
                }
            )

        campaign_id = snapshot.campaign.id
        tell(PublishProgress("Marking the campaign published"))
        try:
            published = await self._campaigns.modify(actor.tenant_id, campaign_id, claim)
        except BaseException:
            await self.discard(bundle)
            if shared:
                await self._blobs.discard(shared)
            raise
        try:
            if shared and key:
                tell(PublishProgress("Uploading the bundle to the team's media storage"))
                await self._blobs.commit(shared, key, content_type="application/zip")
            await self.commit(bundle)
        except BaseException:
            await self.discard(bundle)
            if previous is not None:
                restore = {
                    key: getattr(previous, key)
                    for key in (
                        "status",
                        "published_at",
                        "published_strategy_version",
                        "bundle_path",
                        "bundle_key",
                    )
                }
                await self._campaigns.modify(
                    actor.tenant_id,
                    campaign_id,
                    lambda campaign: campaign.model_copy(update=restore),
                )
            raise
        return published

    async def fetch(self, bundle_path: str, bundle_key: str | None) -> Path:
        """A bundle's folder on this workstation: the one written here (``bundle_path``), or
        else its shared copy (``bundle_key``) downloaded and unpacked into the exports folder.

        Raises:
            NotFound: the bundle is neither here nor shared.
        """
        written = Path(bundle_path)
        here = await self._writer.find(written.name)
        if here is not None:
            return here
        if not bundle_key:
            raise NotFound(
                f"the bundle {written.name!r} was written on another workstation and not "
                "shared: bundles are shared when media are stored in R2"
            )
        async with _temporary_zip() as archive:
            await self._blobs.download(bundle_key, archive)
            return await self._writer.extract(archive, written.name)

    async def _pack(self, bundle: PreparedBundle) -> StagedBlob:
        """The prepared bundle as one zip file, staged in the blob store."""
        async with _temporary_zip() as archive:
            await self._writer.archive(bundle, archive)
            return await self._blobs.stage(archive, max_bytes=MAX_BUNDLE_BYTES)

    async def prepare(
        self,
        actor: Actor,
        snapshot: CampaignSnapshot,
        *,
        published_at: datetime,
        progress: PublishListener | None = None,
    ) -> PreparedBundle:
        """Write the bundle of ``snapshot``, not yet visible (see :class:`BundleWriter`)."""
        campaign = snapshot.campaign
        creatives = {creative.id: creative for creative in snapshot.creatives}
        used = [post.creative_id for post in snapshot.posts]
        used += [cid for plan in snapshot.ad_plans for cid in plan.creative_ids]
        asset_ids = list(
            dict.fromkeys(
                asset_id for cid in dict.fromkeys(used) for asset_id in creatives[cid].asset_ids
            )
        )
        assets = [await self._assets.get(actor.tenant_id, asset_id) for asset_id in asset_ids]
        files = {asset.id: _file_name(asset) for asset in assets}
        manifest = self._manifest(actor, snapshot, assets, files, published_at)
        calendar = render_calendar(campaign, snapshot.posts, creatives, generated_at=published_at)
        name = (
            f"{campaign.name}-v{snapshot.version}-{published_at:%Y%m%dT%H%M%SZ}-{campaign.id[-6:]}"
        )
        step = "Copying the media into the bundle"
        tell = progress or (lambda _progress: None)
        tell(PublishProgress(step, 0, len(assets)))
        return await self._writer.prepare(
            name,
            manifest=manifest,
            calendar=calendar,
            files=[BundleFile(name=files[a.id], key=a.storage_key) for a in assets],
            blobs=self._blobs,
            on_file=lambda copied: tell(PublishProgress(step, copied, len(assets))),
        )

    async def commit(self, bundle: PreparedBundle) -> Path:
        return await self._writer.commit(bundle)

    async def discard(self, bundle: PreparedBundle) -> None:
        await self._writer.discard(bundle)

    @staticmethod
    def _manifest(
        actor: Actor,
        snapshot: CampaignSnapshot,
        assets: list[Asset],
        files: dict[str, str],
        published_at: datetime,
    ) -> dict[str, Any]:
        campaign, strategy = snapshot.campaign, snapshot.strategy
        return {
            "manifest_version": MANIFEST_VERSION,
            "published_at": published_at.isoformat(),
            "published_by": actor.user_id,
            "campaign": campaign.model_dump(
                mode="json", include={"id", "name", "description", "channels", "start", "end"}
            ),
            "strategy": strategy.model_dump(mode="json", include={"id", "version", "draft"})
            if strategy
            else None,
            "approvals": {
                scope.value: {
                    "state": approval.state.value,
                    "strategy_version": approval.strategy_version,
                    "approved_by": [vote.user_id for vote in approval.votes],
                    "required_approvals": approval.required_approvals,
                }
                for scope, approval in snapshot.approvals.items()
            },
            "creatives": [
                creative.model_dump(
                    mode="json",
                    include={
                        "id",
                        "kind",
                        "title",
                        "body",
                        "channel",
                        "strategy_version",
                        "asset_ids",
                    },
                )
                for creative in snapshot.creatives
                if not creative.stale
            ],
            "posts": [
                post.model_dump(mode="json", include={"id", "creative_id", "channel", "at"})
                for post in snapshot.posts
            ],
            "ad_plans": [
                plan.model_dump(
                    mode="json",
                    include={
                        "id",
                        "name",
                        "channel",
                        "budget",
                        "audience",
                        "creative_ids",
                        "start",
                        "end",
                    },
                )
                for plan in snapshot.ad_plans
            ],
            "assets": [
                {
                    "id": asset.id,
                    "file": f"assets/{files[asset.id]}",
                    "filename": asset.filename,
                    "type": asset.type.value,
                    "content_type": asset.content_type,
                    "size": asset.size,
                    "sha256": asset.sha256,
                }
                for asset in assets
            ],
            "calendar": "schedule.ics",
        }
