"""Independent steps of one operation run at the same time, with nothing left behind.

Each step that waits (a database round trip, a file written in a thread) costs a turn of the
event loop; when two such steps do not depend on each other, waiting for both at once halves
that cost. Unlike a bare ``asyncio.gather``, :func:`both` lets every step finish before an
error is raised, so the caller's clean-up never races a step still running.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

A = TypeVar("A")
B = TypeVar("B")


async def both(first: Awaitable[A], second: Awaitable[B]) -> tuple[A, B]:
    """The results of ``first`` and ``second``, run together.

    Raises:
        BaseException: The first step's error if it failed, else the second's; only once
            both have finished.
    """
    one, two = await asyncio.gather(first, second, return_exceptions=True)
    if isinstance(one, BaseException):
        raise one
    if isinstance(two, BaseException):
        raise two
    return one, two


def started(work: Awaitable[A]) -> asyncio.Future[A]:
    """``work`` running on its own until awaited; if nobody awaits it (the caller failed
    first), its error is not reported as lost."""
    future = asyncio.ensure_future(work)
    future.add_done_callback(lambda done: done.cancelled() or done.exception())
    return future
