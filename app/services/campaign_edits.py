"""The campaign calls that change or remove what exists: rename, archive, time zone, and
deleting posts and ad plans (part of :class:`CampaignsService`)."""

from __future__ import annotations

from typing import Any

from app.domain import (
    Actor,
    AdPlan,
    ApprovalScope,
    ApprovalState,
    Campaign,
    CampaignStatus,
    Post,
    Role,
)
from app.domain.campaigns import check_writable
from app.domain.guidance import derive_status
from app.domain.validation import build
from app.ports.clock import Clock
from app.ports.repositories import AdPlanRepository, PostRepository, Store
from app.services.access import AccessControl
from app.services.activity_log import ActivityLog
from app.services.approval_cascade import ApprovalCascade
from app.services.campaign_state import CampaignState
from app.services.operations import public_calls


@public_calls
class CampaignEdits:
    """Renaming, archiving and re-zoning a campaign, and deleting its posts and ad plans.

    An archived campaign is read-only: it stays in the lists with the status ``archived``, and
    every change to it or to what it plans is refused until it is unarchived. Deleting a post or
    an ad plan changes the schedule or the ads as an edit does: an approved scope goes back to
    needs_review.
    """

    # Set by CampaignsService.__init__.
    _store: Store
    _cascade: ApprovalCascade
    _state: CampaignState
    _access: AccessControl
    _activity: ActivityLog
    _clock: Clock

    async def rename_campaign(self, actor: Actor, campaign_id: str, name: str) -> Campaign:
        """Give the campaign another name (1–200 characters, trimmed).

        Raises:
            InvalidInput: the name is empty or too long, or the campaign is archived.
        """
        await self._access.require(actor, Role.EDITOR, "rename campaigns")
        campaign = await self._writable(actor, campaign_id)
        clean = build(Campaign, **{**campaign.__dict__, "name": name}).name
        return await self._edit(actor, campaign_id, "campaign.renamed", name=clean)

    async def set_time_zone(self, actor: Actor, campaign_id: str, time_zone: str) -> Campaign:
        """Read the campaign's window and calendar in the IANA zone ``time_zone``.

        Posts already scheduled keep their moment; the window is checked in the new zone when
        a post is next scheduled or moved.

        Raises:
            InvalidInput: the zone is unknown (the message names it), or the campaign is
                archived.
        """
        await self._access.require(actor, Role.EDITOR, "change campaigns")
        campaign = await self._writable(actor, campaign_id)
        zone = build(Campaign, **{**campaign.__dict__, "time_zone": time_zone}).time_zone
        return await self._edit(actor, campaign_id, "campaign.time_zone_set", time_zone=zone)

    async def archive_campaign(self, actor: Actor, campaign_id: str) -> Campaign:
        """Make the campaign read-only; it stays listed, with the status ``archived``."""
        await self._access.require(actor, Role.EDITOR, "archive campaigns")
        campaign = await self._state.campaign(actor.tenant_id, campaign_id)
        if campaign.status is CampaignStatus.ARCHIVED:
            return campaign
        return await self._edit(
            actor, campaign_id, "campaign.archived", status=CampaignStatus.ARCHIVED
        )

    async def unarchive_campaign(self, actor: Actor, campaign_id: str) -> Campaign:
        """Make an archived campaign editable again, with the status its approvals imply."""
        await self._access.require(actor, Role.EDITOR, "unarchive campaigns")
        approvals = await self._state.approvals(actor.tenant_id, campaign_id)
        version = await self._state.active_version(actor.tenant_id, campaign_id)

        def change(campaign: Campaign) -> Campaign:
            if campaign.status is not CampaignStatus.ARCHIVED:
                return campaign
            live = campaign.model_copy(update={"status": CampaignStatus.DRAFT})
            status = derive_status(live, approvals, version)
            return campaign.model_copy(update={"status": status, "updated_at": self._clock.now()})

        restored = await self._store.campaigns.modify(actor.tenant_id, campaign_id, change)
        await self._record(actor, "campaign.unarchived", campaign_id)
        return restored

    async def delete_post(self, actor: Actor, post_id: str) -> None:
        """Remove a post from the schedule (an approved schedule goes back to needs_review).

        Raises:
            NotFound: no such post in the actor's workspace.
            InvalidInput: its campaign is archived.
        """
        await self._access.require(actor, Role.EDITOR, "change posts")
        post = await self._store.posts.get(actor.tenant_id, post_id)
        reason = f"a post for {post.channel} was deleted"
        await self._delete(actor, self._store.posts, post, ApprovalScope.SCHEDULE, reason)

    async def delete_ad_plan(self, actor: Actor, plan_id: str) -> None:
        """Remove an ad plan (approved ads go back to needs_review).

        Raises:
            NotFound: no such ad plan in the actor's workspace.
            InvalidInput: its campaign is archived.
        """
        await self._access.require(actor, Role.EDITOR, "change ad plans")
        plan = await self._store.ad_plans.get(actor.tenant_id, plan_id)
        reason = f"the ad plan {plan.name!r} was deleted"
        await self._delete(actor, self._store.ad_plans, plan, ApprovalScope.ADS, reason)

    # ------------------------------------------------------------------ helpers

    async def _writable(self, actor: Actor, campaign_id: str) -> Campaign:
        """The campaign, if it may be changed (NotFound, or InvalidInput when archived)."""
        campaign = await self._state.campaign(actor.tenant_id, campaign_id)
        check_writable(campaign)
        return campaign

    async def _delete(
        self,
        actor: Actor,
        records: PostRepository | AdPlanRepository,
        record: Post | AdPlan,
        scope: ApprovalScope,
        reason: str,
    ) -> None:
        """Delete a post or an ad plan of a campaign that may be changed, as a change of
        ``scope``."""
        await self._writable(actor, record.campaign_id)
        await records.delete(actor.tenant_id, record.id)
        noun = "post" if isinstance(record, Post) else "ad plan"
        action = f"{noun.replace(' ', '_')}.deleted"
        await self._changed(actor, record.campaign_id, scope, action, noun, record.id, reason)

    async def _edit(self, actor: Actor, campaign_id: str, action: str, **fields: Any) -> Campaign:
        """Set ``fields`` on the stored campaign (refused if it was archived meanwhile)."""

        def change(campaign: Campaign) -> Campaign:
            if fields.get("status") is not CampaignStatus.ARCHIVED:
                check_writable(campaign)
            return campaign.model_copy(update={**fields, "updated_at": self._clock.now()})

        changed = await self._store.campaigns.modify(actor.tenant_id, campaign_id, change)
        await self._record(actor, action, campaign_id, **fields)
        return changed

    async def _record(self, actor: Actor, action: str, campaign_id: str, **details: Any) -> None:
        await self._activity.record(
            actor,
            action,
            object_type="campaign",
            object_id=campaign_id,
            campaign_id=campaign_id,
            **details,
        )

    async def _changed(
        self,
        actor: Actor,
        campaign_id: str,
        scope: ApprovalScope,
        action: str,
        object_type: str,
        object_id: str,
        reason: str,
    ) -> None:
        """Record ``action``; a change to an approved ``scope`` sends it back to needs_review."""
        await self._activity.record(
            actor, action, object_type=object_type, object_id=object_id, campaign_id=campaign_id
        )
        approvals = await self._state.approvals(actor.tenant_id, campaign_id)
        if approvals[scope].state is ApprovalState.APPROVED:
            await self._cascade.invalidate_scope(actor, campaign_id, scope, reason=reason)
