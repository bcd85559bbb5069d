"""Whole cores for the render tests, on each store kind: with the render worker running, and
without one (jobs stay queued until a core with a worker picks them up)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from app.adapters.storage import LocalBlobStore
from app.bootstrap import Core, build_core
from app.config import AppSettings
from tests.conftest import open_store

STORE_KINDS = ["sqlite", "mongo-fake"]


def render_settings(data_dir: Path, *, worker: bool) -> AppSettings:
    return AppSettings(data_dir=data_dir, render_worker=worker, render_retry_base_seconds=0.05)


async def _cores(kind: str, tmp_path: Path, *, worker: bool) -> AsyncIterator[Core]:
    settings = render_settings(tmp_path / "data", worker=worker)
    async for store in open_store(kind, tmp_path):
        built = build_core(settings, store, LocalBlobStore(settings.data_dir / "media"))
        if worker:
            assert built.renderer.worker is not None
            built.renderer.worker.start()
        else:
            assert built.renderer.worker is None
        try:
            yield built
        finally:
            await built.close()


@pytest.fixture(params=STORE_KINDS)
async def core(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Core]:
    """Every service over a fresh store, with the render worker running."""
    async for built in _cores(request.param, tmp_path, worker=True):
        yield built


@pytest.fixture(params=STORE_KINDS)
async def idle_core(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Core]:
    """Every service over a fresh store, without a render worker: queued jobs stay queued."""
    async for built in _cores(request.param, tmp_path, worker=False):
        yield built


@asynccontextmanager
async def working_core(idle: Core) -> AsyncIterator[Core]:
    """A second core (another workstation) on the same store and media folder as ``idle``,
    with its render worker running; its worker stops on exit."""
    settings = render_settings(idle.settings.data_dir, worker=True)
    built = build_core(settings, idle.store, idle.blobs)
    assert built.renderer.worker is not None
    built.renderer.worker.start()
    try:
        yield built
    finally:
        await built.close()
