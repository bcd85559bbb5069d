"""Helpers of the Runway provider: error bodies, waits, output downloads, and the reading of
task objects (progress, and the classification of failure codes).

Kept apart from :mod:`app.adapters.providers.runway_provider` so that module stays about the
calls. Nothing here knows the API key; callers scrub what they pass in.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import logging
import math
import time
import urllib.parse
from collections.abc import AsyncGenerator, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from app.domain.errors import ProviderError
from app.ports.render_provider import ProviderState, ProviderStatus

_log = logging.getLogger("app.adapters.providers.runway_provider")

CHUNK_BYTES = 64 * 1024
MAX_DETAIL_CHARS = 300


def error_detail(response: httpx.Response) -> str:
    """The text of an error body: Runway documents ``{"error": "..."}``; a dict with
    ``message``/``code`` and a short ``text/plain`` body are read too. ``""`` otherwise."""
    try:
        body = response.json()
    except ValueError:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        plain = response.headers.get("content-type", "").startswith("text/plain")
        return response.text if plain else ""
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


def scrub(text: str, secret: str) -> str:
    """``text`` without ``secret``, whitespace collapsed, cut to a readable length."""
    text = " ".join(text.replace(secret, "[redacted]").split())
    if len(text) > MAX_DETAIL_CHARS:
        text = text[: MAX_DETAIL_CHARS - 1] + "…"
    return text


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date), or ``None``.

    Runway documents no rate-limit headers (provider-apis.md §3.6: ``Retry-After`` NOT FOUND),
    so this is the only hint read; without it the engine's own backoff applies.
    """
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return _seconds_until(value)
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _seconds_until(http_date: str) -> float | None:
    try:
        moment = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - datetime.now(UTC)).total_seconds(), 0.0)


