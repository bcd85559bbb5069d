"""Render jobs on the cloud providers, end to end through ``open_core``: Replicate, Runway and
Pika (fal) against their FAKE servers on loopback ports, the leased worker, retries, cancel,
resuming after a restart or a dead worker, two cores on one database, and webhooks through the
relay (product.md "Render jobs", "Providers", "Webhook relay").

Timing: providers poll every 0.1 s (``provider_poll_seconds``; Runway cannot go below its 5 s, so
its tests take one or two 5 s polls), retries wait ~0.05 s (plus the worker's 1 s idle poll).
Nothing sleeps to "let things happen": tests wait for a job state, an event or a condition, each
with a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.adapters.providers.http_client import HttpClient
from app.adapters.providers.replicate_provider import ReplicateProvider
from app.adapters.sqlite.render_jobs import SqliteRenderJobRepository
from app.bootstrap import Core, open_core
from app.config import AppSettings
from app.domain import AssetQuery, Campaign, RenderJob, RenderStatus
from app.domain.errors import InvalidTransition, ProviderError
from app.ports.render_provider import RenderRequest
from app.services import render_worker
from app.services.events import EventKind, JobEvent
from tests.app.workflow.conftest import ANA
from tests.app.workflow.helpers import campaign_with_strategy
from tests.fakes.fal_server import FAKE_FAL_KEY, FakeFalServer
from tests.fakes.replicate_server import (
    FAKE_REPLICATE_TOKEN,
    Behaviour,
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


# ---------------------------------------------------------------------------------- fixtures


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


@pytest.fixture
async def open_cores(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[Core]]]:
    """``await open_cores(**cloud_settings options)``: a core on ``tmp_path/data`` (the same
    database for every core of a test), closed after the test."""
    async with AsyncExitStack() as stack:

        async def make(**options: Any) -> Core:
            data_dir = options.pop("data_dir", tmp_path / "data")
            return await stack.enter_async_context(open_core(cloud_settings(data_dir, **options)))

        yield make


# ---------------------------------------------------------------------------------- helpers


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
    async with core.events.subscribe() as queue:

        async def drain() -> None:
            while True:
                event = await queue.get()
                recorder.events.append((time.monotonic(), event))

        task = asyncio.create_task(drain())
        try:
            yield recorder
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


# ------------------------------------------------------------------ 1. success with progress


async def test_replicate_progress_from_tqdm_logs_then_published_with_the_output(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    core = await open_cores(replicate=replicate)
    campaign = await campaign_with_strategy(core)
    job = await media_job(core, campaign, "replicate")
    assert job.status in (QUEUED, RUNNING)  # the worker may have submitted it already

    running = await submitted(core, job.id)
    prediction_id = running.provider_job_id
    assert prediction_id in replicate.predictions
    replicate.progress(prediction_id, 3, 10)
    at_3 = await job_where(core, job.id, lambda j: j.progress.step == 3)
    assert at_3.status is RUNNING
    assert at_3.progress.fraction == pytest.approx(0.3)
    assert at_3.progress.total_steps == 10
    assert any("3/10" in line for line in at_3.logs)
    assert at_3.eta_seconds is not None

    replicate.progress(prediction_id, 7, 10)
    at_7 = await job_where(core, job.id, lambda j: j.progress.step == 7)
    assert at_7.progress.fraction == pytest.approx(0.7)
    assert any("7/10" in line for line in at_7.logs)

    files = replicate.succeed(prediction_id)
    done = await finished(core, job.id)
    assert done.status is PUBLISHED, done.error
    assert done.asset_id is not None
    assert done.result_url
    assert done.progress.fraction == 1.0
    assert done.error is None
    asset = await core.storage.get(ANA, done.asset_id)
    assert asset.render_job_id == job.id
    assert await core.blobs.read_bytes(asset.storage_key) == files[0]
    creative = await core.store.creatives.get(ANA.tenant_id, job.creative_id)
    assert done.asset_id in creative.asset_ids
    assert replicate.create_calls == 1
    assert len(replicate.predictions) == 1
    assert done.submissions == 1
    assert done.retries == 0


async def test_runway_progress_field_then_published_with_the_video(
    open_cores: Callable[..., Awaitable[Core]], runway: FakeRunwayServer
) -> None:
    core = await open_cores(runway=runway)
    campaign = await campaign_with_strategy(core)
    # Runway is polled every 5 s at most (the first poll comes one interval after the create):
    # the task is moved on between polls.
    job = await media_job(core, campaign, "runway")
    task_id = (await submitted(core, job.id)).provider_job_id
    assert task_id in runway.tasks
    runway.run(task_id, 0.4)
    halfway = await job_where(core, job.id, lambda j: j.progress.fraction > 0)
    assert halfway.status is RUNNING
    assert halfway.progress.fraction == pytest.approx(0.4)

    runway.succeed(task_id)
    done = await finished(core, job.id)
    assert done.status is PUBLISHED, done.error
    assert done.asset_id is not None
    asset = await core.storage.get(ANA, done.asset_id)
    assert await core.blobs.read_bytes(asset.storage_key) == runway.video
    assert asset.type.value == "video"
    creates = [r for r in runway.requests if r.method == "POST"]
    assert len(creates) == 1
    assert done.submissions == 1


# ------------------------------------------------------------- 2./3./4. transient failures


async def test_replicate_500s_on_create_are_retried_until_it_publishes(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    core = await open_cores(replicate=replicate)
    campaign = await campaign_with_strategy(core)
    replicate.script("create", "500", "500")
    async with succeeding(replicate):
        job = await media_job(core, campaign, "replicate")
        done = await finished(core, job.id)
    assert done.status is PUBLISHED, done.error
    assert done.asset_id is not None
    assert replicate.create_calls == 3
    assert len(replicate.predictions) == 1  # only the third create made a prediction
    assert done.retries == 2
    logs = "\n".join(done.logs)
    assert "retry 1 of 3" in logs
    assert "retry 2 of 3" in logs
    assert "HTTP 500" in logs


async def test_replicate_429_waits_at_least_retry_after_then_publishes(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    core = await open_cores(replicate=replicate)
    campaign = await campaign_with_strategy(core)
    replicate.script(
        "create",
        Behaviour(
            429,
            headers={"Retry-After": "1"},
            body={"detail": "Request was throttled. Expected available in 1 second."},
        ),
    )
    async with (
        recording(core) as recorder,
        succeeding(replicate),
    ):
        job = await media_job(core, campaign, "replicate")
        done = await finished(core, job.id)
    assert done.status is PUBLISHED, done.error
    assert replicate.create_calls == 2
    assert done.retries == 1

    history = recorder.of(job.id)
    requeued = [(at, e.job) for at, e in history if e.job.status is QUEUED and e.job.retries == 1]
    assert requeued, [e.job.status for _, e in history]
    seen_at, waiting = requeued[0]
    assert waiting.error is not None
    assert "429" in waiting.error or "rate" in waiting.error
    # available_at is set from the failure (before the write that stamps updated_at).
    assert waiting.available_at - waiting.updated_at >= timedelta(seconds=0.95)
    resubmitted = [
        at for at, e in history if at >= seen_at and e.job.status is RUNNING and e.job.retries == 1
    ]
    assert resubmitted
    assert resubmitted[0] - seen_at >= 0.95, "re-submitted before Retry-After had passed"


async def test_replicate_timeouts_on_create_poll_and_download_are_retried(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    """No setting bounds the providers' HTTP calls (30 s reads), so the core's Replicate
    provider is swapped for one on a client with 0.5 s timeouts, before any job is queued."""
    core = await open_cores(replicate=replicate)
    async with HttpClient(timeout=0.5) as client:
        core.providers["replicate"] = ReplicateProvider(
            api_token=FAKE_REPLICATE_TOKEN,
            base_url=replicate.base_url,
            webhook_secret=replicate.webhook_secret,
            client=client,
            poll_interval=POLL,
        )
        campaign = await campaign_with_strategy(core)
        replicate.script("create", "slow")  # the first create never answers in time
        replicate.script("get", "slow")  # nor the first poll of the prediction
        replicate.script("file", "stall")  # and the first download stalls halfway
        async with succeeding(replicate):
            job = await media_job(core, campaign, "replicate")
            done = await finished(core, job.id, timeout=30)
        assert done.status is PUBLISHED, done.error
        assert done.asset_id is not None
        logs = "\n".join(done.logs)
        assert "did not answer in time" in logs
        # The slow create was submitted again (it made no prediction); the stalled download
        # was downloaded again from the same finished prediction (no second render to pay
        # for); the slow poll was simply polled again.
        assert done.retries == 2, logs
        assert replicate.create_calls == 2
        assert len(replicate.predictions) == 1
        assert "download failed" in logs
        first_prediction = next(iter(replicate.predictions))
        assert gets_of(replicate, first_prediction) >= 2  # the timed-out poll was repeated


# ------------------------------------------------------------------ 5. permanent failures


async def test_replicate_422_on_create_fails_at_once(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    core = await open_cores(replicate=replicate)
    campaign = await campaign_with_strategy(core)
    replicate.script("create", "422")
    job = await media_job(core, campaign, "replicate")
    done = await finished(core, job.id)
    assert done.status is FAILED
    assert done.error is not None
    assert "422" in done.error
    assert "num_outputs" in done.error
    assert done.retries == 0
    assert done.asset_id is None
    assert replicate.create_calls == 1
    assert done.submissions == 1
    assert any("permanent error" in line for line in done.logs)


async def test_replicate_safety_failure_fails_at_once(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    core = await open_cores(replicate=replicate)
    campaign = await campaign_with_strategy(core)
    nsfw = "NSFW content detected. Try running it again, or try a different prompt."
    async with autopilot(replicate, lambda pid, _n: replicate.fail(pid, nsfw)):
        job = await media_job(core, campaign, "replicate")
        done = await finished(core, job.id)
    assert done.status is FAILED
    assert done.error is not None
    assert "NSFW" in done.error
    assert done.retries == 0
    assert replicate.create_calls == 1
    assert done.submissions == 1


async def test_runway_safety_failure_code_fails_at_once(
    open_cores: Callable[..., Awaitable[Core]], runway: FakeRunwayServer
) -> None:
    core = await open_cores(runway=runway)
    campaign = await campaign_with_strategy(core)
    job = await media_job(core, campaign, "runway")
    task_id = (await submitted(core, job.id)).provider_job_id
    runway.fail(task_id, code="SAFETY.INPUT.TEXT", failure="The prompt was flagged.")
    done = await finished(core, job.id)
    assert done.status is FAILED
    assert done.error is not None
    assert "SAFETY" in done.error
    assert done.retries == 0
    assert len([r for r in runway.requests if r.method == "POST"]) == 1
    assert done.submissions == 1


# ------------------------------------------------------------------ 6. retries exhausted


async def test_a_render_failing_every_time_is_submitted_four_times_then_fails(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    core = await open_cores(replicate=replicate)
    campaign = await campaign_with_strategy(core)
    oom = "CUDA out of memory. Tried to allocate 2.00 GiB"
    async with autopilot(replicate, lambda pid, _n: replicate.fail(pid, oom)):
        job = await media_job(core, campaign, "replicate")
        done = await finished(core, job.id, timeout=30)
    assert done.status is FAILED
    assert done.error is not None
    assert "CUDA out of memory" in done.error
    assert "gave up after 3 retries" in done.error
    assert done.retries == 3
    assert replicate.create_calls == 4
    assert len(replicate.predictions) == 4
    assert done.submissions == 4
    assert done.asset_id is None


# ------------------------------------------------------------------------------ 7. cancel


async def test_cancel_a_queued_job_never_reaches_the_provider(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    core = await open_cores(replicate=replicate, render_worker=False)
    campaign = await campaign_with_strategy(core)
    job = await media_job(core, campaign, "replicate")
    cancelled = await core.renderer.cancel(ANA, job.id)
    assert cancelled.status is CANCELLED
    assert cancelled.error is None
    assert (await core.renderer.get_job(ANA, job.id)).status is CANCELLED
    # A worker opened later does not pick it up either.
    other = await open_cores(replicate=replicate)
    second = await media_job(other, campaign, "replicate")
    await submitted(other, second.id)
    assert (await other.renderer.get_job(ANA, job.id)).status is CANCELLED
    assert replicate.create_calls == 1


FAKES: dict[str, tuple[str, Callable[[], Any]]] = {
    "replicate": ("replicate", FakeReplicateServer),
    "runway": ("runway", FakeRunwayServer),
    "pika": ("fal", FakeFalServer),
}


@pytest.mark.parametrize("provider", ["replicate", "runway", "pika"])
async def test_cancel_a_running_job_cancels_it_at_the_provider_first(
    open_cores: Callable[..., Awaitable[Core]], provider: str
) -> None:
    option, server = FAKES[provider]
    async with server() as fake:
        await cancel_running(await open_cores(**{option: fake}), fake, provider)


async def cancel_running(core: Core, fake: Any, provider: str) -> None:
    campaign = await campaign_with_strategy(core)
    job = await media_job(core, campaign, provider)
    provider_job_id = (await submitted(core, job.id)).provider_job_id
    assert provider_job_id is not None

    cancelled = await core.renderer.cancel(ANA, job.id)
    assert cancelled.status is CANCELLED

    if provider == "replicate":
        cancels = [(r.method, r.path) for r in fake.requests if r.path.endswith("/cancel")]
        assert cancels == [("POST", f"/v1/predictions/{provider_job_id}/cancel")]
        assert fake.predictions[provider_job_id]["status"] == "canceled"
    elif provider == "runway":
        deletes = [r.path for r in fake.requests if r.method == "DELETE"]
        assert deletes == [f"/v1/tasks/{provider_job_id}"]
        assert fake.tasks[provider_job_id].status == "CANCELLED"
    else:
        puts = [r.path for r in fake.requests if r.method == "PUT"]
        assert puts == [f"/fal-ai/pika/requests/{provider_job_id}/cancel"]
        assert fake.queue[provider_job_id].cancel_requested

    # The job stays cancelled; nothing is published afterwards.
    final = await core.renderer.get_job(ANA, job.id)
    assert final.status is CANCELLED
    assert final.asset_id is None
    assert await generated_assets(core) == []


@dataclass
class CancelRace:
    outcome: RenderJob | BaseException
    final: RenderJob
    kinds: list[EventKind]


async def cancel_while_a_webhook_publishes(
    core: Core, replicate: FakeReplicateServer
) -> CancelRace:
    """The user cancels a running job; Replicate takes a moment to answer the cancel, and the
    completion webhook publishes the job meanwhile."""
    url = replicate_hooks(core)
    campaign = await campaign_with_strategy(core)
    async with recording(core) as recorder:
        job = await media_job(core, campaign, "replicate")
        prediction_id = (await submitted(core, job.id)).provider_job_id
        replicate.succeed(prediction_id)
        replicate.script("cancel", Behaviour(delay=0.5))
        cancelling = asyncio.create_task(core.renderer.cancel(ANA, job.id))

        async def cancel_sent() -> bool:
            return any(r.path.endswith("/cancel") for r in replicate.requests)

        await eventually(cancel_sent, what="the cancel request")
        assert (await replicate.send_webhook(url, prediction_id))[0] == 200
        assert (await core.renderer.get_job(ANA, job.id)).status is PUBLISHED
        (outcome,) = await asyncio.gather(cancelling, return_exceptions=True)
    final = await core.renderer.get_job(ANA, job.id)
    return CancelRace(outcome, final, [e.kind for _, e in recorder.of(job.id)])


async def test_a_cancel_overtaken_by_the_publication_says_the_job_had_finished(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    core = await open_cores(replicate=replicate, relay=True, provider_poll_seconds=5)
    race = await cancel_while_a_webhook_publishes(core, replicate)
    assert race.final.status is PUBLISHED
    assert race.final.asset_id is not None
    # cancel() documents InvalidTransition for a job that has already finished; it must not
    # hand back a published job as the result of a successful cancel.
    outcome = race.outcome
    said = f"a {outcome.status} job" if isinstance(outcome, RenderJob) else repr(outcome)
    assert isinstance(outcome, InvalidTransition), f"cancel() returned {said}"


async def test_a_cancel_overtaken_by_the_publication_announces_published_once(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    core = await open_cores(replicate=replicate, relay=True, provider_poll_seconds=5)
    race = await cancel_while_a_webhook_publishes(core, replicate)
    assert race.final.status is PUBLISHED
    assert race.kinds.count(EventKind.JOB_FINISHED) == 1, race.kinds
    assert EventKind.JOB_CANCELLED not in race.kinds


async def test_a_refused_cancel_leaves_the_job_running(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    core = await open_cores(replicate=replicate)
    campaign = await campaign_with_strategy(core)
    job = await media_job(core, campaign, "replicate")
    prediction_id = (await submitted(core, job.id)).provider_job_id
    replicate.script("cancel", "500")
    with pytest.raises(ProviderError):
        await core.renderer.cancel(ANA, job.id)
    assert (await core.renderer.get_job(ANA, job.id)).status is RUNNING
    replicate.succeed(prediction_id)
    done = await finished(core, job.id)
    assert done.status is PUBLISHED, done.error


# ------------------------------------------------------------- 8. restart and dead workers


async def test_a_new_core_resumes_polling_the_prediction_of_a_closed_one(
    tmp_path: Path, replicate: FakeReplicateServer
) -> None:
    settings = cloud_settings(tmp_path / "data", replicate=replicate)
    async with open_core(settings) as first:
        campaign = await campaign_with_strategy(first)
        job = await media_job(first, campaign, "replicate")
        prediction_id = (await submitted(first, job.id)).provider_job_id
        replicate.start_processing(prediction_id)
        await job_where(first, job.id, lambda j: any("Using seed" in line for line in j.logs))
    # The first core is closed mid-render; the prediction finishes meanwhile.
    polled_before = gets_of(replicate, prediction_id)
    files = replicate.succeed(prediction_id)
    async with open_core(settings) as second:
        done = await finished(second, job.id)
        assert done.status is PUBLISHED, done.error
        assert done.provider_job_id == prediction_id
        asset = await second.storage.get(ANA, done.asset_id)
        assert await second.blobs.read_bytes(asset.storage_key) == files[0]
    assert gets_of(replicate, prediction_id) > polled_before
    assert replicate.create_calls == 1
    assert done.submissions == 1


async def test_a_job_leased_by_a_dead_worker_is_resumed_without_a_new_submission(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    idle = await open_cores(replicate=replicate, render_worker=False)
    campaign = await campaign_with_strategy(idle)
    now, now_monotonic = idle.clock.now(), time.monotonic()
    leases = {"expired": now - timedelta(seconds=5), "expiring": now + timedelta(seconds=1.5)}
    jobs: dict[str, RenderJob] = {}
    for name, lease_until in leases.items():
        job = await media_job(idle, campaign, "replicate")
        # A worker that died after submitting: it holds the lease and the provider job id.
        prediction_id = await idle.providers["replicate"].render(
            RenderRequest(job_id=job.id, kind=job.kind, prompt=job.prompt)
        )
        stored = await idle.store.render_jobs.get(job.tenant_id, job.id)
        jobs[name] = await idle.store.render_jobs.update(
            stored.model_copy(
                update={
                    "status": RUNNING,
                    "provider_job_id": prediction_id,
                    "submitted_at": now,
                    "submissions": 1,
                    "lease_owner": "dead-workstation-1234",
                    "lease_expires_at": lease_until,
                }
            )
        )
        replicate.succeed(prediction_id)
    assert replicate.create_calls == 2

    first_poll: dict[str, float] = {}

    async def watch() -> None:
        while len(first_poll) < len(jobs):
            for name, job in jobs.items():
                if name not in first_poll and gets_of(replicate, job.provider_job_id or ""):
                    first_poll[name] = time.monotonic()
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch())
    worker = await open_cores(replicate=replicate)
    try:
        for job in jobs.values():
            done = await finished(worker, job.id)
            assert done.status is PUBLISHED, done.error
            assert done.asset_id is not None
            assert done.provider_job_id == job.provider_job_id
            assert done.submissions == 1
            assert done.lease_owner is None
        await asyncio.wait_for(watcher, WAIT)
    finally:
        watcher.cancel()
    assert replicate.create_calls == 2  # nothing was submitted again
    # The live lease was honoured: its job was not touched before the lease ran out.
    expiring_after = (leases["expiring"] - now).total_seconds()
    assert first_poll["expiring"] - now_monotonic >= expiring_after - 0.05


async def test_a_long_render_keeps_its_lease_so_another_core_never_takes_it_over(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    first = await open_cores(replicate=replicate, render_lease_seconds=0.6)
    second = await open_cores(replicate=replicate, render_lease_seconds=0.6)
    campaign = await campaign_with_strategy(first)
    job = await media_job(first, campaign, "replicate")
    owners: set[str] = set()

    async def watch() -> None:
        while True:
            current = await second.store.render_jobs.get(job.tenant_id, job.id)
            if current.lease_owner is not None:
                owners.add(current.lease_owner)
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch())
    try:
        running = await submitted(first, job.id)
        prediction_id = running.provider_job_id
        replicate.start_processing(prediction_id)
        # The render lasts several lease periods: the lease is renewed all along.
        submitted_at = running.submitted_at
        assert submitted_at is not None
        await job_where(
            second,
            job.id,
            lambda j: (
                j.lease_expires_at is not None
                and j.lease_expires_at > submitted_at + timedelta(seconds=2.0)
            ),
        )
        replicate.succeed(prediction_id)
        done = await finished(first, job.id)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    assert done.status is PUBLISHED, done.error
    assert len(owners) == 1, owners
    assert replicate.create_calls == 1
    assert done.submissions == 1


# ------------------------------------------------------------ 9. two cores, one database


async def test_two_cores_on_one_database_submit_each_job_exactly_once(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    first = await open_cores(replicate=replicate)
    second = await open_cores(replicate=replicate)
    campaign = await campaign_with_strategy(first)
    outputs: dict[str, bytes] = {}

    def succeed(prediction_id: str, n: int) -> None:
        outputs[prediction_id] = unique_success(replicate, prediction_id, n)

    async with autopilot(replicate, succeed):
        jobs = [await media_job(first, campaign, "replicate") for _ in range(10)]
        done = [await finished(first, job.id, timeout=30) for job in jobs]
    assert [job.status for job in done] == [PUBLISHED] * 10, [j.error for j in done]
    assert replicate.create_calls == 10
    assert len(replicate.predictions) == 10
    assert [job.submissions for job in done] == [1] * 10
    assert len({job.provider_job_id for job in done}) == 10
    for job in done:
        asset = await second.storage.get(ANA, job.asset_id)
        assert asset.render_job_id == job.id
        assert await second.blobs.read_bytes(asset.storage_key) == outputs[job.provider_job_id]
    assert len(await generated_assets(first)) == 10


@pytest.mark.parametrize(("overall", "per_provider"), [(2, 4), (4, 2)])
async def test_no_more_renders_run_at_once_than_the_limits_allow(
    open_cores: Callable[..., Awaitable[Core]],
    replicate: FakeReplicateServer,
    overall: int,
    per_provider: int,
) -> None:
    """``render_concurrency`` and the provider's own limit both bound the renders at the
    provider; free slots are claimed together, yet never beyond either limit."""
    core = await open_cores(replicate=replicate, render_concurrency=overall)
    core.providers["replicate"].max_concurrency = per_provider
    campaign = await campaign_with_strategy(core)
    jobs = [await media_job(core, campaign, "replicate") for _ in range(7)]
    limit, peak, finished_ids = min(overall, per_provider), 0, set()
    deadline = time.monotonic() + WAIT
    while len(finished_ids) < len(jobs) and time.monotonic() < deadline:
        active = [
            pid
            for pid, prediction in replicate.predictions.items()
            if prediction["status"] in ("starting", "processing")
        ]
        peak = max(peak, len(active))
        if len(active) == limit or (active and len(replicate.predictions) == len(jobs)):
            replicate.succeed(active[0])  # one render ends: one slot opens
        for job in jobs:
            if (await core.renderer.get_job(ANA, job.id)).status.terminal:
                finished_ids.add(job.id)
        await asyncio.sleep(0.05)

    assert len(finished_ids) == len(jobs)
    assert peak == limit
    assert replicate.create_calls == len(jobs)


async def test_free_slots_are_claimed_together_beside_a_provider_with_a_smaller_limit(
    open_cores: Callable[..., Awaitable[Core]],
    replicate: FakeReplicateServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The local providers take 1–2 renders at once; that must not make a worker claim the
    jobs of a roomier provider one transaction at a time."""
    idle = await open_cores(replicate=replicate, render_worker=False)
    campaign = await campaign_with_strategy(idle)
    jobs = [await media_job(idle, campaign, "replicate") for _ in range(4)]
    claims: list[tuple[int, dict[str, int], int]] = []
    claim = SqliteRenderJobRepository.claim

    async def recorded(self: SqliteRenderJobRepository, **options: Any) -> list[RenderJob]:
        claimed = await claim(self, **options)
        claims.append((options["limit"], dict(options["room"]), len(claimed)))
        return claimed

    monkeypatch.setattr(SqliteRenderJobRepository, "claim", recorded)
    core = await open_cores(replicate=replicate, render_concurrency=4)
    assert core.providers["local-image"].max_concurrency < 4
    running = [await submitted(core, job.id) for job in jobs]

    assert claims[0] == (4, {"replicate": 4, "local-image": 2, "local-video": 1}, 4)
    assert {job.lease_owner for job in running} == {core.renderer.worker.worker_id}
    assert replicate.create_calls == 4


