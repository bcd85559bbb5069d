"""The core's event stream: what changed, for the UI, notifications and waiting callers.

Two ways to follow it: :meth:`EventBus.subscribe` gives a queue to read at one's own pace (the
UI, notifications); :meth:`EventBus.listen` calls a function at once, in the publisher's turn,
for the core's own bookkeeping (a waiting call, the worker's slots), which then costs no task
wake-up per event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from enum import StrEnum

from app.domain import RenderJob

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000


class EventKind(StrEnum):
    JOB_CHANGED = "job_changed"
    JOB_FINISHED = "job_finished"  # published
    JOB_FAILED = "job_failed"
    JOB_CANCELLED = "job_cancelled"


@dataclass(frozen=True)
class JobEvent:
    """A render job changed (``kind`` says how); ``job`` is its new state."""

    kind: EventKind
    job: RenderJob


class EventBus:
    """In-process publish/subscribe. Each subscriber has its own bounded queue; a subscriber
    that falls more than :data:`QUEUE_SIZE` events behind loses the oldest ones (a UI reloads
    on the next event), so a slow reader never holds the core up."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[JobEvent]] = set()
        self._listeners: dict[int, Callable[[JobEvent], None]] = {}
        self._next_listener = 0

    def publish(self, event: JobEvent) -> None:
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)
        for listener in list(self._listeners.values()):
            try:
                listener(event)
            except Exception:  # one broken listener must not stop the others or the writer
                log.exception("an event listener failed on %s", event.kind)

    @contextmanager
    def listen(self, listener: Callable[[JobEvent], None]) -> Iterator[None]:
        """``with bus.listen(fn): ...`` calls ``fn(event)`` for every event published meanwhile,
        at once and in order; ``fn`` must be quick and must not wait."""
        key = self._next_listener
        self._next_listener += 1
        self._listeners[key] = listener
        try:
            yield
        finally:
            self._listeners.pop(key, None)

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[JobEvent]]:
        """``async with bus.subscribe() as events: event = await events.get()``."""
        queue: asyncio.Queue[JobEvent] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    def publish_job(self, job: RenderJob) -> None:
        """Publish the event that fits the job's status."""
        kind = {
            "published": EventKind.JOB_FINISHED,
            "failed": EventKind.JOB_FAILED,
            "cancelled": EventKind.JOB_CANCELLED,
        }.get(job.status.value, EventKind.JOB_CHANGED)
        self.publish(JobEvent(kind, job))
