"""CreativesService on both stores: copy made from the active strategy version and kept in the
library, reusing library assets, staleness, the content approval cascade, roles, isolation."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.bootstrap import Core
from app.domain import (
    ApprovalAction,
    ApprovalScope,
    ApprovalState,
    AssetQuery,
    AssetType,
    CampaignStatus,
    CreativeKind,
)
from app.domain.errors import InvalidInput, NotFound, PermissionDenied
from tests import samples
from tests.app.workflow.conftest import ANA, BEA, GUS, VIC
from tests.app.workflow.helpers import campaign_with_strategy, full_draft, text_creative


async def _library_total(core: Core) -> int:
    return (await core.storage.search(ANA, AssetQuery(include_archived=True))).total


async def test_copy_needs_a_strategy_first(core: Core) -> None:
    campaign = await core.campaigns.create_campaign(ANA, "Spring", channels=("instagram",))
    with pytest.raises(InvalidInput, match="strategy"):
        await core.creatives.create_text_creative(
            ANA, campaign.id, title="Launch post", body="Skip the traffic."
        )
    assert await core.creatives.list_creatives(ANA, campaign.id) == []
    assert await _library_total(core) == 0


async def test_copy_is_linked_to_the_active_version_and_kept_as_a_text_asset(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    strategy = await core.strategies.get_active(ANA, campaign.id)
    body = "Skip the traffic — ride in. 🚲"
    creative = await core.creatives.create_text_creative(
        ANA, campaign.id, title=" Launch post ", body=body, channel="Instagram"
    )
    assert (creative.kind, creative.title, creative.body, creative.channel) == (
        CreativeKind.TEXT,
        "Launch post",
        body,
        "instagram",
    )
    assert (creative.strategy_id, creative.strategy_version, creative.stale) == (
        strategy.id,
        1,
        False,
    )
    assert (creative.campaign_id, creative.created_by, len(creative.asset_ids)) == (
        campaign.id,
        "ana",
        1,
    )
    asset = await core.storage.get(ANA, creative.asset_ids[0])
    assert (asset.type, asset.content_type) == (AssetType.TEXT, "text/plain")
    stored = await core.blobs.read_bytes(asset.storage_key)
    assert stored == body.encode("utf-8")
    assert asset.sha256 == hashlib.sha256(body.encode("utf-8")).hexdigest()
    assert await core.storage.usage(ANA, asset.id) == [creative.id]
    assert await core.creatives.get_creative(ANA, creative.id) == creative
    v2 = await core.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Calm"))
    later = await text_creative(core, campaign.id, title="Later")
    assert (later.strategy_id, later.strategy_version, later.stale) == (v2.id, 2, False)


@pytest.mark.parametrize(
    ("title", "body"),
    [("Launch post", ""), ("Launch post", "   \n "), ("   ", "Ride in."), ("", "Ride in.")],
)
async def test_bad_copy_creates_nothing(core: Core, title: str, body: str) -> None:
    campaign = await campaign_with_strategy(core)
    with pytest.raises(InvalidInput):
        await core.creatives.create_text_creative(ANA, campaign.id, title=title, body=body)
    assert await core.creatives.list_creatives(ANA, campaign.id) == []
    assert await _library_total(core) == 0
    actions = [e.action for e in await core.activity.recent(ANA)]
    assert "creative.created" not in actions
    assert "asset.added" not in actions


async def test_too_long_copy_is_refused(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    with pytest.raises(InvalidInput, match="20000"):
        await core.creatives.create_text_creative(
            ANA, campaign.id, title="Essay", body="x" * 20_001
        )
    assert await core.creatives.list_creatives(ANA, campaign.id) == []
    assert await _library_total(core) == 0


async def test_a_library_picture_is_reused_once_and_its_usage_tracked(
    core: Core, tmp_path: Path
) -> None:
    campaign = await campaign_with_strategy(core)
    creative = await text_creative(core, campaign.id)
    picture = await core.storage.upload(ANA, samples.png(tmp_path / "hero.png"))
    attached = await core.creatives.attach_asset(ANA, creative.id, picture.id)
    assert attached.asset_ids == (creative.asset_ids[0], picture.id)
    again = await core.creatives.attach_asset(ANA, creative.id, picture.id)
    assert again.asset_ids == (creative.asset_ids[0], picture.id)
    assert again.revision == attached.revision
    assert (await core.creatives.get_creative(ANA, creative.id)).asset_ids == attached.asset_ids
    assert await core.storage.usage(ANA, picture.id) == [creative.id]
    other = await text_creative(core, campaign.id, channel="linkedin", title="Second")
    await core.creatives.attach_asset(ANA, other.id, picture.id)
    assert await core.storage.usage(ANA, picture.id) == [creative.id, other.id]
    result = await core.storage.archive(ANA, picture.id)
    assert (result.asset.archived, result.used_by) == (True, [creative.id, other.id])


async def test_archived_foreign_and_unknown_assets_are_refused(core: Core, tmp_path: Path) -> None:
    campaign = await campaign_with_strategy(core)
    creative = await text_creative(core, campaign.id)
    archived = await core.storage.upload(ANA, samples.png(tmp_path / "old.png", color="#a33"))
    await core.storage.archive(ANA, archived.id)
    theirs = await core.storage.upload(GUS, samples.png(tmp_path / "theirs.png", color="#33a"))
    mine = await core.storage.upload(ANA, samples.png(tmp_path / "mine.png", color="#3a3"))
    with pytest.raises(InvalidInput, match="archived"):
        await core.creatives.attach_asset(ANA, creative.id, archived.id)
    with pytest.raises(NotFound):
        await core.creatives.attach_asset(ANA, creative.id, theirs.id)
    with pytest.raises(NotFound):
        await core.creatives.attach_asset(ANA, creative.id, "no-such-asset")
    with pytest.raises(NotFound):
        await core.creatives.attach_asset(ANA, "no-such-creative", mine.id)
    assert await core.creatives.get_creative(ANA, creative.id) == creative
    assert await core.storage.usage(ANA, archived.id) == []
    assert await core.storage.usage(ANA, mine.id) == []
    assert await core.storage.usage(GUS, theirs.id) == []


async def test_creatives_are_listed_oldest_first_and_go_stale_with_their_version(
    core: Core,
) -> None:
    campaign = await campaign_with_strategy(core)
    made = [await text_creative(core, campaign.id, title=f"Post {n}") for n in range(3)]
    listed = await core.creatives.list_creatives(ANA, campaign.id)
    assert [c.id for c in listed] == [c.id for c in made]
    assert await core.creatives.list_creatives(ANA, campaign.id, stale_only=True) == []
    await core.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Calm"))
    stale = await core.creatives.list_creatives(ANA, campaign.id, stale_only=True)
    assert [(c.id, c.stale, c.strategy_version) for c in stale] == [(c.id, True, 1) for c in made]
    fresh = await text_creative(core, campaign.id, title="Post 3")
    assert (fresh.stale, fresh.strategy_version) == (False, 2)
    everything = await core.creatives.list_creatives(ANA, campaign.id)
    assert [(c.id, c.stale) for c in everything] == [
        *((c.id, True) for c in made),
        (fresh.id, False),
    ]
    stale_again = await core.creatives.list_creatives(ANA, campaign.id, stale_only=True)
    assert [c.id for c in stale_again] == [c.id for c in made]


async def test_new_content_after_approval_needs_review(core: Core, tmp_path: Path) -> None:
    campaign = await campaign_with_strategy(core)
    first = await text_creative(core, campaign.id)
    await core.approvals.approve(BEA, campaign.id, ApprovalScope.STRATEGY)
    await core.approvals.approve(BEA, campaign.id, ApprovalScope.CONTENT)
    second = await text_creative(core, campaign.id, channel="linkedin", title="Second post")
    content = (await core.approvals.get_approvals(ANA, campaign.id))[ApprovalScope.CONTENT]
    last = content.timeline[-1]
    assert (content.state, content.votes, content.strategy_version) == (
        ApprovalState.NEEDS_REVIEW,
        (),
        1,
    )
    assert (last.action, last.from_state, last.to_state, last.actor_id, last.comment) == (
        ApprovalAction.INVALIDATE,
        ApprovalState.APPROVED,
        ApprovalState.NEEDS_REVIEW,
        "ana",
        "content changed: 'Second post'",
    )
    status = (await core.campaigns.get_campaign(ANA, campaign.id)).status
    assert status is CampaignStatus.IN_REVIEW
    await core.approvals.approve(BEA, campaign.id, ApprovalScope.CONTENT)
    picture = await core.storage.upload(ANA, samples.png(tmp_path / "hero.png"))
    await core.creatives.attach_asset(ANA, first.id, picture.id)
    content = (await core.approvals.get_approvals(ANA, campaign.id))[ApprovalScope.CONTENT]
    assert (content.state, content.timeline[-1].comment) == (
        ApprovalState.NEEDS_REVIEW,
        "content changed: 'Launch post'",
    )
    assert second.stale is False


async def test_a_viewer_can_look_but_not_create_or_attach(core: Core, tmp_path: Path) -> None:
    campaign = await campaign_with_strategy(core)
    creative = await text_creative(core, campaign.id)
    picture = await core.storage.upload(ANA, samples.png(tmp_path / "hero.png"))
    assets_before = await _library_total(core)
    with pytest.raises(PermissionDenied):
        await core.creatives.create_text_creative(VIC, campaign.id, title="Mine", body="Hello")
    with pytest.raises(PermissionDenied):
        await core.creatives.attach_asset(VIC, creative.id, picture.id)
    assert await core.creatives.list_creatives(VIC, campaign.id) == [creative]
    assert await core.creatives.get_creative(VIC, creative.id) == creative
    assert await _library_total(core) == assets_before
    assert await core.storage.usage(VIC, picture.id) == []


async def test_another_tenant_sees_no_creative(core: Core, tmp_path: Path) -> None:
    campaign = await campaign_with_strategy(core)
    creative = await text_creative(core, campaign.id)
    theirs = await core.storage.upload(GUS, samples.png(tmp_path / "theirs.png"))
    mine = await core.storage.upload(ANA, samples.png(tmp_path / "mine.png", color="#a33"))
    with pytest.raises(NotFound):
        await core.creatives.list_creatives(GUS, campaign.id)
    with pytest.raises(NotFound):
        await core.creatives.get_creative(GUS, creative.id)
    with pytest.raises(NotFound):
        await core.creatives.attach_asset(GUS, creative.id, theirs.id)
    with pytest.raises(NotFound):
        await core.creatives.attach_asset(GUS, creative.id, mine.id)
    with pytest.raises(NotFound):
        await core.creatives.create_text_creative(GUS, campaign.id, title="X", body="Hello")
    assert await core.creatives.get_creative(ANA, creative.id) == creative
    assert await core.storage.usage(GUS, theirs.id) == []
    assert (await core.storage.search(GUS, AssetQuery())).total == 1
