"""Building blocks shared by every model: identifiers, timestamps, money, the stored record."""

from __future__ import annotations

import secrets
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

_id_lock = threading.Lock()
_id_last = [0, 0]  # the millisecond and the sequence number of the last id made


def new_id() -> str:
    """A fresh record id: 32 lower-case hex characters, unique across tenants.

    Like a UUIDv7: 12 hex digits of Unix milliseconds, a 4-digit sequence that rises within a
    millisecond, then 16 random digits. Ids made later in a process sort after earlier ones, so
    "newest first" stays stable for records made in the same millisecond.
    """
    millis = time.time_ns() // 1_000_000
    with _id_lock:
        if millis <= _id_last[0]:
            millis, sequence = _id_last[0], _id_last[1] + 1
        else:
            sequence = secrets.randbelow(0x8000)
        _id_last[:] = [millis, sequence]
    return f"{millis:012x}{sequence & 0xFFFF:04x}{secrets.token_hex(8)}"


def to_timestamp(value: datetime) -> datetime:
    """UTC, truncated to the millisecond: what both databases store exactly."""
    if value.tzinfo is UTC and not value.microsecond % 1000:
        return value  # already one (every stored time read back): validated on each read
    return _whole_milliseconds(value.astimezone(UTC))


def utc_now() -> datetime:
    """The current time as a :data:`Timestamp`."""
    return _whole_milliseconds(datetime.now(UTC))


def _whole_milliseconds(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond - value.microsecond % 1000)


Timestamp = Annotated[AwareDatetime, AfterValidator(to_timestamp)]
"""A point in time set by the system: time zone aware, held in UTC at millisecond precision."""


def _refuse_nul(value: str) -> str:
    # NUL ends strings in C: file names, some drivers and other programs would cut the text there.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters (\\x00)")
    return value


NO_NUL = AfterValidator(_refuse_nul)
"""Marks a ``str`` field as user text: NUL characters are refused. Add it to every text field."""

Text = Annotated[str, NO_NUL]
"""Any user text (possibly empty), without NUL characters."""

NonEmptyStr = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), NO_NUL]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128), NO_NUL]


class Model(BaseModel):
    """Base of every domain model: immutable, unknown fields refused.

    A change is a new, validated object (``app.adapters.records.checked``, the pure functions of
    the rules modules), so a refused change can never leave a half-changed model behind.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


class FrozenModel(BaseModel):
    """Base of value objects (immutable, hashable)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Money(FrozenModel):
    """An amount of money in an ISO 4217 currency, e.g. ``{"amount": 5000, "currency": "EUR"}``."""

    amount: Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]

    @field_validator("currency", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


class Record(Model):
    """A stored record: tenant-scoped, versioned for optimistic concurrency.

    ``revision`` is the revision the record had when it was read. A repository writes an update
    only if the stored revision still equals it, and returns the record with ``revision + 1``. (It
    is not called ``version``: a strategy's ``version`` is its number in the campaign's history.)
    """

    id: Id = Field(default_factory=new_id)
    tenant_id: Id
    revision: int = Field(default=0, ge=0)
    created_at: Timestamp = Field(default_factory=utc_now)
    updated_at: Timestamp = Field(default_factory=utc_now)
