"""Quick checks of the MongoDB adapter (the contract suite goes further), on the mongomock shim
and on the real server named by CAMPAIGN_STUDIO_TEST_MONGODB_URI (skipped when it is not set)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pymongo.errors import ServerSelectionTimeoutError

from app.adapters.mongo import MongoStore
from app.adapters.mongo.indexes import MIGRATIONS
from app.config import mask_uri
from app.domain import (
    ActivityEntry,
    Asset,
    AssetQuery,
    AssetType,
    Campaign,
    CreativeKind,
    Member,
    Post,
    RenderJob,
    RenderStatus,
    Role,
    Strategy,
    StrategyDraft,
)
from app.domain.errors import ConfigurationError, Conflict, NotFound, StorageError
from tests.conftest import MONGO_KINDS, MongoWorkstations, open_store
from tests.fakes.mongomock_async import AsyncMongomockClient

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=MONGO_KINDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MongoStore]:
    async for opened in open_store(request.param, tmp_path):
        assert isinstance(opened, MongoStore)
        yield opened


def _campaign(tenant: str = "acme", name: str = "Spring", at: datetime = T0) -> Campaign:
    return Campaign(tenant_id=tenant, name=name, created_by="ana", created_at=at, updated_at=at)


def _asset(tenant: str, filename: str, *, digit: str, at: datetime, **extra: object) -> Asset:
    return Asset.model_validate(
        {
            "tenant_id": tenant,
            "type": "image",
            "filename": filename,
            "size": 10,
            "sha256": digit * 64,
            "storage_key": f"k/{digit}",
            "uploaded_by": "ana",
            "uploaded_at": at,
            **extra,
        }
    )


def _job(tenant: str, *, at: datetime, status: RenderStatus = RenderStatus.QUEUED) -> RenderJob:
    return RenderJob(
        tenant_id=tenant,
        campaign_id="c1",
        creative_id="cr1",
        kind=CreativeKind.IMAGE,
        prompt="a lighthouse",
        provider="replicate",
        status=status,
        created_by="ana",
        created_at=at,
        available_at=at,
    )


async def test_open_is_idempotent_and_describe_hides_nothing_secret(
    request: pytest.FixtureRequest, store: MongoStore
) -> None:
    await store.open()
    facts = await store.describe()
    assert facts["kind"] == "mongodb"
    assert facts["database"].startswith("cs_test_")
    assert facts["server_version"]
    # The shim answers as a standalone server; SecantusDB runs as the replica set "rs0".
    assert facts["replica_set"] is ("mongo-real" in request.node.callspec.id)
    assert facts["schema_version"] == f"{len(MIGRATIONS)} of {len(MIGRATIONS)}"
    assert "read_only" not in facts
    assert "location" not in facts or "@" not in facts["location"]


async def test_opening_drops_the_indexes_of_earlier_releases(
    mongo_workstations: MongoWorkstations,
) -> None:
    database = mongo_workstations.raw()
    await MIGRATIONS[0].apply(database)  # a first release's database: its indexes, no version
    jobs = database["render_jobs"]
    assert "claim" in await jobs.index_information()
    store = mongo_workstations.store()
    await store.open()
    await store.open()  # again: nothing left to drop
    indexes = await jobs.index_information()
    assert "claim" not in indexes
    assert list(indexes["claim_in_order"]["key"]) == [
        ("status", 1),
        ("available_at", 1),
        ("created_at", 1),
        ("_id", 1),
    ]


def test_mask_uri_hides_passwords() -> None:
    masked = mask_uri("mongodb://ana:s3cret@db.example:27017/?tlsCertificateKeyFilePassword=pw")
    assert "s3cret" not in masked
    assert "pw" not in masked.split("?", 1)[1]
    assert masked.startswith("mongodb://ana:****@db.example")


async def test_add_get_update_and_stale_update(store: MongoStore) -> None:
    campaign = await store.campaigns.add(_campaign())
    assert campaign.revision == 1
    assert await store.campaigns.get("acme", campaign.id) == campaign

    renamed = await store.campaigns.update(campaign.model_copy(update={"name": "Summer"}))
    assert renamed.revision == 2
    assert await store.campaigns.get("acme", campaign.id) == renamed

    with pytest.raises(Conflict, match="changed by someone else"):
        await store.campaigns.update(campaign)
    with pytest.raises(Conflict, match="already exists"):
        await store.campaigns.add(campaign)
    with pytest.raises(NotFound, match="not found"):
        await store.campaigns.update(_campaign().model_copy(update={"revision": 1}))


async def test_unique_indexes_and_add_many_is_all_or_nothing(store: MongoStore) -> None:
    draft = StrategyDraft(objective="grow")
    first = Strategy(tenant_id="acme", campaign_id="c1", version=1, draft=draft, created_by="ana")
    await store.strategies.add(first)
    second = first.model_copy(update={"id": "other-id"})
    with pytest.raises(Conflict, match="strategy version 1 already exists"):
        await store.strategies.add(second)

    assets = [_asset("acme", "a.png", digit=d, at=T0) for d in "ab"]
    clash = _asset("acme", "c.png", digit="a", at=T0)
    with pytest.raises(Conflict, match="same content"):
        await store.assets.add_many([*assets, clash])
    assert (await store.assets.search("acme", AssetQuery())).total == 0
    await store.assets.add_many(assets)
    assert (await store.assets.search("acme", AssetQuery())).total == 2

    member = Member(tenant_id="acme", user_id="ana", roles=frozenset({Role.ADMIN}))
    await store.members.add(member)
    with pytest.raises(Conflict, match="already a member"):
        await store.members.add(Member(tenant_id="acme", user_id="ana"))
    assert await store.members.find("acme", "ana") == member.model_copy(update={"revision": 1})


async def test_tenants_are_isolated(store: MongoStore) -> None:
    campaign = await store.campaigns.add(_campaign("acme"))
    await store.campaigns.add(_campaign("globex"))
    with pytest.raises(NotFound, match="campaign"):
        await store.campaigns.get("globex", campaign.id)
    with pytest.raises(NotFound):
        await store.campaigns.update(campaign.model_copy(update={"tenant_id": "globex"}))
    assert [c.id for c in await store.campaigns.list("acme")] == [campaign.id]


async def test_lists_are_ordered(store: MongoStore) -> None:
    old = await store.campaigns.add(_campaign(name="old", at=T0))
    new = await store.campaigns.add(_campaign(name="new", at=T0 + timedelta(days=1)))
    assert [c.id for c in await store.campaigns.list("acme")] == [new.id, old.id]

    plus_two = timezone(timedelta(hours=2))
    late = Post(
        tenant_id="acme",
        campaign_id="c1",
        creative_id="x",
        channel="Email",
        at=datetime(2025, 3, 2, 11, 0, tzinfo=plus_two),
        created_by="ana",
    )
    early = Post(
        tenant_id="acme",
        campaign_id="c1",
        creative_id="x",
        channel="email",
        at=datetime(2025, 3, 2, 10, 0, tzinfo=UTC),
        created_by="ana",
    )
    await store.posts.add_many([early, late])
    posts = await store.posts.list_for_campaign("acme", "c1")
    assert [p.id for p in posts] == [late.id, early.id]
    assert posts[0].at.utcoffset() == timedelta(hours=2)

    entries = [
        ActivityEntry(
            tenant_id="acme",
            actor_id="ana",
            action="create",
            object_type="campaign",
            object_id=str(i),
            at=T0 + timedelta(minutes=i),
        )
        for i in range(3)
    ]
    await store.activity.add_many(entries)
    listed = await store.activity.list("acme", limit=2)
    assert [e.object_id for e in listed] == ["2", "1"]


async def test_search_filters_in_order_and_pages(store: MongoStore) -> None:
    await store.assets.add_many(
        [
            _asset("acme", "Hero.PNG", digit="1", at=T0, tags=("spring", "hero")),
            _asset("acme", "hero (1).png", digit="2", at=T0 + timedelta(hours=1), tags=("spring",)),
            _asset("acme", "hero.mp4", digit="3", at=T0 - timedelta(hours=1), type="video"),
            _asset("acme", "old hero.png", digit="4", at=T0, archived=True),
            _asset("globex", "hero.png", digit="5", at=T0),
        ]
    )
    page = await store.assets.search("acme", AssetQuery(filename="HERO", limit=2))
    assert page.total == 3
    assert [a.filename for a in page.items] == ["hero (1).png", "Hero.PNG"]
    page = await store.assets.search("acme", AssetQuery(filename="HERO", limit=2, offset=2))
    assert [a.filename for a in page.items] == ["hero.mp4"]

    literal = await store.assets.search("acme", AssetQuery(filename="(1)"))
    assert [a.filename for a in literal.items] == ["hero (1).png"]
    assert (await store.assets.search("acme", AssetQuery(filename=".*"))).total == 0

    tagged = await store.assets.search("acme", AssetQuery(tags=frozenset({"Spring", "HERO"})))
    assert [a.filename for a in tagged.items] == ["Hero.PNG"]
    videos = await store.assets.search(
        "acme", AssetQuery(types=frozenset({AssetType.VIDEO}), include_archived=True)
    )
    assert [a.filename for a in videos.items] == ["hero.mp4"]
    with_archived = await store.assets.search("acme", AssetQuery(include_archived=True))
    assert with_archived.total == 4
    assert await store.assets.find_by_sha256("globex", "1" * 64) is None


async def test_claim_leases_the_oldest_claimable_job(store: MongoStore) -> None:
    now = T0 + timedelta(hours=1)
    done = _job("acme", at=T0 - timedelta(hours=2), status=RenderStatus.PUBLISHED)
    oldest = _job("globex", at=T0 - timedelta(hours=1))
    newer = _job("acme", at=T0)
    future = _job("acme", at=now + timedelta(minutes=5))
    await store.render_jobs.add_many([done, oldest, newer, future])

    lease = now + timedelta(minutes=1)
    [first] = await store.render_jobs.claim(worker_id="w1", now=now, lease_until=lease)
    assert (first.id, first.lease_owner, first.lease_expires_at) == (oldest.id, "w1", lease)
    assert first.revision == 2
    [second] = await store.render_jobs.claim(worker_id="w2", now=now, lease_until=lease, limit=5)
    assert second.id == newer.id
    assert await store.render_jobs.claim(worker_id="w3", now=now, lease_until=lease) == []
    later = lease + timedelta(seconds=1)
    assert (
        await store.render_jobs.claim(worker_id="w3", now=later, lease_until=lease, room={"fal": 3})
        == []
    )
    again = await store.render_jobs.claim(
        worker_id="w3", now=later, lease_until=later + timedelta(minutes=1), limit=2
    )
    assert [job.id for job in again] == [oldest.id, newer.id]
    assert await store.render_jobs.get("globex", oldest.id) == again[0]

    queued = await store.render_jobs.list("acme", statuses=[RenderStatus.QUEUED])
    assert [j.id for j in queued] == [future.id, newer.id]


async def test_unreachable_server_is_a_storage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # A real client on a closed port leaves monitor sockets for the GC (ResourceWarning), so the
    # failure is injected into the fake instead (no server is involved: shim only).
    async def refuse(*_args: object, **_kwargs: object) -> None:
        raise ServerSelectionTimeoutError("127.0.0.1:1: [Errno 111] Connection refused")

    client = AsyncMongomockClient()
    monkeypatch.setattr(client.admin, "command", refuse)
    store = MongoStore(client, "x", location=mask_uri("mongodb://ana:s3cret@127.0.0.1:1/"))  # type: ignore[arg-type]
    try:
        with pytest.raises(StorageError, match="cannot reach") as caught:
            await store.open()
        assert "s3cret" not in str(caught.value)
    finally:
        await store.close()


async def test_from_uri_masks_the_password_and_refuses_a_bad_uri() -> None:
    store = MongoStore.from_uri("mongodb://ana:s3cret@127.0.0.1:1/", "x")
    await store.close()
    with pytest.raises(ConfigurationError) as caught:
        MongoStore.from_uri("mongodb://ana:s3cret@127.0.0.1:port/", "x")
    assert "s3cret" not in str(caught.value)
    with pytest.raises(ConfigurationError):
        MongoStore.from_uri("http://ana:s3cret@example.com", "x")
