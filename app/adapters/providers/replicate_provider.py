"""Image renders on Replicate, through its HTTP API (``docs/provider-apis.md`` §1 and §2).

One :class:`~app.adapters.providers.http_client.HttpClient` carries every call; each API call
is bounded by the client's timeouts and by an ``asyncio.timeout`` around the whole exchange,
downloads by the client's read timeout per chunk and an overall deadline. Failures become
:class:`ProviderError` messages naming Replicate, the HTTP status and the problem body's text,
never the API token (it is scrubbed from anything the server echoes). Webhooks are verified
with the ``standardwebhooks`` library (v1 HMAC signatures, ±300 s timestamp window). Nothing
is retried here: the engine decides.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import urllib.parse
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.adapters.providers import http_support
from app.adapters.providers import replicate_parsing as parsing
from app.adapters.providers.http_client import (
    HttpAnswer,
    HttpBadUrl,
    HttpClient,
    HttpFailure,
    HttpStream,
    HttpTimeout,
)
from app.domain import CreativeKind
from app.domain.errors import ConfigurationError, ProviderError, WebhookRejected
from app.ports.render_provider import ProviderStatus, RenderRequest, WebhookDelivery

_log = logging.getLogger(__name__)

_PROVIDER = "Replicate"
DEFAULT_BASE_URL = "https://api.replicate.com/v1"
DEFAULT_MODEL = "black-forest-labs/flux-schnell"
DEFAULT_POLL_INTERVAL = 2.0  # seconds; webhooks usually report first
MAX_WEBHOOK_BYTES = 1024 * 1024
WEBHOOK_EVENTS = ("start", "output", "logs", "completed")
_READ_TIMEOUT = 30.0  # seconds for the next bytes of an answer
_CONNECT_TIMEOUT = 10.0
_CALL_DEADLINE = 60.0  # seconds for one API call, whatever the client's timeouts say
_DOWNLOAD_DEADLINE = 900.0  # seconds for one whole output download
_RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_TRANSPORT_ERRORS = (TimeoutError, HttpFailure)


class ReplicateProvider:
    """The :class:`~app.ports.render_provider.RenderProvider` for images on Replicate.

    Args:
        api_token: The Replicate API token (``r8_…``); sent only in ``Authorization`` headers
            to the API host and Replicate's file hosts, never shown.
        base_url: The API base URL.
        model: ``owner/name`` of an official model (created through
            ``/models/{owner}/{name}/predictions``), or a pinned version, ``owner/name:<id>``
            or a bare version id (created through ``/predictions`` with ``version``).
        webhook_secret: The ``whsec_…`` signing secret; if ``None`` it is fetched from
            ``GET /webhooks/default/secret`` on the first delivery and cached.
        client: An HTTP client to use; it stays open on :meth:`close`. If ``None``, one is
            created on first use and closed by :meth:`close`.
        max_concurrency: Jobs in flight at once on Replicate.
        poll_interval: Seconds between polls of one job; ``None``: 2 s.

    Raises:
        ConfigurationError: The token is empty or holds whitespace, the model or the webhook
            secret is malformed, or a limit is not positive.
    """

    name = "replicate"
    supports_webhooks = True

    def __init__(
        self,
        *,
        api_token: str,
        base_url: str = DEFAULT_BASE_URL,
        model: str = DEFAULT_MODEL,
        webhook_secret: str | None = None,
        client: HttpClient | None = None,
        max_concurrency: int = 4,
        poll_interval: float | None = None,
    ) -> None:
        # A token with a line break would make the client raise an error that quotes the header.
        if not api_token or any(ch.isspace() for ch in api_token):
            raise ConfigurationError("the Replicate API token is empty or contains whitespace")
        try:
            parsing.check_model(model)
        except ValueError as exc:
            raise ConfigurationError(f"the Replicate model {model!r} is {exc}") from exc
        if max_concurrency < 1:
            raise ConfigurationError(f"max_concurrency must be at least 1, not {max_concurrency}")
        if poll_interval is None:
            poll_interval = DEFAULT_POLL_INTERVAL
        if not poll_interval > 0:
            raise ConfigurationError(f"poll_interval must be positive, not {poll_interval}")
        self._api_token = api_token
        self._base_url = base_url.rstrip("/")
        self._model = model
        self._verifier = _verifier(webhook_secret) if webhook_secret is not None else None
        self._secret_lock = asyncio.Lock()
        self._client = client
        self._owns_client = client is None
        self._closed = False
        self.max_concurrency = max_concurrency
        self.poll_interval = poll_interval

    def __repr__(self) -> str:
        return f"ReplicateProvider(base_url={self._base_url!r}, model={self._model!r})"

    def can_render(self, kind: CreativeKind) -> bool:
        """Images only."""
        return kind == CreativeKind.IMAGE

    async def render(self, request: RenderRequest) -> str:
        """Create a prediction for ``request``; returns its id.

        ``input`` is the prompt, then ``params`` (which override it), then ``seed`` when set;
        the webhook fields are sent only when ``request.webhook_url`` is set.

        Raises:
            ProviderError: The kind is not an image, or Replicate refused or failed.
        """
        if not self.can_render(request.kind):
            raise ProviderError(f"Replicate renders images here, not {request.kind}")
        path, body = parsing.create_call(self._model, request, WEBHOOK_EVENTS)
        response = await self._send("POST", path, json=body)
        if not response.is_success:
            raise self._status_error(response, "refused the prediction")
        prediction_id = http_support.json_object(response, _PROVIDER).get("id")
        if not isinstance(prediction_id, str) or not prediction_id:
            # Not retryable: the prediction may exist, a second submission would duplicate it.
            raise ProviderError("Replicate sent an unexpected answer: the prediction has no id")
        _log.debug("Replicate prediction %s created for job %s", prediction_id, request.job_id)
        return prediction_id

    async def poll_status(self, provider_job_id: str) -> ProviderStatus:
        """The prediction's status, progress (from its logs), outputs and error.

        Raises:
            ProviderError: Replicate refused (e.g. an unknown id) or failed, its answer is not
                JSON (retryable: a poll can be repeated safely), or the prediction has an
                unknown status (not retryable).
        """
        response = await self._send("GET", f"/predictions/{parsing.quote(provider_job_id)}")
        if not response.is_success:
            raise self._status_error(response, f"refused the status of {provider_job_id}")
        try:
            return parsing.parse_prediction(
                http_support.json_object(response, _PROVIDER, retryable=True)
            )
        except ValueError as exc:
            raise ProviderError(f"Replicate sent an unexpected answer: {exc}") from exc

    async def cancel(self, provider_job_id: str) -> None:
        """Cancel the prediction; an unknown or already finished one is not an error."""
        response = await self._send("POST", f"/predictions/{parsing.quote(provider_job_id)}/cancel")
        if response.is_success or response.status_code in (404, 409):
            return
        raise self._status_error(response, f"refused to cancel {provider_job_id}")

    async def handle_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        """Verify one delivery and parse the prediction it carries.

        Raises:
            WebhookRejected: 413 when the body is over 1 MiB; 401 when a ``webhook-*`` header
                is missing, the signature does not match or the timestamp is outside ±300 s;
                400 when the verified body is not a prediction object.
            ProviderError: The signing secret could not be fetched from Replicate.
        """
        if len(body) > MAX_WEBHOOK_BYTES:
            raise WebhookRejected("the Replicate webhook body is over 1 MiB", status=413)
        lowered = {key.lower(): value for key, value in headers.items()}
        missing = [
            h
            for h in ("webhook-id", "webhook-timestamp", "webhook-signature")
            if not lowered.get(h)
        ]
        if missing:
            raise WebhookRejected(f"the Replicate webhook lacks {', '.join(missing)}", status=401)
        verifier = await self._webhook_verifier()
        try:
            # The library decodes the body as UTF-8, and a signature entry without ',' or with
            # bad base64 raises ValueError rather than WebhookVerificationError.
            verifier.verify(body, lowered, json_parse=False)
        except (WebhookVerificationError, ValueError) as exc:
            raise WebhookRejected(f"the Replicate webhook is not authentic ({exc})") from exc
        try:
            status = parsing.parse_prediction(json.loads(body))
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            raise WebhookRejected(
                f"the Replicate webhook is malformed ({exc})", status=400
            ) from exc
        return WebhookDelivery(delivery_id=lowered["webhook-id"], status=status)

    async def open_output(self, url: str, *, max_bytes: int) -> AsyncIterator[bytes]:
        """Stream an output file (``https:``/``http:`` or ``data:``) in chunks.

        Raises:
            ProviderError: The file is over ``max_bytes`` or gone (not retryable), or the
                download failed or stalled (retryable).
        """
        if url.startswith("data:"):
            for chunk in _data_chunks(url, max_bytes):
                yield chunk
            return
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ProviderError(f"Replicate output {url[:80]!r} is not an http(s) or data URL")
        deadline = asyncio.get_running_loop().time() + _DOWNLOAD_DEADLINE
        async with contextlib.AsyncExitStack() as stack:
            try:
                async with asyncio.timeout_at(deadline):
                    stream = self._http().stream(url, headers=self._download_headers(url))
                    response = await stack.enter_async_context(stream)
            except _TRANSPORT_ERRORS as exc:
                raise self._transport_error(exc, "the output download") from exc
            _check_download(response, max_bytes)
            reads = response.chunks(http_support.CHUNK_BYTES)
            chunks = await stack.enter_async_context(contextlib.aclosing(reads))
            received = 0
            while True:
                try:
                    # The timeout covers one read only: it must never span a yield.
                    async with asyncio.timeout_at(deadline):
                        chunk = await anext(chunks)
                except StopAsyncIteration:
                    break
                except _TRANSPORT_ERRORS as exc:
                    raise self._transport_error(exc, "the output download") from exc
                received += len(chunk)
                if received > max_bytes:
                    raise ProviderError(f"the Replicate output is larger than {max_bytes} bytes")
                yield chunk

    async def release(self, provider_job_id: str) -> None:
        """Nothing to forget: Replicate keeps the job, and this provider keeps no state for it."""

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

    async def _webhook_verifier(self) -> Webhook:
        """The configured verifier, or one built from the secret fetched (once) from Replicate."""
        async with self._secret_lock:
            if self._verifier is None:
                response = await self._send("GET", "/webhooks/default/secret")
                if not response.is_success:
                    raise self._status_error(response, "refused the webhook signing secret")
                key = http_support.json_object(response, _PROVIDER, retryable=True).get("key")
                try:
                    self._verifier = _verifier(key if isinstance(key, str) else "")
                except ConfigurationError as exc:
                    raise ProviderError("Replicate sent an unusable webhook secret") from exc
            return self._verifier

    async def _send(
        self, method: str, path: str, *, json: dict[str, Any] | None = None
    ) -> HttpAnswer:
        """One API call, bounded in time; transport failures become ProviderErrors."""
        headers = {"Authorization": f"Bearer {self._api_token}", "Accept": "application/json"}
        try:
            async with asyncio.timeout(_CALL_DEADLINE):
                return await self._http().request(
                    method, f"{self._base_url}{path}", headers=headers, json=json
                )
        except _TRANSPORT_ERRORS as exc:
            raise self._transport_error(exc, f"{method} {path}") from exc

    def _transport_error(self, exc: Exception, what: str) -> ProviderError:
        """The :class:`ProviderError` for an exchange that failed below HTTP."""
        if isinstance(exc, TimeoutError | HttpTimeout):
            return ProviderError(
                f"Replicate did not answer in time ({what}: {type(exc).__name__})", retryable=True
            )
        detail = self._scrub(str(exc)) or type(exc).__name__
        if isinstance(exc, HttpBadUrl):
            return ProviderError(f"the Replicate URL is not usable ({what}: {detail})")
        return ProviderError(f"Replicate could not be reached ({what}: {detail})", retryable=True)

    def _status_error(self, response: HttpAnswer, doing: str) -> ProviderError:
        """The :class:`ProviderError` for a non-success answer of the API."""
        status = response.status_code
        detail = self._scrub(parsing.problem_detail(http_support.json_or_none(response)))
        said = f"HTTP {status}: {detail}" if detail else f"HTTP {status}"
        if status in (401, 403):
            return ProviderError(f"Replicate refused the API token ({said})")
        if status == 429:
            wait = parsing.retry_after(response.headers, detail)
            when = f"; retry after {wait:g} s" if wait is not None else ""
            return ProviderError(
                f"Replicate is limiting the request rate ({said}){when}",
                retryable=True,
                retry_after=wait,
            )
        retryable = status in _RETRYABLE_STATUSES or status >= 500
        return ProviderError(f"Replicate {doing} ({said})", retryable=retryable)

    def _download_headers(self, url: str) -> dict[str, str]:
        """The token goes only to the API's own origin and Replicate's file hosts (§1.8)."""
        if parsing.may_send_token(url, self._base_url):
            return {"Authorization": f"Bearer {self._api_token}"}
        return {}

    def _scrub(self, text: str) -> str:
        """``text`` without the API token, whitespace collapsed, cut to a readable length."""
        return http_support.scrub(text, self._api_token)


def _verifier(secret: str) -> Webhook:
    try:
        return Webhook(secret)
    except Exception as exc:  # EmptyWebhookSecretError, binascii.Error, ...
        raise ConfigurationError("the Replicate webhook secret is not a whsec_ key") from exc


def _check_download(response: HttpStream, max_bytes: int) -> None:
    status = response.status_code
    if not response.is_success:
        if status in (404, 410):
            raise ProviderError(
                f"the Replicate output is gone (HTTP {status}; outputs are kept for one hour)"
            )
        retryable = status in _RETRYABLE_STATUSES or status >= 500
        raise ProviderError(
            f"Replicate refused the output download (HTTP {status})", retryable=retryable
        )
    length = response.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes:
        raise ProviderError(f"the Replicate output is larger than {max_bytes} bytes ({length})")


def _data_chunks(url: str, max_bytes: int) -> Iterator[bytes]:
    try:
        data = http_support.decode_data_uri(url, max_bytes)
    except OverflowError as exc:
        raise ProviderError(f"the Replicate output is larger than {max_bytes} bytes") from exc
    except ValueError as exc:
        raise ProviderError(f"Replicate sent a malformed data URI output ({exc})") from exc
    return http_support.chunks_of(data)
