"""A FAKE of ``pymongo.AsyncMongoClient`` over ``mongomock``, used ONLY in tests.

No MongoDB server can be installed on the development machines and PyMongo's async client has no
maintained fake (``mongomock-motor`` mimics Motor's API, not PyMongo's), so this module wraps
``mongomock`` in the subset of the ``AsyncMongoClient`` API that ``app.adapters.mongo`` uses:

- client: ``get_database(name, write_concern=..., read_concern=...)``, ``client[name]``,
  ``await client.admin.command("ping" | "hello" | "connectionStatus")``,
  ``await client.server_info()``,
  ``await client.drop_database(name)``, ``await client.close()``;
- collection: ``find_one``, ``find`` (a cursor with ``sort``/``skip``/``limit``,
  ``await cursor.to_list(None)`` and ``async for``), ``insert_one``, ``insert_many``,
  ``replace_one``, ``update_one``, ``update_many``, ``find_one_and_update``,
  ``find_one_and_delete``,
  ``count_documents``, ``delete_many``,
  ``create_index``, ``create_indexes``, ``aggregate`` (awaited; ``to_list`` on the result).

Every mongomock call runs on ONE worker thread (``ThreadPoolExecutor(max_workers=1)``) through
``loop.run_in_executor``, so calls are serialised the way a single server would serialise them and
the event loop never blocks on mongomock's locks. Cursors are advanced with
``next(cursor, _SENTINEL)``: a ``StopIteration`` escaping into a ``Future`` hangs it forever.

It raises the real ``pymongo.errors`` exceptions where mongomock does (``DuplicateKeyError`` on a
unique-index violation, ``BulkWriteError`` from ``insert_many``), so the adapter's translation of
driver errors is exercised.

What mongomock does NOT honour, so tests on this fake prove nothing about them: ``collation`` (it
is silently ignored), ``$text`` search, ``array_filters``, ``$setWindowFields`` and most of the
aggregation language, multi-document transactions and sessions, change streams, read and write
concerns (accepted, ignored), replica sets (``hello`` reports a standalone server) and real
concurrency between clients. Run the contract tests against a real server for those.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import mongomock

T = TypeVar("T")
_SENTINEL: Any = object()


class _Worker:
    """The one thread every mongomock call of a client runs on."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mongomock")

    async def run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(func, *args, **kwargs))

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)


class AsyncMongomockClient:
    """The fake client: ``AsyncMongomockClient(tz_aware=True)`` like ``AsyncMongoClient``."""

    def __init__(self, *, tz_aware: bool = True, **_ignored: Any) -> None:
        self._sync = mongomock.MongoClient(tz_aware=tz_aware)
        self._worker = _Worker()
        self.admin = AsyncMockDatabase(self, "admin", {})
        self.closed = False
        self.authenticated_users: list[dict[str, str]] = []
        """What ``connectionStatus`` reports, e.g. ``[{"user": "ana", "db": "admin"}]``: a test
        plays a server with authentication by setting it (mongomock has no users)."""

    def get_database(self, name: str, **options: Any) -> AsyncMockDatabase:
        return AsyncMockDatabase(self, name, options)

    def __getitem__(self, name: str) -> AsyncMockDatabase:
        return self.get_database(name)

    async def server_info(self) -> dict[str, Any]:
        return await self._worker.run(self._sync.server_info)

    async def drop_database(self, name: str) -> None:
        await self._worker.run(self._sync.drop_database, name)

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._worker.shutdown()


