"""The one owner of the core's background tasks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from app.domain.changes import outside_operations

log = logging.getLogger(__name__)


class TaskRunner:
    """Starts named background tasks, keeps references to them, logs their failures and
    cancels them all on :meth:`close`. A name runs at most once at a time."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._closed = False

    def start(self, name: str, factory: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        """Run ``factory()`` as task ``name`` unless it is already running; returns the task."""
        if self._closed:
            raise RuntimeError("the task runner is closed")
        running = self._tasks.get(name)
        if running is not None and not running.done():
            return running

        async def run() -> None:
            await factory()

        # Not part of the operation that started it: its writes are the core's own.
        task = asyncio.create_task(run(), name=name, context=outside_operations())
        self._tasks[name] = task
        task.add_done_callback(lambda done: self._finished(name, done))
        return task

    async def wait(self, name: str, factory: Callable[[], Awaitable[None]]) -> None:
        """Start (or join) task ``name`` and wait for it; its failure is logged, not raised."""
        await asyncio.wait([self.start(name, factory)])

    def _finished(self, name: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(name) is task:
            del self._tasks[name]
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", name, exc_info=task.exception())

    def cancel(self, name: str) -> None:
        """Cancel task ``name`` if it runs."""
        task = self._tasks.get(name)
        if task is not None:
            task.cancel()

    @property
    def running(self) -> list[str]:
        return sorted(self._tasks)

    async def close(self) -> None:
        """Cancel every task and wait until they have all stopped."""
        self._closed = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
