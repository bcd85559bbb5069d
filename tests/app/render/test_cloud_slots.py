"""Two cores on one database and the worker's slots: each job submitted once, the limits
kept, nothing claimed beyond the free slots, outputs stored beside new renders."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from app.adapters.sqlite.render_jobs import SqliteRenderJobRepository
from app.bootstrap import Core
from app.domain import RenderJob
from tests.app.render.cloud import (
    PUBLISHED,
    QUEUED,
    WAIT,
    autopilot,
    finished,
    generated_assets,
    media_job,
    replicate_hooks,
    submitted,
    succeeding,
    unique_success,
)
from tests.app.workflow.conftest import ANA
from tests.app.workflow.helpers import campaign_with_strategy
from tests.fakes.fake_time import FakeTime
from tests.fakes.replicate_server import (
    Behaviour,
    FakeReplicateServer,
)

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


async def test_no_job_is_claimed_beyond_the_free_slots(
    open_cores: Callable[..., Awaitable[Core]], replicate: FakeReplicateServer
) -> None:
    """Jobs beyond the free slots stay in the queue, free for another workstation."""
    time = FakeTime()
    core = await open_cores(replicate=replicate, render_concurrency=1, time=time)
    campaign = await campaign_with_strategy(core)
    jobs = [await media_job(core, campaign, "replicate") for _ in range(3)]
    await submitted(core, jobs[0].id)
    for _ in range(2):  # the claim loop goes round (its idle poll is 1 s) without claiming
        await time.asked(1.0)
    waiting = [await core.renderer.get_job(ANA, job.id) for job in jobs[1:]]
    assert [(job.status, job.lease_owner) for job in waiting] == [(QUEUED, None)] * 2
    assert replicate.create_calls == 1


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
