"""A whole core (every service) on each store kind, with the local media folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.adapters.storage import LocalBlobStore
from app.bootstrap import Core, build_core
from app.config import AppSettings
from app.domain import Actor, Role
from tests.conftest import open_store

ANA = Actor(tenant_id="acme", user_id="ana", roles={Role.EDITOR})
BEA = Actor(tenant_id="acme", user_id="bea", roles={Role.APPROVER})
CAL = Actor(tenant_id="acme", user_id="cal", roles={Role.APPROVER})
ADA = Actor(tenant_id="acme", user_id="ada", roles={Role.ADMIN})
VIC = Actor(tenant_id="acme", user_id="vic", roles={Role.VIEWER})
GUS = Actor(tenant_id="globex", user_id="gus", roles={Role.ADMIN})

APPROVERS = [
    Actor(tenant_id="acme", user_id=f"approver{n}", roles={Role.APPROVER}) for n in range(8)
]


@pytest.fixture(params=["sqlite", "mongo-fake"])
async def core(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Core]:
    """Every service over a fresh store of each kind; the data folder is ``tmp_path/data``."""
    settings = AppSettings(data_dir=tmp_path / "data", render_retry_base_seconds=0.05)
    async for store in open_store(request.param, tmp_path):
        blobs = LocalBlobStore(settings.data_dir / "media")
        built = build_core(settings, store, blobs)
        if built.renderer.worker is not None:
            built.renderer.worker.start()
        yield built
        await built.close()
