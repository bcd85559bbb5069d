"""StorageService: the asset library — upload, search, tag, categorise, archive, reuse."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mimetypes
import re
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.domain import Actor, Asset, AssetPage, AssetQuery, AssetSource, Role
from app.domain.assets import (
    ArchiveResult,
    StoredFile,
    clean_category,
    clean_tags,
    merged_tags,
)
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.validation import describe
from app.ports.blob_store import HEAD_SIZE, BlobStore, SmallBlob, StagedBlob, TransferProgress
from app.ports.media import MediaInfo, MediaInspector
from app.ports.repositories import AssetRepository, CreativeRepository
from app.services.context import ServiceContext
from app.services.operations import public_calls

_SAFE_FOLDER = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Files up to this size are inspected while the library is searched for the same bytes.
INSPECT_ALONGSIDE_MAX_BYTES = 8 * 1024 * 1024
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"  # the last chunk of every whole PNG

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
        self._media = media
        self._access = context.access
        self._activity = context.activity
        self._clock = context.clock
        self._max_upload_bytes = max_upload_bytes

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
        source = Path(path)
        tracker = _FileProgress(progress) if progress is not None else None
        staged = await self._blobs.stage(
            source,
            max_bytes=self._max_upload_bytes,
            progress=tracker.reading if tracker else None,
        )
        stored = await self._store(
            actor,
            staged,
            source.name,
            wanted_tags,
            wanted_category,
            AssetSource.UPLOAD,
            None,
            progress=tracker.storing if tracker else None,
        )
        if tracker is not None:
            await tracker.finish()
        return stored

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
        if isinstance(source, Path):
            staged = await self._blobs.stage(source, max_bytes=self._max_upload_bytes)
        else:
            staged = await self._blobs.stage_stream(source, max_bytes=self._max_upload_bytes)
        stored = await self._store(
            actor, staged, filename, wanted_tags, wanted_category, AssetSource.RENDER, render_job_id
        )
        return stored.asset

    async def store_text(
        self, actor: Actor, text: str, *, filename: str, tags: Iterable[str] = ()
    ) -> Asset:
        """Keep a piece of copy in the library as a UTF-8 text asset (deduplicated like any)."""
        await self._access.require(actor, Role.EDITOR, "add copy to the library")
        wanted_tags = clean_tags(tags)

        async def chunks() -> AsyncIterator[bytes]:
            yield text.encode("utf-8")

        staged = await self._blobs.stage_stream(chunks(), max_bytes=self._max_upload_bytes)
        stored = await self._store(
            actor, staged, filename, wanted_tags, None, AssetSource.UPLOAD, None
        )
        return stored.asset

    async def _store(
        self,
        actor: Actor,
        staged: StagedBlob,
        filename: str,
        tags: tuple[str, ...],
        category: str | None,
        source: AssetSource,
        render_job_id: str | None,
        *,
        progress: TransferProgress | None = None,
    ) -> StoredFile:
        """Commit ``staged`` as a new asset, or reuse the asset that has the same bytes.

        ``progress`` is passed to the blob store's commit."""
        asset: Asset | None = None
        try:
            info = await self._lookup_and_inspect(actor, staged, filename)
            if isinstance(info, Asset):  # the same bytes are in the library already
                await self._blobs.discard(staged)
                return StoredFile(await self._reuse(actor, info, tags, category), duplicate=True)
            asset = self._new_asset(
                actor, staged, filename, info, tags, category, source, render_job_id
            )
            await self._blobs.commit(
                staged,
                asset.storage_key,
                content_type=info.content_type,
                alongside=_pictures(asset, info),
                progress=progress,
            )
            stored = await self._assets.add(asset)
        except Conflict:
            # Someone stored the same bytes a moment ago; their blobs are ours (same keys).
            await self._blobs.discard(staged)
            winner = await self._assets.find_by_sha256(actor.tenant_id, staged.sha256)
            if winner is None:
                raise
            return StoredFile(await self._reuse(actor, winner, tags, category), duplicate=True)
        except BaseException:
            await self._blobs.discard(staged)
            if asset is not None:
                await self._remove_orphans(asset)
            raise
        await self._activity.record(
            actor,
            "asset.added",
            object_type="asset",
            object_id=stored.id,
            filename=stored.filename,
            source=stored.source.value,
        )
        return StoredFile(stored, duplicate=False)

    async def _lookup_and_inspect(
        self, actor: Actor, staged: StagedBlob, filename: str
    ) -> Asset | MediaInfo:
        """The tenant's asset with the same bytes, or else what the file is.

        A small file is inspected while the library is searched (one wait instead of two;
        the inspection is wasted, and its error ignored, when the bytes are already there); a
        large one, whose inspection may run ffmpeg, only once the search has found nothing.
        """
        lookup = self._assets.find_by_sha256(actor.tenant_id, staged.sha256)
        if staged.size > INSPECT_ALONGSIDE_MAX_BYTES:
            return await lookup or await self._inspect(staged, filename)
        existing, info = await asyncio.gather(
            lookup, self._inspect(staged, filename), return_exceptions=True
        )
        if isinstance(existing, BaseException):
            raise existing
        if existing is not None:
            return existing
        if isinstance(info, BaseException):
            raise info
        return info

    async def _inspect(self, staged: StagedBlob, filename: str) -> MediaInfo:
        return await self._media.inspect(staged.path, head=staged.head, filename=filename)

    def _new_asset(
        self,
        actor: Actor,
        staged: StagedBlob,
        filename: str,
        info: MediaInfo,
        tags: tuple[str, ...],
        category: str | None,
        source: AssetSource,
        render_job_id: str | None,
    ) -> Asset:
        folder = _tenant_folder(actor.tenant_id)
        sha = staged.sha256
        extension = mimetypes.guess_extension(info.content_type) or ".bin"
        now = self._clock.now()
        try:
            return Asset(
                tenant_id=actor.tenant_id,
                type=info.type,
                filename=filename,
                content_type=info.content_type,
                size=staged.size,
                sha256=sha,
                storage_key=f"assets/{folder}/{sha[:2]}/{sha}{extension}",
                thumbnail_key=f"thumbnails/{folder}/{sha}.png" if info.thumbnail else None,
                poster_key=f"posters/{folder}/{sha}.png" if info.poster else None,
                tags=tags,
                category=category,
                uploaded_at=now,
                created_at=now,
                updated_at=now,
                uploaded_by=actor.user_id,
                width=info.width,
                height=info.height,
                duration_seconds=info.duration_seconds,
                source=source,
                render_job_id=render_job_id,
            )
        except ValidationError as exc:
            raise InvalidInput(f"{filename}: {describe(exc)}") from None

    async def _remove_orphans(self, asset: Asset) -> None:
        """Delete the blobs of an asset that could not be stored, unless a concurrent upload
        of the same bytes stored them under the same keys."""
        if await self._assets.find_by_sha256(asset.tenant_id, asset.sha256) is not None:
            return
        for key in (asset.storage_key, asset.thumbnail_key, asset.poster_key):
            if key:
                await self._blobs.delete(key)

    async def _reuse(
        self, actor: Actor, existing: Asset, tags: tuple[str, ...], category: str | None
    ) -> Asset:
        """The same bytes again: merge the tags, keep or set the category, bring it back from
        the archive."""

        def change(asset: Asset) -> Asset:
            merged = merged_tags(asset.tags, tags)
            wanted_category = asset.category or category
            if merged == asset.tags and wanted_category == asset.category and not asset.archived:
                return asset
            return asset.model_copy(
                update={
                    "tags": merged,
                    "category": wanted_category,
                    "archived": False,
                    "archived_at": None,
                    "updated_at": self._clock.now(),
                }
            )

        reused = await self._assets.modify(actor.tenant_id, existing.id, change)
        await self._activity.record(
            actor,
            "asset.reused",
            object_type="asset",
            object_id=reused.id,
            filename=reused.filename,
        )
        return reused

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
        return await self._make_pictures_again(asset)

    async def _make_pictures_again(self, asset: Asset) -> bytes | None:
        """Inspect a copy of the asset's file and store its thumbnail and poster again."""
        folder = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="pictures-"))
        try:
            copy = folder / "original"
            await self._blobs.download(asset.storage_key, copy)
            head = await asyncio.to_thread(_read_head, copy)
            info = await self._media.inspect(copy, head=head, filename=asset.filename)
        finally:
            await asyncio.to_thread(shutil.rmtree, folder, True)
        for picture in _pictures(asset, info):
            await self._blobs.put_bytes(
                picture.key, picture.data, content_type=picture.content_type
            )
        return info.thumbnail

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