class AsyncMockDatabase:
    """A database; the mongomock object is resolved on the worker thread when first used."""

    def __init__(self, client: AsyncMongomockClient, name: str, options: Mapping[str, Any]):
        self.client = client
        self.name = name
        self._options = dict(options)

    def _resolve(self) -> Any:
        return self.client._sync.get_database(self.name, **self._options)

    def get_collection(self, name: str) -> AsyncMockCollection:
        return AsyncMockCollection(self, name)

    def __getitem__(self, name: str) -> AsyncMockCollection:
        return self.get_collection(name)

    async def command(self, command: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        # mongomock implements only a few commands; answer the handshake as a standalone server.
        if command in ("hello", "isMaster", "ismaster"):
            return {"isWritablePrimary": True, "ismaster": True, "ok": 1.0}
        if command == "connectionStatus":
            users = [dict(user) for user in self.client.authenticated_users]
            return {
                "authInfo": {"authenticatedUsers": users, "authenticatedUserRoles": []},
                "ok": 1.0,
            }
        return await self.client._worker.run(
            lambda: self._resolve().command(command, *args, **kwargs)
        )


class AsyncMockCollection:
    """A collection with the async methods the adapter awaits."""

    def __init__(self, database: AsyncMockDatabase, name: str) -> None:
        self.database = database
        self.name = name

    def _resolve(self) -> Any:
        return self.database._resolve()[self.name]

    async def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        def call() -> Any:
            return getattr(self._resolve(), method)(*args, **kwargs)

        return await self.database.client._worker.run(call)

    def find(self, filter: Mapping[str, Any] | None = None, *args: Any, **kwargs: Any) -> Cursor:
        return Cursor(self, filter, args, kwargs)

    async def find_one(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call("find_one", *args, **kwargs)

    async def insert_one(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call("insert_one", *args, **kwargs)

    async def insert_many(self, documents: Sequence[Any], *args: Any, **kwargs: Any) -> Any:
        return await self._call("insert_many", list(documents), *args, **kwargs)

    async def replace_one(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call("replace_one", *args, **kwargs)

    async def update_one(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call("update_one", *args, **kwargs)

    async def update_many(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call("update_many", *args, **kwargs)

    async def find_one_and_update(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call("find_one_and_update", *args, **kwargs)

    async def find_one_and_delete(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call("find_one_and_delete", *args, **kwargs)

    async def count_documents(self, *args: Any, **kwargs: Any) -> int:
        return int(await self._call("count_documents", *args, **kwargs))

    async def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call("delete_many", *args, **kwargs)

    async def create_index(self, *args: Any, **kwargs: Any) -> str:
        return str(await self._call("create_index", *args, **kwargs))

    async def create_indexes(self, *args: Any, **kwargs: Any) -> list[str]:
        return list(await self._call("create_indexes", *args, **kwargs))

    async def index_information(self) -> dict[str, Any]:
        return dict(await self._call("index_information"))

    async def drop_index(self, name: str) -> None:
        await self._call("drop_index", name)

    async def aggregate(self, pipeline: Sequence[Mapping[str, Any]]) -> ResultCursor:
        """Like PyMongo's async ``aggregate``: awaited, it returns a cursor of the results."""

        def run() -> list[Any]:
            return list(self._resolve().aggregate(list(pipeline)))

        return ResultCursor(await self.database.client._worker.run(run))


class ResultCursor:
    """The already computed documents of an aggregation, behind ``to_list``."""

    def __init__(self, documents: list[Any]) -> None:
        self._documents = documents

    async def to_list(self, length: int | None = None) -> list[Any]:
        return self._documents if length is None else self._documents[:length]


class Cursor:
    """A lazy cursor: ``sort``/``skip``/``limit`` record options; fetching runs on the worker."""

    def __init__(
        self,
        collection: AsyncMockCollection,
        filter: Mapping[str, Any] | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        self._collection = collection
        self._filter = filter
        self._args = args
        self._kwargs = kwargs
        self._steps: list[tuple[str, tuple[Any, ...]]] = []
        self._sync: Any = None

    def sort(self, *args: Any) -> Cursor:
        self._steps.append(("sort", args))
        return self

    def skip(self, count: int) -> Cursor:
        self._steps.append(("skip", (count,)))
        return self

    def limit(self, count: int) -> Cursor:
        self._steps.append(("limit", (count,)))
        return self

    def _open(self) -> Any:
        if self._sync is None:
            cursor = self._collection._resolve().find(self._filter, *self._args, **self._kwargs)
            for method, args in self._steps:
                cursor = getattr(cursor, method)(*args)
            self._sync = cursor
        return self._sync

    def _next(self) -> Any:
        return next(self._open(), _SENTINEL)

    def _take(self, length: int | None) -> list[Any]:
        items: list[Any] = []
        while length is None or len(items) < length:
            item = self._next()
            if item is _SENTINEL:
                break
            items.append(item)
        return items

    async def to_list(self, length: int | None = None) -> list[Any]:
        return await self._collection.database.client._worker.run(self._take, length)

    def __aiter__(self) -> Cursor:
        return self

    async def __anext__(self) -> Any:
        item = await self._collection.database.client._worker.run(self._next)
        if item is _SENTINEL:
            raise StopAsyncIteration
        return item
