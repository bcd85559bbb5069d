"""Whole cores for the render tests, on each store kind: with the render worker running, and
without one (jobs stay queued until a core with a worker picks them up); the providers' FAKE
servers, and cores pointed at them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from app.adapters.storage import LocalBlobStore
from app.bootstrap import Core, build_core, open_core
from app.config import AppSettings
from tests.app.render.cloud import cloud_settings
from tests.conftest import open_store
from tests.fakes.fake_time import FakeTime
from tests.fakes.fal_server import FakeFalServer
from tests.fakes.replicate_server import FakeReplicateServer
from tests.fakes.runway_server import FakeRunwayServer

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


@pytest.fixture
async def replicate() -> AsyncIterator[FakeReplicateServer]:
    async with FakeReplicateServer() as fake:
        yield fake


@pytest.fixture
async def runway() -> AsyncIterator[FakeRunwayServer]:
    async with FakeRunwayServer() as fake:
        yield fake


@pytest.fixture
async def fal() -> AsyncIterator[FakeFalServer]:
    async with FakeFalServer() as fake:
        yield fake


@pytest.fixture
async def open_cores(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[Core]]]:
    """``await open_cores(**cloud_settings options)``: a core on ``tmp_path/data`` (the same
    database for every core of a test), closed after the test; ``time=FakeTime()`` runs its
    polls, backoffs and leases on fake time (stopped once every core is closed)."""
    async with AsyncExitStack() as stack:
        times: list[FakeTime] = []

        async def make(*, time: FakeTime | None = None, **options: Any) -> Core:
            data_dir = options.pop("data_dir", tmp_path / "data")
            if time is not None and time not in times:
                times.append(time)
                stack.push_async_callback(time.aclose)  # after the cores that use it close
            settings = cloud_settings(data_dir, **options)
            return await stack.enter_async_context(open_core(settings, clock=time, sleeper=time))

        yield make
