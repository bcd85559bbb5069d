"""ApprovalService: votes, quorum, rejection, feedback and the strategy cascade."""

from __future__ import annotations

from collections.abc import Callable

from app.domain import Actor, Approval, ApprovalScope, ApprovalState, Role
from app.domain import approval_rules as rules
from app.domain.campaigns import check_writable
from app.domain.errors import InvalidTransition
from app.domain.guidance import approved_for
from app.services.approval_cascade import DEPENDENT_SCOPES, ApprovalCascade
from app.services.campaign_state import CampaignState, parse_enum
from app.services.context import ServiceContext
from app.services.operations import public_calls


@public_calls
class ApprovalService:
    """One approval per campaign and scope (strategy, content, schedule, ads).

    Every change goes through the pure rules of :mod:`app.domain.approval_rules` and is saved
    optimistically: concurrent votes are re-applied on the fresh record, never lost. Approvals
    come back with their voters' and timeline actors' display names (read when returned).
    """

    def __init__(
        self,
        *,
        context: ServiceContext,
        cascade: ApprovalCascade,
        state: CampaignState,
    ) -> None:
        self._cascade = cascade
        self._state = state
        self._access = context.access
        self._names = context.access.names
        self._activity = context.activity
        self._clock = context.clock

    async def get_approvals(self, actor: Actor, campaign_id: str) -> dict[ApprovalScope, Approval]:
        """The campaign's four approvals, in scope order."""
        await self._access.require(actor, Role.VIEWER, "see approvals")
        await self._state.campaign(actor.tenant_id, campaign_id)
        approvals = await self._state.approvals(actor.tenant_id, campaign_id)
        return await self._names.approvals(actor.tenant_id, approvals)

    async def approve(
        self,
        actor: Actor,
        campaign_id: str,
        scope: ApprovalScope | str,
        *,
        comment: str | None = None,
    ) -> Approval:
        """Vote to approve; the scope is approved once the votes reach its quorum.

        Raises:
            InvalidTransition: the scope is not awaiting approval, the campaign has no
                strategy, or (content, schedule, ads) the strategy is not approved yet.
            InvalidInput: the approver already voted in this round.
        """
        await self._access.require(actor, Role.APPROVER, "approve")
        scope = parse_enum(ApprovalScope, scope, "approval scope")
        version = await self._require_version(actor, campaign_id, scope, ApprovalState.APPROVED)
        strategy_ok = await self._strategy_approved(actor, campaign_id, version)
        return await self._apply(
            actor,
            campaign_id,
            scope,
            "approval.voted",
            lambda a: rules.approve(
                a,
                user_id=actor.user_id,
                at=self._clock.now(),
                strategy_version=version,
                strategy_approved=strategy_ok,
                comment=comment,
            ),
        )

    async def reject(
        self, actor: Actor, campaign_id: str, scope: ApprovalScope | str, *, reason: str
    ) -> Approval:
        """Reject the scope; the reason must not be empty."""
        await self._access.require(actor, Role.APPROVER, "reject")
        scope = parse_enum(ApprovalScope, scope, "approval scope")
        version = await self._require_version(actor, campaign_id, scope, ApprovalState.REJECTED)
        return await self._apply(
            actor,
            campaign_id,
            scope,
            "approval.rejected",
            lambda a: rules.reject(
                a,
                user_id=actor.user_id,
                at=self._clock.now(),
                reason=reason,
                strategy_version=version,
            ),
        )

    async def mark_addressed(
        self, actor: Actor, campaign_id: str, scope: ApprovalScope | str, *, note: str
    ) -> Approval:
        """An editor says a rejection's feedback is addressed: rejected → needs_review."""
        await self._access.require(actor, Role.EDITOR, "mark feedback as addressed")
        scope = parse_enum(ApprovalScope, scope, "approval scope")
        return await self._apply(
            actor,
            campaign_id,
            scope,
            "approval.addressed",
            lambda a: rules.mark_addressed(
                a, user_id=actor.user_id, at=self._clock.now(), note=note
            ),
        )

    async def set_quorum(
        self, actor: Actor, campaign_id: str, scope: ApprovalScope | str, required: int
    ) -> Approval:
        """How many approve votes the scope needs (admins only)."""
        await self._access.require(actor, Role.ADMIN, "change a quorum")
        scope = parse_enum(ApprovalScope, scope, "approval scope")
        version = await self._state.active_version(actor.tenant_id, campaign_id)
        strategy_ok = await self._strategy_approved(actor, campaign_id, version)
        return await self._apply(
            actor,
            campaign_id,
            scope,
            "approval.quorum_set",
            lambda a: rules.set_quorum(
                a,
                actor_id=actor.user_id,
                at=self._clock.now(),
                required=required,
                strategy_approved=strategy_ok,
            ),
        )

    async def invalidate_dependents(
        self, actor: Actor, campaign_id: str, *, reason: str
    ) -> dict[ApprovalScope, Approval]:
        """Send content, schedule and ads back to needs_review (votes cleared)."""
        await self._access.require(actor, Role.EDITOR, "invalidate approvals")
        check_writable(await self._state.campaign(actor.tenant_id, campaign_id))
        version = await self._state.active_version(actor.tenant_id, campaign_id)
        changed = {
            scope: await self._cascade.invalidate(actor, campaign_id, scope, reason, version)
            for scope in DEPENDENT_SCOPES
        }
        await self._state.refresh_status(actor, campaign_id)
        return await self._names.approvals(actor.tenant_id, changed)

    async def _apply(
        self,
        actor: Actor,
        campaign_id: str,
        scope: ApprovalScope,
        action: str,
        rule: Callable[[Approval], Approval],
    ) -> Approval:
        """The cascade's ``apply``, the approval returned with its display names; an archived
        campaign's approvals do not change."""
        check_writable(await self._state.campaign(actor.tenant_id, campaign_id))
        changed = await self._cascade.apply(actor, campaign_id, scope, action, rule)
        return await self._names.approval(changed)

    async def _require_version(
        self, actor: Actor, campaign_id: str, scope: ApprovalScope, target: ApprovalState
    ) -> int:
        version = await self._state.active_version(actor.tenant_id, campaign_id)
        if version is None:
            current = await self._cascade.find(actor, campaign_id, scope)
            raise InvalidTransition(
                current.state.value, target.value, "the campaign has no strategy to review yet"
            )
        return version

    async def _strategy_approved(self, actor: Actor, campaign_id: str, version: int | None) -> bool:
        approvals = await self._state.approvals(actor.tenant_id, campaign_id)
        return approved_for(approvals.get(ApprovalScope.STRATEGY), version)
