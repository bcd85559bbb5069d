"""CampaignsService: campaigns, their schedule and ad plans, the calendar, and publishing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.domain import (
    Actor,
    AdPlan,
    Approval,
    ApprovalScope,
    Campaign,
    Post,
    Role,
)
from app.domain.campaigns import (
    PublishListener,
    check_channel,
    check_in_window,
    normalise_channels,
    post_time,
)
from app.domain.errors import InvalidInput, PublishBlocked
from app.domain.guidance import find_blockers
from app.domain.validation import build
from app.ports.repositories import Store
from app.services.approval_cascade import ApprovalCascade
from app.services.calendar_export import render_calendar
from app.services.campaign_edits import CampaignEdits
from app.services.campaign_state import CampaignState
from app.services.context import ServiceContext
from app.services.operations import public_calls
from app.services.publisher import Publisher


@public_calls
class CampaignsService(CampaignEdits):
    """Campaigns from creation to publication.

    Creating a campaign initialises its four approvals as pending; its status then follows
    them (draft → in_review → ready → published). Changing the schedule or the ads after they
    were approved sends that approval back to needs_review. Renaming, archiving, the time zone
    and deletions are in :class:`CampaignEdits`.
    """

    def __init__(
        self,
        *,
        context: ServiceContext,
        store: Store,
        cascade: ApprovalCascade,
        state: CampaignState,
        publisher: Publisher,
    ) -> None:
        self._store = store
        self._cascade = cascade
        self._state = state
        self._publisher = publisher
        self._access = context.access
        self._activity = context.activity
        self._clock = context.clock

    async def create_campaign(
        self,
        actor: Actor,
        name: str,
        *,
        description: str = "",
        channels: Iterable[str] = (),
        start: date | None = None,
        end: date | None = None,
        time_zone: str = "UTC",
    ) -> Campaign:
        """A new draft campaign with its strategy, content, schedule and ads approvals.

        Args:
            time_zone: The IANA zone its window's dates and its calendar are read in
                (InvalidInput naming it when unknown).
        """
        await self._access.require(actor, Role.EDITOR, "create campaigns")
        now = self._clock.now()
        campaign: Campaign = build(
            Campaign,
            **{
                "tenant_id": actor.tenant_id,
                "name": name,
                "description": description,
                "channels": normalise_channels(channels),
                "start": start,
                "end": end,
                "time_zone": time_zone,
                "created_by": actor.user_id,
                "created_at": now,
                "updated_at": now,
            },
        )
        approvals = [
            Approval(
                tenant_id=actor.tenant_id,
                campaign_id=campaign.id,
                scope=scope,
                created_at=now,
                updated_at=now,
            )
            for scope in ApprovalScope
        ]
        # Approvals first: a campaign is never visible without its four approvals.
        await self._store.approvals.add_many(approvals)
        stored = await self._store.campaigns.add(campaign)
        await self._activity.record(
            actor,
            "campaign.created",
            object_type="campaign",
            object_id=stored.id,
            campaign_id=stored.id,
            name=stored.name,
        )
        return stored

    async def get_campaign(self, actor: Actor, campaign_id: str) -> Campaign:
        await self._access.require(actor, Role.VIEWER, "see campaigns")
        return await self._store.campaigns.get(actor.tenant_id, campaign_id)

    async def list_campaigns(self, actor: Actor) -> list[Campaign]:
        """The workspace's campaigns, newest first (one cheap query)."""
        await self._access.require(actor, Role.VIEWER, "see campaigns")
        return await self._store.campaigns.list(actor.tenant_id)

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

    # ------------------------------------------------------------------ publishing

    async def publish(
        self, actor: Actor, campaign_id: str, *, progress: PublishListener | None = None
    ) -> Campaign:
        """Publish: write the bundle (manifest, assets, calendar) and mark the campaign
        published; ``progress`` is told each step (the media copied one by one, the upload of
        a shared bundle).

        Raises:
            PublishBlocked: something blocks it; ``blockers`` lists every reason (the same list
                the prompting engine shows).
        """
        await self._access.require(actor, Role.EDITOR, "publish campaigns")
        snapshot = await self._state.snapshot(actor.tenant_id, campaign_id)
        blockers = find_blockers(snapshot)
        if blockers:
            raise PublishBlocked([blocker.message for blocker in blockers])
        published = await self._publisher.publish(
            actor, snapshot, published_at=self._clock.now(), progress=progress
        )
        await self._activity.record(
            actor,
            "campaign.published",
            object_type="campaign",
            object_id=campaign_id,
            campaign_id=campaign_id,
            strategy_version=published.published_strategy_version,
            bundle=published.bundle_path,
            bundle_key=published.bundle_key,
        )
        return published

    async def download_bundle(
        self, actor: Actor, campaign_id: str, *, strategy_version: int | None = None
    ) -> Path:
        """The folder of a publication's bundle on this workstation (the latest, or the one of
        ``strategy_version``): the folder written here, or else the shared copy a teammate's
        publish uploaded, downloaded and unpacked into this data folder's exports.

        Raises:
            InvalidInput: the campaign has no such publication.
            NotFound: the bundle was written on another workstation without shared media (R2).
        """
        await self._access.require(actor, Role.VIEWER, "open publish bundles")
        campaign = await self._state.campaign(actor.tenant_id, campaign_id)
        latest = strategy_version in (None, campaign.published_strategy_version)
        if latest and campaign.bundle_path:
            return await self._publisher.fetch(campaign.bundle_path, campaign.bundle_key)
        for entry in await self._activity.recent(actor, campaign_id=campaign_id, limit=1000):
            details = entry.details
            if entry.action == "campaign.published" and (
                details.get("strategy_version") == strategy_version
            ):
                key = details.get("bundle_key")
                return await self._publisher.fetch(
                    str(details.get("bundle") or ""), str(key) if key else None
                )
        version = f"strategy version {strategy_version} of " if strategy_version else ""
        raise InvalidInput(f"{version}campaign {campaign.name!r} has not been published")
