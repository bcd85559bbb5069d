"""A user's workspaces are found through an index on both stores, not by reading every member."""

from __future__ import annotations

from pathlib import Path

from app.adapters.mongo.indexes import MIGRATIONS as MONGO_STEPS
from app.adapters.sqlite import SqliteStore
from tests.app.test_sqlite_query_plans import _plans, traced

__all__ = ["traced"]  # the fixture, shared with the query plan tests


async def test_memberships_by_user_use_the_index_on_sqlite(
    traced: tuple[SqliteStore, list[str]], tmp_path: Path
) -> None:
    store, statements = traced
    await store.members.list_for_user("ana")
    [plan] = _plans(store.path, statements).values()
    # Without its index, SQLite scans the whole (tenant, user) index instead.
    assert plan.startswith("SEARCH members USING")
    assert "INDEX members_by_user (user_id=?)" in plan


def test_mongodb_indexes_memberships_by_user() -> None:
    created = [
        index.document
        for step in MONGO_STEPS
        for index in step.create.get("members", [])
        if index.document["name"] == "user_tenant"
    ]
    assert [list(doc["key"]) for doc in created] == [["user_id", "tenant_id"]]
