"""A whole core (every service) on each store kind, the real MongoDB-protocol server included
when one is configured; test modules import :func:`whole_core` to use it as ``core``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.adapters.storage import LocalBlobStore
from app.bootstrap import Core, build_core
from app.config import AppSettings
from tests.conftest import STORE_KINDS, open_store


@pytest.fixture(params=STORE_KINDS, name="core")
async def whole_core(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Core]:
    """Every service over a fresh store of each kind, without the render worker."""
    settings = AppSettings(data_dir=tmp_path / "data", render_worker=False)
    async for store in open_store(request.param, tmp_path):
        built = build_core(settings, store, LocalBlobStore(settings.data_dir / "media"))
        yield built
        await built.close()
