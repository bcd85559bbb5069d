"""R2BlobStore over real HTTP against a FAKE S3 server (moto on loopback)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.adapters.storage import R2BlobStore
from app.domain.errors import ConfigurationError, InvalidInput, NotFound, StorageError
from app.ports.blob_store import SmallBlob
from tests.fakes.moto_s3 import free_port

MIB = 1024 * 1024
R2Factory = Callable[..., R2BlobStore]


def staged_files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "r2-staging"
    return sorted(folder.iterdir()) if folder.exists() else []


def write_random_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as out:
        remaining = size
        while remaining:
            chunk = os.urandom(min(MIB, remaining))
            digest.update(chunk)
            out.write(chunk)
            remaining -= len(chunk)
    return digest.hexdigest()


async def test_a_12_mb_commit_is_a_multipart_upload(
    r2_store: R2BlobStore, r2_bucket: str, s3_admin: Any, tmp_path: Path
) -> None:
    source = tmp_path / "clip.mp4"
    digest = write_random_file(source, 12 * MIB)
    staged = await r2_store.stage(source, max_bytes=20 * MIB)
    assert staged.sha256 == digest

    await r2_store.commit(staged, f"media/{digest}.mp4", content_type="video/mp4")

    head = s3_admin.head_object(Bucket=r2_bucket, Key=f"media/{digest}.mp4")
    assert head["ContentLength"] == 12 * MIB
    assert head["ContentType"] == "video/mp4"
    assert head["ETag"].strip('"').endswith("-2")  # two 8 MiB-or-less parts
    assert not staged.path.exists()
    assert staged_files(tmp_path) == []
    copy = tmp_path / "back.mp4"
    await r2_store.download(f"media/{digest}.mp4", copy)
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == digest


async def test_a_small_commit_is_one_put(
    r2_store: R2BlobStore, r2_bucket: str, s3_admin: Any, tmp_path: Path
) -> None:
    source = tmp_path / "still.png"
    source.write_bytes(b"\x89PNG small")
    staged = await r2_store.stage(source, max_bytes=MIB)

    await r2_store.commit(staged, "media/still.png", content_type="image/png")

    head = s3_admin.head_object(Bucket=r2_bucket, Key="media/still.png")
    assert "-" not in head["ETag"]
    assert head["ContentType"] == "image/png"
    assert staged_files(tmp_path) == []


async def test_small_objects_are_uploaded_along_with_the_object(
    r2_store: R2BlobStore, r2_bucket: str, s3_admin: Any, tmp_path: Path
) -> None:
    source = tmp_path / "clip.mp4"
    source.write_bytes(b"video bytes")
    staged = await r2_store.stage(source, max_bytes=MIB)

    await r2_store.commit(
        staged,
        "media/clip.mp4",
        content_type="video/mp4",
        alongside=[SmallBlob("thumbs/clip.png", b"thumb", "image/png")],
    )

    thumb = s3_admin.get_object(Bucket=r2_bucket, Key="thumbs/clip.png")
    assert thumb["Body"].read() == b"thumb"
    assert thumb["ContentType"] == "image/png"
    assert await r2_store.read_bytes("media/clip.mp4") == b"video bytes"
    assert staged_files(tmp_path) == []


async def test_commit_of_an_existing_key_skips_the_upload(
    r2_store: R2BlobStore, r2_bucket: str, s3_admin: Any, tmp_path: Path
) -> None:
    await r2_store.put_bytes("media/dup", b"original", content_type="text/plain")
    source = tmp_path / "dup"
    source.write_bytes(b"would overwrite")
    staged = await r2_store.stage(source, max_bytes=MIB)

    await r2_store.commit(staged, "media/dup", content_type="video/mp4")

    got = s3_admin.get_object(Bucket=r2_bucket, Key="media/dup")
    assert got["Body"].read() == b"original"
    assert got["ContentType"] == "text/plain"
    assert staged_files(tmp_path) == []


async def test_presigned_url_serves_the_exact_bytes(r2_store: R2BlobStore) -> None:
    data = os.urandom(50_000)
    await r2_store.put_bytes("thumbs/a.jpg", data, content_type="image/jpeg")

    url = await r2_store.url("thumbs/a.jpg")

    assert "X-Amz-Signature=" in url
    assert "X-Amz-Expires=3600" in url
    async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
        response = await client.get(url)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "image/jpeg"


async def test_public_base_url_form(r2_factory: R2Factory, r2_bucket: str) -> None:
    store = r2_factory(r2_bucket, public_base_url="https://media.example.com/")

    assert await store.url("media/ab/x.png") == "https://media.example.com/media/ab/x.png"
    facts = await store.describe()
    assert facts["urls"] == "https://media.example.com/"


async def test_put_read_exists_download_delete(r2_store: R2BlobStore, tmp_path: Path) -> None:
    assert not await r2_store.exists("t/thumb.webp")
    await r2_store.put_bytes("t/thumb.webp", b"webp-bytes", content_type="image/webp")

    assert await r2_store.exists("t/thumb.webp")
    assert await r2_store.read_bytes("t/thumb.webp") == b"webp-bytes"
    destination = tmp_path / "out" / "thumb.webp"
    await r2_store.download("t/thumb.webp", destination)
    assert destination.read_bytes() == b"webp-bytes"
    assert [p.name for p in destination.parent.iterdir()] == ["thumb.webp"]

    await r2_store.delete("t/thumb.webp")
    await r2_store.delete("t/thumb.webp")  # absent: nothing happens
    assert not await r2_store.exists("t/thumb.webp")


async def test_missing_keys_are_not_found(r2_store: R2BlobStore, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        await r2_store.read_bytes("nope/x")
    with pytest.raises(NotFound):
        await r2_store.download("nope/x", tmp_path / "out.bin")
    assert list(tmp_path.glob("*out.bin*")) == []


async def test_describe(r2_store: R2BlobStore, moto_endpoint: str, r2_bucket: str) -> None:
    facts = await r2_store.describe()

    assert facts == {
        "kind": "r2",
        "endpoint": moto_endpoint,
        "bucket": r2_bucket,
        "urls": "presigned URLs (3600 s)",
    }


async def test_a_wrong_bucket_is_a_storage_error_without_the_secret(
    r2_factory: R2Factory, r2_secret: str, tmp_path: Path
) -> None:
    store = r2_factory("no-such-bucket-here")
    source = tmp_path / "x"
    source.write_bytes(b"data")
    staged = await store.stage(source, max_bytes=MIB)

    with pytest.raises(StorageError) as failed_commit:
        await store.commit(staged, "media/x", content_type="text/plain")
    with pytest.raises(StorageError) as failed_put:
        await store.put_bytes("media/x", b"data", content_type="text/plain")
    with pytest.raises(StorageError) as failed_describe:
        await store.describe()

    for error in (failed_commit.value, failed_put.value, failed_describe.value):
        assert "no-such-bucket-here" in error.message
        assert r2_secret not in error.message
    assert "NoSuchBucket" in failed_commit.value.message
    assert "upload" in failed_commit.value.message
    assert "put_object" in failed_put.value.message
    assert "head_bucket" in failed_describe.value.message
    assert staged_files(tmp_path) == []


async def test_a_stopped_endpoint_is_a_storage_error_without_the_secret(
    r2_factory: R2Factory, r2_secret: str, r2_bucket: str
) -> None:
    # Nothing listens on a freshly freed port; botocore retries (50 ms-scale backoff), then fails.
    store = r2_factory(r2_bucket, endpoint=f"http://127.0.0.1:{free_port()}")

    with pytest.raises(StorageError) as failed:
        await store.read_bytes("media/x")

    assert "EndpointConnectionError" in failed.value.message
    assert "get_object" in failed.value.message
    assert r2_secret not in failed.value.message


BAD_KEYS = ["../x", "/abs", "a/../../b", "a\\b", "", "a//b"]
KEY_METHODS = ["commit", "put_bytes", "read_bytes", "download", "exists", "delete", "url"]


@pytest.mark.parametrize("method", KEY_METHODS)
@pytest.mark.parametrize("key", BAD_KEYS)
async def test_every_method_refuses_bad_keys(
    r2_store: R2BlobStore, tmp_path: Path, method: str, key: str
) -> None:
    source = tmp_path / "for-commit"
    source.write_bytes(b"data")
    staged = await r2_store.stage(source, max_bytes=MIB)
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "commit": lambda: r2_store.commit(staged, key, content_type="text/plain"),
        "put_bytes": lambda: r2_store.put_bytes(key, b"data", content_type="text/plain"),
        "download": lambda: r2_store.download(key, tmp_path / "out"),
    }
    method_with_key: Callable[[str], Awaitable[object]] = getattr(r2_store, method)

    with pytest.raises(InvalidInput, match="invalid storage key"):
        await (calls[method]() if method in calls else method_with_key(key))
    if method == "commit":
        assert staged_files(tmp_path) == []  # commit consumes the staged file even on error


async def test_a_closed_store_refuses_calls(r2_store: R2BlobStore) -> None:
    await r2_store.put_bytes("k", b"v", content_type="text/plain")
    await r2_store.close()

    with pytest.raises(StorageError, match="closed"):
        await r2_store.read_bytes("k")


@pytest.mark.parametrize("seconds", [0, 8 * 24 * 3600])
def test_presign_expiry_out_of_range_is_a_configuration_error(tmp_path: Path, seconds: int) -> None:
    with pytest.raises(ConfigurationError, match="presigned URL lifetime"):
        R2BlobStore(
            endpoint_url="http://127.0.0.1:9",
            bucket="b",
            access_key_id="id",
            secret_access_key="secret",
            staging_dir=tmp_path,
            presign_expiry_seconds=seconds,
        )
