"""The approval state machine, as pure functions.

States and transitions (``product.md``):

- pending → approved when the approvers' votes reach the scope's quorum; pending → rejected on one
  reject vote with a non-empty reason;
- any state → needs_review (automatic invalidation, the cascade), clearing the votes;
- rejected → needs_review when an editor marks the feedback addressed, with a note;
- needs_review → approved (quorum again) or → rejected (with a reason);
- any state → pending when a new strategy version re-requests the strategy approval;
- everything else raises :class:`InvalidTransition` naming the from and to states.

Every function returns a new :class:`Approval` with one more timeline event; the input is never
changed, so a refused call changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from app.domain.approvals import (
    MAX_QUORUM,
    Approval,
    ApprovalAction,
    TimelineEvent,
    Vote,
    VoteDecision,
)
from app.domain.enums import ApprovalScope, ApprovalState, Role
from app.domain.errors import InvalidInput, InvalidTransition

_ANY = tuple(ApprovalState)
TRANSITIONS: dict[ApprovalAction, dict[ApprovalState, ApprovalState]] = {
    ApprovalAction.APPROVE: {
        ApprovalState.PENDING: ApprovalState.APPROVED,
        ApprovalState.NEEDS_REVIEW: ApprovalState.APPROVED,
    },
    ApprovalAction.REJECT: {
        ApprovalState.PENDING: ApprovalState.REJECTED,
        ApprovalState.NEEDS_REVIEW: ApprovalState.REJECTED,
    },
    ApprovalAction.MARK_ADDRESSED: {ApprovalState.REJECTED: ApprovalState.NEEDS_REVIEW},
    ApprovalAction.INVALIDATE: dict.fromkeys(_ANY, ApprovalState.NEEDS_REVIEW),
    ApprovalAction.REREQUEST: dict.fromkeys(_ANY, ApprovalState.PENDING),
    # A quorum change keeps the state; set_quorum() may then settle a round whose votes
    # already reach the new quorum, exactly as a vote would.
    ApprovalAction.SET_QUORUM: {state: state for state in _ANY},
}
"""For each action, the states it may start from and the state it leads to."""

_TARGET = {
    ApprovalAction.APPROVE: ApprovalState.APPROVED,
    ApprovalAction.REJECT: ApprovalState.REJECTED,
    ApprovalAction.MARK_ADDRESSED: ApprovalState.NEEDS_REVIEW,
    ApprovalAction.INVALIDATE: ApprovalState.NEEDS_REVIEW,
    ApprovalAction.REREQUEST: ApprovalState.PENDING,
    ApprovalAction.SET_QUORUM: ApprovalState.PENDING,  # unused: a quorum change is never refused
}


def next_state(state: ApprovalState, action: ApprovalAction) -> ApprovalState:
    """The state ``action`` leads to from ``state``; :class:`InvalidTransition` if refused."""
    state, action = ApprovalState(state), ApprovalAction(action)
    target = TRANSITIONS[action].get(state)
    if target is None:
        raise InvalidTransition(state.value, _TARGET[action].value, _why_refused(state, action))
    return target


def _why_refused(state: ApprovalState, action: ApprovalAction) -> str:
    if action is ApprovalAction.MARK_ADDRESSED:
        return "only rejected feedback can be marked as addressed"
    if state is ApprovalState.APPROVED:
        return "it is already approved"
    return "a rejected scope must first be marked as addressed"


_NEEDED_ROLE = {
    ApprovalAction.APPROVE: (Role.APPROVER, "You are not an approver in this workspace"),
    ApprovalAction.REJECT: (Role.APPROVER, "You are not an approver in this workspace"),
    ApprovalAction.MARK_ADDRESSED: (Role.EDITOR, "You are not an editor in this workspace"),
    ApprovalAction.SET_QUORUM: (Role.ADMIN, "Only admins set the quorum"),
}
"""The lowest role each user action needs, and what a user without it is told."""


def why_not(
    action: ApprovalAction,
    approval: Approval,
    approvals: Mapping[ApprovalScope, Approval],
    *,
    user_id: str,
    roles: Iterable[Role],
    has_strategy: bool = True,
) -> str | None:
    """Why ``user_id`` (holding ``roles``) cannot do ``action`` on ``approval`` now, in plain
    words ("Content waits for the strategy approval", "Already voted"), or None if they can.

    ``approvals`` are the campaign's approvals by scope (the strategy's gates the others);
    ``has_strategy`` whether the campaign has a strategy yet (without one there is nothing to
    approve or reject). Says what the functions below and the approval service would refuse, so
    a window can disable a button with the reason.
    """
    action = ApprovalAction(action)
    needed, no_role = _NEEDED_ROLE.get(action, (Role.ADMIN, "Only the system does that"))
    if not any(Role(role).rank >= needed.rank for role in roles):
        return no_role
    if action is ApprovalAction.SET_QUORUM:
        return None
    if approval.state not in TRANSITIONS[action]:
        reason = _why_refused(approval.state, action)
        return reason[0].upper() + reason[1:]
    if action is ApprovalAction.MARK_ADDRESSED:
        return None
    if not has_strategy:
        return "Nothing to review yet: the campaign has no strategy"
    if approval.has_voted(user_id):
        return "Already voted"
    strategy = approvals.get(ApprovalScope.STRATEGY)
    strategy_approved = strategy is not None and strategy.state is ApprovalState.APPROVED
    gated = action is ApprovalAction.APPROVE and approval.scope is not ApprovalScope.STRATEGY
    if gated and not strategy_approved:
        return f"{approval.scope.value.capitalize()} waits for the strategy approval"
    return None


def _with_event(
    approval: Approval,
    *,
    action: ApprovalAction,
    to_state: ApprovalState,
    actor_id: str,
    at: datetime,
    comment: str | None,
    votes: tuple[Vote, ...],
    strategy_version: int | None,
    required_approvals: int | None = None,
) -> Approval:
    event = TimelineEvent(
        at=at,
        actor_id=actor_id,
        action=action,
        from_state=approval.state,
        to_state=to_state,
        comment=comment,
        strategy_version=strategy_version,
    )
    # Validated again (model_copy would not), so ``at`` is normalised like every timestamp.
    return Approval.model_validate(
        {
            **approval.__dict__,
            "state": to_state,
            "votes": votes,
            "strategy_version": strategy_version,
            "required_approvals": required_approvals or approval.required_approvals,
            "timeline": (*approval.timeline, event),
            "updated_at": at,
        }
    )


def _require_text(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{what} must not be empty")
    return text


def _check_vote(approval: Approval, action: ApprovalAction, user_id: str) -> None:
    next_state(approval.state, action)
    if approval.has_voted(user_id):
        raise InvalidInput(f"{user_id} has already voted on the {approval.scope.value} approval")


def approve(
    approval: Approval,
    *,
    user_id: str,
    at: datetime,
    strategy_version: int,
    strategy_approved: bool,
    comment: str | None = None,
) -> Approval:
    """Record ``user_id``'s approve vote; the scope becomes approved once the quorum is reached.

    Content, schedule and ads are approvable only while the strategy approval is approved
    (``strategy_approved``).
    """
    _check_vote(approval, ApprovalAction.APPROVE, user_id)
    if approval.scope is not ApprovalScope.STRATEGY and not strategy_approved:
        raise InvalidTransition(
            approval.state.value,
            ApprovalState.APPROVED.value,
            f"{approval.scope.value} waits for the strategy to be approved",
        )
    comment = (comment or "").strip() or None
    votes = (
        *approval.votes,
        Vote(user_id=user_id, decision=VoteDecision.APPROVE, at=at, comment=comment),
    )
    reached = sum(v.decision is VoteDecision.APPROVE for v in votes) >= approval.required_approvals
    return _with_event(
        approval,
        action=ApprovalAction.APPROVE,
        to_state=ApprovalState.APPROVED if reached else approval.state,
        actor_id=user_id,
        at=at,
        comment=comment,
        votes=votes,
        strategy_version=strategy_version,
    )


def reject(
    approval: Approval, *, user_id: str, at: datetime, reason: str, strategy_version: int
) -> Approval:
    """One reject vote, with a non-empty reason, rejects the scope."""
    _check_vote(approval, ApprovalAction.REJECT, user_id)
    reason = _require_text(reason, "a rejection reason")
    vote = Vote(user_id=user_id, decision=VoteDecision.REJECT, at=at, comment=reason)
    return _with_event(
        approval,
        action=ApprovalAction.REJECT,
        to_state=ApprovalState.REJECTED,
        actor_id=user_id,
        at=at,
        comment=reason,
        votes=(*approval.votes, vote),
        strategy_version=strategy_version,
    )


def mark_addressed(approval: Approval, *, user_id: str, at: datetime, note: str) -> Approval:
    """An editor says the rejection's feedback is addressed: rejected → needs_review."""
    to_state = next_state(approval.state, ApprovalAction.MARK_ADDRESSED)
    note = _require_text(note, "the note on what was addressed")
    return _with_event(
        approval,
        action=ApprovalAction.MARK_ADDRESSED,
        to_state=to_state,
        actor_id=user_id,
        at=at,
        comment=note,
        votes=(),
        strategy_version=approval.strategy_version,
    )


