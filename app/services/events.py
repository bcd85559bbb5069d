"""The core's event stream: what changed, for the UI, notifications and waiting callers.

Two ways to follow it:

- :meth:`EventBus.subscribe` gives a queue of :class:`~app.domain.changes.ChangeEvent` (one per
  changed record, whichever process or workstation changed it), read at one's own pace: the
  UI, notifications. The events come from the store's change log and the active render jobs,
  through a :class:`~app.services.change_follower.ChangeFollower` started with the first
  subscriber.
- :meth:`EventBus.listen` calls a function at once, in the publisher's turn, with each render
  job change made in this process (:class:`JobEvent`): the core's own bookkeeping (a waiting
  call, the worker's slots), which then costs no task wake-up per event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Collection, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Protocol

from app.domain import Actor, RenderJob
from app.domain.changes import RELOAD, ChangeEvent, EventKind, RecordKind
from app.domain.errors import InvalidInput

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000


class Follower(Protocol):
    """What feeds the subscribers (:class:`~app.services.change_follower.ChangeFollower`)."""

    async def start(self) -> None: ...

    def nudge(self) -> None: ...

    async def catch_up(self) -> None: ...


@dataclass(frozen=True)
class JobEvent:
    """A render job changed in this process (``kind`` says how); ``job`` is its new state."""

    kind: EventKind
    job: RenderJob


@dataclass(eq=False)
class _Subscriber:
    queue: asyncio.Queue[ChangeEvent]
    tenant_id: str | None
    campaign_id: str | None
    records: frozenset[RecordKind] | None

    def wants(self, event: ChangeEvent) -> bool:
        if event.record is None:  # reload: for everyone
            return True
        return (
            (self.tenant_id is None or event.tenant_id == self.tenant_id)
            and (self.campaign_id is None or event.campaign_id == self.campaign_id)
            and (self.records is None or event.record in self.records)
        )

    def put(self, event: ChangeEvent) -> None:
        """Queue ``event``; a subscriber whose queue is full missed too much to catch up
        event by event: its queue is replaced by one ``reload``."""
        if self.queue.full():
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RELOAD)
            return
        if self.queue.qsize() == 1 and self.queue._queue[0] is RELOAD:  # type: ignore[attr-defined]
            return  # already told to read everything again: the reload covers this one too
        self.queue.put_nowait(event)


def _kinds(records: Collection[RecordKind | str]) -> frozenset[RecordKind]:
    unknown = sorted(str(r) for r in records if r not in RecordKind.__members__.values())
    if unknown:
        known = ", ".join(kind.value for kind in RecordKind)
        raise InvalidInput(f"no such kind of record: {', '.join(unknown)} (there are: {known})")
    return frozenset(RecordKind(r) for r in records)


class EventBus:
    """In-process publish/subscribe of the core's changes."""

    def __init__(self) -> None:
        self._subscribers: set[_Subscriber] = set()
        self._listeners: dict[int, Callable[[JobEvent], None]] = {}
        self._next_listener = 0
        self._follower: Follower | None = None

    def follow_with(self, follower: Follower) -> None:
        """Feed the subscribers from ``follower``: started with the first subscriber, nudged
        when a job changes here (its progress reaches subscribers at once rather than at the
        follower's next look)."""
        self._follower = follower

    async def caught_up(self) -> None:
        """Return once every change logged so far has been handed to the subscribers (a
        headless tool or a test that wants all events of what it just did)."""
        if self._follower is not None and self._subscribers:
            await self._follower.catch_up()

    @property
    def subscribed(self) -> bool:
        """Whether anybody reads the change events."""
        return bool(self._subscribers)

    @asynccontextmanager
    async def subscribe(
        self,
        actor: Actor | None = None,
        *,
        campaign_id: str | None = None,
        records: Collection[RecordKind | str] | None = None,
    ) -> AsyncIterator[asyncio.Queue[ChangeEvent]]:
        """``async with bus.subscribe(actor) as events: event = await events.get()``.

        Args:
            actor: only the changes of this actor's workspace; None: every workspace's (the
                core's own bookkeeping and headless tools).
            campaign_id: only the changes of this campaign's records.
            records: only these kinds of record (``"approval"``, ``RecordKind.POST``, ...).
        """
        subscriber = _Subscriber(
            queue=asyncio.Queue(QUEUE_SIZE),
            tenant_id=None if actor is None else actor.tenant_id,
            campaign_id=campaign_id,
            records=None if records is None else _kinds(records),
        )
        if self._follower is not None:
            await self._follower.start()
        self._subscribers.add(subscriber)
        try:
            yield subscriber.queue
        finally:
            self._subscribers.discard(subscriber)

    def deliver(self, event: ChangeEvent) -> None:
        """Hand ``event`` to every subscriber that wants it (the follower calls this)."""
        for subscriber in self._subscribers:
            if subscriber.wants(event):
                subscriber.put(event)

    @contextmanager
    def listen(self, listener: Callable[[JobEvent], None]) -> Iterator[None]:
        """``with bus.listen(fn): ...`` calls ``fn(event)`` for every job event published here
        meanwhile, at once and in order; ``fn`` must be quick and must not wait."""
        key = self._next_listener
        self._next_listener += 1
        self._listeners[key] = listener
        try:
            yield
        finally:
            self._listeners.pop(key, None)

    def publish_job(self, job: RenderJob) -> None:
        """Tell the listeners that ``job`` changed in this process (its new state)."""
        event = JobEvent(EventKind.of(job), job)
        for listener in list(self._listeners.values()):
            try:
                listener(event)
            except Exception:  # one broken listener must not stop the others or the writer
                log.exception("an event listener failed on %s", event.kind)
        if self._subscribers and self._follower is not None:
            self._follower.nudge()


__all__ = ["EventBus", "EventKind", "JobEvent"]
