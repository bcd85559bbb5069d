"""Cloud renders survive a restart and a dead worker: the provider's job is followed again,
never submitted twice, and a live lease is honoured (product.md "Render jobs")."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.adapters.sqlite.render_jobs import SqliteRenderJobRepository
from app.bootstrap import Core, open_core
from app.domain import RenderJob
from app.ports.render_provider import RenderRequest
from tests.app.render.cloud import (
    PUBLISHED,
    RUNNING,
    WAIT,
    cloud_settings,
    finished,
    gets_of,
    job_where,
    media_job,
    submitted,
)
from tests.app.workflow.conftest import ANA
from tests.app.workflow.helpers import campaign_with_strategy
from tests.fakes.fake_time import FakeTime
from tests.fakes.replicate_server import (
    FakeReplicateServer,
)

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

    # Real time on purpose: the lease's expiry is measured against the fake server's first
    # poll, sampled every 10 ms (a sampler, not a wait for an outcome).
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
    open_cores: Callable[..., Awaitable[Core]],
    replicate: FakeReplicateServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    claims: list[tuple[str, list[str]]] = []  # every claim of either core: who, which jobs
    claim = SqliteRenderJobRepository.claim

    async def recorded(self: SqliteRenderJobRepository, **options: Any) -> list[RenderJob]:
        claimed = await claim(self, **options)
        claims.append((options["worker_id"], [job.id for job in claimed]))
        return claimed

    monkeypatch.setattr(SqliteRenderJobRepository, "claim", recorded)
    fake_time = FakeTime()  # several lease periods, without waiting for them
    first = await open_cores(replicate=replicate, render_lease_seconds=0.6, time=fake_time)
    second = await open_cores(replicate=replicate, render_lease_seconds=0.6, time=fake_time)
    campaign = await campaign_with_strategy(first)
    job = await media_job(first, campaign, "replicate")
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
    assert done.status is PUBLISHED, done.error
    assert second.renderer.worker is not None
    assert first.renderer.worker is not None
    assert any(owner == second.renderer.worker.worker_id for owner, _ in claims)  # it tried
    assert {owner for owner, jobs in claims if job.id in jobs} == {first.renderer.worker.worker_id}
    assert replicate.create_calls == 1
    assert done.submissions == 1
