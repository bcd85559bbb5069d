"""Random walks through the approval state machine, checked against an independent model.

Each rule predicts, from product.md alone, whether the call must be refused (and with which
errors) and what state, votes and quorum follow; the invariants hold after every step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from app.domain import Approval, ApprovalAction, ApprovalScope, ApprovalState, VoteDecision
from app.domain import approval_rules as rules
from app.domain.errors import InvalidInput, InvalidTransition

S = ApprovalState
A = ApprovalAction
USERS = ("ana", "bea", "cy", "dan", "eve")
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
REFUSALS = (InvalidInput, InvalidTransition)

users = st.sampled_from(USERS)
who = st.sampled_from(["any", "fresh", "again"])
# One in four is blank: refusals are exercised without starving the success paths.
texts = st.sampled_from(
    ["", "   ", "off brand", " fixed the tone ", "see notes", "too long", "wrong audience", "ok"]
)
versions = st.integers(min_value=1, max_value=4)
quorums = st.one_of(
    st.integers(min_value=1, max_value=3),  # small quorums: lowering one to the votes cast
    st.integers(min_value=-1, max_value=52),
    st.sampled_from([True, False, 2.0, "3", None]),
)


def _blank(text: str | None) -> bool:
    return not (text or "").strip()


def _valid_quorum(value: Any) -> bool:
    return type(value) is int and 1 <= value <= 50


class ApprovalMachine(RuleBasedStateMachine):
    """One Approval under random actions by a pool of five approvers."""

    def __init__(self) -> None:
        super().__init__()
        self.approval: Approval | None = None
        self.strategy_approved = False
        self.clock = T0
        self.successes = 0
        self.last_action: ApprovalAction | None = None
        self.quorum_when_approved = 0

    @initialize(
        scope=st.sampled_from(ApprovalScope),
        # mostly a quorum above one, so a round can hold votes without being approved yet
        required=st.sampled_from([1, 2, 2, 3]),
        strategy_approved=st.booleans(),
    )
    def start(self, scope: ApprovalScope, required: int, strategy_approved: bool) -> None:
        self.approval = Approval(
            tenant_id="acme",
            campaign_id="camp-1",
            scope=scope,
            required_approvals=required,
            strategy_version=1,
        )
        self.strategy_approved = strategy_approved

    # ------------------------------------------------------------ helpers

    @property
    def current(self) -> Approval:
        assert self.approval is not None
        return self.approval

    @property
    def gated(self) -> bool:
        return self.current.scope is not ApprovalScope.STRATEGY and not self.strategy_approved

    def _tick(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock

    def _steer(self, user: str, who: str) -> str:
        """``user``, or (if there is one) an approver who has not / has already voted."""
        voted = [u for u in USERS if self.current.has_voted(u)]
        if who == "fresh":
            return next((u for u in USERS if u not in voted), user)
        if who == "again" and voted:
            return voted[-1]
        return user

    def _apply(
        self,
        action: ApprovalAction,
        call: Callable[[Approval, datetime], Approval],
        *,
        refusals: set[type[Exception]],
        expect_state: ApprovalState | None,
        expect_voters: list[str] | None,
        expect_quorum: int,
        actor_id: str,
        comment: str | None,
        expect_version: int | None,
    ) -> None:
        before = self.current
        snapshot = before.model_dump()
        when = self._tick()
        refused: Exception | None = None
        try:
            after = call(before, when)
        except REFUSALS as exc:
            refused = exc
        if refused is not None:
            assert refusals, f"{action} was refused ({refused}) but the rules allow it"
            assert type(refused) in refusals, f"{action}: {refused!r} not one of {refusals}"
            if isinstance(refused, InvalidTransition):
                assert refused.from_state == before.state.value
            # a refused call changes nothing
            assert before.model_dump() == snapshot
            assert self.approval is before
            return
        assert not refusals, f"{action} succeeded but one of {refusals} was expected"
        assert before.model_dump() == snapshot, "the input approval was mutated"

        assert after.state is expect_state
        assert [v.user_id for v in after.votes] == expect_voters
        assert after.required_approvals == expect_quorum
        assert after.strategy_version == expect_version
        assert len(after.timeline) == len(before.timeline) + 1
        assert after.timeline[:-1] == before.timeline
        event = after.timeline[-1]
        assert event.action is action
        assert (event.from_state, event.to_state) == (before.state, after.state)
        assert (event.actor_id, event.at, event.comment) == (actor_id, when, comment)
        assert event.strategy_version == expect_version

        if after.state is S.APPROVED and before.state is not S.APPROVED:
            assert after.approve_count >= after.required_approvals
            self.quorum_when_approved = after.required_approvals
        self.approval = after
        self.successes += 1
        self.last_action = action

    # ------------------------------------------------------------ rules

    @rule(flag=st.booleans())
    def strategy_approval_changes(self, flag: bool) -> None:
        self.strategy_approved = flag

    @rule(
        user=users,
        who=who,
        version=versions,
        comment=st.sampled_from([None, "", " nice "]),
    )
    def approve(self, user: str, who: str, version: int, comment: str | None) -> None:
        a = self.current
        user = self._steer(user, who)
        refusals: set[type[Exception]] = set()
        if a.state not in (S.PENDING, S.NEEDS_REVIEW):
            refusals.add(InvalidTransition)
        if a.has_voted(user):
            refusals.add(InvalidInput)
        if self.gated:
            refusals.add(InvalidTransition)
        voters = [v.user_id for v in a.votes] + [user]
        reached = a.approve_count + 1 >= a.required_approvals
        self._apply(
            A.APPROVE,
            lambda ap, at: rules.approve(
                ap,
                user_id=user,
                at=at,
                strategy_version=version,
                strategy_approved=self.strategy_approved,
                comment=comment,
            ),
            refusals=refusals,
            expect_state=S.APPROVED if reached else a.state,
            expect_voters=voters,
            expect_quorum=a.required_approvals,
            actor_id=user,
            comment=None if _blank(comment) else (comment or "").strip(),
            expect_version=version,
        )

    @rule(user=users, who=who, reason=texts, version=versions)
    def reject(self, user: str, who: str, reason: str, version: int) -> None:
        a = self.current
        user = self._steer(user, who)
        refusals: set[type[Exception]] = set()
        if a.state not in (S.PENDING, S.NEEDS_REVIEW):
            refusals.add(InvalidTransition)
        if a.has_voted(user) or _blank(reason):
            refusals.add(InvalidInput)
        self._apply(
            A.REJECT,
            lambda ap, at: rules.reject(
                ap, user_id=user, at=at, reason=reason, strategy_version=version
            ),
            refusals=refusals,
            expect_state=S.REJECTED,
            expect_voters=[v.user_id for v in a.votes] + [user],
            expect_quorum=a.required_approvals,
            actor_id=user,
            comment=reason.strip(),
            expect_version=version,
        )

    @rule(user=users, note=texts)
    def mark_addressed(self, user: str, note: str) -> None:
        a = self.current
        refusals: set[type[Exception]] = set()
        if a.state is not S.REJECTED:
            refusals.add(InvalidTransition)
        if _blank(note):
            refusals.add(InvalidInput)
        self._apply(
            A.MARK_ADDRESSED,
            lambda ap, at: rules.mark_addressed(ap, user_id=user, at=at, note=note),
            refusals=refusals,
            expect_state=S.NEEDS_REVIEW,
            expect_voters=[],
            expect_quorum=a.required_approvals,
            actor_id=user,
            comment=note.strip(),
            expect_version=a.strategy_version,
        )

    @rule(reason=texts, version=versions)
    def invalidate(self, reason: str, version: int) -> None:
        a = self.current
        self._apply(
            A.INVALIDATE,
            lambda ap, at: rules.invalidate(
                ap, actor_id="system", at=at, reason=reason, strategy_version=version
            ),
            refusals={InvalidInput} if _blank(reason) else set(),
            expect_state=S.NEEDS_REVIEW,
            expect_voters=[],
            expect_quorum=a.required_approvals,
            actor_id="system",
            comment=reason.strip(),
            expect_version=version,
        )

    @rule(reason=texts, version=versions)
    def rerequest(self, reason: str, version: int) -> None:
        a = self.current
        self._apply(
            A.REREQUEST,
            lambda ap, at: rules.rerequest(
                ap, actor_id="system", at=at, reason=reason, strategy_version=version
            ),
            refusals={InvalidInput} if _blank(reason) else set(),
            expect_state=S.PENDING,
            expect_voters=[],
            expect_quorum=a.required_approvals,
            actor_id="system",
            comment=reason.strip(),
            expect_version=version,
        )

    @rule(required=quorums, to_votes_cast=st.booleans())
    def set_quorum(self, required: Any, to_votes_cast: bool) -> None:
        a = self.current
        if to_votes_cast and a.approve_count > 0:
            required = a.approve_count  # steer towards "lowering the quorum to the votes cast"
        valid = _valid_quorum(required)
        approves = (
            valid
            and a.state in (S.PENDING, S.NEEDS_REVIEW)
            and 0 < a.approve_count >= required
            and not self.gated
        )
        self._apply(
            A.SET_QUORUM,
            lambda ap, at: rules.set_quorum(
                ap,
                actor_id="admin",
                at=at,
                required=required,
                strategy_approved=self.strategy_approved,
            ),
            refusals=set() if valid else {InvalidInput},
            expect_state=S.APPROVED if approves else a.state,
            expect_voters=[v.user_id for v in a.votes],
            expect_quorum=required if valid else a.required_approvals,
            actor_id="admin",
            comment=f"quorum set to {required}",
            expect_version=a.strategy_version,
        )

    # ------------------------------------------------------------ invariants

    @invariant()
    def state_is_an_approval_state(self) -> None:
        if self.approval is not None:
            assert isinstance(self.current.state, ApprovalState)

    @invariant()
    def approved_means_the_quorum_was_met(self) -> None:
        if self.approval is not None and self.current.state is S.APPROVED:
            assert self.quorum_when_approved >= 1
            assert self.current.approve_count >= self.quorum_when_approved

    @invariant()
    def one_vote_per_user_per_round(self) -> None:
        if self.approval is not None:
            voters = [vote.user_id for vote in self.current.votes]
            assert len(voters) == len(set(voters))

    @invariant()
    def a_new_round_starts_without_votes(self) -> None:
        if self.last_action in (A.INVALIDATE, A.REREQUEST, A.MARK_ADDRESSED):
            assert self.current.votes == ()
            assert self.current.state in (S.PENDING, S.NEEDS_REVIEW)

    @invariant()
    def reject_votes_only_in_a_rejected_round(self) -> None:
        if self.approval is not None:
            rejects = [v for v in self.current.votes if v.decision is VoteDecision.REJECT]
            assert len(rejects) <= 1
            assert bool(rejects) == (self.current.state is S.REJECTED)

    @invariant()
    def one_event_per_successful_action(self) -> None:
        if self.approval is not None:
            assert len(self.current.timeline) == self.successes
            times = [event.at for event in self.current.timeline]
            assert times == sorted(times)
            for previous, event in zip(
                self.current.timeline, self.current.timeline[1:], strict=False
            ):
                assert event.from_state is previous.to_state


ApprovalMachine.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestApprovalMachine = ApprovalMachine.TestCase
