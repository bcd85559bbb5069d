"""Many people changing one record at once: every vote and every tag counts, none is refused
with ``Conflict``, on every store kind (the SQLite file, the MongoDB shim, and a real MongoDB
server when ``CAMPAIGN_STUDIO_TEST_MONGODB_URI`` is set)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from app.adapters.storage import LocalBlobStore
from app.bootstrap import Core, build_core
from app.config import AppSettings
from app.domain import Actor, ApprovalScope, ApprovalState, CampaignStatus, Role
from app.domain.approvals import ApprovalAction
from app.domain.errors import InvalidTransition
from tests import samples
from tests.app.workflow.conftest import ADA, ANA, BEA
from tests.app.workflow.helpers import campaign_with_strategy
from tests.conftest import STORE_KINDS, open_store

S, C = ApprovalScope.STRATEGY, ApprovalScope.CONTENT


def _approvers(count: int) -> list[Actor]:
    return [
        Actor(tenant_id="acme", user_id=f"voter{n}", roles={Role.APPROVER}) for n in range(count)
    ]


@pytest.fixture(params=STORE_KINDS)
async def core(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Core]:
    """Every service over a fresh store of each kind, the render worker off."""
    settings = AppSettings(data_dir=tmp_path / "data", render_worker=False)
    async for store in open_store(request.param, tmp_path):
        built = build_core(settings, store, LocalBlobStore(settings.data_dir / "media"))
        yield built
        await built.close()


async def test_fifty_voters_at_once_at_quorum_fifty_all_count(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    await core.approvals.approve(BEA, campaign.id, S)
    await core.approvals.set_quorum(ADA, campaign.id, C, 50)
    voters = _approvers(50)

    results = await asyncio.gather(*(core.approvals.approve(v, campaign.id, C) for v in voters))

    stored = (await core.approvals.get_approvals(ADA, campaign.id))[C]
    assert stored.state is ApprovalState.APPROVED
    assert sorted(vote.user_id for vote in stored.votes) == sorted(v.user_id for v in voters)
    votes = [e for e in stored.timeline if e.action is ApprovalAction.APPROVE]
    assert Counter(e.actor_id for e in votes) == Counter(v.user_id for v in voters)
    assert [e.to_state for e in votes].count(ApprovalState.APPROVED) == 1
    assert sum(result.state is ApprovalState.APPROVED for result in results) == 1
    entries = await core.store.activity.list("acme", campaign_id=campaign.id, limit=1000)
    voted = [entry.actor_id for entry in entries if entry.action == "approval.voted"]
    assert Counter(voted) == Counter([BEA.user_id] + [v.user_id for v in voters])


async def test_two_hundred_voters_at_quorum_fifty_approve_once_and_none_conflicts(
    core: Core,
) -> None:
    campaign = await campaign_with_strategy(core)
    await core.approvals.set_quorum(ADA, campaign.id, S, 50)
    voters = _approvers(200)

    outcomes = await asyncio.gather(
        *(core.approvals.approve(v, campaign.id, S) for v in voters), return_exceptions=True
    )

    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert all(isinstance(o, InvalidTransition) for o in refused), {type(o) for o in refused}
    assert len(refused) == 150
    stored = (await core.approvals.get_approvals(ADA, campaign.id))[S]
    assert stored.state is ApprovalState.APPROVED
    assert len(stored.votes) == 50 == len({vote.user_id for vote in stored.votes})
    counted = {o.votes[-1].user_id for o in outcomes if not isinstance(o, BaseException)}
    assert counted == {vote.user_id for vote in stored.votes}
    reached = [e for e in stored.timeline if e.to_state is ApprovalState.APPROVED]
    assert len(reached) == 1
    assert (await core.campaigns.get_campaign(ANA, campaign.id)).status is CampaignStatus.IN_REVIEW


async def test_a_rejection_among_concurrent_votes_still_wins(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    await core.approvals.set_quorum(ADA, campaign.id, S, 50)
    voters = _approvers(30)

    outcomes = await asyncio.gather(
        *(core.approvals.approve(v, campaign.id, S) for v in voters[:29]),
        core.approvals.reject(voters[29], campaign.id, S, reason="Off brand"),
        return_exceptions=True,
    )

    assert all(isinstance(o, InvalidTransition) for o in outcomes if isinstance(o, BaseException))
    stored = (await core.approvals.get_approvals(ADA, campaign.id))[S]
    assert stored.state is ApprovalState.REJECTED
    rejections = [e for e in stored.timeline if e.to_state is ApprovalState.REJECTED]
    assert [e.actor_id for e in rejections] == ["voter29"]


async def test_fifty_concurrent_tag_calls_keep_every_tag(core: Core, tmp_path: Path) -> None:
    asset = await core.storage.upload(ANA, samples.png(tmp_path / "hero.png"))

    await asyncio.gather(*(core.storage.tag(ANA, asset.id, add=[f"tag{n}"]) for n in range(50)))

    stored = await core.storage.get(ANA, asset.id)
    assert sorted(stored.tags) == sorted(f"tag{n}" for n in range(50))


async def test_a_status_written_from_approvals_read_before_the_last_vote_is_corrected(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race made certain: the first voter's status update is held until the second
    voter has reached the quorum and set the campaign ready; the held update, computed from
    approvals read before that, must not leave the campaign in review."""
    campaign = await campaign_with_strategy(core)
    for scope in (S, C, ApprovalScope.SCHEDULE):
        await core.approvals.approve(BEA, campaign.id, scope)
    await core.approvals.set_quorum(ADA, campaign.id, ApprovalScope.ADS, 2)
    first, second = _approvers(2)
    campaigns = core.store.campaigns
    modify = campaigns.modify
    held = True

    async def second_vote_first(*args: Any, **kwargs: Any) -> Any:
        nonlocal held
        if held:
            held = False
            await core.approvals.approve(second, campaign.id, ApprovalScope.ADS)
            assert (await campaigns.get("acme", campaign.id)).status is CampaignStatus.READY
        return await modify(*args, **kwargs)

    monkeypatch.setattr(campaigns, "modify", second_vote_first)
    await core.approvals.approve(first, campaign.id, ApprovalScope.ADS)

    assert (await core.campaigns.get_campaign(ANA, campaign.id)).status is CampaignStatus.READY
