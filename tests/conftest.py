"""Shared fixtures: stores of every kind the contract suite runs against."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import keyring
import pytest

from app.adapters.sqlite import SqliteStore
from app.ports.repositories import Store
from tests.fakes.memory_keyring import MemoryKeyring

MONGODB_URI_ENV = "CAMPAIGN_STUDIO_TEST_MONGODB_URI"
STORE_KINDS = ("sqlite", "mongo-fake", "mongo-real")


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


async def open_store(kind: str, tmp_path: Path) -> AsyncIterator[Store]:
    """Open a fresh, empty store of ``kind``; remove what it wrote afterwards."""
    if kind == "sqlite":
        sqlite = SqliteStore(tmp_path / "campaign-studio.sqlite3")
        await sqlite.open()
        yield sqlite
        await sqlite.close()
        return
    from app.adapters.mongo import MongoStore
    from tests.fakes.mongomock_async import AsyncMongomockClient

    database = f"cs_test_{uuid.uuid4().hex[:12]}"
    if kind == "mongo-fake":
        mongo = MongoStore(AsyncMongomockClient(), database)
    else:
        uri = os.environ.get(MONGODB_URI_ENV)
        if not uri:
            pytest.skip(f"no real MongoDB server: set {MONGODB_URI_ENV} to run against one")
        mongo = MongoStore.from_uri(uri, database)
    await mongo.open()
    try:
        yield mongo
    finally:
        await mongo.drop_database()
        await mongo.close()


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
