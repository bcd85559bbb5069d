"""Helpers for the render tests on the cloud providers (``test_cloud_*.py``): settings that
point the providers at their FAKE servers on loopback ports, and waits for a job state, an event
or a condition, each with a deadline.

Timing: providers poll every 0.1 s (``provider_poll_seconds``; Runway cannot go below its 5 s, so
its tests take one or two 5 s polls), retries wait ~0.05 s (plus the
worker's 1 s idle poll). Nothing sleeps to "let things happen".
"""

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from app.bootstrap import Core
from app.config import AppSettings
from app.domain import AssetQuery, Campaign, RenderJob, RenderStatus
from app.services.events import EventKind, JobEvent
from tests.app.workflow.conftest import ANA
from tests.fakes.fal_server import FAKE_FAL_KEY, FakeFalServer
from tests.fakes.replicate_server import (
    FAKE_REPLICATE_TOKEN,
    FakeReplicateServer,
    make_png,
    sign_webhook,
)
from tests.fakes.runway_server import FAKE_RUNWAY_API_KEY, FakeRunwayServer

QUEUED, RUNNING, PUBLISHED, FAILED, CANCELLED = (
    RenderStatus.QUEUED,
    RenderStatus.RUNNING,
    RenderStatus.PUBLISHED,
    RenderStatus.FAILED,
    RenderStatus.CANCELLED,
)
WAIT = 15.0
POLL = 0.1
PUBLIC_HOOKS = "https://hooks.example.test/relay"
"""The public URL providers are told (Replicate requires HTTPS webhooks); deliveries are posted
by the tests straight to the local relay, as a reverse proxy would forward them."""
MiB = 1024 * 1024
KIND_OF = {"replicate": "image", "runway": "video", "pika": "video"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cloud_settings(
    data_dir: Path,
    *,
    replicate: FakeReplicateServer | None = None,
    runway: FakeRunwayServer | None = None,
    fal: FakeFalServer | None = None,
    relay: bool = False,
    **overrides: Any,
) -> AppSettings:
    """Settings pointing the configured providers at their fakes; ``relay`` turns on the
    webhook relay on a free port with the public URL :data:`PUBLIC_HOOKS`."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "render_retry_base_seconds": 0.05,
        "provider_poll_seconds": POLL,
    }
    if replicate is not None:
        values |= {
            "replicate_api_token": FAKE_REPLICATE_TOKEN,
            "replicate_base_url": replicate.base_url,
            "replicate_webhook_secret": replicate.webhook_secret,
        }
    if runway is not None:
        values |= {"runway_api_key": FAKE_RUNWAY_API_KEY, "runway_base_url": runway.base_url}
    if fal is not None:
        values |= {
            "fal_key": FAKE_FAL_KEY,
            "fal_queue_base_url": fal.base_url,
            "fal_jwks_url": fal.jwks_url,
        }
    if relay:
        values |= {
            "webhook_relay": True,
            "webhook_port": free_port(),
            "public_webhook_url": PUBLIC_HOOKS,
        }
    return AppSettings(**(values | overrides))


async def eventually(
    probe: Callable[[], Awaitable[Any]], *, timeout: float = WAIT, what: str = "a condition"
) -> Any:
    """Poll ``probe`` until it returns something truthy (which is returned), within ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)


async def job_where(
    core: Core, job_id: str, check: Callable[[RenderJob], bool], *, timeout: float = WAIT
) -> RenderJob:
    """The job once ``check`` holds for it."""

    async def probe() -> RenderJob | None:
        job = await core.renderer.get_job(ANA, job_id)
        return job if check(job) else None

    try:
        found: RenderJob = await eventually(probe, timeout=timeout, what="the job")
    except AssertionError:
        job = await core.renderer.get_job(ANA, job_id)
        raise AssertionError(
            f"job never matched: status={job.status} retries={job.retries} "
            f"error={job.error!r} logs={job.logs}"
        ) from None
    return found


async def submitted(core: Core, job_id: str) -> RenderJob:
    """The job once the provider has it (running, with its provider job id)."""
    return await job_where(core, job_id, lambda j: j.status is RUNNING and bool(j.provider_job_id))


