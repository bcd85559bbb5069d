"""The clock and sleeper ports, so that time can be controlled in tests."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import Protocol

from app.domain.common import utc_now


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, UTC, millisecond precision."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return utc_now()


class Sleeper(Protocol):
    """Waits a while: the code that backs off or polls waits through this, so that tests can
    move time on at once (with a clock that moves with it) instead of waiting in real time."""

    async def sleep(self, seconds: float) -> None:
        """Return after ``seconds``."""
        ...

    async def wait(self, event: asyncio.Event, seconds: float) -> bool:
        """Return when ``event`` is set or after ``seconds``, whichever comes first.

        Returns:
            Whether ``event`` is set.
        """
        ...


class SystemSleeper:
    """The real sleeper: the event loop's own timers."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def wait(self, event: asyncio.Event, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await event.wait()
        return event.is_set()