class _FileProgress:
    """Turns the byte counts of staging and committing one file, which arrive on worker
    threads, into growing fractions handed to ``report`` on the event loop's thread.

    Reading counts for 0.0–0.5 and storing for 0.5–1.0, but 1.0 itself is only reported by
    :meth:`finish`, once the asset is saved, so that a failure after the bytes were sent never
    shows as done.
    """

    def __init__(self, report: Callable[[float], None]) -> None:
        self._report = report
        self._loop = asyncio.get_running_loop()
        self._lock = threading.Lock()
        self._last = 0.0

    def reading(self, done: int, total: int) -> None:
        self._forward(0.5 * _share(done, total))

    def storing(self, done: int, total: int) -> None:
        self._forward(0.5 + 0.5 * _share(done, total))

    async def finish(self) -> None:
        """Report 1.0, and return once it (and every fraction before it) has been handed over."""
        self._forward(1.0, last=True)
        # Callbacks run in the order they were scheduled: once this future is resolved, the
        # fractions scheduled before it have been reported.
        handed_over = self._loop.create_future()
        self._loop.call_soon(handed_over.set_result, None)
        await handed_over

    def _forward(self, fraction: float, *, last: bool = False) -> None:
        with self._lock:  # check and schedule together, so fractions arrive in order
            if fraction <= self._last or (fraction >= 1.0 and not last):
                return
            self._last = fraction
            self._loop.call_soon_threadsafe(self._report, fraction)


def _share(done: int, total: int) -> float:
    """``done / total`` kept within 0.0–1.0."""
    return min(max(done / total, 0.0), 1.0) if total > 0 else 0.0


def _pictures(asset: Asset, info: MediaInfo) -> list[SmallBlob]:
    """The thumbnail and poster frame stored along with ``asset``'s file."""
    pictures = []
    if asset.thumbnail_key and info.thumbnail:
        pictures.append(SmallBlob(asset.thumbnail_key, info.thumbnail, "image/png"))
    if asset.poster_key and info.poster:
        pictures.append(SmallBlob(asset.poster_key, info.poster, "image/png"))
    return pictures


def _read_head(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(HEAD_SIZE)


def _tenant_folder(tenant_id: str) -> str:
    """The tenant's folder name in storage keys: the id itself when it is a safe name."""
    if _SAFE_FOLDER.fullmatch(tenant_id):
        return tenant_id
    return "t" + hashlib.sha256(tenant_id.encode()).hexdigest()[:24]
