"""why_not: the reason in plain words an actor cannot act on an approval now, or None."""

from __future__ import annotations

import pytest

from app.domain import Approval, ApprovalAction, ApprovalScope, ApprovalState, Role
from app.domain import approval_rules as rules
from tests.app.domain.test_approval_rules import GATED_SCOPES, make

S = ApprovalState
A = ApprovalAction
APPROVER = {Role.APPROVER}


def _why(
    action: ApprovalAction,
    approval: Approval,
    *,
    strategy: ApprovalState = S.APPROVED,
    user_id: str = "bea",
    roles: set[Role] | None = None,
) -> str | None:
    approvals = {ApprovalScope.STRATEGY: make(state=strategy), approval.scope: approval}
    return rules.why_not(
        action, approval, approvals, user_id=user_id, roles=APPROVER if roles is None else roles
    )


@pytest.mark.parametrize("action", [A.APPROVE, A.REJECT])
@pytest.mark.parametrize("state", [S.PENDING, S.NEEDS_REVIEW])
def test_an_approver_may_vote_on_an_open_scope(action: ApprovalAction, state: S) -> None:
    assert _why(action, make(ApprovalScope.CONTENT, state)) is None


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_only_approvers_vote(role: Role) -> None:
    for action in (A.APPROVE, A.REJECT):
        assert _why(action, make(), roles={role}) == "You are not an approver in this workspace"


def test_admins_vote_too() -> None:
    assert _why(A.APPROVE, make(), roles={Role.ADMIN}) is None


def test_a_second_vote_is_refused() -> None:
    approval = make(required=2, voters=("bea",))
    assert _why(A.APPROVE, approval) == "Already voted"
    assert _why(A.REJECT, approval) == "Already voted"
    assert _why(A.APPROVE, approval, user_id="cy") is None


@pytest.mark.parametrize("scope", GATED_SCOPES)
def test_dependent_scopes_wait_for_the_strategy(scope: ApprovalScope) -> None:
    expected = f"{scope.value.capitalize()} waits for the strategy approval"
    assert _why(A.APPROVE, make(scope), strategy=S.PENDING) == expected
    assert _why(A.APPROVE, make(scope), strategy=S.APPROVED) is None


def test_the_strategy_itself_is_not_gated() -> None:
    approval = make(state=S.PENDING)
    approvals = {ApprovalScope.STRATEGY: approval}
    assert rules.why_not(A.APPROVE, approval, approvals, user_id="bea", roles=APPROVER) is None


def test_refused_transitions_say_why() -> None:
    assert _why(A.APPROVE, make(state=S.APPROVED)) == "It is already approved"
    assert _why(A.REJECT, make(state=S.REJECTED)) == (
        "A rejected scope must first be marked as addressed"
    )
    assert _why(A.MARK_ADDRESSED, make(state=S.PENDING)) == (
        "Only rejected feedback can be marked as addressed"
    )


def test_editors_mark_rejected_feedback_addressed() -> None:
    rejected = make(state=S.REJECTED)
    assert _why(A.MARK_ADDRESSED, rejected, roles={Role.EDITOR}) is None
    assert _why(A.MARK_ADDRESSED, rejected, roles={Role.VIEWER}) == (
        "You are not an editor in this workspace"
    )


def test_only_admins_set_the_quorum() -> None:
    assert _why(A.SET_QUORUM, make(), roles={Role.APPROVER}) == "Only admins set the quorum"
    assert _why(A.SET_QUORUM, make(state=S.APPROVED), roles={Role.ADMIN}) is None


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("action", [A.APPROVE, A.REJECT, A.MARK_ADDRESSED])
def test_it_agrees_with_the_transition_table(state: S, action: ApprovalAction) -> None:
    allowed = state in rules.TRANSITIONS[action]
    reason = _why(action, make(state=state), roles={Role.ADMIN})
    assert (reason is None) == allowed


@pytest.mark.parametrize("action", [A.APPROVE, A.REJECT])
def test_without_a_strategy_there_is_nothing_to_vote_on(action: ApprovalAction) -> None:
    approval = make(state=S.PENDING)
    approvals = {ApprovalScope.STRATEGY: approval}
    reason = rules.why_not(
        action, approval, approvals, user_id="bea", roles=APPROVER, has_strategy=False
    )
    assert reason == "Nothing to review yet: the campaign has no strategy"
    quorum = rules.why_not(
        A.SET_QUORUM, approval, approvals, user_id="ada", roles={Role.ADMIN}, has_strategy=False
    )
    assert quorum is None
