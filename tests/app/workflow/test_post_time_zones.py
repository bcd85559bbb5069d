"""Post times: ISO strings with offsets, the IANA zone a post keeps (daylight saving included),
and a calendar that names it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from app.bootstrap import Core
from app.domain import Post
from app.domain.errors import InvalidInput
from tests.app.workflow.conftest import ANA
from tests.app.workflow.helpers import campaign_with_strategy, text_creative

PARIS = ZoneInfo("Europe/Paris")


async def _schedule(core: Core, **when: Any) -> tuple[str, Post]:
    campaign = await campaign_with_strategy(core)
    creative = await text_creative(core, campaign.id)
    post = await core.campaigns.schedule_post(
        ANA, campaign.id, creative_id=creative.id, channel="instagram", **when
    )
    return campaign.id, post


async def test_an_iso_string_with_an_offset_is_a_time(core: Core) -> None:
    _, post = await _schedule(core, at="2027-03-02T09:00+01:00")
    assert post.at == datetime(2027, 3, 2, 8, 0, tzinfo=UTC)
    assert post.at.utcoffset() == timedelta(hours=1)
    assert post.time_zone is None


async def test_a_post_keeps_the_zone_its_author_chose(core: Core) -> None:
    campaign_id, post = await _schedule(core, at="2027-03-02T09:00", time_zone="Europe/Paris")
    assert post.time_zone == "Europe/Paris"
    (stored,) = await core.campaigns.list_posts(ANA, campaign_id)
    assert stored.time_zone == "Europe/Paris"
    assert stored.at.tzinfo == PARIS
    assert (stored.at.hour, stored.at.utcoffset()) == (9, timedelta(hours=1))


async def test_a_zoned_datetime_names_its_zone(core: Core) -> None:
    campaign_id, post = await _schedule(core, at=datetime(2027, 3, 2, 9, tzinfo=PARIS))
    (stored,) = await core.campaigns.list_posts(ANA, campaign_id)
    assert (post.time_zone, stored.time_zone, stored.at.tzinfo) == ("Europe/Paris",) * 2 + (PARIS,)


async def test_a_post_follows_daylight_saving_in_its_zone(core: Core) -> None:
    _, post = await _schedule(core, at="2027-03-02T09:00+01:00", time_zone="Europe/Paris")
    # Summer time starts on 28 March 2027: nine o'clock in Paris is then 07:00 UTC.
    moved = await core.campaigns.update_post(
        ANA, post.id, at="2027-03-28T09:00", time_zone="Europe/Paris"
    )
    assert (moved.at.hour, moved.at.utcoffset()) == (9, timedelta(hours=2))
    # A time given with the zone's own offset keeps the post in its zone.
    again = await core.campaigns.update_post(ANA, post.id, at="2027-03-27T09:00+01:00")
    assert (again.time_zone, again.at.tzinfo) == ("Europe/Paris", PARIS)


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"at": "2027-03-02T09:00"}, "needs a time zone"),
        ({"at": "next tuesday"}, "not an ISO 8601"),
        ({"at": "2027-03-02T09:00", "time_zone": "Mars/Olympus"}, "unknown time zone"),
        ({"at": "2027-03-02T09:00+05:00", "time_zone": "Europe/Paris"}, "+01:00"),
    ],
)
async def test_times_that_name_no_moment_are_refused_for_what_they_are(
    core: Core, when: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message.replace("+", r"\+")):
        await _schedule(core, **when)


async def test_the_calendar_names_each_posts_zone(core: Core) -> None:
    campaign_id, zoned = await _schedule(core, at="2027-03-02T09:00", time_zone="Europe/Paris")
    creative_id = zoned.creative_id
    await core.campaigns.schedule_post(
        ANA, campaign_id, creative_id=creative_id, channel="instagram", at="2027-03-03T09:00Z"
    )
    text = await core.campaigns.export_calendar(ANA, campaign_id)
    assert "DTSTART;TZID=Europe/Paris:20270302T090000" in text
    assert "DTSTART:20270303T090000Z" in text
    calendar = Calendar.from_ical(text)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/Paris"
    starts = sorted(event.decoded("dtstart") for event in calendar.walk("VEVENT"))
    assert starts == [
        datetime(2027, 3, 2, 8, tzinfo=UTC),
        datetime(2027, 3, 3, 9, tzinfo=UTC),
    ]


def test_posts_stored_before_zones_were_kept_still_load() -> None:
    stored = {
        "id": "p1",
        "tenant_id": "acme",
        "campaign_id": "c1",
        "creative_id": "k1",
        "channel": "instagram",
        "at": "2027-03-02T09:00:00+01:00",
        "created_by": "ana",
    }
    post = Post.model_validate(stored)
    assert (post.time_zone, post.at.utcoffset()) == (None, timedelta(hours=1))
