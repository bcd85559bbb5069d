"""Fixtures for the blob store tests: a local store in a temp folder, and an R2 store pointed at
a fresh bucket on a FAKE S3 server (moto, loopback, one per test session)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.adapters.storage import LocalBlobStore, R2BlobStore
from tests.fakes.moto_s3 import FakeS3Server

# Distinctive, so a test can prove no error message ever shows it.
R2_SECRET = "r2-SECRET-never-shown-7f3c9a"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[FakeS3Server]:
    server = FakeS3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def moto_endpoint(moto_server: FakeS3Server) -> str:
    return moto_server.endpoint_url


@pytest.fixture(scope="session")
def s3_admin(moto_server: FakeS3Server) -> Iterator[Any]:
    """A separate boto3 client, to create buckets and check what the store wrote."""
    client = moto_server.client()
    yield client
    client.close()


@pytest.fixture
def r2_bucket(moto_server: FakeS3Server, s3_admin: Any) -> str:
    name = f"test-{uuid.uuid4().hex[:16]}"
    moto_server.create_bucket(s3_admin, name)
    return name


@pytest.fixture
def r2_secret() -> str:
    return R2_SECRET


@pytest.fixture
async def r2_factory(
    moto_endpoint: str, tmp_path: Path
) -> AsyncIterator[Callable[..., R2BlobStore]]:
    """Builds R2 stores (default: the moto endpoint) and closes them all after the test."""
    stores: list[R2BlobStore] = []

    def make(bucket: str, *, endpoint: str | None = None, **options: Any) -> R2BlobStore:
        store = R2BlobStore(
            endpoint_url=endpoint or moto_endpoint,
            bucket=bucket,
            access_key_id="test-access-key",
            secret_access_key=R2_SECRET,
            staging_dir=tmp_path / "r2-staging",
            **options,
        )
        stores.append(store)
        return store

    yield make
    for store in stores:
        await store.close()


@pytest.fixture
def r2_store(r2_factory: Callable[..., R2BlobStore], r2_bucket: str) -> R2BlobStore:
    return r2_factory(r2_bucket)


@pytest.fixture
def local_store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "media")
