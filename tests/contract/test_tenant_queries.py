"""Contract: list queries, ordering, unique identities and tenant isolation of every query."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from app.domain import CreativeKind, RenderStatus, StrategyStatus
from app.domain.errors import Conflict
from app.ports.repositories import Store
from tests import factories
from tests.factories import at


async def test_campaigns_list_newest_first_and_only_the_tenants(store: Store) -> None:
    older = await store.campaigns.add(factories.campaign(created_at=at(0), name="Old"))
    newer = await store.campaigns.add(factories.campaign(created_at=at(60), name="New"))
    await store.campaigns.add(factories.campaign("globex", created_at=at(30)))
    assert [c.id for c in await store.campaigns.list("acme")] == [newer.id, older.id]
    assert await store.campaigns.list("initech") == []


async def test_strategies_oldest_first_and_the_active_one(store: Store) -> None:
    v1 = await store.strategies.add(factories.strategy(version=1, status="invalidated"))
    v2 = await store.strategies.add(factories.strategy(version=2))
    await store.strategies.add(factories.strategy("globex", version=3))
    assert [s.version for s in await store.strategies.list_for_campaign("acme", "c1")] == [1, 2]
    assert await store.strategies.find_active("acme", "c1") == v2
    assert await store.strategies.find_active("acme", "other") is None
    assert await store.strategies.find_active("globex", "c1") is not None
    await store.strategies.update(v2.model_copy(update={"status": StrategyStatus.INVALIDATED}))
    assert await store.strategies.find_active("acme", "c1") is None
    assert v1.status is StrategyStatus.INVALIDATED


async def test_a_strategy_version_exists_once_per_campaign(store: Store) -> None:
    await store.strategies.add(factories.strategy(version=1))
    with pytest.raises(Conflict):
        await store.strategies.add(factories.strategy(version=1))
    await store.strategies.add(factories.strategy(campaign_id="c2", version=1))
    await store.strategies.add(factories.strategy("globex", version=1))


async def test_approvals_come_in_scope_order_one_per_scope(store: Store) -> None:
    for scope in ("ads", "schedule", "strategy", "content"):
        await store.approvals.add(factories.approval(scope=scope))
    with pytest.raises(Conflict):
        await store.approvals.add(factories.approval(scope="content"))
    scopes = [a.scope.value for a in await store.approvals.list_for_campaign("acme", "c1")]
    assert scopes == ["strategy", "content", "schedule", "ads"]
    assert await store.approvals.list_for_campaign("globex", "c1") == []


async def test_creatives_in_creation_order_and_stale_only(store: Store) -> None:
    first = await store.creatives.add(factories.creative(created_at=at(0), stale=True))
    second = await store.creatives.add(
        factories.creative(created_at=at(5), kind=CreativeKind.IMAGE, prompt="meadow")
    )
    await store.creatives.add(factories.creative("globex", stale=True))
    listed = await store.creatives.list_for_campaign("acme", "c1")
    assert [c.id for c in listed] == [first.id, second.id]
    assert [
        c.id for c in await store.creatives.list_for_campaign("acme", "c1", stale_only=True)
    ] == [first.id]


async def test_posts_in_time_order_across_time_zones(store: Store) -> None:
    new_york = timezone(timedelta(hours=-5))
    late = await store.posts.add(factories.post(at=at(3600).astimezone(new_york)))
    early = await store.posts.add(factories.post(at=at(0)))
    await store.posts.add(factories.post("globex"))
    posts = await store.posts.list_for_campaign("acme", "c1")
    assert [p.id for p in posts] == [early.id, late.id]
    assert posts[1].at.utcoffset() == timedelta(hours=-5)


async def test_ad_plans_of_a_campaign(store: Store) -> None:
    plan = await store.ad_plans.add(factories.ad_plan())
    await store.ad_plans.add(factories.ad_plan(campaign_id="c2"))
    await store.ad_plans.add(factories.ad_plan("globex"))
    assert await store.ad_plans.list_for_campaign("acme", "c1") == [plan]


async def test_members_one_per_user_and_tenant(store: Store) -> None:
    ana = await store.members.add(factories.member(user_id="ana"))
    bob = await store.members.add(factories.member(user_id="bob"))
    with pytest.raises(Conflict):
        await store.members.add(factories.member(user_id="ana"))
    await store.members.add(factories.member("globex", user_id="ana"))
    assert await store.members.find("acme", "ana") == ana
    assert await store.members.find("acme", "zoe") is None
    assert await store.members.list("acme") == [ana, bob]


async def test_render_jobs_filtered_by_campaign_and_status_newest_first(store: Store) -> None:
    queued = await store.render_jobs.add(factories.render_job(created_at=at(0)))
    running = await store.render_jobs.add(factories.render_job(created_at=at(10), status="running"))
    other = await store.render_jobs.add(factories.render_job(campaign_id="c2", created_at=at(5)))
    await store.render_jobs.add(factories.render_job("globex"))
    jobs = store.render_jobs
    assert [j.id for j in await jobs.list("acme")] == [running.id, other.id, queued.id]
    assert [j.id for j in await jobs.list("acme", campaign_id="c1")] == [running.id, queued.id]
    assert [j.id for j in await jobs.list("acme", statuses=[RenderStatus.QUEUED])] == [
        other.id,
        queued.id,
    ]
    assert await jobs.list("acme", campaign_id="c2", statuses=["running"]) == []


async def test_activity_newest_first_with_limit_and_campaign(store: Store) -> None:
    for second in range(5):
        await store.activity.add(factories.activity(at=at(second), campaign_id="c1"))
    other = await store.activity.add(factories.activity(at=at(10), campaign_id="c2"))
    await store.activity.add(factories.activity("globex", at=at(20)))
    newest = await store.activity.list("acme", limit=3)
    assert [e.at for e in newest] == [at(10), at(4), at(3)]
    assert newest[0].id == other.id
    assert len(await store.activity.list("acme", campaign_id="c1")) == 5


async def test_creatives_using_an_asset(store: Store) -> None:
    first = await store.creatives.add(factories.creative(created_at=at(0), asset_ids=("a1",)))
    second = await store.creatives.add(factories.creative(created_at=at(1), asset_ids=("a1", "a2")))
    await store.creatives.add(factories.creative("globex", asset_ids=("a1",)))
    using = store.creatives.list_using_asset
    assert [c.id for c in await using("acme", "a1")] == [first.id, second.id]
    assert [c.id for c in await using("acme", "a2")] == [second.id]
    await store.creatives.update(second.model_copy(update={"asset_ids": ("a2",)}))
    assert [c.id for c in await using("acme", "a1")] == [first.id]
    assert await using("acme", "a3") == []


async def test_creatives_using_assets_are_counted_per_asset(store: Store) -> None:
    await store.creatives.add(factories.creative(created_at=at(0), asset_ids=("a1",)))
    await store.creatives.add(factories.creative(created_at=at(1), asset_ids=("a1", "a2", "a1")))
    await store.creatives.add(factories.creative("globex", asset_ids=("a1", "a3")))
    count = store.creatives.count_using_assets
    assert await count("acme", ["a1", "a2", "a3", "a4"]) == {"a1": 2, "a2": 1}
    assert await count("globex", ["a1", "a2"]) == {"a1": 1}
    assert await count("acme", []) == {}
    many = [f"x{n}" for n in range(1200)] + ["a2"]  # more ids than one query binds
    assert await count("acme", many) == {"a2": 1}


async def test_marking_a_versions_creatives_stale_in_one_write(store: Store) -> None:
    old = [
        await store.creatives.add(factories.creative(created_at=at(n), strategy_version=1))
        for n in range(3)
    ]
    fresh = await store.creatives.add(factories.creative(strategy_version=2))
    other_campaign = await store.creatives.add(factories.creative(campaign_id="c2"))
    theirs = await store.creatives.add(factories.creative("globex", strategy_version=1))
    assert await store.creatives.mark_stale("acme", "c1", 1, at(99)) == 3
    for creative in old:
        stored = await store.creatives.get("acme", creative.id)
        assert (stored.stale, stored.revision, stored.updated_at) == (True, 2, at(99))
    assert not (await store.creatives.get("acme", fresh.id)).stale
    assert not (await store.creatives.get("acme", other_campaign.id)).stale
    assert not (await store.creatives.get("globex", theirs.id)).stale
    assert await store.creatives.mark_stale("acme", "c1", 1, at(100)) == 0
    with pytest.raises(Conflict):  # a writer holding the pre-cascade revision must re-read
        await store.creatives.update(old[0].model_copy(update={"title": "Late edit"}))