async def test_while_renders_take_long_no_job_is_claimed_ahead(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    """Jobs beyond the free slots stay in the queue, free for another workstation."""
    core = await open_cores(replicate=replicate, render_concurrency=1)
    campaign = await campaign_with_strategy(core)
    jobs = [await media_job(core, campaign, "replicate") for _ in range(3)]
    await submitted(core, jobs[0].id)
    await asyncio.sleep(0.3)  # time for the claim loop to go round again
    waiting = [await core.renderer.get_job(ANA, job.id) for job in jobs[1:]]
    assert [(job.status, job.lease_owner) for job in waiting] == [(QUEUED, None)] * 2
    assert replicate.create_calls == 1


async def held_ahead(
    open_cores: Callable[..., Awaitable[Core]],
    replicate: FakeReplicateServer,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Core, list[RenderJob]]:
    """A core rendering one job at a time whose renders end often enough (one in the last
    minute, as far as it knows) to hold a job ahead: the first job is done, the second
    running, the third held ahead (leased, still queued), the fourth in the queue."""
    monkeypatch.setattr(render_worker, "AHEAD_WINDOW", 60.0)
    monkeypatch.setattr(render_worker, "AHEAD_HORIZON", 60.0)
    core = await open_cores(replicate=replicate, render_concurrency=1)
    campaign = await campaign_with_strategy(core)
    first = await media_job(core, campaign, "replicate")
    replicate.succeed((await submitted(core, first.id)).provider_job_id or "")
    assert (await finished(core, first.id)).status is PUBLISHED
    jobs = [first] + [await media_job(core, campaign, "replicate") for _ in range(3)]
    await submitted(core, jobs[1].id)
    worker = core.renderer.worker
    assert worker is not None
    ahead = await job_where(core, jobs[2].id, lambda j: j.lease_owner == worker.worker_id)
    assert ahead.status is QUEUED
    assert (await core.renderer.get_job(ANA, jobs[3].id)).lease_owner is None
    return core, jobs


async def test_a_job_held_ahead_starts_when_a_slot_frees(
    open_cores: Callable[..., Awaitable[Core]],
    replicate: FakeReplicateServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    core, jobs = await held_ahead(open_cores, replicate, monkeypatch)
    replicate.succeed((await submitted(core, jobs[1].id)).provider_job_id or "")
    running = await submitted(core, jobs[2].id)
    assert running.submissions == 1
    assert replicate.create_calls == 3


async def test_a_job_cancelled_while_held_ahead_is_never_submitted(
    open_cores: Callable[..., Awaitable[Core]],
    replicate: FakeReplicateServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    core, jobs = await held_ahead(open_cores, replicate, monkeypatch)
    cancelled = await core.renderer.cancel(ANA, jobs[2].id)
    assert cancelled.status is CANCELLED
    replicate.succeed((await submitted(core, jobs[1].id)).provider_job_id or "")
    await submitted(core, jobs[3].id)  # the slot went to the next job in the queue
    assert replicate.create_calls == 3
    assert (await core.renderer.get_job(ANA, jobs[2].id)).submissions == 0


async def test_closing_a_core_gives_back_the_jobs_it_held_ahead(
    open_cores: Callable[..., Awaitable[Core]],
    replicate: FakeReplicateServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    core, jobs = await held_ahead(open_cores, replicate, monkeypatch)
    await core.close()
    idle = await open_cores(replicate=replicate, render_worker=False)
    given_back = await idle.renderer.get_job(ANA, jobs[2].id)
    assert (given_back.status, given_back.lease_owner) == (QUEUED, None)


async def test_the_next_job_is_submitted_while_an_output_is_stored(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    """The concurrency limit counts renders at the provider: once the provider is done, the
    slot goes to the next job while the output downloads."""
    core = await open_cores(replicate=replicate, render_concurrency=1)
    campaign = await campaign_with_strategy(core)
    replicate.script("file", Behaviour(stall=1.0))  # the first output takes a second
    async with succeeding(replicate):
        first = await media_job(core, campaign, "replicate")
        second = await media_job(core, campaign, "replicate")
        done = [await finished(core, job.id) for job in (first, second)]

    assert [job.status for job in done] == [PUBLISHED, PUBLISHED], [j.error for j in done]
    assert done[1].submitted_at is not None
    assert done[0].finished_at is not None
    assert done[1].submitted_at < done[0].finished_at


async def test_a_completion_webhook_hands_the_slot_on_before_the_output_is_stored(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    core = await open_cores(
        replicate=replicate, relay=True, provider_poll_seconds=5, render_concurrency=1
    )
    campaign = await campaign_with_strategy(core)
    replicate.script("file", Behaviour(stall=1.0))
    first = await media_job(core, campaign, "replicate")
    second = await media_job(core, campaign, "replicate")
    prediction_id = (await submitted(core, first.id)).provider_job_id
    assert prediction_id is not None
    replicate.succeed(prediction_id)
    delivery = asyncio.create_task(replicate.send_webhook(replicate_hooks(core), prediction_id))

    running = await submitted(core, second.id)  # while the first output still downloads
    assert not (await core.renderer.get_job(ANA, first.id)).status.terminal
    assert (await delivery)[0] == 200
    done = await finished(core, first.id)
    assert done.status is PUBLISHED, done.error
    assert running.submitted_at is not None
    assert done.finished_at is not None
    assert running.submitted_at < done.finished_at


async def test_no_more_outputs_are_stored_at_once_than_renders_run(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    """With one output already being stored, a second finished render keeps its slot until it
    is stored too: the third job waits (storing is bounded like rendering)."""
    core = await open_cores(replicate=replicate, render_concurrency=1)
    campaign = await campaign_with_strategy(core)
    replicate.script("file", Behaviour(stall=1.5), Behaviour(stall=1.5))
    async with succeeding(replicate):
        jobs = [await media_job(core, campaign, "replicate") for _ in range(3)]
        done = [await finished(core, job.id) for job in jobs]

    assert [job.status for job in done] == [PUBLISHED] * 3, [j.error for j in done]
    first, second, third = done
    assert second.submitted_at is not None
    assert first.finished_at is not None
    assert second.submitted_at < first.finished_at  # the first one's slot was handed on
    assert third.submitted_at is not None
    assert second.finished_at is not None
    # The second one's slot was not: the third waited for one of the two stores to end.
    assert third.submitted_at >= min(first.finished_at, second.finished_at)


# ------------------------------------------------------------------ 10. webhooks (relay)


async def test_replicate_webhooks_through_the_relay(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    # Polls are slow here (5 s, x5 with webhooks): what happens is the webhooks' doing.
    core = await open_cores(replicate=replicate, relay=True, provider_poll_seconds=5)
    assert core.webhook_relay_url == f"http://127.0.0.1:{core.settings.webhook_port}"
    url = replicate_hooks(core)
    campaign = await campaign_with_strategy(core)
    async with recording(core) as recorder:
        job = await media_job(core, campaign, "replicate")
        prediction_id = (await submitted(core, job.id)).provider_job_id
        create = next(r for r in replicate.requests if r.method == "POST")
        assert create.json["webhook"] == f"{PUBLIC_HOOKS}/webhooks/replicate?job={job.id}"
        assert "completed" in create.json["webhook_events_filter"]

        # A progress delivery is applied.
        replicate.progress(prediction_id, 5, 10)
        assert (await replicate.send_webhook(url, prediction_id))[0] == 200
        running = await core.renderer.get_job(ANA, job.id)
        assert running.progress.fraction == pytest.approx(0.5)
        assert running.progress.step == 5

        # Refused deliveries change nothing.
        files = replicate.succeed(prediction_id)
        assert (await replicate.send_webhook(url, prediction_id, forge=True))[0] == 401
        assert (await replicate.send_webhook(url, prediction_id, age=600))[0] == 401
        unsigned = {"webhook-signature": ""}
        assert (await replicate.send_webhook(url, prediction_id, headers=unsigned))[0] == 401
        huge = json.dumps({"id": prediction_id, "status": "succeeded", "pad": "x" * MiB})
        assert await post_signed(url, huge.encode(), replicate.webhook_secret) == 413
        chunked = await post_signed(url, huge.encode(), replicate.webhook_secret, chunked=True)
        assert chunked == 413
        assert (await replicate.send_webhook(url, body=b"[1, 2"))[0] == 400
        stranger = dict(replicate.predictions[prediction_id], id="unknownprediction0001")
        stranger_body = json.dumps(stranger).encode()
        assert (await replicate.send_webhook(url, body=stranger_body))[0] == 202
        untouched = await core.renderer.get_job(ANA, job.id)
        assert untouched.status is RUNNING
        assert untouched.progress.fraction == pytest.approx(0.5)
        assert await generated_assets(core) == []

        # The completion, delivered twice (a provider retry): applied once.
        first = await replicate.send_webhook(url, prediction_id, msg_id="msg_completed_1")
        published = await core.renderer.get_job(ANA, job.id)
        second = await replicate.send_webhook(url, prediction_id, msg_id="msg_completed_1")
        assert (first[0], second[0]) == (200, 200)
    assert published.status is PUBLISHED, published.error  # by the webhook, not a poll
    done = await core.renderer.get_job(ANA, job.id)
    assert done.status is PUBLISHED
    assert done.seen_deliveries.count("msg_completed_1") == 1
    assets = await generated_assets(core)
    assert [a.id for a in assets] == [done.asset_id]
    assert await core.blobs.read_bytes(assets[0].storage_key) == files[0]
    assert len(recorder.published(job.id)) == 1
    assert replicate.create_calls == 1


async def test_deliveries_arriving_together_are_each_remembered(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    """Replicate retries a delivery it is not sure arrived: every accepted delivery must be
    remembered, or its retry would be processed a second time."""
    core = await open_cores(replicate=replicate, relay=True, provider_poll_seconds=5)
    url = replicate_hooks(core)
    campaign = await campaign_with_strategy(core)
    job = await media_job(core, campaign, "replicate")
    prediction_id = (await submitted(core, job.id)).provider_job_id
    replicate.progress(prediction_id, 2, 10)
    ids = [f"msg_progress_{n}" for n in range(4)]
    answers = await asyncio.gather(
        *(replicate.send_webhook(url, prediction_id, msg_id=msg_id) for msg_id in ids)
    )
    assert [status for status, _ in answers] == [200] * 4
    remembered = (await core.renderer.get_job(ANA, job.id)).seen_deliveries
    assert sorted(remembered) == ids


async def test_fal_webhooks_through_the_relay(
    open_cores: Callable[..., Awaitable[Core]], fal: FakeFalServer
) -> None:
    core = await open_cores(fal=fal, relay=True, provider_poll_seconds=5)
    url = fal_hooks(core)
    campaign = await campaign_with_strategy(core)
    async with recording(core) as recorder:
        job = await media_job(core, campaign, "pika")
        request_id = (await submitted(core, job.id)).provider_job_id
        submit = next(r for r in fal.requests if r.method == "POST")
        assert "fal_webhook=" in submit.query
        fal.start_running(request_id, "generating frames")
        assert await fal.complete(request_id, deliver=False) is None

        assert await fal.send_webhook(url, request_id, forge=True) == 401
        assert await fal.send_webhook(url, request_id, timestamp=int(time.time()) - 600) == 401
        assert await fal.send_webhook(url, request_id, key=Ed25519PrivateKey.generate()) == 401
        assert await fal.send_webhook(url, request_id, body=b"x" * (MiB + 1)) == 413
        assert await fal.send_webhook(url, request_id, body=b"{not json") == 400
        stranger = json.dumps(
            {"request_id": "not-a-known-request", "status": "OK", "payload": fal.video_result()}
        ).encode()
        assert await fal.send_webhook(url, "not-a-known-request", body=stranger) == 202
        untouched = await core.renderer.get_job(ANA, job.id)
        assert untouched.status is RUNNING
        assert await generated_assets(core) == []

        assert await fal.send_webhook(url, request_id) == 200
        published = await core.renderer.get_job(ANA, job.id)
        assert await fal.send_webhook(url, request_id) == 200  # fal's retry of the same one
    assert published.status is PUBLISHED, published.error
    done = await core.renderer.get_job(ANA, job.id)
    assert done.seen_deliveries.count(request_id) == 1
    assets = await generated_assets(core)
    assert [a.id for a in assets] == [done.asset_id]
    assert await core.blobs.read_bytes(assets[0].storage_key) == fal.files["output.mp4"]
    assert len(recorder.published(job.id)) == 1
    assert len([r for r in fal.requests if r.method == "POST"]) == 1


# ------------------------------------------------------------------ 11. failed downloads


async def test_a_failed_download_is_retried_and_never_publishes_without_the_asset(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    core = await open_cores(replicate=replicate)
    campaign = await campaign_with_strategy(core)
    replicate.script("file", "500")
    async with (
        recording(core) as recorder,
        succeeding(replicate),
    ):
        job = await media_job(core, campaign, "replicate")
        done = await finished(core, job.id)
    assert done.status is PUBLISHED, done.error
    assert done.asset_id is not None
    assert done.retries == 1
    assert any("HTTP 500" in line for line in done.logs)
    for _, event in recorder.of(job.id):
        if event.job.status is PUBLISHED:
            assert event.job.asset_id is not None
    assert len(recorder.published(job.id)) == 1
    assert [a.id for a in await generated_assets(core)] == [done.asset_id]


async def test_downloads_failing_every_time_fail_the_job_without_an_asset(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    core = await open_cores(replicate=replicate)
    campaign = await campaign_with_strategy(core)
    replicate.script("file", "500", "500", "500", "500")
    async with (
        recording(core) as recorder,
        succeeding(replicate),
    ):
        job = await media_job(core, campaign, "replicate")
        done = await finished(core, job.id, timeout=30)
    assert done.status is FAILED
    assert done.asset_id is None
    assert done.result_url is None
    assert done.error is not None
    assert "gave up after 3 retries" in done.error
    assert not [e for _, e in recorder.of(job.id) if e.job.status is PUBLISHED]
    assert await generated_assets(core) == []


# ---------------------------------------------------- 12. webhook and poll at the same time


async def test_a_webhook_and_a_poll_reporting_success_together_publish_once(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    core = await open_cores(replicate=replicate, relay=True, provider_poll_seconds=0.02)
    url = replicate_hooks(core)
    campaign = await campaign_with_strategy(core)
    async with recording(core) as recorder:
        jobs = [await media_job(core, campaign, "replicate") for _ in range(3)]
        for n, job in enumerate(jobs):
            prediction_id = (await submitted(core, job.id)).provider_job_id
            unique_success(replicate, prediction_id, n)
            # The poll (every 0.1 s) and these deliveries race for the same result.
            statuses = await asyncio.gather(
                replicate.send_webhook(url, prediction_id),
                replicate.send_webhook(url, prediction_id),
                replicate.send_webhook(url, prediction_id, msg_id="msg_same"),
                replicate.send_webhook(url, prediction_id, msg_id="msg_same"),
            )
            assert [status for status, _ in statuses] == [200] * 4
        done = [await finished(core, job.id) for job in jobs]
    assert [job.status for job in done] == [PUBLISHED] * 3
    for job in done:
        assert len(recorder.published(job.id)) == 1, [
            (e.kind, e.job.revision) for _, e in recorder.of(job.id)
        ]
        assert job.seen_deliveries.count("msg_same") <= 1
    assets = await generated_assets(core)
    assert sorted(a.id for a in assets) == sorted(job.asset_id for job in done)
    for job in done:
        creative = await core.store.creatives.get(ANA.tenant_id, job.creative_id)
        assert [o.render_job_id for o in creative.outputs] == [job.id]


async def test_a_webhook_on_one_core_and_a_poll_on_another_publish_once(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    poller = await open_cores(replicate=replicate, provider_poll_seconds=0.02)
    receiver = await open_cores(replicate=replicate, relay=True, render_worker=False)
    url = replicate_hooks(receiver)
    campaign = await campaign_with_strategy(poller)
    async with recording(poller) as polled, recording(receiver) as hooked:
        job = await media_job(poller, campaign, "replicate")
        prediction_id = (await submitted(poller, job.id)).provider_job_id
        # The first download is slow, so both cores are publishing at the same time.
        replicate.script("file", Behaviour(delay=0.5))
        files = replicate.succeed(prediction_id)
        statuses = await asyncio.gather(
            replicate.send_webhook(url, prediction_id),
            replicate.send_webhook(url, prediction_id),
        )
        assert [status for status, _ in statuses] == [200, 200]
        done = await finished(poller, job.id)
    assert done.status is PUBLISHED, done.error
    assets = await generated_assets(poller)
    assert [a.id for a in assets] == [done.asset_id]
    assert await poller.blobs.read_bytes(assets[0].storage_key) == files[0]
    creative = await poller.store.creatives.get(ANA.tenant_id, job.creative_id)
    assert [o.render_job_id for o in creative.outputs] == [job.id]
    published = polled.published(job.id) + hooked.published(job.id)
    assert len(published) == 1, "announced as published by " + ", ".join(
        f"{bus} (revision {e.job.revision})"
        for bus, recorder in (("the polling core", polled), ("the webhook core", hooked))
        for e in recorder.published(job.id)
    )
