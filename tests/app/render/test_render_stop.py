"""A stopped or crashed worker: the next worker finishes the job without a second submission
where the render can be resumed, and neither a clean stop nor a crash uses up a retry.

A clean stop is the core closing (what ``campaign-studio worker`` does on SIGTERM); a crash is
a job left running with an expired lease of a worker that never comes back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from app.bootstrap import Core, open_core
from app.config import AppSettings
from app.domain import Creative, RenderJob, RenderStatus
from app.ports.render_provider import ProviderState, RenderRequest
from app.services.storage_service import StorageService
from tests.app.workflow.conftest import ANA
from tests.app.workflow.helpers import campaign_with_strategy
from tests.fakes.replicate_server import FAKE_REPLICATE_TOKEN, Behaviour, FakeReplicateServer

WAIT = 30.0
IMAGE = {"width": 256, "height": 256}
BIG_IMAGE = {"width": 2048, "height": 2048}
RUNNING, PUBLISHED = RenderStatus.RUNNING, RenderStatus.PUBLISHED
T = TypeVar("T")


def settings_for(
    data_dir: Path, replicate: FakeReplicateServer | None = None, **more: Any
) -> AppSettings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "render_retry_base_seconds": 0.05,
        "provider_poll_seconds": 0.1,
    }
    if replicate is not None:
        values |= {
            "replicate_api_token": FAKE_REPLICATE_TOKEN,
            "replicate_base_url": replicate.base_url,
        }
    return AppSettings(**(values | more))


async def media(core: Core, kind: str, provider: str, params: dict[str, Any] | None) -> Creative:
    campaign = await campaign_with_strategy(core)
    return await core.creatives.create_media_creative(
        ANA,
        campaign.id,
        kind=kind,
        title="Hero",
        prompt="A red bicycle at dawn",
        provider=provider,
        params=params,
    )


async def job_where(core: Core, job_id: str, check: Any) -> RenderJob:
    """The job once ``check(job)`` holds (waits on its events, reading it after each)."""
    async with core.events.subscribe(records=["render_job"]) as events, asyncio.timeout(WAIT):
        while True:
            job = await core.renderer.get_job(ANA, job_id)
            if check(job):
                return job
            while (await events.get()).job.id != job_id:
                pass


async def until(read: Callable[[], Awaitable[T]], check: Callable[[T], bool]) -> T:
    """``await read()`` every 10 ms until ``check`` accepts its value (within :data:`WAIT`)."""
    async with asyncio.timeout(WAIT):
        while True:
            value = await read()
            if check(value):
                return value
            await asyncio.sleep(0.01)


def block_storing(core: Core, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Make the core's worker hang while it stores an output; the event is set once it does
    (the provider has then finished the render)."""
    storing = asyncio.Event()

    async def hang(self: StorageService, *args: Any, **kwargs: Any) -> Any:
        chunks = args[1]
        await chunks.aclose()
        storing.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(StorageService, "ingest", hang)
    return storing


async def published_once(settings: AppSettings, job_id: str) -> RenderJob:
    """Open a new core (the next worker) and wait until it has published the job."""
    async with open_core(settings) as core:
        job = await core.renderer.wait_for(ANA, job_id, timeout=WAIT)
        assert job.status is PUBLISHED, job.error
        assert job.asset_id is not None
        await core.storage.get(ANA, job.asset_id)
    return job


def work_folder(settings: AppSettings, provider: str) -> Path:
    return settings.data_dir / "renders" / provider


# ------------------------------------------------------------------ local providers


@pytest.mark.parametrize(("kind", "provider"), [("image", "local-image"), ("video", "local-video")])
async def test_a_local_render_finished_at_a_clean_stop_is_stored_by_the_next_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, provider: str
) -> None:
    settings = settings_for(tmp_path / "data")
    params = IMAGE if kind == "image" else {**IMAGE, "duration": 1}
    async with open_core(settings) as first:
        storing = block_storing(first, monkeypatch)
        creative = await media(first, kind, provider, params)
        assert creative.render_job_id is not None
        await asyncio.wait_for(storing.wait(), WAIT)  # the render is done; storing it hangs
    monkeypatch.undo()
    stopped = await job_where_closed(settings, creative.render_job_id)
    assert (stopped.status, stopped.lease_owner) == (RUNNING, None)  # handed back

    job = await published_once(settings, creative.render_job_id)
    assert (job.submissions, job.retries) == (1, 0)
    assert job.provider_job_id == stopped.provider_job_id
    assert list(work_folder(settings, provider).iterdir()) == []  # nothing orphaned


