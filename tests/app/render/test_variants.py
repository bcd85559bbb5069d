"""Render variants on both stores: a render asked for ``num_outputs`` stores every main output
as an asset of its job, in order, and its creative uses the first until someone picks another
with ``creatives.use_variant``; a video's poster frame is a companion, never a variant. Sizes are
small (256 px, 1 s of video) to keep the file fast."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from app.adapters.storage import LocalBlobStore
from app.bootstrap import Core, build_core
from app.domain import (
    ApprovalScope,
    ApprovalState,
    AssetQuery,
    AssetType,
    Creative,
    RenderJob,
    RenderStatus,
)
from app.domain.creatives import file_stem
from app.domain.errors import InvalidInput, NotFound, PermissionDenied
from tests import samples
from tests.app.render.cloud import cloud_settings, submitted
from tests.app.render.conftest import STORE_KINDS
from tests.app.workflow.conftest import ANA, BEA, GUS, VIC
from tests.app.workflow.helpers import campaign_with_strategy
from tests.conftest import open_store
from tests.fakes.replicate_server import FakeReplicateServer, make_png

WAIT = 30.0
IMAGE = {"width": 256, "height": 256}
VIDEO = {"width": 256, "height": 256, "duration": 1}


async def rendered(
    core: Core,
    campaign_id: str,
    kind: str = "image",
    *,
    params: dict[str, Any],
    provider: str | None = None,
    title: str = "Hero image",
    prompt: str = "A bright spring meadow at golden hour",
) -> tuple[Creative, RenderJob]:
    """A media creative rendered to the end; the creative as it is then, and its job."""
    creative = await core.creatives.create_media_creative(
        ANA,
        campaign_id,
        kind=kind,
        title=title,
        prompt=prompt,
        provider=provider,
        params=params,
    )
    assert creative.render_job_id is not None
    job = await core.renderer.wait_for(ANA, creative.render_job_id, timeout=WAIT)
    assert job.status is RenderStatus.PUBLISHED, job.error
    return await core.creatives.get_creative(ANA, creative.id), job


def current_output(creative: Creative) -> str:
    """The asset the creative shows (its latest output)."""
    return creative.outputs[-1].asset_id


async def job_assets(core: Core, job_id: str) -> list[Any]:
    page = await core.storage.search(ANA, AssetQuery(include_archived=True, limit=500))
    return [asset for asset in page.items if asset.render_job_id == job_id]


async def test_three_variants_are_three_distinct_assets_and_the_creative_uses_the_first(
    core: Core,
) -> None:
    campaign = await campaign_with_strategy(core)
    creative, job = await rendered(core, campaign.id, params={**IMAGE, "num_outputs": 3})

    assert len(job.output_asset_ids) == 3
    assert job.asset_id == job.output_asset_ids[0]
    assets = [await core.storage.get(ANA, asset_id) for asset_id in job.output_asset_ids]
    assert all(asset.render_job_id == job.id for asset in assets)
    assert all(asset.type is AssetType.IMAGE for asset in assets)
    assert all({"generated", "local-image"} <= set(asset.tags) for asset in assets)
    stem = f"{file_stem(creative.title)}-{job.id[-6:]}"
    names = [f"{stem}.png", f"{stem}-2.png", f"{stem}-3.png"]
    assert [asset.filename for asset in assets] == names
    assert job.logs[-1] == f"published to the library as {', '.join(names)}"
    digests = {
        hashlib.sha256(await core.blobs.read_bytes(asset.storage_key)).hexdigest()
        for asset in assets
    }
    assert len(digests) == 3  # three seeds, three different pictures
    assert sorted(a.id for a in await job_assets(core, job.id)) == sorted(job.output_asset_ids)
    assert current_output(creative) == job.output_asset_ids[0]
    assert creative.asset_ids == (job.output_asset_ids[0],)
    assert [o.asset_id for o in creative.outputs] == [job.output_asset_ids[0]]


async def test_one_output_by_default(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    creative, job = await rendered(core, campaign.id, params=IMAGE)
    assert job.output_asset_ids == (job.asset_id,)
    assert current_output(creative) == job.asset_id
    asset = await core.storage.get(ANA, job.asset_id or "")
    assert job.logs[-1] == f"published to the library as {asset.filename}"


async def test_a_videos_poster_frame_never_becomes_a_variant(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    creative, job = await rendered(core, campaign.id, "video", params=VIDEO, title="Hero video")

    assert job.output_asset_ids == (job.asset_id,)
    assert job.asset_id is not None
    video = await core.storage.get(ANA, job.asset_id)
    assert video.type is AssetType.VIDEO
    assert video.poster_key  # the library still makes its own poster frame
    assert [a.id for a in await job_assets(core, job.id)] == [video.id]
    assert current_output(creative) == video.id


async def test_use_variant_switches_the_output_and_sends_approved_content_back_to_review(
    core: Core,
) -> None:
    campaign = await campaign_with_strategy(core)
    creative, job = await rendered(core, campaign.id, params={**IMAGE, "num_outputs": 2})
    first, second = job.output_asset_ids
    await core.approvals.approve(BEA, campaign.id, ApprovalScope.STRATEGY)
    await core.approvals.approve(BEA, campaign.id, ApprovalScope.CONTENT)

    chosen = await core.creatives.use_variant(ANA, creative.id, second)

    assert current_output(chosen) == second
    assert chosen.asset_ids == (second,)
    assert [o.asset_id for o in chosen.outputs] == [first, second]
    assert chosen.outputs[-1].render_job_id == job.id
    assert not chosen.stale
    assert await core.creatives.get_creative(ANA, creative.id) == chosen
    content = (await core.approvals.get_approvals(ANA, campaign.id))[ApprovalScope.CONTENT]
    assert (content.state, content.timeline[-1].comment) == (
        ApprovalState.NEEDS_REVIEW,
        "content changed: 'Hero image'",
    )
    entries = await core.activity.recent(ANA, campaign_id=campaign.id)
    entry = next(e for e in entries if e.action == "creative.variant_chosen")
    assert (entry.object_id, entry.details["asset_id"]) == (creative.id, second)

    back = await core.creatives.use_variant(ANA, creative.id, first)
    assert (current_output(back), back.asset_ids) == (first, (first,))
    # Choosing the output it already shows changes nothing.
    assert await core.creatives.use_variant(ANA, creative.id, first) == back


async def test_use_variant_refuses_an_asset_that_is_not_an_output_of_the_creative(
    core: Core, tmp_path: Path
) -> None:
    campaign = await campaign_with_strategy(core)
    creative, job = await rendered(core, campaign.id, params={**IMAGE, "num_outputs": 2})
    other, other_job = await rendered(
        core, campaign.id, params=IMAGE, title="Other image", prompt="A winter harbour"
    )
    uploaded = await core.storage.upload(ANA, samples.png(tmp_path / "mine.png"))
    theirs = await core.storage.upload(GUS, samples.png(tmp_path / "theirs.png", color="blue"))
    assert other_job.asset_id is not None

    for asset_id in (other_job.asset_id, uploaded.id, theirs.id, "no-such-asset"):
        with pytest.raises(InvalidInput, match="not an output of a render of 'Hero image'"):
            await core.creatives.use_variant(ANA, creative.id, asset_id)
    with pytest.raises(PermissionDenied):
        await core.creatives.use_variant(VIC, creative.id, job.output_asset_ids[1])
    with pytest.raises(NotFound):  # another workspace's creative is not found
        await core.creatives.use_variant(GUS, creative.id, job.output_asset_ids[1])
    assert await core.creatives.get_creative(ANA, creative.id) == creative
    assert await core.creatives.get_creative(ANA, other.id) == other


@pytest.mark.parametrize("bad", [0, 5, -1, 2.5, "2", True])
async def test_num_outputs_out_of_range_is_refused_and_changes_nothing(
    core: Core, bad: object
) -> None:
    campaign = await campaign_with_strategy(core)
    with pytest.raises(InvalidInput, match="num_outputs must be a whole number from 1 to 4"):
        await core.creatives.create_media_creative(
            ANA,
            campaign.id,
            kind="image",
            title="Too many",
            prompt="A meadow",
            params={**IMAGE, "num_outputs": bad},
        )
    assert await core.creatives.list_creatives(ANA, campaign.id) == []
    creative, _ = await rendered(core, campaign.id, params=IMAGE)
    jobs = await core.renderer.list_jobs(ANA, campaign_id=campaign.id)
    with pytest.raises(InvalidInput, match="num_outputs"):
        await core.renderer.queue_render(
            ANA, creative.id, kind="image", prompt="A meadow", params={"num_outputs": bad}
        )
    assert await core.renderer.list_jobs(ANA, campaign_id=campaign.id) == jobs


# ------------------------------------------------------------------ Replicate, on its fake


@pytest.fixture(params=STORE_KINDS)
async def replicate_core(
    request: pytest.FixtureRequest, tmp_path: Path, replicate: FakeReplicateServer
) -> AsyncIterator[Core]:
    """Every service over a fresh store, Replicate pointed at its fake, the worker running."""
    settings = cloud_settings(tmp_path / "data", replicate=replicate)
    async for store in open_store(request.param, tmp_path):
        built = build_core(settings, store, LocalBlobStore(settings.data_dir / "media"))
        assert built.renderer.worker is not None
        built.renderer.worker.start()
        try:
            yield built
        finally:
            await built.close()


async def test_replicate_renders_num_outputs_variants(
    replicate_core: Core, replicate: FakeReplicateServer
) -> None:
    core = replicate_core
    campaign = await campaign_with_strategy(core)
    creative = await core.creatives.create_media_creative(
        ANA,
        campaign.id,
        kind="image",
        title="Replicate image",
        prompt="A red bicycle at dawn",
        provider="replicate",
        params={"num_outputs": 3},
    )
    assert creative.render_job_id is not None
    running = await submitted(core, creative.render_job_id)
    prediction_id = running.provider_job_id
    assert prediction_id is not None
    assert replicate.predictions[prediction_id]["input"]["num_outputs"] == 3

    files = replicate.succeed(prediction_id)  # as many as the input asked for
    assert len(files) == 3
    job = await core.renderer.wait_for(ANA, creative.render_job_id, timeout=WAIT)
    assert job.status is RenderStatus.PUBLISHED, job.error
    assert len(job.output_asset_ids) == 3
    stored = [
        await core.blobs.read_bytes((await core.storage.get(ANA, asset_id)).storage_key)
        for asset_id in job.output_asset_ids
    ]
    assert stored == files  # in the provider's order
    shown = await core.creatives.get_creative(ANA, creative.id)
    assert current_output(shown) == job.output_asset_ids[0]
    chosen = await core.creatives.use_variant(ANA, creative.id, job.output_asset_ids[2])
    assert current_output(chosen) == job.output_asset_ids[2]


async def test_replicate_companions_of_an_object_output_are_not_variants(
    replicate_core: Core, replicate: FakeReplicateServer
) -> None:
    core = replicate_core
    campaign = await campaign_with_strategy(core)
    creative = await core.creatives.create_media_creative(
        ANA,
        campaign.id,
        kind="image",
        title="Replicate image",
        prompt="A red bicycle at dawn",
        provider="replicate",
    )
    assert creative.render_job_id is not None
    prediction_id = (await submitted(core, creative.render_job_id)).provider_job_id
    assert prediction_id is not None
    files = [make_png(40, 30), make_png(20, 15)]
    for name, data in zip(("image", "preview"), files, strict=True):
        replicate.files[f"{prediction_id}-{name}.png"] = data
    urls = [f"{replicate.origin}/files/{prediction_id}-{n}.png" for n in ("image", "preview")]
    replicate.succeed(prediction_id, output={"image": urls[0], "preview": urls[1]})
    job = await core.renderer.wait_for(ANA, creative.render_job_id, timeout=WAIT)
    assert job.status is RenderStatus.PUBLISHED, job.error
    assert job.output_asset_ids == (job.asset_id,)
    assert job.asset_id is not None
    asset = await core.storage.get(ANA, job.asset_id)
    assert await core.blobs.read_bytes(asset.storage_key) == files[0]


async def test_a_failed_download_of_one_variant_publishes_none_until_all_are_stored(
    replicate_core: Core, replicate: FakeReplicateServer
) -> None:
    core = replicate_core
    campaign = await campaign_with_strategy(core)
    replicate.script("file", "ok", "500")  # the second variant's first download fails
    seen: list[RenderJob] = []
    with core.events.listen(lambda event: seen.append(event.job)):
        creative = await core.creatives.create_media_creative(
            ANA,
            campaign.id,
            kind="image",
            title="Replicate image",
            prompt="A red bicycle at dawn",
            provider="replicate",
            params={"num_outputs": 3},
        )
        assert creative.render_job_id is not None
        prediction_id = (await submitted(core, creative.render_job_id)).provider_job_id
        assert prediction_id is not None
        files = replicate.succeed(prediction_id)
        job = await core.renderer.wait_for(ANA, creative.render_job_id, timeout=WAIT)
    assert job.status is RenderStatus.PUBLISHED, job.error
    assert job.retries == 1
    assert any("download failed" in line and "500" in line for line in job.logs)
    stored = [
        await core.blobs.read_bytes((await core.storage.get(ANA, asset_id)).storage_key)
        for asset_id in job.output_asset_ids
    ]
    assert stored == files
    mine = [j for j in seen if j.id == job.id]
    assert any(j.retries == 1 and j.status is RenderStatus.RUNNING for j in mine)
    assert all(j.output_asset_ids in ((), job.output_asset_ids) for j in mine)
    assert all(j.asset_id is None for j in mine if j.status is not RenderStatus.PUBLISHED)
    assert len(replicate.predictions) == 1  # downloaded again, not rendered again
