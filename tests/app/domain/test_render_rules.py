"""The render-job lifecycle, retry backoff and bounded logs (app.domain.render_rules)."""

from __future__ import annotations

import itertools
import random

import pytest

from app.domain import RenderStatus
from app.domain.creatives import file_stem
from app.domain.errors import AppError, InvalidTransition
from app.domain.render_jobs import MAX_LOG_LINES
from app.domain.render_rules import (
    append_logs,
    backoff_seconds,
    check_transition,
    eta_seconds,
    output_filename,
)
from tests import factories

R = RenderStatus

# From the module docstring: queued → running | cancelled | failed; running → published | failed |
# cancelled | queued; failed | cancelled → queued; published is final.
ALLOWED = {
    (R.QUEUED, R.RUNNING),
    (R.QUEUED, R.CANCELLED),
    (R.QUEUED, R.FAILED),
    (R.RUNNING, R.PUBLISHED),
    (R.RUNNING, R.FAILED),
    (R.RUNNING, R.CANCELLED),
    (R.RUNNING, R.QUEUED),
    (R.FAILED, R.QUEUED),
    (R.CANCELLED, R.QUEUED),
}


# ------------------------------------------------------------------ check_transition


@pytest.mark.parametrize(
    ("current", "target"),
    [
        pytest.param(current, target, id=f"{current}-{target}")
        for current, target in itertools.product(RenderStatus, RenderStatus)
    ],
)
def test_check_transition_every_pair(current: RenderStatus, target: RenderStatus) -> None:
    if (current, target) in ALLOWED:
        assert check_transition(current, target) is target
        return
    with pytest.raises(InvalidTransition) as info:
        check_transition(current, target)
    assert info.value.from_state == current.value
    assert info.value.to_state == target.value
    assert isinstance(info.value, AppError)
    assert str(info.value).startswith(f"cannot go from {current.value} to {target.value}: ")


@pytest.mark.parametrize("target", list(RenderStatus))
def test_published_is_final(target: RenderStatus) -> None:
    with pytest.raises(InvalidTransition, match="the job is finished"):
        check_transition(R.PUBLISHED, target)


@pytest.mark.parametrize("current", [R.FAILED, R.CANCELLED])
@pytest.mark.parametrize("target", [R.RUNNING, R.PUBLISHED, R.FAILED, R.CANCELLED])
def test_failed_and_cancelled_restart_only_through_a_retry(
    current: RenderStatus, target: RenderStatus
) -> None:
    with pytest.raises(InvalidTransition, match="only a retry can restart it"):
        check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [(R.QUEUED, R.QUEUED), (R.QUEUED, R.PUBLISHED), (R.RUNNING, R.RUNNING)],
)
def test_skipping_a_step_is_not_part_of_the_lifecycle(
    current: RenderStatus, target: RenderStatus
) -> None:
    with pytest.raises(InvalidTransition, match="not a step of the job lifecycle"):
        check_transition(current, target)


def test_terminal_statuses() -> None:
    assert {status for status in RenderStatus if status.terminal} == {
        R.PUBLISHED,
        R.FAILED,
        R.CANCELLED,
    }


# ------------------------------------------------------------------ backoff_seconds

SEEDS = range(200)


@pytest.mark.parametrize("retry", [1, 2, 3, 4, 5, 6, 7, 8])
def test_backoff_is_full_jitter_below_the_exponential_ceiling(retry: int) -> None:
    ceiling = 2.0 * 2 ** (retry - 1)  # base 2: 2, 4, 8, ..., 256 (below the 300 s cap)
    waits = [backoff_seconds(retry, rng=random.Random(seed)) for seed in SEEDS]
    assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
    # jitter spreads the waits over the range instead of one fixed value
    assert min(waits) < ceiling * 0.6
    assert max(waits) > ceiling * 0.9
    assert len(set(waits)) > 150


def test_backoff_grows_exponentially() -> None:
    for seed in range(50):
        waits = [backoff_seconds(retry, rng=random.Random(seed)) for retry in range(1, 9)]
        assert waits == sorted(waits)
        # each ceiling doubles: retry n lies in [2**(n-1), 2**n] seconds
        for retry, wait in enumerate(waits, start=1):
            assert 2 ** (retry - 1) <= wait <= 2**retry


def test_backoff_same_seed_same_wait() -> None:
    first = [backoff_seconds(3, rng=random.Random(42)) for _ in range(3)]
    assert first[0] == first[1] == first[2]
    assert 4.0 <= first[0] <= 8.0
    assert backoff_seconds(3, rng=random.Random(42)) != backoff_seconds(3, rng=random.Random(43))


@pytest.mark.parametrize("retry", [9, 10, 20, 100, 1000])
def test_backoff_is_capped(retry: int) -> None:
    waits = [backoff_seconds(retry, rng=random.Random(seed)) for seed in range(50)]
    assert all(150.0 <= wait <= 300.0 for wait in waits)
    assert max(waits) > 280.0


