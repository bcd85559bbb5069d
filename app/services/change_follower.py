"""The change follower: turns the store's change log into the change events subscribers read.

Every logged write, made by this process, another one on the same data folder or another
workstation on the same database, is in the log (:mod:`app.ports.change_log`). The follower
reads past the last ``seq`` it saw, every :data:`POLL_SECONDS` or sooner when a job changes
here, and hands each change to the bus as a :class:`ChangeEvent`. Render progress is not
logged: the follower reads the queued and running jobs themselves and reports those whose
revision moved.

Guarantees: a change is reported once (``seq`` only grows); when the log was pruned past the
follower's position (a computer that slept for a day) subscribers get one ``reload`` event; a
``seq`` missing between two others (on MongoDB, an entry whose writer has not inserted it yet)
is waited for up to :data:`GAP_SECONDS` before the follower moves past it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from datetime import timedelta

from app.domain import RenderJob
from app.domain.changes import (
    RELOAD,
    ChangeAction,
    ChangeEvent,
    EventKind,
    LoggedChange,
    RecordKind,
)
from app.domain.errors import AppError, NotFound
from app.ports.change_log import ChangeLog
from app.ports.clock import Clock, Sleeper
from app.ports.repositories import RenderJobRepository
from app.services.events import EventBus
from app.services.task_runner import TaskRunner

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
"""How often the log and the active jobs are read: the delay of another process's change."""
GAP_SECONDS = 1.0
PAGE = 500
KEEP_LOG = timedelta(days=1)
"""A change stays in the log this long: a follower that slept longer reloads."""
PRUNE_EVERY = 600.0
WATCH_RETRY_SECONDS = 5.0
FORGET_FINISHED = 60.0
"""A finished job's last revision is remembered this long, so an older log entry of it read
later is not reported as new (see :meth:`ChangeFollower._job_event`)."""


@dataclass
class _Gap:
    after: int
    since: float