def invalidate(
    approval: Approval, *, actor_id: str, at: datetime, reason: str, strategy_version: int | None
) -> Approval:
    """The cascade: any state → needs_review, votes cleared, bound to ``strategy_version``."""
    return _reset(
        approval,
        ApprovalAction.INVALIDATE,
        actor_id,
        at,
        strategy_version,
        _require_text(reason, "the reason for the invalidation"),
    )


def rerequest(
    approval: Approval, *, actor_id: str, at: datetime, reason: str, strategy_version: int
) -> Approval:
    """A new strategy version asks for approval again: any state → pending for that version."""
    return _reset(
        approval,
        ApprovalAction.REREQUEST,
        actor_id,
        at,
        strategy_version,
        _require_text(reason, "the reason for the new request"),
    )


def _reset(
    approval: Approval,
    action: ApprovalAction,
    actor_id: str,
    at: datetime,
    strategy_version: int | None,
    reason: str,
) -> Approval:
    """A new review round started by the system: the votes of the old one are cleared."""
    return _with_event(
        approval,
        action=action,
        to_state=next_state(approval.state, action),
        actor_id=actor_id,
        at=at,
        comment=reason,
        votes=(),
        strategy_version=strategy_version,
    )


def set_quorum(
    approval: Approval, *, actor_id: str, at: datetime, required: int, strategy_approved: bool
) -> Approval:
    """Change how many approve votes the scope needs (1 to :data:`MAX_QUORUM`).

    If the current round's votes already reach the new quorum, the scope becomes approved, under
    the same gating as a vote.
    """
    if (
        isinstance(required, bool)
        or not isinstance(required, int)
        or not (1 <= required <= MAX_QUORUM)
    ):
        raise InvalidInput(
            f"the quorum must be a whole number from 1 to {MAX_QUORUM}, not {required!r}"
        )
    to_state = approval.state
    gated = approval.scope is not ApprovalScope.STRATEGY and not strategy_approved
    if (
        approval.state in TRANSITIONS[ApprovalAction.APPROVE]
        and approval.approve_count >= required
        and approval.approve_count > 0
        and not gated
    ):
        to_state = ApprovalState.APPROVED
    return _with_event(
        approval,
        action=ApprovalAction.SET_QUORUM,
        to_state=to_state,
        actor_id=actor_id,
        at=at,
        comment=f"quorum set to {required}",
        votes=approval.votes,
        strategy_version=approval.strategy_version,
        required_approvals=required,
    )
