"""StrategyService on both stores: versions, completion, invalidation (superseded or withdrawn),
the cascade to approvals and creatives, concurrent saves, bad drafts, roles and tenants."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from app.bootstrap import Core
from app.domain import ApprovalScope, ApprovalState, StrategyStatus, utc_now
from app.domain.errors import InvalidInput, NotFound, PermissionDenied
from tests.app.workflow.conftest import ADA, ANA, BEA, CAL, GUS, VIC
from tests.app.workflow.helpers import at, campaign_with_strategy, full_draft, text_creative

S, C, SCH, ADS = ApprovalScope
ACTIVE, INVALIDATED = StrategyStatus.ACTIVE, StrategyStatus.INVALIDATED
DEPENDENTS = (C, SCH, ADS)


async def _approve_all(core: Core, campaign_id: str) -> None:
    """Every scope approved for the active version, with two votes each."""
    for scope in ApprovalScope:
        await core.approvals.set_quorum(ADA, campaign_id, scope, 2)
        await core.approvals.approve(BEA, campaign_id, scope)
        await core.approvals.approve(CAL, campaign_id, scope)


async def _state(core: Core, campaign_id: str) -> tuple[Any, ...]:
    """What a refused call must leave as it was."""
    return (
        await core.strategies.history(ADA, campaign_id),
        await core.approvals.get_approvals(ADA, campaign_id),
        await core.creatives.list_creatives(ADA, campaign_id),
        [e.id for e in await core.store.activity.list("acme", campaign_id=campaign_id, limit=999)],
    )


async def test_create_makes_version_one_with_its_completion(core: Core) -> None:
    campaign = await core.campaigns.create_campaign(ANA, "Spring")
    draft = {
        "objective": " Grow sign-ups ",
        "target_audience": "   ",
        "key_messages": ["", "  "],
        "channels": ["Instagram"],
        "budget": {"amount": 1200.5, "currency": "eur"},
        "mandatories": ["Logo"],
    }
    strategy = await core.strategies.create_strategy(ANA, campaign.id, draft)
    assert (strategy.version, strategy.status, strategy.created_by) == (1, ACTIVE, "ana")
    assert (strategy.invalidated_at, strategy.invalidation_reason, strategy.superseded_by) == (
        None,
        None,
        None,
    )
    assert strategy.completion.percent == 38  # 3 of 8, half up
    assert strategy.completion.missing == [
        "target_audience",
        "key_messages",
        "tone",
        "kpis",
        "call_to_action",
    ]
    assert strategy.draft.channels == ("instagram",)
    assert (strategy.draft.budget.amount, strategy.draft.budget.currency) == (
        Decimal("1200.5"),
        "EUR",
    )
    assert await core.strategies.history(VIC, campaign.id) == [strategy]
    assert await core.strategies.get_active(VIC, campaign.id) == strategy
    full = await core.strategies.update_strategy(ANA, campaign.id, full_draft())
    assert (full.completion.percent, full.completion.missing) == (100, [])
    entries = await core.store.activity.list("acme", campaign_id=campaign.id)
    saved = [e.details for e in reversed(entries) if e.action == "strategy.saved"]
    assert saved == [{"version": 1, "completion": 38}, {"version": 2, "completion": 100}]


async def test_one_create_per_campaign_and_no_update_without_one(core: Core) -> None:
    bare = await core.campaigns.create_campaign(ANA, "Bare")
    with pytest.raises(InvalidInput, match="no strategy yet"):
        await core.strategies.update_strategy(ANA, bare.id, full_draft())
    assert await core.strategies.history(ANA, bare.id) == []
    with pytest.raises(NotFound):
        await core.strategies.get_active(ANA, bare.id)
    campaign = await campaign_with_strategy(core)
    before = await _state(core, campaign.id)
    with pytest.raises(InvalidInput, match="already has a strategy"):
        await core.strategies.create_strategy(ANA, campaign.id, full_draft(tone="Calm"))
    assert await _state(core, campaign.id) == before


async def test_an_update_supersedes_the_previous_version(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    first = await core.strategies.get_active(ANA, campaign.id)
    start = utc_now()
    second = await core.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Calm"))
    end = utc_now()
    assert (second.version, second.status, second.draft.tone) == (2, ACTIVE, "Calm")
    old, new = await core.strategies.history(VIC, campaign.id)
    assert new == second
    assert (old.id, old.version, old.status) == (first.id, 1, INVALIDATED)
    assert (old.invalidation_reason, old.superseded_by) == ("superseded by version 2", second.id)
    assert old.invalidated_at is not None
    assert start <= old.invalidated_at <= end
    assert old.draft == first.draft
    assert await core.strategies.get_active(VIC, campaign.id) == second


async def test_the_cascade_of_a_new_version(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    old_copy = await text_creative(core, campaign.id)
    await core.campaigns.schedule_post(
        ANA, campaign.id, creative_id=old_copy.id, channel="instagram", at=at(2)
    )
    await _approve_all(core, campaign.id)
    before = await core.approvals.get_approvals(ADA, campaign.id)
    assert {s: (a.state.value, len(a.votes)) for s, a in before.items()} == dict.fromkeys(
        ApprovalScope, ("approved", 2)
    )
    await core.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Calm"))
    after = await core.approvals.get_approvals(ADA, campaign.id)
    expected = {S: ApprovalState.PENDING, C: ApprovalState.NEEDS_REVIEW}
    for scope, approval in after.items():
        state = expected.get(scope, ApprovalState.NEEDS_REVIEW)
        assert (approval.state, approval.strategy_version, approval.votes) == (state, 2, ())
        assert approval.required_approvals == 2
        assert approval.timeline[:-1] == before[scope].timeline
        event = approval.timeline[-1]
        assert (event.from_state, event.to_state, event.strategy_version, event.actor_id) == (
            ApprovalState.APPROVED,
            state,
            2,
            "ana",
        )
        assert event.comment == "strategy version 2 replaces the previous one"
    stale = await core.creatives.list_creatives(VIC, campaign.id, stale_only=True)
    assert [(c.id, c.stale, c.strategy_version) for c in stale] == [(old_copy.id, True, 1)]
    new_copy = await text_creative(core, campaign.id, title="Calm post")
    assert (new_copy.stale, new_copy.strategy_version) == (False, 2)
    assert [c.id for c in await core.creatives.list_creatives(VIC, campaign.id)] == [
        old_copy.id,
        new_copy.id,
    ]
    assert [
        c.id for c in await core.creatives.list_creatives(VIC, campaign.id, stale_only=True)
    ] == [old_copy.id]
    evaluation = await core.prompting.evaluate(VIC, campaign.id)
    stale_blockers = [b for b in evaluation.blockers if b.code == "stale_creative"]
    assert [(b.target_type, b.target_id) for b in stale_blockers] == [("creative", old_copy.id)]
    assert "'Launch post'" in stale_blockers[0].message
    assert "strategy version 1" in stale_blockers[0].message
    codes = {b.code for b in evaluation.blockers}
    assert {f"{scope.value}_not_approved" for scope in ApprovalScope} <= codes


async def test_concurrent_updates_get_distinct_versions(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    await core.approvals.approve(BEA, campaign.id, S)
    saved = await asyncio.gather(
        *(
            core.strategies.update_strategy(ANA, campaign.id, full_draft(objective=f"Plan {n}"))
            for n in range(5)
        )
    )
    assert sorted(s.version for s in saved) == [2, 3, 4, 5, 6]
    history = await core.strategies.history(VIC, campaign.id)
    assert [s.version for s in history] == [1, 2, 3, 4, 5, 6]
    assert [s.status for s in history] == [INVALIDATED] * 5 + [ACTIVE]
    ids = {s.id: s.version for s in history}
    for old in history[:-1]:
        assert old.invalidated_at is not None
        assert ids[old.superseded_by] > old.version
        assert old.invalidation_reason == f"superseded by version {ids[old.superseded_by]}"
    active = await core.strategies.get_active(VIC, campaign.id)
    assert (active.version, active.id) == (6, history[-1].id)
    approvals = await core.approvals.get_approvals(ADA, campaign.id)
    assert {s: (a.state.value, a.strategy_version) for s, a in approvals.items()} == {
        S: ("pending", 6),
        C: ("needs_review", 6),
        SCH: ("needs_review", 6),
        ADS: ("needs_review", 6),
    }


async def test_invalidating_a_strategy_withdraws_it(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    strategy = await core.strategies.get_active(ANA, campaign.id)
    copy = await text_creative(core, campaign.id)
    await _approve_all(core, campaign.id)
    before = await _state(core, campaign.id)
    for reason in ("", "   "):
        with pytest.raises(InvalidInput, match="why"):
            await core.strategies.invalidate(ANA, strategy.id, reason=reason)
    assert await _state(core, campaign.id) == before
    withdrawn = await core.strategies.invalidate(ANA, strategy.id, reason=" Client paused it ")
    assert (withdrawn.id, withdrawn.status, withdrawn.superseded_by) == (
        strategy.id,
        INVALIDATED,
        None,
    )
    assert withdrawn.invalidation_reason == "Client paused it"
    assert withdrawn.invalidated_at is not None
    approvals = await core.approvals.get_approvals(ADA, campaign.id)
    for scope in DEPENDENTS:
        assert (approvals[scope].state, approvals[scope].votes) == (ApprovalState.NEEDS_REVIEW, ())
        assert approvals[scope].timeline[-1].comment == "Client paused it"
    stale = await core.creatives.list_creatives(VIC, campaign.id, stale_only=True)
    assert [(c.id, c.stale) for c in stale] == [(copy.id, True)]
    with pytest.raises(NotFound, match="no active strategy"):
        await core.strategies.get_active(VIC, campaign.id)
    after = await _state(core, campaign.id)
    with pytest.raises(InvalidInput, match="already invalidated"):
        await core.strategies.invalidate(ANA, strategy.id, reason="Again")
    assert await _state(core, campaign.id) == after


async def test_a_version_after_a_withdrawal_asks_for_every_approval_again(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    strategy = await core.strategies.get_active(ANA, campaign.id)
    await _approve_all(core, campaign.id)
    await core.strategies.invalidate(ANA, strategy.id, reason="Client paused it")
    second = await core.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Calm"))
    assert (second.version, second.status) == (2, ACTIVE)
    approvals = await core.approvals.get_approvals(ADA, campaign.id)
    assert {s: (a.state.value, a.strategy_version) for s, a in approvals.items()} == {
        S: ("pending", 2),
        C: ("needs_review", 2),
        SCH: ("needs_review", 2),
        ADS: ("needs_review", 2),
    }
    await core.approvals.approve(BEA, campaign.id, S)
    approved = await core.approvals.approve(CAL, campaign.id, S)
    assert (approved.state, approved.strategy_version) == (ApprovalState.APPROVED, 2)


BAD_DRAFTS = [
    ({"start": "2027-03-28", "end": "2027-03-01"}, "ends"),
    ({"budget": {"amount": -1, "currency": "EUR"}}, "budget.amount"),
    ({"budget": {"amount": 10, "currency": "euro"}}, "budget.currency"),
    ({"objective": "Grow", "audience": "Commuters"}, "audience"),
    ({"key_messages": "Skip the traffic", "kpis": [3]}, "kpis"),
]


@pytest.mark.parametrize(("draft", "field"), BAD_DRAFTS)
async def test_bad_drafts_are_refused_naming_the_field(
    core: Core, draft: dict[str, Any], field: str
) -> None:
    bare = await core.campaigns.create_campaign(ANA, "Bare")
    with pytest.raises(InvalidInput, match=field):
        await core.strategies.create_strategy(ANA, bare.id, draft)
    assert await core.strategies.history(ANA, bare.id) == []
    campaign = await campaign_with_strategy(core)
    before = await _state(core, campaign.id)
    with pytest.raises(InvalidInput, match=field):
        await core.strategies.update_strategy(ANA, campaign.id, draft)
    assert await _state(core, campaign.id) == before
    with pytest.raises(InvalidInput, match="StrategyDraft"):
        await core.strategies.update_strategy(ANA, campaign.id, ["objective"])  # type: ignore[arg-type]
    assert await _state(core, campaign.id) == before


async def test_viewers_cannot_write_strategies(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    strategy = await core.strategies.get_active(VIC, campaign.id)
    bare = await core.campaigns.create_campaign(ANA, "Bare")
    before = await _state(core, campaign.id)
    calls = [
        lambda: core.strategies.create_strategy(VIC, bare.id, full_draft()),
        lambda: core.strategies.update_strategy(VIC, campaign.id, full_draft(tone="Calm")),
        lambda: core.strategies.invalidate(VIC, strategy.id, reason="Not mine to say"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied, match="vic cannot"):
            await call()
    assert await _state(core, campaign.id) == before
    assert await core.strategies.history(ANA, bare.id) == []


async def test_another_tenant_sees_nothing_and_changes_nothing(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    strategy = await core.strategies.get_active(ANA, campaign.id)
    bare = await core.campaigns.create_campaign(ANA, "Bare")
    before = await _state(core, campaign.id)
    calls = [
        lambda: core.strategies.create_strategy(GUS, bare.id, full_draft()),
        lambda: core.strategies.update_strategy(GUS, campaign.id, full_draft(tone="Calm")),
        lambda: core.strategies.get_active(GUS, campaign.id),
        lambda: core.strategies.history(GUS, campaign.id),
        lambda: core.strategies.invalidate(GUS, strategy.id, reason="Mine now"),
        lambda: core.strategies.invalidate(ANA, "no-such-strategy", reason="Gone"),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            await call()
    assert await _state(core, campaign.id) == before
    assert await core.strategies.history(ANA, bare.id) == []
    assert await core.strategies.get_active(ANA, campaign.id) == strategy
