"""The campaign calls that plan what a campaign publishes: its schedule of posts (and the
schedule as a calendar) and its ad plans (part of :class:`CampaignsService`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from app.domain import Actor, AdPlan, ApprovalScope, Post, Role
from app.domain.campaigns import check_channel, check_in_window, post_time
from app.domain.errors import InvalidInput
from app.domain.validation import build
from app.services.calendar_export import render_calendar
from app.services.campaign_edits import CampaignEdits
from app.services.operations import public_calls


@public_calls
class CampaignPlans(CampaignEdits):
    """Scheduling posts and planning ads, each checked against the campaign's window, channels
    and creatives.

    A change to an approved schedule or approved ads sends that approval back to
    needs_review. The helpers shared with renaming, archiving and deleting (which campaign may
    change, recording a change) are :class:`CampaignEdits`', whose attributes
    ``CampaignsService.__init__`` sets.
    """

    # ------------------------------------------------------------------ schedule

    async def schedule_post(
        self,
        actor: Actor,
        campaign_id: str,
        *,
        creative_id: str,
        channel: str,
        at: datetime | str,
        time_zone: str | None = None,
    ) -> Post:
        """Schedule a creative of this campaign on a channel at a moment inside the campaign
        window (the window's dates are read in the campaign's time zone).

        Args:
            at: An aware ``datetime`` or an ISO 8601 string (``2026-12-20T09:00+01:00``); one
                without offset is read in ``time_zone``.
            time_zone: The IANA zone the post keeps (``Europe/Paris``): it follows daylight
                saving and the calendar names it. A ``zoneinfo`` datetime names its own.

        Raises:
            InvalidInput: The time names no moment, contradicts ``time_zone`` or lies outside
                the window; the creative or channel is not the campaign's; the campaign is
                archived.
        """
        await self._access.require(actor, Role.EDITOR, "schedule posts")
        campaign = await self._writable(actor, campaign_id)
        creative = await self._store.creatives.get(actor.tenant_id, creative_id)
        if creative.campaign_id != campaign.id:
            raise InvalidInput(f"{creative.title!r} belongs to another campaign")
        at, zone = post_time(at, time_zone)
        check_in_window(campaign, campaign.day_of(at), f"the post time {at.isoformat()}")
        now = self._clock.now()
        post: Post = build(
            Post,
            **{
                "tenant_id": actor.tenant_id,
                "campaign_id": campaign.id,
                "creative_id": creative.id,
                "channel": channel,
                "at": at,
                "time_zone": zone,
                "created_by": actor.user_id,
                "created_at": now,
                "updated_at": now,
            },
        )
        check_channel(campaign, post.channel)
        stored = await self._store.posts.add(post)
        await self._changed(
            actor,
            campaign.id,
            ApprovalScope.SCHEDULE,
            "post.scheduled",
            "post",
            stored.id,
            f"a post was scheduled for {stored.channel}",
        )
        return stored

    async def update_post(
        self,
        actor: Actor,
        post_id: str,
        *,
        creative_id: str | None = None,
        channel: str | None = None,
        at: datetime | str | None = None,
        time_zone: str | None = None,
    ) -> Post:
        """Move a post, or give it another creative or channel (same rules as scheduling; a
        new ``at`` with an offset only keeps the post's zone if the zone has that offset)."""
        await self._access.require(actor, Role.EDITOR, "change posts")
        post = await self._store.posts.get(actor.tenant_id, post_id)
        campaign = await self._writable(actor, post.campaign_id)
        changes: dict[str, Any] = {}
        if creative_id is not None:
            creative = await self._store.creatives.get(actor.tenant_id, creative_id)
            if creative.campaign_id != campaign.id:
                raise InvalidInput(f"{creative.title!r} belongs to another campaign")
            changes["creative_id"] = creative.id
        if at is not None:
            moment, zone = post_time(at, time_zone)
            if zone is None and post.time_zone is not None:
                with contextlib.suppress(InvalidInput):  # the offset disagrees: offset only
                    moment, zone = post_time(moment, post.time_zone)
            when = f"the post time {moment.isoformat()}"
            check_in_window(campaign, campaign.day_of(moment), when)
            changes |= {"at": moment, "time_zone": zone}
        if channel is not None:
            changes["channel"] = channel
        if not changes:
            return post
        candidate: Post = build(Post, **{**post.__dict__, **changes})
        check_channel(campaign, candidate.channel)

        def change(current: Post) -> Post:
            return current.model_copy(
                update={**changes, "channel": candidate.channel, "updated_at": self._clock.now()}
            )

        updated = await self._store.posts.modify(actor.tenant_id, post_id, change)
        await self._changed(
            actor,
            campaign.id,
            ApprovalScope.SCHEDULE,
            "post.changed",
            "post",
            post_id,
            "a post was changed",
        )
        return updated

    async def list_posts(self, actor: Actor, campaign_id: str) -> list[Post]:
        """The campaign's posts in time order."""
        await self._access.require(actor, Role.VIEWER, "see the schedule")
        await self._state.campaign(actor.tenant_id, campaign_id)
        return await self._store.posts.list_for_campaign(actor.tenant_id, campaign_id)

    async def export_calendar(self, actor: Actor, campaign_id: str) -> str:
        """The schedule as an iCalendar document."""
        await self._access.require(actor, Role.VIEWER, "export the schedule")
        snapshot = await self._state.snapshot(actor.tenant_id, campaign_id)
        creatives = {creative.id: creative for creative in snapshot.creatives}
        return render_calendar(
            snapshot.campaign, snapshot.posts, creatives, generated_at=self._clock.now()
        )

    # ------------------------------------------------------------------ ads

    async def create_ad_plan(
        self,
        actor: Actor,
        campaign_id: str,
        *,
        name: str,
        channel: str,
        budget: Mapping[str, Any] | Any,
        audience: str = "",
        creative_ids: Iterable[str] = (),
        start: date | None = None,
        end: date | None = None,
    ) -> AdPlan:
        """A paid placement of some of the campaign's creatives."""
        await self._access.require(actor, Role.EDITOR, "plan ads")
        campaign = await self._writable(actor, campaign_id)
        ids = tuple(dict.fromkeys(creative_ids))
        for creative_id in ids:
            creative = await self._store.creatives.get(actor.tenant_id, creative_id)
            if creative.campaign_id != campaign.id:
                raise InvalidInput(f"{creative.title!r} belongs to another campaign")
        for day, what in ((start, "the ad plan's start"), (end, "the ad plan's end")):
            if day is not None:
                check_in_window(campaign, day, f"{what} {day}")
        now = self._clock.now()
        plan: AdPlan = build(
            AdPlan,
            **{
                "tenant_id": actor.tenant_id,
                "campaign_id": campaign.id,
                "name": name,
                "channel": channel,
                "budget": budget,
                "audience": audience,
                "creative_ids": ids,
                "start": start,
                "end": end,
                "created_by": actor.user_id,
                "created_at": now,
                "updated_at": now,
            },
        )
        check_channel(campaign, plan.channel)
        stored = await self._store.ad_plans.add(plan)
        await self._changed(
            actor,
            campaign.id,
            ApprovalScope.ADS,
            "ad_plan.created",
            "ad plan",
            stored.id,
            f"the ad plan {stored.name!r} was added",
        )
        return stored

    async def update_ad_plan(
        self,
        actor: Actor,
        plan_id: str,
        *,
        creative_ids: Iterable[str] | None = None,
        budget: Mapping[str, Any] | Any | None = None,
        audience: str | None = None,
    ) -> AdPlan:
        """Change an ad plan's creatives, budget or audience."""
        await self._access.require(actor, Role.EDITOR, "change ad plans")
        plan = await self._store.ad_plans.get(actor.tenant_id, plan_id)
        await self._writable(actor, plan.campaign_id)
        changes: dict[str, Any] = {}
        if creative_ids is not None:
            ids = tuple(dict.fromkeys(creative_ids))
            for creative_id in ids:
                creative = await self._store.creatives.get(actor.tenant_id, creative_id)
                if creative.campaign_id != plan.campaign_id:
                    raise InvalidInput(f"{creative.title!r} belongs to another campaign")
            changes["creative_ids"] = ids
        if budget is not None:
            changes["budget"] = budget
        if audience is not None:
            changes["audience"] = audience
        if not changes:
            return plan
        candidate: AdPlan = build(AdPlan, **{**plan.__dict__, **changes})

        def change(current: AdPlan) -> AdPlan:
            return current.model_copy(
                update={
                    "creative_ids": candidate.creative_ids,
                    "budget": candidate.budget,
                    "audience": candidate.audience,
                    "updated_at": self._clock.now(),
                }
            )

        updated = await self._store.ad_plans.modify(actor.tenant_id, plan_id, change)
        await self._changed(
            actor,
            plan.campaign_id,
            ApprovalScope.ADS,
            "ad_plan.changed",
            "ad plan",
            plan_id,
            f"the ad plan {plan.name!r} changed",
        )
        return updated

    async def list_ad_plans(self, actor: Actor, campaign_id: str) -> list[AdPlan]:
        await self._access.require(actor, Role.VIEWER, "see ad plans")
        await self._state.campaign(actor.tenant_id, campaign_id)
        return await self._store.ad_plans.list_for_campaign(actor.tenant_id, campaign_id)
