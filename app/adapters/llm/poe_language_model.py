"""The language model on Poe, through its OpenAI-compatible HTTP API (``/v1/chat/completions``).

One ``httpx.AsyncClient`` carries every call. Each call is bounded twice: by httpx timeouts and by
an ``asyncio.timeout`` around the whole exchange, so a server that trickles bytes cannot hold a
caller past its ``timeout``. Failures become :class:`ProviderError` messages that name Poe, the
HTTP status and the error body's ``message``/``code``, and never the API key (it is also scrubbed
from anything the server echoes back). Nothing is retried here: the caller decides.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import re
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from app.domain.errors import ConfigurationError, ProviderError
from app.ports.llm import ChatMessage

_log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.poe.com/v1"
CHECK_TIMEOUT_SECONDS = 15.0
# Used by a client this adapter creates; every call also passes its own, tighter timeout.
_CLIENT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
_MAX_CONNECT_SECONDS = 10.0
_RETRYABLE_STATUSES = frozenset({408, 500, 502, 503, 504})
_MAX_DETAIL_CHARS = 300
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class PoeLanguageModel:
    """The :class:`~app.ports.llm.LanguageModel` served by Poe.

    Args:
        api_key: The Poe API key; sent only in the ``Authorization`` header, never shown.
        base_url: The OpenAI-compatible base URL, ``https://api.poe.com/v1``.
        model: The Poe bot name (case-sensitive), e.g. ``Claude-Sonnet-4.5``.
        max_tokens: The longest reply to ask for.
        client: An HTTP client to use; it stays open on :meth:`close`. If ``None``, one is
            created on first use and closed by :meth:`close`.

    Raises:
        ConfigurationError: The key is empty or holds whitespace, the model name is empty, or
            ``max_tokens`` is not positive.
    """

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        model: str,
        max_tokens: int = 800,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        # A key with a line break would make httpx raise an error that quotes the header.
        if not api_key or any(ch.isspace() for ch in api_key):
            raise ConfigurationError("the Poe API key is empty or contains spaces or line breaks")
        if not model.strip():
            raise ConfigurationError("the Poe model name is empty")
        if max_tokens < 1:
            raise ConfigurationError(f"max_tokens must be at least 1, not {max_tokens}")
        self._api_key = api_key
        self._base_url = base_url.rstrip("/")
        self._model = model
        self._max_tokens = max_tokens
        self._client = client
        self._owns_client = client is None

    def __repr__(self) -> str:
        return f"PoeLanguageModel(base_url={self._base_url!r}, model={self._model!r})"

    @property
    def model(self) -> str:
        """The Poe bot name the calls use."""
        return self._model

    async def complete(self, messages: list[ChatMessage], *, timeout: float) -> str:
        """The model's reply to ``messages``.

        Args:
            messages: The conversation, oldest first.
            timeout: The most seconds the whole call may take.

        Returns:
            The text of the first choice.

        Raises:
            ProviderError: Poe refused or failed, answered something unexpected, or did not
                answer within ``timeout``.
        """
        payload = {
            "model": self._model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": self._max_tokens,
            "stream": False,
        }
        started = time.monotonic()
        response = await self._send("POST", "/chat/completions", timeout, json=payload)
        _log.debug(
            "Poe %s answered HTTP %d to %d messages in %.2f s",
            self._model,
            response.status_code,
            len(messages),
            time.monotonic() - started,
        )
        if not response.is_success:
            raise self._status_error(response, model=self._model)
        return _reply_text(_json_or_error(response))

    async def check(self) -> str:
        """A short description of the connection, for ``campaign-studio doctor``.

        A model missing from Poe's list is reported in the text, not raised.

        Raises:
            ProviderError: The key is refused, Poe is unreachable or fails, or its list of
                models is malformed.
        """
        response = await self._send("GET", "/models", CHECK_TIMEOUT_SECONDS)
        if not response.is_success:
            raise self._status_error(response, model=None)
        data = _json_or_error(response).get("data")
        if not isinstance(data, list):
            raise ProviderError("Poe sent an unexpected answer: the list of models is missing")
        ids = {item.get("id") for item in data if isinstance(item, dict)}
        if self._model in ids:
            return f"Poe reachable, model {self._model} available"
        return f"Poe reachable, but model {self._model} is not in the list of {len(ids)} models"

    async def close(self) -> None:
        """Close the HTTP client if this adapter created it; a client passed in stays open."""
        if self._owns_client and self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=_CLIENT_TIMEOUT)
        return self._client

    async def _send(
        self, method: str, path: str, timeout: float, *, json: dict[str, Any] | None = None
    ) -> httpx.Response:
        """One request, bounded by ``timeout`` seconds in all; transport failures translated."""
        url = f"{self._base_url}{path}"
        headers = {"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"}
        seconds = max(timeout, 0.0)
        limits = httpx.Timeout(seconds, connect=min(seconds, _MAX_CONNECT_SECONDS))
        try:
            async with asyncio.timeout(seconds):
                return await self._http().request(
                    method, url, headers=headers, json=json, timeout=limits
                )
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise ProviderError(f"Poe did not answer within {seconds:g} s", retryable=True) from exc
        except httpx.InvalidURL as exc:
            raise ProviderError(f"the Poe base URL {self._base_url!r} is not a valid URL") from exc
        except httpx.HTTPError as exc:
            # str(exc) names the cause (refused, name not found, ...); it is scrubbed of the key
            # in case it quotes request details.
            detail = self._scrub(str(exc)) or type(exc).__name__
            raise ProviderError(
                f"Poe could not be reached at {self._base_url} ({detail})", retryable=True
            ) from exc

    def _status_error(self, response: httpx.Response, *, model: str | None) -> ProviderError:
        """The :class:`ProviderError` for a non-success answer."""
        status = response.status_code
        detail = self._scrub(_error_detail(response))
        said = f"HTTP {status}: {detail}" if detail else f"HTTP {status}"
        if status in (401, 403):
            return ProviderError(f"Poe refused the API key ({said})", retryable=False)
        if status == 429:
            wait = _retry_after(response.headers)
            when = f"; retry after {wait:g} s" if wait is not None else ""
            return ProviderError(
                f"Poe is limiting the request rate ({said}){when}",
                retryable=True,
                retry_after=wait,
            )
        if status in _RETRYABLE_STATUSES or status >= 500:
            return ProviderError(f"Poe failed ({said})", retryable=True)
        if model is not None and status in (400, 404):
            return ProviderError(
                f"Poe rejected the request for model {model!r} ({said})", retryable=False
            )
        return ProviderError(f"Poe refused the request ({said})", retryable=False)

    def _scrub(self, text: str) -> str:
        """``text`` without the API key, whitespace collapsed, cut to a readable length."""
        text = " ".join(text.replace(self._api_key, "[redacted]").split())
        if len(text) > _MAX_DETAIL_CHARS:
            text = text[: _MAX_DETAIL_CHARS - 1] + "…"
        return text


def _json_or_error(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a successful answer; :class:`ProviderError` if it is not one."""
    try:
        body = response.json()
    except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ProviderError("Poe sent an unexpected answer: the body is not JSON") from exc
    if not isinstance(body, dict):
        raise ProviderError("Poe sent an unexpected answer: the body is not a JSON object")
    return body


