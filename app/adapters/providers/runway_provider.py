"""Video renders on Runway's API (``https://api.dev.runwayml.com``, provider-apis.md §3).

A render creates a task (``POST /v1/text_to_video``, or ``/v1/image_to_video`` when the params
hold a ``promptImage``); the engine then polls ``GET /v1/tasks/{id}`` — Runway has no webhooks —
no more often than every 5 s, as Runway asks. Every request carries the Bearer key and the
``X-Runway-Version`` header. Failures become :class:`ProviderError` messages that name Runway,
the HTTP status and Runway's error text, never the key. Nothing is retried here: the engine
decides.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import urllib.parse
from collections.abc import AsyncGenerator, Mapping
from typing import Any

from app.adapters.providers import http_support
from app.adapters.providers.http_client import (
    HttpAnswer,
    HttpBadUrl,
    HttpClient,
    HttpFailure,
    HttpTimeout,
)
from app.adapters.providers.runway_support import (
    EXPIRY_NOTE,
    PROVIDER,
    error_detail,
    failed_status,
    output_urls,
    progress_of,
)
from app.domain import CreativeKind
from app.domain.errors import ConfigurationError, ProviderError, WebhookRejected
from app.ports.render_provider import ProviderState, ProviderStatus, RenderRequest, WebhookDelivery

_log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.dev.runwayml.com"
# gen4.5 is the model §3.3 documents for both text_to_video and image_to_video, so one default
# serves a prompt alone and a prompt with a promptImage.
DEFAULT_MODEL = "gen4.5"
API_VERSION = "2024-11-06"  # the SDK default and the only version documented (§3.1)
MIN_POLL_INTERVAL = 5.0  # "no more than one GET per 5 s per task" (§3.2)
DEFAULT_RATIO = "1280:720"  # valid for gen4.5 on both endpoints
DEFAULT_DURATION = 5  # gen4.5 requires a duration, 2–10 s
MAX_PROMPT_UTF16_UNITS = 1000
# Time spent waiting for an output's bytes in all (each read is also bounded by the timeout).
MAX_DOWNLOAD_WAIT_SECONDS = 600.0
_MAX_CONNECT_SECONDS = 10.0
_KEY_FORM = re.compile(r"key_[0-9a-f]{128}")
# Render params sent as they are (camelCase, as Runway spells them); snake_case accepted too.
_PASSED_PARAMS = {
    "promptImage": "promptImage",
    "prompt_image": "promptImage",
    "ratio": "ratio",
    "duration": "duration",
    "contentModeration": "contentModeration",
    "content_moderation": "contentModeration",
    "audio": "audio",
}


class RunwayProvider:
    """The :class:`~app.ports.render_provider.RenderProvider` for Runway videos (polled).

    Args:
        api_key: The Runway key (``key_`` + 128 hex digits); sent only in ``Authorization``.
        base_url: Runway's API host. It is ``api.dev.runwayml.com``: ``api.runwayml.com``
            answers 401.
        model: The generation model (the request's ``model``); default ``gen4.5``.
        api_version: The ``X-Runway-Version`` header, ``2024-11-06``.
        client: An HTTP client to use; it stays open on :meth:`close`. If ``None``, one is
            created on first use and closed by :meth:`close`.
        max_concurrency: Tasks in flight at once (tier 1 organisations get 1–2; more only wait
            as ``THROTTLED``).
        poll_interval: Seconds between polls of one task; ``None`` or lower than 5: 5, since
            Runway asks for no more than one poll per 5 s per task.
        timeout: The most seconds one API call may take, and one read of an output download.

    Raises:
        ConfigurationError: An empty key, model or version, a key with whitespace, a
            ``max_concurrency`` below 1, or a non-positive or non-finite time.
    """

    name = "runway"
    supports_webhooks = False

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        model: str = DEFAULT_MODEL,
        api_version: str = API_VERSION,
        client: HttpClient | None = None,
        max_concurrency: int = 2,
        poll_interval: float | None = None,
        timeout: float = 30.0,
    ) -> None:
        # A key with a line break would make the client raise an error that quotes the header.
        if not api_key or any(ch.isspace() for ch in api_key):
            raise ConfigurationError("the Runway API key is empty or contains spaces")
        if not model.strip() or not api_version.strip():
            raise ConfigurationError("the Runway model and API version must not be empty")
        if max_concurrency < 1:
            raise ConfigurationError(f"max_concurrency must be at least 1, not {max_concurrency}")
        if poll_interval is None:
            poll_interval = MIN_POLL_INTERVAL
        if not math.isfinite(poll_interval) or not math.isfinite(timeout) or timeout <= 0:
            raise ConfigurationError(
                "the Runway poll interval must be finite and the timeout positive"
            )
        self._api_key = api_key
        self._base_url = base_url.rstrip("/")
        self._model = model
        self._api_version = api_version
        self._client = client
        self._owns_client = client is None
        self._closed = False
        self._timeout = timeout
        self.max_concurrency = max_concurrency
        self.poll_interval = max(poll_interval, MIN_POLL_INTERVAL)

    def __repr__(self) -> str:
        return f"RunwayProvider(base_url={self._base_url!r}, model={self._model!r})"

    def can_render(self, kind: CreativeKind) -> bool:
        """Videos only."""
        return kind == CreativeKind.VIDEO

    async def render(self, request: RenderRequest) -> str:
        """Create a text-to-video task (image-to-video with ``params["promptImage"]``).

        ``params`` may hold ``ratio``, ``duration``, ``promptImage``, ``contentModeration``,
        ``audio`` and ``seed`` (``request.seed`` wins); others are ignored.

        Returns:
            Runway's task id.

        Raises:
            ProviderError: Not a video, a prompt over 1000 UTF-16 units, or Runway refused or
                failed (see the module docs for which are retryable).
        """
        if not self.can_render(request.kind):
            raise ProviderError(f"Runway renders videos only, not {request.kind}")
        body = self._create_body(request)
        endpoint = "image_to_video" if "promptImage" in body else "text_to_video"
        response = await self._send("POST", f"/v1/{endpoint}", json=body)
        if not response.is_success:
            raise self._status_error(response, f"create a {endpoint} task")
        task_id = http_support.json_object(response, PROVIDER).get("id")
        if not isinstance(task_id, str) or not task_id:
            raise ProviderError("Runway sent an unexpected answer: the task id is missing")
        _log.debug("Runway task %s created on %s for job %s", task_id, endpoint, request.job_id)
        return task_id

    async def poll_status(self, provider_job_id: str) -> ProviderStatus:
        """The task's state: PENDING and THROTTLED (waiting for a concurrency slot) are queued.

        Raises:
            ProviderError: Runway refused or failed, or answered something unexpected.
        """
        response = await self._send("GET", _task_path(provider_job_id))
        if not response.is_success:
            raise self._status_error(response, f"read task {provider_job_id}")
        task = http_support.json_object(response, PROVIDER)
        status = task.get("status")
        if status in ("PENDING", "THROTTLED"):
            return ProviderStatus(provider_job_id, ProviderState.QUEUED)
        if status == "RUNNING":
            return ProviderStatus(provider_job_id, ProviderState.RUNNING, progress_of(task))
        if status == "SUCCEEDED":
            urls = output_urls(task)
            if urls:
                # Every URL of a task's output is a result in its own right (no companions).
                return ProviderStatus(
                    provider_job_id,
                    ProviderState.SUCCEEDED,
                    1.0,
                    outputs=urls,
                    main_outputs=len(urls),
                )
            error = "Runway reported success but sent no output URL"
            return ProviderStatus(provider_job_id, ProviderState.FAILED, error=error)
        if status == "FAILED":
            return failed_status(provider_job_id, task)
        if status == "CANCELLED":
            return ProviderStatus(provider_job_id, ProviderState.CANCELLED)
        raise ProviderError(f"Runway sent an unexpected answer: task status {status!r}")

    async def cancel(self, provider_job_id: str) -> None:
        """``DELETE`` the task: Runway cancels it if it has not finished, else deletes it.

        A task Runway no longer knows (404) is not an error.
        """
        response = await self._send("DELETE", _task_path(provider_job_id), accept="*/*")
        if response.is_success or response.status_code == 404:
            return
        raise self._status_error(response, f"cancel task {provider_job_id}")

    async def handle_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        """Always refuses: Runway sends no webhooks (§3.5); the engine polls instead.

        Raises:
            WebhookRejected: Always, with status 404.
        """
        raise WebhookRejected("Runway sends no webhooks", status=404)

    def open_output(self, url: str, *, max_bytes: int) -> AsyncGenerator[bytes, None]:
        """Stream an output (``https:``, ``http:`` or ``data:``) in chunks, without the key.

        Raises:
            ProviderError: Over ``max_bytes`` or a bad URL (not retryable), an expired URL
                (not retryable; a new poll gives fresh URLs), a timeout or 5xx (retryable).
        """
        return http_support.open_output(
            self._http(),
            url,
            provider=PROVIDER,
            max_bytes=max_bytes,
            max_wait_seconds=MAX_DOWNLOAD_WAIT_SECONDS,
            expiry_note=EXPIRY_NOTE,
            timeout=self._timeout,
        )

    async def release(self, provider_job_id: str) -> None:
        """Nothing to forget: Runway keeps the job, and this provider keeps no state for it."""

    async def close(self) -> None:
        """Close the HTTP client if this provider created it; a client passed in stays open.
        A closed provider refuses further calls rather than open a client nobody would close."""
        self._closed = True
        if self._owns_client and self._client is not None:
            client, self._client = self._client, None
            await client.close()

    def _create_body(self, request: RenderRequest) -> dict[str, Any]:
        units = len(request.prompt.encode("utf-16-le")) // 2
        if units > MAX_PROMPT_UTF16_UNITS:
            raise ProviderError(
                f"the prompt is too long for Runway ({units} UTF-16 units, at most "
                f"{MAX_PROMPT_UTF16_UNITS})"
            )
        body: dict[str, Any] = {"model": self._model, "ratio": DEFAULT_RATIO}
        if request.prompt.strip():
            body["promptText"] = request.prompt
        elif not any(_PASSED_PARAMS.get(name) == "promptImage" for name in request.params):
            raise ProviderError("Runway needs a prompt (or a promptImage) to render a video")
        for name, value in request.params.items():
            if name in _PASSED_PARAMS:
                body[_PASSED_PARAMS[name]] = value
            elif name != "seed":
                _log.debug("Runway ignores the render param %r", name)
        body.setdefault("duration", DEFAULT_DURATION)
        seed = request.seed if request.seed is not None else request.params.get("seed")
        if seed is not None:
            body["seed"] = seed
        return body

    def _http(self) -> HttpClient:
        if self._closed:
            raise ProviderError(f"the {self.name} provider is closed")
        if self._client is None:
            self._client = HttpClient(timeout=self._timeout, connect_timeout=_MAX_CONNECT_SECONDS)
        return self._client

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        accept: str = "application/json",
    ) -> HttpAnswer:
        """One API call, bounded by the timeout in all; transport failures translated."""
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "X-Runway-Version": self._api_version,
            "Accept": accept,
        }
        seconds = self._timeout
        try:
            async with asyncio.timeout(seconds):
                return await self._http().request(
                    method, f"{self._base_url}{path}", headers=headers, json=json, timeout=seconds
                )
        except (TimeoutError, HttpTimeout) as exc:
            raise ProviderError(
                f"Runway did not answer within {seconds:g} s", retryable=True
            ) from exc
        except HttpBadUrl as exc:
            raise ProviderError(f"the Runway base URL {self._base_url!r} is not valid") from exc
        except HttpFailure as exc:
            detail = http_support.scrub(str(exc), self._api_key) or type(exc).__name__
            raise ProviderError(
                f"Runway could not be reached at {self._base_url} ({detail})", retryable=True
            ) from exc

    def _status_error(self, response: HttpAnswer, action: str) -> ProviderError:
        """The :class:`ProviderError` for a non-success answer (§3.6 error table)."""
        status = response.status_code
        detail = http_support.scrub(error_detail(response), self._api_key)
        said = f"HTTP {status}: {detail}" if detail else f"HTTP {status}"
        if status == 401:
            form = "" if _KEY_FORM.fullmatch(self._api_key) else "; the key is not key_<128 hex>"
            return ProviderError(
                f"Runway refused the API key ({said}){form}; check the key and the base URL "
                f"{self._base_url}: Runway's API is {DEFAULT_BASE_URL}, and api.runwayml.com "
                "is a common cause of 401"
            )
        if status == 429:
            # Runway documents no rate-limit headers (§3.6): Retry-After is read in case it comes.
            wait = http_support.retry_after(response.headers)
            when = f"; retry after {wait:g} s" if wait is not None else ""
            return ProviderError(
                f"Runway refused to {action}: the organisation's generation limit is reached "
                f"({said}){when}",
                retryable=True,
                retry_after=wait,
            )
        if status in (408, 409) or status >= 500:  # 502/503 shed load, 504 overloaded
            return ProviderError(f"Runway failed to {action} ({said})", retryable=True)
        return ProviderError(f"Runway refused to {action} ({said})")


def _task_path(provider_job_id: str) -> str:
    if not provider_job_id:
        raise ProviderError("the Runway task id is empty")
    return f"/v1/tasks/{urllib.parse.quote(provider_job_id, safe='')}"
