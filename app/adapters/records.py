"""Helpers every database adapter uses on the records it writes."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError

from app.domain.common import Record
from app.domain.errors import InvalidInput
from app.domain.validation import describe

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
