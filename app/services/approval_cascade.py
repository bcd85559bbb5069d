"""ApprovalCascade: the approval steps that other changes set off (internal, not on ``core``).

A new strategy version re-requests every approval; a change to content, the schedule or the
ads sends that scope back to needs_review. These steps run inside a call that has already
checked the actor's role for the change that causes them, so they check none themselves: that
is why they live here, shared by the services, and not on a public service a viewer can reach.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from app.domain import Actor, Approval, ApprovalAction, ApprovalScope
from app.domain import approval_rules as rules
from app.domain.cascade import ApprovalReset
from app.ports.repositories import ApprovalRepository
from app.services.campaign_state import CampaignState
from app.services.context import ServiceContext

DEPENDENT_SCOPES = (ApprovalScope.CONTENT, ApprovalScope.SCHEDULE, ApprovalScope.ADS)


class ApprovalCascade:
    """Saves approval changes (the rule applied to the fresh record) and runs the cascades."""

    def __init__(
        self,
        *,
        context: ServiceContext,
        approvals: ApprovalRepository,
        state: CampaignState,
    ) -> None:
        self._approvals = approvals
        self._state = state
        self._activity = context.activity
        self._clock = context.clock

    async def invalidate_scope(
        self, actor: Actor, campaign_id: str, scope: ApprovalScope, *, reason: str
    ) -> Approval:
        """Send one scope back to needs_review because what it approved changed."""
        version = await self._state.active_version(actor.tenant_id, campaign_id)
        changed = await self.invalidate(actor, campaign_id, scope, reason, version)
        await self._state.refresh_status(actor, campaign_id)
        return changed

    async def rerequest_all(self, actor: Actor, campaign_id: str, version: int) -> None:
        """The cascade of a new strategy version ``version``: the strategy approval back to
        pending for it, content, schedule and ads to needs_review."""
        reason = f"strategy version {version} replaces the previous one"
        await self.apply(
            actor,
            campaign_id,
            ApprovalScope.STRATEGY,
            "approval.rerequested",
            lambda a: rules.rerequest(
                a,
                actor_id=actor.user_id,
                at=self._clock.now(),
                reason=reason,
                strategy_version=version,
            ),
            refresh=False,
        )
        for scope in DEPENDENT_SCOPES:
            await self.invalidate(actor, campaign_id, scope, reason, version)
        await self._state.refresh_status(actor, campaign_id)

    @staticmethod
    def preview_rerequest_all(
        approvals: Mapping[ApprovalScope, Approval],
    ) -> tuple[ApprovalReset, ...]:
        """What :meth:`rerequest_all` would do to ``approvals`` (the campaign's, by scope),
        by the same rules, without changing anything."""
        actions = [(ApprovalScope.STRATEGY, ApprovalAction.REREQUEST)]
        actions += [(scope, ApprovalAction.INVALIDATE) for scope in DEPENDENT_SCOPES]
        return tuple(
            ApprovalReset(
                scope=scope,
                state=approvals[scope].state,
                to_state=rules.next_state(approvals[scope].state, action),
            )
            for scope, action in actions
        )

    async def invalidate(
        self,
        actor: Actor,
        campaign_id: str,
        scope: ApprovalScope,
        reason: str,
        version: int | None,
    ) -> Approval:
        """Send ``scope`` to needs_review for ``version`` (the campaign's status not refreshed)."""
        return await self.apply(
            actor,
            campaign_id,
            scope,
            "approval.invalidated",
            lambda a: rules.invalidate(
                a,
                actor_id=actor.user_id,
                at=self._clock.now(),
                reason=reason,
                strategy_version=version,
            ),
            refresh=False,
        )

    async def apply(
        self,
        actor: Actor,
        campaign_id: str,
        scope: ApprovalScope,
        action: str,
        rule: Callable[[Approval], Approval],
        *,
        refresh: bool = True,
    ) -> Approval:
        """Apply ``rule`` to the scope's approval, record ``action`` and (``refresh``) the
        campaign's status.

        Raises:
            NotFound: no such campaign in the actor's workspace.
        """
        current = await self.find(actor, campaign_id, scope)
        changed = await self._approvals.modify(actor.tenant_id, current.id, rule)
        last = changed.timeline[-1] if changed.timeline else None
        await self._activity.record(
            actor,
            action,
            object_type="approval",
            object_id=changed.id,
            campaign_id=campaign_id,
            scope=scope.value,
            from_state=last.from_state.value if last else None,
            to_state=changed.state.value,
            comment=last.comment if last else None,
        )
        if refresh:
            await self._state.refresh_status(actor, campaign_id)
        return changed

    async def find(self, actor: Actor, campaign_id: str, scope: ApprovalScope) -> Approval:
        """The scope's approval (NotFound when the campaign is not the actor's workspace's)."""
        approvals = await self._state.approvals(actor.tenant_id, campaign_id)
        if scope not in approvals:
            await self._state.campaign(actor.tenant_id, campaign_id)  # NotFound if foreign
        return approvals[scope]
