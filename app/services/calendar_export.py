"""The schedule as iCalendar (RFC 5545): one event per post, for any calendar app."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from app.domain import Campaign, Creative, Post
from app.domain.campaigns import zone_named

POST_DURATION = timedelta(minutes=15)


def render_calendar(
    campaign: Campaign,
    posts: Sequence[Post],
    creatives: Mapping[str, Creative],
    *,
    generated_at: datetime,
) -> str:
    """The posts of ``campaign`` as an iCalendar document (UTF-8 text, CRLF line ends)."""
    # Imported here: icalendar takes ~35 ms to import, and the desktop app starts without it.
    from icalendar import Calendar, Event

    zone = zone_named(campaign.time_zone)
    calendar = Calendar()
    calendar.add("prodid", "-//Campaign Studio//Schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{campaign.name} — schedule")
    calendar.add("x-wr-timezone", campaign.time_zone)
    for post in posts:
        creative = creatives.get(post.creative_id)
        title = creative.title if creative else "post"
        event = Event()
        event.add("uid", f"{post.id}@campaign-studio")
        event.add("dtstamp", generated_at)
        # In the post's own zone (TZID, with its VTIMEZONE below), so calendar apps show the
        # author's wall time; a post with only an offset goes in the campaign's zone, since a
        # fixed offset has no VTIMEZONE that calendar apps would understand.
        start = post.at if post.time_zone else post.at.astimezone(zone)
        event.add("dtstart", start)
        event.add("dtend", start + POST_DURATION)
        event.add("summary", f"[{post.channel}] {title}")
        if creative is not None and creative.body:
            event.add("description", creative.body)
        event.add("categories", [post.channel])
        calendar.add_component(event)
    calendar.add_missing_timezones()
    text: str = calendar.to_ical().decode("utf-8")
    return text
