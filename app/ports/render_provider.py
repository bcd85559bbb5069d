"""The render-provider port: the seed's provider interface (name, can_render, render,
poll_status, handle_webhook) plus cancel and output download.

Errors are :class:`app.domain.errors.ProviderError`: ``retryable`` for timeouts, connection
failures, 5xx and 429 (with ``retry_after`` when the provider said how long to wait), not
retryable for bad input, refused keys and safety refusals.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from app.domain import CreativeKind


class ProviderState(StrEnum):
    """A provider job's state, in the engine's words."""

    QUEUED = "queued"  # accepted, not started
    RUNNING = "running"
    SUCCEEDED = "succeeded"  # output ready (a provider that says COMPLETED with an error: FAILED)
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (ProviderState.SUCCEEDED, ProviderState.FAILED, ProviderState.CANCELLED)


@dataclass(frozen=True)
class RenderRequest:
    """What to render. ``job_id`` is the engine's id (for webhook URLs and local files);
    ``webhook_url`` is set only when the provider should push status to the relay."""

    job_id: str
    kind: CreativeKind
    prompt: str
    params: Mapping[str, Any] = field(default_factory=dict)
    webhook_url: str | None = None
    seed: int | None = None


@dataclass(frozen=True)
class ProviderStatus:
    """What a poll or a webhook says about a provider job.

    ``progress`` is a fraction 0–1 when known; ``step``/``total_steps`` when the provider counts
    steps; ``logs`` are the new or full log lines (the engine keeps the last ones); ``outputs``
    are URLs (``https:``, ``data:`` or ``file:``) of the result files: the first
    ``main_outputs`` of them are the main outputs (the variants of an image, in order; all of
    them when it is None), the rest are companions that are never stored as outputs (a video's
    poster frame); ``permanent`` marks a failure that a retry cannot fix (bad input, safety);
    ``interrupted`` marks a render lost with the process that ran it (a local render after a
    restart): it is rendered again, and that is not a failed attempt.
    """

    provider_job_id: str
    state: ProviderState
    progress: float | None = None
    step: int | None = None
    total_steps: int | None = None
    logs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    main_outputs: int | None = None
    error: str | None = None
    permanent: bool = False
    interrupted: bool = False

    @property
    def main(self) -> tuple[str, ...]:
        """The main outputs, in order (the companions left out)."""
        return self.outputs if self.main_outputs is None else self.outputs[: self.main_outputs]


@dataclass(frozen=True)
class WebhookDelivery:
    """A verified webhook: its delivery id (for exactly-once processing) and the status."""

    delivery_id: str
    status: ProviderStatus


class RenderProvider(Protocol):
    """One render service (local, Replicate, Runway, Pika through fal)."""

    name: str
    supports_webhooks: bool
    poll_interval: float
    """Seconds between polls of one job (Runway: at least 5)."""
    max_concurrency: int
    """Jobs in flight at once on this provider."""

    def can_render(self, kind: CreativeKind) -> bool: ...

    async def render(self, request: RenderRequest) -> str:
        """Submit ``request``; returns the provider's job id."""
        ...

    async def poll_status(self, provider_job_id: str) -> ProviderStatus: ...

    async def cancel(self, provider_job_id: str) -> None:
        """Ask the provider to stop the job (a job already finished is not an error)."""
        ...

    async def handle_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        """Verify and parse one delivery.

        Raises:
            WebhookRejected: the signature is missing or wrong, the timestamp is stale, or the
                body is malformed (``status`` says which HTTP status to answer).
        """
        ...

    async def release(self, provider_job_id: str) -> None:
        """Forget a job whose output is stored or that ended: a local provider deletes its
        work files; a cloud provider keeps nothing."""
        ...

    def open_output(self, url: str, *, max_bytes: int) -> AsyncIterator[bytes]:
        """Stream an output file in chunks (size cap, timeouts); ProviderError on failure."""
        ...

    async def close(self) -> None: ...
