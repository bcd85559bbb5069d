"""AssetIntake: how a new file enters the asset library (the machinery of
:class:`~app.services.storage_service.StorageService`'s uploads).

A file is staged (hashed while copied), looked up by its bytes in the workspace's library,
inspected, and committed with its thumbnail and poster frame as a new asset; the same bytes
again reuse the existing asset. A file that turns out to be bad leaves neither a blob nor a
record behind. The storage keys an asset gets, and the pictures made again for an asset that
lost them, are here too.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from pydantic import ValidationError

from app.domain import Actor, Asset, AssetSource
from app.domain.assets import StoredFile, merged_tags
from app.domain.errors import Conflict, InvalidInput
from app.domain.validation import describe
from app.ports.blob_store import HEAD_SIZE, BlobStore, SmallBlob, StagedBlob, TransferProgress
from app.ports.clock import Clock
from app.ports.media import MediaInfo, MediaInspector
from app.ports.repositories import AssetRepository
from app.services.activity_log import ActivityLog
from app.services.file_progress import FileProgress

_SAFE_FOLDER = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Files up to this size are inspected while the library is searched for the same bytes.
INSPECT_ALONGSIDE_MAX_BYTES = 8 * 1024 * 1024


class AssetIntake:
    """Stores new files in the library for :class:`StorageService`, which checks the caller's
    roles and cleans the tags and category first.

    Args:
        assets: The asset records.
        blobs: Where the bytes go, under content-addressed keys.
        media: What tells a file's type and makes its pictures.
        activity: The log of what was added or reused.
        clock: The time an asset is added or changed at.
        max_upload_bytes: The largest file accepted.
    """

    def __init__(
        self,
        *,
        assets: AssetRepository,
        blobs: BlobStore,
        media: MediaInspector,
        activity: ActivityLog,
        clock: Clock,
        max_upload_bytes: int,
    ) -> None:
        self._assets = assets
        self._blobs = blobs
        self._media = media
        self._activity = activity
        self._clock = clock
        self._max_upload_bytes = max_upload_bytes

    async def add_file(
        self,
        actor: Actor,
        source: Path,
        tags: tuple[str, ...],
        category: str | None,
        progress: Callable[[float], None] | None,
    ) -> StoredFile:
        """Upload ``source``; ``progress`` as in :meth:`StorageService.add_file`."""
        tracker = FileProgress(progress) if progress is not None else None
        staged = await self._blobs.stage(
            source,
            max_bytes=self._max_upload_bytes,
            progress=tracker.reading if tracker else None,
        )
        stored = await self._store(
            actor,
            staged,
            source.name,
            tags,
            category,
            AssetSource.UPLOAD,
            None,
            progress=tracker.storing if tracker else None,
        )
        if tracker is not None:
            await tracker.finish()
        return stored

    async def add_render(
        self,
        actor: Actor,
        source: Path | AsyncIterator[bytes],
        filename: str,
        render_job_id: str,
        tags: tuple[str, ...],
        category: str | None,
    ) -> StoredFile:
        """Store a render's output (a file or a stream of chunks) linked to its job."""
        if isinstance(source, Path):
            staged = await self._blobs.stage(source, max_bytes=self._max_upload_bytes)
        else:
            staged = await self._blobs.stage_stream(source, max_bytes=self._max_upload_bytes)
        return await self._store(
            actor, staged, filename, tags, category, AssetSource.RENDER, render_job_id
        )

    async def add_text(
        self, actor: Actor, text: str, filename: str, tags: tuple[str, ...]
    ) -> StoredFile:
        """Store ``text`` as a UTF-8 file."""

        async def chunks() -> AsyncIterator[bytes]:
            yield text.encode("utf-8")

        staged = await self._blobs.stage_stream(chunks(), max_bytes=self._max_upload_bytes)
        return await self._store(actor, staged, filename, tags, None, AssetSource.UPLOAD, None)

    async def make_pictures_again(self, asset: Asset) -> bytes | None:
        """Inspect a copy of the asset's file and store its thumbnail and poster again; the
        thumbnail, or None if the file has none."""
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
