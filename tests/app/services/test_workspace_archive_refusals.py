"""WorkspaceArchive import refuses archives it cannot trust, and then changes nothing."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from app.adapters.storage import LocalBlobStore
from app.domain.errors import InvalidInput, NotFound
from app.ports.repositories import Store
from app.services.workspace_archive import import_as_operator
from tests.app.services.archive_support import archive_service, exported_archive

Edit = Callable[[str, bytes], bytes | None]


@pytest.fixture
async def archive(tmp_path: Path) -> Path:
    return await exported_archive(tmp_path)


def rewritten(
    archive: Path, edit: Edit = lambda _, data: data, extra: dict[str, bytes] | None = None
) -> Path:
    """A copy of ``archive`` with each entry passed through ``edit`` (None drops it), plus
    ``extra`` entries."""
    copy = archive.with_name("edited.zip")
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(copy, "w") as target:
        for name in source.namelist():
            data = edit(name, source.read(name))
            if data is not None:
                target.writestr(name, data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return copy


def manifest_edit(change: Callable[[dict], None]) -> Edit:  # type: ignore[type-arg]
    def edit(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        change(manifest)
        return json.dumps(manifest).encode()

    return edit


async def refused(store: Store, tmp_path: Path, path: Path, match: str) -> None:
    """Import ``path``; expect the refusal ``match`` and nothing written."""
    media = tmp_path / "target-media"
    with pytest.raises(InvalidInput, match=match):
        await import_as_operator(archive_service(store, LocalBlobStore(media)), path)
    with pytest.raises(NotFound):
        await store.workspaces.get("acme", "acme")
    assert not [found for found in media.rglob("*") if found.is_file()]
    assert await store.members.list("acme") == []


async def test_a_file_that_is_no_zip_is_refused(store: Store, tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all" * 100)
    await refused(store, tmp_path, junk, "not a zip file")


async def test_a_truncated_archive_is_refused(archive: Path, store: Store, tmp_path: Path) -> None:
    cut = tmp_path / "cut.zip"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    await refused(store, tmp_path, cut, "not a zip file, or is damaged")


async def test_a_foreign_zip_is_refused(store: Store, tmp_path: Path) -> None:
    foreign = tmp_path / "photos.zip"
    with zipfile.ZipFile(foreign, "w") as opened:
        opened.writestr("manifest.json", json.dumps({"format": "something-else"}))
    await refused(store, tmp_path, foreign, "not a Campaign Studio workspace manifest")


async def test_a_newer_format_is_refused_with_advice(
    archive: Path, store: Store, tmp_path: Path
) -> None:
    newer = rewritten(archive, manifest_edit(lambda m: m.update(format_version=2)))
    await refused(store, tmp_path, newer, "newer Campaign Studio .* update Campaign Studio")


@pytest.mark.parametrize("name", ["../evil.txt", "media/../../evil.txt", "/etc/evil.txt"])
async def test_an_entry_that_points_outside_is_refused(
    archive: Path, store: Store, tmp_path: Path, name: str
) -> None:
    slipping = rewritten(archive, extra={name: b"gotcha"})
    await refused(store, tmp_path, slipping, "absolute path|outside the archive")
    assert not list(tmp_path.parent.rglob("evil.txt"))


async def test_a_media_file_that_does_not_match_its_checksum_is_refused(
    archive: Path, store: Store, tmp_path: Path
) -> None:
    def flip_a_byte(name: str, data: bytes) -> bytes:
        if not name.startswith("media/"):
            return data
        return data[:-1] + bytes([data[-1] ^ 0xFF])  # same size, other bytes

    await refused(store, tmp_path, rewritten(archive, flip_a_byte), "does not match its checksum")


async def test_missing_records_are_refused(archive: Path, store: Store, tmp_path: Path) -> None:
    def drop_a_campaign(name: str, data: bytes) -> bytes:
        return b"" if name == "records/campaigns.jsonl" else data

    await refused(store, tmp_path, rewritten(archive, drop_a_campaign), "does not hold the 1")


async def test_an_invalid_record_is_refused(archive: Path, store: Store, tmp_path: Path) -> None:
    def break_the_campaign(name: str, data: bytes) -> bytes:
        if name != "records/campaigns.jsonl":
            return data
        return json.dumps({**json.loads(data), "status": "exploded"}).encode()

    await refused(
        store, tmp_path, rewritten(archive, break_the_campaign), "campaigns record 1 is invalid"
    )


async def test_an_unknown_entry_is_refused(archive: Path, store: Store, tmp_path: Path) -> None:
    extra = rewritten(archive, extra={"notes/readme.txt": b"hello"})
    await refused(store, tmp_path, extra, "not part of a workspace archive")


async def test_a_missing_media_file_is_refused(archive: Path, store: Store, tmp_path: Path) -> None:
    def drop_media(name: str, data: bytes) -> bytes | None:
        return None if name.startswith("media/") else data

    await refused(store, tmp_path, rewritten(archive, drop_media), "is missing")
