"""CampaignsService on both stores: campaigns, posts, ad plans, the calendar and publishing
(blockers, the bundle, republishing a new strategy version), roles and tenant isolation."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from app.bootstrap import Core
from app.domain import Actor, ApprovalScope, ApprovalState, CampaignStatus, CreativeKind
from app.domain.errors import InvalidInput, NotFound, PermissionDenied, PublishBlocked
from tests import samples
from tests.app.workflow.conftest import ANA, BEA, GUS, VIC
from tests.app.workflow.helpers import (
    BERLIN,
    END,
    START,
    at,
    campaign_with_strategy,
    full_draft,
    text_creative,
)

SCOPES = list(ApprovalScope)
EUR = {"amount": 10, "currency": "EUR"}


def _exports(core: Core) -> Path:
    return core.settings.data_dir / "exports"


async def _post(
    core: Core, campaign_id: str, creative_id: str, when: datetime, channel: str = "instagram"
) -> Any:
    return await core.campaigns.schedule_post(
        ANA, campaign_id, creative_id=creative_id, channel=channel, at=when
    )


async def _status(core: Core, campaign_id: str) -> CampaignStatus:
    return (await core.campaigns.get_campaign(ANA, campaign_id)).status


async def _approval(core: Core, campaign_id: str, scope: ApprovalScope) -> Any:
    return (await core.approvals.get_approvals(ANA, campaign_id))[scope]


async def _approve(core: Core, campaign_id: str, *scopes: ApprovalScope) -> None:
    for scope in scopes or SCOPES:
        await core.approvals.approve(BEA, campaign_id, scope)


async def _without_output(core: Core, campaign_id: str) -> Any:
    """An image creative whose render has produced nothing yet, made in the store directly so
    that the test does not depend on the render queue."""
    made = await text_creative(core, campaign_id, channel="linkedin", title="Teaser")
    image = {"kind": CreativeKind.IMAGE, "body": "", "prompt": "a bike", "asset_ids": ()}
    return await core.store.creatives.update(made.model_copy(update=image))


async def test_a_new_campaign_is_a_draft_with_four_pending_approvals(core: Core) -> None:
    campaign = await core.campaigns.create_campaign(
        ANA,
        "  Spring  ",
        description="Bikes",
        start=START,
        end=END,
        channels=("Instagram", "instagram", " LinkedIn "),
    )
    assert (campaign.name, campaign.description, campaign.created_by) == ("Spring", "Bikes", "ana")
    assert (campaign.status, campaign.start, campaign.end) == (CampaignStatus.DRAFT, START, END)
    approvals = await core.approvals.get_approvals(ANA, campaign.id)
    assert list(approvals) == SCOPES
    states = [(a.state, a.votes, a.required_approvals) for a in approvals.values()]
    assert states == [(ApprovalState.PENDING, (), 1)] * 4
    assert await core.campaigns.get_campaign(ANA, campaign.id) == campaign
    assert campaign.channels == ("instagram", "linkedin")  # de-duplicated after lower-casing


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [("", START, END), ("   ", START, END), ("x" * 201, START, END), ("Spring", END, START)],
)
async def test_bad_campaign_input_creates_nothing(
    core: Core, monkeypatch: pytest.MonkeyPatch, name: str, start: Any, end: Any
) -> None:
    written: list[object] = []

    async def spy(records: Any) -> None:
        written.append(records)

    monkeypatch.setattr(core.store.approvals, "add_many", spy)
    with pytest.raises(InvalidInput):
        await core.campaigns.create_campaign(ANA, name, channels=("x",), start=start, end=end)
    assert await core.campaigns.list_campaigns(ANA) == []
    assert written == []  # no approvals were stored
    assert await core.activity.recent(ANA) == []


async def test_campaigns_are_listed_newest_first_per_tenant(core: Core) -> None:
    first = await core.campaigns.create_campaign(ANA, "Spring")
    second = await core.campaigns.create_campaign(ANA, "Summer")
    theirs = await core.campaigns.create_campaign(GUS, "Globex launch")
    assert [c.id for c in await core.campaigns.list_campaigns(ANA)] == [second.id, first.id]
    assert [c.id for c in await core.campaigns.list_campaigns(GUS)] == [theirs.id]
    with pytest.raises(NotFound):
        await core.campaigns.get_campaign(GUS, first.id)
    with pytest.raises(NotFound):
        await core.campaigns.get_campaign(ANA, theirs.id)


async def test_posts_are_listed_in_time_order_and_keep_their_time_zone(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    creative = await text_creative(core, campaign.id)
    later = await _post(core, campaign.id, creative.id, at(5))
    # 03:30 in New York is 08:30 UTC: after 09:00 in Berlin (08:00 UTC) although "03" < "09".
    ny = datetime(2027, 3, 2, 3, 30, tzinfo=ZoneInfo("America/New_York"))
    american = await _post(core, campaign.id, creative.id, ny, channel="LinkedIn")
    first = await _post(core, campaign.id, creative.id, at(1))
    assert (first.channel, first.creative_id, first.at) == ("instagram", creative.id, at(1))
    assert american.channel == "linkedin"
    posts = await core.campaigns.list_posts(ANA, campaign.id)
    assert [p.id for p in posts] == [first.id, american.id, later.id]
    hours = [(p.at.hour, p.at.utcoffset() / timedelta(hours=1)) for p in posts]
    assert hours == [(9, 1), (3, -5), (9, 1)]


async def test_bad_posts_are_refused_and_nothing_is_stored(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    # The window's dates are read in the campaign's zone.
    await core.campaigns.set_time_zone(ANA, campaign.id, "Europe/Berlin")
    other = await campaign_with_strategy(core, name="Other")
    creative = await text_creative(core, campaign.id)
    foreign = await text_creative(core, other.id)
    first_minute = datetime.combine(START, time(0, 30), tzinfo=BERLIN)  # 23:30 UTC the day before
    last_minute = datetime.combine(END, time(23, 30), tzinfo=BERLIN)  # 21:30 UTC on END
    inside = [await _post(core, campaign.id, creative.id, t) for t in (first_minute, last_minute)]
    refused = [
        (creative.id, "instagram", datetime(2027, 3, 2, 9, 0)),  # naive
        (creative.id, "instagram", first_minute - timedelta(hours=1)),  # 23:30 on START - 1
        (creative.id, "instagram", last_minute + timedelta(hours=1)),  # 00:30 on END + 1
        # 00:30 on END + 1 in the campaign's zone (Berlin), whatever zone the post names.
        (creative.id, "instagram", datetime(2027, 3, 29, 8, 30, tzinfo=ZoneInfo("Asia/Tokyo"))),
        (foreign.id, "instagram", at(1)),
        (creative.id, "tiktok", at(1)),
    ]
    for creative_id, channel, moment in refused:
        with pytest.raises(InvalidInput):
            await _post(core, campaign.id, creative_id, moment, channel=channel)
    with pytest.raises(NotFound):
        await _post(core, campaign.id, "no-such-creative", at(1))
    assert await core.campaigns.list_posts(ANA, campaign.id) == inside
    assert await core.campaigns.list_posts(ANA, other.id) == []


async def test_update_post_moves_it_with_the_same_rules(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    other = await campaign_with_strategy(core, name="Other")
    first = await text_creative(core, campaign.id)
    second = await text_creative(core, campaign.id, channel="linkedin", title="Second")
    foreign = await text_creative(core, other.id)
    post = await _post(core, campaign.id, first.id, at(1))
    moved = await core.campaigns.update_post(ANA, post.id, at=at(3, 18))
    assert (moved.at, moved.creative_id, moved.channel) == (at(3, 18), first.id, "instagram")
    changed = await core.campaigns.update_post(
        ANA, post.id, creative_id=second.id, channel="LinkedIn"
    )
    assert (changed.creative_id, changed.channel, changed.at) == (second.id, "linkedin", at(3, 18))
    bad: list[dict[str, Any]] = [{"at": datetime(2027, 3, 5, 9)}, {"at": at(-1)}, {"at": at(28)}]
    for change in [*bad, {"creative_id": foreign.id}, {"channel": "tiktok"}]:
        with pytest.raises(InvalidInput):
            await core.campaigns.update_post(ANA, post.id, **change)
    with pytest.raises(NotFound):
        await core.campaigns.update_post(ANA, post.id, creative_id="no-such-creative")
    assert await core.campaigns.list_posts(ANA, campaign.id) == [changed]


async def test_changing_the_approved_schedule_sends_it_back_to_review(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    creative = await text_creative(core, campaign.id)
    await _approve(core, campaign.id, ApprovalScope.STRATEGY, ApprovalScope.SCHEDULE)
    post = await _post(core, campaign.id, creative.id, at(1))
    schedule = await _approval(core, campaign.id, ApprovalScope.SCHEDULE)
    last = schedule.timeline[-1]
    assert (schedule.state, schedule.votes) == (ApprovalState.NEEDS_REVIEW, ())
    assert (last.from_state, last.to_state) == (ApprovalState.APPROVED, ApprovalState.NEEDS_REVIEW)
    assert (last.actor_id, last.comment) == ("ana", "a post was scheduled for instagram")
    await _approve(core, campaign.id, ApprovalScope.SCHEDULE)
    await core.campaigns.update_post(ANA, post.id, at=at(2))
    schedule = await _approval(core, campaign.id, ApprovalScope.SCHEDULE)
    assert schedule.state is ApprovalState.NEEDS_REVIEW
    assert schedule.timeline[-1].comment == "a post was changed"


async def test_ad_plans_are_validated_and_changes_need_review(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    other = await campaign_with_strategy(core, name="Other")
    first = await text_creative(core, campaign.id)
    second = await text_creative(core, campaign.id, title="Second")
    foreign = await text_creative(core, other.id)
    spring: dict[str, Any] = {"name": "Spring push", "channel": "Instagram", "start": START}
    spring |= {"budget": {"amount": 1200, "currency": "eur"}, "audience": "Commuters", "end": END}
    twice = [first.id, first.id]
    plan = await core.campaigns.create_ad_plan(ANA, campaign.id, **spring, creative_ids=twice)
    assert (plan.name, plan.channel, plan.audience) == ("Spring push", "instagram", "Commuters")
    assert (plan.budget.amount, plan.budget.currency) == (Decimal(1200), "EUR")
    assert (plan.creative_ids, plan.start, plan.end) == ((first.id,), START, END)
    budgets = [{"amount": a, "currency": c} for a, c in ((-1, "EUR"), (1, "€"), (1, "EURO"))]
    refused: list[dict[str, Any]] = [{"budget": b} for b in budgets]
    refused += [{"creative_ids": [foreign.id]}, {"name": "  "}, {"start": END, "end": START}]
    refused += [{"start": START - timedelta(days=1)}, {"end": END + timedelta(days=1)}]
    for bad in refused:
        fields: dict[str, Any] = {"name": "Bad", "channel": "instagram", "budget": EUR, **bad}
        with pytest.raises(InvalidInput):
            await core.campaigns.create_ad_plan(ANA, campaign.id, **fields)
    for bad in refused[:4]:
        with pytest.raises(InvalidInput):
            await core.campaigns.update_ad_plan(ANA, plan.id, **bad)
    assert await core.campaigns.list_ad_plans(ANA, campaign.id) == [plan]
    await _approve(core, campaign.id, ApprovalScope.STRATEGY, ApprovalScope.ADS)
    changed = await core.campaigns.update_ad_plan(
        ANA, plan.id, budget={"amount": "1500.50", "currency": "EUR"}, creative_ids=[second.id]
    )
    assert (changed.budget.amount, changed.creative_ids) == (Decimal("1500.50"), (second.id,))
    assert changed.audience == "Commuters"
    assert await core.campaigns.list_ad_plans(ANA, campaign.id) == [changed]
    ads = await _approval(core, campaign.id, ApprovalScope.ADS)
    assert ads.state is ApprovalState.NEEDS_REVIEW
    assert ads.timeline[-1].from_state is ApprovalState.APPROVED
    assert ads.timeline[-1].comment == "the ad plan 'Spring push' changed"


async def test_the_calendar_has_one_event_per_post(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    empty = Calendar.from_ical(await core.campaigns.export_calendar(ANA, campaign.id))
    assert (str(empty["version"]), empty.walk("VEVENT")) == ("2.0", [])
    first = await text_creative(core, campaign.id)
    second = await text_creative(core, campaign.id, channel="linkedin", title="Second")
    expected = [
        (first, "instagram", at(1)),
        (second, "linkedin", at(2, 17)),
        (first, "linkedin", at(2, 17)),
    ]
    for creative, channel, moment in expected:
        await _post(core, campaign.id, creative.id, moment, channel=channel)
    text = await core.campaigns.export_calendar(ANA, campaign.id)
    events = Calendar.from_ical(text).walk("VEVENT")
    assert len(events) == 3
    assert len({str(event["uid"]) for event in events}) == 3
    found = [(event.decoded("dtstart"), str(event["summary"])) for event in events]
    assert all(start.tzinfo == BERLIN for start, _ in found)  # the posts' own zone
    assert sorted(start for start, _ in found) == sorted(m.astimezone(UTC) for *_, m in expected)
    for creative, channel, moment in expected:
        matching = [s for t, s in found if t == moment and channel in s and creative.title in s]
        assert matching, (creative.title, channel, moment, found)


async def test_publish_is_blocked_with_every_reason_and_writes_nothing(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    old = await text_creative(core, campaign.id)
    await _post(core, campaign.id, old.id, at(1))
    await core.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Calm"))
    fresh = await text_creative(core, campaign.id, title="Fresh")
    teaser = await _without_output(core, campaign.id)
    await _post(core, campaign.id, fresh.id, at(2))
    await _post(core, campaign.id, teaser.id, at(3, 10), channel="linkedin")
    with pytest.raises(PublishBlocked) as blocked:
        await core.campaigns.publish(ANA, campaign.id)
    stale = (
        "the instagram post of 2027-03-02 09:00 uses 'Launch post', made for strategy "
        "version 1, which was invalidated"
    )
    unrendered = (
        "the linkedin post of 2027-03-04 10:00 uses 'Teaser', which has no rendered output yet"
    )
    reviews = [f"the {scope} approval needs review" for scope in ("content", "schedule", "ads")]
    pending = "the strategy approval is pending"
    assert blocked.value.blockers == [pending, *reviews, stale, unrendered]
    await _approve(core, campaign.id)
    assert await _status(core, campaign.id) is CampaignStatus.READY
    with pytest.raises(PublishBlocked) as blocked:
        await core.campaigns.publish(ANA, campaign.id)
    assert blocked.value.blockers == [stale, unrendered]
    assert list(_exports(core).glob("*")) == []
    stored = await core.campaigns.get_campaign(ANA, campaign.id)
    assert stored.status is CampaignStatus.READY
    assert (stored.published_at, stored.bundle_path) == (None, None)
    actions = [e.action for e in await core.activity.recent(ANA, campaign_id=campaign.id)]
    assert "campaign.published" not in actions


async def _ready(core: Core, tmp_path: Path) -> tuple[str, list[str], str, str]:
    """Copy, a picture, two posts and an ad plan, all four approvals given; checks the status
    on the way (draft → in_review → ready). Returns campaign, posts, creative and plan ids."""
    campaign = await campaign_with_strategy(core)
    first = await text_creative(core, campaign.id)
    second = await text_creative(core, campaign.id, channel="linkedin", title="Second")
    picture = await core.storage.upload(ANA, samples.png(tmp_path / "Été – Ñandú.png"))
    await core.creatives.attach_asset(ANA, first.id, picture.id)
    posts = [
        (await _post(core, campaign.id, first.id, at(1))).id,
        (await _post(core, campaign.id, second.id, at(8), channel="linkedin")).id,
    ]
    plan = await core.campaigns.create_ad_plan(
        ANA, campaign.id, name="Push", channel="instagram", budget=EUR, creative_ids=[first.id]
    )
    assert await _status(core, campaign.id) is CampaignStatus.DRAFT
    await _approve(core, campaign.id, ApprovalScope.STRATEGY)
    assert await _status(core, campaign.id) is CampaignStatus.IN_REVIEW
    await _approve(core, campaign.id, *SCOPES[1:])
    assert await _status(core, campaign.id) is CampaignStatus.READY
    return campaign.id, posts, first.id, plan.id


async def test_publish_writes_the_bundle_and_marks_the_campaign_published(
    core: Core, tmp_path: Path
) -> None:
    campaign_id, post_ids, _, _ = await _ready(core, tmp_path)
    published = await core.campaigns.publish(ANA, campaign_id)
    assert (published.status, published.published_strategy_version) == (CampaignStatus.PUBLISHED, 1)
    assert published.published_at is not None
    assert await core.campaigns.get_campaign(ANA, campaign_id) == published
    bundle = Path(published.bundle_path or "")
    assert bundle.parent == _exports(core)
    assert [p.name for p in _exports(core).iterdir()] == [bundle.name]
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["campaign"]["id"], manifest["strategy"]["version"]) == (campaign_id, 1)
    approvals = {
        k: (a["state"], a["approved_by"], a["strategy_version"])
        for k, a in manifest["approvals"].items()
    }
    assert approvals == {scope.value: ("approved", ["bea"], 1) for scope in SCOPES}
    assert [p["id"] for p in manifest["posts"]] == post_ids
    creatives = await core.creatives.list_creatives(ANA, campaign_id)
    asset_ids = {a for c in creatives for a in c.asset_ids}
    assert len(asset_ids) == 3  # two copies and the picture
    assert sorted(a["id"] for a in manifest["assets"]) == sorted(asset_ids)
    for entry in manifest["assets"]:
        asset = await core.storage.get(ANA, entry["id"])
        data = (bundle / entry["file"]).read_bytes()
        assert data == await core.blobs.read_bytes(asset.storage_key)
        assert entry["sha256"] == asset.sha256 == hashlib.sha256(data).hexdigest()
    assert len(list((bundle / "assets").iterdir())) == 3
    assert any(entry["file"].endswith("-Été-Ñandú.png") for entry in manifest["assets"])
    calendar = Calendar.from_ical((bundle / "schedule.ics").read_text(encoding="utf-8"))
    assert len(calendar.walk("VEVENT")) == 2


async def test_a_published_version_is_published_once_and_a_new_version_again(
    core: Core, tmp_path: Path
) -> None:
    campaign_id, post_ids, _, plan_id = await _ready(core, tmp_path)
    first = await core.campaigns.publish(ANA, campaign_id)
    with pytest.raises(PublishBlocked) as blocked:
        await core.campaigns.publish(ANA, campaign_id)
    assert blocked.value.blockers == ["strategy version 1 is already published"]
    assert [p.name for p in _exports(core).iterdir()] == [Path(first.bundle_path or "").name]
    await core.strategies.update_strategy(ANA, campaign_id, full_draft(tone="Calm"))
    assert await _status(core, campaign_id) is CampaignStatus.IN_REVIEW
    fresh = await text_creative(core, campaign_id, title="Fresh")
    for post_id in post_ids:
        await core.campaigns.update_post(ANA, post_id, creative_id=fresh.id)
    await core.campaigns.update_ad_plan(ANA, plan_id, creative_ids=[fresh.id])
    await _approve(core, campaign_id)
    second = await core.campaigns.publish(ANA, campaign_id)
    assert (second.status, second.published_strategy_version) == (CampaignStatus.PUBLISHED, 2)
    bundles = {Path(b or "").name for b in (first.bundle_path, second.bundle_path)}
    assert len(bundles) == 2
    assert {p.name for p in _exports(core).iterdir()} == bundles
    manifest = json.loads((Path(second.bundle_path or "") / "manifest.json").read_text())
    assert manifest["strategy"]["version"] == 2
    assert [c["id"] for c in manifest["creatives"]] == [fresh.id]


async def test_two_publishes_at_once_publish_once_and_write_one_bundle(
    core: Core, tmp_path: Path
) -> None:
    campaign_id, *_ = await _ready(core, tmp_path)
    results = await asyncio.gather(
        core.campaigns.publish(ANA, campaign_id),
        core.campaigns.publish(ANA, campaign_id),
        return_exceptions=True,
    )
    published = [r for r in results if not isinstance(r, BaseException)]
    assert len(published) == 1
    assert [type(r) for r in results if isinstance(r, BaseException)] == [PublishBlocked]
    assert [p.name for p in _exports(core).iterdir()] == [Path(published[0].bundle_path).name]


Call = Callable[[], Awaitable[object]]


def _calls(core: Core, actor: Actor, ids: tuple[str, list[str], str, str]) -> dict[str, Call]:
    campaign_id, post_ids, creative_id, plan_id = ids
    c = core.campaigns
    return {
        "create_campaign": lambda: c.create_campaign(actor, "Mine"),
        "schedule_post": lambda: c.schedule_post(
            actor, campaign_id, creative_id=creative_id, channel="instagram", at=at(2)
        ),
        "update_post": lambda: c.update_post(actor, post_ids[0], at=at(4)),
        "create_ad_plan": lambda: c.create_ad_plan(
            actor, campaign_id, name="X", channel="instagram", budget=EUR
        ),
        "update_ad_plan": lambda: c.update_ad_plan(actor, plan_id, budget=EUR),
        "publish": lambda: c.publish(actor, campaign_id),
        "get_campaign": lambda: c.get_campaign(actor, campaign_id),
        "list_posts": lambda: c.list_posts(actor, campaign_id),
        "list_ad_plans": lambda: c.list_ad_plans(actor, campaign_id),
        "export_calendar": lambda: c.export_calendar(actor, campaign_id),
    }


async def _everything(core: Core, campaign_id: str) -> list[object]:
    c = core.campaigns
    lists = [await c.list_campaigns(ANA), await c.list_posts(ANA, campaign_id)]
    return [*lists, await c.list_ad_plans(ANA, campaign_id), sorted(_exports(core).glob("*"))]


@pytest.mark.parametrize(("actor", "error"), [(VIC, PermissionDenied), (GUS, NotFound)])
async def test_viewers_and_other_tenants_change_nothing(
    core: Core, tmp_path: Path, actor: Actor, error: type[Exception]
) -> None:
    ids = await _ready(core, tmp_path)
    before = await _everything(core, ids[0])
    for name, call in _calls(core, actor, ids).items():
        if actor is VIC and name.startswith(("get_", "list_", "export_")):
            await call()  # a viewer may look
            continue
        if actor is GUS and name == "create_campaign":
            continue  # their own workspace
        with pytest.raises(error):
            await call()
    assert await _everything(core, ids[0]) == before
    assert await _status(core, ids[0]) is CampaignStatus.READY
    assert await core.campaigns.list_campaigns(GUS) == []
