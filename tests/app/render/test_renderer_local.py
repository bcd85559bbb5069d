"""MediaRendererService with the local providers on both stores: media creatives rendered and
published into the library, the event stream, regeneration after a strategy update, cancel and
retry (queued and running jobs), the queue across a restart, listing, bad input, roles, tenants
and wait timeouts. Sizes are small (256 px, 1 s of video) to keep the file fast."""

from __future__ import annotations

import asyncio
import hashlib
import io
import time
import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from app.bootstrap import Core, open_core
from app.config import AppSettings
from app.domain import AssetQuery, AssetSource, AssetType, Creative, RenderJob, RenderStatus
from app.domain.creatives import file_stem
from app.domain.errors import (
    AppError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from app.ports.render_provider import ProviderState, ProviderStatus
from app.services.events import EventKind, JobEvent
from app.services.media_renderer_service import WaitTimeout
from tests.app.render.conftest import working_core
from tests.app.workflow.conftest import ANA, GUS, VIC
from tests.app.workflow.helpers import campaign_with_strategy, full_draft, text_creative

QUEUED, RUNNING, PUBLISHED, CANCELLED = (
    RenderStatus.QUEUED,
    RenderStatus.RUNNING,
    RenderStatus.PUBLISHED,
    RenderStatus.CANCELLED,
)
WAIT = 30.0
IMAGE = {"width": 256, "height": 256}
VIDEO = {"width": 256, "height": 256, "duration": 1}
BIG_IMAGE = {"width": 2048, "height": 2048}
LIFECYCLE = {QUEUED: 0, RUNNING: 1, PUBLISHED: 2}

Queue = asyncio.Queue[JobEvent]


def path_of(url: str) -> Path:
    parts = urllib.parse.urlsplit(url)
    assert parts.scheme == "file", url
    return Path(urllib.request.url2pathname(parts.path))


async def media(
    core: Core,
    campaign_id: str,
    kind: str = "image",
    *,
    prompt: str = "A bright spring meadow at golden hour",
    params: dict[str, Any] | None = None,
    provider: str | None = None,
) -> Creative:
    return await core.creatives.create_media_creative(
        ANA,
        campaign_id,
        kind=kind,
        title=f"Hero {kind}",
        prompt=prompt,
        provider=provider,
        params=params if params is not None else IMAGE if kind == "image" else VIDEO,
    )


async def queued_media(core: Core, campaign_id: str, kind: str) -> tuple[Creative, RenderJob]:
    """A media creative and its job as first announced (before any worker touched it)."""
    async with core.events.subscribe(records=["render_job"]) as events:
        creative = await media(core, campaign_id, kind)
        first = (await events_of(events, creative.render_job_id or "", lambda e: True))[0]
    assert first.kind is EventKind.JOB_CHANGED
    return creative, first.job


async def job_of(core: Core, creative: Creative) -> RenderJob:
    assert creative.render_job_id is not None
    return await core.renderer.get_job(ANA, creative.render_job_id)


async def events_of(
    events: Queue, job_id: str, until: Callable[[JobEvent], bool] = lambda e: e.job.status.terminal
) -> list[JobEvent]:
    """The job's events (others skipped) up to and including the first one ``until`` accepts."""
    seen: list[JobEvent] = []
    async with asyncio.timeout(WAIT):
        while True:
            event = await events.get()
            if event.job.id != job_id:
                continue
            seen.append(event)
            if until(event):
                return seen


async def first_and_pending(events: Queue, job_id: str) -> list[JobEvent]:
    """The job's next event (the change feed reports a change within moments), and whatever
    else of the job has been delivered and not read yet."""
    async with asyncio.timeout(WAIT):
        while (event := await events.get()).job is None or event.job.id != job_id:
            pass
    return [event, *pending(events, job_id)]


def pending(events: Queue, job_id: str) -> list[JobEvent]:
    """The job's events already delivered and not read yet."""
    left: list[JobEvent] = []
    while not events.empty():
        event = events.get_nowait()
        if event.job.id == job_id:
            left.append(event)
    return left


async def render_stopped(core: Core, provider: str, provider_job_id: str) -> ProviderStatus:
    """Poll the provider (as the worker does) until the render thread has stopped."""
    async with asyncio.timeout(WAIT):
        while True:
            status = await core.providers[provider].poll_status(provider_job_id)
            if status.state.finished:
                return status
            await asyncio.sleep(0.05)


async def library(core: Core, **query: Any) -> list[str]:
    page = await core.storage.search(ANA, AssetQuery.model_validate(query))
    assert page.total == len(page.items)
    return [asset.id for asset in page.items]


async def job_ids(core: Core, **filters: Any) -> list[str]:
    return [job.id for job in await core.renderer.list_jobs(ANA, **filters)]


# ---------------------------------------------------------------- publishing


async def assert_published(
    core: Core, creative: Creative, provider: str, asset_type: AssetType
) -> tuple[RenderJob, bytes]:
    """Wait for the creative's render and check the job, the asset, its file and the creative."""
    queued = await job_of(core, creative)
    assert queued.provider == provider
    assert queued.creative_id == creative.id
    assert queued.campaign_id == creative.campaign_id

    job = await core.renderer.wait_for(ANA, queued.id, timeout=WAIT)

    assert job.status is PUBLISHED, job.error
    assert job.error is None
    assert job.asset_id is not None
    assert job.submissions == 1
    assert job.retries == 0
    assert job.eta_seconds == 0
    assert job.progress.fraction == 1.0
    assert job.finished_at is not None
    assert job.lease_owner is None
    assert job.logs
    assert len(job.logs) <= 200
    assert job.logs[0] == f"queued for {provider}"
    asset = await core.storage.get(ANA, job.asset_id or "")
    assert job.logs[-1] == f"published to the library as {asset.filename}"
    assert job.provider_job_id is not None
    assert job.provider_job_id.startswith(provider)

    asset = await core.storage.get(ANA, job.asset_id)
    assert asset.type is asset_type
    assert asset.source is AssetSource.RENDER
    assert asset.render_job_id == job.id
    assert "generated" in asset.tags
    assert provider in asset.tags
    assert asset.uploaded_by == ANA.user_id
    assert await library(core, types=[asset_type.value], tags=["generated"]) == [asset.id]

    assert job.result_url is not None
    data = path_of(job.result_url).read_bytes()
    assert hashlib.sha256(data).hexdigest() == asset.sha256
    assert len(data) == asset.size

    after = await core.creatives.get_creative(ANA, creative.id)
    assert after.asset_ids == (asset.id,)
    assert [(o.asset_id, o.render_job_id, o.strategy_version) for o in after.outputs] == [
        (asset.id, job.id, 1)
    ]
    assert after.render_job_id == job.id
    assert after.stale is False
    assert await core.storage.usage(ANA, asset.id) == [creative.id]
    return job, data


async def test_an_image_creative_is_rendered_and_published_into_the_library(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    creative, queued = await queued_media(core, campaign.id, "image")
    assert creative.kind.value == "image"
    assert creative.asset_ids == ()
    assert (queued.status, queued.provider, queued.retries) == (QUEUED, "local-image", 0)

    job, data = await assert_published(core, creative, "local-image", AssetType.IMAGE)

    assert job.kind.value == "image"
    assert job.params == IMAGE
    picture = Image.open(io.BytesIO(data))
    assert (picture.format, picture.size) == ("PNG", (256, 256))
    asset = await core.storage.get(ANA, job.asset_id or "")
    assert (asset.width, asset.height) == (256, 256)
    assert asset.filename == f"{file_stem(creative.title)}-{job.id[-6:]}.png"


async def test_a_video_creative_is_rendered_and_published_into_the_library(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    creative, queued = await queued_media(core, campaign.id, "video")
    assert (queued.status, queued.provider, queued.retries) == (QUEUED, "local-video", 0)

    job, data = await assert_published(core, creative, "local-video", AssetType.VIDEO)

    assert job.kind.value == "video"
    assert data[4:8] == b"ftyp"  # an MP4 file
    asset = await core.storage.get(ANA, job.asset_id or "")
    assert asset.filename == f"{file_stem(creative.title)}-{job.id[-6:]}.mp4"
    assert (asset.width, asset.height) == (256, 256)
    assert asset.duration_seconds == pytest.approx(1.0, abs=0.15)


@pytest.mark.parametrize(
    ("kind", "params", "steps", "last_line"),
    [
        ("image", IMAGE, 8, "saved 256×256 PNG"),
        ("video", VIDEO, 3, "saved 1 s MP4"),
    ],
)
async def test_a_published_job_keeps_the_providers_final_steps_and_log(
    core: Core, kind: str, params: dict[str, Any], steps: int, last_line: str
) -> None:
    """The provider's last status (all steps done, its whole log) ends up on the job, however
    fast the render was (a 256 px render may finish before the first progress poll)."""
    campaign = await campaign_with_strategy(core)
    creative = await media(core, campaign.id, kind, params=params)

    job = await core.renderer.wait_for(ANA, creative.render_job_id or "", timeout=WAIT)

    assert job.status is PUBLISHED
    final = (job.progress.fraction, job.progress.step, job.progress.total_steps)
    kept_last_line = any(line.startswith(last_line) for line in job.logs)
    assert (final, kept_last_line) == ((1.0, steps, steps), True), job.logs


async def test_job_events_arrive_in_order_with_one_finished_event(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    async with core.events.subscribe(records=["render_job"]) as events:
        creative = await media(core, campaign.id, "image")
        job_id = creative.render_job_id or ""
        seen = await events_of(events, job_id)
        finished = await core.renderer.wait_for(ANA, job_id, timeout=WAIT)
        late = pending(events, job_id)

    kinds = [event.kind for event in seen]
    statuses = [event.job.status for event in seen]
    assert kinds[-1] is EventKind.JOB_FINISHED
    assert set(kinds[:-1]) == {EventKind.JOB_CHANGED}
    assert len(seen) >= 3  # queued, submitted (running), published
    assert statuses[0] is QUEUED
    assert statuses[-1] is PUBLISHED
    assert RUNNING in statuses
    assert [LIFECYCLE[status] for status in statuses] == sorted(
        LIFECYCLE[status] for status in statuses
    )
    revisions = [event.job.revision for event in seen]
    assert revisions == sorted(set(revisions))
    assert seen[-1].job == finished
    assert seen[-1].job.asset_id is not None
    assert [event.kind for event in late] == []  # nothing after the finish, no second finish


# ---------------------------------------------------------------- regeneration


async def test_regenerate_renders_the_stale_media_creatives_again_with_a_new_seed(
    core: Core,
) -> None:
    campaign = await campaign_with_strategy(core)
    hero = await media(core, campaign.id, "image", prompt="Commuters skipping the traffic")
    copy = await text_creative(core, campaign.id)
    first = await core.renderer.wait_for(ANA, hero.render_job_id or "", timeout=WAIT)
    assert first.status is PUBLISHED
    old_asset = await core.storage.get(ANA, first.asset_id or "")

    await core.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Calm"))
    stale = await core.creatives.list_creatives(ANA, campaign.id, stale_only=True)
    assert {c.id for c in stale} == {hero.id, copy.id}
    # Made for version 2: fresh, so not regenerated.
    fresh = await media(core, campaign.id, "image", prompt="A calm morning train ride")

    jobs = await core.creatives.regenerate(ANA, campaign.id)

    assert [(job.creative_id, job.status, job.strategy_version) for job in jobs] == [
        (hero.id, QUEUED, 2)
    ]
    assert jobs[0].provider == "local-image"
    assert isinstance(jobs[0].params.get("seed"), int)
    assert {k: v for k, v in jobs[0].params.items() if k != "seed"} == IMAGE
    second = await core.renderer.wait_for(ANA, jobs[0].id, timeout=WAIT)
    assert second.status is PUBLISHED, second.error
    assert second.submissions == 1
    new_asset = await core.storage.get(ANA, second.asset_id or "")
    assert new_asset.id != old_asset.id
    assert new_asset.sha256 != old_asset.sha256
    assert (
        path_of(second.result_url or "").read_bytes()
        != path_of(first.result_url or "").read_bytes()
    )

    after = await core.creatives.get_creative(ANA, hero.id)
    assert after.stale is False
    assert after.strategy_version == 2
    assert after.render_job_id == second.id
    assert after.asset_ids == (new_asset.id,)
    assert [(o.asset_id, o.render_job_id, o.strategy_version) for o in after.outputs] == [
        (old_asset.id, first.id, 1),
        (new_asset.id, second.id, 2),
    ]
    # The earlier output stays in the library as history.
    assert (await core.storage.get(ANA, old_asset.id)).archived is False
    stale_now = await core.creatives.list_creatives(ANA, campaign.id, stale_only=True)
    assert [c.id for c in stale_now] == [copy.id]
    await core.renderer.wait_for(ANA, fresh.render_job_id or "", timeout=WAIT)
    assert await core.creatives.regenerate(ANA, campaign.id) == []
    assert len(await job_ids(core, campaign_id=campaign.id)) == 3


async def test_regenerate_refuses_a_text_creative(idle_core: Core) -> None:
    core = idle_core
    campaign = await campaign_with_strategy(core)
    copy = await text_creative(core, campaign.id)
    hero = await media(core, campaign.id, "image")

    with pytest.raises(InvalidInput, match="copy"):
        await core.creatives.regenerate(ANA, campaign.id, creative_ids=[copy.id])
    with pytest.raises(InvalidInput):
        await core.creatives.regenerate(ANA, campaign.id, creative_ids=[hero.id, copy.id])

    assert await job_ids(core) == [hero.render_job_id]


async def test_regenerate_by_id_queues_the_chosen_creative(idle_core: Core) -> None:
    core = idle_core
    campaign = await campaign_with_strategy(core)
    hero = await media(core, campaign.id, "image")

    jobs = await core.creatives.regenerate(ANA, campaign.id, creative_ids=[hero.id, hero.id])

    assert [job.creative_id for job in jobs] == [hero.id]
    assert await job_ids(core) == [jobs[0].id, hero.render_job_id]
    assert (await core.creatives.get_creative(ANA, hero.id)).render_job_id == jobs[0].id


# ---------------------------------------------------------------- cancel and retry


async def test_a_queued_job_is_cancelled_at_once_and_can_be_retried(idle_core: Core) -> None:
    core = idle_core
    campaign = await campaign_with_strategy(core)
    creative = await media(core, campaign.id, "image")
    job = await job_of(core, creative)
    assert job.status is QUEUED

    async with core.events.subscribe(records=["render_job"]) as events:
        cancelled = await core.renderer.cancel(ANA, job.id)
        seen = await first_and_pending(events, job.id)

    assert cancelled.status is CANCELLED
    assert cancelled.finished_at is not None
    assert cancelled.error is None
    assert cancelled.logs[-1] == "cancelled by ana"
    assert [(e.kind, e.job.status) for e in seen] == [(EventKind.JOB_CANCELLED, CANCELLED)]
    assert await core.renderer.get_job(ANA, job.id) == cancelled
    with pytest.raises(InvalidTransition) as refused:
        await core.renderer.cancel(ANA, job.id)
    assert (refused.value.from_state, refused.value.to_state) == ("cancelled", "cancelled")
    assert await core.renderer.get_job(ANA, job.id) == cancelled

    async with core.events.subscribe(records=["render_job"]) as events:
        retried = await core.renderer.retry(ANA, job.id)
        seen = await first_and_pending(events, job.id)

    assert retried.status is QUEUED
    assert (retried.retries, retried.error, retried.provider_job_id) == (0, None, None)
    assert retried.finished_at is None
    assert retried.logs[-1] == "retried by ana"
    assert [(e.kind, e.job.status) for e in seen] == [(EventKind.JOB_CHANGED, QUEUED)]

    async with working_core(core) as other:
        published = await other.renderer.wait_for(ANA, job.id, timeout=WAIT)
    assert published.status is PUBLISHED, published.error
    assert published.submissions == 1
    assert (await core.creatives.get_creative(ANA, creative.id)).asset_ids == (published.asset_id,)


async def test_a_finished_job_cannot_be_cancelled_and_a_published_one_not_retried(
    core: Core,
) -> None:
    campaign = await campaign_with_strategy(core)
    creative = await media(core, campaign.id, "image")
    job = await core.renderer.wait_for(ANA, creative.render_job_id or "", timeout=WAIT)
    assert job.status is PUBLISHED

    with pytest.raises(InvalidTransition) as cancel:
        await core.renderer.cancel(ANA, job.id)
    assert (cancel.value.from_state, cancel.value.to_state) == ("published", "cancelled")
    with pytest.raises(InvalidTransition) as retry:
        await core.renderer.retry(ANA, job.id)
    assert (retry.value.from_state, retry.value.to_state) == ("published", "queued")

    assert await core.renderer.get_job(ANA, job.id) == job


async def test_a_queued_job_cannot_be_retried(idle_core: Core) -> None:
    core = idle_core
    campaign = await campaign_with_strategy(core)
    job = await job_of(core, await media(core, campaign.id, "image"))

    with pytest.raises(InvalidTransition):
        await core.renderer.retry(ANA, job.id)
    assert await core.renderer.get_job(ANA, job.id) == job


async def test_a_running_local_render_is_cancelled_and_leaves_no_asset(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    async with core.events.subscribe(records=["render_job"]) as events:
        creative = await media(core, campaign.id, "image", params=BIG_IMAGE)
        job_id = creative.render_job_id or ""
        # Running, and the provider is drawing: it has reported its first step.
        drawing = await events_of(
            events, job_id, lambda e: e.job.status is RUNNING and bool(e.job.progress.step)
        )
        running = drawing[-1].job
        assert running.provider_job_id is not None
        assert running.progress.total_steps == 8
        assert (running.progress.step or 0) < 8

        cancelled = await core.renderer.cancel(ANA, job_id)
        seen = await events_of(events, job_id)

    assert cancelled.status is CANCELLED
    assert cancelled.logs[-1] == "cancelled by ana"
    assert [(e.kind, e.job.status) for e in seen] == [(EventKind.JOB_CANCELLED, CANCELLED)]
    # The provider stopped the render at its next step instead of finishing it.
    stopped = await render_stopped(core, "local-image", running.provider_job_id)
    assert stopped.state is ProviderState.CANCELLED
    assert stopped.outputs == ()
    assert stopped.logs[-1] == "cancelled; partial files removed"
    workdir = core.settings.data_dir / "renders" / "local-image" / running.provider_job_id
    assert not workdir.exists()

    final = await core.renderer.wait_for(ANA, job_id, timeout=WAIT)
    assert final.status is CANCELLED
    assert (final.asset_id, final.result_url) == (None, None)
    assert await library(core, include_archived=True, tags=["generated"]) == []
    after = await core.creatives.get_creative(ANA, creative.id)
    assert (after.asset_ids, after.outputs) == ((), ())


# ---------------------------------------------------------------- restart


async def test_the_queue_survives_a_restart(tmp_path: Path) -> None:
    """Embedded SQLite: a job queued by a core without a worker is rendered after a restart."""
    data = tmp_path / "data"
    async with open_core(AppSettings(data_dir=data, render_worker=False)) as first:
        assert first.renderer.worker is None
        campaign = await campaign_with_strategy(first)
        creative = await media(first, campaign.id, "image")
        queued = await job_of(first, creative)
        assert queued.status is QUEUED

    async with open_core(AppSettings(data_dir=data)) as second:
        job = await second.renderer.wait_for(ANA, queued.id, timeout=WAIT)
        after = await second.creatives.get_creative(ANA, creative.id)
        asset = await second.storage.get(ANA, job.asset_id or "")

    assert job.status is PUBLISHED, job.error
    assert job.submissions == 1
    assert after.asset_ids == (asset.id,)
    assert asset.render_job_id == queued.id


# ---------------------------------------------------------------- listing


async def test_list_jobs_newest_first_filtered_by_campaign_and_status(idle_core: Core) -> None:
    core = idle_core
    spring = await campaign_with_strategy(core)
    summer = await campaign_with_strategy(core, name="Summer")
    one = await job_of(core, await media(core, spring.id, "image", prompt="One"))
    two = await job_of(core, await media(core, summer.id, "video", prompt="Two"))
    three = await job_of(core, await media(core, spring.id, "image", prompt="Three"))
    await core.renderer.cancel(ANA, two.id)

    assert await job_ids(core) == [three.id, two.id, one.id]
    assert await job_ids(core, campaign_id=spring.id) == [three.id, one.id]
    assert await job_ids(core, campaign_id=summer.id) == [two.id]
    assert await job_ids(core, statuses=["cancelled"]) == [two.id]
    assert await job_ids(core, statuses=[CANCELLED]) == [two.id]
    assert await job_ids(core, statuses=["queued", CANCELLED]) == [three.id, two.id, one.id]
    assert await job_ids(core, campaign_id=summer.id, statuses=["queued"]) == []
    assert await job_ids(core, statuses=["published", "failed"]) == []
    assert await job_ids(core, campaign_id="no-such-campaign") == []

    listed = await core.renderer.list_jobs(VIC, campaign_id=spring.id)
    assert listed[1] == await core.renderer.get_job(VIC, one.id)
    assert listed[1].status is QUEUED
    assert listed[1].prompt == "One"
    assert (await core.renderer.get_job(ANA, two.id)).status is CANCELLED

    with pytest.raises(InvalidInput, match="done"):
        await core.renderer.list_jobs(ANA, statuses=["done"])
    with pytest.raises(NotFound):
        await core.renderer.get_job(ANA, "no-such-job")


# ---------------------------------------------------------------- bad input

BAD_INPUT: dict[str, tuple[dict[str, Any], str]] = {
    "unknown provider": ({"provider": "dall-e"}, "local-image, local-video"),
    "text kind": ({"kind": "text"}, "text"),
    "unknown kind": ({"kind": "audio"}, "audio"),
    "empty prompt": ({"prompt": "   "}, "prompt"),
    "5000-char prompt": ({"prompt": "x" * 5000}, "5000"),
    "provider for another kind": ({"provider": "local-video"}, "local-video"),
    "params not JSON": ({"params": {"when": datetime(2027, 3, 1)}}, "JSON"),
    "params with an object": ({"params": {"shape": object()}}, "JSON"),
    "params not a mapping": ({"params": [("width", 256)]}, "mapping"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
async def test_bad_render_requests_are_refused_and_nothing_is_queued(
    idle_core: Core, case: str
) -> None:
    core = idle_core
    campaign = await campaign_with_strategy(core)
    creative = await media(core, campaign.id, "image")
    before = await core.renderer.list_jobs(ANA)
    changes, mentioned = BAD_INPUT[case]
    request: dict[str, Any] = {
        "kind": "image",
        "prompt": "A spring meadow",
        "provider": None,
        "params": IMAGE,
        **changes,
    }

    with pytest.raises(InvalidInput) as refused:
        await core.renderer.queue_render(ANA, creative.id, **request)

    assert mentioned in refused.value.message
    assert await core.renderer.list_jobs(ANA) == before


@pytest.mark.parametrize("case", list(BAD_INPUT))
async def test_a_refused_media_creative_leaves_no_creative_and_no_job(
    idle_core: Core, case: str
) -> None:
    """InvalidInput means nothing was changed: no half-made creative without its render."""
    core = idle_core
    campaign = await campaign_with_strategy(core)
    changes, _ = BAD_INPUT[case]
    request: dict[str, Any] = {
        "kind": "image",
        "prompt": "A spring meadow",
        "provider": None,
        "params": IMAGE,
        **changes,
    }

    with pytest.raises(InvalidInput):
        await core.creatives.create_media_creative(ANA, campaign.id, title="Hero", **request)

    assert await core.creatives.list_creatives(ANA, campaign.id) == []
    assert await core.renderer.list_jobs(ANA) == []


async def test_a_render_of_an_unknown_creative_is_not_found(idle_core: Core) -> None:
    with pytest.raises(NotFound):
        await idle_core.renderer.queue_render(ANA, "no-such-creative", kind="image", prompt="x")
    assert await idle_core.renderer.list_jobs(ANA) == []


# ---------------------------------------------------------------- roles and tenants


async def test_a_viewer_can_follow_renders_but_not_request_cancel_or_retry_them(
    idle_core: Core,
) -> None:
    core = idle_core
    campaign = await campaign_with_strategy(core)
    creative = await media(core, campaign.id, "image")
    job = await job_of(core, creative)
    stopped = await job_of(core, await media(core, campaign.id, "image", prompt="Stopped"))
    stopped = await core.renderer.cancel(ANA, stopped.id)
    before = await core.renderer.list_jobs(ANA)

    refused: list[Callable[[], Awaitable[object]]] = [
        lambda: core.renderer.queue_render(
            VIC, creative.id, kind="image", prompt="Mine", params=IMAGE
        ),
        lambda: core.renderer.cancel(VIC, job.id),
        lambda: core.renderer.retry(VIC, stopped.id),
        lambda: core.creatives.create_media_creative(
            VIC, campaign.id, kind="image", title="Mine", prompt="Mine", params=IMAGE
        ),
        lambda: core.creatives.regenerate(VIC, campaign.id),
        lambda: core.creatives.regenerate(VIC, campaign.id, creative_ids=[creative.id]),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied):
            await call()

    assert await core.renderer.list_jobs(ANA) == before
    assert len(await core.creatives.list_creatives(ANA, campaign.id)) == 2
    assert await core.renderer.get_job(VIC, job.id) == job
    assert [j.id for j in await core.renderer.list_jobs(VIC)] == [j.id for j in before]
    with pytest.raises(WaitTimeout):
        await core.renderer.wait_for(VIC, job.id, timeout=0.05)


async def test_another_tenant_cannot_see_or_touch_the_jobs(idle_core: Core) -> None:
    core = idle_core
    campaign = await campaign_with_strategy(core)
    creative = await media(core, campaign.id, "image")
    job = await job_of(core, creative)
    stopped = await core.renderer.cancel(
        ANA, (await job_of(core, await media(core, campaign.id, "image", prompt="B"))).id
    )
    before = await core.renderer.list_jobs(ANA)

    refused: list[Callable[[], Awaitable[object]]] = [
        lambda: core.renderer.get_job(GUS, job.id),
        lambda: core.renderer.cancel(GUS, job.id),
        lambda: core.renderer.retry(GUS, stopped.id),
        lambda: core.renderer.wait_for(GUS, job.id, timeout=WAIT),
        lambda: core.renderer.queue_render(
            GUS, creative.id, kind="image", prompt="Mine", params=IMAGE
        ),
    ]
    for call in refused:
        with pytest.raises(NotFound):
            await call()

    assert await core.renderer.list_jobs(GUS) == []
    assert await core.renderer.list_jobs(GUS, campaign_id=campaign.id) == []
    assert await core.renderer.list_jobs(ANA) == before


# ---------------------------------------------------------------- waiting


async def test_wait_for_gives_up_after_its_timeout_naming_the_status(idle_core: Core) -> None:
    core = idle_core
    campaign = await campaign_with_strategy(core)
    job = await job_of(core, await media(core, campaign.id, "image"))

    started = time.monotonic()
    with pytest.raises(WaitTimeout) as timed_out:
        await core.renderer.wait_for(ANA, job.id, timeout=0.05)
    elapsed = time.monotonic() - started

    assert isinstance(timed_out.value, AppError)
    assert "queued" in timed_out.value.message
    assert elapsed < 0.9  # the timeout, not the 1 s re-read interval
    assert await core.renderer.get_job(ANA, job.id) == job


async def test_wait_for_returns_a_finished_job_at_once(idle_core: Core) -> None:
    core = idle_core
    campaign = await campaign_with_strategy(core)
    job = await job_of(core, await media(core, campaign.id, "image"))
    cancelled = await core.renderer.cancel(ANA, job.id)

    assert await core.renderer.wait_for(ANA, job.id, timeout=0.5) == cancelled


async def test_a_published_local_render_leaves_no_work_files(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    creative = await core.creatives.create_media_creative(
        ANA,
        campaign.id,
        kind="image",
        title="Hero",
        prompt="a bright bike",
        params={"width": 256, "height": 256},
    )
    assert creative.render_job_id is not None
    done = await core.renderer.wait_for(ANA, creative.render_job_id, timeout=60)
    assert done.status is RenderStatus.PUBLISHED
    # The work folder goes once the job is published (a stop before that leaves it for the
    # next worker to store): just after the event, in the same task.
    workdir = core.settings.data_dir / "renders" / "local-image"
    async with asyncio.timeout(WAIT):
        while True:
            if not workdir.exists() or list(workdir.iterdir()) == []:
                break
            await asyncio.sleep(0.01)
    assert done.asset_id is not None
    asset = await core.storage.get(ANA, done.asset_id)  # the output lives on in the library
    assert (core.settings.data_dir / "media" / asset.storage_key).exists()
    assert (await core.providers["local-image"].poll_status(str(done.provider_job_id))).error
