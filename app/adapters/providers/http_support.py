"""HTTP helpers shared by the cloud render providers (Replicate, Runway, Pika on fal).

The scrubbing of secrets from what a server echoes, JSON bodies,
``Retry-After`` waits, ``data:`` URIs and the streaming of output files with a size cap and a
deadline. What differs between the providers is passed in: their display name (``provider``,
used in messages: ``"Runway"``, ``"Pika on fal"``) and what an expired output link means for
them. Their own protocols (error bodies, status tables, task objects) stay in their modules.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import math
import time
import urllib.parse
from collections.abc import AsyncGenerator, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from app.adapters.providers.http_client import (
    HttpBadUrl,
    HttpClient,
    HttpFailure,
    HttpStream,
    HttpTimeout,
)
from app.domain.errors import ProviderError

CHUNK_BYTES = 64 * 1024
MAX_DETAIL_CHARS = 300
# Answers to an output download that mean the link has expired (signed or short-lived URLs).
EXPIRED_STATUSES = frozenset({403, 404, 410})


class Answer(Protocol):
    """What the helpers read of an answer (an ``HttpAnswer``)."""

    @property
    def headers(self) -> Mapping[str, str]: ...

    def json(self) -> Any: ...


def scrub(text: str, secret: str) -> str:
    """``text`` without ``secret``, whitespace collapsed, cut to a readable length."""
    text = " ".join(text.replace(secret, "[redacted]").split())
    if len(text) > MAX_DETAIL_CHARS:
        text = text[: MAX_DETAIL_CHARS - 1] + "…"
    return text


def json_or_none(response: Answer) -> Any:
    """The JSON body of ``response``, or ``None`` when it has none."""
    try:
        return response.json()
    except ValueError:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None


def json_object(response: Answer, provider: str, *, retryable: bool = False) -> dict[str, Any]:
    """The JSON object of a successful answer.

    Raises:
        ProviderError: The body is not JSON or not an object ("``provider`` sent an unexpected
            answer"), retryable as asked.
    """
    try:
        body = response.json()
    except ValueError as exc:
        raise ProviderError(
            f"{provider} sent an unexpected answer: the body is not JSON", retryable=retryable
        ) from exc
    if not isinstance(body, dict):
        raise ProviderError(
            f"{provider} sent an unexpected answer: the body is not a JSON object",
            retryable=retryable,
        )
    return body


def parse_seconds(value: str) -> float | None:
    """``value`` as a number of seconds (negative ones are 0), or ``None`` if it is not one."""
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def seconds_until(http_date: str) -> float | None:
    """Seconds from now until an HTTP date (0 if it has passed), or ``None`` if it is not one."""
    try:
        moment = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - datetime.now(UTC)).total_seconds(), 0.0)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date), or ``None``."""
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = parse_seconds(value)
    return seconds if seconds is not None else seconds_until(value)


def shown_url(url: str) -> str:
    """``url`` without its query and fragment: signed output URLs carry their credentials
    in the query, which has no place in a message or a log."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def too_large(provider: str, max_bytes: int) -> ProviderError:
    """The (not retryable) error for an output of ``provider`` over ``max_bytes``."""
    return ProviderError(f"the {provider} output is larger than the limit of {max_bytes} bytes")


def decode_data_uri(url: str, max_bytes: int) -> bytes:
    """The bytes of a ``data:[<type>][;base64],<data>`` URI (base64, padded or not, or
    percent-encoded).

    Raises:
        ValueError: The URI is malformed (the text says how).
        OverflowError: It holds more than ``max_bytes`` bytes (checked before decoding base64).
    """
    if url[:5].lower() != "data:":
        raise ValueError("not a data: URI")
    header, comma, payload = url[5:].partition(",")
    if not comma:
        raise ValueError("no comma")
    if header.lower().split(";")[-1].strip() == "base64":
        text = "".join(urllib.parse.unquote(payload).split())
        if len(text) * 3 // 4 > max_bytes + 2:  # refused before decoding a huge payload
            raise OverflowError
        try:
            data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("bad base64") from exc
    else:
        data = urllib.parse.unquote_to_bytes(payload)
    if len(data) > max_bytes:
        raise OverflowError
    return data


def data_uri_bytes(url: str, max_bytes: int, provider: str) -> bytes:
    """:func:`decode_data_uri` with its failures as (not retryable) :class:`ProviderError`."""
    try:
        return decode_data_uri(url, max_bytes)
    except OverflowError as exc:
        raise too_large(provider, max_bytes) from exc
    except ValueError as exc:
        raise ProviderError(f"the {provider} output is a malformed data: URI ({exc})") from exc


def chunks_of(data: bytes) -> Iterator[bytes]:
    """``data`` in slices of at most :data:`CHUNK_BYTES`."""
    for start in range(0, len(data), CHUNK_BYTES):
        yield data[start : start + CHUNK_BYTES]


async def open_output(
    client: HttpClient,
    url: str,
    *,
    provider: str,
    max_bytes: int,
    max_wait_seconds: float,
    expiry_note: str,
    timeout: float | None = None,
) -> AsyncGenerator[bytes, None]:
    """Stream an output file of ``provider`` in chunks of at most :data:`CHUNK_BYTES`: a
    ``data:`` URI is decoded, an http(s) URL downloaded with no credentials (outputs are public
    or signed files, perhaps on another host).

    Each read is bounded by ``timeout`` (the client's when ``None``); the time spent waiting
    for the server in all (not the consumer's time between chunks) by ``max_wait_seconds``,
    so a trickling server cannot hold the download forever.

    Args:
        client: The client to download with.
        url: The output's URL; only its scheme, host and path appear in messages.
        provider: The provider's name in messages.
        max_bytes: The most bytes the output may have.
        max_wait_seconds: The most seconds to wait for the server in all.
        expiry_note: Appended to the message of an answer in :data:`EXPIRED_STATUSES`.
        timeout: The seconds one read may take, if not the client's.

    Raises:
        ProviderError: Too large, a malformed ``data:`` URI or not an http(s) URL (not
            retryable); a 4xx answer (not retryable, except 408 and 429); a 5xx answer, a
            timeout or a broken connection (retryable).
    """
    if url[:5].lower() == "data:":
        for chunk in chunks_of(data_uri_bytes(url, max_bytes, provider)):
            yield chunk
        return
    where = shown_url(url)
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ProviderError(f"the {provider} output URL {where!r} is not http(s)")
    waited = 0.0
    received = 0
    try:
        async with client.stream(url, timeout=timeout) as response:
            _check_answer(response, provider, where, max_bytes, expiry_note)
            resumed = time.monotonic()
            async for chunk in response.chunks(CHUNK_BYTES):
                waited += time.monotonic() - resumed
                received += len(chunk)
                if received > max_bytes:
                    raise too_large(provider, max_bytes)
                if waited > max_wait_seconds:
                    raise ProviderError(
                        f"the {provider} output at {where} took longer than "
                        f"{max_wait_seconds:g} s to download",
                        retryable=True,
                    )
                yield chunk
                resumed = time.monotonic()  # the consumer's time between chunks is not counted
    except HttpTimeout as exc:
        raise ProviderError(
            f"the {provider} output at {where} stopped arriving (timed out after {received} bytes)",
            retryable=True,
        ) from exc
    except HttpBadUrl as exc:
        raise ProviderError(f"the {provider} output URL {where!r} is not valid") from exc
    except HttpFailure as exc:
        raise ProviderError(
            f"the {provider} output at {where} could not be downloaded ({exc})", retryable=True
        ) from exc


def _check_answer(
    response: HttpStream, provider: str, where: str, max_bytes: int, expiry_note: str
) -> None:
    status = response.status_code
    if status >= 400:
        note = f"; {expiry_note}" if status in EXPIRED_STATUSES else ""
        raise ProviderError(
            f"the {provider} output at {where} could not be downloaded (HTTP {status}){note}",
            retryable=status in (408, 429) or status >= 500,
            retry_after=retry_after(response.headers) if status in (429, 503) else None,
        )
    length = response.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes:
        raise too_large(provider, max_bytes)
