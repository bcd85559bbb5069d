"""Campaigns and what is planned inside them: scheduled posts and ad plans."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.domain.common import NO_NUL, Id, Money, NonEmptyStr, Record, Text, Timestamp
from app.domain.enums import CampaignStatus
from app.domain.errors import InvalidInput

Channel = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=64),
    NO_NUL,
]


def check_window(start: date | None, end: date | None, what: str) -> None:
    """Refuse an end before the start, naming ``what`` the dates belong to."""
    if start is not None and end is not None and end < start:
        raise InvalidInput(f"{what} ends ({end}) before it starts ({start})")


def normalise_channels(channels: Iterable[str] | str) -> tuple[object, ...]:
    """Channel names trimmed and lower-cased, then de-duplicated in first-seen order (anything
    that is not text is left for validation to refuse)."""
    names = (channels,) if isinstance(channels, str) else tuple(channels)
    cleaned = [name.strip().lower() if isinstance(name, str) else name for name in names]
    return tuple(dict.fromkeys(cleaned))


class Campaign(Record):
    """A campaign: its name, channels, window and status (draft → in_review → ready → published)."""

    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NO_NUL
    ]
    description: Text = ""
    channels: tuple[Channel, ...] = ()
    start: date | None = None
    end: date | None = None
    time_zone: str = "UTC"
    """The IANA zone its window's dates and its calendar are read in (UTC for older records)."""
    status: CampaignStatus = CampaignStatus.DRAFT
    created_by: Id
    published_at: Timestamp | None = None
    published_strategy_version: int | None = None
    bundle_path: str | None = None
    """The folder the latest bundle was written to, on the workstation that published it."""
    bundle_key: str | None = None
    """The shared copy of that bundle (one zip file) in the blob store, when media are shared."""

    @field_validator("time_zone", mode="after")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone_named(value)
        return value

    @model_validator(mode="after")
    def _window(self) -> Self:
        check_window(self.start, self.end, "the campaign")
        return self

    def day_of(self, moment: datetime) -> date:
        """The calendar day ``moment`` (aware) falls on in the campaign's zone."""
        return moment.astimezone(zone_named(self.time_zone)).date()


class Post(Record):
    """A creative scheduled on a channel at a time zone-aware moment inside the campaign window.

    ``time_zone`` is the IANA zone its author chose (``Europe/Paris``), so that the post is
    shown, moved and exported in that zone, daylight saving included; ``at`` is then read back
    in it. None: only an offset was given (and for posts stored before zones were kept).
    """

    campaign_id: Id
    creative_id: Id
    channel: Channel
    time_zone: str | None = None  # before ``at``, whose validator reads it
    at: AwareDatetime
    created_by: Id

    @field_validator("time_zone", mode="after")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone_named(value)
        return value

    @field_validator("at", mode="after")
    @classmethod
    def _in_its_zone(cls, value: datetime, info: ValidationInfo) -> datetime:
        name = info.data.get("time_zone")
        if name is None or getattr(value.tzinfo, "key", None) == name:
            return value
        return value.astimezone(zone_named(name))


def zone_named(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ValueError if there is none by that name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"unknown time zone {name!r} (use an IANA name such as Europe/Paris)"
        raise ValueError(message) from None


def post_time(at: object, time_zone: str | None = None) -> tuple[datetime, str | None]:
    """The moment and the zone of a post, from what a caller gives.

    ``at`` is a ``datetime`` or an ISO 8601 string. With ``time_zone`` (an IANA name) a time
    without offset is read in that zone, and a time with one must agree with the zone's offset
    at that moment. Without it, a ``datetime`` in a ``ZoneInfo`` zone names its zone, and an
    offset alone is kept as it is.

    Raises:
        InvalidInput: ``at`` is not a time, names no moment, or contradicts ``time_zone``.
    """
    moment = _parse_time(at)
    try:
        zone = zone_named(time_zone) if time_zone is not None else None
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if zone is None:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise InvalidInput(
                f"the post time {moment.isoformat()} needs a time zone: add an offset "
                "(2026-12-20T09:00+01:00) or name a zone (time_zone='Europe/Paris')"
            )
        return moment, getattr(moment.tzinfo, "key", None)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone), time_zone
    zoned = moment.astimezone(zone)
    if zoned.utcoffset() != moment.utcoffset():
        raise InvalidInput(
            f"the post time {moment.isoformat()} does not match {time_zone}, which is at "
            f"{zoned.isoformat()[-6:]} then"
        )
    return zoned, time_zone


def _parse_time(at: object) -> datetime:
    if isinstance(at, datetime):
        return at
    if isinstance(at, str):
        try:
            return datetime.fromisoformat(at.strip())
        except ValueError:
            raise InvalidInput(
                f"the post time {at!r} is not an ISO 8601 date and time "
                "(e.g. 2026-12-20T09:00+01:00)"
            ) from None
    raise InvalidInput(f"the post time must be a datetime or an ISO 8601 string, not {at!r}")


class AdPlan(Record):
    """A paid placement: channel, budget, audience, the creatives it runs and its dates."""

    campaign_id: Id
    name: NonEmptyStr
    channel: Channel
    budget: Money
    audience: Text = ""
    creative_ids: tuple[Id, ...] = ()
    start: date | None = None
    end: date | None = None
    created_by: Id

    @model_validator(mode="after")
    def _window(self) -> Self:
        check_window(self.start, self.end, "the ad plan")
        return self


@dataclass(frozen=True)
class PublishProgress:
    """How far a publish has come: its step in words and, while the media are copied into the
    bundle, how many files of how many."""

    step: str
    done: int = 0
    total: int = 0


PublishListener = Callable[[PublishProgress], None]
"""Told each step of a publish, on the event loop's thread."""


__all__ = [
    "AdPlan",
    "Campaign",
    "Channel",
    "Post",
    "PublishListener",
    "PublishProgress",
    "check_window",
    "post_time",
]


def check_in_window(campaign: Campaign, day: date, what: str) -> None:
    """Refuse a day outside the campaign's start and end, naming ``what`` it is."""
    if campaign.start and day < campaign.start:
        raise InvalidInput(f"{what} is before the campaign starts ({campaign.start})")
    if campaign.end and day > campaign.end:
        raise InvalidInput(f"{what} is after the campaign ends ({campaign.end})")


def check_writable(campaign: Campaign) -> None:
    """Refuse a change to an archived campaign (it is read-only until unarchived)."""
    if campaign.status is CampaignStatus.ARCHIVED:
        raise InvalidInput(
            f"the campaign {campaign.name!r} is archived: unarchive it before changing it"
        )


def check_channel(campaign: Campaign, channel: str) -> None:
    """Refuse a channel the campaign does not use (any channel, if it names none)."""
    if campaign.channels and channel not in campaign.channels:
        raise InvalidInput(
            f"{channel!r} is not a channel of this campaign ({', '.join(campaign.channels)})"
        )
