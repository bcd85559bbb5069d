"""Shared fixtures: stores of every kind the contract suite runs against."""

from __future__ import annotations

import importlib.abc
import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import keyring
import pytest

from app.adapters.sqlite import SqliteStore
from app.ports.repositories import Store
from tests.fakes.memory_keyring import MemoryKeyring

if TYPE_CHECKING:
    from app.adapters.mongo import MongoStore
    from app.adapters.mongo.schema import Step

WITHOUT_QT_ENV = "CAMPAIGN_STUDIO_TEST_WITHOUT_QT"
QT_MODULES = ("PySide6", "shiboken6", "qasync", "pytestqt")


class _NoQt(importlib.abc.MetaPathFinder):
    """Makes Qt unimportable, as on a machine without it: the core's tests prove they need none."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.split(".")[0] in QT_MODULES:
            raise ModuleNotFoundError(f"No module named {name!r} (Qt is blocked here)", name=name)


if os.environ.get(WITHOUT_QT_ENV):
    sys.meta_path.insert(0, _NoQt())

MONGODB_URI_ENV = "CAMPAIGN_STUDIO_TEST_MONGODB_URI"
MONGO_KINDS = ("mongo-fake", "mongo-real")
STORE_KINDS = ("sqlite", *MONGO_KINDS)


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[MemoryKeyring]:
    """Every test starts with no CAMPAIGN_STUDIO_* variables, no config file and an empty
    in-memory keyring, so the machine's own settings and secrets never leak in."""
    for name in list(os.environ):
        if name.startswith("CAMPAIGN_STUDIO_") and name != MONGODB_URI_ENV:
            monkeypatch.delenv(name)
    monkeypatch.setenv("CAMPAIGN_STUDIO_CONFIG_FILE", str(tmp_path / "no-config.toml"))
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


class MongoWorkstations:
    """Clients of several workstations on one fresh MongoDB database of ``kind``: the mongomock
    shim (one shared in-memory server) or the real server named by
    ``CAMPAIGN_STUDIO_TEST_MONGODB_URI`` (skipped when it is not set)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.database = f"cs_test_{uuid.uuid4().hex[:12]}"
        self.uri = os.environ.get(MONGODB_URI_ENV, "") if kind == "mongo-real" else ""
        """The real server's URI; empty on the shim."""
        if kind == "mongo-real" and not self.uri:
            pytest.skip(f"no real MongoDB server: set {MONGODB_URI_ENV} to run against one")
        self._shared: Any = None
        self._clients: list[Any] = []
        self._stores: list[MongoStore] = []

    def client(self) -> Any:
        """A new client of a real server; the shim's one client (its server lives in it)."""
        if not self.uri:
            from tests.fakes.mongomock_async import AsyncMongomockClient

            if self._shared is None:
                self._shared = AsyncMongomockClient(tz_aware=True)
                self._clients.append(self._shared)
            return self._shared
        from pymongo import AsyncMongoClient

        client: Any = AsyncMongoClient(self.uri, tz_aware=True, serverSelectionTimeoutMS=5000)
        self._clients.append(client)
        return client

    def raw(self) -> Any:
        """The database without any store in between: to plant and inspect what stores wrote."""
        return self.client()[self.database]

    def store(self, migrations: Sequence[Step] | None = None) -> MongoStore:
        """An unopened store of one more workstation (``migrations``: play another release);
        on a real server, this release's stores are made as the app makes them, from the URI."""
        from app.adapters.mongo import MongoStore

        if migrations is not None:
            store = MongoStore(self.client(), self.database, migrations=migrations)
        elif self.uri:
            store = MongoStore.from_uri(self.uri, self.database)
        else:
            store = MongoStore(self.client(), self.database)
        self._stores.append(store)
        return store

    async def close(self) -> None:
        """Drop the database, then close every store and client."""
        try:
            await self.client().drop_database(self.database)
        finally:
            for store in self._stores:
                await store.close()
            for client in self._clients:
                await client.close()


async def open_store(kind: str, tmp_path: Path) -> AsyncIterator[Store]:
    """Open a fresh, empty store of ``kind``; remove what it wrote afterwards."""
    if kind == "sqlite":
        sqlite = SqliteStore(tmp_path / "campaign-studio.sqlite3")
        await sqlite.open()
        yield sqlite
        await sqlite.close()
        return
    workstations = MongoWorkstations(kind)
    try:
        mongo = workstations.store()
        await mongo.open()
        yield mongo
    finally:
        await workstations.close()


@pytest.fixture(params=MONGO_KINDS)
async def mongo_workstations(request: pytest.FixtureRequest) -> AsyncIterator[MongoWorkstations]:
    """Workstations sharing a fresh database on the mongomock shim and on a real server."""
    workstations = MongoWorkstations(request.param)
    yield workstations
    await workstations.close()


@pytest.fixture(params=STORE_KINDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A fresh store of each kind: the embedded SQLite file, MongoDB on the mongomock shim, and a
    real MongoDB server when ``CAMPAIGN_STUDIO_TEST_MONGODB_URI`` is set (skipped otherwise)."""
    async for opened in open_store(request.param, tmp_path):
        yield opened


def pytest_report_header(config: pytest.Config) -> str:
    if os.environ.get(MONGODB_URI_ENV):
        return "store contract: sqlite, mongo-fake, mongo-real (CAMPAIGN_STUDIO_TEST_MONGODB_URI)"
    return (
        f"store contract: sqlite, mongo-fake; mongo-real is SKIPPED (set {MONGODB_URI_ENV} "
        "to run the same suite against a real MongoDB server)"
    )
