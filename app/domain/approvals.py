"""Approvals: one per campaign and scope, with votes, a quorum and an append-only timeline."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from app.domain.common import FrozenModel, Id, Record, Text, Timestamp
from app.domain.enums import ApprovalScope, ApprovalState

MAX_QUORUM = 50


class VoteDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class ApprovalAction(StrEnum):
    """What can happen to an approval; :mod:`app.domain.approval_rules` says when."""

    APPROVE = "approve"
    REJECT = "reject"
    MARK_ADDRESSED = "mark_addressed"
    INVALIDATE = "invalidate"
    REREQUEST = "rerequest"
    SET_QUORUM = "set_quorum"


class Vote(FrozenModel):
    """One approver's vote in the current review round.

    ``display_name`` is the voter's name as the services read it (see :meth:`Approval.named`);
    records are written without it.
    """

    user_id: Id
    decision: VoteDecision
    at: Timestamp
    comment: Text | None = None
    display_name: str | None = None


class TimelineEvent(FrozenModel):
    """One line of an approval's history: who, when, from → to, why, for which strategy version.

    ``actor_name`` is the actor's display name as the services read it (see
    :meth:`Approval.named`); records are written without it.
    """

    at: Timestamp
    actor_id: Id
    actor_name: str | None = None
    action: ApprovalAction
    from_state: ApprovalState
    to_state: ApprovalState
    comment: Text | None = None
    strategy_version: int | None = None


class Approval(Record):
    """The approval of one scope of a campaign.

    ``strategy_version`` is the strategy version the approval was granted (or requested) for;
    ``votes`` are the current round's votes (cleared when the scope enters needs_review).
    """

    campaign_id: Id
    scope: ApprovalScope
    state: ApprovalState = ApprovalState.PENDING
    required_approvals: Annotated[int, Field(ge=1, le=MAX_QUORUM)] = 1
    votes: tuple[Vote, ...] = ()
    strategy_version: int | None = None
    timeline: tuple[TimelineEvent, ...] = ()

    @property
    def approve_count(self) -> int:
        return sum(1 for vote in self.votes if vote.decision is VoteDecision.APPROVE)

    def has_voted(self, user_id: str) -> bool:
        return any(vote.user_id == user_id for vote in self.votes)

    def named(self, names: Mapping[str, str]) -> Approval:
        """This approval with each voter's and timeline actor's display name from ``names``
        (user id → name); a user missing from it is shown by their user id."""
        votes = tuple(
            vote.model_copy(update={"display_name": names.get(vote.user_id, vote.user_id)})
            for vote in self.votes
        )
        timeline = tuple(
            event.model_copy(update={"actor_name": names.get(event.actor_id, event.actor_id)})
            for event in self.timeline
        )
        return self.model_copy(update={"votes": votes, "timeline": timeline})
