"""The one owner of the window's background tasks (house style: async rule 3).

Every core call a view model makes runs as a task started here: the runner keeps a reference,
names it, cancels the task it supersedes (a second search cancels the first), hands unexpected
failures to one handler, and cancels everything when the window closes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


class UiTaskRunner:
    """Named background tasks of the desktop app.

    Args:
        on_unexpected: called with any exception a task ends with that is not a cancellation
            (the view models catch the core's ``AppError``s themselves); the app shows a
            report dialog.
    """

    def __init__(self, on_unexpected: Callable[[BaseException], None] | None = None) -> None:
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._on_unexpected = on_unexpected
        self._closed = False
        self._observers: list[Callable[[list[str]], None]] = []

    def observe(self, observer: Callable[[list[str]], None]) -> None:
        """Call ``observer`` with :attr:`running` whenever a task starts or ends (the window's
        busy indicator)."""
        self._observers.append(observer)

    def _notify(self) -> None:
        if self._observers:
            running = self.running
            for observer in self._observers:
                observer(running)

    def start(self, key: str, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coroutine`` as task ``key``, cancelling a task of the same key still running."""
        if self._closed:
            coroutine.close()
            raise RuntimeError("the window's tasks are closed")
        previous = self._tasks.get(key)
        if previous is not None and not previous.done():
            previous.cancel()
        task = asyncio.get_running_loop().create_task(coroutine, name=key)
        self._tasks[key] = task
        task.add_done_callback(lambda done: self._finished(key, done))
        self._notify()
        return task

    def cancel(self, key: str) -> None:
        task = self._tasks.get(key)
        if task is not None:
            task.cancel()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called: the window is going away, nothing new starts."""
        return self._closed

    @property
    def running(self) -> list[str]:
        return sorted(key for key, task in self._tasks.items() if not task.done())

    def _finished(self, key: str, task: asyncio.Task[Any]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
            self._notify()
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            return
        log.error("task %s failed", key, exc_info=error)
        if self._on_unexpected is not None:
            self._on_unexpected(error)

    async def close(self) -> None:
        """Cancel every task and wait until all have stopped."""
        self._closed = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
