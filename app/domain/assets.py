"""The asset library's records and its search query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, field_validator

from app.domain.common import FrozenModel, Id, NonEmptyStr, Record, Text, Timestamp, utc_now
from app.domain.enums import AssetSource, AssetType
from app.domain.errors import InvalidInput
from app.domain.validation import InputModel

MAX_TAG_LENGTH = 64
MAX_CATEGORY_LENGTH = 64
MAX_PAGE_SIZE = 500
MAX_USAGE_IDS = 1000  # assets whose usage is counted in one call (two full pages)
MAX_TAGS = 50


def normalise_tag(tag: str) -> str:
    """A tag as stored: trimmed, lower case, inner white space folded to one space."""
    return " ".join(tag.split()).lower()


def normalise_category(category: str) -> str:
    """A category as stored: trimmed, inner white space folded; its case is kept."""
    return " ".join(category.split())


class Asset(Record):
    """A stored media file; ``sha256`` identifies its content within the tenant."""

    type: AssetType
    filename: NonEmptyStr
    content_type: str = "application/octet-stream"
    size: Annotated[int, Field(ge=0)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    storage_key: NonEmptyStr
    thumbnail_key: str | None = None
    poster_key: str | None = None
    tags: tuple[str, ...] = ()
    category: str | None = None
    archived: bool = False
    archived_at: Timestamp | None = None
    uploaded_at: Timestamp = Field(default_factory=utc_now)
    uploaded_by: Id
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    source: AssetSource = AssetSource.UPLOAD
    render_job_id: Id | None = None


class AssetQuery(InputModel):
    """A library search, applied in the seed's order.

    tenant (the actor's) → not archived (unless ``include_archived``) → type in ``types`` → tags
    contain all of ``tags`` → filename contains ``filename`` (case-insensitive, literal text) →
    newest upload first → ``limit``/``offset``. ``category``, when given, must match exactly.
    """

    types: frozenset[AssetType] | None = None
    tags: frozenset[Text] | None = None
    category: Text | None = None
    filename: Text | None = None
    include_archived: bool = False
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 50
    offset: Annotated[int, Field(ge=0)] = 0

    @field_validator("tags", mode="after")
    @classmethod
    def _normalise_tags(cls, value: frozenset[str] | None) -> frozenset[str] | None:
        if value is None:
            return None
        tags = frozenset(normalise_tag(tag) for tag in value)
        return frozenset(tag for tag in tags if tag) or None

    @field_validator("filename", "category", mode="after")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return " ".join(value.split()) or None if value is not None else None


class AssetPage(FrozenModel):
    """One page of search results and the total number of matches."""

    items: list[Asset]
    total: int
    limit: int
    offset: int


MAX_TAGS = 50


class ArchiveResult(FrozenModel):
    """An archived asset and the creatives that still use it (archiving is allowed anyway)."""

    asset: Asset
    used_by: list[str]

    @property
    def in_use(self) -> bool:
        return bool(self.used_by)


@dataclass(frozen=True)
class StoredFile:
    """A file added to the library: its asset, and whether the same bytes were there already
    (``duplicate``: the existing asset was reused, with the new tags merged into its own)."""

    asset: Asset
    duplicate: bool


def clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags normalised (trimmed, lower case), unique, in first-seen order; bad ones refused."""
    if isinstance(tags, str):
        tags = (tags,)
    cleaned: dict[str, None] = {}
    for raw in tags:
        if not isinstance(raw, str):
            raise InvalidInput(f"a tag must be text, not {raw!r}")
        tag = normalise_tag(raw)
        if not tag:
            raise InvalidInput("a tag must not be empty")
        if len(tag) > MAX_TAG_LENGTH:
            raise InvalidInput(
                f"the tag {tag[:20]!r}… is {len(tag)} characters long; at most "
                f"{MAX_TAG_LENGTH} are allowed"
            )
        cleaned[tag] = None
    return tuple(cleaned)


def clean_category(category: str | None) -> str | None:
    """A category normalised, or None; one that is too long is refused."""
    if category is None:
        return None
    name = normalise_category(category)
    if len(name) > MAX_CATEGORY_LENGTH:
        raise InvalidInput(f"a category has at most {MAX_CATEGORY_LENGTH} characters")
    return name or None


def merged_tags(tags: tuple[str, ...], more: Iterable[str]) -> tuple[str, ...]:
    """``tags`` then ``more``, without repeats; more than :data:`MAX_TAGS` is refused."""
    result = tuple(dict.fromkeys((*tags, *more)))
    if len(result) > MAX_TAGS:
        raise InvalidInput(f"an asset has at most {MAX_TAGS} tags")
    return result
