"""StrategyService.preview_update: what a new strategy version would reset, told before it is
saved, checked against what update_strategy then does (on the embedded store)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from app.adapters.storage import LocalBlobStore
from app.bootstrap import Core, build_core
from app.config import AppSettings
from app.domain import ApprovalScope, ApprovalState
from app.domain.cascade import ApprovalReset, CascadePreview
from app.domain.errors import NotFound, PermissionDenied
from tests.app.workflow.conftest import ANA, BEA, GUS, VIC
from tests.app.workflow.helpers import campaign_with_strategy, full_draft, text_creative
from tests.conftest import open_store

S, C, SCH, ADS = ApprovalScope
PENDING, APPROVED, REJECTED, NEEDS_REVIEW = (
    ApprovalState.PENDING,
    ApprovalState.APPROVED,
    ApprovalState.REJECTED,
    ApprovalState.NEEDS_REVIEW,
)


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = AppSettings(data_dir=tmp_path / "data")
    async for store in open_store("sqlite", tmp_path):
        built = build_core(settings, store, LocalBlobStore(settings.data_dir / "media"))
        yield built
        await built.close()


async def _stale(core: Core, campaign_id: str) -> set[str]:
    return {c.id for c in await core.creatives.list_creatives(ANA, campaign_id) if c.stale}


async def _states(core: Core, campaign_id: str) -> dict[ApprovalScope, ApprovalState]:
    approvals = await core.approvals.get_approvals(ANA, campaign_id)
    return {scope: approval.state for scope, approval in approvals.items()}


async def _everything(core: Core, campaign_id: str) -> tuple[Any, ...]:
    return (
        await core.strategies.history(ANA, campaign_id),
        await core.approvals.get_approvals(ANA, campaign_id),
        await core.creatives.list_creatives(ANA, campaign_id),
        [e.id for e in await core.store.activity.list("acme", campaign_id=campaign_id, limit=999)],
    )


async def test_a_first_version_resets_nothing(core: Core) -> None:
    campaign = await core.campaigns.create_campaign(ANA, "Spring")
    assert await core.strategies.preview_update(ANA, campaign.id) == CascadePreview(version=1)


async def test_the_preview_matches_what_the_update_then_does(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    for title in ("Teaser", "Launch", "Reminder"):
        await text_creative(core, campaign.id, title=title)
    await core.approvals.approve(BEA, campaign.id, S)
    await core.approvals.approve(BEA, campaign.id, C)
    await core.approvals.reject(BEA, campaign.id, SCH, reason="too early")
    before = await _everything(core, campaign.id)

    preview = await core.strategies.preview_update(ANA, campaign.id)

    assert await _everything(core, campaign.id) == before  # read only
    assert preview == CascadePreview(
        version=2,
        approvals=(
            ApprovalReset(scope=S, state=APPROVED, to_state=PENDING),
            ApprovalReset(scope=C, state=APPROVED, to_state=NEEDS_REVIEW),
            ApprovalReset(scope=SCH, state=REJECTED, to_state=NEEDS_REVIEW),
            ApprovalReset(scope=ADS, state=PENDING, to_state=NEEDS_REVIEW),
        ),
        stale_creatives=3,
    )
    strategy = await core.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Calm"))
    assert strategy.version == preview.version
    assert await _states(core, campaign.id) == {r.scope: r.to_state for r in preview.approvals}
    assert len(await _stale(core, campaign.id)) == preview.stale_creatives


async def test_creatives_already_stale_are_not_counted_again(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    await text_creative(core, campaign.id, title="Old")
    await core.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Calm"))
    stale_before = await _stale(core, campaign.id)
    await text_creative(core, campaign.id, title="New")

    preview = await core.strategies.preview_update(ANA, campaign.id)

    assert (preview.version, preview.stale_creatives) == (3, 1)
    assert [r.state for r in preview.approvals] == [
        PENDING,
        NEEDS_REVIEW,
        NEEDS_REVIEW,
        NEEDS_REVIEW,
    ]
    await core.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Bold"))
    assert len(await _stale(core, campaign.id) - stale_before) == preview.stale_creatives


async def test_after_a_withdrawn_version_no_creative_becomes_stale(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    await text_creative(core, campaign.id)
    active = await core.strategies.get_active(ANA, campaign.id)
    await core.strategies.invalidate(ANA, active.id, reason="withdrawn")

    preview = await core.strategies.preview_update(ANA, campaign.id)

    assert (preview.version, preview.stale_creatives) == (2, 0)
    assert [r.to_state for r in preview.approvals] == [PENDING, *[NEEDS_REVIEW] * 3]


async def test_viewers_may_preview_and_other_workspaces_may_not(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    assert (await core.strategies.preview_update(VIC, campaign.id)).version == 2
    with pytest.raises((NotFound, PermissionDenied)):
        await core.strategies.preview_update(GUS, campaign.id)
    with pytest.raises(NotFound):
        await core.strategies.preview_update(ANA, "no-such-campaign")
