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
        published); a no-op when it already is.

        The status is computed from approvals read before the campaign is written, so a
        concurrent vote may land in between and its own refresh may write first; the
        approvals are therefore read again after the write, and the status refreshed again
        until they held still (the last writer always saw the last vote).
        """
        tenant_id = actor.tenant_id
        seen = await self._approval_facts(tenant_id, campaign_id)
        while True:
            campaign = await self._write_status(tenant_id, campaign_id, *seen)
            latest = await self._approval_facts(tenant_id, campaign_id)
            if _revisions(latest) == _revisions(seen):
                return campaign
            seen = latest

    async def _write_status(
        self,
        tenant_id: str,
        campaign_id: str,
        approvals: Mapping[ApprovalScope, Approval],
        version: int | None,
    ) -> Campaign:
        def change(campaign: Campaign) -> Campaign:
            status = derive_status(campaign, approvals, version)
            if status is campaign.status:
                return campaign
            return campaign.model_copy(update={"status": status, "updated_at": self._clock.now()})

        return await self._store.campaigns.modify(tenant_id, campaign_id, change)

    async def _approval_facts(
        self, tenant_id: str, campaign_id: str
    ) -> tuple[Mapping[ApprovalScope, Approval], int | None]:
        return (
            await self.approvals(tenant_id, campaign_id),
            await self.active_version(tenant_id, campaign_id),
        )


def _revisions(facts: tuple[Mapping[ApprovalScope, Approval], int | None]) -> tuple[object, ...]:
    approvals, version = facts
    return version, sorted((scope.value, a.revision) for scope, a in approvals.items())
