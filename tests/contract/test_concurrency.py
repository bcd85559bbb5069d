"""Contract: concurrent writers never lose an update (``update`` refuses a stale revision,
``modify`` applies changes one after another without ever refusing); a job is claimed by
exactly one worker."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from app.adapters.mongo.repositories import MongoCampaignRepository
from app.adapters.sqlite import SqliteStore
from app.domain import Campaign, RenderStatus
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.ports.repositories import CampaignRepository, Store
from tests import factories
from tests.factories import at


async def test_fifty_concurrent_read_modify_writes_lose_nothing(store: Store) -> None:
    campaign = await store.campaigns.add(factories.campaign())
    conflicts = 0

    async def add_channel(number: int) -> None:
        nonlocal conflicts
        while True:
            current = await store.campaigns.get("acme", campaign.id)
            await asyncio.sleep(0)  # let the other writers read the same revision
            try:
                await store.campaigns.update(
                    current.model_copy(update={"channels": (*current.channels, f"ch{number}")})
                )
                return
            except Conflict:
                conflicts += 1

    await asyncio.gather(*(add_channel(n) for n in range(50)))
    final = await store.campaigns.get("acme", campaign.id)
    assert sorted(final.channels) == sorted(f"ch{n}" for n in range(50))
    assert final.revision == 51
    assert conflicts > 0  # the writers really raced


def _with_channel(name: str) -> Callable[[Campaign], Campaign]:
    def change(campaign: Campaign) -> Campaign:
        return campaign.model_copy(update={"channels": (*campaign.channels, name)})

    return change


async def test_fifty_concurrent_modifies_all_land_and_none_conflicts(store: Store) -> None:
    campaign = await store.campaigns.add(factories.campaign(channels=()))
    stale = campaign

    outcomes = await asyncio.gather(
        *(
            store.campaigns.modify("acme", campaign.id, _with_channel(f"ch{n}"), known=stale)
            for n in range(50)
        )
    )

    final = await store.campaigns.get("acme", campaign.id)
    assert sorted(final.channels) == sorted(f"ch{n}" for n in range(50))
    assert final.revision == 51
    assert sorted(outcome.revision for outcome in outcomes) == list(range(2, 52))


@asynccontextmanager
async def second_connection(store: Store) -> AsyncIterator[CampaignRepository]:
    """The campaigns of ``store``'s database as another process would reach them: a second
    SQLite connection to the same file, or a second MongoDB repository on the same database
    (the two take no turns with each other, as two workstations would not)."""
    if isinstance(store, SqliteStore):
        other = SqliteStore(store.path)
        await other.open()
        try:
            yield other.campaigns
        finally:
            await other.close()
        return
    yield MongoCampaignRepository(store._db)  # type: ignore[attr-defined]


async def test_modifies_from_two_connections_all_land(store: Store) -> None:
    campaign = await store.campaigns.add(factories.campaign(channels=()))

    async with second_connection(store) as other:
        await asyncio.gather(
            *(
                (store.campaigns, other)[n % 2].modify("acme", campaign.id, _with_channel(f"ch{n}"))
                for n in range(40)
            )
        )

    final = await store.campaigns.get("acme", campaign.id)
    assert sorted(final.channels) == sorted(f"ch{n}" for n in range(40))
    assert final.revision == 41


async def test_modify_applies_the_change_to_the_stored_record_not_a_stale_copy(
    store: Store,
) -> None:
    campaign = await store.campaigns.add(factories.campaign(channels=("web",)))
    fresh = await store.campaigns.modify(
        "acme", campaign.id, _with_channel("email"), known=campaign
    )
    assert (fresh.channels, fresh.revision) == (("web", "email"), 2)

    changed = await store.campaigns.modify(
        "acme", campaign.id, _with_channel("print"), known=campaign
    )

    assert changed.channels == ("web", "email", "print")
    assert changed.revision == 3
    assert await store.campaigns.get("acme", campaign.id) == changed


async def test_modify_writes_nothing_when_nothing_changes_or_the_change_refuses(
    store: Store,
) -> None:
    campaign = await store.campaigns.add(factories.campaign())

    def refuse(current: Campaign) -> Campaign:
        raise InvalidInput("no")

    assert await store.campaigns.modify("acme", campaign.id, lambda c: c) == campaign
    with pytest.raises(InvalidInput):
        await store.campaigns.modify("acme", campaign.id, refuse)
    assert await store.campaigns.get("acme", campaign.id) == campaign


async def test_modify_never_reaches_another_workspace_or_a_missing_record(store: Store) -> None:
    campaign = await store.campaigns.add(factories.campaign(tenant="globex"))

    with pytest.raises(NotFound):
        await store.campaigns.modify("acme", campaign.id, _with_channel("x"))
    with pytest.raises(NotFound):
        await store.campaigns.modify("acme", "missing", _with_channel("x"))
    assert await store.campaigns.get("globex", campaign.id) == campaign


async def test_twenty_concurrent_claimers_take_every_job_exactly_once(store: Store) -> None:
    jobs = [factories.render_job(created_at=at(n), available_at=at(n)) for n in range(60)]
    await store.render_jobs.add_many(jobs)
    claimed: list[str] = []

    async def worker(number: int) -> None:
        while True:
            jobs = await store.render_jobs.claim(
                worker_id=f"w{number}", now=at(100), lease_until=at(160), limit=number % 3 + 1
            )
            if not jobs:
                return
            assert {job.lease_owner for job in jobs} == {f"w{number}"}
            claimed.extend(job.id for job in jobs)
            await asyncio.sleep(random.random() / 1000)

    await asyncio.gather(*(worker(n) for n in range(20)))
    assert sorted(claimed) == sorted(job.id for job in jobs)
    assert len(set(claimed)) == len(jobs)


async def test_claims_go_oldest_first_and_skip_jobs_not_yet_due(store: Store) -> None:
    late = factories.render_job(available_at=at(500), created_at=at(0))
    second = factories.render_job(available_at=at(20), created_at=at(1))
    first = factories.render_job(available_at=at(10), created_at=at(2))
    await store.render_jobs.add_many([late, second, first])
    claim = store.render_jobs.claim
    assert [j.id for j in await claim(worker_id="w", now=at(100), lease_until=at(130))] == [
        first.id
    ]
    assert [j.id for j in await claim(worker_id="w", now=at(100), lease_until=at(130))] == [
        second.id
    ]
    assert await claim(worker_id="w", now=at(100), lease_until=at(130)) == []


async def test_an_expired_lease_is_reclaimable_and_a_live_one_is_not(store: Store) -> None:
    job = await store.render_jobs.add(
        factories.render_job(status="running", provider_job_id="pred-1")
    )
    claim = store.render_jobs.claim
    [leased] = await claim(worker_id="a", now=at(0), lease_until=at(30))
    assert (leased.lease_owner, leased.lease_expires_at) == ("a", at(30))
    assert await claim(worker_id="b", now=at(29), lease_until=at(59)) == []
    [taken_over] = await claim(worker_id="b", now=at(31), lease_until=at(61))
    assert (taken_over.id, taken_over.lease_owner) == (job.id, "b")
    assert taken_over.provider_job_id == "pred-1"  # the new worker resumes polling it
    stored = await store.render_jobs.get("acme", job.id)
    assert stored.lease_owner == "b"


async def test_finished_jobs_are_never_claimed(store: Store) -> None:
    finished = [
        factories.render_job(status=status)
        for status in (RenderStatus.PUBLISHED, RenderStatus.FAILED, RenderStatus.CANCELLED)
    ]
    await store.render_jobs.add_many(finished)
    assert await store.render_jobs.claim(worker_id="w", now=at(99), lease_until=at(130)) == []


async def test_claims_can_be_limited_to_providers(store: Store) -> None:
    video = await store.render_jobs.add(factories.render_job(provider="runway", kind="video"))
    await store.render_jobs.add(factories.render_job(provider="replicate"))
    claimed = await store.render_jobs.claim(
        worker_id="w", now=at(1), lease_until=at(30), limit=5, room={"runway": 5, "pika": 5}
    )
    assert [job.id for job in claimed] == [video.id]
    runway_only = {"runway": 1, "replicate": 0}
    assert (
        await store.render_jobs.claim(
            worker_id="w", now=at(1), lease_until=at(30), room=runway_only
        )
        == []
    )


async def test_a_batch_claim_takes_the_oldest_jobs_within_each_providers_room(
    store: Store,
) -> None:
    providers = ["replicate", "local-image", "replicate", "local-image", "replicate", "runway"]
    jobs = [
        factories.render_job(provider=name, created_at=at(n), available_at=at(n))
        for n, name in enumerate(providers)
    ]
    await store.render_jobs.add_many(jobs)
    room = {"replicate": 10, "local-image": 1, "runway": 0}
    claimed = await store.render_jobs.claim(
        worker_id="w", now=at(50), lease_until=at(80), limit=3, room=room
    )
    assert [job.id for job in claimed] == [jobs[0].id, jobs[1].id, jobs[2].id]
    assert {job.lease_owner for job in claimed} == {"w"}
    rest = await store.render_jobs.claim(
        worker_id="v", now=at(50), lease_until=at(80), limit=10, room=room
    )
    assert [job.id for job in rest] == [jobs[3].id, jobs[4].id]  # never the runway job
    assert (
        await store.render_jobs.claim(worker_id="v", now=at(50), lease_until=at(80), limit=0) == []
    )
    stored = await store.render_jobs.get("acme", jobs[3].id)
    assert (stored.lease_owner, stored.lease_expires_at) == ("v", at(80))


async def test_a_claim_bumps_the_revision_so_a_stale_holder_conflicts(store: Store) -> None:
    job = await store.render_jobs.add(factories.render_job())
    [leased] = await store.render_jobs.claim(worker_id="w", now=at(1), lease_until=at(30))
    assert leased.revision == job.revision + 1
    with pytest.raises(Conflict):
        await store.render_jobs.update(job.model_copy(update={"status": "cancelled"}))


async def test_jobs_are_found_by_their_provider_id_across_tenants(store: Store) -> None:
    job = await store.render_jobs.add(
        factories.render_job("globex", provider="replicate", provider_job_id="abc")
    )
    assert await store.render_jobs.find_by_provider_job("replicate", "abc") == job
    assert await store.render_jobs.find_by_provider_job("runway", "abc") is None
