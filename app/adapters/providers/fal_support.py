"""Helpers of the Pika-on-fal provider: fal's error bodies, queue logs and status errors.

Kept apart from :mod:`app.adapters.providers.pika_provider` so that module stays about fal's
queue protocol; what every cloud provider shares (scrubbing, waits, downloads) is in
:mod:`app.adapters.providers.http_support`. Nothing here knows the API key: callers pass it in to
be scrubbed.
"""

from __future__ import annotations

from typing import Any

from app.adapters.providers.http_client import HttpAnswer
from app.adapters.providers.http_support import json_or_none, retry_after, scrub
from app.domain.errors import ProviderError

PROVIDER = "Pika on fal"
# Said when an output download is refused with a status that means an expired link.
EXPIRY_NOTE = "fal's output files expire and are then gone"


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


def status_error(response: HttpAnswer, what: str, secret: str) -> ProviderError:
    """The :class:`ProviderError` for a non-success answer of fal's queue about ``what``:
    401/403 and other 4xx are not retryable, 408/429/5xx are (but not a 504 that the caller's
    own ``x-fal-request-timeout`` caused, as fal-js decides). ``secret`` is scrubbed.

    fal documents no ``Retry-After`` and no rate-limit headers (§4.4: NOT FOUND); the header is
    read in case a gateway sends it, otherwise the engine's own backoff applies.
    """
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
