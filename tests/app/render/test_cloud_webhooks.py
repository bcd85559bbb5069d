"""Webhooks through the relay (Replicate, fal), and a webhook and a poll reporting the same end
(product.md "Webhook relay")."""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.bootstrap import Core
from tests.app.render.cloud import (
    PUBLIC_HOOKS,
    PUBLISHED,
    RUNNING,
    MiB,
    fal_hooks,
    finished,
    generated_assets,
    media_job,
    post_signed,
    recording,
    replicate_hooks,
    submitted,
    unique_success,
)
from tests.app.workflow.conftest import ANA
from tests.app.workflow.helpers import campaign_with_strategy
from tests.fakes.fal_server import FakeFalServer
from tests.fakes.replicate_server import (
    Behaviour,
    FakeReplicateServer,
)

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
    # Both cores follow the same store: each hears once of the job's one published state.
    heard = {
        bus: [e.job.revision for e in recorder.published(job.id) if e.job]
        for bus, recorder in (("the polling core", polled), ("the webhook core", hooked))
    }
    assert heard == {"the polling core": [done.revision], "the webhook core": [done.revision]}
