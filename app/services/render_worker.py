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
from collections import Counter, deque
from collections.abc import Callable
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
STARTS_PER_TURN = 5  # jobs started in one event-loop turn (each turn delays the next timers)
CLAIM_BATCH = 5  # jobs claimed in one transaction (a bigger one holds the database thread longer)
AHEAD_HORIZON = 0.5  # seconds: jobs are claimed ahead for the slots expected to free this soon
AHEAD_WINDOW = 1.0  # seconds: the rate at which slots free is measured over this last stretch
AHEAD_FRESH = 1.0  # seconds: a job held ahead longer than this is read again before it starts


class RenderWorker:
    """Runs while the core is open (``render_worker`` setting) or as ``campaign-studio worker``.

    Args:
        engine: applies statuses and publishes results.
        jobs: the shared queue.
        tasks: owns the worker's tasks.
        worker_id: unique per process (leases name it).
        concurrency: renders in flight at once (each provider's own limit applies too). A job
            whose provider has finished stops counting while its output is stored, so the
            next job is submitted at once; at most ``concurrency`` jobs are stored at a time
            that way (beyond that, storing counts again). While renders end quickly (two or
            more a second), the worker also holds a few jobs claimed ahead, ready for the next
            free slot: as many as slots are expected to free within half a second, at most
            ``concurrency`` (none while renders take longer).
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
        self._in_flight: Counter[str] = Counter()
        self._storing: set[str] = set()  # jobs whose render is done and no longer counted
        self._held: dict[str, RenderJob] = {}  # the jobs handled here, as claimed (leases)
        self._submitted: dict[tuple[str, str], str] = {}  # (provider, its job id) -> job id
        self._events = events
        self._finished: dict[str, asyncio.Event] = {}
        self._ahead: dict[str, tuple[RenderJob, float]] = {}  # claimed ahead: job, when
        self._freed: deque[float] = deque()  # when slots freed over the last AHEAD_WINDOW

    def start(self) -> None:
        self._engine.on_rendered(self._rendered)
        self._tasks.start("render-worker", self._run)
        self._tasks.start("render-worker-leases", self._heartbeat)

    async def _run(self) -> None:
        events = self._events.listen(self._on_event) if self._events else contextlib.nullcontext()
        try:
            with events:
                await self._claim_loop()
        finally:
            held_ahead = [job for job, _ in self._ahead.values()]
            self._ahead.clear()
            with contextlib.suppress(AppError):  # else their leases simply expire
                await asyncio.gather(*(self._release(job) for job in held_ahead))

    def _on_event(self, event: JobEvent) -> None:
        """A job finished in this process by a webhook or a cancel frees its slot at once
        (instead of at the next safety-net poll); one cancelled while held ahead is dropped."""
        job = event.job
        if job.status.terminal or job.lease_owner != self.worker_id:
            self._ahead.pop(job.id, None)  # cancelled (or taken over) before it started
        finished = self._finished.get(job.id)
        if finished is not None and (job.status.terminal or job.lease_owner is None):
            finished.set()

    def wake(self) -> None:
        """Look for work now (a job was queued in this process)."""
        self._wake.set()

    @property
    def in_flight(self) -> int:
        return sum(self._in_flight.values())

    async def _claim_loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self._claim_available()
            except AppError as exc:  # the database is unreachable for a moment
                log.warning("render worker cannot claim jobs: %s", exc)
            await self._sleeper.wait(self._wake, self._idle_poll)

    async def _claim_available(self) -> None:
        """Claim jobs until the slots (and the jobs held ahead) are full or the queue is empty,
        up to CLAIM_BATCH in one database transaction, within each provider's own limit."""
        providers = self._engine.providers
        while True:
            ahead = self._ahead_wanted()
            wanted = self._concurrency + ahead - self.in_flight - len(self._ahead)
            held = Counter(job.provider for job, _ in self._ahead.values())
            room = {}
            for name, provider in providers.items():
                own = provider.max_concurrency
                left = own + min(ahead, own) - self._in_flight[name] - held[name]
                if left > 0:
                    room[name] = left
            if wanted <= 0 or not room:
                return
            now = self._clock.now()
            limit = min(wanted, CLAIM_BATCH)
            jobs = await self._jobs.claim(
                worker_id=self.worker_id,
                now=now,
                lease_until=now + self._lease,
                limit=limit,
                room=room,
            )
            claimed_at = asyncio.get_running_loop().time()
            for job in jobs:
                self._ahead[job.id] = (job, claimed_at)
            await self._start_ahead()
            if len(jobs) < limit:
                return  # the queue is empty, or holds only jobs of providers at their limit

    def _ahead_wanted(self) -> int:
        """How many jobs to hold ahead: the slots expected to free within AHEAD_HORIZON at
        the rate they freed over the last AHEAD_WINDOW, at most the concurrency."""
        since = asyncio.get_running_loop().time() - AHEAD_WINDOW
        while self._freed and self._freed[0] < since:
            self._freed.popleft()
        return min(self._concurrency, int(len(self._freed) / AHEAD_WINDOW * AHEAD_HORIZON))

    async def _start_ahead(self) -> None:
        """Start the jobs held ahead that have a free slot, oldest first, a few per turn."""
        started = 0
        while self._start_next():
            started += 1
            if started % STARTS_PER_TURN == 0:
                await asyncio.sleep(0)  # the next ones' first steps run in a later turn

    def _start_next(self) -> bool:
        """Start the oldest job held ahead that has a free slot; False if none has."""
        if self.in_flight >= self._concurrency:
            return False
        providers = self._engine.providers
        for job_id, (job, claimed_at) in self._ahead.items():
            if self._in_flight[job.provider] < providers[job.provider].max_concurrency:
                del self._ahead[job_id]
                self._start(job, claimed_at)
                return True
        return False

    def _start(self, job: RenderJob, claimed_at: float) -> None:
        self._in_flight[job.provider] += 1
        self._held[job.id] = job
        task = self._tasks.start(
            f"render:{job.id}", functools.partial(self._handle, job, claimed_at)
        )
        task.add_done_callback(functools.partial(self._done, job.id))

    def _rendered(self, provider_name: str, provider_job_id: str) -> None:
        """A provider has finished a job: if it is handled here, its slot goes to the next job
        while the output is stored, unless as many outputs are being stored already."""
        job_id = self._submitted.get((provider_name, provider_job_id))
        if job_id is None or job_id not in self._held or job_id in self._storing:
            return
        if len(self._storing) >= self._concurrency:
            return
        self._storing.add(job_id)
        self._in_flight[provider_name] -= 1
        self._slot_freed()

    def _done(self, job_id: str, _task: object) -> None:
        job = self._held.pop(job_id)
        if job_id in self._storing:  # its slot was freed when its render ended
            self._storing.discard(job_id)
            self._wake.set()
        else:
            self._in_flight[job.provider] -= 1
            self._slot_freed()

    def _slot_freed(self) -> None:
        """The job held ahead goes at once; the claim loop then claims more."""
        self._freed.append(asyncio.get_running_loop().time())
        self._start_next()
        self._wake.set()

    async def _handle(self, job: RenderJob, claimed_at: float) -> None:
        provider = self._engine.providers[job.provider]
        ended = False
        try:
            if asyncio.get_running_loop().time() - claimed_at > AHEAD_FRESH:
                job = await self._fresh(job)  # held ahead a while: cancelled meanwhile?
                if job.status.terminal or job.lease_owner != self.worker_id:
                    return
            if job.provider_job_id is None:
                # A submission the provider may have received is recorded before a stopping
                # worker hands the job back, else the next one would submit (and pay) again.
                job = await to_the_end(self._submit(job, provider))
            if job.status is RenderStatus.RUNNING and job.provider_job_id:
                self._submitted[(job.provider, job.provider_job_id)] = job.id
                ended = await self._follow(job, provider)
        finally:
            if job.provider_job_id:
                self._submitted.pop((job.provider, job.provider_job_id), None)
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
            await self._engine.update(job, submissions=job.submissions + 1)
            return await self._engine.fail_or_retry(await self._fresh(job), exc)
        submitted = await self._engine.update(
            job,
            fresh=True,  # as claimed a moment ago
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

    async def _follow(self, job: RenderJob, provider: RenderProvider) -> bool:
        """Poll until the job ends; True if it ended in this process (its lease is gone)."""
        interval = provider.poll_interval
        if provider.supports_webhooks and self._webhook_url(provider, job):
            interval *= WEBHOOK_POLL_FACTOR
        finished = self._finished.setdefault(job.id, asyncio.Event())
        try:
            await self._poll_until_done(job, provider, interval, finished)
        finally:
            self._finished.pop(job.id, None)
        return finished.is_set()

    async def _poll_until_done(
        self, job: RenderJob, provider: RenderProvider, interval: float, finished: asyncio.Event
    ) -> None:
        failures = 0
        while True:
            # Wait first: a job just submitted (or resumed) is rarely done at once, and a webhook
            # or a cancel in this process ends the wait early.
            if await self._sleeper.wait(finished, interval):
                return
            assert job.provider_job_id is not None
            try:
                status = await provider.poll_status(job.provider_job_id)
            except ProviderError as exc:
                failures += 1
                if not exc.retryable or failures > MAX_POLL_FAILURES:
                    await self._engine.fail_or_retry(job, exc)
                    return
                await self._sleeper.sleep(
                    backoff_seconds(failures, retry_after=exc.retry_after, base=interval, cap=60)
                )
                continue
            failures = 0
            outcome = await self._engine.apply(job, status)
            if outcome.finished:
                return
            job = await self._fresh(job)
            if job.status is not RenderStatus.RUNNING or job.lease_owner != self.worker_id:
                return  # finished by a webhook or a cancel, or taken over

    async def _heartbeat(self) -> None:
        """Renew the lease of every job handled or held ahead here, a third of a lease apart
        (one task for all of them, not one per job); a job whose lease was lost (taken over
        after this process stalled, or ended elsewhere) stops being handled here."""
        while True:
            await self._sleeper.sleep(self._lease.total_seconds() / 3)
            held = [*self._held.values(), *(job for job, _ in self._ahead.values())]
            renewals = await asyncio.gather(
                *(self._renew(job) for job in held), return_exceptions=True
            )
            for job, kept in zip(held, renewals, strict=True):
                if isinstance(kept, BaseException):
                    log.warning("cannot renew the lease of job %s: %s", job.id, kept)
                elif not kept:
                    self._ahead.pop(job.id, None)
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
