"""Pure helpers of the Replicate provider: prediction objects, tqdm progress in logs, error
bodies and rate-limit waits (``docs/provider-apis.md`` §1.4, §1.5, §1.7).

Nothing here does I/O; malformed input raises :class:`ValueError` and the provider decides what
that means (a :class:`ProviderError` for a poll, a 400 for a webhook).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from app.adapters.providers import http_support
from app.ports.render_provider import ProviderState, ProviderStatus, RenderRequest

# Replicate's status → the engine's state. ``aborted`` (2026 spec) is terminal: the prediction
# was stopped before it ran (e.g. its deadline passed in the queue).
_STATES = {
    "starting": ProviderState.QUEUED,
    "processing": ProviderState.RUNNING,
    "succeeded": ProviderState.SUCCEEDED,
    "failed": ProviderState.FAILED,
    "canceled": ProviderState.CANCELLED,
    "aborted": ProviderState.FAILED,
}
# The official SDKs' tqdm regex (§1.5).
_PROGRESS = re.compile(r"^\s*(?P<percentage>\d+)%\s*\|.+?\|\s*(?P<current>\d+)/(?P<total>\d+)")
_SAFETY = re.compile(
    r"nsfw|not safe for work|flagged as sensitive|sensitive content|safety|content policy",
    re.IGNORECASE,
)
_RESET_IN_DETAIL = re.compile(
    r"(?:resets in ~?|available in )(\d+(?:\.\d+)?)\s*(?:s\b|sec|second)", re.IGNORECASE
)
_URL_PREFIXES = ("https://", "http://", "data:")
_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_OFFICIAL_MODEL = re.compile(rf"{_NAME}/{_NAME}")
_PINNED_MODEL = re.compile(rf"(?:{_NAME}/{_NAME}:)?[A-Za-z0-9]+")
_DELIVERY_HOST = "replicate.delivery"
MAX_LOG_LINES = 1000
MAX_ERROR_CHARS = 1000


def is_pinned(model: str) -> bool:
    """Whether ``model`` names a version (``owner/name:<id>`` or a bare id), not an official
    model (``owner/name``)."""
    return ":" in model or "/" not in model


def check_model(model: str) -> None:
    """Check that ``model`` is ``owner/name``, ``owner/name:<version>`` or a bare version id.

    Raises:
        ValueError: It is none of them.
    """
    pattern = _PINNED_MODEL if is_pinned(model) else _OFFICIAL_MODEL
    if not pattern.fullmatch(model):
        raise ValueError("neither 'owner/name' nor 'owner/name:version'")


def create_call(
    model: str, request: RenderRequest, events: tuple[str, ...]
) -> tuple[str, dict[str, Any]]:
    """The path (under the base URL) and JSON body that create a prediction (§1.2, §1.3).

    ``input`` is the prompt, then ``params`` (which override it), then ``seed`` when set; the
    webhook fields are present only when ``request.webhook_url`` is set.
    """
    model_input: dict[str, Any] = {"prompt": request.prompt, **request.params}
    if request.seed is not None:
        model_input["seed"] = request.seed
    body: dict[str, Any] = {"input": model_input}
    if is_pinned(model):
        path = "/predictions"
        body = {"version": model, **body}
    else:
        owner, name = model.split("/")
        path = f"/models/{quote(owner)}/{quote(name)}/predictions"
    if request.webhook_url is not None:
        body["webhook"] = request.webhook_url
        body["webhook_events_filter"] = list(events)
    return path, body


def may_send_token(url: str, base_url: str) -> bool:
    """Whether a download from ``url`` may carry the API token: only to the API's own origin
    and over HTTPS to ``replicate.delivery`` hosts, never to a host the output merely names."""
    target, api = urllib.parse.urlsplit(url), urllib.parse.urlsplit(base_url)
    host = (target.hostname or "").lower()
    if (target.scheme, target.netloc) == (api.scheme, api.netloc):
        return True
    return target.scheme == "https" and (
        host == _DELIVERY_HOST or host.endswith(f".{_DELIVERY_HOST}")
    )


def quote(segment: str) -> str:
    """``segment`` escaped as one URL path segment (``/`` included)."""
    return urllib.parse.quote(segment, safe="")


def parse_prediction(body: object) -> ProviderStatus:
    """The :class:`ProviderStatus` told by a prediction object (GET, create, cancel, webhook).

    A ``succeeded`` prediction without a file output (e.g. deleted after Replicate's one-hour
    retention) is reported as FAILED, since SUCCEEDED promises an output. ``failed`` predictions
    whose error mentions NSFW or safety are permanent; ``aborted`` is a FAILED that is not
    permanent (it never ran, so a new submission may well succeed).

    Raises:
        ValueError: ``body`` is not a prediction object or its status is unknown.
    """
    if not isinstance(body, dict):
        raise ValueError("the prediction is not a JSON object")
    prediction_id, status = body.get("id"), body.get("status")
    if not isinstance(prediction_id, str) or not prediction_id:
        raise ValueError("the prediction has no id")
    if not isinstance(status, str) or status not in _STATES:
        raise ValueError(f"the prediction has an unknown status {status!r}")
    state = _STATES[status]
    logs = log_lines(body.get("logs"))
    progress, step, total = parse_progress(logs)
    output = body.get("output")
    outputs = output_urls(output)
    # A list holds the outputs (an image model's variants, ``num_outputs`` of them); an object
    # holds one main file and companions to it (a video and its poster, say).
    main_outputs = 1 if isinstance(output, dict) and outputs else None
    error = _text(body.get("error"))
    permanent = False
    if status == "succeeded":
        progress = 1.0
        if not outputs:
            state = ProviderState.FAILED
            error = (
                "Replicate deleted the outputs (API outputs are kept for one hour)"
                if body.get("data_removed") is True
                else "Replicate finished without an output file"
            )
    elif status == "failed":
        error = error or "Replicate reported a failure without a message"
        permanent = is_safety_failure(error)
    elif status == "aborted":
        error = error or "Replicate aborted the prediction before it started"
    elif status == "canceled":
        error = error or "the prediction was canceled"
    return ProviderStatus(
        provider_job_id=prediction_id,
        state=state,
        progress=progress,
        step=step,
        total_steps=total,
        logs=logs,
        outputs=outputs,
        main_outputs=main_outputs,
        error=error,
        permanent=permanent,
    )


def log_lines(logs: object) -> tuple[str, ...]:
    """The non-empty lines of ``logs`` (the last :data:`MAX_LOG_LINES`).

    Lines are split on ``\\r`` too, so a tqdm bar redrawn in place counts as its last drawing.
    """
    if not isinstance(logs, str):
        return ()
    lines = [line.rstrip() for line in logs.splitlines()]
    return tuple(line for line in lines if line.strip())[-MAX_LOG_LINES:]


def parse_progress(lines: tuple[str, ...]) -> tuple[float | None, int | None, int | None]:
    """``(fraction, step, total)`` from the last tqdm-like line, or ``(None, None, None)``."""
    for line in reversed(lines):
        match = _PROGRESS.match(line.strip())
        if match:
            fraction = min(max(int(match["percentage"]) / 100, 0.0), 1.0)
            return fraction, int(match["current"]), int(match["total"])
    return None, None, None


def output_urls(output: object) -> tuple[str, ...]:
    """The file URLs in ``output``: a string, a list of strings, or an object's string values
    (``https:``, ``http:`` or ``data:``; anything else, such as plain text, is not a file)."""
    if isinstance(output, str):
        candidates: list[object] = [output]
    elif isinstance(output, list):
        candidates = list(output)
    elif isinstance(output, dict):
        candidates = list(output.values())
    else:
        candidates = []
    return tuple(
        item for item in candidates if isinstance(item, str) and item.startswith(_URL_PREFIXES)
    )


def is_safety_failure(error: str) -> bool:
    """Whether a failure message is a safety refusal (NSFW, flagged as sensitive, ...)."""
    return bool(_SAFETY.search(error))


def problem_detail(body: object) -> str:
    """``title: detail`` of an RFC 7807 problem body (``{"detail": ...}`` alone is common)."""
    if not isinstance(body, dict):
        return ""
    title, detail = _text(body.get("title")), _text(body.get("detail"))
    if title and detail:
        return f"{title}: {detail}"
    return detail or title or ""


def retry_after(headers: Mapping[str, str], detail: str = "") -> float | None:
    """Seconds to wait after a 429: ``Retry-After`` (seconds or HTTP date), else the
    ``ratelimit-reset`` header (seconds), else the wait named in the throttle message
    ("Your rate limit resets in ~30s.")."""
    seconds = http_support.retry_after(headers)
    if seconds is not None:
        return seconds
    reset = headers.get("ratelimit-reset")
    seconds = http_support.parse_seconds(reset) if reset is not None else None
    if seconds is not None:
        return seconds
    match = _RESET_IN_DETAIL.search(detail)
    return float(match.group(1)) if match else None


def _text(value: Any) -> str | None:
    """A short, one-line-per-line text of an error field, or ``None`` when empty."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = text.strip()
    if len(text) > MAX_ERROR_CHARS:
        text = text[: MAX_ERROR_CHARS - 1] + "…"
    return text or None
