"""Campaign rename, archive and time zone, and deleting posts and ad plans, on every store."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar

from app.bootstrap import Core
from app.domain import ApprovalScope, ApprovalState, Campaign, CampaignStatus
from app.domain.errors import InvalidInput, NotFound
from tests.app.services.whole_core import whole_core  # noqa: F401 (the core fixture)
from tests.app.workflow.conftest import ANA, BEA, GUS
from tests.app.workflow.helpers import at, campaign_with_strategy, full_draft, text_creative

EUR = {"amount": 100, "currency": "EUR"}


async def _state(core: Core, campaign_id: str, scope: ApprovalScope) -> ApprovalState:
    return (await core.approvals.get_approvals(ANA, campaign_id))[scope].state


async def _approved(core: Core, scope: ApprovalScope) -> Campaign:
    campaign = await campaign_with_strategy(core)
    for each in (ApprovalScope.STRATEGY, scope):
        await core.approvals.approve(BEA, campaign.id, each)
    return campaign


async def test_a_campaign_is_renamed_and_a_bad_name_is_refused(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    renamed = await core.campaigns.rename_campaign(ANA, campaign.id, "  Summer  ")
    assert renamed.name == "Summer"
    assert (await core.campaigns.get_campaign(ANA, campaign.id)).name == "Summer"
    with pytest.raises(InvalidInput, match="name"):
        await core.campaigns.rename_campaign(ANA, campaign.id, " ")
    with pytest.raises(NotFound):
        await core.campaigns.rename_campaign(GUS, campaign.id, "Mine")


async def test_an_archived_campaign_is_listed_as_archived_and_read_only(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    creative = await text_creative(core, campaign.id)
    post = await core.campaigns.schedule_post(
        ANA, campaign.id, creative_id=creative.id, channel="instagram", at=at(1)
    )
    archived = await core.campaigns.archive_campaign(ANA, campaign.id)
    assert archived.status is CampaignStatus.ARCHIVED
    listed = {c.id: c.status for c in await core.campaigns.list_campaigns(ANA)}
    assert listed == {campaign.id: CampaignStatus.ARCHIVED}
    refused: list[Callable[[], Awaitable[object]]] = [
        lambda: core.campaigns.rename_campaign(ANA, campaign.id, "Other"),
        lambda: core.campaigns.set_time_zone(ANA, campaign.id, "Europe/Paris"),
        lambda: core.campaigns.schedule_post(
            ANA, campaign.id, creative_id=creative.id, channel="instagram", at=at(2)
        ),
        lambda: core.campaigns.update_post(ANA, post.id, at=at(3)),
        lambda: core.campaigns.delete_post(ANA, post.id),
        lambda: core.campaigns.create_ad_plan(
            ANA, campaign.id, name="Push", channel="instagram", budget=EUR
        ),
        lambda: core.creatives.create_text_creative(ANA, campaign.id, title="T", body="B"),
        lambda: core.creatives.edit_text(ANA, creative.id, "New copy"),
        lambda: core.creatives.delete_creative(ANA, creative.id),
        lambda: core.creatives.attach_asset(ANA, creative.id, creative.asset_ids[0]),
        lambda: core.creatives.regenerate(ANA, campaign.id),
        lambda: core.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Calm")),
        lambda: core.approvals.approve(BEA, campaign.id, ApprovalScope.STRATEGY),
        lambda: core.approvals.reject(BEA, campaign.id, ApprovalScope.STRATEGY, reason="No"),
        lambda: core.approvals.invalidate_dependents(ANA, campaign.id, reason="Changed"),
    ]
    for call in refused:
        with pytest.raises(InvalidInput, match="archived"):
            await call()
    assert await core.campaigns.list_posts(ANA, campaign.id) == [post]
    assert (await core.creatives.get_creative(ANA, creative.id)).body == creative.body
    restored = await core.campaigns.unarchive_campaign(ANA, campaign.id)
    assert restored.status is CampaignStatus.DRAFT
    assert (await core.campaigns.rename_campaign(ANA, campaign.id, "Back")).name == "Back"


async def test_unarchiving_gives_back_the_status_the_approvals_imply(core: Core) -> None:
    campaign = await _approved(core, ApprovalScope.CONTENT)
    await core.campaigns.archive_campaign(ANA, campaign.id)
    assert (await core.campaigns.archive_campaign(ANA, campaign.id)).status == "archived"
    restored = await core.campaigns.unarchive_campaign(ANA, campaign.id)
    assert restored.status is CampaignStatus.IN_REVIEW


async def test_a_campaign_keeps_a_known_iana_time_zone(core: Core) -> None:
    default = await core.campaigns.create_campaign(ANA, "Plain")
    assert default.time_zone == "UTC"
    zoned = await core.campaigns.create_campaign(ANA, "Kiwi", time_zone="Pacific/Auckland")
    assert (await core.campaigns.get_campaign(ANA, zoned.id)).time_zone == "Pacific/Auckland"
    with pytest.raises(InvalidInput, match="Mars/Olympus"):
        await core.campaigns.create_campaign(ANA, "Red", time_zone="Mars/Olympus")
    with pytest.raises(InvalidInput, match="Mars/Olympus"):
        await core.campaigns.set_time_zone(ANA, zoned.id, "Mars/Olympus")
    moved = await core.campaigns.set_time_zone(ANA, zoned.id, "Europe/Paris")
    assert (await core.campaigns.get_campaign(ANA, zoned.id)).time_zone == moved.time_zone


def test_campaigns_stored_before_time_zones_load_in_utc() -> None:
    stored = {"id": "c1", "tenant_id": "acme", "name": "Old", "created_by": "ana"}
    assert Campaign.model_validate(stored).time_zone == "UTC"


async def test_the_window_is_read_in_the_campaigns_zone_near_midnight(core: Core) -> None:
    campaign = await core.campaigns.create_campaign(
        ANA,
        "Kiwi",
        channels=("instagram",),
        start=date(2027, 3, 2),
        end=date(2027, 3, 3),
        time_zone="Pacific/Auckland",
    )
    await core.strategies.create_strategy(ANA, campaign.id, full_draft(channels=("instagram",)))
    creative = await text_creative(core, campaign.id)

    async def schedule(moment: str) -> None:
        await core.campaigns.schedule_post(
            ANA, campaign.id, creative_id=creative.id, channel="instagram", at=moment
        )

    # 12:30 UTC on 1 March is 01:30 on 2 March in Auckland (UTC+13): inside the window.
    await schedule("2027-03-01T12:30Z")
    # 11:30 UTC on 3 March is 00:30 on 4 March there: after it, though still 3 March in UTC.
    with pytest.raises(InvalidInput, match="after the campaign ends"):
        await schedule("2027-03-03T11:30Z")
    text = await core.campaigns.export_calendar(ANA, campaign.id)
    assert "DTSTART;TZID=Pacific/Auckland:20270302T013000" in text
    (event,) = Calendar.from_ical(text).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2027, 3, 1, 12, 30, tzinfo=UTC)


async def test_deleting_a_post_sends_an_approved_schedule_back_to_review(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    creative = await text_creative(core, campaign.id)
    post = await core.campaigns.schedule_post(
        ANA, campaign.id, creative_id=creative.id, channel="instagram", at=at(1)
    )
    for scope in (ApprovalScope.STRATEGY, ApprovalScope.SCHEDULE):
        await core.approvals.approve(BEA, campaign.id, scope)
    with pytest.raises(NotFound):
        await core.campaigns.delete_post(GUS, post.id)
    await core.campaigns.delete_post(ANA, post.id)
    assert await core.campaigns.list_posts(ANA, campaign.id) == []
    assert await _state(core, campaign.id, ApprovalScope.SCHEDULE) is ApprovalState.NEEDS_REVIEW
    with pytest.raises(NotFound):
        await core.campaigns.delete_post(ANA, post.id)


async def test_deleting_an_ad_plan_sends_approved_ads_back_to_review(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    plan = await core.campaigns.create_ad_plan(
        ANA, campaign.id, name="Push", channel="instagram", budget=EUR
    )
    kept = await core.campaigns.create_ad_plan(
        ANA, campaign.id, name="Kept", channel="instagram", budget=EUR
    )
    for scope in (ApprovalScope.STRATEGY, ApprovalScope.ADS):
        await core.approvals.approve(BEA, campaign.id, scope)
    await core.campaigns.delete_ad_plan(ANA, plan.id)
    assert [p.id for p in await core.campaigns.list_ad_plans(ANA, campaign.id)] == [kept.id]
    assert await _state(core, campaign.id, ApprovalScope.ADS) is ApprovalState.NEEDS_REVIEW
    actions = [e.action for e in await core.activity.recent(ANA, campaign_id=campaign.id)]
    assert "ad_plan.deleted" in actions


async def test_deleting_while_not_approved_leaves_the_approval_alone(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    plan = await core.campaigns.create_ad_plan(
        ANA, campaign.id, name="Push", channel="instagram", budget=EUR
    )
    await core.campaigns.delete_ad_plan(ANA, plan.id)
    assert await _state(core, campaign.id, ApprovalScope.ADS) is ApprovalState.PENDING
