"""Turning records into MongoDB documents and back.

A document is the record's JSON dump (computed fields left out) with ``_id`` set to its id, the
timestamps the queries compare stored as BSON datetimes (UTC), and a few derived fields the queries
need (``filename_lc``, ``at_utc``). Reading drops ``_id`` and the derived fields and validates the
rest, so a record reads back equal to what was written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from app.adapters.records import document, short_id
from app.domain import Record
from app.domain.common import to_timestamp
from app.domain.errors import StorageError
from app.domain.validation import describe

R = TypeVar("R", bound=Record)

BASE_DATETIME_FIELDS = ("created_at", "updated_at")
"""The timestamps every record has; each repository adds the ones its queries compare."""


def as_utc(value: datetime) -> datetime:
    """``value`` in UTC at millisecond precision (what BSON stores); a naive value is UTC.

    mongomock, and a client without ``tz_aware``, return naive datetimes that are UTC.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return to_timestamp(value)


class DocumentCodec(Generic[R]):
    """Encodes records of one model as documents and decodes them back.

    Args:
        model: The record model stored in the collection.
        noun: What a record is called in messages (``"render job"``).
        datetime_fields: Top-level timestamp fields stored as BSON datetimes, in addition to
            ``created_at`` and ``updated_at``.
        derived: Extra fields for querying, each computed from the record; stripped on read.
    """

    def __init__(
        self,
        model: type[R],
        *,
        noun: str,
        datetime_fields: Iterable[str] = (),
        derived: Mapping[str, Callable[[R], Any]] | None = None,
    ) -> None:
        self.model = model
        self.noun = noun
        self.datetime_fields = (*BASE_DATETIME_FIELDS, *datetime_fields)
        self.derived = dict(derived or {})
        unknown = [name for name in self.datetime_fields if name not in model.model_fields]
        if unknown:
            raise ValueError(f"{model.__name__} has no fields {unknown}")

    def encode(self, record: R, *, revision: int) -> dict[str, Any]:
        """The document that stores ``record`` at ``revision``.

        Args:
            record: The record to store.
            revision: The revision the stored document gets.

        Returns:
            A document with ``_id``, the JSON fields, native timestamps and derived fields.
        """
        data = document(record)
        doc: dict[str, Any] = {"_id": record.id, **data, "revision": revision}
        for name in self.datetime_fields:
            value = getattr(record, name)
            doc[name] = as_utc(value) if isinstance(value, datetime) else None
        for name, derive in self.derived.items():
            doc[name] = derive(record)
        return doc

    def decode(self, doc: Mapping[str, Any]) -> R:
        """The record stored in ``doc``.

        Raises:
            StorageError: The document does not hold a valid record.
        """
        data = {key: value for key, value in doc.items() if key != "_id"}
        for name in self.derived:
            data.pop(name, None)
        for name in self.datetime_fields:
            value = data.get(name)
            if isinstance(value, datetime):
                data[name] = as_utc(value)
        try:
            return self.model.model_validate(data)
        except ValidationError as exc:
            record_id = str(doc.get("_id", "?"))
            raise StorageError(
                f"the stored {self.noun} {short_id(record_id)} is unreadable: {describe(exc)}"
            ) from exc
