"""Creatives: copy, images and videos, each tied to the strategy version it was made from."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from app.domain.campaigns import Channel
from app.domain.common import FrozenModel, Id, NonEmptyStr, Record, Text, Timestamp
from app.domain.enums import CreativeKind


def file_stem(title: str) -> str:
    """A creative's title as the start of its library files' names: lower case, its words
    (of any script) joined by "-", at most 60 characters; "creative" when nothing is left."""
    return re.sub(r"[\W_]+", "-", title.lower()).strip("-")[:60].strip("-") or "creative"


class CreativeOutput(FrozenModel):
    """One rendered output of a media creative; earlier outputs stay as history."""

    asset_id: Id
    render_job_id: Id | None = None
    strategy_version: int
    at: Timestamp


class Creative(Record):
    """A piece of content. It becomes ``stale`` when its strategy version is invalidated."""

    campaign_id: Id
    kind: CreativeKind
    title: NonEmptyStr
    body: Text = ""
    channel: Channel | None = None
    prompt: Text | None = None
    provider: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    strategy_id: Id
    strategy_version: int = Field(ge=1)
    stale: bool = False
    asset_ids: tuple[Id, ...] = ()
    outputs: tuple[CreativeOutput, ...] = ()
    render_job_id: Id | None = None
    created_by: Id
