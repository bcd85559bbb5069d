"""Cancelling cloud renders: queued, running, overtaken by the publication, refused by the
provider (product.md "Render jobs")."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from app.bootstrap import Core
from app.domain import RenderJob
from app.domain.errors import InvalidTransition, ProviderError
from app.services.events import EventKind
from tests.app.render.cloud import (
    CANCELLED,
    PUBLISHED,
    RUNNING,
    eventually,
    finished,
    generated_assets,
    media_job,
    recording,
    replicate_hooks,
    submitted,
)
from tests.app.workflow.conftest import ANA
from tests.app.workflow.helpers import campaign_with_strategy
from tests.fakes.fal_server import FakeFalServer
from tests.fakes.replicate_server import (
    Behaviour,
    FakeReplicateServer,
)
from tests.fakes.runway_server import FakeRunwayServer

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
