"""A closed core's cloud providers stay closed: a call that comes after the close (a task that
outlived it) is refused instead of opening an HTTP session that nobody would close."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.adapters.providers import http_client
from app.bootstrap import open_core
from app.domain.errors import ProviderError
from tests.app.render.cloud import cloud_settings
from tests.fakes.fal_server import FakeFalServer
from tests.fakes.replicate_server import FakeReplicateServer
from tests.fakes.runway_server import FakeRunwayServer


async def test_a_closed_cores_providers_refuse_calls_and_open_no_session(
    tmp_path: Path,
    replicate: FakeReplicateServer,
    runway: FakeRunwayServer,
    fal: FakeFalServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[http_client.HttpClient] = []
    open_session = http_client.HttpClient._session_for_loop

    def recorded(self: http_client.HttpClient) -> object:
        opened.append(self)
        return open_session(self)

    monkeypatch.setattr(http_client.HttpClient, "_session_for_loop", recorded)
    settings = cloud_settings(
        tmp_path / "data", replicate=replicate, runway=runway, fal=fal, render_worker=False
    )
    async with open_core(settings) as core:
        cloud = {name: core.providers[name] for name in ("replicate", "runway", "pika")}
    opened.clear()

    for name, provider in cloud.items():
        with pytest.raises(ProviderError, match="closed"):
            await provider.poll_status("a-job-after-the-close")
        assert opened == [], f"{name} opened an HTTP session after its close"
