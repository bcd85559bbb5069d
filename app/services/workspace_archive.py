"""WorkspaceArchive: a whole workspace, records and media, to one archive file and back.

It moves a workspace from one store to another (the embedded file to MongoDB and R2, say) and
makes backups. Import checks first and writes after: a damaged or foreign archive, or a
workspace or record id the store already has, is refused with nothing changed; a write that
fails midway is undone, so no workspace is ever left half imported.

Unfinished render jobs (queued or running) are left out of an archive: their provider work
belongs to the exporting installation's worker and accounts, and a copy would be submitted or
followed twice. They are counted in the manifest's ``left_out``; render those creatives again
after an import. A render job's ``result_url`` (a ``file:`` path or a presigned, signed link)
is cleared: it is a credential of sorts, and means nothing in another store.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.domain import Actor, Asset, Member, Record, RenderJob, Role, Workspace
from app.domain.errors import AppError, Conflict, InvalidInput, PermissionDenied
from app.domain.validation import describe
from app.ports.archive import ArchiveContents, WorkspaceArchiveFile
from app.ports.blob_store import BlobStore
from app.ports.repositories import Repository, Store
from app.services.archive_records import (
    RECORD_TYPES,
    media_of,
    read_workspace,
    refuse_clashes,
)
from app.services.context import ServiceContext

log = logging.getLogger(__name__)

THUMBNAIL_TYPE = "image/png"  # thumbnails and poster frames are PNGs (StorageService)


@dataclass(frozen=True)
class ArchiveSummary:
    """What an export wrote or an import loaded.

    Attributes:
        workspace_id: the workspace's id (the same in both stores).
        workspace_name: its name.
        counts: how many records of each type, by type (``campaigns``, ``assets``, ...).
        media_files: how many media files.
        left_out: what was not archived, by type (unfinished ``render_jobs``).
    """

    workspace_id: str
    workspace_name: str
    counts: dict[str, int]
    media_files: int
    left_out: dict[str, int] = field(default_factory=dict)


class WorkspaceArchive:
    """Exports a workspace to an archive file and imports one into this store (admins)."""

    def __init__(
        self,
        *,
        context: ServiceContext,
        store: Store,
        blobs: BlobStore,
        archive_file: WorkspaceArchiveFile,
        app_version: str,
    ) -> None:
        self._access = context.access
        self._activity = context.activity
        self._clock = context.clock
        self._store = store
        self._blobs = blobs
        self._file = archive_file
        self._app_version = app_version

    async def export(self, actor: Actor, path: Path) -> ArchiveSummary:
        """Write the actor's workspace (every record and media file) to ``path`` (admins).

        Raises:
            PermissionDenied: the actor is not an admin of the workspace.
        """
        await self._access.require(actor, Role.ADMIN, "export the workspace")
        return await self._export(actor, path)

    async def import_(self, actor: Actor, path: Path) -> ArchiveSummary:
        """Load the archive at ``path`` into this store as a new workspace.

        The actor (``tenant_id``: the workspace they are in now) must be an admin in the
        archive's member list.

        Raises:
            InvalidInput: the file is not an archive this release can read, or it is damaged.
            Conflict: the store has the workspace or one of its records already.
            PermissionDenied: the actor is not an admin of the archived workspace.
        """
        # Not ``access.identify``: on the embedded store it would record the actor as the first
        # member of a workspace without members, the archived one too, which then clashes.
        if not isinstance(actor, Actor):
            raise InvalidInput("every call needs the acting user (an Actor) first")
        contents = await self._file.read(path)
        records = _validated(contents)
        admins = {
            member.user_id
            for member in records["members"]
            if isinstance(member, Member) and Role.ADMIN in member.roles
        }
        if actor.user_id not in admins:
            raise PermissionDenied(
                f"{actor.user_id} cannot import this workspace: they are not one of its admins"
            )
        return await self._import(actor, path, contents, records)

    # ------------------------------------------------------------------ export

    async def _export(self, by: Actor, path: Path) -> ArchiveSummary:
        tenant = by.tenant_id
        found = await read_workspace(self._store, tenant, self._clock.now())
        jobs: list[RenderJob] = found.pop("render_jobs")  # type: ignore[assignment]
        finished = [job for job in jobs if job.status.terminal]
        found["render_jobs"] = [job.model_copy(update={"result_url": None}) for job in finished]
        left_out = {"render_jobs": len(jobs) - len(finished)}
        workspace = found["workspaces"][0]
        assert isinstance(workspace, Workspace)
        media = await self._media_to_export(found["assets"])  # type: ignore[arg-type]
        manifest = await self._file.write(
            path,
            manifest={
                "app_version": self._app_version,
                "exported_at": self._clock.now().isoformat(),
                "workspace": {"id": tenant, "name": workspace.name},
                "left_out": left_out,
            },
            records={kind: [_dump(record) for record in found[kind]] for kind in RECORD_TYPES},
            media=media,
            fetch=self._blobs.download,
        )
        await self._activity.record(
            by, "workspace.exported", object_type="workspace", object_id=tenant
        )
        return _summary(manifest)

    async def _media_to_export(self, assets: Sequence[Asset]) -> list[tuple[str, str]]:
        media: dict[str, str] = {}
        for asset in assets:
            media[asset.storage_key] = asset.content_type
            for derived in (asset.thumbnail_key, asset.poster_key):
                # Derived files may be lost (see StorageService.thumbnail): made again later.
                if derived and await self._blobs.exists(derived):
                    media[derived] = THUMBNAIL_TYPE
        return list(media.items())

    # ------------------------------------------------------------------ import

    async def _import(
        self,
        by: Actor,
        path: Path,
        contents: ArchiveContents,
        records: dict[str, list[Record]],
    ) -> ArchiveSummary:
        tenant = str(contents.manifest["workspace"]["id"])
        await refuse_clashes(self._store, tenant, records)
        written_keys: list[str] = []
        written: list[tuple[Repository[Any], list[str]]] = []
        try:
            for entry in contents.media:
                if await self._blobs.exists(entry.key):
                    continue  # content-addressed: the same bytes (and never ours to remove)
                staged = await self._blobs.stage_stream(
                    self._file.media_chunks(path, entry.key), max_bytes=max(entry.size, 1)
                )
                if staged.sha256 != entry.sha256:
                    await self._blobs.discard(staged)
                    raise InvalidInput(f"the media file {entry.key} changed while importing")
                await self._blobs.commit(staged, entry.key, content_type=entry.content_type)
                written_keys.append(entry.key)
            for kind, items in records.items():
                repository: Repository[Any] = getattr(self._store, kind)
                await repository.add_many(items)  # all of them or none
                written.append((repository, [item.id for item in items]))
        except Conflict as exc:  # an id another workspace of this store holds
            await self._undo(tenant, written, written_keys)
            raise Conflict(f"{exc.message} in this store: nothing was imported") from exc
        except BaseException:  # a failed write, or a cancelled import
            await self._undo(tenant, written, written_keys)
            raise
        importer = by.model_copy(update={"tenant_id": tenant})
        await self._activity.record(
            importer, "workspace.imported", object_type="workspace", object_id=tenant
        )
        return _summary(contents.manifest)

    async def _undo(
        self,
        tenant: str,
        written: list[tuple[Repository[Any], list[str]]],
        keys: list[str],
    ) -> None:
        """Remove what a failed import wrote, newest first; keep going past a failing step."""
        for repository, ids in reversed(written):
            try:
                await repository.delete_many(tenant, ids)
            except AppError as exc:
                log.warning("could not remove records of a failed import: %s", exc.message)
        for key in reversed(keys):
            try:
                await self._blobs.delete(key)
            except AppError as exc:
                log.warning("could not remove %s of a failed import: %s", key, exc.message)


def _dump(record: Record) -> dict[str, Any]:
    return record.model_dump(mode="json", exclude=set(type(record).model_computed_fields))


def _summary(manifest: Any) -> ArchiveSummary:
    return ArchiveSummary(
        workspace_id=str(manifest["workspace"]["id"]),
        workspace_name=str(manifest["workspace"]["name"]),
        counts=dict(manifest["counts"]),
        media_files=len(manifest["media"]),
        left_out=dict(manifest.get("left_out") or {}),
    )


def _validated(contents: ArchiveContents) -> dict[str, list[Record]]:
    """The archive's records as models, checked to form one workspace with its media."""
    workspace = contents.manifest.get("workspace")
    if not isinstance(workspace, dict) or not isinstance(workspace.get("id"), str):
        raise InvalidInput("the archive's manifest names no workspace")
    tenant = workspace["id"]
    records: dict[str, list[Record]] = {}
    for kind, model in RECORD_TYPES.items():
        items = []
        for number, raw in enumerate(contents.records.get(kind, []), start=1):
            try:
                record = model.model_validate(raw)
            except ValidationError as exc:
                raise InvalidInput(
                    f"the archive's {kind} record {number} is invalid: {describe(exc)}"
                ) from None
            if record.tenant_id != tenant:
                raise InvalidInput(f"the archive's {kind} record {number} is another workspace's")
            items.append(record)
        records[kind] = items
    for kind in contents.records:
        if kind not in RECORD_TYPES:
            raise InvalidInput(f"the archive holds records of an unknown type: {kind}")
    if [record.id for record in records["workspaces"]] != [tenant]:
        raise InvalidInput("the archive does not hold its workspace's own record")
    media = {entry.key for entry in contents.media}
    for key in media_of(records["assets"]):  # type: ignore[arg-type]
        if key not in media:
            raise InvalidInput(f"the archive lacks the media file {key}")
    return records


async def export_as_operator(
    archive: WorkspaceArchive, workspace_id: str, path: Path
) -> ArchiveSummary:
    """Export a workspace without a role check: the command line's, as its operator (whoever
    can run it on the database could read it anyway). Logged as the operating system's user."""
    return await archive._export(_operator(workspace_id), path)


async def import_as_operator(archive: WorkspaceArchive, path: Path) -> ArchiveSummary:
    """Import an archive without a role check (the command line's; see
    :func:`export_as_operator`)."""
    contents = await archive._file.read(path)
    records = _validated(contents)
    tenant = str(contents.manifest["workspace"]["id"])
    return await archive._import(_operator(tenant), path, contents, records)


def _operator(workspace_id: str) -> Actor:
    return Actor(tenant_id=workspace_id, user_id=f"operator:{getpass.getuser()}")