class ChangeFollower:
    """Follows the change log and the active render jobs for the bus's subscribers.

    Args:
        log: the store's change log.
        jobs: the render jobs (a logged job change is reported with the job's state).
        bus: where the events go.
        tasks: runs the follower, started with the first subscriber.
        clock: the time for pruning.
        sleeper: the waits between looks.
    """

    def __init__(
        self,
        *,
        log: ChangeLog,
        jobs: RenderJobRepository,
        bus: EventBus,
        tasks: TaskRunner,
        clock: Clock,
        sleeper: Sleeper,
    ) -> None:
        self._log = log
        self._jobs = jobs
        self._bus = bus
        self._tasks = tasks
        self._clock = clock
        self._sleeper = sleeper
        self._nudged = asyncio.Event()
        self._positioned = asyncio.Event()
        self._position = 0
        self._gap: _Gap | None = None
        self._revisions: dict[str, int] = {}  # job id → the revision last reported
        self._finished: dict[str, float] = {}  # job id → when it was reported finished
        self._reading = asyncio.Lock()  # one look at a time: a page is handed on once
        bus.follow_with(self)

    async def start(self) -> None:
        """Start following (once; later calls join it) and return once the follower knows
        where the log ends: every change from then on is reported."""
        follower = self._tasks.start("change-follower", self._run)
        positioned = asyncio.ensure_future(self._positioned.wait())
        await asyncio.wait([follower, positioned], return_when=asyncio.FIRST_COMPLETED)
        positioned.cancel()
        if follower.done():  # it failed to start (the database is away): say why
            follower.result()

    async def _run(self) -> None:
        self._position = await self._log.last_seq()
        self._revisions = {job.id: job.revision for job in await self._log.active_jobs({})}
        self._tasks.start("change-watch", self._watch)
        self._positioned.set()
        pruned = time.monotonic()
        while True:
            # Nothing to catch up on at first: the position was taken just now.
            await self._sleeper.wait(self._nudged, POLL_SECONDS)
            self._nudged.clear()
            try:
                await self.catch_up()
                if time.monotonic() - pruned >= PRUNE_EVERY:
                    pruned = time.monotonic()
                    await self._log.prune(self._clock.now() - KEEP_LOG)
            except AppError as exc:  # the database is away: try again at the next look
                log.warning("the change feed could not read the log: %s", exc)

    async def _watch(self) -> None:
        """Look at the log as soon as the database says it grew, where it can say so; the
        regular looks go on (render progress is not logged, and a stream can drop)."""
        while True:
            try:
                if not await self._log.watch(self._nudged.set):
                    return  # no change streams here: the regular looks do it all
            except AppError as exc:  # a failover or an outage: open a new stream later
                log.warning("the change stream stopped: %s", exc)
                await self._sleeper.sleep(WATCH_RETRY_SECONDS)

    def nudge(self) -> None:
        """Look again now rather than at the next regular look."""
        self._nudged.set()

    async def catch_up(self) -> None:
        """Report every change logged since the last look, then the active jobs' progress."""
        async with self._reading:
            await self._read()

    async def _read(self) -> None:
        while True:
            page = await self._log.read_after(self._position, limit=PAGE)
            if page.pruned_through > self._position:
                self._position, self._gap = page.pruned_through, None
                self._bus.deliver(RELOAD)
                continue
            for change in page.changes:
                if change.seq != self._position + 1 and not self._gap_closed(change.seq):
                    return  # wait for the missing seq (its writer is inserting it)
                self._position, self._gap = change.seq, None
                event = await self._event(change)
                if event is not None:
                    self._bus.deliver(event)
            if len(page.changes) < PAGE:
                break
        await self._report_progress()

    def _gap_closed(self, seq: int) -> bool:
        """Whether to move past the seqs missing before ``seq``: only once they stayed
        missing for :data:`GAP_SECONDS` (their writer died between counting and inserting)."""
        now = time.monotonic()
        if self._gap is None or self._gap.after != self._position:
            self._gap = _Gap(self._position, now)
        if now - self._gap.since < GAP_SECONDS:
            return False
        log.warning("change log entries %d to %d never came", self._position + 1, seq - 1)
        return True

    async def _event(self, change: LoggedChange) -> ChangeEvent | None:
        event = ChangeEvent(
            record=change.record,
            record_id=change.record_id,
            tenant_id=change.tenant_id,
            campaign_id=change.campaign_id,
            action=change.action,
            actor_id=change.actor_id,
            seq=change.seq,
            op_id=change.op_id,
        )
        if change.record is not RecordKind.RENDER_JOB:
            return event
        return await self._job_event(change, event)

    async def _job_event(self, change: LoggedChange, event: ChangeEvent) -> ChangeEvent | None:
        """A logged job change, with the job as it is now; None when that state was reported
        already (two changes read together, or its progress seen first)."""
        try:
            job = await self._jobs.get(change.tenant_id, change.record_id)
        except NotFound:  # deleted since
            return event if event.action is ChangeAction.DELETED else None
        if not self._remember(job):
            return None
        return replace(event, kind=EventKind.of(job), job=job)

    async def _report_progress(self) -> None:
        active = await self._log.active_jobs(self._revisions)
        for job in active:
            # A job the log has not reported yet is reported by it (as created) first.
            if job.id in self._revisions and self._remember(job):
                self._bus.deliver(_progress(job))
        cutoff = time.monotonic() - FORGET_FINISHED
        for job_id in [key for key, at in self._finished.items() if at < cutoff]:
            del self._finished[job_id], self._revisions[job_id]

    def _remember(self, job: RenderJob) -> bool:
        """Note ``job``'s revision as reported; False if it was already."""
        if self._revisions.get(job.id, 0) >= job.revision:
            return False
        self._revisions[job.id] = job.revision
        if job.status.terminal:
            self._finished[job.id] = time.monotonic()
        else:
            self._finished.pop(job.id, None)
        return True


def _progress(job: RenderJob) -> ChangeEvent:
    return ChangeEvent(
        record=RecordKind.RENDER_JOB,
        record_id=job.id,
        tenant_id=job.tenant_id,
        campaign_id=job.campaign_id,
        action=ChangeAction.UPDATED,
        actor_id=None,
        seq=None,
        op_id=None,
        kind=EventKind.of(job),
        job=job,
    )
