"""A clock and a sleeper whose time moves only when a test says so, or when nothing else can run.

:class:`FakeTime` is a :class:`~app.ports.clock.Clock` and a :class:`~app.ports.clock.Sleeper`
in one. Every wait is queued by its deadline. Time moves in two ways:

- :meth:`FakeTime.advance` moves it on by a number of seconds, ending every wait due meanwhile,
  earliest first;
- with ``auto=True`` (the default), once the event loop has had nothing to run for a few
  milliseconds of real time while waits are queued, time jumps to the earliest deadline and the
  waits due then end (the "time machine": a poll 5 s away comes as soon as the code is idle).

Waits end one deadline at a time, so the code a wait wakes runs (and queues its next wait)
before time moves again, much as in real time, only without the pauses. Idle is judged from the
loop's ready queue: a database thread or a socket still busy after the quiet stretch simply
looks like a slow one in real time (time moves while it works), never like a reordered one.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from datetime import datetime, timedelta
from types import TracebackType

from app.domain.common import utc_now

QUIET_STEP = 0.001
"""Real seconds between two looks at the loop while waits are queued."""
QUIET_LOOKS = 3
"""Looks in a row at an idle loop before time jumps to the next deadline."""


class FakeTime:
    """A clock and a sleeper for tests (see the module's docstring).

    Args:
        start: the time at first (default: now, so records made with the real clock compare).
        auto: jump to the next deadline whenever the loop is idle.

    Attributes:
        waits: the seconds of every wait asked for, in order.
    """

    def __init__(self, start: datetime | None = None, *, auto: bool = True) -> None:
        self._now = start or utc_now()
        self._auto = auto
        self.waits: list[float] = []
        self._queue: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._mover: asyncio.Task[None] | None = None
        self._watchers: list[tuple[float, asyncio.Future[None]]] = []
        self._closed = False

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        for watched in [w for w in self._watchers if w[0] == seconds]:
            self._watchers.remove(watched)
            if not watched[1].done():
                watched[1].set_result(None)
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        deadline = self._now + timedelta(seconds=max(0.0, seconds))
        heapq.heappush(self._queue, (deadline, next(self._order), done))
        if self._auto and not self._closed and (self._mover is None or self._mover.done()):
            self._mover = loop.create_task(self._move_on(), name="fake-time")
        try:
            await done
        finally:
            done.cancel()  # a cancelled wait is skipped when its deadline comes

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

    async def asked(self, seconds: float) -> None:
        """Return once some code asks for a wait of ``seconds`` (after this call): e.g. a loop
        that waits that long between rounds has finished the round before."""
        asked: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._watchers.append((seconds, asked))
        await asked

    async def advance(self, seconds: float) -> None:
        """Move time on by ``seconds``, ending the waits due meanwhile, earliest first (the
        code each wakes runs before the next ends)."""
        until = self._now + timedelta(seconds=seconds)
        while (deadline := self._next_deadline()) is not None and deadline <= until:
            self._wake_next()
            await _turns(3)
        self._now = max(self._now, until)

    async def aclose(self) -> None:
        """Stop moving time on its own (waits still queued stay so until cancelled)."""
        self._closed = True
        if self._mover is not None:
            self._mover.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._mover

    async def __aenter__(self) -> FakeTime:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _next_deadline(self) -> datetime | None:
        while self._queue and self._queue[0][2].done():
            heapq.heappop(self._queue)  # cancelled
        return self._queue[0][0] if self._queue else None

    def _wake_next(self) -> None:
        """End every wait of the earliest deadline, the clock reading that deadline."""
        deadline = self._next_deadline()
        assert deadline is not None
        self._now = max(self._now, deadline)
        while self._queue and self._queue[0][0] == deadline:
            _, _, done = heapq.heappop(self._queue)
            if not done.done():
                done.set_result(None)

    async def _move_on(self) -> None:
        loop = asyncio.get_running_loop()
        quiet = 0
        while self._next_deadline() is not None:
            await asyncio.sleep(QUIET_STEP)
            # The ready queue is private to asyncio's loops, but it is the one place that tells
            # "nothing can run" from "something is about to run"; tests only.
            ready = len(getattr(loop, "_ready", ()))
            quiet = quiet + 1 if ready == 0 else 0
            if quiet >= QUIET_LOOKS and self._next_deadline() is not None:
                self._wake_next()
                quiet = 0


async def _turns(count: int) -> None:
    for _ in range(count):
        await asyncio.sleep(0)
