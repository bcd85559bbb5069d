"""Editing a text creative and deleting a creative, on every store."""

from __future__ import annotations

import pytest

from app.bootstrap import Core
from app.domain import ApprovalScope, ApprovalState, AssetQuery, Campaign, CreativeKind
from app.domain.errors import InvalidInput, NotFound
from tests.app.services.whole_core import whole_core  # noqa: F401 (the core fixture)
from tests.app.workflow.conftest import ANA, BEA, GUS
from tests.app.workflow.helpers import campaign_with_strategy, full_draft, text_creative


async def _content(core: Core, campaign: Campaign) -> ApprovalState:
    return (await core.approvals.get_approvals(ANA, campaign.id))[ApprovalScope.CONTENT].state


async def _approve_content(core: Core, campaign: Campaign) -> None:
    for scope in (ApprovalScope.STRATEGY, ApprovalScope.CONTENT):
        await core.approvals.approve(BEA, campaign.id, scope)


async def test_editing_copy_keeps_it_in_the_library_and_needs_review(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    creative = await text_creative(core, campaign.id)
    await _approve_content(core, campaign)
    edited = await core.creatives.edit_text(ANA, creative.id, "  Ride past the queue.  ")
    assert edited.body == "Ride past the queue."
    assert len(edited.asset_ids) == 1
    assert edited.asset_ids != creative.asset_ids
    assert await core.storage.get(ANA, creative.asset_ids[0])  # the old copy stays
    assert await _content(core, campaign) is ApprovalState.NEEDS_REVIEW
    assert (await core.creatives.get_creative(ANA, creative.id)).body == edited.body


async def test_editing_stale_copy_makes_it_current(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    creative = await text_creative(core, campaign.id)
    await core.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Calm"))
    assert (await core.creatives.get_creative(ANA, creative.id)).stale
    edited = await core.creatives.edit_text(ANA, creative.id, "Calmer copy")
    assert (edited.stale, edited.strategy_version) == (False, 2)


async def test_edit_text_refuses_media_empty_copy_and_outsiders(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    creative = await text_creative(core, campaign.id)
    image = await core.store.creatives.update(
        creative.model_copy(update={"kind": CreativeKind.IMAGE, "prompt": "a bike"})
    )
    with pytest.raises(InvalidInput, match="not copy"):
        await core.creatives.edit_text(ANA, image.id, "words")
    other = await text_creative(core, campaign.id, title="Other")
    with pytest.raises(InvalidInput, match="empty"):
        await core.creatives.edit_text(ANA, other.id, "   ")
    with pytest.raises(NotFound):
        await core.creatives.edit_text(GUS, other.id, "mine")


async def test_deleting_a_creative_keeps_its_assets_and_needs_review(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    creative = await text_creative(core, campaign.id)
    kept = await text_creative(core, campaign.id, title="Kept")
    await _approve_content(core, campaign)
    with pytest.raises(NotFound):
        await core.creatives.delete_creative(GUS, creative.id)
    await core.creatives.delete_creative(ANA, creative.id)
    assert [c.id for c in await core.creatives.list_creatives(ANA, campaign.id)] == [kept.id]
    with pytest.raises(NotFound):
        await core.creatives.get_creative(ANA, creative.id)
    assert await _content(core, campaign) is ApprovalState.NEEDS_REVIEW
    library = await core.storage.search(ANA, AssetQuery())
    assert creative.asset_ids[0] in {asset.id for asset in library.items}
    with pytest.raises(NotFound):
        await core.creatives.delete_creative(ANA, creative.id)


async def test_deleting_unapproved_content_leaves_the_approval_alone(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    creative = await text_creative(core, campaign.id)
    await core.creatives.delete_creative(ANA, creative.id)
    assert await _content(core, campaign) is ApprovalState.PENDING
