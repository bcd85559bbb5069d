"""CampaignsService: campaigns, their schedule and ad plans, the calendar, and publishing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from app.domain import Actor, Approval, ApprovalScope, Campaign, Role
from app.domain.campaigns import PublishListener, normalise_channels
from app.domain.errors import InvalidInput, PublishBlocked
from app.domain.guidance import find_blockers
from app.domain.validation import build
from app.ports.repositories import Store
from app.services.approval_cascade import ApprovalCascade
from app.services.campaign_plans import CampaignPlans
from app.services.campaign_state import CampaignState
from app.services.context import ServiceContext
from app.services.operations import public_calls
from app.services.publisher import Publisher


@public_calls
class CampaignsService(CampaignPlans):
    """Campaigns from creation to publication.

    Creating a campaign initialises its four approvals as pending; its status then follows
    them (draft → in_review → ready → published). Changing the schedule or the ads after they
    were approved sends that approval back to needs_review. The schedule and the ads are in
    :class:`CampaignPlans`; renaming, archiving, the time zone and deletions in
    :class:`CampaignEdits`.
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
