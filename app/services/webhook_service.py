"""Provider webhooks: verified, matched to their job, applied once."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from app.domain.errors import AppError, ProviderError, WebhookRejected
from app.ports.render_provider import ProviderState
from app.ports.repositories import RenderJobRepository
from app.services.operations import public_calls
from app.services.render_engine import RenderEngine

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
ROUTES = {"replicate": "replicate", "fal": "pika"}
"""Relay route → provider name."""


@public_calls
class WebhookService:
    """What the relay does with a delivery; returns the HTTP status to answer.

    401 unverified or stale, 413 too large, 400 malformed (all decided by the provider's
    verification), 404 unknown route, 202 for a job this database does not know (nothing
    happens), 200 once applied — or when the same delivery was applied before.
    """

    def __init__(self, *, engine: RenderEngine, jobs: RenderJobRepository) -> None:
        self._engine = engine
        self._jobs = jobs

    async def receive(self, route: str, headers: Mapping[str, str], body: bytes) -> int:
        provider = self._engine.providers.get(ROUTES.get(route, ""))
        if provider is None or not provider.supports_webhooks:
            return 404
        if len(body) > MAX_BODY_BYTES:
            return 413
        try:
            delivery = await provider.handle_webhook(headers, body)
        except WebhookRejected as exc:
            log.warning("rejected a %s webhook: %s", route, exc)
            return exc.status
        except ProviderError as exc:  # e.g. the signing secret cannot be fetched right now
            log.warning("cannot verify a %s webhook yet: %s", route, exc)
            return 503  # the provider delivers it again later
        if delivery.status.state is ProviderState.SUCCEEDED:
            # The render's slot is free from now (a verified delivery), before the job is read.
            self._engine.rendered(provider.name, delivery.status.provider_job_id)
        job = await self._jobs.find_by_provider_job(provider.name, delivery.status.provider_job_id)
        if job is None:
            return 202
        if delivery.delivery_id in job.seen_deliveries:
            return 200
        try:
            await self._engine.apply(
                job, delivery.status, delivery_id=delivery.delivery_id, fresh=True
            )
        except AppError as exc:
            log.error("could not apply a %s webhook to job %s: %s", route, job.id, exc)
            return 500  # the provider retries; the poll loop is the safety net
        return 200
