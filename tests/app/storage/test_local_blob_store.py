"""LocalBlobStore against a real temp folder: staging, commit, key checks, symlinks, streaming."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from app.adapters.storage import LocalBlobStore
from app.domain.errors import InvalidInput, NotFound
from app.ports.blob_store import SmallBlob, StagedBlob

MIB = 1024 * 1024
BAD_KEYS = ["../x", "/abs", "a/../../b", "a\\b", "", "a//b"]


def staged_files(store: LocalBlobStore) -> list[Path]:
    folder = store.root / ".staging"
    return sorted(folder.iterdir()) if folder.exists() else []


def write_random_file(path: Path, size: int) -> str:
    """Write ``size`` random bytes 1 MiB at a time; return their SHA-256 hex digest."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        remaining = size
        while remaining:
            chunk = os.urandom(min(MIB, remaining))
            digest.update(chunk)
            out.write(chunk)
            remaining -= len(chunk)
    return digest.hexdigest()


async def chunks_of(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_stage_then_commit_round_trip(local_store: LocalBlobStore, tmp_path: Path) -> None:
    data = os.urandom(10_000)
    source = tmp_path / "photo.png"
    source.write_bytes(data)

    staged = await local_store.stage(source, max_bytes=MIB)

    assert staged.sha256 == hashlib.sha256(data).hexdigest()
    assert staged.size == len(data)
    assert staged.head == data[:4096]
    assert staged.path.parent == local_store.root / ".staging"
    await local_store.commit(staged, "media/ab/photo.png", content_type="image/png")
    assert await local_store.read_bytes("media/ab/photo.png") == data
    assert await local_store.exists("media/ab/photo.png")
    assert (local_store.root / "media/ab/photo.png").read_bytes() == data
    assert staged_files(local_store) == []
    assert source.read_bytes() == data  # the source is copied, never moved


async def test_commit_of_an_existing_key_keeps_it_and_drops_the_staged_file(
    local_store: LocalBlobStore, tmp_path: Path
) -> None:
    await local_store.put_bytes("k/blob", b"first", content_type="text/plain")
    source = tmp_path / "other"
    source.write_bytes(b"second")
    staged = await local_store.stage(source, max_bytes=MIB)

    await local_store.commit(staged, "k/blob", content_type="text/plain")

    assert await local_store.read_bytes("k/blob") == b"first"
    assert not staged.path.exists()
    assert staged_files(local_store) == []


async def test_discard_removes_the_staged_file(local_store: LocalBlobStore, tmp_path: Path) -> None:
    source = tmp_path / "x"
    source.write_bytes(b"bytes")
    staged = await local_store.stage(source, max_bytes=MIB)
    assert staged.path.exists()

    await local_store.discard(staged)
    await local_store.discard(staged)  # twice is harmless

    assert staged_files(local_store) == []


async def test_discard_refuses_a_file_outside_staging(
    local_store: LocalBlobStore, tmp_path: Path
) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep me")
    forged = StagedBlob(sha256="0" * 64, size=7, head=b"keep me", path=victim)

    with pytest.raises(InvalidInput):
        await local_store.discard(forged)
    with pytest.raises(InvalidInput):
        await local_store.commit(forged, "k", content_type="text/plain")
    assert victim.read_bytes() == b"keep me"


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing", "does not exist"),
        ("folder", "is not a file"),
        ("empty", "is empty"),
        ("oversize", "the 0.0098 MB limit"),
    ],
)
async def test_bad_sources_raise_invalid_input_and_leave_nothing(
    local_store: LocalBlobStore, tmp_path: Path, kind: str, message: str
) -> None:
    source = tmp_path / "source"
    if kind == "folder":
        source.mkdir()
    elif kind == "empty":
        source.write_bytes(b"")
    elif kind == "oversize":
        source.write_bytes(b"x" * 10_241)

    with pytest.raises(InvalidInput, match=message):
        await local_store.stage(source, max_bytes=10_240)

    assert staged_files(local_store) == []


async def test_stage_stream_batches_small_chunks(local_store: LocalBlobStore) -> None:
    data = os.urandom(3 * MIB + 123)

    staged = await local_store.stage_stream(chunks_of(data, 10_000), max_bytes=4 * MIB)

    assert staged.sha256 == hashlib.sha256(data).hexdigest()
    assert staged.size == len(data)
    assert staged.head == data[:4096]
    assert staged.path.read_bytes() == data
    await local_store.commit(staged, "streamed", content_type="video/mp4")
    assert await local_store.read_bytes("streamed") == data
    assert staged_files(local_store) == []


