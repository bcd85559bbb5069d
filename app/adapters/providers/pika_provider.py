"""Pika video renders through fal's queue API (provider-apis.md §4; Pika has no API of its own).

Submit is ``POST {queue}/{model_id}`` (``?fal_webhook=<url-encoded URL>`` for a completion
webhook); status, result and cancel live under ``{queue}/{owner}/{alias}/requests/{id}``
**without** the model's subpath (``fal-ai/pika``, not ``fal-ai/pika/v2.2/text-to-video``).
Auth is ``Authorization: Key <FAL_KEY>``. ``COMPLETED`` is not success: the result decides.

Provider job ids: the plain fal ``request_id`` when the URLs fal returned on submit are the
documented ones (always so far), so any process with the same settings can poll, cancel and
fetch with the id alone, and a webhook (which carries only ``request_id``) names the same id.
Should fal ever return other URLs on the queue host, the id becomes
``"{request_id}|{status_url}|{response_url}|{cancel_url}"`` so they survive a restart; the key is
only ever sent to the queue host. Nothing is retried here: the engine decides.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import urllib.parse
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.adapters.providers import fal_support as support
from app.adapters.providers import http_support
from app.adapters.providers.fal_support import PROVIDER, error_detail
from app.adapters.providers.fal_webhooks import (
    DEFAULT_JWKS_URL,
    FalWebhookVerifier,
    is_permanent,
    result_status,
)
from app.adapters.providers.http_client import (
    HttpAnswer,
    HttpBadUrl,
    HttpClient,
    HttpFailure,
    HttpTimeout,
)
from app.domain import CreativeKind
from app.domain.errors import ConfigurationError, ProviderError
from app.ports.render_provider import (
    ProviderState,
    ProviderStatus,
    RenderRequest,
    WebhookDelivery,
)

_log = logging.getLogger(__name__)

DEFAULT_QUEUE_BASE_URL = "https://queue.fal.run"
DEFAULT_MODEL_ID = "fal-ai/pika/v2.2/text-to-video"
DEFAULT_POLL_INTERVAL = 3.0  # seconds; webhooks usually report first
_READ_TIMEOUT = 30.0  # seconds for the next bytes of an answer
_CONNECT_TIMEOUT = 10.0
_MAX_CALL_SECONDS = 60.0  # one queue call, all in, whatever the client's own timeouts
_MAX_DOWNLOAD_WAIT_SECONDS = 600.0
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_SEPARATOR = "|"


@dataclass(frozen=True)
class _Request:
    """Where one fal request is polled, read and cancelled."""

    request_id: str
    status_url: str
    response_url: str
    cancel_url: str


class PikaProvider:
    """The :class:`~app.ports.render_provider.RenderProvider` for Pika videos on fal.

    Args:
        fal_key: The fal API key; sent only as ``Authorization: Key …`` to the queue host.
        queue_base_url: fal's queue, ``https://queue.fal.run``.
        model_id: The fal endpoint id, by default Pika v2.2 text-to-video.
        jwks_url: Where fal publishes its webhook public keys.
        client: An HTTP client to use (its timeouts apply); it stays open on :meth:`close`.
            If ``None``, one is created on first use and closed by :meth:`close`.
        max_concurrency: Jobs in flight at once on this provider.
        poll_interval: Seconds between polls of one job; ``None``: 3 s.
        clock: Unix time in seconds (webhook timestamps and the key cache).

    Raises:
        ConfigurationError: The key is empty or holds whitespace, or the model id is not
            ``owner/alias[/subpath]``.
    """

    name = "pika"
    supports_webhooks = True

    def __init__(
        self,
        *,
        fal_key: str,
        queue_base_url: str = DEFAULT_QUEUE_BASE_URL,
        model_id: str = DEFAULT_MODEL_ID,
        jwks_url: str = DEFAULT_JWKS_URL,
        client: HttpClient | None = None,
        max_concurrency: int = 2,
        poll_interval: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # A key with a line break would make the client raise an error that quotes the header.
        if not fal_key or any(ch.isspace() for ch in fal_key):
            raise ConfigurationError("the fal API key is empty or contains spaces or line breaks")
        parts = model_id.strip("/").split("/")
        if len(parts) < 2 or not all(parts):
            raise ConfigurationError(f"the fal model id {model_id!r} is not owner/alias[/path]")
        self._key = fal_key
        self._queue = queue_base_url.rstrip("/")
        self._model_id = "/".join(parts)
        # fal-js parseEndpointId: status, result and cancel use owner/alias only.
        self._app = f"{parts[0]}/{parts[1]}"
        self._client = client
        self._owns_client = client is None
        self._closed = False
        self.max_concurrency = max_concurrency
        self.poll_interval = DEFAULT_POLL_INTERVAL if poll_interval is None else poll_interval
        self._webhooks = FalWebhookVerifier(jwks_url=jwks_url, http=self._http, clock=clock)

    def __repr__(self) -> str:
        return f"PikaProvider(queue_base_url={self._queue!r}, model_id={self._model_id!r})"

    def can_render(self, kind: CreativeKind) -> bool:
        """Pika makes videos only."""
        return kind == CreativeKind.VIDEO

    async def render(self, request: RenderRequest) -> str:
        """Submit ``request`` to fal's queue; the model input is ``params`` with ``prompt``
        (and ``seed`` when set) on top.

        Returns:
            The provider job id (see the module docstring).

        Raises:
            ProviderError: Not a video, refused (401/403/422: not retryable) or failed
                (429, 5xx, timeouts: retryable).
        """
        if not self.can_render(request.kind):
            raise ProviderError(f"{PROVIDER} renders videos only, not {request.kind}")
        body: dict[str, Any] = {**request.params, "prompt": request.prompt}
        if request.seed is not None:
            body["seed"] = request.seed
        url = f"{self._queue}/{self._model_id}"
        if request.webhook_url:
            url += "?fal_webhook=" + urllib.parse.quote(request.webhook_url, safe="")
        response = await self._send("POST", url, json=body)
        if not response.is_success:
            raise self._status_error(response, "the render")
        answer = self._json(response)
        request_id = answer.get("request_id")
        if not isinstance(request_id, str) or not _REQUEST_ID.fullmatch(request_id):
            raise ProviderError(f"{PROVIDER} sent an unexpected answer: no valid request_id")
        job_id = self._job_id(request_id, answer)
        _log.debug("%s queued request %s for job %s", PROVIDER, request_id, request.job_id)
        return job_id

    async def poll_status(self, provider_job_id: str) -> ProviderStatus:
        """The request's status; once fal says ``COMPLETED`` the result is fetched, and only a
        result with a video is SUCCEEDED.

        Raises:
            ProviderError: The id is not one of this provider's, the key is refused, the
                request is unknown, or fal failed (retryable) or answered nonsense.
        """
        req = self._request(provider_job_id)
        response = await self._send("GET", req.status_url, params={"logs": "1"})
        if not response.is_success:
            raise self._status_error(response, f"the status of request {req.request_id}")
        answer = self._json(response)
        status = answer.get("status")
        logs = support.log_lines(answer.get("logs"))
        if status == "IN_QUEUE":
            position = answer.get("queue_position")
            note = f"waiting in fal's queue at position {position}"
            return ProviderStatus(provider_job_id, ProviderState.QUEUED, logs=(note, *logs))
        if status == "IN_PROGRESS":
            return ProviderStatus(provider_job_id, ProviderState.RUNNING, logs=logs)
        if status == "COMPLETED":
            metrics = answer.get("metrics")
            seconds = metrics.get("inference_time") if isinstance(metrics, dict) else None
            if isinstance(seconds, int | float):
                logs = (*logs, f"inference took {seconds:.1f} s")
            return await self._result(provider_job_id, req, logs)
        # FAILED and CANCELED appear only in a third-party schema (§4.2): handled defensively.
        if status in ("CANCELED", "CANCELLED"):
            return ProviderStatus(provider_job_id, ProviderState.CANCELLED, logs=logs)
        if status == "FAILED":
            detail = self._scrub(error_detail(answer)) or "no reason given"
            error = f"{PROVIDER} failed the render ({detail})"
            return ProviderStatus(provider_job_id, ProviderState.FAILED, logs=logs, error=error)
        raise ProviderError(f"{PROVIDER} sent an unknown request status {status!r}")

    async def cancel(self, provider_job_id: str) -> None:
        """Ask fal to drop the request (queued) or signal its runner (running; the model may
        ignore it). ``ALREADY_COMPLETED`` and ``NOT_FOUND`` answers are not errors."""
        req = self._request(provider_job_id)
        response = await self._send("PUT", req.cancel_url)
        if response.is_success:
            return
        said = http_support.json_or_none(response)
        if isinstance(said, dict) and said.get("status") in ("ALREADY_COMPLETED", "NOT_FOUND"):
            _log.debug("%s request %s: %s", PROVIDER, req.request_id, said["status"])
            return
        raise self._status_error(response, f"the cancel of request {req.request_id}")

    async def handle_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        """Verify a fal completion webhook (ED25519, JWKS) and read it.

        Raises:
            WebhookRejected: See :meth:`FalWebhookVerifier.delivery`.
        """
        return await self._webhooks.delivery(headers, body)

    def open_output(self, url: str, *, max_bytes: int) -> AsyncGenerator[bytes, None]:
        """Stream an output file (fal's public CDN, or a ``data:`` URI); the key is not sent.

        Raises:
            ProviderError: Over ``max_bytes`` or gone (not retryable); a timeout, a broken
                connection or a 5xx (retryable).
        """
        return http_support.open_output(
            self._http(),
            url,
            provider=PROVIDER,
            max_bytes=max_bytes,
            max_wait_seconds=_MAX_DOWNLOAD_WAIT_SECONDS,
            expiry_note=support.EXPIRY_NOTE,
        )

    async def release(self, provider_job_id: str) -> None:
        """Nothing to forget: fal keeps the job, and this provider keeps no state for it."""

    async def close(self) -> None:
        """Close the HTTP client if this provider created it; a client passed in stays open.
        A closed provider refuses further calls rather than open a client nobody would close."""
        self._closed = True
        if self._owns_client and self._client is not None:
            client, self._client = self._client, None
            await client.close()

    def _http(self) -> HttpClient:
        if self._closed:
            raise ProviderError(f"the {self.name} provider is closed")
        if self._client is None:
            self._client = HttpClient(timeout=_READ_TIMEOUT, connect_timeout=_CONNECT_TIMEOUT)
        return self._client

    def _job_id(self, request_id: str, answer: dict[str, Any]) -> str:
        """``request_id`` when fal returned the documented URLs, else the URLs encoded too."""
        derived = self._derived(request_id)
        returned = _Request(
            request_id,
            str(answer.get("status_url") or derived.status_url),
            str(answer.get("response_url") or derived.response_url),
            str(answer.get("cancel_url") or derived.cancel_url),
        )
        if returned == derived:
            return request_id
        urls = (returned.status_url, returned.response_url, returned.cancel_url)
        if all(self._on_queue_host(u) and _SEPARATOR not in u for u in urls):
            return _SEPARATOR.join((request_id, *urls))
        _log.warning("%s returned URLs off the queue host; using the documented ones", PROVIDER)
        return request_id

    def _request(self, provider_job_id: str) -> _Request:
        """The URLs of ``provider_job_id``; :class:`ProviderError` if it is not one of ours."""
        parts = provider_job_id.split(_SEPARATOR)
        if len(parts) not in (1, 4) or not _REQUEST_ID.fullmatch(parts[0]):
            raise ProviderError(f"{provider_job_id!r} is not a {PROVIDER} job id")
        if len(parts) == 1:
            return self._derived(parts[0])
        if not all(self._on_queue_host(u) for u in parts[1:]):
            raise ProviderError(f"the {PROVIDER} job id points off the queue host {self._queue}")
        return _Request(*parts)

    def _derived(self, request_id: str) -> _Request:
        base = f"{self._queue}/{self._app}/requests/{request_id}"
        return _Request(request_id, f"{base}/status", base, f"{base}/cancel")

    def _on_queue_host(self, url: str) -> bool:
        try:
            mine, theirs = urllib.parse.urlsplit(self._queue), urllib.parse.urlsplit(url)
            return (mine.scheme, mine.hostname, mine.port) == (
                theirs.scheme,
                theirs.hostname,
                theirs.port,
            )
        except ValueError:  # a malformed port or IPv6 address
            return False

    async def _result(
        self, provider_job_id: str, req: _Request, logs: tuple[str, ...]
    ) -> ProviderStatus:
        """Read the result of a COMPLETED request: a failure is an error status with a
        ``detail`` (and perhaps ``error_type``/``X-Fal-Error-Type``)."""
        response = await self._send("GET", req.response_url)
        if response.is_success:
            return result_status(provider_job_id, self._json(response), logs)
        status = response.status_code
        body = http_support.json_or_none(response)
        error_type = response.headers.get("x-fal-error-type") or (
            body.get("error_type") if isinstance(body, dict) else None
        )
        detail = self._scrub(error_detail(body))
        if status in (401, 403, 429) or (status >= 500 and not (detail or error_type)):
            # Our key, our rate, or a gateway hiccup: the request itself did not fail.
            raise self._status_error(response, f"the result of request {req.request_id}")
        kind = f", {self._scrub(str(error_type))}" if error_type else ""
        said = f"HTTP {status}{kind}: {detail}" if detail else f"HTTP {status}{kind}"
        return ProviderStatus(
            provider_job_id,
            ProviderState.FAILED,
            logs=logs,
            error=f"{PROVIDER} failed the render ({said})",
            permanent=is_permanent(status),
        )

    async def _send(
        self,
        method: str,
        url: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> HttpAnswer:
        """One queue call, bounded in time; transport failures translated."""
        headers = {"Authorization": f"Key {self._key}", "Accept": "application/json"}
        try:
            async with asyncio.timeout(_MAX_CALL_SECONDS):
                return await self._http().request(
                    method, url, headers=headers, json=json, params=params
                )
        except (TimeoutError, HttpTimeout) as exc:
            raise ProviderError(f"{PROVIDER} did not answer in time", retryable=True) from exc
        except HttpBadUrl as exc:
            raise ProviderError(f"the {PROVIDER} URL {url!r} is not valid") from exc
        except HttpFailure as exc:
            detail = self._scrub(str(exc)) or type(exc).__name__
            raise ProviderError(
                f"{PROVIDER} could not be reached at {self._queue} ({detail})", retryable=True
            ) from exc

    def _status_error(self, response: HttpAnswer, what: str) -> ProviderError:
        return support.status_error(response, what, self._key)

    def _scrub(self, text: str) -> str:
        return http_support.scrub(text, self._key)

    def _json(self, response: HttpAnswer) -> dict[str, Any]:
        return http_support.json_object(response, PROVIDER)
