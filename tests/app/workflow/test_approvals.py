"""ApprovalService on both stores: the state machine (every allowed and refused transition), the
strategy gate, quorum and concurrent votes, timeline and activity, campaign status, roles,
tenants and bad input."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.bootstrap import Core
from app.domain import ApprovalScope, ApprovalState, CampaignStatus, utc_now
from app.domain.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from tests.app.workflow.conftest import ADA, ANA, APPROVERS, BEA, CAL, GUS, VIC
from tests.app.workflow.helpers import campaign_with_strategy, full_draft

S, C, SCH, ADS = ApprovalScope
PENDING, APPROVED, REJECTED, REVIEW = ApprovalState


async def _state(core: Core, campaign_id: str) -> tuple[Any, ...]:
    """Everything a refused call must leave as it was."""
    approvals = await core.approvals.get_approvals(ADA, campaign_id)
    activity = await core.store.activity.list("acme", campaign_id=campaign_id, limit=1000)
    campaign = await core.campaigns.get_campaign(ADA, campaign_id)
    return approvals, [entry.id for entry in activity], campaign


def _row(e: Any) -> tuple[Any, ...]:
    """A timeline event as (who, action, from, to, comment, strategy version)."""
    return (e.actor_id, e.action, e.from_state, e.to_state, e.comment, e.strategy_version)


async def _into(core: Core, campaign_id: str, scope: ApprovalScope, state: ApprovalState) -> None:
    """Drive ``scope`` into ``state`` through the service (the strategy approved first for a
    dependent scope, so that its approve actions are not gated)."""
    if scope is not S:
        await core.approvals.approve(BEA, campaign_id, S)
    if state is APPROVED:
        await core.approvals.approve(CAL, campaign_id, scope)
    elif state is REJECTED:
        await core.approvals.reject(CAL, campaign_id, scope, reason="Off brand")
    elif state is REVIEW and scope is S:
        await core.approvals.reject(CAL, campaign_id, scope, reason="Off brand")
        await core.approvals.mark_addressed(ANA, campaign_id, scope, note="Tone fixed")
    elif state is REVIEW:
        await core.approvals.approve(CAL, campaign_id, scope)
        await core.approvals.invalidate_dependents(ANA, campaign_id, reason="copy changed")
    assert (await core.approvals.get_approvals(ADA, campaign_id))[scope].state is state


ACTIONS = {
    "approve": (APPROVED, {PENDING: APPROVED, REVIEW: APPROVED}),
    "reject": (REJECTED, {PENDING: REJECTED, REVIEW: REJECTED}),
    "mark_addressed": (REVIEW, {REJECTED: REVIEW}),
}


async def _act(core: Core, action: str, campaign_id: str, scope: ApprovalScope) -> Any:
    if action == "approve":
        return await core.approvals.approve(BEA, campaign_id, scope, comment="Fine")
    if action == "reject":
        return await core.approvals.reject(BEA, campaign_id, scope, reason="Too long")
    return await core.approvals.mark_addressed(ANA, campaign_id, scope, note="Shortened")


@pytest.mark.parametrize("scope", [S, C])
@pytest.mark.parametrize("state", [PENDING, APPROVED, REJECTED, REVIEW])
@pytest.mark.parametrize("action", list(ACTIONS))
async def test_every_transition_of_the_state_machine(
    core: Core, scope: ApprovalScope, state: ApprovalState, action: str
) -> None:
    campaign = await campaign_with_strategy(core)
    await _into(core, campaign.id, scope, state)
    before = await _state(core, campaign.id)
    old = before[0][scope]
    target, allowed = ACTIONS[action]
    if state not in allowed:
        with pytest.raises(InvalidTransition) as refused:
            await _act(core, action, campaign.id, scope)
        assert (refused.value.from_state, refused.value.to_state) == (state.value, target.value)
        assert f"cannot go from {state.value} to {target.value}" in str(refused.value)
        assert await _state(core, campaign.id) == before
        return
    changed = await _act(core, action, campaign.id, scope)
    assert changed.state is allowed[state]
    assert changed.timeline[:-1] == old.timeline
    event = changed.timeline[-1]
    assert (event.from_state, event.to_state, event.strategy_version) == (state, target, 1)
    expected = {
        "approve": ("bea", "Fine"),
        "reject": ("bea", "Too long"),
        "mark_addressed": ("ana", "Shortened"),
    }[action]
    assert (event.actor_id, event.comment) == expected
    assert (await core.approvals.get_approvals(ADA, campaign.id))[scope] == changed


@pytest.mark.parametrize("state", [PENDING, APPROVED, REJECTED, REVIEW])
async def test_any_dependent_state_goes_to_needs_review_on_invalidation(
    core: Core, state: ApprovalState
) -> None:
    campaign = await campaign_with_strategy(core)
    await _into(core, campaign.id, C, state)
    changed = await core.approvals.invalidate_dependents(ANA, campaign.id, reason="brief changed")
    assert {scope: a.state for scope, a in changed.items()} == {C: REVIEW, SCH: REVIEW, ADS: REVIEW}
    row = ("ana", "invalidate", state, REVIEW, "brief changed", 1)
    assert _row(changed[C].timeline[-1]) == row
    assert changed[C].votes == ()
    assert (await core.approvals.get_approvals(ADA, campaign.id))[S].state is APPROVED
    with pytest.raises(InvalidInput):
        await core.approvals.invalidate_dependents(ANA, campaign.id, reason="  ")


async def test_a_new_strategy_version_reopens_every_scope(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    for scope in ApprovalScope:
        await core.approvals.approve(BEA, campaign.id, scope)
    await core.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Calm"))
    before = await _state(core, campaign.id)
    with pytest.raises(InvalidTransition, match="strategy") as refused:
        await core.approvals.approve(BEA, campaign.id, C)
    assert (refused.value.from_state, refused.value.to_state) == ("needs_review", "approved")
    with pytest.raises(InvalidTransition) as refused:
        await core.approvals.mark_addressed(ANA, campaign.id, S, note="Done")
    assert (refused.value.from_state, refused.value.to_state) == ("pending", "needs_review")
    assert await _state(core, campaign.id) == before
    for scope in ApprovalScope:
        approved = await core.approvals.approve(BEA, campaign.id, scope)
        assert (approved.state, approved.strategy_version, len(approved.votes)) == (APPROVED, 2, 1)


async def test_blank_reject_reasons_and_notes_are_refused(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    before = await _state(core, campaign.id)
    for reason in ("", "   \n"):
        with pytest.raises(InvalidInput, match="reason"):
            await core.approvals.reject(BEA, campaign.id, S, reason=reason)
    assert await _state(core, campaign.id) == before
    await core.approvals.reject(BEA, campaign.id, S, reason="  Too vague  ")
    rejected = await _state(core, campaign.id)
    assert rejected[0][S].timeline[-1].comment == "Too vague"
    for note in ("", " "):
        with pytest.raises(InvalidInput, match="note"):
            await core.approvals.mark_addressed(ANA, campaign.id, S, note=note)
    assert await _state(core, campaign.id) == rejected


@pytest.mark.parametrize("scope", [C, SCH, ADS])
async def test_dependents_wait_for_the_strategy_approval(core: Core, scope: ApprovalScope) -> None:
    campaign = await campaign_with_strategy(core)
    before = await _state(core, campaign.id)
    with pytest.raises(InvalidTransition, match="strategy") as refused:
        await core.approvals.approve(BEA, campaign.id, scope)
    assert (refused.value.from_state, refused.value.to_state) == ("pending", "approved")
    assert await _state(core, campaign.id) == before
    await core.approvals.reject(CAL, campaign.id, S, reason="No")
    with pytest.raises(InvalidTransition, match="strategy"):
        await core.approvals.approve(BEA, campaign.id, scope)
    await core.approvals.mark_addressed(ANA, campaign.id, S, note="Done")
    await core.approvals.approve(BEA, campaign.id, S)
    approved = await core.approvals.approve(BEA, campaign.id, scope)
    assert (approved.state, approved.strategy_version) == (APPROVED, 1)


async def test_nothing_can_be_approved_or_rejected_without_a_strategy(core: Core) -> None:
    campaign = await core.campaigns.create_campaign(ANA, "Bare")
    before = await _state(core, campaign.id)
    for scope in ApprovalScope:
        with pytest.raises(InvalidTransition, match="no strategy") as refused:
            await core.approvals.approve(BEA, campaign.id, scope)
        assert (refused.value.from_state, refused.value.to_state) == ("pending", "approved")
    with pytest.raises(InvalidTransition) as refused:
        await core.approvals.reject(BEA, campaign.id, S, reason="Nothing to see")
    assert (refused.value.from_state, refused.value.to_state) == ("pending", "rejected")
    assert await _state(core, campaign.id) == before


async def test_only_admins_set_a_quorum(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    before = await _state(core, campaign.id)
    for actor in (ANA, BEA, VIC):
        with pytest.raises(PermissionDenied, match="admin"):
            await core.approvals.set_quorum(actor, campaign.id, S, 2)
    assert await _state(core, campaign.id) == before
    changed = await core.approvals.set_quorum(ADA, campaign.id, "ads", 50)
    assert (changed.scope, changed.state, changed.required_approvals) == (ADS, PENDING, 50)
    row = ("ada", "set_quorum", PENDING, PENDING, "quorum set to 50", None)
    assert _row(changed.timeline[-1]) == row


@pytest.mark.parametrize("quorum", [2, 5])
async def test_concurrent_votes_reach_the_quorum_with_the_last_one(core: Core, quorum: int) -> None:
    campaign = await campaign_with_strategy(core)
    await core.approvals.set_quorum(ADA, campaign.id, S, quorum)
    voters, last = APPROVERS[: quorum - 1], APPROVERS[quorum - 1]
    await asyncio.gather(*(core.approvals.approve(v, campaign.id, S) for v in voters))
    waiting = (await core.approvals.get_approvals(ADA, campaign.id))[S]
    assert waiting.state is PENDING
    assert sorted(v.user_id for v in waiting.votes) == sorted(v.user_id for v in voters)
    assert [e.to_state for e in waiting.timeline] == [PENDING] * quorum
    done = await core.approvals.approve(last, campaign.id, S, comment="Last one")
    assert (done.state, done.strategy_version) == (APPROVED, 1)
    assert sorted(v.user_id for v in done.votes) == sorted(v.user_id for v in APPROVERS[:quorum])
    assert (done.timeline[-1].from_state, done.timeline[-1].to_state) == (PENDING, APPROVED)
    assert done.timeline[:-1] == waiting.timeline


@pytest.mark.parametrize("quorum", [2, 5])
async def test_all_votes_at_once_are_kept_and_approve_once(core: Core, quorum: int) -> None:
    campaign = await campaign_with_strategy(core)
    await core.approvals.approve(BEA, campaign.id, S)
    await core.approvals.set_quorum(ADA, campaign.id, C, quorum)
    results = await asyncio.gather(
        *(core.approvals.approve(v, campaign.id, C) for v in APPROVERS[:quorum])
    )
    by_votes = sorted(results, key=lambda a: len(a.votes))
    assert [len(a.votes) for a in by_votes] == list(range(1, quorum + 1))
    assert [a.state for a in by_votes] == [PENDING] * (quorum - 1) + [APPROVED]
    stored = (await core.approvals.get_approvals(ADA, campaign.id))[C]
    assert stored == by_votes[-1]
    assert sorted(v.user_id for v in stored.votes) == [f"approver{n}" for n in range(quorum)]
    assert [e.to_state for e in stored.timeline[1:]] == [PENDING] * (quorum - 1) + [APPROVED]


async def test_one_vote_per_approver(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    await core.approvals.set_quorum(ADA, campaign.id, S, 2)
    await core.approvals.approve(BEA, campaign.id, S)
    before = await _state(core, campaign.id)
    with pytest.raises(InvalidInput, match="bea has already voted"):
        await core.approvals.approve(BEA, campaign.id, S)
    with pytest.raises(InvalidInput, match="already voted"):
        await core.approvals.reject(BEA, campaign.id, S, reason="Changed my mind")
    assert await _state(core, campaign.id) == before


async def test_lowering_the_quorum_to_the_votes_cast_approves(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    await core.approvals.set_quorum(ADA, campaign.id, S, 3)
    await core.approvals.approve(BEA, campaign.id, S)
    await core.approvals.approve(CAL, campaign.id, S)
    changed = await core.approvals.set_quorum(ADA, campaign.id, "strategy", 2)
    assert (changed.state, changed.required_approvals, len(changed.votes)) == (APPROVED, 2, 2)
    row = ("ada", "set_quorum", PENDING, APPROVED, "quorum set to 2", 1)
    assert _row(changed.timeline[-1]) == row


async def test_quorum_bounds(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    before = await _state(core, campaign.id)
    for required in (0, 51, -1, "x", 2.5, True, None):
        with pytest.raises(InvalidInput, match="from 1 to 50"):
            await core.approvals.set_quorum(ADA, campaign.id, S, required)  # type: ignore[arg-type]
    assert await _state(core, campaign.id) == before


async def test_votes_are_reset_when_a_scope_enters_needs_review(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    await core.approvals.approve(ADA, campaign.id, S)
    await core.approvals.set_quorum(ADA, campaign.id, C, 2)
    assert len((await core.approvals.approve(BEA, campaign.id, C)).votes) == 1
    review = await core.approvals.invalidate_dependents(ANA, campaign.id, reason="copy changed")
    assert (review[C].state, review[C].votes, review[C].required_approvals) == (REVIEW, (), 2)
    assert (await core.approvals.approve(BEA, campaign.id, C)).state is REVIEW
    assert (await core.approvals.approve(CAL, campaign.id, C)).state is APPROVED
    await core.approvals.reject(BEA, campaign.id, SCH, reason="Too dense")
    addressed = await core.approvals.mark_addressed(ANA, campaign.id, SCH, note="Thinned out")
    assert (addressed.state, addressed.votes) == (REVIEW, ())
    assert (await core.approvals.approve(BEA, campaign.id, SCH)).state is APPROVED


async def test_the_timeline_and_the_activity_log_record_every_change(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    start = utc_now()
    await core.approvals.reject(CAL, campaign.id, S, reason="Tone is off")
    first = (await core.approvals.get_approvals(ADA, campaign.id))[S].timeline
    await core.approvals.mark_addressed(ANA, campaign.id, "strategy", note="Tone fixed")
    await core.approvals.approve(BEA, campaign.id, S, comment="  Now good ")
    await core.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Calm"))
    end = utc_now()
    approval = (await core.approvals.get_approvals(ADA, campaign.id))[S]
    rows = [_row(e) for e in approval.timeline]
    assert rows == [
        ("cal", "reject", PENDING, REJECTED, "Tone is off", 1),
        ("ana", "mark_addressed", REJECTED, REVIEW, "Tone fixed", 1),
        ("bea", "approve", REVIEW, APPROVED, "Now good", 1),
        ("ana", "rerequest", APPROVED, PENDING, "strategy version 2 replaces the previous one", 2),
    ]
    assert approval.timeline[:1] == first
    times = [e.at for e in approval.timeline]
    assert times == sorted(times)
    assert start <= times[0]
    assert times[-1] <= end
    entries = await core.store.activity.list("acme", campaign_id=campaign.id, limit=1000)
    mine = [e for e in reversed(entries) if e.object_id == approval.id]
    verbs = ["rejected", "addressed", "voted", "rerequested"]
    assert [
        (e.actor_id, e.action, e.details["from_state"], e.details["to_state"], e.details["comment"])
        for e in mine
    ] == [
        (r[0], f"approval.{verb}", r[2].value, r[3].value, r[4])
        for r, verb in zip(rows, verbs, strict=True)
    ]
    assert {(e.object_type, e.details["scope"]) for e in mine} == {("approval", "strategy")}
    assert all(e.campaign_id == campaign.id and start <= e.at <= end for e in mine)


async def test_campaign_status_follows_the_approvals(core: Core) -> None:
    campaign = await core.campaigns.create_campaign(ANA, "Spring")
    assert campaign.status is CampaignStatus.DRAFT
    await core.strategies.create_strategy(ANA, campaign.id, full_draft())
    assert (await core.campaigns.get_campaign(VIC, campaign.id)).status is CampaignStatus.DRAFT
    await core.approvals.set_quorum(ADA, campaign.id, S, 2)
    assert (await core.campaigns.get_campaign(VIC, campaign.id)).status is CampaignStatus.DRAFT
    await core.approvals.approve(BEA, campaign.id, S)
    assert (await core.campaigns.get_campaign(VIC, campaign.id)).status is CampaignStatus.IN_REVIEW
    for scope in ApprovalScope:
        await core.approvals.approve(CAL, campaign.id, scope)
    assert (await core.campaigns.get_campaign(VIC, campaign.id)).status is CampaignStatus.READY
    await core.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Calm"))
    assert (await core.campaigns.get_campaign(VIC, campaign.id)).status is CampaignStatus.IN_REVIEW


async def test_concurrent_final_votes_make_the_campaign_ready(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    for scope in (S, C, SCH):
        await core.approvals.approve(BEA, campaign.id, scope)
    await core.approvals.set_quorum(ADA, campaign.id, ADS, 5)
    await asyncio.gather(*(core.approvals.approve(v, campaign.id, ADS) for v in APPROVERS[:5]))
    assert (await core.approvals.get_approvals(ADA, campaign.id))[ADS].state is APPROVED
    assert (await core.campaigns.get_campaign(VIC, campaign.id)).status is CampaignStatus.READY


async def test_roles_are_checked_on_every_call(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    await core.approvals.reject(CAL, campaign.id, C, reason="Off brand")
    before = await _state(core, campaign.id)
    calls = [
        (VIC, lambda a: core.approvals.approve(a, campaign.id, S)),
        (VIC, lambda a: core.approvals.reject(a, campaign.id, S, reason="No")),
        (VIC, lambda a: core.approvals.mark_addressed(a, campaign.id, C, note="Done")),
        (VIC, lambda a: core.approvals.set_quorum(a, campaign.id, S, 2)),
        (VIC, lambda a: core.approvals.invalidate_dependents(a, campaign.id, reason="x")),
        (ANA, lambda a: core.approvals.approve(a, campaign.id, S)),
        (ANA, lambda a: core.approvals.reject(a, campaign.id, S, reason="No")),
    ]
    for actor, call in calls:
        with pytest.raises(PermissionDenied, match=actor.user_id):
            await call(actor)
    assert await _state(core, campaign.id) == before
    assert set(await core.approvals.get_approvals(VIC, campaign.id)) == set(ApprovalScope)


async def test_another_tenant_sees_nothing_and_changes_nothing(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    await core.approvals.reject(CAL, campaign.id, C, reason="Off brand")
    before = await _state(core, campaign.id)
    calls = [
        lambda: core.approvals.get_approvals(GUS, campaign.id),
        lambda: core.approvals.approve(GUS, campaign.id, S),
        lambda: core.approvals.approve(GUS, campaign.id, "strategy"),
        lambda: core.approvals.reject(GUS, campaign.id, S, reason="No"),
        lambda: core.approvals.mark_addressed(GUS, campaign.id, C, note="Done"),
        lambda: core.approvals.set_quorum(GUS, campaign.id, S, 1),
        lambda: core.approvals.invalidate_dependents(GUS, campaign.id, reason="Mine now"),
        lambda: core.approvals.get_approvals(ADA, "no-such-campaign"),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            await call()
    assert await _state(core, campaign.id) == before


async def test_scopes_are_plain_strings_or_refused_with_the_choices(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    before = await _state(core, campaign.id)
    calls = [
        lambda: core.approvals.approve(BEA, campaign.id, "budget"),
        lambda: core.approvals.reject(BEA, campaign.id, "strategies", reason="No"),
        lambda: core.approvals.mark_addressed(ANA, campaign.id, "", note="Done"),
        lambda: core.approvals.set_quorum(ADA, campaign.id, "everything", 2),
    ]
    for call in calls:
        with pytest.raises(InvalidInput, match="choose one of strategy, content, schedule, ads"):
            await call()
    assert await _state(core, campaign.id) == before
    approved = await core.approvals.approve(BEA, campaign.id, "strategy")
    rejected = await core.approvals.reject(BEA, campaign.id, "content", reason="Too long")
    addressed = await core.approvals.mark_addressed(ANA, campaign.id, "content", note="Cut")
    quorum = await core.approvals.set_quorum(ADA, campaign.id, "ads", 3)
    changed = [(a.scope.value, a.state.value) for a in (approved, rejected, addressed, quorum)]
    assert changed == [
        ("strategy", "approved"),
        ("content", "rejected"),
        ("content", "needs_review"),
        ("ads", "pending"),
    ]
