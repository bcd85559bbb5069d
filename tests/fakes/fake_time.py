"""A clock and a sleeper that move time on at once, for tests that must not wait in real time.

Every wait is recorded and queued by its deadline; the earliest one ends first, and the clock
then reads its deadline. Waits end one at a time, each a loop turn or so after the previous one,
so the code a wait wakes runs (and queues its own next wait) before time moves on again, much as
it would in real time, only without the pauses.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from datetime import datetime, timedelta

from app.domain.common import utc_now

PACE_SECONDS = 0.001
"""Real time between two waits' ends: enough for the sockets and database threads a woken
wait starts to make progress, so a test does not spin the process while it waits on them."""


class FakeTime:
    """A :class:`~app.ports.clock.Clock` and :class:`~app.ports.clock.Sleeper` in one.

    Attributes:
        waits: the seconds of every wait asked for, in order.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or utc_now()  # records made with the real clock still compare
        self.waits: list[float] = []
        self._queue: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._mover: asyncio.Task[None] | None = None
        self._watchers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._now

    async def asked(self, seconds: float) -> None:
        """Return once some code asks for a wait of ``seconds`` (after this call): e.g. a loop
        that waits that long between rounds has finished the round before."""
        asked = asyncio.get_running_loop().create_future()
        self._watchers.append((seconds, asked))
        await asked

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        for watched, asked in [w for w in self._watchers if w[0] == seconds]:
            self._watchers.remove((watched, asked))
            if not asked.done():
                asked.set_result(None)
        done = asyncio.get_running_loop().create_future()
        heapq.heappush(
            self._queue, (self._now + timedelta(seconds=seconds), next(self._order), done)
        )
        if self._mover is None or self._mover.done():
            self._mover = asyncio.get_running_loop().create_task(self._move_on())
        try:
            await done
        finally:
            done.cancel()  # a cancelled wait leaves the queue at its turn

    async def wait(self, event: asyncio.Event, seconds: float) -> bool:
        if event.is_set():
            return True
        waiting = asyncio.ensure_future(event.wait())
        sleeping = asyncio.ensure_future(self.sleep(seconds))
        try:
            await asyncio.wait({waiting, sleeping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (waiting, sleeping):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        return event.is_set()

    async def _move_on(self) -> None:
        while self._queue:
            await asyncio.sleep(PACE_SECONDS)
            while self._queue and self._queue[0][2].done():
                heapq.heappop(self._queue)  # cancelled
            if self._queue:
                deadline, _, done = heapq.heappop(self._queue)
                self._now = max(self._now, deadline)
                done.set_result(None)