async def test_stage_stream_over_the_cap_stops_mid_stream(local_store: LocalBlobStore) -> None:
    produced: list[int] = []
    closed: list[bool] = []

    async def download() -> AsyncIterator[bytes]:
        try:
            for _ in range(100):
                produced.append(1)
                yield b"y" * 300_000
        finally:
            closed.append(True)

    with pytest.raises(InvalidInput, match="larger than the 2 MB limit"):
        await local_store.stage_stream(download(), max_bytes=2 * MIB)

    assert len(produced) == 7  # stopped at the chunk that crossed the cap
    assert closed == [True]
    assert staged_files(local_store) == []


async def test_stage_stream_of_nothing_is_invalid(local_store: LocalBlobStore) -> None:
    with pytest.raises(InvalidInput, match="empty"):
        await local_store.stage_stream(chunks_of(b"", 10), max_bytes=MIB)
    assert staged_files(local_store) == []


async def test_stage_stream_error_from_the_source_leaves_nothing(
    local_store: LocalBlobStore,
) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"a" * 2 * MIB
        raise ConnectionResetError("provider hung up")

    with pytest.raises(ConnectionResetError):
        await local_store.stage_stream(broken(), max_bytes=10 * MIB)
    assert staged_files(local_store) == []


async def call_with_key(store: Any, method: str, key: str, tmp_path: Path) -> object:
    if method == "commit":
        source = tmp_path / "for-commit"
        source.write_bytes(b"data")
        staged = await store.stage(source, max_bytes=MIB)
        try:
            return await store.commit(staged, key, content_type="text/plain")
        finally:
            assert not staged.path.exists()  # commit consumes the staged file even on error
    if method == "put_bytes":
        return await store.put_bytes(key, b"data", content_type="text/plain")
    if method == "download":
        return await store.download(key, tmp_path / "out.bin")
    return await getattr(store, method)(key)


KEY_METHODS = ["commit", "put_bytes", "read_bytes", "download", "exists", "delete", "url"]


@pytest.mark.parametrize("method", KEY_METHODS)
@pytest.mark.parametrize("key", BAD_KEYS)
async def test_every_method_refuses_bad_keys(
    local_store: LocalBlobStore, tmp_path: Path, method: str, key: str
) -> None:
    with pytest.raises(InvalidInput, match="invalid storage key"):
        await call_with_key(local_store, method, key, tmp_path)
    assert not (tmp_path / "x").exists()
    assert not (tmp_path / "b").exists()


async def test_the_staging_folder_is_not_a_key(local_store: LocalBlobStore) -> None:
    with pytest.raises(InvalidInput, match="reserved"):
        await local_store.put_bytes(".staging/x", b"data", content_type="text/plain")


@pytest.mark.parametrize("method", KEY_METHODS)
async def test_symlinks_out_of_the_root_are_refused(
    local_store: LocalBlobStore, tmp_path: Path, method: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"not yours")
    local_store.root.mkdir(parents=True)
    (local_store.root / "escape").symlink_to(outside, target_is_directory=True)
    (local_store.root / "file-link").symlink_to(outside / "secret.txt")

    for key in ("escape/secret.txt", "escape/new.txt", "file-link"):
        with pytest.raises(InvalidInput, match="outside the store folder"):
            await call_with_key(local_store, method, key, tmp_path)

    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_bytes() == b"not yours"


async def test_a_20_mb_file_is_streamed_not_loaded(
    local_store: LocalBlobStore, tmp_path: Path
) -> None:
    size = 20 * MIB
    source = tmp_path / "big.mp4"
    digest = write_random_file(source, size)
    copy = tmp_path / "copy.mp4"

    tracemalloc.start()
    try:
        staged = await local_store.stage(source, max_bytes=25 * MIB)
        await local_store.commit(staged, "video/big.mp4", content_type="video/mp4")
        await local_store.download("video/big.mp4", copy)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert staged.sha256 == digest
    assert staged.size == size
    assert peak < 4 * MIB, f"peak traced memory {peak / MIB:.1f} MiB"
    assert copy.stat().st_size == size


async def test_url_is_a_file_url_of_the_object(local_store: LocalBlobStore) -> None:
    await local_store.put_bytes("thumbs/a.png", b"png", content_type="image/png")

    url = await local_store.url("thumbs/a.png")

    assert url.startswith("file:///")
    path = Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
    assert path.read_bytes() == b"png"
    assert path == (local_store.root / "thumbs/a.png").resolve()


