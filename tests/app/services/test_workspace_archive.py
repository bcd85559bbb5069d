"""WorkspaceArchive: a workspace from the embedded store to an archive and into a fresh store."""

from __future__ import annotations

import json
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.adapters.sqlite import SqliteStore
from app.adapters.storage import LocalBlobStore
from app.domain import Actor, Role
from app.domain.errors import Conflict, NotFound, PermissionDenied
from app.ports.repositories import Store
from app.services.archive_records import read_workspace
from app.services.workspace_archive import export_as_operator, import_as_operator
from tests import factories
from tests.app.services.archive_support import (
    ANA,
    CLOCK,
    archive_service,
    comparable,
    exported_archive,
    fill,
)

VIC = Actor(tenant_id="acme", user_id="vic", roles={Role.VIEWER})


@pytest.fixture
async def source(tmp_path: Path) -> AsyncIterator[tuple[SqliteStore, LocalBlobStore]]:
    """The embedded store and local media folder an export starts from."""
    store = SqliteStore(tmp_path / "source.sqlite3")
    await store.open()
    yield store, LocalBlobStore(tmp_path / "source-media")
    await store.close()


@pytest.fixture
async def archive(tmp_path: Path) -> Path:
    """An archive of the filled workspace."""
    return await exported_archive(tmp_path)


async def test_round_trip_into_a_fresh_store_keeps_every_record_and_file(
    source: tuple[SqliteStore, LocalBlobStore], store: Store, tmp_path: Path
) -> None:
    origin, origin_blobs = source
    picture = await fill(origin, origin_blobs, tmp_path)
    before = await read_workspace(origin, "acme", CLOCK.now())
    path = tmp_path / "acme.zip"
    exported = await archive_service(origin, origin_blobs).export(ANA, path)
    target_blobs = LocalBlobStore(tmp_path / "target-media")
    imported = await archive_service(store, target_blobs).import_(ANA, path)

    after = await read_workspace(store, "acme", CLOCK.now())
    expected = comparable(before)
    expected["render_jobs"] = [
        {**job, "result_url": None}  # a signed link is never archived
        for job in expected["render_jobs"]
        if job["status"] == "published"  # the queued render stays behind
    ]
    got = comparable(after)
    got["activity"] = [e for e in got["activity"] if e["action"] != "workspace.imported"]
    expected["activity"] = [e for e in expected["activity"] if e["action"] != "workspace.exported"]
    assert got == expected
    assert exported == imported
    assert imported.workspace_name == "Acme Spring"
    assert imported.left_out == {"render_jobs": 1}
    assert imported.counts["members"] == 2
    assert imported.media_files == 2
    assert await target_blobs.read_bytes(picture.storage_key) == (
        await origin_blobs.read_bytes(picture.storage_key)
    )
    assert picture.thumbnail_key
    assert await target_blobs.exists(picture.thumbnail_key)
    assert await store.campaigns.list("globex") == []  # the other workspace is not exported
    assert b"X-Amz-Signature" not in path.read_bytes()


async def test_the_archive_holds_a_manifest_records_and_media(archive: Path) -> None:
    with zipfile.ZipFile(archive) as opened:
        names = set(opened.namelist())
        manifest = json.loads(opened.read("manifest.json"))
    assert manifest["format"] == "campaign-studio-workspace"
    assert manifest["format_version"] == 1
    assert manifest["app_version"] == "0.1.0-test"
    assert manifest["workspace"] == {"id": "acme", "name": "Acme Spring"}
    assert manifest["counts"]["campaigns"] == 1
    assert manifest["counts"]["render_jobs"] == 1
    assert all(len(entry["sha256"]) == 64 for entry in manifest["media"])
    assert {f"media/{entry['key']}" for entry in manifest["media"]} <= names
    assert "records/activity.jsonl" in names
    assert not [name for name in archive.parent.iterdir() if name.name.startswith(".")]


async def test_a_viewer_cannot_export(
    source: tuple[SqliteStore, LocalBlobStore], tmp_path: Path
) -> None:
    store, blobs = source
    await fill(store, blobs, tmp_path)
    with pytest.raises(PermissionDenied):
        await archive_service(store, blobs).export(VIC, tmp_path / "out.zip")
    assert not (tmp_path / "out.zip").exists()


async def test_only_an_admin_of_the_archived_workspace_may_import_it(
    archive: Path, store: Store, tmp_path: Path
) -> None:
    stranger = Actor(tenant_id="elsewhere", user_id="mallory", roles={Role.ADMIN})
    with pytest.raises(PermissionDenied, match="mallory"):
        await archive_service(store, LocalBlobStore(tmp_path / "t")).import_(stranger, archive)
    with pytest.raises(NotFound):
        await store.workspaces.get("acme", "acme")


async def test_a_clash_is_refused_by_name_and_changes_nothing(
    archive: Path, store: Store, tmp_path: Path
) -> None:
    blobs = LocalBlobStore(tmp_path / "target-media")
    service = archive_service(store, blobs)
    await import_as_operator(service, archive)
    before = comparable(await read_workspace(store, "acme", CLOCK.now()))
    with pytest.raises(Conflict, match=r"workspace acme \(Acme Spring\) is already in this store"):
        await service.import_(ANA, archive)
    assert comparable(await read_workspace(store, "acme", CLOCK.now())) == before


async def test_a_workspace_with_records_but_no_workspace_record_clashes_too(
    archive: Path, store: Store, tmp_path: Path
) -> None:
    await store.campaigns.add(factories.campaign())
    with pytest.raises(Conflict, match="it has campaigns"):
        await import_as_operator(archive_service(store, LocalBlobStore(tmp_path / "t")), archive)


async def test_a_record_id_taken_elsewhere_undoes_everything_written(
    archive: Path, store: Store, tmp_path: Path
) -> None:
    with zipfile.ZipFile(archive) as opened:
        lines = opened.read("records/activity.jsonl").splitlines()
    taken = json.loads(lines[-1])["id"]  # activity is written last: all else is in by then
    await store.activity.add(factories.activity("globex", id=taken))
    blobs = LocalBlobStore(tmp_path / "target-media")
    with pytest.raises(Conflict, match="activity entry with this id already exists"):
        await import_as_operator(archive_service(store, blobs), archive)
    with pytest.raises(NotFound):
        await read_workspace(store, "acme", CLOCK.now())
    assert not [path for path in (tmp_path / "target-media").rglob("*") if path.is_file()]


async def test_export_as_operator_needs_no_role_and_a_missing_workspace_is_named(
    source: tuple[SqliteStore, LocalBlobStore], tmp_path: Path
) -> None:
    store, blobs = source
    await fill(store, blobs, tmp_path)
    service = archive_service(store, blobs)
    summary = await export_as_operator(service, "acme", tmp_path / "a.zip")
    assert summary.counts["creatives"] == 1
    with pytest.raises(NotFound, match="initech"):
        await export_as_operator(service, "initech", tmp_path / "b.zip")
