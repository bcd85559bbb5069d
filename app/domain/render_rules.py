"""The render-job state machine and retry policy, as pure functions.

queued → running | cancelled | failed; running → published | failed | cancelled | queued (a
transient error waiting for its retry); failed | cancelled → queued (a manual retry); published is
final. Anything else raises :class:`InvalidTransition`.
"""

from __future__ import annotations

import random
from datetime import datetime

from app.domain.creatives import Creative, CreativeOutput, file_stem
from app.domain.enums import RenderStatus
from app.domain.errors import InvalidTransition
from app.domain.render_jobs import MAX_LOG_LINES, RenderJob

TRANSITIONS: dict[RenderStatus, frozenset[RenderStatus]] = {
    RenderStatus.QUEUED: frozenset(
        {RenderStatus.RUNNING, RenderStatus.CANCELLED, RenderStatus.FAILED}
    ),
    RenderStatus.RUNNING: frozenset(
        {RenderStatus.PUBLISHED, RenderStatus.FAILED, RenderStatus.CANCELLED, RenderStatus.QUEUED}
    ),
    RenderStatus.FAILED: frozenset({RenderStatus.QUEUED}),
    RenderStatus.CANCELLED: frozenset({RenderStatus.QUEUED}),
    RenderStatus.PUBLISHED: frozenset(),
}


_EXTENSIONS = {"image": ".png", "video": ".mp4"}


def output_filename(job: RenderJob, index: int, title: str | None) -> str:
    """The library name of a render's ``index``-th main output (from 1): the creative's
    ``title`` (its :func:`file_stem`; the kind when unknown), the end of the job's id (its
    random part) and the variant from 2: "hero-visual-c53d2f.png", "hero-visual-c53d2f-2.png"."""
    stem = file_stem(title) if title is not None else job.kind.value
    variant = "" if index == 1 else f"-{index}"
    return f"{stem}-{job.id[-6:]}{variant}{_EXTENSIONS[job.kind.value]}"


def eta_seconds(job: RenderJob, fraction: float, now: datetime) -> float | None:
    """Seconds left at ``fraction`` done, from the rate observed since submission."""
    if job.submitted_at is None or fraction <= 0:
        return None
    elapsed = (now - job.submitted_at).total_seconds()
    return round(max(0.0, elapsed * (1 - fraction) / fraction), 1)


def check_transition(current: RenderStatus, target: RenderStatus) -> RenderStatus:
    """Return ``target`` if a job may go there from ``current``, else raise InvalidTransition."""
    current, target = RenderStatus(current), RenderStatus(target)
    if target not in TRANSITIONS[current]:
        reason = "the job is finished" if current.terminal else "not a step of the job lifecycle"
        if current in (RenderStatus.FAILED, RenderStatus.CANCELLED):
            reason = "only a retry can restart it"
        raise InvalidTransition(current.value, target.value, reason)
    return target


def backoff_seconds(
    retry: int,
    *,
    retry_after: float | None = None,
    base: float = 2.0,
    cap: float = 300.0,
    rng: random.Random | None = None,
) -> float:
    """The wait before retry number ``retry`` (1, 2, 3, ...).

    Exponential with full jitter (``base * 2**(retry-1)``, capped), but never shorter than a
    provider's ``Retry-After``.
    """
    if retry < 1:
        raise ValueError("retry numbers start at 1")
    ceiling = min(cap, base * 2 ** min(retry - 1, 64))  # bounded: no float overflow
    jittered = (rng or random.SystemRandom()).uniform(ceiling / 2, ceiling)
    return max(jittered, retry_after or 0.0)


def append_logs(logs: tuple[str, ...], *lines: str) -> tuple[str, ...]:
    """``logs`` with ``lines`` added, keeping the newest :data:`MAX_LOG_LINES` lines."""
    return (*logs, *lines)[-MAX_LOG_LINES:]


def new_log_lines(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, ...]:
    """The lines of ``new`` not yet in ``old``."""
    return new[len(_common_prefix(old, new)) :]


def _common_prefix(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, ...]:
    """The lines of ``new`` already in ``old`` (a provider resends its whole log)."""
    if not new:
        return ()
    tail = old[-len(new) :]
    for size in range(min(len(tail), len(new)), 0, -1):
        if tail[-size:] == new[:size]:
            return new[:size]
    return ()


def with_render_output(
    creative: Creative, job: RenderJob, asset_id: str, active_version: int | None, now: datetime
) -> Creative:
    """``creative`` with the output ``asset_id`` of ``job`` (once: a job adds one output);
    earlier outputs stay in its history. It is fresh again if the output was made for the
    ``active_version`` of its strategy."""
    if any(output.render_job_id == job.id for output in creative.outputs):
        return creative
    version = job.strategy_version or creative.strategy_version
    output = CreativeOutput(
        asset_id=asset_id, render_job_id=job.id, strategy_version=version, at=now
    )
    earlier = {previous.asset_id for previous in creative.outputs} | {asset_id}
    fresh = active_version is not None and version >= active_version
    return creative.model_copy(
        update={
            # The new output replaces the earlier ones (kept in ``outputs`` as history);
            # assets attached from the library stay.
            "asset_ids": (*[a for a in creative.asset_ids if a not in earlier], asset_id),
            "outputs": (*creative.outputs, output),
            "render_job_id": job.id,
            "strategy_id": job.strategy_id or creative.strategy_id,
            "strategy_version": max(version, creative.strategy_version),
            "stale": not fresh,
            "updated_at": now,
        }
    )
