"""The event bus: queues for readers at their own pace, listeners called at once."""

from __future__ import annotations

import asyncio
import logging

import pytest

from app.domain import Actor, RenderJob, RenderStatus, Role
from app.domain.changes import RELOAD, ChangeAction, ChangeEvent, EventKind, RecordKind
from app.domain.errors import InvalidInput
from app.services import events as events_module
from app.services.events import EventBus, JobEvent
from tests import factories


def job(status: RenderStatus = RenderStatus.RUNNING) -> RenderJob:
    return factories.render_job().model_copy(update={"status": status})


def change(
    record: RecordKind = RecordKind.CAMPAIGN,
    *,
    tenant_id: str = "acme",
    campaign_id: str | None = "c1",
    seq: int = 1,
) -> ChangeEvent:
    return ChangeEvent(
        record=record,
        record_id=f"{record}-{seq}",
        tenant_id=tenant_id,
        campaign_id=campaign_id,
        action=ChangeAction.UPDATED,
        actor_id="ana",
        seq=seq,
        op_id="op",
    )


async def test_listeners_are_called_in_order_only_while_they_listen() -> None:
    bus, heard = EventBus(), []
    first, second = job(), job(RenderStatus.PUBLISHED)
    with bus.listen(heard.append):
        bus.publish_job(first)
        bus.publish_job(second)
    bus.publish_job(job())
    assert heard == [
        JobEvent(EventKind.JOB_CHANGED, first),
        JobEvent(EventKind.JOB_FINISHED, second),
    ]


async def test_a_failing_listener_neither_stops_the_others_nor_the_publisher(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus, heard = EventBus(), []

    def broken(_: JobEvent) -> None:
        raise RuntimeError("listener bug")

    with bus.listen(broken), bus.listen(heard.append), caplog.at_level(logging.ERROR):
        bus.publish_job(job())
    assert len(heard) == 1
    assert "an event listener failed" in caplog.text


async def test_a_listener_may_stop_listening_while_called() -> None:
    bus, heard = EventBus(), []
    scope = bus.listen(lambda e: (heard.append(e), scope.__exit__(None, None, None)))
    scope.__enter__()
    with bus.listen(heard.append):
        bus.publish_job(job())
        bus.publish_job(job())
    assert len(heard) == 3  # the self-removing listener heard only the first


async def test_subscribers_get_only_what_their_filters_let_through() -> None:
    bus = EventBus()
    ana = Actor(tenant_id="acme", user_id="ana", roles={Role.VIEWER})
    mine, other_campaign = change(seq=1), change(campaign_id="c2", seq=2)
    post, elsewhere = change(RecordKind.POST, seq=3), change(tenant_id="globex", seq=4)
    async with (
        bus.subscribe(ana) as workspace,
        bus.subscribe(ana, campaign_id="c1", records=["post"]) as posts,
        bus.subscribe() as everything,
    ):
        for event in (mine, other_campaign, post, elsewhere):
            bus.deliver(event)
        bus.deliver(RELOAD)
        assert drain(workspace) == [mine, other_campaign, post, RELOAD]
        assert drain(posts) == [post, RELOAD]
        assert drain(everything) == [mine, other_campaign, post, elsewhere, RELOAD]


async def test_a_subscriber_that_falls_behind_gets_one_reload_instead_of_what_it_missed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(events_module, "QUEUE_SIZE", 3)
    bus = EventBus()
    async with bus.subscribe() as queue:
        for seq in range(1, 10):
            bus.deliver(change(seq=seq))
        assert drain(queue) == [RELOAD]
        bus.deliver(change(seq=10))  # caught up: events flow again
        assert drain(queue) == [change(seq=10)]


async def test_a_filter_naming_an_unknown_record_kind_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no such kind of record: campain"):
        async with EventBus().subscribe(records=["campain"]):
            pass


def drain(queue: asyncio.Queue[ChangeEvent]) -> list[ChangeEvent]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items
