"""Steps the workflow tests share: a campaign with a strategy, content and posts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from app.bootstrap import Core
from app.domain import ApprovalScope, Campaign, Creative, StrategyDraft
from tests.app.workflow.conftest import ANA, BEA

START = date(2027, 3, 1)
END = date(2027, 3, 28)
BERLIN = ZoneInfo("Europe/Berlin")


def full_draft(**changes: object) -> StrategyDraft:
    fields: dict[str, object] = {
        "objective": "Grow sign-ups",
        "target_audience": "Commuters",
        "key_messages": ("Skip the traffic",),
        "channels": ("instagram", "linkedin"),
        "tone": "Upbeat",
        "budget": {"amount": 5000, "currency": "EUR"},
        "kpis": ("sign-ups",),
        "call_to_action": "Start your trial",
    }
    return StrategyDraft.model_validate({**fields, **changes})


async def campaign_with_strategy(core: Core, **fields: object) -> Campaign:
    campaign = await core.campaigns.create_campaign(
        ANA,
        str(fields.pop("name", "Spring")),
        channels=("instagram", "linkedin"),
        start=START,
        end=END,
    )
    await core.strategies.create_strategy(ANA, campaign.id, full_draft())
    return campaign


async def text_creative(
    core: Core, campaign_id: str, channel: str = "instagram", title: str = "Launch post"
) -> Creative:
    return await core.creatives.create_text_creative(
        ANA,
        campaign_id,
        title=title,
        body=f"Skip the traffic. ({title}, {channel})",
        channel=channel,
    )


def at(day: int, hour: int = 9) -> datetime:
    """A Berlin time on day ``day`` of the campaign window."""
    return datetime.combine(START + timedelta(days=day), time(hour), tzinfo=BERLIN)


async def publishable_campaign(core: Core, picture: Path) -> Campaign:
    """A campaign with copy illustrated by ``picture``, one post, an ad plan and all four
    approvals given: nothing blocks its publication."""
    campaign = await campaign_with_strategy(core)
    copy = await text_creative(core, campaign.id)
    asset = await core.storage.upload(ANA, picture)
    await core.creatives.attach_asset(ANA, copy.id, asset.id)
    await core.campaigns.schedule_post(
        ANA, campaign.id, creative_id=copy.id, channel="instagram", at=at(1)
    )
    await core.campaigns.create_ad_plan(
        ANA,
        campaign.id,
        name="Push",
        channel="instagram",
        budget={"amount": 10, "currency": "EUR"},
        creative_ids=[copy.id],
    )
    for scope in ApprovalScope:
        await core.approvals.approve(BEA, campaign.id, scope)
    return campaign
