"""Progress of staging and committing: the local store, and R2 over real HTTP against a FAKE S3
server (moto on loopback)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from app.adapters.storage import LocalBlobStore, R2BlobStore, r2_transfers
from app.adapters.storage.r2_transfers import UploadProgress
from tests.app.storage.test_r2_blob_store import write_random_file

MIB = 1024 * 1024


class Calls:
    """A TransferProgress that notes each ``(done, total)`` and the thread it came from."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, int]] = []
        self.threads: set[int] = set()
        self._lock = threading.Lock()

    def __call__(self, done: int, total: int) -> None:
        with self._lock:
            self.seen.append((done, total))
            self.threads.add(threading.get_ident())


async def test_staging_reports_each_chunk_from_its_worker_thread(
    local_store: LocalBlobStore, tmp_path: Path
) -> None:
    source = tmp_path / "clip.bin"
    size = 3 * MIB + MIB // 2
    write_random_file(source, size)
    calls = Calls()

    staged = await local_store.stage(source, max_bytes=10 * MIB, progress=calls)

    assert calls.seen == [(MIB, size), (2 * MIB, size), (3 * MIB, size), (size, size)]
    assert threading.get_ident() not in calls.threads
    await local_store.discard(staged)


async def test_a_local_commit_reports_the_end_once(
    local_store: LocalBlobStore, tmp_path: Path
) -> None:
    source = tmp_path / "clip.bin"
    write_random_file(source, 2 * MIB)
    for _ in range(2):  # the second time the key exists already
        staged = await local_store.stage(source, max_bytes=10 * MIB)
        calls = Calls()
        await local_store.commit(staged, "media/clip.bin", content_type="video/mp4", progress=calls)
        assert calls.seen == [(2 * MIB, 2 * MIB)]


async def test_an_r2_multipart_commit_reports_per_mib_not_per_boto3_callback(
    r2_store: R2BlobStore, r2_bucket: str, s3_admin: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    size = 12 * MIB  # above the 8 MiB multipart threshold: parts sent from several threads
    source = tmp_path / "clip.mp4"
    digest = write_random_file(source, size)
    boto3_calls = 0
    count_lock = threading.Lock()

    class Counted(UploadProgress):
        def __call__(self, bytes_amount: int) -> None:
            nonlocal boto3_calls
            with count_lock:
                boto3_calls += 1
            super().__call__(bytes_amount)

    monkeypatch.setattr(r2_transfers, "UploadProgress", Counted)
    read, sent = Calls(), Calls()
    staged = await r2_store.stage(source, max_bytes=20 * MIB, progress=read)

    await r2_store.commit(staged, f"media/{digest}.mp4", content_type="video/mp4", progress=sent)

    assert read.seen[-1] == (size, size)
    head = s3_admin.head_object(Bucket=r2_bucket, Key=f"media/{digest}.mp4")
    assert head["ETag"].strip('"').endswith("-2")
    done = [bytes_sent for bytes_sent, _ in sent.seen]
    assert sent.seen[-1] == (size, size)
    assert {total for _, total in sent.seen} == {size}
    assert done == sorted(set(done))  # growing, never repeated
    assert len(sent.seen) <= size // MIB + 1  # at most one a MiB, and the end
    assert len(sent.seen) >= 3
    # s3transfer calls back for every 256 KiB it reads: at least four times as often.
    assert boto3_calls >= 4 * (len(sent.seen) - 1)


async def test_an_r2_commit_of_an_existing_key_reports_the_end_once(
    r2_store: R2BlobStore, tmp_path: Path
) -> None:
    source = tmp_path / "still.bin"
    write_random_file(source, MIB + 1)
    staged = await r2_store.stage(source, max_bytes=10 * MIB)
    await r2_store.commit(staged, "media/still.bin", content_type="image/png")
    staged = await r2_store.stage(source, max_bytes=10 * MIB)
    calls = Calls()

    await r2_store.commit(staged, "media/still.bin", content_type="image/png", progress=calls)

    assert calls.seen == [(MIB + 1, MIB + 1)]


def test_upload_progress_ignores_rewinds_and_reports_the_end_once() -> None:
    calls = Calls()
    counter = UploadProgress(3 * MIB, calls)
    for amount in (MIB // 2, MIB // 2, MIB, -MIB, MIB, MIB // 2, MIB):
        counter(amount)  # a part rewound for a retry, then sent again
    counter.finish()
    counter.finish()
    assert calls.seen == [(MIB, 3 * MIB), (2 * MIB, 3 * MIB), (3 * MIB, 3 * MIB)]


@pytest.mark.parametrize("size", [MIB // 2, 3 * MIB])
def test_upload_progress_leaves_the_end_to_finish(size: int) -> None:
    calls = Calls()
    counter = UploadProgress(size, calls)
    counter(size)
    assert calls.seen == []
    counter.finish()
    assert calls.seen == [(size, size)]
