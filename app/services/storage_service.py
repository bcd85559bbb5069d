"""StorageService: the asset library — upload, search, tag, categorise, archive, reuse.

Storing a new file (staging, inspecting, de-duplicating, pictures) is
:class:`~app.services.asset_intake.AssetIntake`'s work; this service checks who asks first.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.domain import Actor, Asset, AssetPage, AssetQuery, AssetType, Role
from app.domain.assets import (
    MAX_USAGE_IDS,
    ArchiveResult,
    StoredFile,
    clean_category,
    clean_tags,
    merged_tags,
)
from app.domain.errors import InvalidInput, NotFound
from app.domain.validation import article, describe
from app.ports.blob_store import BlobStore
from app.ports.media import MediaInspector
from app.ports.repositories import AssetRepository, CreativeRepository
from app.services.asset_intake import AssetIntake
from app.services.context import ServiceContext
from app.services.operations import public_calls

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"  # the last chunk of every whole PNG

TEXT_PREVIEW_CHARS = 4000
"""How much of a text asset :meth:`StorageService.text` gives by default."""

log = logging.getLogger(__name__)


@public_calls
class StorageService:
    """The asset library of the seed's "Storage Service (Enhanced)".

    Bytes live in a :class:`BlobStore` under content-addressed keys; records in the asset
    repository. Upload streams the file once (hashing while copying), deduplicates per tenant,
    detects the type from the content, and makes a thumbnail off the event loop; a file that turns
    out to be bad leaves neither a blob nor a record behind.
    """

    def __init__(
        self,
        *,
        context: ServiceContext,
        assets: AssetRepository,
        creatives: CreativeRepository,
        blobs: BlobStore,
        media: MediaInspector,
        max_upload_bytes: int,
    ) -> None:
        self._assets = assets
        self._creatives = creatives
        self._blobs = blobs
        self._access = context.access
        self._activity = context.activity
        self._clock = context.clock
        self._intake = AssetIntake(
            assets=assets,
            blobs=blobs,
            media=media,
            activity=context.activity,
            clock=context.clock,
            max_upload_bytes=max_upload_bytes,
        )

    # ------------------------------------------------------------------ adding assets

    async def upload(
        self,
        actor: Actor,
        path: str | Path,
        *,
        tags: Iterable[str] = (),
        category: str | None = None,
    ) -> Asset:
        """Put a file into the library; the same bytes again return the existing asset.

        Like :meth:`add_file`, for callers that need neither progress nor the duplicate flag.

        Args:
            actor: an editor (or higher) of the workspace.
            path: the file to upload (read, never modified).
            tags: tags to give it (merged into the existing asset's when it is a duplicate).
            category: a category for it, if any.

        Raises:
            InvalidInput: missing, empty, oversize, unreadable or unknown file, or a bad tag.
        """
        return (await self.add_file(actor, path, tags=tags, category=category)).asset

    async def add_file(
        self,
        actor: Actor,
        path: str | Path,
        *,
        tags: Iterable[str] = (),
        category: str | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> StoredFile:
        """Put a file into the library, saying whether its bytes were there already.

        ``duplicate`` is true when the workspace's library already held the same bytes (also
        when another upload stored them a moment earlier): that asset is returned, with the
        tags merged, the category set if it had none, and brought back from the archive.

        ``progress`` is told the fraction done, from 0.0 to 1.0, always on the event loop's
        thread: reading the file counts for the first half, storing it for the second. The
        fractions only grow; the last one is exactly 1.0, reported once the asset is saved
        (for a duplicate, once its tags are merged) and before this returns. A call that fails
        never reports 1.0.

        Args:
            actor: an editor (or higher) of the workspace.
            path: the file to upload (read, never modified).
            tags: tags to give it (merged into the existing asset's when it is a duplicate).
            category: a category for it, if any.
            progress: called with the fraction done; it should return quickly.

        Raises:
            InvalidInput: missing, empty, oversize, unreadable or unknown file, or a bad tag.
        """
        await self._access.require(actor, Role.EDITOR, "upload to the library")
        wanted_tags, wanted_category = clean_tags(tags), clean_category(category)
        return await self._intake.add_file(
            actor, Path(path), wanted_tags, wanted_category, progress
        )

    async def ingest(
        self,
        actor: Actor,
        source: Path | AsyncIterator[bytes],
        *,
        filename: str,
        render_job_id: str,
        tags: Iterable[str] = (),
        category: str | None = None,
    ) -> Asset:
        """Add a render's output (a file or a stream of chunks) as an asset linked to its job."""
        await self._access.require(actor, Role.EDITOR, "add render results to the library")
        wanted_tags, wanted_category = clean_tags(tags), clean_category(category)
        stored = await self._intake.add_render(
            actor, source, filename, render_job_id, wanted_tags, wanted_category
        )
        return stored.asset

    async def store_text(
        self, actor: Actor, text: str, *, filename: str, tags: Iterable[str] = ()
    ) -> Asset:
        """Keep a piece of copy in the library as a UTF-8 text asset (deduplicated like any)."""
        await self._access.require(actor, Role.EDITOR, "add copy to the library")
        stored = await self._intake.add_text(actor, text, filename, clean_tags(tags))
        return stored.asset

    # ------------------------------------------------------------------ finding assets

    async def search(self, actor: Actor, query: AssetQuery | Mapping[str, Any]) -> AssetPage:
        """The actor's library filtered in the seed's order (see :class:`AssetQuery`).

        Raises:
            InvalidInput: the query is malformed (negative offset, limit outside 1–500, ...).
        """
        await self._access.require(actor, Role.VIEWER, "search the library")
        if not isinstance(query, AssetQuery):
            try:
                query = AssetQuery.model_validate(dict(query))
            except ValidationError as exc:
                raise InvalidInput(f"invalid search: {describe(exc)}") from None
        return await self._assets.search(actor.tenant_id, query)

    async def get(self, actor: Actor, asset_id: str) -> Asset:
        await self._access.require(actor, Role.VIEWER, "open assets")
        return await self._assets.get(actor.tenant_id, asset_id)

    async def categories(self, actor: Actor) -> dict[str, int]:
        """The categories in use with their asset counts, by name."""
        await self._access.require(actor, Role.VIEWER, "list categories")
        return await self._assets.categories(actor.tenant_id)

    async def tags(self, actor: Actor) -> dict[str, int]:
        """The tags on the workspace's unarchived assets with how many carry each, by name."""
        await self._access.require(actor, Role.VIEWER, "list tags")
        return await self._assets.tags(actor.tenant_id)

    async def usage(self, actor: Actor, asset_id: str) -> list[str]:
        """The ids of the creatives that use the asset, oldest first."""
        await self._access.require(actor, Role.VIEWER, "see where assets are used")
        await self._assets.get(actor.tenant_id, asset_id)
        creatives = await self._creatives.list_using_asset(actor.tenant_id, asset_id)
        return [creative.id for creative in creatives]

    async def usage_counts(self, actor: Actor, asset_ids: Iterable[str]) -> dict[str, int]:
        """How many creatives use each asset of ``asset_ids`` (the library's "used by"
        column); an asset no creative uses, or not of the actor's workspace, is left out.

        Raises:
            InvalidInput: ``asset_ids`` is a single string, holds something else than ids, or
                more than :data:`MAX_USAGE_IDS` of them.
        """
        await self._access.require(actor, Role.VIEWER, "see where assets are used")
        if isinstance(asset_ids, str | bytes):
            raise InvalidInput("asset_ids must be a list of asset ids, not one string")
        ids = list(dict.fromkeys(asset_ids))
        if not all(isinstance(asset_id, str) and asset_id for asset_id in ids):
            raise InvalidInput("asset_ids must hold asset ids (non-empty strings) only")
        if len(ids) > MAX_USAGE_IDS:
            raise InvalidInput(f"at most {MAX_USAGE_IDS:,} asset ids at a time, not {len(ids):,}")
        return await self._creatives.count_using_assets(actor.tenant_id, ids)

    async def url(self, actor: Actor, asset_id: str) -> str:
        """A URL to view the asset's file (a file: URL, a presigned URL or a public URL)."""
        asset = await self.get(actor, asset_id)
        return await self._blobs.url(asset.storage_key)

    async def thumbnail(self, actor: Actor, asset_id: str) -> bytes | None:
        """The asset's 256 px PNG thumbnail, or None for files that have none.

        Thumbnails and poster frames are written without waiting for the disk (they are made
        from the file): one that a power cut lost or left incomplete is made again here.
        """
        asset = await self.get(actor, asset_id)
        if asset.thumbnail_key is None:
            return None
        try:
            data = await self._blobs.read_bytes(asset.thumbnail_key)
        except NotFound:
            data = b""
        if data.startswith(_PNG_SIGNATURE) and data.endswith(_PNG_END):
            return data
        log.warning("the thumbnail of asset %s is missing or incomplete: making it again", asset.id)
        return await self._intake.make_pictures_again(asset)

    async def text(self, actor: Actor, asset_id: str, *, limit: int = TEXT_PREVIEW_CHARS) -> str:
        """The beginning of a text asset, at most ``limit`` characters (a preview of its copy).

        Raises:
            InvalidInput: The asset is not a text, or ``limit`` is not positive.
        """
        if limit < 1:
            raise InvalidInput(f"limit must be a positive number of characters, not {limit}")
        asset = await self.get(actor, asset_id)
        if asset.type is not AssetType.TEXT:
            kind = asset.type.value
            raise InvalidInput(f"{asset.filename} is not a text but {article(kind)} {kind}")
        data = await self._blobs.read_bytes(asset.storage_key)
        # A character is at most 4 bytes in UTF-8: never decode more than the preview needs.
        return data[: 4 * limit].decode("utf-8", errors="replace")[:limit]

    # ------------------------------------------------------------------ changing assets

    async def tag(
        self,
        actor: Actor,
        asset_id: str,
        *,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
    ) -> Asset:
        """Add and remove tags (normalised; removing an absent tag is not an error)."""
        await self._access.require(actor, Role.EDITOR, "tag assets")
        added, removed = clean_tags(add), set(clean_tags(remove))

        def change(asset: Asset) -> Asset:
            tags = tuple(tag for tag in merged_tags(asset.tags, added) if tag not in removed)
            if tags == asset.tags:
                return asset
            return asset.model_copy(update={"tags": tags, "updated_at": self._clock.now()})

        tagged = await self._assets.modify(actor.tenant_id, asset_id, change)
        await self._activity.record(
            actor,
            "asset.tagged",
            object_type="asset",
            object_id=asset_id,
            added=list(added),
            removed=sorted(removed),
        )
        return tagged

    async def set_category(self, actor: Actor, asset_id: str, category: str | None) -> Asset:
        """File the asset under ``category`` (None or blank: no category)."""
        await self._access.require(actor, Role.EDITOR, "categorise assets")
        wanted = clean_category(category)

        def change(asset: Asset) -> Asset:
            if asset.category == wanted:
                return asset
            return asset.model_copy(update={"category": wanted, "updated_at": self._clock.now()})

        changed = await self._assets.modify(actor.tenant_id, asset_id, change)
        await self._activity.record(
            actor, "asset.categorised", object_type="asset", object_id=asset_id, category=wanted
        )
        return changed

    async def archive(self, actor: Actor, asset_id: str) -> ArchiveResult:
        """Hide the asset from default searches. Allowed while creatives use it; the result
        lists them (``used_by``) so the user can be told."""
        await self._access.require(actor, Role.EDITOR, "archive assets")
        archived = await self._set_archived(actor, asset_id, archived=True)
        used_by = await self._creatives.list_using_asset(actor.tenant_id, asset_id)
        return ArchiveResult(asset=archived, used_by=[creative.id for creative in used_by])

    async def unarchive(self, actor: Actor, asset_id: str) -> Asset:
        """Bring an archived asset back into default searches."""
        await self._access.require(actor, Role.EDITOR, "restore archived assets")
        return await self._set_archived(actor, asset_id, archived=False)

    async def _set_archived(self, actor: Actor, asset_id: str, *, archived: bool) -> Asset:
        def change(asset: Asset) -> Asset:
            if asset.archived == archived:
                return asset
            now = self._clock.now()
            return asset.model_copy(
                update={
                    "archived": archived,
                    "archived_at": now if archived else None,
                    "updated_at": now,
                }
            )

        changed = await self._assets.modify(actor.tenant_id, asset_id, change)
        action = "asset.archived" if archived else "asset.unarchived"
        await self._activity.record(actor, action, object_type="asset", object_id=asset_id)
        return changed
