"""Helpers of the Pika-on-fal provider: error bodies and errors, waits, and output downloads.

Kept apart from :mod:`app.adapters.providers.pika_provider` so that module stays about fal's
queue protocol. Nothing here knows the API key except :func:`scrub`, which removes it.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import math
import time
import urllib.parse
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx

from app.domain.errors import ProviderError

PROVIDER = "Pika on fal"
CHUNK_BYTES = 64 * 1024
MAX_DETAIL_CHARS = 300


def scrub(text: str, secret: str) -> str:
    """``text`` without ``secret``, whitespace collapsed, cut to a readable length."""
    text = " ".join(text.replace(secret, "[redacted]").split())
    if len(text) > MAX_DETAIL_CHARS:
        text = text[: MAX_DETAIL_CHARS - 1] + "…"
    return text


def json_or_none(response: httpx.Response) -> Any:
    """The JSON body of ``response``, or ``None`` when it has none."""
    try:
        return response.json()
    except ValueError:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None


def error_detail(body: Any) -> str:
    """The text of a fal error body: ``{"detail": "..."}`` or FastAPI's
    ``{"detail": [{"loc": [...], "msg": "..."}]}`` (``"body.prompt: field required"``);
    ``error``/``message`` strings are read too. ``""`` when there is none."""
    if not isinstance(body, dict):
        return ""
    detail = body.get("detail")
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if not isinstance(item, dict):
                parts.append(str(item))
                continue
            loc = item.get("loc")
            where = ".".join(str(p) for p in loc) if isinstance(loc, list) else ""
            message = str(item.get("msg", "invalid"))
            parts.append(f"{where}: {message}" if where else message)
        return "; ".join(parts)
    for name in ("error", "message"):
        if isinstance(body.get(name), str):
            return str(body[name])
    return ""


def log_lines(entries: Any) -> tuple[str, ...]:
    """fal log entries ``{message, level, source, timestamp}`` as ``"LEVEL message"`` lines."""
    lines = []
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and isinstance(entry.get("message"), str):
            level = entry.get("level")
            prefix = f"{level} " if isinstance(level, str) and level else ""
            lines.append(f"{prefix}{entry['message']}")
    return tuple(lines)


def status_error(response: httpx.Response, what: str, secret: str) -> ProviderError:
    """The :class:`ProviderError` for a non-success answer of fal's queue about ``what``:
    401/403 and other 4xx are not retryable, 408/429/5xx are (but not a 504 that the caller's
    own ``x-fal-request-timeout`` caused, as fal-js decides). ``secret`` is scrubbed."""
    status = response.status_code
    detail = scrub(error_detail(json_or_none(response)), secret)
    said = f"HTTP {status}: {detail}" if detail else f"HTTP {status}"
    if status in (401, 403):
        return ProviderError(f"{PROVIDER} refused the API key ({said})")
    if status == 429:
        return ProviderError(
            f"{PROVIDER} is over the concurrency or rate limit ({said})",
            retryable=True,
            retry_after=retry_after(response.headers),
        )
    user_timeout = response.headers.get("x-fal-request-timeout-type") == "user"
    if (status == 408 or status >= 500) and not user_timeout:
        return ProviderError(
            f"{PROVIDER} failed {what} ({said})",
            retryable=True,
            retry_after=retry_after(response.headers),
        )
    return ProviderError(f"{PROVIDER} refused {what} ({said})")


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date), or ``None``.

    fal documents no ``Retry-After`` and no rate-limit headers (§4.4: NOT FOUND); the header is
    read in case a gateway sends it, otherwise the engine's own backoff applies.
    """
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return max((moment - datetime.now(UTC)).total_seconds(), 0.0)
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def shown_url(url: str) -> str:
    """``url`` without query and fragment, fit for a message or a log."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def too_large(max_bytes: int) -> ProviderError:
    return ProviderError(f"the {PROVIDER} output is larger than the limit of {max_bytes} bytes")


def data_uri_bytes(url: str, max_bytes: int) -> bytes:
    """The bytes of a ``data:`` URI (base64 or percent-encoded), refused over ``max_bytes``."""
    header, comma, payload = url[len("data:") :].partition(",")
    if not comma:
        raise ProviderError(f"the {PROVIDER} output is a malformed data: URI (no comma)")
    if header.lower().split(";")[-1].strip() == "base64":
        text = "".join(urllib.parse.unquote(payload).split())
        if len(text) // 4 * 3 > max_bytes + 2:  # refused before decoding a huge payload
            raise too_large(max_bytes)
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ProviderError(f"the {PROVIDER} output is a data: URI with bad base64") from exc
    else:
        data = urllib.parse.unquote_to_bytes(payload)
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    return data


async def stream_download(
    client: httpx.AsyncClient, url: str, *, max_bytes: int, max_wait_seconds: float
) -> AsyncIterator[bytes]:
    """Stream ``url`` in chunks of at most :data:`CHUNK_BYTES`, with no credentials (fal's
    outputs are public CDN files).

    Each read is bounded by the client's timeouts; the time spent waiting for the server in all
    (not the consumer's time between chunks) by ``max_wait_seconds``.

    Raises:
        ProviderError: Too large, or a 4xx (not retryable, except 408 and 429: fal's files
            expire and are then gone for good); a 5xx, a timeout or a broken connection
            (retryable).
    """
    where = shown_url(url)
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ProviderError(f"the {PROVIDER} output URL {where!r} is not http(s)")
    waited = 0.0
    received = 0
    try:
        async with client.stream("GET", url, follow_redirects=True) as response:
            _check_answer(response, where, max_bytes)
            chunks = response.aiter_bytes(CHUNK_BYTES)
            while True:
                started = time.monotonic()
                try:
                    chunk = await anext(chunks)
                except StopAsyncIteration:
                    return
                waited += time.monotonic() - started
                received += len(chunk)
                if received > max_bytes:
                    raise too_large(max_bytes)
                if waited > max_wait_seconds:
                    raise ProviderError(
                        f"the {PROVIDER} output at {where} took over {max_wait_seconds:g} s",
                        retryable=True,
                    )
                yield chunk
    except httpx.TimeoutException as exc:
        raise ProviderError(
            f"the {PROVIDER} output at {where} stopped arriving (after {received} bytes)",
            retryable=True,
        ) from exc
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise ProviderError(f"the {PROVIDER} output URL {where!r} is not valid") from exc
    except httpx.HTTPError as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise ProviderError(
            f"the {PROVIDER} output at {where} could not be downloaded ({detail})", retryable=True
        ) from exc


def _check_answer(response: httpx.Response, where: str, max_bytes: int) -> None:
    status = response.status_code
    if status >= 400:
        gone = "; fal's output files expire and are then gone" if status in (403, 404, 410) else ""
        raise ProviderError(
            f"the {PROVIDER} output at {where} could not be downloaded (HTTP {status}){gone}",
            retryable=status in (408, 429) or status >= 500,
            retry_after=retry_after(response.headers) if status in (429, 503) else None,
        )
    length = response.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes:
        raise too_large(max_bytes)