async def media_job(core: Core, campaign: Campaign, provider: str, **params: Any) -> RenderJob:
    """A media creative rendered by ``provider``; returns its queued job."""
    creative = await core.creatives.create_media_creative(
        ANA,
        campaign.id,
        kind=KIND_OF[provider],
        title=f"{provider} render",
        prompt="A red bicycle at dawn, cinematic",
        provider=provider,
        params=params or None,
    )
    assert creative.render_job_id is not None
    return await core.renderer.get_job(ANA, creative.render_job_id)


async def finished(core: Core, job_id: str, timeout: float = WAIT) -> RenderJob:
    job = await core.renderer.wait_for(ANA, job_id, timeout=timeout)
    assert job.status.terminal
    return job


async def generated_assets(core: Core) -> list[Any]:
    page = await core.storage.search(ANA, AssetQuery(include_archived=True, limit=500))
    return [asset for asset in page.items if asset.render_job_id is not None]


def gets_of(fake: FakeReplicateServer, prediction_id: str) -> int:
    path = f"/v1/predictions/{prediction_id}"
    return sum(1 for r in fake.requests if r.method == "GET" and r.path == path)


def unique_success(fake: FakeReplicateServer, prediction_id: str, index: int) -> bytes:
    """Finish a prediction with its own PNG (different bytes per prediction)."""
    data = make_png(32 + index, 24)
    name = f"{prediction_id}-unique.png"
    fake.files[name] = data
    fake.succeed(prediction_id, output=[f"{fake.origin}/files/{name}"])
    return data


@asynccontextmanager
async def autopilot(
    fake: FakeReplicateServer, action: Callable[[str, int], object]
) -> AsyncIterator[list[str]]:
    """Apply ``action(prediction_id, n)`` to each new prediction of the fake as it appears
    (the n-th one); yields the ids handled so far."""
    handled: list[str] = []

    async def run() -> None:
        while True:
            for prediction_id, prediction in list(fake.predictions.items()):
                if prediction_id not in handled and prediction["status"] == "starting":
                    handled.append(prediction_id)
                    action(prediction_id, len(handled) - 1)
            await asyncio.sleep(0.01)

    task = asyncio.create_task(run())
    try:
        yield handled
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def succeeding(fake: FakeReplicateServer) -> contextlib.AbstractAsyncContextManager[list[str]]:
    """Every new prediction succeeds with the fake's default PNG."""
    return autopilot(fake, lambda prediction_id, _n: fake.succeed(prediction_id))


@dataclass
class Recorder:
    """Every event of a core's bus, with its arrival time (``time.monotonic()``)."""

    events: list[tuple[float, JobEvent]] = field(default_factory=list)

    def of(self, job_id: str) -> list[tuple[float, JobEvent]]:
        return [(at, e) for at, e in self.events if e.job.id == job_id]

    def published(self, job_id: str) -> list[JobEvent]:
        return [e for _, e in self.of(job_id) if e.kind is EventKind.JOB_FINISHED]


@asynccontextmanager
async def recording(core: Core) -> AsyncIterator[Recorder]:
    recorder = Recorder()
    async with core.events.subscribe(records=["render_job"]) as queue:

        async def drain() -> None:
            while True:
                event = await queue.get()
                recorder.events.append((time.monotonic(), event))

        task = asyncio.create_task(drain())
        try:
            yield recorder
            await core.events.caught_up()
        finally:
            # Whatever is already queued is recorded too.
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            while not queue.empty():
                recorder.events.append((time.monotonic(), queue.get_nowait()))


async def post_signed(url: str, body: bytes, secret: str, *, chunked: bool = False) -> int:
    """POST a correctly signed Replicate delivery of ``body`` (the fake's own sender posts raw
    bytes, which aiohttp warns about for a body over 1 MiB); ``chunked`` sends it without a
    Content-Length."""
    headers = sign_webhook(body, secret=secret, msg_id="msg_big", timestamp=int(time.time()))

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.post(url, content=pieces() if chunked else body, headers=headers)
    return answer.status_code


def replicate_hooks(core: Core) -> str:
    assert core.webhook_relay_url is not None
    return f"{core.webhook_relay_url}/webhooks/replicate"


def fal_hooks(core: Core) -> str:
    assert core.webhook_relay_url is not None
    return f"{core.webhook_relay_url}/webhooks/fal"