def _reply_text(body: dict[str, Any]) -> str:
    """``choices[0].message.content`` as text; content parts are joined."""
    choices = body.get("choices")
    first = choices[0] if isinstance(choices, list) and choices else None
    message = first.get("message") if isinstance(first, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [_part_text(part) for part in content]
        if any(text is not None for text in texts):
            return "".join(text for text in texts if text is not None)
    raise ProviderError("Poe sent an unexpected answer: it holds no reply text")


def _part_text(part: object) -> str | None:
    if isinstance(part, str):
        return part
    if isinstance(part, dict) and part.get("type", "text") == "text":
        text = part.get("text")
        return text if isinstance(text, str) else None
    return None


def _error_detail(response: httpx.Response) -> str:
    """``message`` and ``code`` from an error body ``{"error": {...}}``, or ``""``."""
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str):
        return error
    if not isinstance(error, dict):
        return ""
    message, code = error.get("message"), error.get("code")
    parts = [str(message)] if message else []
    if code:
        parts.append(f"code {code}")
    return ", ".join(parts)


def _retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait: ``Retry-After`` (seconds or HTTP date), else
    ``x-ratelimit-reset-requests`` (seconds; OpenAI-style ``1m30s`` is accepted too)."""
    value = headers.get("retry-after")
    if value is not None:
        seconds = _seconds(value)
        if seconds is None:
            seconds = _seconds_until(value)
        if seconds is not None:
            return seconds
    reset = headers.get("x-ratelimit-reset-requests")
    return _seconds(reset) if reset is not None else None


def _seconds(value: str) -> float | None:
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        parts = _DURATION_PART.findall(value)
        if not parts or "".join(n + u for n, u in parts) != value:
            return None
        seconds = sum(float(n) * _DURATION_UNITS[u] for n, u in parts)
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _seconds_until(http_date: str) -> float | None:
    try:
        moment = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - datetime.now(UTC)).total_seconds(), 0.0)
