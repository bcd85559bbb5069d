"""The change feed: every write is reported once, with who made it, to every core that follows
the same store, on SQLite, the MongoDB shim and a real MongoDB-protocol server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from app.adapters.sqlite import SqliteStore
from app.adapters.storage import LocalBlobStore
from app.bootstrap import Core, build_core
from app.config import AppSettings
from app.domain import Actor, ApprovalScope, Role
from app.domain.changes import RELOAD, ChangeAction, ChangeEvent, RecordKind
from app.ports.repositories import Store
from app.services import change_follower
from tests import samples
from tests.app.workflow.helpers import at, campaign_with_strategy, full_draft, text_creative
from tests.conftest import MongoWorkstations

ANA = Actor(tenant_id="acme", user_id="ana", roles={Role.ADMIN})
BEA = Actor(tenant_id="acme", user_id="bea", roles={Role.APPROVER})
GUS = Actor(tenant_id="globex", user_id="gus", roles={Role.ADMIN})
WAIT = 10.0

Queue = asyncio.Queue[ChangeEvent]


def build(store: Store, data: Path) -> Core:
    settings = AppSettings(data_dir=data, render_worker=False)
    return build_core(settings, store, LocalBlobStore(data / "media"))


@pytest.fixture
async def core(store: Store, tmp_path: Path) -> AsyncIterator[Core]:
    built = build(store, tmp_path / "data")
    yield built
    await built.close()


@pytest.fixture(params=["sqlite", "mongo-fake", "mongo-real"])
async def two_cores(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Core, Core]]:
    """Two cores on one database, each with its own connection: two processes on one data
    folder, or two workstations on one MongoDB."""
    workstations = None
    if request.param == "sqlite":
        stores: list[Store] = [SqliteStore(tmp_path / "studio.sqlite3") for _ in range(2)]
    else:
        workstations = MongoWorkstations(request.param)
        stores = [workstations.store(), workstations.store()]
    for opened in stores:
        await opened.open()
    cores = [build(opened, tmp_path / f"data{n}") for n, opened in enumerate(stores)]
    yield cores[0], cores[1]
    for built in cores:
        await built.close()
    if workstations is not None:
        await workstations.close()
    else:
        for opened in stores:
            await opened.close()


async def next_event(
    events: Queue, check: Callable[[ChangeEvent], bool] = lambda _: True
) -> ChangeEvent:
    async with asyncio.timeout(WAIT):
        while not check(event := await events.get()):
            pass
    return event


async def events_until(events: Queue, last: Callable[[ChangeEvent], bool]) -> list[ChangeEvent]:
    """Every event up to and including the first one ``last`` accepts."""
    seen: list[ChangeEvent] = []
    async with asyncio.timeout(WAIT):
        while not seen or not last(seen[-1]):
            seen.append(await events.get())
    return seen


async def through_marker(core: Core, events: Queue) -> list[ChangeEvent]:
    """Every event of the changes made so far: those before a marker change made now."""
    marker = await core.campaigns.create_campaign(ANA, "Marker")
    seen = await events_until(events, of(RecordKind.CAMPAIGN, marker.id))
    return [event for event in seen if event.op_id != seen[-1].op_id]


def of(record: RecordKind, record_id: str, action: ChangeAction | None = None) -> Callable:
    def check(event: ChangeEvent) -> bool:
        return (
            event.record is record
            and event.record_id == record_id
            and (action is None or event.action is action)
        )

    return check


async def test_a_strategy_update_reports_every_record_its_cascade_touched_as_one_operation(
    core: Core,
) -> None:
    campaign = await campaign_with_strategy(core)
    old = await core.strategies.get_active(ANA, campaign.id)
    creative = await text_creative(core, campaign.id)
    await core.approvals.approve(BEA, campaign.id, ApprovalScope.STRATEGY)
    async with core.events.subscribe(ANA) as events:
        new = await core.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Calm"))
        seen = await through_marker(core, events)
    changed = {(e.record, e.record_id, e.action) for e in seen}
    assert (RecordKind.STRATEGY, new.id, ChangeAction.CREATED) in changed
    assert (RecordKind.STRATEGY, old.id, ChangeAction.UPDATED) in changed  # invalidated
    assert (RecordKind.CREATIVE, creative.id, ChangeAction.UPDATED) in changed  # stale
    approvals = await core.approvals.get_approvals(ANA, campaign.id)
    strategy_approval = approvals[ApprovalScope.STRATEGY].id
    assert (RecordKind.APPROVAL, strategy_approval, ChangeAction.UPDATED) in changed
    assert {e.op_id for e in seen} == {seen[0].op_id}, "one operation"
    assert {e.actor_id for e in seen} == {"ana"}
    assert {e.campaign_id for e in seen} == {campaign.id}
    seqs = [e.seq for e in seen]
    assert seqs == sorted(seqs), "in order"
    assert len(set(seqs)) == len(seqs), "none twice"


async def test_every_kind_of_record_is_reported(core: Core, tmp_path: Path) -> None:
    async with core.events.subscribe(ANA) as events:
        workspace = await core.workspaces.create_workspace(ANA, "Acme Two")
        ana_there = Actor(tenant_id=workspace.id, user_id="ana", roles={Role.ADMIN})
        await core.workspaces.add_member(ANA, "bea", [Role.APPROVER])
        campaign = await campaign_with_strategy(core)
        creative = await text_creative(core, campaign.id)
        await core.campaigns.schedule_post(
            ANA, campaign.id, creative_id=creative.id, channel="instagram", at=at(2)
        )
        await core.campaigns.create_ad_plan(
            ANA,
            campaign.id,
            name="Spring",
            channel="instagram",
            budget={"amount": 100, "currency": "EUR"},
        )
        await core.approvals.approve(BEA, campaign.id, ApprovalScope.STRATEGY)
        asset = await core.storage.upload(ANA, samples.png(tmp_path / "hero.png"))
        job = await core.renderer.queue_render(ANA, creative.id, kind="image", prompt="a bike")
        seen = await events_until(events, of(RecordKind.RENDER_JOB, job.id))
    kinds = {e.record for e in seen}
    assert kinds >= set(RecordKind) - {RecordKind.WORKSPACE}
    assert asset.id in {e.record_id for e in seen}
    assert all(e.tenant_id == "acme" for e in seen)
    # The new workspace's own record is reported to the new workspace's subscribers.
    async with core.events.subscribe(ana_there) as there:
        await core.workspaces.rename_workspace(ana_there, "Acme Three")
        renamed = await next_event(there, of(RecordKind.WORKSPACE, workspace.id))
    assert (renamed.action, renamed.actor_id) == (ChangeAction.UPDATED, "ana")


async def test_a_subscriber_hears_only_its_workspace(core: Core) -> None:
    async with (
        core.events.subscribe(GUS, records=["campaign"]) as globex,
        core.events.subscribe(ANA, records=["campaign"]) as acme,
    ):
        theirs = await core.campaigns.create_campaign(GUS, "Globex launch")
        ours = await core.campaigns.create_campaign(ANA, "Acme launch")
        assert (await next_event(acme)).record_id == ours.id
        assert (await next_event(globex)).record_id == theirs.id
        assert acme.empty()
        assert globex.empty()


async def test_a_member_removed_is_reported_as_deleted(core: Core) -> None:
    await core.workspaces.add_member(ANA, "bea", [Role.APPROVER])
    member = next(m for m in await core.workspaces.list_members(ANA) if m.user_id == "bea")
    async with core.events.subscribe(ANA, records=["member"]) as events:
        await core.workspaces.remove_member(ANA, "bea")
        gone = await next_event(events)
    assert (gone.record_id, gone.action, gone.actor_id) == (member.id, ChangeAction.DELETED, "ana")


async def test_another_core_on_the_same_store_hears_each_change_once_within_two_seconds(
    two_cores: tuple[Core, Core],
) -> None:
    here, there = two_cores
    async with there.events.subscribe(ANA, records=["campaign"]) as events:
        written: dict[str, float] = {}
        arrived: dict[str, float] = {}

        async def hear(count: int) -> None:
            while len(arrived) < count:
                event = await next_event(events)
                assert event.record_id not in arrived, "delivered twice"
                arrived[str(event.record_id)] = time.monotonic()

        listening = asyncio.create_task(hear(20))
        for n in range(20):
            made = await here.campaigns.create_campaign(ANA, f"Launch {n}")
            written[made.id] = time.monotonic()
        await here.campaigns.create_campaign(GUS, "Not for acme")
        await listening
        # A last change made there marks the end: nothing came twice in between.
        last = await there.campaigns.create_campaign(ANA, "Closing")
        assert (await next_event(events)).record_id == last.id
    assert list(arrived) == list(written), "in the order they were made"
    delays = sorted(arrived[key] - written[key] for key in written)
    assert delays[18] <= 2.0, f"p95 {delays[18]:.3f} s"  # the 19th of 20


async def test_on_a_replica_set_a_change_is_pushed_without_waiting_for_the_next_look(
    two_cores: tuple[Core, Core], monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """The real server here is a replica set with change streams; the shim and SQLite have
    none, and say so at once, so their followers read the log on their own schedule."""
    here, there = two_cores
    monkeypatch.setattr(change_follower, "POLL_SECONDS", 3600.0)  # no regular look comes
    pushes = request.node.callspec.params["two_cores"] == "mongo-real"
    woken = asyncio.Event()
    watching = asyncio.create_task(there.store.changes.watch(woken.set))
    async with there.events.subscribe(ANA, records=["campaign"]) as events:
        made = await here.campaigns.create_campaign(ANA, "Pushed")
        if pushes:
            assert (await next_event(events)).record_id == made.id
        else:
            assert await asyncio.wait_for(watching, WAIT) is False
    watching.cancel()


async def test_render_progress_reaches_another_core_without_being_logged(
    two_cores: tuple[Core, Core],
) -> None:
    here, there = two_cores
    campaign = await campaign_with_strategy(here)
    creative = await text_creative(here, campaign.id)
    async with there.events.subscribe(ANA, records=["render_job"]) as events:
        job = await here.renderer.queue_render(ANA, creative.id, kind="image", prompt="a bike")
        queued = await next_event(events, of(RecordKind.RENDER_JOB, job.id))
        running = job.model_copy(update={"status": "running"})
        running = await here.store.render_jobs.update(running)
        moved = running.model_copy(update={"progress": {"fraction": 0.5, "step": 5}})
        moved = await here.store.render_jobs.update(moved)
        progress = await next_event(events, lambda e: e.job is not None and e.job.revision == 3)
    assert (queued.action, queued.job and queued.job.status.value) == ("created", "queued")
    assert progress.seq is None  # progress is read from the job, not the log
    assert progress.job is not None
    assert progress.job.progress.fraction == 0.5
    assert ChangeAction(progress.action) is ChangeAction.UPDATED


async def test_a_follower_behind_a_pruned_log_gets_one_reload(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    follower = await _parked_follower(core, monkeypatch)
    async with core.events.subscribe(ANA, records=["campaign"]) as events:
        await core.campaigns.create_campaign(ANA, "One")
        await core.campaigns.create_campaign(ANA, "Two")
        await core.store.changes.prune(core.clock.now() + timedelta(days=1))
        await follower.catch_up()
        assert [events.get_nowait() for _ in range(events.qsize())] == [RELOAD]
        after = await core.campaigns.create_campaign(ANA, "Three")
        await follower.catch_up()
        assert [e.record_id for e in [events.get_nowait()]] == [after.id]


async def test_a_gap_in_the_log_is_waited_for_then_passed(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry numbered but not yet inserted (MongoDB logs after the write) holds the ones
    behind it back until it comes or stays away for GAP_SECONDS."""
    follower = await _parked_follower(core, monkeypatch)
    async with core.events.subscribe(ANA, records=["campaign"]) as events:
        first = await core.campaigns.create_campaign(ANA, "One")
        second = await core.campaigns.create_campaign(ANA, "Two")
        original = core.store.changes.read_after

        async def without_first(seq: int, *, limit: int):  # the first one's insert is late
            page = await original(seq, limit=limit)
            return type(page)([c for c in page.changes if c.record_id != first.id], 0)

        monkeypatch.setattr(core.store.changes, "read_after", without_first)
        await follower.catch_up()
        assert events.empty()
        monkeypatch.setattr(change_follower, "GAP_SECONDS", 0.0)
        await follower.catch_up()
        assert [events.get_nowait().record_id] == [second.id]


async def _parked_follower(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> change_follower.ChangeFollower:
    """The core's follower, started and then parked: it reads only when the test says (no
    regular looks, no change stream)."""
    monkeypatch.setattr(change_follower, "POLL_SECONDS", 3600.0)

    async def no_stream(wake: Callable[[], None]) -> bool:
        return False

    monkeypatch.setattr(core.store.changes, "watch", no_stream)
    follower = core.events._follower
    assert isinstance(follower, change_follower.ChangeFollower)
    await follower.start()
    return follower
