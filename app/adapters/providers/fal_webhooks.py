"""fal's completion webhooks: ED25519 signatures checked against fal's JWKS, and the payloads
fal sends (webhook bodies and queue results), read into a :class:`ProviderStatus`.

The signature scheme (provider-apis.md §4.3) has no shared secret: fal signs
``"{request_id}\\n{user_id}\\n{timestamp}\\n{sha256_hex(raw_body)}"`` with an Ed25519 key and
sends the signature in hex; the public keys are published as a JWKS whose ``keys[].x`` are
base64url raw keys. Keys rotate, so the set is cached (at most 24 h, as fal allows) and fetched
again when no cached key verifies a delivery — at most once a minute, so forged deliveries
cannot make this adapter hammer fal.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.adapters.providers.fal_support import PROVIDER, error_detail
from app.adapters.providers.http_client import HttpClient, HttpFailure
from app.domain.errors import WebhookRejected
from app.ports.render_provider import ProviderState, ProviderStatus, WebhookDelivery

_log = logging.getLogger(__name__)

DEFAULT_JWKS_URL = "https://rest.fal.ai/.well-known/jwks.json"
MAX_WEBHOOK_BYTES = 1024 * 1024
TIMESTAMP_TOLERANCE_SECONDS = 300.0
JWKS_MAX_AGE_SECONDS = 24 * 3600.0
JWKS_REFETCH_SECONDS = 60.0
_JWKS_TIMEOUT = 10.0  # seconds for the next bytes of the answer
_MAX_JWKS_SECONDS = 15.0
_SIGNATURE_BYTES = 64
_HEADERS = ("request-id", "user-id", "timestamp", "signature")
_STATUS_CODE = re.compile(r"status code:?\s*(\d{3})", re.IGNORECASE)


class FalWebhookVerifier:
    """Verifies fal webhook deliveries and turns them into :class:`WebhookDelivery` values.

    Args:
        jwks_url: Where fal publishes its webhook public keys.
        http: Returns the HTTP client to fetch the JWKS with (no credentials are sent).
        clock: Unix time in seconds, for the timestamp check and the cache's age.
    """

    def __init__(
        self, *, jwks_url: str, http: Callable[[], HttpClient], clock: Callable[[], float]
    ) -> None:
        self._jwks_url = jwks_url
        self._http = http
        self._clock = clock
        self._keys: tuple[Ed25519PublicKey, ...] = ()
        self._fetched_at: float | None = None  # last successful fetch
        self._tried_at: float | None = None  # last attempt, successful or not
        self._lock = asyncio.Lock()

    async def delivery(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        """Verify one delivery and read it.

        The delivery id is fal's ``request_id``: fal sends one completion webhook per request
        and retries it (up to 10 times in 2 h) until it is acknowledged, so handlers must be
        idempotent on ``request_id`` (§4.3); the same id makes a retried delivery a duplicate.

        Raises:
            WebhookRejected: 413 over 1 MiB; 401 for a missing or malformed header, a timestamp
                more than 300 s from now or a signature no JWKS key verifies; 400 for a body
                that is not the documented JSON; 503 when fal's keys cannot be fetched.
        """
        if len(body) > MAX_WEBHOOK_BYTES:
            raise WebhookRejected(
                f"the fal webhook body is larger than {MAX_WEBHOOK_BYTES} bytes", status=413
            )
        lowered = {key.lower(): value for key, value in headers.items()}
        values = [lowered.get(f"x-fal-webhook-{name}", "").strip() for name in _HEADERS]
        request_id, user_id, timestamp, signature_hex = values
        missing = [
            f"X-Fal-Webhook-{n.title()}" for n, v in zip(_HEADERS, values, strict=True) if not v
        ]
        if missing:
            raise WebhookRejected(f"the fal webhook lacks the header(s) {', '.join(missing)}")
        if not timestamp.isdigit():
            raise WebhookRejected("the fal webhook timestamp is not a number of seconds")
        if abs(self._clock() - int(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS:
            raise WebhookRejected("the fal webhook timestamp is more than 300 s from now")
        try:
            signature = bytes.fromhex(signature_hex)
        except ValueError as exc:
            raise WebhookRejected("the fal webhook signature is not hex") from exc
        if len(signature) != _SIGNATURE_BYTES:
            raise WebhookRejected("the fal webhook signature is not 64 bytes long")
        digest = hashlib.sha256(body).hexdigest()
        message = f"{request_id}\n{user_id}\n{timestamp}\n{digest}".encode()
        if not await self._verified(signature, message):
            raise WebhookRejected("the fal webhook signature does not match any of fal's keys")
        return WebhookDelivery(delivery_id=request_id, status=webhook_status(request_id, body))

    async def _verified(self, signature: bytes, message: bytes) -> bool:
        keys = await self._current_keys(refresh=False)
        if _any_verifies(keys, signature, message):
            return True
        fresh = await self._current_keys(refresh=True)  # perhaps fal rotated its keys
        return fresh is not keys and _any_verifies(fresh, signature, message)

    async def _current_keys(self, *, refresh: bool) -> tuple[Ed25519PublicKey, ...]:
        """The cached keys, fetched again when none are cached, the cache is older than 24 h,
        or ``refresh`` is asked and the last attempt is over a minute old."""
        async with self._lock:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at > JWKS_MAX_AGE_SECONDS
            may_try = self._tried_at is None or now - self._tried_at >= JWKS_REFETCH_SECONDS
            if (stale or refresh) and may_try:
                self._tried_at = now
                await self._fetch(now)
            if not self._keys:
                raise WebhookRejected(
                    "fal's webhook keys could not be fetched; the delivery cannot be checked",
                    status=503,
                )
            return self._keys

    async def _fetch(self, now: float) -> None:
        try:
            async with asyncio.timeout(_MAX_JWKS_SECONDS):
                response = await self._http().request("GET", self._jwks_url, timeout=_JWKS_TIMEOUT)
            if not response.is_success:
                raise ValueError(f"HTTP {response.status_code}")
            keys = _jwks_keys(response.json())
        except (TimeoutError, HttpFailure, ValueError) as exc:
            _log.warning("fal's JWKS at %s could not be fetched: %s", self._jwks_url, exc)
            return
        if not keys:
            _log.warning("fal's JWKS at %s holds no Ed25519 key", self._jwks_url)
            return
        self._keys, self._fetched_at = keys, now
        _log.debug("fetched %d fal webhook key(s) from %s", len(keys), self._jwks_url)


def _any_verifies(keys: tuple[Ed25519PublicKey, ...], signature: bytes, message: bytes) -> bool:
    for key in keys:
        try:
            key.verify(signature, message)
        except InvalidSignature:
            continue
        return True
    return False


def _jwks_keys(document: Any) -> tuple[Ed25519PublicKey, ...]:
    """The Ed25519 keys of a JWKS; ``x`` is decoded with or without ``=`` padding (the live
    JWKS has been seen padding it, §4.3). Keys of other types are skipped."""
    entries = document.get("keys") if isinstance(document, dict) else None
    keys: list[Ed25519PublicKey] = []
    for entry in entries if isinstance(entries, list) else ():
        if not isinstance(entry, dict) or not isinstance(entry.get("x"), str):
            continue
        if entry.get("kty", "OKP") != "OKP" or entry.get("crv", "Ed25519") != "Ed25519":
            continue
        text = entry["x"].strip().rstrip("=")
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            keys.append(Ed25519PublicKey.from_public_bytes(raw))
        except (binascii.Error, ValueError):
            continue
    return tuple(keys)


def webhook_status(request_id: str, body: bytes) -> ProviderStatus:
    """The status a verified webhook body reports.

    ``{"status": "OK", "payload": {"video": {"url": ...}}}`` is a success; ``"ERROR"`` a failure
    (permanent when fal quotes a 4xx, e.g. ``"Invalid status code: 422"``). When fal could not
    serialise the output (``payload`` null, ``payload_error`` set) the job is reported RUNNING:
    the result is fetched by polling, which reads it from the queue's ``response_url``.

    Raises:
        WebhookRejected: 400 for a body that is not a JSON object of the documented shape.
    """
    try:
        document = json.loads(body)
    except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise WebhookRejected("the fal webhook body is not JSON", status=400) from exc
    if not isinstance(document, dict):
        raise WebhookRejected("the fal webhook body is not a JSON object", status=400)
    if document.get("request_id", request_id) != request_id:
        raise WebhookRejected("the fal webhook body names another request", status=400)
    status, payload = document.get("status"), document.get("payload")
    if status == "OK":
        if payload is None and document.get("payload_error"):
            note = f"fal could not send the result ({document['payload_error']}); polling reads it"
            return ProviderStatus(request_id, ProviderState.RUNNING, logs=(str(note),))
        return result_status(request_id, payload)
    if status == "ERROR":
        said = str(document.get("error") or "the render failed")
        detail = error_detail(payload)
        match = _STATUS_CODE.search(said)
        code = int(match.group(1)) if match else None
        return ProviderStatus(
            request_id,
            ProviderState.FAILED,
            error=f"{PROVIDER} failed the render ({said}{': ' + detail if detail else ''})",
            permanent=code is not None and is_permanent(code),
        )
    raise WebhookRejected(f"the fal webhook status {status!r} is unknown", status=400)


def result_status(provider_job_id: str, result: Any, logs: tuple[str, ...] = ()) -> ProviderStatus:
    """SUCCEEDED with the video URL of a result ``{"video": {"url": ...}}``, else FAILED
    (not permanent: the model answered without a video, which a new render may fix)."""
    video = result.get("video") if isinstance(result, dict) else None
    url = video.get("url") if isinstance(video, dict) else None
    if isinstance(url, str) and url:
        return ProviderStatus(
            provider_job_id,
            ProviderState.SUCCEEDED,
            progress=1.0,
            logs=logs,
            outputs=(url,),
            main_outputs=1,  # one video per request
        )
    detail = error_detail(result) or "the result holds no video"
    return ProviderStatus(
        provider_job_id,
        ProviderState.FAILED,
        logs=logs,
        error=f"{PROVIDER} finished without a video ({detail})",
    )


def is_permanent(status: int) -> bool:
    """Whether a failed request's HTTP status means a new attempt cannot help (bad input,
    refused content); timeouts, conflicts, rate limits, missing results and 5xx may pass."""
    return 400 <= status < 500 and status not in (404, 408, 409, 429)
