"""Helpers every database adapter uses on the records it writes."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError

from app.domain.common import Record
from app.domain.errors import Conflict, InvalidInput, NotFound, StaleRecord
from app.domain.validation import article, describe

R = TypeVar("R", bound=Record)


def checked(record: R, **update: Any) -> R:
    """``record`` with ``update`` applied, validated again.

    ``model_copy(update=...)`` skips validation, so a caller could hand a repository a record
    holding a plain string where an enum belongs, or a broken value; nothing unvalidated is stored.
    """
    try:
        return type(record).model_validate({**record.__dict__, **update})
    except ValidationError as exc:
        raise InvalidInput(f"invalid {type(record).__name__.lower()}: {describe(exc)}") from None


def document(record: Record) -> dict[str, Any]:
    """The record as a JSON-compatible dict, without computed fields."""
    return record.model_dump(mode="json", exclude=set(type(record).model_computed_fields))


def short_id(record_id: str) -> str:
    """The start of an id, enough to recognise it in a message."""
    return record_id if len(record_id) <= 8 else f"{record_id[:8]}…"


def not_found(noun: str, record_id: str) -> NotFound:
    """The error for a record that is missing or belongs to another tenant."""
    return NotFound(f"{noun} {short_id(record_id)} not found")


def stale(noun: str, record_id: str) -> StaleRecord:
    """The error for an update based on a revision someone else has replaced."""
    return StaleRecord(
        f"{noun} {short_id(record_id)} was changed by someone else in the meantime; "
        "reload it and try again"
    )


def id_taken(noun: str) -> Conflict:
    """The error for inserting a record whose id exists."""
    return Conflict(f"{article(noun)} {noun} with this id already exists")
