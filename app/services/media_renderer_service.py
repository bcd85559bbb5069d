"""MediaRendererService: the render queue as users see it — queue, follow, cancel, retry, wait."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from app.domain import Actor, CreativeKind, RenderJob, RenderStatus, Role
from app.domain.errors import InvalidInput, InvalidTransition, ProviderError, WaitTimeout
from app.domain.render_rules import append_logs
from app.ports.clock import Sleeper, SystemSleeper
from app.ports.repositories import CreativeRepository, RenderJobRepository, StrategyRepository
from app.services.campaign_state import parse_enum
from app.services.context import ServiceContext
from app.services.events import EventBus, JobEvent
from app.services.operations import public_calls
from app.services.render_engine import RenderEngine
from app.services.render_requests import RenderRequests
from app.services.render_worker import RenderWorker

MAX_OUTPUTS = 4
"""The most outputs (variants) one render may ask for with the ``num_outputs`` param."""


def check_num_outputs(params: Mapping[str, Any] | None) -> None:
    """Check the ``num_outputs`` render param: how many outputs (variants) to make, a whole
    number from 1 to :data:`MAX_OUTPUTS` (absent: one).

    Raises:
        InvalidInput: it is not a whole number in that range.
    """
    if not isinstance(params, Mapping) or params.get("num_outputs") is None:
        return
    value = params["num_outputs"]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_OUTPUTS:
        raise InvalidInput(
            f"num_outputs must be a whole number from 1 to {MAX_OUTPUTS}, not {value!r}"
        )


@public_calls
class MediaRendererService:
    """Render jobs: queued → running → published | failed | cancelled.

    The queue lives in the database, so it survives restarts and is shared by every
    workstation; a :class:`RenderWorker` (in this process or another) does the work.
    """

    def __init__(
        self,
        *,
        context: ServiceContext,
        jobs: RenderJobRepository,
        creatives: CreativeRepository,
        strategies: StrategyRepository,
        engine: RenderEngine,
        events: EventBus,
        requests: RenderRequests,
        worker: RenderWorker | None = None,
        sleeper: Sleeper | None = None,
    ) -> None:
        self._jobs = jobs
        self._creatives = creatives
        self._strategies = strategies
        self._engine = engine
        self._events = events
        self._requests = requests
        self._access = context.access
        self._activity = context.activity
        self._clock = context.clock
        self.worker = worker
        self._sleeper = sleeper or SystemSleeper()  # wait_for's re-reads

    @property
    def events(self) -> EventBus:
        """The stream of job events (changed, finished, failed, cancelled)."""
        return self._events

    async def providers(self, actor: Actor) -> dict[str, list[str]]:
        """The configured render providers of each kind (``image``, ``video``), in preference
        order: the kind's default first, the one used when a render names none."""
        await self._access.require(actor, Role.VIEWER, "see the render providers")
        return self._requests.by_kind()

    async def queue_render(
        self,
        actor: Actor,
        creative_id: str,
        *,
        kind: CreativeKind | str,
        prompt: str,
        provider: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> RenderJob:
        """Queue a render of ``creative_id``; the default provider of ``kind`` if none given.
        ``params={"num_outputs": N}`` (1–4) asks for N outputs, each stored as an asset of the
        job (``output_asset_ids``); the creative uses the first until another is chosen
        (``creatives.use_variant``).

        Raises:
            InvalidInput: the request is invalid (see :meth:`RenderRequests.check`), or
                ``num_outputs`` is not a whole number from 1 to 4.
        """
        await self._access.require(actor, Role.EDITOR, "request renders")
        kind, prompt, name, clean = self._requests.check(kind, prompt, provider, params)
        check_num_outputs(clean)
        creative = await self._creatives.get(actor.tenant_id, creative_id)
        strategy = await self._strategies.find_active(actor.tenant_id, creative.campaign_id)
        now = self._clock.now()
        job = await self._jobs.add(
            RenderJob(
                tenant_id=actor.tenant_id,
                campaign_id=creative.campaign_id,
                creative_id=creative.id,
                kind=kind,
                prompt=prompt,
                provider=name,
                params=clean,
                created_by=actor.user_id,
                strategy_id=strategy.id if strategy else None,
                strategy_version=strategy.version if strategy else None,
                created_at=now,
                updated_at=now,
                available_at=now,
                logs=(f"queued for {name}",),
            )
        )
        await self._activity.record(
            actor,
            "render.queued",
            object_type="render job",
            object_id=job.id,
            campaign_id=job.campaign_id,
            provider=name,
            kind=kind.value,
        )
        self._events.publish_job(job)
        if self.worker is not None:
            self.worker.wake()
        return job

    async def get_job(self, actor: Actor, job_id: str) -> RenderJob:
        await self._access.require(actor, Role.VIEWER, "see render jobs")
        return await self._jobs.get(actor.tenant_id, job_id)

    async def list_jobs(
        self,
        actor: Actor,
        *,
        campaign_id: str | None = None,
        statuses: Iterable[RenderStatus | str] | None = None,
    ) -> list[RenderJob]:
        """The workspace's jobs, newest first, optionally of one campaign and some statuses."""
        await self._access.require(actor, Role.VIEWER, "see render jobs")
        parsed = (
            None
            if statuses is None
            else [parse_enum(RenderStatus, status, "render status") for status in statuses]
        )
        return await self._jobs.list(actor.tenant_id, campaign_id=campaign_id, statuses=parsed)

    async def cancel(self, actor: Actor, job_id: str) -> RenderJob:
        """Cancel: a queued job at once; a running one at the provider first.

        Raises:
            InvalidTransition: the job has already finished.
            ProviderError: the provider refused to cancel (the job keeps running).
        """
        await self._access.require(actor, Role.EDITOR, "cancel renders")
        job = await self._jobs.get(actor.tenant_id, job_id)
        if job.status.terminal:
            raise InvalidTransition(
                job.status.value, RenderStatus.CANCELLED.value, "the job has already finished"
            )
        if job.status is RenderStatus.RUNNING and job.provider_job_id:
            await self._engine.providers[job.provider].cancel(job.provider_job_id)
        cancelled = await self._engine.finish(
            job, RenderStatus.CANCELLED, error=None, log_line=f"cancelled by {actor.user_id}"
        )
        if cancelled.status is not RenderStatus.CANCELLED:  # it finished while we cancelled
            raise InvalidTransition(
                cancelled.status.value,
                RenderStatus.CANCELLED.value,
                "the job finished in the meantime",
            )
        await self._activity.record(
            actor,
            "render.cancelled",
            object_type="render job",
            object_id=job.id,
            campaign_id=job.campaign_id,
        )
        return cancelled

    async def retry(self, actor: Actor, job_id: str) -> RenderJob:
        """Queue a failed or cancelled job again (a fresh set of retries)."""
        await self._access.require(actor, Role.EDITOR, "retry renders")
        job = await self._jobs.get(actor.tenant_id, job_id)
        if job.status not in (RenderStatus.FAILED, RenderStatus.CANCELLED):
            raise InvalidTransition(
                job.status.value,
                RenderStatus.QUEUED.value,
                "only a failed or cancelled job can be retried",
            )

        def change(current: RenderJob) -> RenderJob:
            if current.status not in (RenderStatus.FAILED, RenderStatus.CANCELLED):
                raise InvalidTransition(
                    current.status.value,
                    RenderStatus.QUEUED.value,
                    "only a failed or cancelled job can be retried",
                )
            now = self._clock.now()
            return current.model_copy(
                update={
                    "status": RenderStatus.QUEUED,
                    "retries": 0,
                    "error": None,
                    "provider_job_id": None,
                    "finished_at": None,
                    "available_at": now,
                    "lease_owner": None,
                    "lease_expires_at": None,
                    "updated_at": now,
                    "logs": append_logs(current.logs, f"retried by {actor.user_id}"),
                }
            )

        queued = await self._jobs.modify(actor.tenant_id, job_id, change)
        await self._activity.record(
            actor,
            "render.retried",
            object_type="render job",
            object_id=job.id,
            campaign_id=job.campaign_id,
        )
        self._events.publish_job(queued)
        if self.worker is not None:
            self.worker.wake()
        return queued

    async def wait_for(self, actor: Actor, job_id: str, *, timeout: float) -> RenderJob:
        """Return the job once it is published, failed or cancelled (whichever worker, in
        whichever process, finishes it).

        Raises:
            WaitTimeout: it did not finish within ``timeout`` seconds.
        """
        await self._access.require(actor, Role.VIEWER, "see render jobs")
        ended = asyncio.Event()

        def watch(event: JobEvent) -> None:
            if event.job.id == job_id and event.job.status.terminal:
                ended.set()

        try:
            with self._events.listen(watch):
                async with asyncio.timeout(timeout):
                    while True:
                        job = await self._jobs.get(actor.tenant_id, job_id)
                        if job.status.terminal:
                            return job
                        # An end in this process wakes us at once; one in another process is
                        # seen by the next read.
                        await self._sleeper.wait(ended, 1.0)
        except TimeoutError:
            raise WaitTimeout(
                f"render job {job_id[:8]}… is still "
                f"{(await self._jobs.get(actor.tenant_id, job_id)).status.value} "
                f"after {timeout:g} s"
            ) from None


__all__ = ["MediaRendererService", "ProviderError", "WaitTimeout"]
