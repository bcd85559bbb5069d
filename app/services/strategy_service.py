"""StrategyService: versioned strategies, their invalidation and the cascade it starts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from app.domain import Actor, ApprovalScope, Role, Strategy, StrategyDraft, StrategyStatus
from app.domain.campaigns import check_writable
from app.domain.cascade import CascadePreview
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.validation import describe
from app.ports.repositories import CreativeRepository, StrategyRepository
from app.services.approval_cascade import ApprovalCascade
from app.services.approval_service import ApprovalService
from app.services.campaign_state import CampaignState
from app.services.context import ServiceContext
from app.services.operations import public_calls


def parse_draft(draft: StrategyDraft | Mapping[str, Any]) -> StrategyDraft:
    """A draft from a model or a plain mapping; InvalidInput naming each bad field."""
    if isinstance(draft, StrategyDraft):
        return draft
    if not isinstance(draft, Mapping):
        raise InvalidInput("a strategy draft must be a StrategyDraft or a mapping of its fields")
    try:
        return StrategyDraft.model_validate(dict(draft))
    except ValidationError as exc:
        raise InvalidInput(f"invalid strategy: {describe(exc)}") from None


@public_calls
class StrategyService:
    """A campaign's strategy, version by version; exactly one version is active.

    A new version invalidates the previous one (when, why, superseded by) and cascades: the
    strategy approval is requested again for the new version, content, schedule and ads go to
    needs_review, and the creatives of the old version become stale.
    """

    def __init__(
        self,
        *,
        context: ServiceContext,
        strategies: StrategyRepository,
        creatives: CreativeRepository,
        approvals: ApprovalService,
        cascade: ApprovalCascade,
        state: CampaignState,
    ) -> None:
        self._strategies = strategies
        self._creatives = creatives
        self._approvals = approvals
        self._cascade = cascade
        self._state = state
        self._access = context.access
        self._activity = context.activity
        self._clock = context.clock

    async def create_strategy(
        self, actor: Actor, campaign_id: str, draft: StrategyDraft | Mapping[str, Any]
    ) -> Strategy:
        """Version 1 of the campaign's strategy.

        Raises:
            InvalidInput: the draft is invalid, or the campaign already has a strategy.
        """
        await self._access.require(actor, Role.EDITOR, "write strategies")
        parsed = parse_draft(draft)
        check_writable(await self._state.campaign(actor.tenant_id, campaign_id))
        if await self._strategies.list_for_campaign(actor.tenant_id, campaign_id):
            raise InvalidInput("the campaign already has a strategy: save a new version instead")
        try:
            strategy = await self._add_version(actor, campaign_id, 1, parsed)
        except Conflict:
            raise InvalidInput(
                "the campaign already has a strategy: save a new version instead"
            ) from None
        await self._state.refresh_status(actor, campaign_id)
        return strategy

    async def update_strategy(
        self, actor: Actor, campaign_id: str, draft: StrategyDraft | Mapping[str, Any]
    ) -> Strategy:
        """Save ``draft`` as version n+1, invalidate version n and run the cascade.

        Two editors saving at once both get a version (n+1 and n+2), never the same number.
        """
        await self._access.require(actor, Role.EDITOR, "write strategies")
        parsed = parse_draft(draft)
        check_writable(await self._state.campaign(actor.tenant_id, campaign_id))
        while True:
            history = await self._strategies.list_for_campaign(actor.tenant_id, campaign_id)
            if not history:
                raise InvalidInput("the campaign has no strategy yet: create version 1 first")
            try:
                new = await self._add_version(actor, campaign_id, history[-1].version + 1, parsed)
            except Conflict:
                continue  # another editor saved this number first; take the next
            break
        await self._settle(actor, campaign_id)
        return new

    async def preview_update(self, actor: Actor, campaign_id: str) -> CascadePreview:
        """What :meth:`update_strategy` would reset if called now, read only: the approvals it
        sends back (with their state now) and how many creatives become stale. A first
        version (no strategy yet) resets nothing."""
        await self._access.require(actor, Role.VIEWER, "read strategies")
        await self._state.campaign(actor.tenant_id, campaign_id)
        history = await self._strategies.list_for_campaign(actor.tenant_id, campaign_id)
        if not history:
            return CascadePreview(version=1)
        version = history[-1].version + 1
        # As _settle: every active version is invalidated, its fresh creatives marked stale.
        outdated = {old.version for old in history if old.status is StrategyStatus.ACTIVE}
        creatives = await self._creatives.list_for_campaign(actor.tenant_id, campaign_id)
        stale = sum(1 for c in creatives if not c.stale and c.strategy_version in outdated)
        approvals = await self._state.approvals(actor.tenant_id, campaign_id)
        resets = (
            ()
            if approvals[ApprovalScope.STRATEGY].strategy_version == version
            else self._cascade.preview_rerequest_all(approvals)
        )
        return CascadePreview(version=version, approvals=resets, stale_creatives=stale)

    async def get_active(self, actor: Actor, campaign_id: str) -> Strategy:
        """The active version; NotFound when there is none."""
        await self._access.require(actor, Role.VIEWER, "read strategies")
        await self._state.campaign(actor.tenant_id, campaign_id)
        strategy = await self._strategies.find_active(actor.tenant_id, campaign_id)
        if strategy is None:
            raise NotFound("the campaign has no active strategy")
        return strategy

    async def history(self, actor: Actor, campaign_id: str) -> list[Strategy]:
        """Every version, oldest first."""
        await self._access.require(actor, Role.VIEWER, "read strategies")
        await self._state.campaign(actor.tenant_id, campaign_id)
        return await self._strategies.list_for_campaign(actor.tenant_id, campaign_id)

    async def invalidate(self, actor: Actor, strategy_id: str, *, reason: str) -> Strategy:
        """Withdraw a version without a successor: its approvals and creatives go with it."""
        await self._access.require(actor, Role.EDITOR, "invalidate strategies")
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput("say why the strategy is invalidated")
        strategy = await self._strategies.get(actor.tenant_id, strategy_id)
        if strategy.status is StrategyStatus.INVALIDATED:
            raise InvalidInput(f"strategy version {strategy.version} is already invalidated")
        invalidated = await self._invalidate(actor, strategy, reason, superseded_by=None)
        await self._approvals.invalidate_dependents(actor, strategy.campaign_id, reason=reason)
        return invalidated

    async def _add_version(
        self, actor: Actor, campaign_id: str, version: int, draft: StrategyDraft
    ) -> Strategy:
        now = self._clock.now()
        strategy = await self._strategies.add(
            Strategy(
                tenant_id=actor.tenant_id,
                campaign_id=campaign_id,
                version=version,
                draft=draft,
                created_by=actor.user_id,
                created_at=now,
                updated_at=now,
            )
        )
        await self._activity.record(
            actor,
            "strategy.saved",
            object_type="strategy",
            object_id=strategy.id,
            campaign_id=campaign_id,
            version=version,
            completion=strategy.completion.percent,
        )
        return strategy

    async def _settle(self, actor: Actor, campaign_id: str) -> None:
        """Invalidate every active version below the newest, then re-request the approvals for
        the newest unless that was done already.

        Idempotent, so a cascade cut short (a crash, a lost connection) is finished by the
        next update, and a version saved after a withdrawn one re-requests approvals too.
        """
        history = await self._strategies.list_for_campaign(actor.tenant_id, campaign_id)
        newest = history[-1]
        for old in history[:-1]:
            if old.status is StrategyStatus.ACTIVE:
                reason = f"superseded by version {newest.version}"
                await self._invalidate(actor, old, reason, superseded_by=newest.id)
        approvals = await self._state.approvals(actor.tenant_id, campaign_id)
        if approvals[ApprovalScope.STRATEGY].strategy_version != newest.version:
            await self._cascade.rerequest_all(actor, campaign_id, newest.version)

    async def _invalidate(
        self, actor: Actor, strategy: Strategy, reason: str, *, superseded_by: str | None
    ) -> Strategy:
        def change(current: Strategy) -> Strategy:
            if current.status is StrategyStatus.INVALIDATED:
                return current
            now = self._clock.now()
            return current.model_copy(
                update={
                    "status": StrategyStatus.INVALIDATED,
                    "invalidated_at": now,
                    "invalidation_reason": reason,
                    "superseded_by": superseded_by,
                    "updated_at": now,
                }
            )

        invalidated = await self._strategies.modify(actor.tenant_id, strategy.id, change)
        stale = await self._creatives.mark_stale(
            actor.tenant_id, strategy.campaign_id, strategy.version, self._clock.now()
        )
        await self._activity.record(
            actor,
            "strategy.invalidated",
            object_type="strategy",
            object_id=strategy.id,
            campaign_id=strategy.campaign_id,
            version=strategy.version,
            reason=reason,
            stale_creatives=stale,
        )
        return invalidated
