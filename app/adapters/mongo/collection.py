"""The operations every MongoDB repository shares, and the translation of driver errors."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError

from app.adapters.mongo.codec import DocumentCodec
from app.adapters.records import checked, id_taken, not_found, stale
from app.domain import Record
from app.domain.changes import ChangeAction, current_operation, is_logged
from app.domain.errors import Conflict, StaleRecord, StorageError

if TYPE_CHECKING:
    from app.adapters.mongo.change_log import MongoChangeLog

R = TypeVar("R", bound=Record)

Document = dict[str, Any]
Sort = list[tuple[str, int]]

_DUPLICATE_KEY = 11000

# ``modify`` retries a lost compare-and-swap after a random pause of up to the current backoff,
# which doubles from RETRY_FIRST to RETRY_LONGEST ("full jitter": racing writers spread out
# instead of colliding again in step). It gives up only after RETRY_FOR seconds: long enough
# for hundreds of people voting on one approval at once, short enough to report a stuck server.
RETRY_FIRST = 0.005
RETRY_LONGEST = 0.5
RETRY_FOR = 60.0
_INDEX_IN_MESSAGE = re.compile(r"index: (\S+)")


def describe_error(exc: PyMongoError) -> str:
    """The useful start of a driver error's text, without topology dumps or raw replies."""
    text = str(exc)
    for marker in (", full error:", ", Timeout:", "Topology Description:"):
        text = text.split(marker, 1)[0]
    text = " ".join(text.split())
    return text if len(text) <= 300 else f"{text[:297]}..."


@contextmanager
def storage_errors(action: str) -> Iterator[None]:
    """Translate any driver error raised inside into :class:`StorageError`.

    Args:
        action: What was being done, completing "the database could not ...".
    """
    try:
        yield
    except PyMongoError as exc:
        raise StorageError(f"the database could not {action}: {describe_error(exc)}") from exc


def _duplicate_is_id(details: Mapping[str, Any] | None) -> bool | None:
    """Whether a duplicate-key error is about ``_id``; None when the error does not say.

    A server names the key pattern and index; mongomock says only "Duplicate Key Error".
    """
    if not details:
        return None
    pattern = details.get("keyPattern")
    if isinstance(pattern, Mapping):
        return "_id" in pattern
    match = _INDEX_IN_MESSAGE.search(str(details.get("errmsg", "")))
    return match.group(1) == "_id_" if match else None


