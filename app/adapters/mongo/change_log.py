"""The change log in MongoDB: the ``changes`` collection, numbered by a server-side counter.

A standalone server has no multi-document transactions, so a change is logged right after its
write: ``seq`` comes from ``$inc`` on the ``counters`` document (the server's order, not a
client's clock), then the entries are inserted with ``seq`` as their ``_id``. Two writers may
insert out of order (seq 8 visible before 7 for a moment); the feed waits a little for such a
gap to fill before it moves past it (``ChangeFollower``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure, PyMongoError

from app.adapters.mongo.collection import Document, describe_error, storage_errors
from app.domain import Record, RenderJob
from app.domain.changes import (
    ChangeAction,
    LoggedChange,
    LogPage,
    Operation,
    RecordKind,
    campaign_of,
    record_kind,
)
from app.domain.errors import StorageError

COUNTER_ID = "changes"
EMPTY_ANSWER_PAUSE = 0.05
# "The $changeStream stage is only supported on replica sets", and its older wording.
_NO_CHANGE_STREAMS = {40573, 40324}


class ActiveJobs(Protocol):
    async def active_changed(self, known: Mapping[str, int]) -> list[RenderJob]: ...


class MongoChangeLog:
    """Writes (for the repositories), reads and prunes the log.

    Args:
        database: where the ``changes`` and ``counters`` collections live.
        jobs: the render jobs, whose progress followers read from the jobs themselves.
    """

    def __init__(self, database: AsyncDatabase[Document], jobs: ActiveJobs) -> None:
        self._changes = database["changes"]
        self._counters = database["counters"]
        self._jobs = jobs

    async def active_jobs(self, known: Mapping[str, int]) -> list[RenderJob]:
        return await self._jobs.active_changed(known)

    async def watch(self, wake: Callable[[], None]) -> bool:
        """Follow the log's inserts through a change stream (replica sets and Atlas); False
        when the server has none (a standalone server, the test shim)."""
        inserts = [{"$match": {"operationType": "insert"}}]
        try:
            async with await self._changes.watch(inserts, max_await_time_ms=1000) as stream:
                while stream.alive:
                    if await stream.try_next() is not None:
                        wake()
                    else:
                        # A server may answer a wait early, with nothing, whenever anything is
                        # written (render progress: hundreds a second); pausing before asking
                        # again bounds that to 20 round trips a second (docs/benchmarks.md).
                        await asyncio.sleep(EMPTY_ANSWER_PAUSE)
        except OperationFailure as exc:
            if exc.code in _NO_CHANGE_STREAMS:
                return False
            raise StorageError(f"the change stream stopped: {describe_error(exc)}") from exc
        except (NotImplementedError, AttributeError):  # the shim has no change streams
            return False
        except PyMongoError as exc:
            raise StorageError(f"the change stream stopped: {describe_error(exc)}") from exc
        return True

    async def append(
        self, operation: Operation, changes: Iterable[tuple[Record, ChangeAction]]
    ) -> None:
        """Log the changes of ``operation`` (just written)."""
        at = datetime.now(UTC)
        entries = [
            {
                "at": at,
                "tenant_id": record.tenant_id,
                "record": kind.value,
                "record_id": record.id,
                "campaign_id": campaign_of(record),
                "action": action.value,
                "actor_id": operation.actor_id,
                "op_id": operation.op_id,
            }
            for record, action in changes
            if (kind := record_kind(record)) is not None
        ]
        if not entries:
            return
        with storage_errors("log the change"):
            counter = await self._counters.find_one_and_update(
                {"_id": COUNTER_ID},
                {"$inc": {"seq": len(entries)}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
            if counter is None:  # an upsert returning the document after: never None
                raise StorageError("the change log's counter was not written")
            first = int(counter["seq"]) - len(entries) + 1
            await self._changes.insert_many(
                [{"_id": first + n, **entry} for n, entry in enumerate(entries)], ordered=False
            )

    async def last_seq(self) -> int:
        with storage_errors("read the change log"):
            counter = await self._counters.find_one({"_id": COUNTER_ID})
        return int(counter["seq"]) if counter else 0

    async def read_after(self, seq: int, *, limit: int) -> LogPage:
        with storage_errors("read the change log"):
            # The counter says whether anything was logged since: an idle look is one query.
            counter = await self._counters.find_one({"_id": COUNTER_ID}) or {}
            pruned = int(counter.get("pruned_through", 0))
            if int(counter.get("seq", 0)) <= seq:
                return LogPage([], pruned)
            cursor = self._changes.find({"_id": {"$gt": seq}}).sort("_id", 1).limit(limit)
            docs = await cursor.to_list(None)
        return LogPage([_change(doc) for doc in docs], pruned)

    async def prune(self, before: datetime) -> int:
        with storage_errors("prune the change log"):
            newest = await self._changes.find_one({"at": {"$lt": before}}, sort=[("_id", -1)])
            if newest is None:
                return 0
            await self._counters.update_one(
                {"_id": COUNTER_ID}, {"$max": {"pruned_through": newest["_id"]}}, upsert=True
            )
            result = await self._changes.delete_many({"_id": {"$lte": newest["_id"]}})
        return int(result.deleted_count)


def _change(doc: dict[str, Any]) -> LoggedChange:
    at = doc["at"]
    return LoggedChange(
        seq=int(doc["_id"]),
        record=RecordKind(doc["record"]),
        record_id=doc["record_id"],
        tenant_id=doc["tenant_id"],
        campaign_id=doc.get("campaign_id"),
        action=ChangeAction(doc["action"]),
        actor_id=doc.get("actor_id"),
        op_id=doc["op_id"],
        at=at if at.tzinfo else at.replace(tzinfo=UTC),
    )
