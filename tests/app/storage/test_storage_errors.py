"""Storage failures a person can act on: a full disk names its folder, a locked database says
another program holds it, and processes starting together all find the data folder writable."""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from app.adapters.export.folder_bundle_writer import FolderBundleWriter
from app.adapters.sqlite import SqliteStore
from app.adapters.sqlite import database as sqlite_database
from app.adapters.storage.local_blob_store import LocalBlobStore
from app.bootstrap import ensure_data_dir
from app.domain.errors import DiskFull, StorageError
from tests.factories import campaign


class _FullDiskFile:
    """A file object whose writes fail as on a full disk; everything else is the real file's."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def __enter__(self) -> _FullDiskFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._real.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files opened from descriptors (how the stores write) cannot be written: ENOSPC."""
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: _FullDiskFile(real_fdopen(*a, **k)))


@pytest.fixture
async def blobs(tmp_path: Path) -> Iterator[LocalBlobStore]:
    store = LocalBlobStore(tmp_path / "media")
    yield store
    await store.close()


@pytest.mark.usefixtures("full_disk")
async def test_staging_a_file_on_a_full_disk_names_the_folder_and_the_size(
    tmp_path: Path, blobs: LocalBlobStore
) -> None:
    source = tmp_path / "clip.bin"
    source.write_bytes(b"x" * 3 * 1024 * 1024)
    with pytest.raises(DiskFull) as caught:
        await blobs.stage(source, max_bytes=10 * 1024 * 1024)
    assert str(tmp_path / "media" / ".staging") in caught.value.message
    assert "3 MiB needed" in caught.value.message
    assert not list((tmp_path / "media" / ".staging").iterdir())


@pytest.mark.usefixtures("full_disk")
async def test_streaming_into_a_full_disk_names_the_folder(
    tmp_path: Path, blobs: LocalBlobStore
) -> None:
    async def chunks() -> Any:
        yield b"y" * 1024

    with pytest.raises(DiskFull, match=r"the disk holding .*staging is full"):
        await blobs.stage_stream(chunks(), max_bytes=1024 * 1024)


@pytest.mark.usefixtures("full_disk")
async def test_writing_bytes_on_a_full_disk_names_the_folder_and_the_size(
    tmp_path: Path, blobs: LocalBlobStore
) -> None:
    with pytest.raises(DiskFull) as caught:
        await blobs.put_bytes("a/b.txt", b"z" * 2048, content_type="text/plain")
    assert str(tmp_path / "media") in caught.value.message
    assert "2 KiB needed" in caught.value.message


async def test_a_bundle_on_a_full_disk_names_the_folder(
    tmp_path: Path, blobs: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_room(fd: int) -> None:  # how a full disk shows on file systems that write late
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_room)
    writer = FolderBundleWriter(tmp_path / "exports")
    with pytest.raises(DiskFull, match=f"the disk holding {tmp_path / 'exports'}/"):
        await writer.prepare("spring", manifest={}, calendar="", files=[], blobs=blobs)
    assert list((tmp_path / "exports").iterdir()) == []


async def test_a_full_database_names_its_folder(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "campaign-studio.sqlite3")
    await store.open()
    try:
        await store.campaigns.add(campaign("t1"))

        # SQLite's own limit on the file's size (here: its size now, in pages), reached as a
        # full disk is: the same error.
        def cap(connection: sqlite3.Connection) -> None:
            (pages,) = connection.execute("PRAGMA page_count").fetchone()
            connection.execute(f"PRAGMA max_page_count = {pages}")

        await store._db.write(cap)
        with pytest.raises(DiskFull, match=f"the disk holding {tmp_path} is full"):
            await store.campaigns.add(campaign("t1", description="d" * 20_000))
    finally:
        await store.close()


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_database, "BUSY_TIMEOUT_MS", 100)


@pytest.mark.usefixtures("short_busy_timeout")
async def test_a_database_locked_by_another_program_says_so_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "campaign-studio.sqlite3"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StorageError) as caught:
            await SqliteStore(path).open()
    finally:
        other.close()
    assert f"another program is using the database file {path}" in caught.value.message
    assert "not usable" not in caught.value.message


@pytest.mark.usefixtures("short_busy_timeout")
async def test_a_database_locked_by_another_program_says_so_on_write(tmp_path: Path) -> None:
    path = tmp_path / "campaign-studio.sqlite3"
    store = SqliteStore(path)
    await store.open()
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageError, match="another program is using the database file"):
            await store.campaigns.add(campaign("t1"))
    finally:
        other.close()
        await store.close()


def test_processes_starting_together_all_find_the_data_folder_writable(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    start = threading.Barrier(8)

    def starts() -> None:
        start.wait()
        for _ in range(200):
            ensure_data_dir(folder)

    with ThreadPoolExecutor(8) as pool:
        for done in [pool.submit(starts) for _ in range(8)]:
            done.result()  # raises ConfigurationError("... not writable") on a clash
    assert list(folder.iterdir()) == []
