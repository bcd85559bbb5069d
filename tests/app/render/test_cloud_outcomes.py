"""Cloud renders end to end through ``open_core`` (Replicate, Runway, Pika on their fakes):
success with progress, transient failures retried, permanent failures, retries exhausted and
failed downloads (product.md "Render jobs", "Providers")."""

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from app.adapters.providers.http_client import HttpClient
from app.adapters.providers.replicate_provider import ReplicateProvider
from app.bootstrap import Core
from tests.app.render.cloud import (
    FAILED,
    POLL,
    PUBLISHED,
    QUEUED,
    RUNNING,
    autopilot,
    finished,
    generated_assets,
    gets_of,
    job_where,
    media_job,
    recording,
    submitted,
    succeeding,
)
from tests.app.workflow.conftest import ANA
from tests.app.workflow.helpers import campaign_with_strategy
from tests.fakes.fake_time import FakeTime
from tests.fakes.replicate_server import (
    FAKE_REPLICATE_TOKEN,
    Behaviour,
    FakeReplicateServer,
)
from tests.fakes.runway_server import FakeRunwayServer

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
    core = await open_cores(runway=runway, time=FakeTime())
    campaign = await campaign_with_strategy(core)
    # Runway is polled every 5 s at most (the first poll comes one interval after the create):
    # the task is moved on between polls, which come as soon as the core is idle in fake time.
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
    core = await open_cores(replicate=replicate, time=FakeTime())  # the retries' waits
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
    core = await open_cores(runway=runway, time=FakeTime())
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
    core = await open_cores(replicate=replicate, time=FakeTime())  # the retries' waits
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