@dataclass
class _Turn:
    """The writers of one record in this process: they take ``lock`` in turn."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


class MongoRepository(Generic[R]):
    """Get, add, add-many and optimistic update of one record type in one collection.

    Args:
        collection: The collection the records live in.
        codec: How records become documents.
        taken: The message for a record whose unique key (other than its id) is taken; None if
            the collection has no unique index besides ``_id``.
    """

    def __init__(
        self,
        collection: AsyncCollection[Document],
        codec: DocumentCodec[R],
        *,
        taken: Callable[[R], str] | None = None,
    ) -> None:
        self._collection = collection
        self._codec = codec
        self._noun = codec.noun
        self._taken = taken
        self._turns: dict[str, _Turn] = {}
        self._changes: MongoChangeLog | None = None  # the store's log, set by the subclass

    async def get(self, tenant_id: str, record_id: str) -> R:
        """The record, or :class:`NotFound` (also for another tenant's record)."""
        record = await self._find_one({"_id": record_id, "tenant_id": tenant_id})
        if record is None:
            raise not_found(self._noun, record_id)
        return record

    async def add(self, record: R) -> R:
        """Insert a new record at revision 1; :class:`Conflict` if its identity is taken.

        The record is validated again first (``model_copy(update=...)`` skips validation), so an
        invalid one raises :class:`InvalidInput` and nothing is stored.
        """
        stored = checked(record, revision=1)
        with storage_errors(f"add the {self._noun}"):
            try:
                await self._collection.insert_one(self._codec.encode(stored, revision=1))
            except DuplicateKeyError as exc:
                message = await self._conflict_message(stored, exc.details, on_insert=True)
                raise Conflict(message) from exc
        await self._log([(stored, ChangeAction.CREATED)])
        return stored

    async def add_many(self, records: Sequence[R]) -> None:
        """Insert the records in order: all of them or, on a conflict, none."""
        if not records:
            return
        stored = [checked(record, revision=1) for record in records]
        docs = [self._codec.encode(record, revision=1) for record in stored]
        with storage_errors(f"add the {self._noun} records"):
            try:
                await self._collection.insert_many(docs, ordered=True)
            except BulkWriteError as exc:
                await self._undo_partial_insert(stored, docs, exc)
                raise
        await self._log([(record, ChangeAction.CREATED) for record in stored])

    async def update(self, record: R) -> R:
        """Write ``record`` if the stored revision equals ``record.revision``.

        Returns:
            The record at the next revision.

        Raises:
            Conflict: The stored record changed since it was read, or a unique key is taken.
            NotFound: The record is gone (or belongs to another tenant).
        """
        stored = checked(record, revision=record.revision + 1)
        key = {"_id": record.id, "tenant_id": record.tenant_id}
        with storage_errors(f"save the {self._noun}"):
            try:
                result = await self._collection.replace_one(
                    {**key, "revision": record.revision},
                    self._codec.encode(stored, revision=stored.revision),
                )
            except DuplicateKeyError as exc:
                message = await self._conflict_message(stored, exc.details, on_insert=False)
                raise Conflict(message) from exc
            if result.matched_count == 0:
                if await self._collection.count_documents(key, limit=1):
                    raise stale(self._noun, record.id)
                raise not_found(self._noun, record.id)
        if is_logged(record, stored):
            await self._log([(stored, ChangeAction.UPDATED)])
        return stored

    async def _log(self, changes: list[tuple[R, ChangeAction]]) -> None:
        """Log what was just written, as part of the current operation."""
        if self._changes is not None:
            await self._changes.append(current_operation(), changes)

    async def modify(
        self,
        tenant_id: str,
        record_id: str,
        change: Callable[[R], R],
        *,
        known: R | None = None,
    ) -> R:
        """Apply ``change`` to the stored record: read, change, and replace it if its revision
        is still the one read (a document's compare-and-swap is MongoDB's atomic step, and
        ``change`` is any pure function of the whole record, which no update operator can
        express).

        Writers of one record in this process take turns, so they never race each other; a
        writer in another process that got there first makes the replace miss, and the record
        is read again after a jittered backoff, for up to :data:`RETRY_FOR` seconds.
        """
        turn = self._turns.setdefault(record_id, _Turn())
        turn.waiting += 1
        try:
            waited = turn.lock.locked()
            async with turn.lock:
                return await self._compare_and_swap(
                    tenant_id, record_id, change, None if waited else known
                )
        finally:
            turn.waiting -= 1
            if not turn.waiting:
                del self._turns[record_id]

    async def delete_many(self, tenant_id: str, record_ids: Sequence[str]) -> int:
        """Delete the tenant's records with these ids; returns how many went."""
        if not record_ids:
            return 0
        query = {"_id": {"$in": list(record_ids)}, "tenant_id": tenant_id}
        with storage_errors(f"delete the {self._noun} records"):
            # Read first: the change log names each deleted record's campaign.
            found = await self._find_all(query, sort=[("_id", 1)])
            result = await self._collection.delete_many(query)
        await self._log([(record, ChangeAction.DELETED) for record in found])
        return int(result.deleted_count)

    async def delete(self, tenant_id: str, record_id: str) -> None:
        """Delete one record; :class:`NotFound` if missing or another tenant's."""
        if not await self.delete_many(tenant_id, [record_id]):
            raise not_found(self._noun, record_id)

    async def _compare_and_swap(
        self, tenant_id: str, record_id: str, change: Callable[[R], R], known: R | None
    ) -> R:
        current = known
        backoff, give_up = RETRY_FIRST, time.monotonic() + RETRY_FOR
        while True:
            if current is None:
                current = await self.get(tenant_id, record_id)
            changed = change(current)
            if changed is current:
                return current
            try:
                return await self.update(changed)
            except StaleRecord:
                if time.monotonic() >= give_up:
                    raise
            await asyncio.sleep(random.uniform(0, backoff))  # noqa: S311 (not for secrets)
            backoff, current = min(backoff * 2, RETRY_LONGEST), None

    async def _find_one(self, query: Mapping[str, Any], *, sort: Sort | None = None) -> R | None:
        with storage_errors(f"read the {self._noun}"):
            doc = await self._collection.find_one(query, sort=sort)
        return None if doc is None else self._codec.decode(doc)

    async def _find_all(
        self, query: Mapping[str, Any], *, sort: Sort, skip: int = 0, limit: int = 0
    ) -> list[R]:
        with storage_errors(f"read the {self._noun} records"):
            cursor = self._collection.find(query).sort(sort)
            if skip:
                cursor = cursor.skip(skip)
            if limit:
                cursor = cursor.limit(limit)
            docs = await cursor.to_list(None)
        return [self._codec.decode(doc) for doc in docs]

    async def _undo_partial_insert(
        self, records: Sequence[R], docs: Sequence[Document], exc: BulkWriteError
    ) -> None:
        """Delete what an ordered ``insert_many`` inserted before it failed; raise Conflict if
        it failed on a duplicate key."""
        details: Mapping[str, Any] = exc.details or {}
        errors = details.get("writeErrors") or [{}]
        inserted = int(details.get("nInserted", errors[0].get("index", 0)))
        message = None
        if errors[0].get("code") == _DUPLICATE_KEY:
            failed = records[int(errors[0].get("index", inserted))]
            message = await self._conflict_message(failed, errors[0], on_insert=True)
        ids = [doc["_id"] for doc in docs[:inserted]]
        if ids:
            await self._collection.delete_many({"_id": {"$in": ids}})
        if message is not None:
            raise Conflict(message) from exc

    async def _conflict_message(
        self, record: R, details: Mapping[str, Any] | None, *, on_insert: bool
    ) -> str:
        """Name what is taken: the record's id or its unique key."""
        is_id = _duplicate_is_id(details) if on_insert else False
        if is_id is None:
            is_id = self._taken is None or bool(
                await self._collection.count_documents({"_id": record.id}, limit=1)
            )
        if is_id or self._taken is None:
            return id_taken(self._noun).message
        return self._taken(record)