def test_backoff_is_capped_for_huge_retry_numbers() -> None:
    wait = backoff_seconds(2000, rng=random.Random(1))
    assert 150.0 <= wait <= 300.0


def test_backoff_custom_base_and_cap() -> None:
    rng = random.Random(5)
    assert 0.5 <= backoff_seconds(1, base=1.0, cap=10.0, rng=rng) <= 1.0
    assert 4.0 <= backoff_seconds(4, base=1.0, cap=10.0, rng=rng) <= 8.0
    assert 5.0 <= backoff_seconds(5, base=1.0, cap=10.0, rng=rng) <= 10.0
    assert 5.0 <= backoff_seconds(12, base=1.0, cap=10.0, rng=rng) <= 10.0


@pytest.mark.parametrize(
    ("retry", "retry_after", "low", "high"),
    [
        (1, 120.0, 120.0, 120.0),  # Retry-After beats the short backoff
        (1, 2.0, 2.0, 2.0),  # ties the ceiling: never less than 2
        (5, 1.0, 16.0, 32.0),  # a short Retry-After does not shorten the backoff
        (9, 1000.0, 1000.0, 1000.0),  # honoured even above the cap
        (3, 0.0, 4.0, 8.0),
        (3, None, 4.0, 8.0),
    ],
)
def test_retry_after_is_a_floor(
    retry: int, retry_after: float | None, low: float, high: float
) -> None:
    for seed in range(30):
        wait = backoff_seconds(retry, retry_after=retry_after, rng=random.Random(seed))
        assert low <= wait <= high


@pytest.mark.parametrize("retry", [0, -1, -10])
def test_retry_numbers_start_at_one(retry: int) -> None:
    with pytest.raises(ValueError, match="retry numbers start at 1"):
        backoff_seconds(retry, rng=random.Random(0))


def test_backoff_without_an_rng_stays_in_range() -> None:
    for _ in range(20):
        assert 4.0 <= backoff_seconds(3) <= 8.0


# ------------------------------------------------------------------ append_logs


def test_append_logs_adds_in_order() -> None:
    assert append_logs((), "a") == ("a",)
    assert append_logs(("a", "b"), "c", "d") == ("a", "b", "c", "d")
    assert append_logs(("a",)) == ("a",)


def test_append_logs_keeps_the_newest_lines() -> None:
    assert MAX_LOG_LINES == 200
    logs = tuple(f"line {n}" for n in range(MAX_LOG_LINES))
    result = append_logs(logs, "new 1", "new 2")
    assert len(result) == MAX_LOG_LINES
    assert result[0] == "line 2"
    assert result[-2:] == ("new 1", "new 2")
    assert result[:-2] == logs[2:]
    assert len(logs) == MAX_LOG_LINES  # the input is untouched


def test_append_logs_exactly_full_keeps_everything() -> None:
    logs = tuple(str(n) for n in range(MAX_LOG_LINES - 1))
    result = append_logs(logs, "last")
    assert len(result) == MAX_LOG_LINES
    assert result[0] == "0"
    assert result[-1] == "last"


def test_append_logs_more_new_lines_than_fit() -> None:
    new = [f"n{n}" for n in range(MAX_LOG_LINES + 50)]
    result = append_logs(("old",), *new)
    assert result == tuple(new[-MAX_LOG_LINES:])
    assert result[0] == "n50"


def test_append_logs_repeatedly_stays_bounded() -> None:
    logs: tuple[str, ...] = ()
    for n in range(MAX_LOG_LINES * 3):
        logs = append_logs(logs, f"{n}")
        assert len(logs) == min(n + 1, MAX_LOG_LINES)
    assert logs[0] == str(MAX_LOG_LINES * 2)
    assert logs[-1] == str(MAX_LOG_LINES * 3 - 1)


def test_render_outputs_are_named_after_their_creative_and_job() -> None:
    job = factories.render_job(id="01a2493708abcdef", kind="image")
    assert output_filename(job, 1, "Hero visual") == "hero-visual-abcdef.png"
    assert output_filename(job, 3, "Hero visual") == "hero-visual-abcdef-3.png"
    video = factories.render_job(id="01a2493708abcdef", kind="video")
    assert output_filename(video, 1, None) == "video-abcdef.mp4"  # its creative is gone


def test_file_stems_keep_words_of_any_script() -> None:
    assert file_stem("Spring Launch: Hero #1!") == "spring-launch-hero-1"
    assert file_stem("Été à Zürich") == "été-à-zürich"
    assert file_stem("snake_case title") == "snake-case-title"
    assert file_stem("!!!") == "creative"
    assert file_stem("x" * 59 + " tail") == "x" * 59  # at most 60, no dangling "-"


def test_eta_follows_the_rate_since_submission() -> None:
    submitted = factories.at(0)
    job = factories.render_job(submitted_at=submitted)
    assert eta_seconds(job, 0.25, factories.at(10)) == 30.0
    assert eta_seconds(job, 0.0, factories.at(10)) is None
    assert eta_seconds(factories.render_job(), 0.5, factories.at(10)) is None  # not submitted
