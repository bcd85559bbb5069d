"""Shared fixtures: stores of every kind the contract suite runs against."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.adapters.sqlite import SqliteStore
from app.ports.repositories import Store

MONGODB_URI_ENV = "CAMPAIGN_STUDIO_TEST_MONGODB_URI"
STORE_KINDS = ("sqlite", "mongo-fake", "mongo-real")


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
