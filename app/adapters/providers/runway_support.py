"""Helpers of the Runway provider: error bodies and the reading of task objects (progress,
outputs, and the classification of failure codes).

Kept apart from :mod:`app.adapters.providers.runway_provider` so that module stays about the
calls; what every cloud provider shares (scrubbing, waits, downloads) is in
:mod:`app.adapters.providers.http_support`. Nothing here knows the API key; callers scrub what
they pass in.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from app.adapters.providers.http_client import HttpAnswer
from app.ports.render_provider import ProviderState, ProviderStatus

_log = logging.getLogger("app.adapters.providers.runway_provider")

PROVIDER = "Runway"
# Said when an output download is refused with a status that means an expired link.
EXPIRY_NOTE = "Runway's output URLs expire within 24–48 h, poll the task for fresh ones"


def error_detail(response: HttpAnswer) -> str:
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
