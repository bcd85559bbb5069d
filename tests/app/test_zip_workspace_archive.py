"""ZipWorkspaceArchive: media streams in and out in chunks; a failed write leaves no file."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.adapters.export import ZipWorkspaceArchive
from app.adapters.export.archive_entries import CHUNK
from app.domain.errors import NotFound

BIG = 3 * CHUNK + 17  # a "video" of several chunks


async def test_a_large_media_file_streams_out_in_bounded_chunks(tmp_path: Path) -> None:
    data = bytes(range(256)) * (BIG // 256) + b"x" * (BIG % 256)

    async def fetch(key: str, destination: Path) -> None:
        destination.write_bytes(data)

    files = ZipWorkspaceArchive()
    path = tmp_path / "a.zip"
    manifest = await files.write(
        path,
        manifest={"workspace": {"id": "acme", "name": "Acme"}},
        records={"workspaces": [{"id": "acme"}]},
        media=[("assets/acme/clip.mp4", "video/mp4")],
        fetch=fetch,
    )
    contents = await files.read(path)
    chunks = [chunk async for chunk in files.media_chunks(path, "assets/acme/clip.mp4")]
    assert [entry.size for entry in contents.media] == [BIG]
    assert manifest["media"][0]["size"] == BIG
    assert len(chunks) == 4
    assert max(len(chunk) for chunk in chunks) <= CHUNK
    assert b"".join(chunks) == data


async def test_a_failed_fetch_leaves_no_archive_and_no_partial_file(tmp_path: Path) -> None:
    async def fetch(key: str, destination: Path) -> None:
        raise NotFound(f"{key} is not stored")

    with pytest.raises(NotFound):
        await ZipWorkspaceArchive().write(
            tmp_path / "a.zip",
            manifest={},
            records={},
            media=[("assets/gone.png", "image/png")],
            fetch=fetch,
        )
    assert list(tmp_path.iterdir()) == []
