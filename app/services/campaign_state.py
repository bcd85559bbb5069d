"""Reading a campaign's whole state at once, and keeping its status in step with its approvals."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from app.domain import Actor, Approval, ApprovalScope, Campaign
from app.domain.errors import InvalidInput
from app.domain.guidance import CampaignSnapshot, derive_status
from app.ports.clock import Clock
from app.ports.repositories import Store
from app.services.concurrency import mutate

E = TypeVar("E", bound=StrEnum)


def parse_enum(kind: type[E], value: Any, what: str) -> E:
    """``value`` as the enum ``kind``; InvalidInput naming the choices otherwise."""
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise InvalidInput(f"unknown {what} {value!r}; choose one of {choices}") from None


class CampaignState:
    """Shared reads of the workflow services, and the campaign-status upkeep.

    Args:
        store: the repositories.
        clock: the time for status changes.
    """

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def campaign(self, tenant_id: str, campaign_id: str) -> Campaign:
        return await self._store.campaigns.get(tenant_id, campaign_id)

    async def approvals(self, tenant_id: str, campaign_id: str) -> dict[ApprovalScope, Approval]:
        rows = await self._store.approvals.list_for_campaign(tenant_id, campaign_id)
        return {approval.scope: approval for approval in rows}

    async def snapshot(self, tenant_id: str, campaign_id: str) -> CampaignSnapshot:
        """Everything the guidance rules need, read now (NotFound for an unknown campaign)."""
        store = self._store
        campaign = await store.campaigns.get(tenant_id, campaign_id)
        return CampaignSnapshot(
            campaign=campaign,
            strategy=await store.strategies.find_active(tenant_id, campaign_id),
            approvals=await self.approvals(tenant_id, campaign_id),
            creatives=await store.creatives.list_for_campaign(tenant_id, campaign_id),
            posts=await store.posts.list_for_campaign(tenant_id, campaign_id),
            ad_plans=await store.ad_plans.list_for_campaign(tenant_id, campaign_id),
        )

    async def active_version(self, tenant_id: str, campaign_id: str) -> int | None:
        strategy = await self._store.strategies.find_active(tenant_id, campaign_id)
        return strategy.version if strategy else None

    async def refresh_status(self, actor: Actor, campaign_id: str) -> Campaign:
        """Set the campaign's status to what its approvals imply (draft, in_review, ready,
        published); a no-op when it already is."""
        approvals: Mapping[ApprovalScope, Approval] = await self.approvals(
            actor.tenant_id, campaign_id
        )
        version = await self.active_version(actor.tenant_id, campaign_id)

        def change(campaign: Campaign) -> Campaign:
            status = derive_status(campaign, approvals, version)
            if status is campaign.status:
                return campaign
            return campaign.model_copy(update={"status": status, "updated_at": self._clock.now()})

        return await mutate(self._store.campaigns, actor.tenant_id, campaign_id, change)