async def test_a_local_render_stopped_mid_render_is_rendered_again_without_using_a_retry(
    tmp_path: Path,
) -> None:
    """A local render lives in its process: one still drawing when the worker stops is drawn
    again by the next worker (it costs nothing), and that is not a failed attempt."""
    settings = settings_for(tmp_path / "data")
    async with open_core(settings) as first:
        creative = await media(first, "image", "local-image", BIG_IMAGE)
        job_id = creative.render_job_id or ""
        await job_where(first, job_id, lambda j: j.status is RUNNING and bool(j.progress.step))
    job = await published_once(settings, job_id)
    assert job.retries == 0
    assert job.error is None
    assert any("interrupted" in line for line in job.logs)
    assert list(work_folder(settings, "local-image").iterdir()) == []


async def test_a_crashed_workers_local_render_is_taken_over_without_using_a_retry(
    tmp_path: Path,
) -> None:
    """Two jobs left running by a worker that died: one whose render had finished (stored
    without a new submission), one whose render was lost with the process (rendered again)."""
    settings = settings_for(tmp_path / "data", render_worker=False)
    async with open_core(settings) as idle:
        provider = idle.providers["local-image"]
        creatives = [await media(idle, "image", "local-image", IMAGE) for _ in range(2)]
        jobs = [
            await idle.store.render_jobs.get(ANA.tenant_id, c.render_job_id or "")
            for c in creatives
        ]
        finished_id = await provider.render(
            RenderRequest(job_id=jobs[0].id, kind=jobs[0].kind, prompt=jobs[0].prompt, params=IMAGE)
        )
        status = await until(lambda: provider.poll_status(finished_id), lambda s: s.state.finished)
        assert status.state is ProviderState.SUCCEEDED
        lost_id = f"local-image-{'0' * 32}"  # its thread died with the process
        expired = idle.clock.now() - timedelta(seconds=5)
        for job, provider_job_id in zip(jobs, (finished_id, lost_id), strict=True):
            await idle.store.render_jobs.update(
                job.model_copy(
                    update={
                        "status": RUNNING,
                        "provider_job_id": provider_job_id,
                        "submissions": 1,
                        "lease_owner": "dead-workstation-1234",
                        "lease_expires_at": expired,
                    }
                )
            )
    resumed = await published_once(settings_for(tmp_path / "data"), jobs[0].id)
    assert (resumed.submissions, resumed.retries) == (1, 0)
    assert resumed.provider_job_id == finished_id
    again = await published_once(settings_for(tmp_path / "data"), jobs[1].id)
    assert (again.submissions, again.retries) == (2, 0)
    assert list(work_folder(settings, "local-image").iterdir()) == []


async def job_where_closed(settings: AppSettings, job_id: str) -> RenderJob:
    """The job as a core without a worker reads it."""
    async with open_core(settings.model_copy(update={"render_worker": False})) as idle:
        return await idle.renderer.get_job(ANA, job_id)


# ------------------------------------------------------------------ a cloud provider


@pytest.mark.parametrize("finished", [True, False], ids=["finished", "still-running"])
async def test_a_cloud_render_at_a_clean_stop_is_completed_by_the_next_worker(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    replicate: FakeReplicateServer,
    finished: bool,
) -> None:
    settings = settings_for(tmp_path / "data", replicate)
    async with open_core(settings) as first:
        storing = block_storing(first, monkeypatch)
        creative = await media(first, "image", "replicate", None)
        job_id = creative.render_job_id or ""
        running = await job_where(first, job_id, lambda j: bool(j.provider_job_id))
        prediction_id = running.provider_job_id or ""
        if finished:
            replicate.succeed(prediction_id)
            await asyncio.wait_for(storing.wait(), WAIT)  # storing its output hangs
        else:
            replicate.start_processing(prediction_id)
    monkeypatch.undo()
    if not finished:
        replicate.succeed(prediction_id)
    job = await published_once(settings, job_id)
    assert replicate.create_calls == 1
    assert (job.submissions, job.retries) == (1, 0)


async def test_a_clean_stop_during_a_submission_records_it_before_handing_the_job_back(
    tmp_path: Path, replicate: FakeReplicateServer
) -> None:
    """The provider has the request when the worker stops: the answer is awaited and saved,
    else the next worker would submit (and pay for) the render a second time."""
    settings = settings_for(tmp_path / "data", replicate)
    replicate.script("create", Behaviour(delay=0.5))
    async with open_core(settings) as first:
        creative = await media(first, "image", "replicate", None)
        job_id = creative.render_job_id or ""

        async def create_calls() -> int:
            return replicate.create_calls

        await until(create_calls, lambda calls: calls > 0)  # the request is on its way
    stopped = await job_where_closed(settings, job_id)
    assert (stopped.status, stopped.lease_owner, stopped.submissions) == (RUNNING, None, 1)
    assert stopped.provider_job_id in replicate.predictions
    replicate.succeed(stopped.provider_job_id or "")
    job = await published_once(settings, job_id)
    assert replicate.create_calls == 1
    assert (job.submissions, job.retries) == (1, 0)