async def test_missing_keys(local_store: LocalBlobStore, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        await local_store.read_bytes("nope/x")
    with pytest.raises(NotFound):
        await local_store.download("nope/x", tmp_path / "out")
    assert not await local_store.exists("nope/x")
    await local_store.delete("nope/x")  # absent: nothing happens
    assert not (tmp_path / "out").exists()


async def test_put_bytes_overwrites_and_delete_removes(local_store: LocalBlobStore) -> None:
    await local_store.put_bytes("t/thumb.jpg", b"one", content_type="image/jpeg")
    await local_store.put_bytes("t/thumb.jpg", b"two", content_type="image/jpeg")
    assert await local_store.read_bytes("t/thumb.jpg") == b"two"
    assert staged_files(local_store) == []

    await local_store.delete("t/thumb.jpg")

    assert not await local_store.exists("t/thumb.jpg")
    with pytest.raises(NotFound):
        await local_store.read_bytes("t")  # a folder of keys is not an object


async def test_download_writes_the_same_bytes_atomically(
    local_store: LocalBlobStore, tmp_path: Path
) -> None:
    data = os.urandom(3 * MIB + 5)
    await local_store.put_bytes("m/clip.mp4", data, content_type="video/mp4")
    destination = tmp_path / "exports" / "clip.mp4"
    destination.parent.mkdir()
    destination.write_bytes(b"old")

    await local_store.download("m/clip.mp4", destination)

    assert destination.read_bytes() == data
    assert [p.name for p in destination.parent.iterdir()] == ["clip.mp4"]


async def test_describe_reports_folder_and_free_space(local_store: LocalBlobStore) -> None:
    facts = await local_store.describe()

    assert facts["kind"] == "local"
    assert facts["folder"] == str(local_store.root.resolve())
    assert facts["free_bytes"] > 0
    assert facts["writable"] is True
    assert staged_files(local_store) == []
    await local_store.close()


async def test_folders_removed_behind_the_stores_back_are_made_again(
    local_store: LocalBlobStore,
) -> None:
    """The store makes each folder once and then trusts it exists; one removed meanwhile (by
    hand, say) is made again when a file cannot be created in it."""
    await local_store.put_bytes("thumbs/a/one.png", b"one", content_type="image/png")
    staged = await local_store.stage_stream(chunks_of(b"first", 64), max_bytes=100)
    await local_store.commit(staged, "media/a/first.bin", content_type="text/plain")

    for folder in ("thumbs", "media", ".staging"):
        for path in sorted((local_store.root / folder).rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        (local_store.root / folder).rmdir()

    await local_store.put_bytes("thumbs/a/two.png", b"two", content_type="image/png")
    staged = await local_store.stage_stream(chunks_of(b"second", 64), max_bytes=100)
    await local_store.commit(staged, "media/a/second.bin", content_type="text/plain")

    assert await local_store.read_bytes("thumbs/a/two.png") == b"two"
    assert await local_store.read_bytes("media/a/second.bin") == b"second"
    assert staged_files(local_store) == []


async def test_small_objects_are_committed_along_with_the_object(
    local_store: LocalBlobStore,
) -> None:
    staged = await local_store.stage_stream(chunks_of(b"video bytes", 64), max_bytes=100)
    pictures = [
        SmallBlob("thumbs/v.png", b"thumb", "image/png"),
        SmallBlob("posters/v.png", b"poster", "image/png"),
    ]
    await local_store.commit(staged, "media/v.mp4", content_type="video/mp4", alongside=pictures)

    assert await local_store.read_bytes("media/v.mp4") == b"video bytes"
    assert await local_store.read_bytes("thumbs/v.png") == b"thumb"
    assert await local_store.read_bytes("posters/v.png") == b"poster"
    assert staged_files(local_store) == []


async def test_a_bad_key_alongside_stores_nothing_of_the_object(
    local_store: LocalBlobStore,
) -> None:
    staged = await local_store.stage_stream(chunks_of(b"bytes", 64), max_bytes=100)
    with pytest.raises(InvalidInput, match="invalid storage key"):
        await local_store.commit(
            staged,
            "media/x.bin",
            content_type="text/plain",
            alongside=[SmallBlob("../escape.png", b"x", "image/png")],
        )
    assert not await local_store.exists("media/x.bin")
    assert staged_files(local_store) == []
