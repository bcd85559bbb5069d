"""Campaigns and what is planned inside them: scheduled posts and ad plans."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Annotated, Self

from pydantic import AwareDatetime, StringConstraints, model_validator

from app.domain.common import Id, Money, NonEmptyStr, Record, Timestamp
from app.domain.enums import CampaignStatus
from app.domain.errors import InvalidInput

Channel = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=64)
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

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: str = ""
    channels: tuple[Channel, ...] = ()
    start: date | None = None
    end: date | None = None
    status: CampaignStatus = CampaignStatus.DRAFT
    created_by: Id
    published_at: Timestamp | None = None
    published_strategy_version: int | None = None
    bundle_path: str | None = None

    @model_validator(mode="after")
    def _window(self) -> Self:
        check_window(self.start, self.end, "the campaign")
        return self


class Post(Record):
    """A creative scheduled on a channel at a time zone-aware moment inside the campaign window."""

    campaign_id: Id
    creative_id: Id
    channel: Channel
    at: AwareDatetime
    created_by: Id


class AdPlan(Record):
    """A paid placement: channel, budget, audience, the creatives it runs and its dates."""

    campaign_id: Id
    name: NonEmptyStr
    channel: Channel
    budget: Money
    audience: str = ""
    creative_ids: tuple[Id, ...] = ()
    start: date | None = None
    end: date | None = None
    created_by: Id

    @model_validator(mode="after")
    def _window(self) -> Self:
        check_window(self.start, self.end, "the ad plan")
        return self


__all__ = ["AdPlan", "Campaign", "Channel", "Post", "check_window"]


def check_in_window(campaign: Campaign, day: date, what: str) -> None:
    """Refuse a day outside the campaign's start and end, naming ``what`` it is."""
    if campaign.start and day < campaign.start:
        raise InvalidInput(f"{what} is before the campaign starts ({campaign.start})")
    if campaign.end and day > campaign.end:
        raise InvalidInput(f"{what} is after the campaign ends ({campaign.end})")


def check_channel(campaign: Campaign, channel: str) -> None:
    """Refuse a channel the campaign does not use (any channel, if it names none)."""
    if campaign.channels and channel not in campaign.channels:
        raise InvalidInput(
            f"{channel!r} is not a channel of this campaign ({', '.join(campaign.channels)})"
        )
