"""The render worker: claims queued jobs with a lease, submits them, follows them to the end.

Several workers (workstations, a team server) share one queue. A job is claimed with a lease
that a heartbeat renews; a worker that dies stops renewing, the lease expires, and another
worker claims the job — and, because the provider's job id was saved at submission, resumes
polling it instead of submitting (and paying) again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from app.domain import RenderJob, RenderStatus
from app.domain.errors import AppError, ProviderError
from app.domain.render_rules import append_logs, backoff_seconds
from app.ports.clock import Clock, Sleeper, SystemSleeper
from app.ports.render_provider import RenderProvider, RenderRequest
from app.ports.repositories import RenderJobRepository
from app.services.events import EventBus, JobEvent
from app.services.parallel import to_the_end
from app.services.render_engine import RenderEngine
from app.services.task_runner import TaskRunner

log = logging.getLogger(__name__)

WEBHOOK_POLL_FACTOR = 5.0  # with webhooks on, polling is a slower safety net
MAX_POLL_FAILURES = 8
CLAIM_BATCH = 5  # jobs claimed (and started) at once: a bigger burst stalls the loop and database


@dataclass(eq=False)
class _Held:
    """A job this worker handles, from its claim to its end."""

    job: RenderJob  # as claimed: its lease is renewed while it is held
    ended: asyncio.Event = field(default_factory=asyncio.Event)  # by a webhook or a cancel here
    provider_job_id: str | None = None  # once submitted
    rendering: bool = True  # holds a render slot; False once the provider is done, while stored


class RenderWorker:
    """Runs while the core is open (``render_worker`` setting) or as ``campaign-studio worker``.

    The life of a job here is one path (:meth:`_handle`): claimed with a lease, submitted,
    followed (a webhook or a cancel in this process ends the wait; polls are the safety net)
    until the engine has stored its output once, then its lease is released.

    Args:
        engine: applies statuses and publishes results.
        jobs: the shared queue.
        tasks: owns the worker's tasks.
        worker_id: unique per process (leases name it).
        concurrency: renders in flight at once (each provider's own limit applies too). A job
            whose provider has finished stops counting while its output is stored, so the
            next job is submitted at once; at most ``concurrency`` jobs are stored at a time
            that way (beyond that, storing counts again).
        lease_seconds: how long a claim lasts without a heartbeat.
        webhook_url: the public URL a provider should call for a job, or None (polling only).
        idle_poll: how often an idle worker looks for jobs queued by other processes.
        sleeper: how the worker waits (polls, backoffs, heartbeats); tests move time on at once.
    """

    def __init__(
        self,
        *,
        engine: RenderEngine,
        jobs: RenderJobRepository,
        clock: Clock,
        tasks: TaskRunner,
        worker_id: str,
        concurrency: int,
        lease_seconds: float,
        webhook_url: Callable[[RenderProvider, RenderJob], str | None] = lambda p, j: None,
        events: EventBus | None = None,
        idle_poll: float = 1.0,
        sleeper: Sleeper | None = None,
    ) -> None:
        self._engine = engine
        self._jobs = jobs
        self._clock = clock
        self._sleeper = sleeper or SystemSleeper()
        self._tasks = tasks
        self.worker_id = worker_id
        self._concurrency = concurrency
        self._lease = timedelta(seconds=lease_seconds)
        self._webhook_url = webhook_url
        self._idle_poll = idle_poll
        self._wake = asyncio.Event()
        self._events = events
        self._held: dict[str, _Held] = {}  # by job id

    def start(self) -> None:
        self._engine.on_rendered(self._rendered)
        self._tasks.start("render-worker", self._run)
        self._tasks.start("render-worker-leases", self._heartbeat)

    async def _run(self) -> None:
        events = self._events.listen(self._on_event) if self._events else contextlib.nullcontext()
        with events:
            while True:
                self._wake.clear()
                try:
                    await self._claim_available()
                except AppError as exc:  # the database is unreachable for a moment
                    log.warning("render worker cannot claim jobs: %s", exc)
                await self._sleeper.wait(self._wake, self._idle_poll)

    def _on_event(self, event: JobEvent) -> None:
        """A job ended in this process by a webhook or a cancel ends its wait at once (instead
        of at the next safety-net poll); news older than the claim (its queueing) is not."""
        job = event.job
        held = self._held.get(job.id)
        if held is None or job.revision <= held.job.revision:
            return
        if job.status.terminal or job.lease_owner is None:
            held.ended.set()

    def wake(self) -> None:
        """Look for work now (a job was queued in this process)."""
        self._wake.set()

    async def _claim_available(self) -> None:
        """Claim jobs for the free slots, within each provider's own limit, until the slots
        are full or the queue has nothing more for them."""
        while room := self._room():
            wanted = min(self._concurrency - self._rendering(), CLAIM_BATCH)
            now = self._clock.now()
            jobs = await self._jobs.claim(
                worker_id=self.worker_id,
                now=now,
                lease_until=now + self._lease,
                limit=wanted,
                room=room,
            )
            for job in jobs:
                self._start(job)
            if len(jobs) < wanted:
                return  # the queue is empty, or holds only jobs of providers at their limit

    def _rendering(self, provider: str | None = None) -> int:
        """The render slots taken (of ``provider``, or of all)."""
        return sum(
            held.rendering and provider in (None, held.job.provider) for held in self._held.values()
        )

    def _room(self) -> dict[str, int]:
        """The free render slots of each provider that has some, none if all slots are taken."""
        if self._rendering() >= self._concurrency:
            return {}
        room = {
            name: provider.max_concurrency - self._rendering(name)
            for name, provider in self._engine.providers.items()
        }
        return {name: left for name, left in room.items() if left > 0}

    def _start(self, job: RenderJob) -> None:
        held = self._held[job.id] = _Held(job)
        task = self._tasks.start(f"render:{job.id}", functools.partial(self._handle, held))
        task.add_done_callback(functools.partial(self._done, held))

    def _rendered(self, provider_name: str, provider_job_id: str) -> None:
        """A provider has finished a job: if it is handled here, its slot goes to the next job
        while the output is stored, unless as many outputs are being stored already."""
        held = next(
            (
                held
                for held in self._held.values()
                if held.provider_job_id == provider_job_id and held.job.provider == provider_name
            ),
            None,
        )
        storing = sum(not other.rendering for other in self._held.values())
        if held is not None and held.rendering and storing < self._concurrency:
            held.rendering = False
            self._wake.set()

    def _done(self, held: _Held, _task: object) -> None:
        if self._held.get(held.job.id) is held:  # not a later claim of the same job
            del self._held[held.job.id]
        self._wake.set()

    async def _handle(self, held: _Held) -> None:
        """Submit (unless a worker before did), follow to the end, release the lease."""
        job = held.job
        provider = self._engine.providers[job.provider]
        ended = False
        try:
            if job.provider_job_id is None:
                # A submission the provider may have received is recorded before a stopping
                # worker hands the job back, else the next one would submit (and pay) again.
                job = await to_the_end(self._submit(job, provider))
            if job.status is RenderStatus.RUNNING and job.provider_job_id:
                held.provider_job_id = job.provider_job_id
                ended = await self._follow(job, provider, held.ended)
        finally:
            if not ended:  # an ended job has no lease left to give back
                with contextlib.suppress(AppError):
                    await self._release(job)

    async def _submit(self, job: RenderJob, provider: RenderProvider) -> RenderJob:
        request = RenderRequest(
            job_id=job.id,
            kind=job.kind,
            prompt=job.prompt,
            params=job.params,
            webhook_url=self._webhook_url(provider, job) if provider.supports_webhooks else None,
            seed=job.params.get("seed") if isinstance(job.params.get("seed"), int) else None,
        )
        try:
            provider_job_id = await provider.render(request)
        except ProviderError as exc:
            counted = await self._engine.update(job, submissions=job.submissions + 1)
            return await self._engine.fail_or_retry(counted, exc)
        submitted = await self._engine.update(
            job,
            status=RenderStatus.RUNNING,
            provider_job_id=provider_job_id,
            submitted_at=self._clock.now(),
            submissions=job.submissions + 1,
            logs=append_logs(job.logs, f"submitted to {provider.name} as {provider_job_id}"),
        )
        if submitted.status is RenderStatus.CANCELLED:  # cancelled while we submitted
            with contextlib.suppress(ProviderError):
                await provider.cancel(provider_job_id)
        return submitted

    async def _follow(self, job: RenderJob, provider: RenderProvider, ended: asyncio.Event) -> bool:
        """Poll until the job ends; True if it ended in this process (its lease is gone).
        Each poll comes after a wait, which a webhook or a cancel here (``ended``) cuts short:
        a job just submitted (or resumed) is rarely done at once."""
        interval = provider.poll_interval
        if provider.supports_webhooks and self._webhook_url(provider, job):
            interval *= WEBHOOK_POLL_FACTOR
        failures = 0
        while not await self._sleeper.wait(ended, interval):
            assert job.provider_job_id is not None
            try:
                status = await provider.poll_status(job.provider_job_id)
            except ProviderError as exc:
                failures += 1
                if not exc.retryable or failures > MAX_POLL_FAILURES:
                    await self._engine.fail_or_retry(job, exc)
                    return True
                await self._sleeper.sleep(
                    backoff_seconds(failures, retry_after=exc.retry_after, base=interval, cap=60)
                )
                continue
            failures = 0
            if (await self._engine.apply(job, status)).finished:
                return True
            job = await self._fresh(job)
            if job.status is not RenderStatus.RUNNING or job.lease_owner != self.worker_id:
                return False  # taken over (or ended elsewhere): its lease is not ours to give
        return True

    async def _heartbeat(self) -> None:
        """Renew the lease of every job handled here, a third of a lease apart (one task for
        all of them, not one per job); a job whose lease was lost (taken over after this
        process stalled, or ended elsewhere) stops being handled here."""
        while True:
            await self._sleeper.sleep(self._lease.total_seconds() / 3)
            held = [each.job for each in self._held.values()]
            renewals = await asyncio.gather(
                *(self._renew(job) for job in held), return_exceptions=True
            )
            for job, kept in zip(held, renewals, strict=True):
                if isinstance(kept, BaseException):
                    log.warning("cannot renew the lease of job %s: %s", job.id, kept)
                elif not kept:
                    self._tasks.cancel(f"render:{job.id}")

    async def _renew(self, job: RenderJob) -> bool:
        """Extend ``job``'s lease; False if this worker no longer holds it."""
        kept = True

        def renew(current: RenderJob) -> RenderJob:
            nonlocal kept
            if current.lease_owner != self.worker_id or current.status.terminal:
                kept = False
                return current
            return current.model_copy(update={"lease_expires_at": self._clock.now() + self._lease})

        await self._jobs.modify(job.tenant_id, job.id, renew)
        return kept

    async def _release(self, job: RenderJob) -> None:
        """Give the lease back so another worker can go on at once (after a shutdown)."""

        def release(current: RenderJob) -> RenderJob:
            if current.lease_owner != self.worker_id:
                return current
            return current.model_copy(update={"lease_owner": None, "lease_expires_at": None})

        await self._jobs.modify(job.tenant_id, job.id, release)

    async def _fresh(self, job: RenderJob) -> RenderJob:
        return await self._jobs.get(job.tenant_id, job.id)
