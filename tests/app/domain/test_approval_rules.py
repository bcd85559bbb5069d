"""The approval state machine (product.md, "Approval state machine"), exhaustively.

The pure functions in :mod:`app.domain.approval_rules` return a new Approval with exactly one more
timeline event, or raise and leave their input untouched.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from app.domain import Approval, ApprovalAction, ApprovalScope, ApprovalState, Vote, VoteDecision
from app.domain import approval_rules as rules
from app.domain.approvals import MAX_QUORUM
from app.domain.errors import AppError, InvalidInput, InvalidTransition

S = ApprovalState
A = ApprovalAction
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
GATED_SCOPES = (ApprovalScope.CONTENT, ApprovalScope.SCHEDULE, ApprovalScope.ADS)

# Written from product.md, independently of approval_rules.TRANSITIONS.
EXPECTED: dict[tuple[ApprovalState, ApprovalAction], ApprovalState] = {
    (S.PENDING, A.APPROVE): S.APPROVED,
    (S.NEEDS_REVIEW, A.APPROVE): S.APPROVED,
    (S.PENDING, A.REJECT): S.REJECTED,
    (S.NEEDS_REVIEW, A.REJECT): S.REJECTED,
    (S.REJECTED, A.MARK_ADDRESSED): S.NEEDS_REVIEW,
    **{(state, A.INVALIDATE): S.NEEDS_REVIEW for state in S},
    **{(state, A.REREQUEST): S.PENDING for state in S},
    # a quorum change keeps the state (set_quorum may then settle the round)
    **{(state, A.SET_QUORUM): state for state in S},
}
# The state each action aims for, which a refusal names as its ``to_state``.
AIM = {A.APPROVE: S.APPROVED, A.REJECT: S.REJECTED, A.MARK_ADDRESSED: S.NEEDS_REVIEW}


def make(
    scope: ApprovalScope = ApprovalScope.STRATEGY,
    state: ApprovalState = S.PENDING,
    *,
    required: int = 1,
    voters: tuple[str, ...] = (),
    strategy_version: int | None = 1,
) -> Approval:
    votes = tuple(
        Vote(user_id=user, decision=VoteDecision.APPROVE, at=T0 - timedelta(minutes=1))
        for user in voters
    )
    return Approval(
        tenant_id="acme",
        campaign_id="camp-1",
        scope=scope,
        state=state,
        required_approvals=required,
        votes=votes,
        strategy_version=strategy_version,
    )


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def voters_of(approval: Approval) -> list[str]:
    return [vote.user_id for vote in approval.votes]


def assert_refused_unchanged(approval: Approval, snapshot: dict[str, Any]) -> None:
    assert approval.model_dump() == snapshot
    assert approval.timeline == ()


# ------------------------------------------------------------------ next_state, every pair


@pytest.mark.parametrize(
    ("state", "action"),
    [
        pytest.param(state, action, id=f"{state}-{action}")
        for state, action in itertools.product(ApprovalState, ApprovalAction)
    ],
)
def test_next_state_every_pair(state: ApprovalState, action: ApprovalAction) -> None:
    expected = EXPECTED.get((state, action))
    if expected is not None:
        assert rules.next_state(state, action) is expected
        return
    with pytest.raises(InvalidTransition) as info:
        rules.next_state(state, action)
    assert info.value.from_state == state.value
    assert info.value.to_state == AIM[action].value
    assert isinstance(info.value, AppError)
    assert str(info.value).startswith(f"cannot go from {state.value} to {AIM[action].value}")


@pytest.mark.parametrize("state", [S.PENDING, S.APPROVED, S.NEEDS_REVIEW])
def test_only_rejected_feedback_can_be_marked_addressed(state: ApprovalState) -> None:
    with pytest.raises(InvalidTransition, match="only rejected feedback can be marked"):
        rules.next_state(state, A.MARK_ADDRESSED)


@pytest.mark.parametrize("action", [A.APPROVE, A.REJECT])
def test_a_rejected_scope_must_be_marked_addressed_first(action: ApprovalAction) -> None:
    with pytest.raises(InvalidTransition, match="must first be marked as addressed"):
        rules.next_state(S.REJECTED, action)


def test_approving_an_approved_scope_says_it_is_already_approved() -> None:
    with pytest.raises(InvalidTransition, match="already approved"):
        rules.next_state(S.APPROVED, A.APPROVE)


# ------------------------------------------------------------------ each function, every state


def _call(action: ApprovalAction, approval: Approval) -> Approval:
    if action is A.APPROVE:
        return rules.approve(
            approval, user_id="bea", at=at(1), strategy_version=1, strategy_approved=True
        )
    if action is A.REJECT:
        return rules.reject(
            approval, user_id="bea", at=at(1), reason="off brand", strategy_version=1
        )
    if action is A.MARK_ADDRESSED:
        return rules.mark_addressed(approval, user_id="ed", at=at(1), note="tone fixed")
    if action is A.INVALIDATE:
        return rules.invalidate(
            approval, actor_id="system", at=at(1), reason="strategy v2", strategy_version=2
        )
    if action is A.REREQUEST:
        return rules.rerequest(
            approval, actor_id="system", at=at(1), reason="strategy v2", strategy_version=2
        )
    assert action is A.SET_QUORUM
    return rules.set_quorum(
        approval, actor_id="admin", at=at(1), required=2, strategy_approved=True
    )


@pytest.mark.parametrize(
    ("state", "action"),
    [
        pytest.param(state, action, id=f"{state}-{action}")
        for state, action in itertools.product(ApprovalState, ApprovalAction)
    ],
)
def test_functions_follow_the_table(state: ApprovalState, action: ApprovalAction) -> None:
    approval = make(ApprovalScope.STRATEGY, state)
    snapshot = approval.model_dump()
    expected = EXPECTED.get((state, action))
    if expected is None:
        with pytest.raises(InvalidTransition) as info:
            _call(action, approval)
        assert (info.value.from_state, info.value.to_state) == (state.value, AIM[action].value)
        assert_refused_unchanged(approval, snapshot)
        return
    result = _call(action, approval)
    assert result.state is expected
    assert len(result.timeline) == 1
    event = result.timeline[0]
    assert (event.action, event.from_state, event.to_state) == (action, state, expected)
    assert event.at == at(1)
    # the input is never changed
    assert approval.model_dump() == snapshot


# ------------------------------------------------------------------ approve


@pytest.mark.parametrize("quorum", [1, 2, 5])
@pytest.mark.parametrize("start", [S.PENDING, S.NEEDS_REVIEW])
def test_approve_reaches_quorum_with_the_last_needed_vote(
    quorum: int, start: ApprovalState
) -> None:
    approval = make(ApprovalScope.STRATEGY, start, required=quorum)
    users = [f"approver-{n}" for n in range(1, quorum + 1)]
    for n, user in enumerate(users, start=1):
        before = approval
        approval = rules.approve(
            approval, user_id=user, at=at(n), strategy_version=3, strategy_approved=True
        )
        assert approval.approve_count == n
        assert voters_of(approval) == users[:n]
        expected_state = S.APPROVED if n == quorum else start
        assert approval.state is expected_state
        event = approval.timeline[-1]
        assert (event.from_state, event.to_state) == (start, expected_state)
        assert event.actor_id == user
        assert event.action is A.APPROVE
        assert len(approval.timeline) == n
        assert approval.timeline[:-1] == before.timeline
    assert approval.required_approvals == quorum


@pytest.mark.parametrize("quorum", [2, 5])
def test_a_vote_below_quorum_keeps_the_state(quorum: int) -> None:
    approval = make(required=quorum, voters=tuple(f"u{n}" for n in range(quorum - 2)))
    result = rules.approve(
        approval, user_id="last-but-one", at=at(1), strategy_version=1, strategy_approved=True
    )
    assert result.state is S.PENDING
    assert result.approve_count == quorum - 1
    assert result.timeline[-1].to_state is S.PENDING


@pytest.mark.parametrize("start", [S.PENDING, S.NEEDS_REVIEW])
def test_one_vote_per_approver(start: ApprovalState) -> None:
    approval = make(ApprovalScope.STRATEGY, start, required=2, voters=("ana",))
    snapshot = approval.model_dump()
    with pytest.raises(InvalidInput, match="ana has already voted on the strategy approval"):
        rules.approve(approval, user_id="ana", at=at(1), strategy_version=1, strategy_approved=True)
    assert approval.model_dump() == snapshot


def test_a_user_who_approved_cannot_also_reject() -> None:
    approval = make(required=3, voters=("ana",))
    snapshot = approval.model_dump()
    with pytest.raises(InvalidInput, match="already voted"):
        rules.reject(
            approval, user_id="ana", at=at(1), reason="changed my mind", strategy_version=1
        )
    assert approval.model_dump() == snapshot


@pytest.mark.parametrize("scope", GATED_SCOPES)
@pytest.mark.parametrize("start", [S.PENDING, S.NEEDS_REVIEW])
@pytest.mark.parametrize("quorum", [1, 2])
def test_gated_scopes_wait_for_the_strategy(
    scope: ApprovalScope, start: ApprovalState, quorum: int
) -> None:
    approval = make(scope, start, required=quorum)
    snapshot = approval.model_dump()
    with pytest.raises(InvalidTransition) as info:
        rules.approve(
            approval, user_id="bea", at=at(1), strategy_version=1, strategy_approved=False
        )
    assert info.value.from_state == start.value
    assert info.value.to_state == "approved"
    assert f"{scope.value} waits for the strategy to be approved" in str(info.value)
    assert approval.model_dump() == snapshot


@pytest.mark.parametrize("scope", GATED_SCOPES)
def test_gated_scopes_approve_once_the_strategy_is_approved(scope: ApprovalScope) -> None:
    result = rules.approve(
        make(scope), user_id="bea", at=at(1), strategy_version=1, strategy_approved=True
    )
    assert result.state is S.APPROVED
    assert result.scope is scope


@pytest.mark.parametrize("start", [S.PENDING, S.NEEDS_REVIEW])
def test_strategy_scope_is_not_gated(start: ApprovalState) -> None:
    result = rules.approve(
        make(ApprovalScope.STRATEGY, start),
        user_id="bea",
        at=at(1),
        strategy_version=1,
        strategy_approved=False,
    )
    assert result.state is S.APPROVED


def test_approve_records_the_vote() -> None:
    when = at(7)
    result = rules.approve(
        make(required=2),
        user_id="bea",
        at=when,
        strategy_version=4,
        strategy_approved=True,
        comment="  looks great  ",
    )
    assert result.votes == (
        Vote(user_id="bea", decision=VoteDecision.APPROVE, at=when, comment="looks great"),
    )
    event = result.timeline[-1]
    assert event.comment == "looks great"
    assert event.strategy_version == 4
    assert event.at == when


@pytest.mark.parametrize("comment", [None, "", "   "])
def test_approve_without_a_comment_records_none(comment: str | None) -> None:
    result = rules.approve(
        make(), user_id="bea", at=at(1), strategy_version=1, strategy_approved=True, comment=comment
    )
    assert result.votes[0].comment is None
    assert result.timeline[0].comment is None


def test_approve_binds_the_strategy_version() -> None:
    approval = make(strategy_version=1)
    result = rules.approve(
        approval, user_id="bea", at=at(1), strategy_version=3, strategy_approved=True
    )
    assert result.strategy_version == 3
    assert result.timeline[-1].strategy_version == 3
    assert approval.strategy_version == 1


@pytest.mark.parametrize("state", [S.APPROVED, S.REJECTED])
def test_approve_refused_outside_pending_and_needs_review(state: ApprovalState) -> None:
    approval = make(state=state)
    snapshot = approval.model_dump()
    with pytest.raises(InvalidTransition) as info:
        rules.approve(approval, user_id="bea", at=at(1), strategy_version=1, strategy_approved=True)
    assert (info.value.from_state, info.value.to_state) == (state.value, "approved")
    assert approval.model_dump() == snapshot


# ------------------------------------------------------------------ reject


@pytest.mark.parametrize("reason", ["", "   ", "\n\t", None])
@pytest.mark.parametrize("start", [S.PENDING, S.NEEDS_REVIEW])
def test_reject_needs_a_reason(reason: str | None, start: ApprovalState) -> None:
    approval = make(state=start)
    snapshot = approval.model_dump()
    with pytest.raises(InvalidInput, match="a rejection reason must not be empty"):
        rules.reject(approval, user_id="bea", at=at(1), reason=reason, strategy_version=1)  # type: ignore[arg-type]
    assert approval.model_dump() == snapshot


@pytest.mark.parametrize("quorum", [2, 5])
def test_one_reject_rejects_even_with_a_larger_quorum(quorum: int) -> None:
    approval = make(required=quorum, voters=("ana",))
    result = rules.reject(
        approval, user_id="bea", at=at(2), reason="  wrong audience ", strategy_version=2
    )
    assert result.state is S.REJECTED
    assert result.votes[0].user_id == "ana"
    assert result.votes[1] == Vote(
        user_id="bea", decision=VoteDecision.REJECT, at=at(2), comment="wrong audience"
    )
    assert result.approve_count == 1
    event = result.timeline[-1]
    assert (event.from_state, event.to_state) == (S.PENDING, S.REJECTED)
    assert (event.actor_id, event.comment, event.strategy_version) == ("bea", "wrong audience", 2)
    assert result.strategy_version == 2


@pytest.mark.parametrize("scope", GATED_SCOPES)
def test_reject_is_not_gated_by_the_strategy(scope: ApprovalScope) -> None:
    result = rules.reject(make(scope), user_id="bea", at=at(1), reason="no", strategy_version=1)
    assert result.state is S.REJECTED


# ------------------------------------------------------------------ mark_addressed


@pytest.mark.parametrize("state", [S.PENDING, S.APPROVED, S.NEEDS_REVIEW])
def test_mark_addressed_only_from_rejected(state: ApprovalState) -> None:
    approval = make(state=state)
    snapshot = approval.model_dump()
    with pytest.raises(InvalidTransition) as info:
        rules.mark_addressed(approval, user_id="ed", at=at(1), note="done")
    assert (info.value.from_state, info.value.to_state) == (state.value, "needs_review")
    assert approval.model_dump() == snapshot


@pytest.mark.parametrize("note", ["", "  ", "\n"])
def test_mark_addressed_needs_a_note(note: str) -> None:
    approval = make(state=S.REJECTED, voters=("ana",))
    snapshot = approval.model_dump()
    with pytest.raises(InvalidInput, match="note"):
        rules.mark_addressed(approval, user_id="ed", at=at(1), note=note)
    assert approval.model_dump() == snapshot


def test_mark_addressed_clears_the_votes_and_keeps_the_version() -> None:
    rejected = rules.reject(
        make(required=2, voters=("ana",), strategy_version=3),
        user_id="bea",
        at=at(1),
        reason="too long",
        strategy_version=3,
    )
    assert len(rejected.votes) == 2
    result = rules.mark_addressed(rejected, user_id="ed", at=at(2), note=" shortened ")
    assert result.state is S.NEEDS_REVIEW
    assert result.votes == ()
    assert result.strategy_version == 3
    assert result.required_approvals == 2
    event = result.timeline[-1]
    assert (event.action, event.actor_id, event.comment) == (A.MARK_ADDRESSED, "ed", "shortened")
    assert (event.from_state, event.to_state, event.strategy_version) == (
        S.REJECTED,
        S.NEEDS_REVIEW,
        3,
    )
    # the voters of the old round may vote again
    again = rules.approve(
        result, user_id="ana", at=at(3), strategy_version=3, strategy_approved=True
    )
    assert voters_of(again) == ["ana"]


# ------------------------------------------------------------------ invalidate / rerequest


@pytest.mark.parametrize("state", list(ApprovalState))
@pytest.mark.parametrize("version", [2, None])
def test_invalidate_from_any_state(state: ApprovalState, version: int | None) -> None:
    approval = make(ApprovalScope.CONTENT, state, required=3, voters=("ana", "bea"))
    result = rules.invalidate(
        approval, actor_id="system", at=at(1), reason=" strategy v2 ", strategy_version=version
    )
    assert result.state is S.NEEDS_REVIEW
    assert result.votes == ()
    assert result.strategy_version == version
    assert result.required_approvals == 3
    event = result.timeline[-1]
    assert (event.action, event.actor_id, event.comment) == (A.INVALIDATE, "system", "strategy v2")
    assert (event.from_state, event.to_state, event.strategy_version) == (
        state,
        S.NEEDS_REVIEW,
        version,
    )
    assert voters_of(approval) == ["ana", "bea"]


@pytest.mark.parametrize("state", list(ApprovalState))
def test_rerequest_from_any_state(state: ApprovalState) -> None:
    approval = make(ApprovalScope.STRATEGY, state, voters=("ana",))
    result = rules.rerequest(
        approval, actor_id="system", at=at(1), reason="new strategy version", strategy_version=5
    )
    assert result.state is S.PENDING
    assert result.votes == ()
    assert result.strategy_version == 5
    event = result.timeline[-1]
    assert (event.action, event.from_state, event.to_state) == (A.REREQUEST, state, S.PENDING)
    assert (event.comment, event.strategy_version) == ("new strategy version", 5)


@pytest.mark.parametrize("function", [rules.invalidate, rules.rerequest])
@pytest.mark.parametrize("reason", ["", "   "])
def test_invalidate_and_rerequest_need_a_reason(function: Any, reason: str) -> None:
    approval = make(state=S.APPROVED, voters=("ana",))
    snapshot = approval.model_dump()
    with pytest.raises(InvalidInput, match="must not be empty"):
        function(approval, actor_id="system", at=at(1), reason=reason, strategy_version=2)
    assert approval.model_dump() == snapshot


# ------------------------------------------------------------------ set_quorum


@pytest.mark.parametrize("required", [1, 2, 49, MAX_QUORUM])
def test_set_quorum_within_bounds(required: int) -> None:
    approval = make(required=3)
    result = rules.set_quorum(
        approval, actor_id="admin", at=at(1), required=required, strategy_approved=True
    )
    assert MAX_QUORUM == 50
    assert result.required_approvals == required
    assert result.state is S.PENDING
    event = result.timeline[-1]
    assert (event.action, event.actor_id, event.comment) == (
        A.SET_QUORUM,
        "admin",
        f"quorum set to {required}",
    )
    assert (event.from_state, event.to_state, event.strategy_version) == (S.PENDING, S.PENDING, 1)


@pytest.mark.parametrize("required", [0, -1, 51, 1000, True, False, 2.0, 1.5, "2", None])
def test_set_quorum_refuses_bad_values(required: Any) -> None:
    approval = make(required=2, voters=("ana",))
    snapshot = approval.model_dump()
    with pytest.raises(InvalidInput, match="from 1 to 50"):
        rules.set_quorum(
            approval, actor_id="admin", at=at(1), required=required, strategy_approved=True
        )
    assert approval.model_dump() == snapshot


@pytest.mark.parametrize("start", [S.PENDING, S.NEEDS_REVIEW])
@pytest.mark.parametrize("new_quorum", [1, 2])
def test_lowering_the_quorum_to_the_votes_cast_approves(
    start: ApprovalState, new_quorum: int
) -> None:
    approval = make(ApprovalScope.STRATEGY, start, required=3, voters=("ana", "bea"))
    result = rules.set_quorum(
        approval, actor_id="admin", at=at(1), required=new_quorum, strategy_approved=False
    )
    assert result.state is S.APPROVED
    assert result.required_approvals == new_quorum
    assert voters_of(result) == ["ana", "bea"]
    event = result.timeline[-1]
    assert (event.from_state, event.to_state) == (start, S.APPROVED)


@pytest.mark.parametrize("scope", GATED_SCOPES)
def test_lowering_the_quorum_does_not_approve_a_gated_scope(scope: ApprovalScope) -> None:
    approval = make(scope, required=3, voters=("ana", "bea"))
    gated = rules.set_quorum(
        approval, actor_id="admin", at=at(1), required=2, strategy_approved=False
    )
    assert gated.state is S.PENDING
    assert gated.required_approvals == 2
    open_ = rules.set_quorum(
        approval, actor_id="admin", at=at(1), required=2, strategy_approved=True
    )
    assert open_.state is S.APPROVED


def test_lowering_the_quorum_below_the_votes_still_needs_votes() -> None:
    result = rules.set_quorum(
        make(required=3), actor_id="admin", at=at(1), required=1, strategy_approved=True
    )
    assert result.state is S.PENDING


def test_raising_the_quorum_keeps_the_votes() -> None:
    result = rules.set_quorum(
        make(required=2, voters=("ana",)),
        actor_id="admin",
        at=at(1),
        required=4,
        strategy_approved=True,
    )
    assert result.state is S.PENDING
    assert voters_of(result) == ["ana"]
    assert result.required_approvals == 4


def test_set_quorum_does_not_turn_a_rejection_into_an_approval() -> None:
    rejected = rules.reject(
        make(required=3, voters=("ana", "bea")),
        user_id="cy",
        at=at(1),
        reason="no",
        strategy_version=1,
    )
    result = rules.set_quorum(
        rejected, actor_id="admin", at=at(2), required=1, strategy_approved=True
    )
    assert result.state is S.REJECTED
    assert result.required_approvals == 1


def test_set_quorum_on_an_approved_scope_keeps_it_approved() -> None:
    approval = make(state=S.APPROVED, voters=("ana",))
    result = rules.set_quorum(
        approval, actor_id="admin", at=at(1), required=3, strategy_approved=True
    )
    assert result.state is S.APPROVED
    assert result.required_approvals == 3
    assert result.timeline[-1].to_state is S.APPROVED


# ------------------------------------------------------------------ the timeline


def test_timeline_is_append_only_through_a_full_review() -> None:
    steps = [
        lambda a: rules.approve(
            a, user_id="ana", at=at(1), strategy_version=1, strategy_approved=True, comment="ok"
        ),
        lambda a: rules.reject(a, user_id="bea", at=at(2), reason="tone", strategy_version=1),
        lambda a: rules.mark_addressed(a, user_id="ed", at=at(3), note="tone fixed"),
        lambda a: rules.set_quorum(
            a, actor_id="admin", at=at(4), required=1, strategy_approved=True
        ),
        lambda a: rules.approve(
            a, user_id="bea", at=at(5), strategy_version=1, strategy_approved=True
        ),
        lambda a: rules.invalidate(
            a, actor_id="system", at=at(6), reason="strategy v2", strategy_version=2
        ),
        lambda a: rules.rerequest(
            a, actor_id="system", at=at(7), reason="strategy v2", strategy_version=2
        ),
    ]
    approval = make(required=2, strategy_version=None)
    history = [approval]
    for step in steps:
        before = approval
        frozen_before = before.model_dump()
        approval = step(approval)
        assert len(approval.timeline) == len(before.timeline) + 1
        assert approval.timeline[: len(before.timeline)] == before.timeline
        assert before.model_dump() == frozen_before
        history.append(approval)

    got = [
        (e.action, e.actor_id, e.at, e.from_state, e.to_state, e.comment, e.strategy_version)
        for e in approval.timeline
    ]
    assert got == [
        (A.APPROVE, "ana", at(1), S.PENDING, S.PENDING, "ok", 1),
        (A.REJECT, "bea", at(2), S.PENDING, S.REJECTED, "tone", 1),
        (A.MARK_ADDRESSED, "ed", at(3), S.REJECTED, S.NEEDS_REVIEW, "tone fixed", 1),
        (A.SET_QUORUM, "admin", at(4), S.NEEDS_REVIEW, S.NEEDS_REVIEW, "quorum set to 1", 1),
        (A.APPROVE, "bea", at(5), S.NEEDS_REVIEW, S.APPROVED, None, 1),
        (A.INVALIDATE, "system", at(6), S.APPROVED, S.NEEDS_REVIEW, "strategy v2", 2),
        (A.REREQUEST, "system", at(7), S.NEEDS_REVIEW, S.PENDING, "strategy v2", 2),
    ]
    assert [a.state for a in history] == [
        S.PENDING,
        S.PENDING,
        S.REJECTED,
        S.NEEDS_REVIEW,
        S.NEEDS_REVIEW,
        S.APPROVED,
        S.NEEDS_REVIEW,
        S.PENDING,
    ]
    assert approval.updated_at == at(7)


def test_a_refused_call_in_the_middle_leaves_the_timeline_alone() -> None:
    approval = rules.approve(
        make(), user_id="ana", at=at(1), strategy_version=1, strategy_approved=True
    )
    snapshot = approval.model_dump()
    with pytest.raises(InvalidTransition):
        rules.reject(approval, user_id="bea", at=at(2), reason="late", strategy_version=1)
    with pytest.raises(InvalidTransition):
        rules.mark_addressed(approval, user_id="ed", at=at(2), note="n/a")
    with pytest.raises(InvalidInput):
        rules.set_quorum(approval, actor_id="admin", at=at(2), required=0, strategy_approved=True)
    assert approval.model_dump() == snapshot
    assert len(approval.timeline) == 1


def test_event_times_are_held_in_utc_milliseconds() -> None:
    local = datetime(2024, 5, 1, 14, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    result = rules.approve(
        make(), user_id="ana", at=local, strategy_version=1, strategy_approved=True
    )
    expected = datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
    assert result.timeline[0].at == expected
    assert result.timeline[0].at.utcoffset() == timedelta(0)
    assert result.votes[0].at == expected


def test_updated_at_is_a_normalised_timestamp() -> None:
    local = datetime(2024, 5, 1, 14, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    result = rules.approve(
        make(), user_id="ana", at=local, strategy_version=1, strategy_approved=True
    )
    assert result.updated_at == datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
    assert result.updated_at.microsecond == 123000
