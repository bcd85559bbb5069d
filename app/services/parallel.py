"""Independent steps of one operation run at the same time, with nothing reported as lost.

Each step that waits (a database round trip, a file written in a thread) costs a turn of the
event loop; a read the operation will need later can be started early and awaited when needed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TypeVar

A = TypeVar("A")


def started(work: Awaitable[A]) -> asyncio.Future[A]:
    """``work`` running on its own until awaited; if nobody awaits it (the caller failed
    first), its error is not reported as lost."""
    future = asyncio.ensure_future(work)
    future.add_done_callback(lambda done: done.cancelled() or done.exception())
    return future


async def to_the_end(work: Awaitable[A]) -> A:
    """Await ``work`` to its end even if the caller is cancelled meanwhile (a clean stop), then
    let the cancellation go on: for a step that must not be cut in half (its error, if any,
    is then not raised: the cancellation is)."""
    future = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await future
        raise
