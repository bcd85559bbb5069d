"""What the local render providers share: renders run as functions on worker threads.

Each render is one function called through ``asyncio.to_thread``; it writes into
``workdir/<provider_job_id>/`` and reports its steps, log lines and progress on a
:class:`LocalJob`, which the event loop reads when it polls. Cancelling sets a flag the render
checks between steps. The registry lives in memory: after a restart an id is known only by its
folder (:mod:`~app.adapters.providers.local_work`): a render that finished there is reported
done, so that its output is still stored; any other was interrupted, and is rendered again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import shutil
import threading
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from app.adapters.providers import local_work
from app.adapters.storage.leftovers import Leftover
from app.domain.errors import (
    ConfigurationError,
    DiskFull,
    ProviderError,
    WebhookRejected,
    is_disk_full,
)
from app.ports.render_provider import ProviderState, ProviderStatus, WebhookDelivery

_log = logging.getLogger(__name__)

POLL_INTERVAL_SECONDS = 0.2
CHUNK_BYTES = 1024 * 1024
MAX_LOG_LINES = 200
INTERRUPTED = "the local render was interrupted (the app restarted); it will be rendered again"
RESUMED = "the render had finished before the app restarted"

RenderFunction = Callable[["LocalJob"], tuple[Path, ...]]
"""Runs on a worker thread, writes into ``job.directory`` and returns the output files."""


class RenderCancelled(Exception):
    """Raised inside a render function by :meth:`LocalJob.report` once the job is cancelled."""


class LocalJob:
    """One local render as its worker thread sees it: steps, logs, cancellation.

    The worker thread writes and the event loop reads, so a lock guards the fields.
    """

    def __init__(self, job_id: str, directory: Path) -> None:
        self.id = job_id
        self.directory = directory
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._state = ProviderState.QUEUED
        self._progress = 0.0
        self._step: int | None = None
        self._total: int | None = None
        self._logs: list[str] = []
        self._outputs: tuple[Path, ...] = ()
        self._error: str | None = None
        self._permanent = False

    def log(self, message: str) -> None:
        """Add a log line (the oldest ones go beyond :data:`MAX_LOG_LINES`)."""
        with self._lock:
            self._logs.append(message)
            del self._logs[:-MAX_LOG_LINES]

    def report(self, step: int, total: int, message: str, *, progress: float | None = None) -> None:
        """Record that ``step`` of ``total`` is done, with a log line; then stop if cancelled.

        Raises:
            RenderCancelled: The job was cancelled; the render must stop.
        """
        with self._lock:
            self._step, self._total = step, total
            self._progress = max(0.0, min(1.0, step / total if progress is None else progress))
        self.log(message)
        self.check_cancelled()

    def check_cancelled(self) -> None:
        """Raise :class:`RenderCancelled` if the job was cancelled."""
        if self._cancel.is_set():
            raise RenderCancelled

    @contextmanager
    def atomic_output(self, filename: str) -> Iterator[Path]:
        """Yield a temporary path to write ``filename`` to; renamed into place on success."""
        final = self.directory / filename
        temp = final.with_name(local_work.partial_name(filename))
        try:
            yield temp
            os.replace(temp, final)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise

    def request_cancel(self) -> None:
        """Ask the render to stop at its next step; a queued job is cancelled at once."""
        self._cancel.set()
        with self._lock:
            if self._state is ProviderState.QUEUED:
                self._state = ProviderState.CANCELLED
                self._logs.append("cancelled before it started")

    def start(self) -> bool:
        """Mark the job running; False if it was cancelled while queued."""
        with self._lock:
            if self._state is not ProviderState.QUEUED:
                return False
            self._state = ProviderState.RUNNING
            return True

    def finish(
        self,
        state: ProviderState,
        *,
        outputs: tuple[Path, ...] = (),
        error: str | None = None,
        permanent: bool = False,
    ) -> None:
        """Record the outcome."""
        with self._lock:
            self._state, self._outputs = state, outputs
            self._error, self._permanent = error, permanent
            if state is ProviderState.SUCCEEDED:
                self._progress = 1.0
                if self._total is not None:
                    self._step = self._total

    def status(self) -> ProviderStatus:
        """A snapshot for a poll."""
        with self._lock:
            return ProviderStatus(
                provider_job_id=self.id,
                state=self._state,
                progress=self._progress,
                step=self._step,
                total_steps=self._total,
                logs=tuple(self._logs),
                outputs=tuple(path.as_uri() for path in self._outputs),
                error=self._error,
                permanent=self._permanent,
            )


class LocalJobs:
    """The in-memory registry of one local provider's renders.

    Args:
        workdir: The folder the renders write into, one sub-folder per job.
        provider: The provider's name, for ids, task names and messages.
        max_concurrency: Renders running at once; the others wait, queued.
    """

    def __init__(self, workdir: Path, *, provider: str, max_concurrency: int) -> None:
        if max_concurrency < 1:
            raise ConfigurationError(f"{provider}: max_concurrency must be at least 1")
        self.workdir = workdir
        self._provider = provider
        self._slots = asyncio.Semaphore(max_concurrency)
        self._jobs: dict[str, LocalJob] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._closed = False

    def submit(self, render: RenderFunction) -> str:
        """Queue ``render`` on a worker thread; returns the new job's id."""
        if self._closed:
            raise ProviderError(f"{self._provider}: the provider is shut down", retryable=True)
        job_id = local_work.new_job_id(self._provider)
        job = LocalJob(job_id, self.workdir / job_id)
        self._jobs[job_id] = job
        task = asyncio.create_task(self._run(job, render), name=f"{self._provider} {job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(job_id, None))
        return job_id

    def poll(self, job_id: str) -> ProviderStatus:
        """The job's status; an unknown id was lost with a restart (see :meth:`poll_stored`)."""
        job = self._jobs.get(job_id)
        if job is None:
            return _interrupted(job_id)
        return job.status()

    async def poll_stored(self, job_id: str) -> ProviderStatus:
        """The job's status; for an id unknown here (rendered before a restart), its folder
        says: finished (with its outputs), else interrupted."""
        job = self._jobs.get(job_id)
        if job is not None:
            return job.status()
        outputs = await asyncio.to_thread(self._finished_before, job_id)
        if outputs is None:
            return _interrupted(job_id)
        return ProviderStatus(
            provider_job_id=job_id,
            state=ProviderState.SUCCEEDED,
            progress=1.0,
            logs=(RESUMED,),
            outputs=tuple(path.as_uri() for path in outputs),
        )

    def cancel(self, job_id: str) -> None:
        """Ask the job to stop; unknown and finished jobs are left alone."""
        job = self._jobs.get(job_id)
        if job is not None:
            job.request_cancel()

    async def release(self, job_id: str) -> None:
        """Forget a finished job and delete its work folder (its output is in the library).
        The folder of an id unknown here goes if its render finished (before a restart); an
        unfinished one may be another process's live render: the sweep at open takes it."""
        job = self._jobs.get(job_id)
        if job is None:
            if await asyncio.to_thread(self._finished_before, job_id) is not None:
                await asyncio.to_thread(shutil.rmtree, self.workdir / job_id, True)
            return
        if not job.status().state.finished:
            return  # still rendering
        del self._jobs[job_id]
        await asyncio.to_thread(shutil.rmtree, job.directory, True)

    def leftovers(self) -> list[Leftover]:
        """The render folders and partial files not rendering here (for the sweep at open)."""
        return local_work.leftovers(self.workdir, self._provider, self._jobs)

    def _finished_before(self, job_id: str) -> tuple[Path, ...] | None:
        """The outputs in the folder of ``job_id`` (one of this provider's ids, not rendering
        here) if its render finished; else None."""
        if not local_work.is_job_id(self._provider, job_id):
            return None
        return local_work.finished_outputs(self.workdir / job_id)

    async def open_output(self, url: str, *, max_bytes: int) -> AsyncIterator[bytes]:
        """Stream a ``file:`` URL from inside the work folder in 1 MiB chunks, off the loop.

        Raises:
            ProviderError: The URL is not a file inside the work folder, the file cannot be
                read, or it holds more than ``max_bytes`` (never retryable).
        """
        path = await asyncio.to_thread(self._local_path, url)
        try:
            file = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError as exc:
            raise ProviderError(f"{self._provider}: the render output is gone") from exc
        except OSError as exc:
            raise ProviderError(
                f"{self._provider}: cannot read the render output ({exc.strerror})"
            ) from exc
        try:
            size = (await asyncio.to_thread(os.fstat, file.fileno())).st_size
            if size > max_bytes:
                raise ProviderError(
                    f"{self._provider}: the render output ({size} bytes) is larger than "
                    f"{max_bytes} bytes"
                )
            sent = 0
            while chunk := await asyncio.to_thread(file.read, CHUNK_BYTES):
                sent += len(chunk)
                if sent > max_bytes:
                    raise ProviderError(
                        f"{self._provider}: the render output is larger than {max_bytes} bytes"
                    )
                yield chunk
        except OSError as exc:
            raise ProviderError(
                f"{self._provider}: cannot read the render output ({exc.strerror})"
            ) from exc
        finally:
            file.close()

    async def close(self) -> None:
        """Cancel every render and wait for the worker threads to stop."""
        self._closed = True
        for job in self._jobs.values():
            job.request_cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    def _local_path(self, url: str) -> Path:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ProviderError(f"{self._provider}: only file: URLs of its own renders open here")
        path = Path(urllib.request.url2pathname(parts.path)).resolve()
        root = self.workdir.resolve()
        if path == root or not path.is_relative_to(root):
            raise ProviderError(f"{self._provider}: refused a file outside the render folder")
        return path

    async def _run(self, job: LocalJob, render: RenderFunction) -> None:
        try:
            async with self._slots:
                if job.start():
                    await asyncio.to_thread(self._execute, job, render)
        except asyncio.CancelledError:
            # A running thread cannot be interrupted: it stops at its next step.
            job.request_cancel()
            raise

    def _execute(self, job: LocalJob, render: RenderFunction) -> None:
        """The worker thread: run ``render``, record the outcome, clean up after a failure."""
        try:
            job.directory.mkdir(parents=True, exist_ok=True)
            outputs = render(job)
        except RenderCancelled:
            shutil.rmtree(job.directory, ignore_errors=True)
            job.log("cancelled; partial files removed")
            job.finish(ProviderState.CANCELLED)
        except ProviderError as exc:
            shutil.rmtree(job.directory, ignore_errors=True)
            job.finish(ProviderState.FAILED, error=exc.message, permanent=not exc.retryable)
        except Exception as exc:
            _log.exception("%s render %s failed", self._provider, job.id)
            shutil.rmtree(job.directory, ignore_errors=True)
            job.finish(ProviderState.FAILED, error=f"{self._provider}: {self._why(exc)}")
        else:
            try:  # a later process stores the output if this one stops before it does
                local_work.write_done(job.directory, outputs)
            except OSError as exc:
                _log.warning("%s render %s: cannot record its end: %s", self._provider, job.id, exc)
            job.finish(ProviderState.SUCCEEDED, outputs=outputs)

    def _why(self, exc: Exception) -> str:
        """A failed render's reason in one line; a full disk names the folder (trying again
        later may work, once someone has made room)."""
        if is_disk_full(exc):
            return DiskFull(self.workdir).message
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        return f"the render failed: {detail}"


def _interrupted(job_id: str) -> ProviderStatus:
    return ProviderStatus(
        provider_job_id=job_id, state=ProviderState.FAILED, error=INTERRUPTED, interrupted=True
    )


class LocalRenderProvider:
    """The parts of :class:`~app.ports.render_provider.RenderProvider` both local providers share.

    Subclasses set ``name`` and implement ``can_render`` and ``render`` (validate the request,
    then :meth:`LocalJobs.submit` a render function). ``main_outputs``: how many of a render's
    files (the first ones) are its outputs, the rest being companions such as a video's poster
    frame; None when every file is an output (an image's variants).
    """

    name = "local"
    main_outputs: int | None = None
    supports_webhooks = False
    poll_interval = POLL_INTERVAL_SECONDS

    def __init__(self, workdir: Path, *, max_concurrency: int) -> None:
        self.max_concurrency = max_concurrency
        self._jobs = LocalJobs(workdir, provider=self.name, max_concurrency=max_concurrency)

    async def poll_status(self, provider_job_id: str) -> ProviderStatus:
        status = await self._jobs.poll_stored(provider_job_id)
        if not status.outputs or self.main_outputs is None:
            return status
        return dataclasses.replace(status, main_outputs=self.main_outputs)

    async def cancel(self, provider_job_id: str) -> None:
        self._jobs.cancel(provider_job_id)

    async def handle_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        raise WebhookRejected("local renders send no webhooks", status=404)

    async def release(self, provider_job_id: str) -> None:
        await self._jobs.release(provider_job_id)

    def leftovers(self) -> list[Leftover]:
        """Render folders and partial files a stopped or crashed process left."""
        return self._jobs.leftovers()

    def open_output(self, url: str, *, max_bytes: int) -> AsyncIterator[bytes]:
        return self._jobs.open_output(url, max_bytes=max_bytes)

    async def close(self) -> None:
        await self._jobs.close()
