"""A database whose writes can be refused: an older release on a database a newer one upgraded.

The repositories get their collections from a :class:`GuardedDatabase`; once :class:`WriteGuard`
holds a refusal, every write method of every collection raises :class:`ReadOnlyDatabase` with it,
before anything reaches the server, while reads go on. Guarding the collections rather than each
repository method keeps every write path covered, including ones added later.
"""

from __future__ import annotations

from typing import Any

from app.domain.errors import ReadOnlyDatabase

WRITES = frozenset(
    {
        "insert_one",
        "insert_many",
        "replace_one",
        "update_one",
        "update_many",
        "delete_one",
        "delete_many",
        "find_one_and_delete",
        "find_one_and_replace",
        "find_one_and_update",
        "bulk_write",
        "create_index",
        "create_indexes",
        "create_search_index",
        "create_search_indexes",
        "drop",
        "drop_index",
        "drop_indexes",
        "drop_search_index",
        "update_search_index",
        "rename",
    }
)
"""The methods of ``pymongo.asynchronous.collection.AsyncCollection`` that change data."""


class WriteGuard:
    """Whether writes are allowed; :meth:`refuse` stops them, :meth:`allow` lets them go on."""

    def __init__(self) -> None:
        self.refusal: str | None = None

    def refuse(self, message: str) -> None:
        """Make every later write raise :class:`ReadOnlyDatabase` with ``message``."""
        self.refusal = message

    def allow(self) -> None:
        """Let writes go on."""
        self.refusal = None


class GuardedDatabase:
    """A database (``AsyncDatabase`` or the test fake) whose collections obey ``guard``."""

    def __init__(self, database: Any, guard: WriteGuard) -> None:
        self._database = database
        self._guard = guard

    def __getitem__(self, name: str) -> GuardedCollection:
        return GuardedCollection(self._database[name], self._guard)

    def get_collection(self, name: str, **options: Any) -> GuardedCollection:
        """The collection ``name``, guarded."""
        return GuardedCollection(self._database.get_collection(name, **options), self._guard)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._database, name)


class GuardedCollection:
    """A collection whose write methods raise the guard's refusal, if any."""

    def __init__(self, collection: Any, guard: WriteGuard) -> None:
        self._collection = collection
        self._guard = guard

    def __getattr__(self, name: str) -> Any:
        refusal = self._guard.refusal
        if refusal is not None and name in WRITES:
            raise ReadOnlyDatabase(refusal)
        return getattr(self._collection, name)
