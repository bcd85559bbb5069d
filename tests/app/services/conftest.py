"""A StorageService on every store kind, with the local blob store and the real media tools."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.adapters.media import LocalMediaInspector
from app.adapters.storage import LocalBlobStore
from app.domain import Actor, Role
from app.ports.clock import SystemClock
from app.ports.repositories import Store
from app.services.access import AccessControl
from app.services.activity_log import ActivityLog
from app.services.context import ServiceContext
from app.services.storage_service import StorageService
from tests.conftest import open_store

ANA = Actor(tenant_id="acme", user_id="ana", roles={Role.EDITOR})
VIC = Actor(tenant_id="acme", user_id="vic", roles={Role.VIEWER})
GLOBEX = Actor(tenant_id="globex", user_id="gus", roles={Role.ADMIN})


@pytest.fixture(params=["sqlite", "mongo-fake"])
async def library_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async for store in open_store(request.param, tmp_path):
        yield store


@pytest.fixture
def media_root(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
def storage_factory(library_store: Store, media_root: Path):  # type: ignore[no-untyped-def]
    def build(max_upload_bytes: int = 50 * 1024 * 1024) -> StorageService:
        clock = SystemClock()
        return StorageService(
            assets=library_store.assets,
            creatives=library_store.creatives,
            blobs=LocalBlobStore(media_root),
            media=LocalMediaInspector(),
            context=ServiceContext(
                access=AccessControl(library_store.members, clock, stored_roles=False),
                activity=ActivityLog(library_store.activity, clock),
                clock=clock,
            ),
            max_upload_bytes=max_upload_bytes,
        )

    return build


@pytest.fixture
def storage(storage_factory) -> StorageService:  # type: ignore[no-untyped-def]
    service: StorageService = storage_factory()
    return service
