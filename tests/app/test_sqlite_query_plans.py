"""Every query the embedded store makes is served by an index: no full table scan, no sort of
the whole result. Checked on SQLite's own query plans of the statements really executed."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.adapters.sqlite import SqliteStore
from app.adapters.sqlite.render_jobs import CLAIMABLE_SQL
from app.domain import AssetQuery, AssetType, RenderStatus
from tests import factories
from tests.factories import at


@pytest.fixture
async def traced(tmp_path: Path) -> AsyncIterator[tuple[SqliteStore, list[str]]]:
    store = SqliteStore(tmp_path / "studio.sqlite3")
    await store.open()
    statements: list[str] = []
    connection = store._db._connection
    assert connection is not None
    connection.set_trace_callback(statements.append)
    yield store, statements
    connection.set_trace_callback(None)
    await store.close()


def _plans(path: Path, statements: list[str]) -> dict[str, str]:
    connection = sqlite3.connect(path)
    plans = {}
    for sql in statements:
        if sql.lstrip().upper().startswith("SELECT") and "sqlite_master" not in sql:
            rows = connection.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
            plans[sql] = "\n".join(row[3] for row in rows)
    connection.close()
    return plans


_FULL_SCAN = re.compile(r"^SCAN (\w+)$", re.MULTILINE)


async def test_every_read_uses_an_index(
    traced: tuple[SqliteStore, list[str]], tmp_path: Path
) -> None:
    store, statements = traced
    await store.assets.add_many(
        [factories.asset(name=f"f{n}.png", tags=("a", "b"), uploaded_at=at(n)) for n in range(30)]
    )
    await store.render_jobs.add(factories.render_job(provider_job_id="p1"))
    statements.clear()
    for query in (
        AssetQuery(),
        AssetQuery(include_archived=True),
        AssetQuery(types=frozenset({AssetType.VIDEO, AssetType.IMAGE})),
        AssetQuery(tags=frozenset({"a", "b"})),
        AssetQuery(filename="F1"),
        AssetQuery(
            types=frozenset({AssetType.IMAGE}),
            tags=frozenset({"a"}),
            filename="f",
            include_archived=True,
            offset=10,
            limit=5,
        ),
    ):
        await store.assets.search("acme", query)
    await store.assets.search("acme", AssetQuery(category="Brand", filename="x"))
    await store.assets.find_by_sha256("acme", "0" * 64)
    await store.assets.categories("acme")
    await store.creatives.list_using_asset("acme", "a1")
    await store.creatives.count_using_assets("acme", ["a1", "a2"])
    await store.campaigns.list("acme")
    await store.members.list("acme")
    await store.members.find("acme", "ana")
    await store.strategies.list_for_campaign("acme", "c1")
    await store.strategies.find_active("acme", "c1")
    await store.approvals.list_for_campaign("acme", "c1")
    await store.creatives.list_for_campaign("acme", "c1", stale_only=True)
    await store.creatives.list_for_campaign("acme", "c1")
    await store.posts.list_for_campaign("acme", "c1")
    await store.ad_plans.list_for_campaign("acme", "c1")
    await store.render_jobs.list("acme")
    await store.render_jobs.list("acme", campaign_id="c1", statuses=[RenderStatus.QUEUED])
    await store.render_jobs.list("acme", statuses=[RenderStatus.RUNNING])
    await store.render_jobs.claim(worker_id="w", now=at(5), lease_until=at(30))
    await store.render_jobs.claim(
        worker_id="w", now=at(5), lease_until=at(30), limit=5, room={"replicate": 2, "runway": 5}
    )
    await store.render_jobs.find_by_provider_job("local-image", "p1")
    await store.activity.list("acme")
    await store.activity.list("acme", campaign_id="c1")
    plans = _plans(store.path, statements)
    assert len(plans) >= 25
    for sql, plan in plans.items():
        assert not _FULL_SCAN.search(plan), f"full table scan:\n{sql}\n{plan}"
        if ("FROM assets" in sql or "lease_expires_at" in sql) and "ORDER BY" in sql:
            assert "TEMP B-TREE FOR ORDER BY" not in plan, f"sorts all matches:\n{sql}\n{plan}"
    claims = [plan for sql, plan in plans.items() if "lease_expires_at" in sql]
    assert len(claims) == 2
    assert all("USING INDEX render_jobs_claimable" in plan for plan in claims), claims


async def test_the_claim_query_names_exactly_the_claimable_statuses() -> None:
    """The claim query spells its statuses out (so that SQLite matches it with the partial
    index's WHERE): they must be the ones the domain calls claimable."""
    spelled = set(re.findall(r"'(\w+)'", CLAIMABLE_SQL))
    assert spelled == {RenderStatus.QUEUED.value, RenderStatus.RUNNING.value}
