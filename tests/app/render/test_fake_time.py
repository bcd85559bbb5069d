"""The fake time the render tests run on: it moves when told, or when nothing else can run."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from tests.fakes.fake_time import FakeTime


async def test_an_idle_loop_jumps_to_the_next_wake_up_in_order() -> None:
    async with FakeTime() as fake:
        start, woken = fake.now(), []

        async def sleeper(seconds: float) -> None:
            await fake.sleep(seconds)
            woken.append((seconds, fake.now() - start))

        began = time.monotonic()
        await asyncio.gather(sleeper(300), sleeper(5), sleeper(60))
    assert woken == [(s, timedelta(seconds=s)) for s in (5, 60, 300)]
    assert time.monotonic() - began < 2  # not five minutes


async def test_without_auto_time_moves_only_when_the_test_says() -> None:
    async with FakeTime(auto=False) as fake:
        start, event = fake.now(), asyncio.Event()
        short = asyncio.create_task(fake.sleep(1))
        long = asyncio.create_task(fake.wait(event, 2))
        await fake.asked(2)  # both have asked for their waits
        assert not short.done()
        assert fake.now() == start

        await fake.advance(1.5)
        assert short.done()
        assert not long.done()
        assert fake.now() == start + timedelta(seconds=1.5)
        event.set()
        assert await long is True  # the event ended the wait before its deadline
    assert fake.waits == [1, 2]


async def test_a_cancelled_wait_is_skipped_and_the_mover_stops_at_close() -> None:
    fake = FakeTime()
    waiting = asyncio.create_task(fake.sleep(10))
    await asyncio.sleep(0)
    waiting.cancel()
    await fake.sleep(20)  # the cancelled 10 s wait does not hold time at 10 s
    assert fake.waits == [10, 20]
    await fake.aclose()
    assert all(task.get_name() != "fake-time" for task in asyncio.all_tasks())
