"""What happens to a render job once a provider has it: status, progress, retries, results.

The poll loop of the worker and the webhook relay both hand provider news to
:meth:`RenderEngine.apply`, which changes the job optimistically (a concurrent change is
re-read and re-applied) and publishes the result exactly once: the output is stored through the
library's ingest path (the same bytes are one asset, whoever stores them), and only then does
the job become published, in one conditional write that only one caller can win.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from app.domain import (
    Actor,
    Asset,
    Creative,
    RenderJob,
    RenderStatus,
    Role,
    Strategy,
)
from app.domain.errors import AppError, ProviderError
from app.domain.render_jobs import MAX_INTERRUPTIONS, RenderProgress
from app.domain.render_rules import (
    append_logs,
    backoff_seconds,
    check_transition,
    eta_seconds,
    new_log_lines,
    output_filename,
    with_render_output,
)
from app.ports.blob_store import BlobStore
from app.ports.clock import Clock
from app.ports.render_provider import ProviderState, ProviderStatus, RenderProvider
from app.ports.repositories import (
    CreativeRepository,
    RenderJobRepository,
    StrategyRepository,
)
from app.services.events import EventBus
from app.services.parallel import started, to_the_end
from app.services.storage_service import StorageService

log = logging.getLogger(__name__)

MAX_SEEN_DELIVERIES = 50


@dataclass(frozen=True)
class Outcome:
    """What :meth:`RenderEngine.apply` decided: the job now, and whether it is finished."""

    job: RenderJob
    finished: bool


class RenderEngine:
    """Applies provider statuses to jobs; owns retries, progress, ETA and result publishing."""

    def __init__(
        self,
        *,
        jobs: RenderJobRepository,
        creatives: CreativeRepository,
        strategies: StrategyRepository,
        storage: StorageService,
        blobs: BlobStore,
        providers: Mapping[str, RenderProvider],
        events: EventBus,
        clock: Clock,
        output_max_bytes: int,
        retry_base_seconds: float = 2.0,
    ) -> None:
        self._jobs = jobs
        self._creatives = creatives
        self._strategies = strategies
        self._storage = storage
        self._blobs = blobs
        self.providers = providers
        self._events = events
        self._clock = clock
        self._output_max_bytes = output_max_bytes
        self._retry_base = retry_base_seconds
        self._publishing: dict[str, asyncio.Lock] = {}
        self._rendered: list[Callable[[str, str], None]] = []

    def on_rendered(self, callback: Callable[[str, str], None]) -> None:
        """Call ``callback(provider, provider_job_id)`` when a provider has finished rendering
        a job, before its output is stored (the render worker frees the provider's slot)."""
        self._rendered.append(callback)

    def rendered(self, provider: str, provider_job_id: str) -> None:
        """Tell the listeners that ``provider`` has finished ``provider_job_id`` (from a
        verified webhook at once, or when a status is applied); saying it twice is harmless."""
        for callback in self._rendered:
            callback(provider, provider_job_id)

    async def update(
        self, job: RenderJob, *, seen: str | None = None, **changes: object
    ) -> RenderJob:
        """Apply ``changes`` to the stored job unless it has been finished meanwhile; an event
        is published only when this call really changed it. ``seen``: the webhook delivery that
        brought the news, remembered in the same write (added to the stored list, so deliveries
        applied together are all kept)."""

        def change(current: RenderJob) -> RenderJob:
            return self._changed(current, changes, seen)

        return await self._write(job, change)

    def _changed(
        self, current: RenderJob, changes: Mapping[str, object], seen: str | None = None
    ) -> RenderJob:
        if current.status.terminal:
            return current
        status = changes.get("status")
        if isinstance(status, RenderStatus) and status is not current.status:
            check_transition(current.status, status)
        update = {**changes, "updated_at": self._clock.now()}
        if seen is not None and seen not in current.seen_deliveries:
            update["seen_deliveries"] = (*current.seen_deliveries, seen)[-MAX_SEEN_DELIVERIES:]
        return current.model_copy(update=update)

    async def _write(self, job: RenderJob, change: Callable[[RenderJob], RenderJob]) -> RenderJob:
        wrote = False

        def tracked(current: RenderJob) -> RenderJob:
            nonlocal wrote
            changed = change(current)
            wrote = changed is not current
            return changed

        updated = await self._jobs.modify(job.tenant_id, job.id, tracked)
        if wrote:
            self._events.publish_job(updated)
        return updated

    async def apply(
        self,
        job: RenderJob,
        status: ProviderStatus,
        *,
        delivery_id: str | None = None,
        fresh: bool = False,
    ) -> Outcome:
        """Bring ``job`` up to date with ``status`` from a poll or a verified webhook.

        ``delivery_id``: the webhook delivery, remembered in the write the news causes (news
        that changes nothing needs no remembering: applying it again changes nothing either).
        ``fresh`` is accepted from callers that have just read ``job`` and changes nothing:
        every write reads the stored job (skipping that read bought nothing measurable, see
        ``docs/benchmarks.md``). News of success reads it under the publishing lock: a poll or
        a webhook may have published it meanwhile, and the output is then not fetched twice.
        """
        if job.status.terminal:
            return Outcome(job, True)
        if status.state is ProviderState.SUCCEEDED:
            # A webhook and a poll may both report success: in this process, one publishes
            # and the other then finds the job finished (across processes, the conditional
            # write of the published state decides, and the same bytes make one asset).
            lock = self._publishing.setdefault(job.id, asyncio.Lock())
            async with lock:
                current = await self._jobs.get(job.tenant_id, job.id)
                if current.status.terminal:
                    return Outcome(current, True)
                if current.provider_job_id:
                    self.rendered(current.provider, current.provider_job_id)
                try:
                    return await self._publish(current, status, seen=delivery_id)
                finally:
                    self._publishing.pop(job.id, None)
        if status.state is ProviderState.FAILED and status.interrupted:
            reason = status.error or "the render was lost with its process"
            return Outcome(await self.render_again(job, reason, seen=delivery_id), True)
        if status.state is ProviderState.FAILED:
            error = status.error or "the provider reported a failure"
            failure = ProviderError(error, retryable=not status.permanent)
            return Outcome(await self.fail_or_retry(job, failure, seen=delivery_id), True)
        if status.state is ProviderState.CANCELLED:
            cancelled = await self.finish(
                job, RenderStatus.CANCELLED, error="cancelled at the provider", seen=delivery_id
            )
            return Outcome(cancelled, True)
        return Outcome(await self._progress(job, status, seen=delivery_id), False)

    async def _progress(
        self, job: RenderJob, status: ProviderStatus, *, seen: str | None
    ) -> RenderJob:
        fraction = status.progress if status.progress is not None else job.progress.fraction
        fraction = max(job.progress.fraction, min(1.0, fraction))
        progress = RenderProgress(
            fraction=fraction, step=status.step, total_steps=status.total_steps
        )
        logs = append_logs(job.logs, *new_log_lines(job.logs, status.logs))
        if progress == job.progress and logs == job.logs:
            return job
        return await self.update(
            job,
            seen=seen,
            progress=progress,
            logs=logs,
            eta_seconds=eta_seconds(job, fraction, self._clock.now()),
        )

    async def fail_or_retry(
        self, job: RenderJob, error: ProviderError, *, seen: str | None = None
    ) -> RenderJob:
        """Queue the job again after a backoff, or fail it for good (permanent error, or
        retries exhausted); the error is recorded either way (``seen`` as in :meth:`update`)."""
        line = f"{'retryable' if error.retryable else 'permanent'} error: {error.message}"
        if not error.retryable or job.retries >= job.max_retries:
            reason = (
                error.message
                if not error.retryable
                else (f"{error.message} (gave up after {job.retries} retries)")
            )
            return await self.finish(
                job, RenderStatus.FAILED, error=reason, log_line=line, seen=seen
            )
        retry = job.retries + 1
        wait = backoff_seconds(retry, retry_after=error.retry_after, base=self._retry_base)
        await self._release(job)  # the next attempt is a new provider job
        return await self.update(
            job,
            seen=seen,
            status=RenderStatus.QUEUED,
            retries=retry,
            error=error.message,
            provider_job_id=None,
            lease_owner=None,
            lease_expires_at=None,
            available_at=self._clock.now() + timedelta(seconds=wait),
            logs=append_logs(job.logs, line, f"retry {retry} of {job.max_retries} in {wait:.1f} s"),
        )

    async def render_again(
        self, job: RenderJob, reason: str, *, seen: str | None = None
    ) -> RenderJob:
        """Queue again at once a job whose render was lost with the process that ran it (a
        stop or a crash, not a failure of the render): no retry is used, up to
        :data:`MAX_INTERRUPTIONS` times; beyond, it is a failed attempt (``seen`` as in
        :meth:`update`)."""
        if job.interruptions >= MAX_INTERRUPTIONS:
            return await self.fail_or_retry(job, ProviderError(reason, retryable=True), seen=seen)
        await self._release(job)
        return await self.update(
            job,
            seen=seen,
            status=RenderStatus.QUEUED,
            interruptions=job.interruptions + 1,
            provider_job_id=None,
            lease_owner=None,
            lease_expires_at=None,
            available_at=self._clock.now(),
            logs=append_logs(job.logs, f"{reason} (not counted as a failed attempt)"),
        )

    async def _release(self, job: RenderJob) -> None:
        if job.provider_job_id and job.provider in self.providers:
            with contextlib.suppress(AppError):
                await self.providers[job.provider].release(job.provider_job_id)

    async def finish(
        self,
        job: RenderJob,
        status: RenderStatus,
        *,
        error: str | None = None,
        log_line: str | None = None,
        seen: str | None = None,
        **changes: object,
    ) -> RenderJob:
        """End the job in ``status`` (once: a finished job stays as it is); ``seen`` as in
        :meth:`update`."""
        logs: tuple[str, ...] = changes.pop("logs", job.logs)  # type: ignore[assignment]
        if log_line:
            logs = append_logs(logs, log_line)
        finished = await self.update(
            job,
            seen=seen,
            status=status,
            error=error,
            logs=logs,
            finished_at=self._clock.now(),
            lease_owner=None,
            lease_expires_at=None,
            **changes,
        )
        if finished.status.terminal:
            # Its work files go even if the worker stops now (a stop at once after the end
            # would otherwise skip the cleanup that was about to start).
            await to_the_end(self._release(finished))
        return finished

    async def _publish(
        self, job: RenderJob, status: ProviderStatus, *, seen: str | None
    ) -> Outcome:
        outputs = status.main
        if not outputs:
            failure = ProviderError("the provider finished without an output", retryable=True)
            return Outcome(await self.fail_or_retry(job, failure, seen=seen), True)
        owner = Actor(tenant_id=job.tenant_id, user_id=job.created_by, roles={Role.EDITOR})
        # Read while the outputs download: the creative (a stale copy only costs a re-read)
        # and the active strategy, on which the creative's freshness depends.
        creative = started(self._creatives.get(job.tenant_id, job.creative_id))
        active = started(self._strategies.find_active(job.tenant_id, job.campaign_id))
        try:
            assets = await self._store_outputs(owner, job, outputs, creative)
        except ProviderError as exc:
            # A download failed: the job stays unpublished (no output is linked to it). The
            # render itself is done (and paid for), so the next poll downloads again, within
            # the same retry budget; the outputs already stored are found again by their bytes.
            return await self._retry_download(job, exc, seen=seen)
        except AppError as exc:
            failed = await self.finish(
                job, RenderStatus.FAILED, error=f"the output could not be stored: {exc}", seen=seen
            )
            return Outcome(failed, True)
        first = assets[0]
        url = started(self._blobs.url(first.storage_key))
        # The creative first: whoever sees the job published finds its creative updated. The
        # provider's copy goes only once the job is published (``finish`` releases it): a stop
        # or a crash before that leaves it for the next worker to store.
        await self._attach(job, first, await active, known=await creative)
        total = status.total_steps or job.progress.total_steps
        logs = append_logs(job.logs, *new_log_lines(job.logs, status.logs))
        stored = ", ".join(asset.filename for asset in assets)
        published = await self.finish(
            job,
            RenderStatus.PUBLISHED,
            seen=seen,
            asset_id=first.id,
            output_asset_ids=tuple(asset.id for asset in assets),
            result_url=await url,
            progress=RenderProgress(fraction=1.0, step=status.step or total, total_steps=total),
            eta_seconds=0.0,
            logs=append_logs(logs, f"published to the library as {stored}"),
        )
        return Outcome(published, True)

    async def _store_outputs(
        self,
        owner: Actor,
        job: RenderJob,
        outputs: tuple[str, ...],
        creative: Awaitable[Creative],
    ) -> list[Asset]:
        """Store every main output in the library, in order (see :func:`output_filename`)."""
        provider = self.providers[job.provider]
        try:
            title: str | None = (await creative).title
        except AppError:  # gone meanwhile: named after the job alone (the caller reports it)
            title = None
        assets = []
        for index, output in enumerate(outputs, start=1):
            assets.append(
                await self._storage.ingest(
                    owner,
                    provider.open_output(output, max_bytes=self._output_max_bytes),
                    filename=output_filename(job, index, title),
                    render_job_id=job.id,
                    tags=("generated", job.provider),
                )
            )
        return assets

    async def _retry_download(
        self, job: RenderJob, error: ProviderError, *, seen: str | None
    ) -> Outcome:
        if not error.retryable or job.retries >= job.max_retries:
            return Outcome(await self.fail_or_retry(job, error, seen=seen), True)
        retry = job.retries + 1
        line = f"download failed ({error.message}); retry {retry} of {job.max_retries}"
        return Outcome(
            await self.update(
                job, seen=seen, retries=retry, error=error.message, logs=append_logs(job.logs, line)
            ),
            False,
        )

    async def _attach(
        self, job: RenderJob, asset: Asset, active: Strategy | None, *, known: Creative
    ) -> None:
        """The creative gets the new output (earlier outputs stay in its history); it is
        fresh again if the output was made for the ``active`` strategy version. ``known``: a
        recent copy of the creative (if it is stale, the write is retried on a fresh one)."""
        version = active.version if active is not None else None

        def change(creative: Creative) -> Creative:
            return with_render_output(creative, job, asset.id, version, self._clock.now())

        await self._creatives.modify(job.tenant_id, job.creative_id, change, known=known)
