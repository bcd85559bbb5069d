"""The event bus: queues for readers at their own pace, listeners called at once."""

from __future__ import annotations

import logging

import pytest

from app.domain import RenderStatus
from app.services.events import EventBus, EventKind, JobEvent
from tests import factories


def job_event(status: RenderStatus = RenderStatus.RUNNING) -> JobEvent:
    job = factories.render_job().model_copy(update={"status": status})
    return JobEvent(EventKind.JOB_CHANGED, job)


async def test_listeners_are_called_in_order_only_while_they_listen() -> None:
    bus, heard = EventBus(), []
    first, second = job_event(), job_event(RenderStatus.PUBLISHED)
    with bus.listen(heard.append):
        bus.publish(first)
        bus.publish(second)
    bus.publish(job_event())
    assert heard == [first, second]


async def test_a_failing_listener_neither_stops_the_others_nor_the_publisher(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus, heard = EventBus(), []

    def broken(_: JobEvent) -> None:
        raise RuntimeError("listener bug")

    event = job_event()
    async with bus.subscribe() as queue:
        with bus.listen(broken), bus.listen(heard.append), caplog.at_level(logging.ERROR):
            bus.publish(event)
        assert queue.get_nowait() == event
    assert heard == [event]
    assert "an event listener failed" in caplog.text


async def test_a_listener_may_stop_listening_while_called() -> None:
    bus, heard = EventBus(), []
    scope = bus.listen(lambda e: (heard.append(e), scope.__exit__(None, None, None)))
    scope.__enter__()
    with bus.listen(heard.append):
        bus.publish(job_event())
        bus.publish(job_event())
    assert len(heard) == 3  # the self-removing listener heard only the first