def shown_url(url: str) -> str:
    """``url`` without its query and fragment: signed output URLs carry their credentials
    in the query, which has no place in a message or a log."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def too_large(max_bytes: int) -> ProviderError:
    return ProviderError(
        f"the Runway output is larger than the limit of {max_bytes} bytes", retryable=False
    )


def data_uri_bytes(url: str, max_bytes: int) -> bytes:
    """The bytes of a ``data:`` URI (base64 or percent-encoded), refused over ``max_bytes``."""
    header, comma, payload = url[len("data:") :].partition(",")
    if not comma:
        raise ProviderError("the Runway output is a malformed data: URI (no comma)")
    if header.lower().split(";")[-1].strip() == "base64":
        text = "".join(urllib.parse.unquote(payload).split())
        if len(text) // 4 * 3 > max_bytes + 2:  # refused before decoding a huge payload
            raise too_large(max_bytes)
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ProviderError("the Runway output is a data: URI with invalid base64") from exc
    else:
        data = urllib.parse.unquote_to_bytes(payload)
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    return data


async def stream_download(
    client: httpx.AsyncClient,
    url: str,
    *,
    max_bytes: int,
    timeout: httpx.Timeout,
    max_wait_seconds: float,
) -> AsyncGenerator[bytes, None]:
    """Stream ``url`` in chunks of at most :data:`CHUNK_BYTES`.

    No credentials are sent: output URLs are signed and may live on another host. Each read is
    bounded by ``timeout``; the time spent waiting for the server in all (not the consumer's
    time between chunks) is bounded by ``max_wait_seconds``, so a trickling server cannot hold
    the download forever.

    Raises:
        ProviderError: Too large (not retryable); a 4xx answer (not retryable, except 408 and
            429); a 5xx answer, a timeout or a broken connection (retryable).
    """
    where = shown_url(url)
    waited = 0.0
    received = 0
    try:
        async with client.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
            _check_download_answer(response, where, max_bytes)
            resumed = time.monotonic()
            async for chunk in response.aiter_bytes(CHUNK_BYTES):
                waited += time.monotonic() - resumed
                received += len(chunk)
                if received > max_bytes:
                    raise too_large(max_bytes)
                if waited > max_wait_seconds:
                    raise ProviderError(
                        f"the Runway output at {where} took longer than "
                        f"{max_wait_seconds:g} s to download",
                        retryable=True,
                    )
                yield chunk
                resumed = time.monotonic()  # the consumer's time between chunks is not counted
    except httpx.TimeoutException as exc:
        raise ProviderError(
            f"the Runway output at {where} stopped arriving (timed out after {received} bytes)",
            retryable=True,
        ) from exc
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise ProviderError(f"the Runway output URL {where!r} is not valid") from exc
    except httpx.HTTPError as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise ProviderError(
            f"the Runway output at {where} could not be downloaded ({detail})", retryable=True
        ) from exc


def _check_download_answer(response: httpx.Response, where: str, max_bytes: int) -> None:
    status = response.status_code
    if status >= 400:
        hint = ""
        if status in (403, 404, 410):
            hint = "; Runway's output URLs expire within 24–48 h, poll the task for fresh ones"
        raise ProviderError(
            f"the Runway output at {where} could not be downloaded (HTTP {status}){hint}",
            retryable=status in (408, 429) or status >= 500,
            retry_after=retry_after(response.headers) if status in (429, 503) else None,
        )
    length = response.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes:
        raise too_large(max_bytes)


# Runway's task-failure table (docs.dev.runwayml.com/errors/task-failures; provider-apis.md §3.4),
# first match wins: (failureCode family, permanent, what to tell the user). SAFETY.* is "do not
# retry"; INTERNAL.BAD_OUTPUT.* "retrying may help" (a new generation can pass the quality
# check); the INPUT_PREPROCESSING.*, ASSET.INVALID, INTERNAL and THIRD_PARTY.UNAVAILABLE
# meanings are the [3p] ones the notes list. Unknown codes: not retryable, and logged (§3.4).
_FAILURES: tuple[tuple[str, bool, str], ...] = (
    ("SAFETY.INPUT", True, "Runway's content moderation refused the prompt or input image"),
    ("SAFETY.OUTPUT", True, "Runway's content moderation refused the generated video"),
    ("SAFETY", True, "Runway's content moderation refused the render"),
    ("INPUT_PREPROCESSING.SAFETY", True, "Runway's moderation refused the prompt"),
    ("INPUT_PREPROCESSING.INTERNAL", False, "Runway failed while preparing the input"),
    ("ASSET.INVALID", True, "Runway could not use an input asset (check promptImage)"),
    (
        "INTERNAL.BAD_OUTPUT",
        False,
        "Runway rejected the output for quality (text or graphics in the input image often "
        "cause this)",
    ),
    ("INTERNAL", False, "Runway failed internally"),
    ("THIRD_PARTY.UNAVAILABLE", False, "Runway's upstream model provider is unavailable"),
)


def json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise ProviderError("Runway sent an unexpected answer: the body is not JSON") from exc
    if not isinstance(body, dict):
        raise ProviderError("Runway sent an unexpected answer: the body is not a JSON object")
    return body


def progress_of(task: Mapping[str, Any]) -> float | None:
    value = task.get("progress")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return min(max(float(value), 0.0), 1.0)


def output_urls(task: Mapping[str, Any]) -> tuple[str, ...]:
    """The ``output`` URLs of a SUCCEEDED task (they expire within 24–48 h)."""
    output = task.get("output")
    return tuple(u for u in output if isinstance(u, str)) if isinstance(output, list) else ()


def failed_status(provider_job_id: str, task: Mapping[str, Any]) -> ProviderStatus:
    """A FAILED task, classified by ``failureCode``. Runway's ``failure`` text is logged, not
    shown: the docs advise against showing it raw."""
    code = task.get("failureCode")
    code = code if isinstance(code, str) and code else None
    failure = task.get("failure")
    for family, permanent, text in _FAILURES:
        if code is not None and (code == family or code.startswith(family + ".")):
            _log.info("Runway task %s failed: %s (%s)", provider_job_id, code, failure)
            advice = "" if permanent else "; retrying may help"
            error = f"{text} ({code}){advice}"
            return ProviderStatus(
                provider_job_id, ProviderState.FAILED, error=error, permanent=permanent
            )
    _log.warning(
        "Runway task %s failed with an unknown failure code %r: %s", provider_job_id, code, failure
    )
    error = f"Runway failed the task ({code or 'no failure code'})"
    return ProviderStatus(provider_job_id, ProviderState.FAILED, error=error, permanent=True)
