"""The Overview tab: the engine's score and parts, deep links from recommendations and blockers,
live updates through the change feed, errors inline, AI suggestions that never delay the score."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLayout, QProgressBar, QWidget
from pytestqt.qtbot import QtBot

from app.bootstrap import Core, open_core
from app.config import AppSettings
from app.domain.errors import StorageError
from app.domain.evaluation import Evaluation
from tests.fakes.poe_server import FAKE_POE_API_KEY, Behaviour, FakePoeServer
from tests.ui.conftest import ANA
from ui.tasks import UiTaskRunner
from ui.viewmodels.navigation import Navigator, Target
from ui.viewmodels.overview import OverviewViewModel, SuggestionStatus
from ui.viewmodels.session import SessionViewModel
from ui.views.overview_tab import NO_MODEL_TEXT, STRETCH_COLUMN, OverviewTab
from ui.widgets.score_gauge import ScoreGaugeWidget, score_colour

FULL_DRAFT = {
    "objective": "Grow sign-ups",
    "target_audience": "Commuters",
    "key_messages": ["Skip the traffic"],
    "channels": ["instagram"],
    "tone": "Upbeat",
    "budget": {"amount": 5000, "currency": "EUR"},
    "kpis": ["sign-ups"],
    "call_to_action": "Start your trial",
}


async def _campaign(core: Core, draft: dict[str, Any] | None = None) -> str:
    campaign = await core.campaigns.create_campaign(
        ANA, "Spring", channels=("instagram",), start=date(2030, 3, 2), end=date(2030, 3, 29)
    )
    if draft is not None:
        await core.strategies.create_strategy(ANA, campaign.id, draft)
    return campaign.id


class Overview(NamedTuple):
    session: SessionViewModel
    view_model: OverviewViewModel
    tab: OverviewTab
    navigator: Navigator
    tasks: UiTaskRunner


@pytest.fixture
def held() -> Iterator[list[object]]:
    """Holds the tabs until the loop has run after the test, so that Qt deletes them (and the
    rows they replaced with ``deleteLater``); a tab freed by Python while such a deletion was
    still pending crashed in ``QWidget::destroy``. Tests ask for ``build`` before the core."""
    tabs: list[object] = []
    yield tabs
    tabs.clear()


@pytest.fixture
def build(held: list[object], tasks: UiTaskRunner, qtbot: QtBot) -> Callable[[Core], Overview]:
    """``build(core)``: an Overview tab over its own view model, shown at a desktop size."""

    def make(core: Core) -> Overview:
        session = SessionViewModel(core, ANA, tasks)
        navigator = Navigator()
        view_model = OverviewViewModel(session, tasks, navigator)
        tab = OverviewTab(view_model)
        held.append(tab)
        qtbot.addWidget(tab)
        tab.resize(1000, 700)
        tab.show()
        return Overview(session, view_model, tab, navigator, tasks)

    return make


async def _show(
    view_model: OverviewViewModel, campaign_id: str, signal_future: Callable[..., Any]
) -> Evaluation:
    evaluated = signal_future(view_model.evaluated)
    view_model.set_campaign(campaign_id)
    (evaluation,) = await evaluated
    assert isinstance(evaluation, Evaluation)
    return evaluation


def _texts(tab: OverviewTab) -> list[str]:
    """The texts of the score and of the rows the tab's sections now hold (a replaced row is
    deleted later; a new one is shown by its layout on the next loop turn)."""
    sections = tuple(tab.section(name) for name in STRETCH_COLUMN)
    held = [label for label in tab.findChildren(QLabel) if _held(label, sections)]
    return [tab.score_label.text()] + [label.text() for label in held]


def _bars(tab: OverviewTab) -> list[QProgressBar]:
    return [bar for bar in tab.findChildren(QProgressBar) if _held(bar, (tab.section("parts"),))]


def _held(widget: QWidget, layouts: tuple[QLayout, ...]) -> bool:
    return any(layout.indexOf(widget) >= 0 for layout in layouts)


async def test_the_score_its_parts_and_the_blockers_are_the_engines(
    build: Callable[[Core], Overview],
    core: Core,
    signal_future: Callable[..., Any],
) -> None:
    campaign_id = await _campaign(core, FULL_DRAFT)
    _, view_model, tab, _, tasks = build(core)
    await _show(view_model, campaign_id, signal_future)
    expected = await core.prompting.evaluate(ANA, campaign_id)
    assert expected.score > 0
    assert tab.score_label.text() == f"{expected.score} / 100"
    assert tab.gauge.score == expected.score
    assert tab.gauge.accessibleDescription() == f"Score {expected.score} of 100"
    texts = _texts(tab)
    bars = _bars(tab)
    assert [bar.accessibleName() for bar in bars] == [
        f"{part.name.capitalize()} points" for part in expected.parts
    ]
    for part, bar in zip(expected.parts, bars, strict=True):
        assert part.name.capitalize() in texts
        assert part.detail in texts
        assert f"{part.points:g} / {part.weight:g}" in texts
        assert (bar.value(), bar.maximum()) == (round(part.points * 100), round(part.weight * 100))
    assert len(tab.recommendation_buttons) == len(expected.recommendations)
    assert [f"{rec.rank}." for rec in expected.recommendations] == [
        text for text in texts if text.endswith(".") and text[:-1].isdigit()
    ]
    for blocker in expected.blockers:
        assert blocker.message[:1].upper() + blocker.message[1:] in texts
    assert "Nothing blocks publishing." not in texts
    # Without a language model: one quiet line, nothing waiting, the busy line gone.
    assert view_model.suggestions.status is SuggestionStatus.OFF
    assert NO_MODEL_TEXT in texts
    assert not any("suggest" in key for key in tasks.running)
    assert tab.busy_label.isHidden()


async def test_open_buttons_deep_link_to_the_thing_to_fix(
    build: Callable[[Core], Overview],
    core: Core,
    signal_future: Callable[..., Any],
    qtbot: QtBot,
) -> None:
    campaign_id = await _campaign(core, {"objective": "Grow sign-ups"})
    strategy = await core.strategies.get_active(ANA, campaign_id)
    _, view_model, tab, navigator, _ = build(core)
    evaluation = await _show(view_model, campaign_id, signal_future)
    targets: list[Target] = []
    navigator.navigation_requested.connect(targets.append)

    first = evaluation.recommendations[0]
    assert first.action.startswith("Complete the strategy")
    button = tab.recommendation_buttons[0]
    assert button.text() == "Open"
    assert button.accessibleName() == f"Open: {first.action}"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert targets == [Target("campaign", "strategy", "strategy", strategy.id)]

    approval = next(b for b in evaluation.blockers if b.target_type == "approval")
    index = [b for b in evaluation.blockers if b.target_type is not None].index(approval)
    qtbot.mouseClick(tab.blocker_buttons[index], Qt.MouseButton.LeftButton)
    assert targets[1] == Target("approvals", None, "approval", approval.target_id)


async def test_a_new_strategy_updates_the_score_through_the_change_feed(
    build: Callable[[Core], Overview],
    core: Core,
    signal_future: Callable[..., Any],
) -> None:
    campaign_id = await _campaign(core)
    session, view_model, tab, _, _ = build(core)
    session.start()
    await session.following()
    before = await _show(view_model, campaign_id, signal_future)
    assert tab.score_label.text() == f"{before.score} / 100"
    await core.strategies.create_strategy(ANA, campaign_id, FULL_DRAFT)
    after = await core.prompting.evaluate(ANA, campaign_id)
    assert after.score > before.score
    async with asyncio.timeout(10):
        while tab.score_label.text() != f"{after.score} / 100":
            await signal_future(view_model.evaluated)
    assert tab.gauge.score == after.score


async def test_an_evaluation_failure_is_shown_inline(
    build: Callable[[Core], Overview],
    core: Core,
    signal_future: Callable[..., Any],
) -> None:
    _, view_model, tab, _, _ = build(core)
    failed = signal_future(view_model.evaluation_failed)
    view_model.set_campaign("no-such-campaign")
    (message,) = await failed
    assert message
    assert not tab.error_label.isHidden()
    assert tab.error_label.text() == f"The campaign could not be evaluated: {message}"
    assert tab.score_label.text() == "– / 100"
    assert tab.gauge.score is None
    assert tab.busy_label.isHidden()


@pytest.fixture
async def poe() -> AsyncIterator[FakePoeServer]:
    async with FakePoeServer() as server:
        yield server


@pytest.fixture
async def ai_core(poe: FakePoeServer, tmp_path: Path) -> AsyncIterator[Core]:
    settings = AppSettings(
        data_dir=tmp_path / "data",
        poe_api_key=FAKE_POE_API_KEY,
        poe_base_url=poe.base_url,
        ai_timeout_seconds=5,
    )
    async with open_core(settings) as opened:
        yield opened


async def test_ai_suggestions_arrive_after_the_score_without_delaying_it(
    build: Callable[[Core], Overview],
    ai_core: Core,
    poe: FakePoeServer,
    signal_future: Callable[..., Any],
) -> None:
    campaign_id = await _campaign(ai_core, FULL_DRAFT)
    poe.script(Behaviour(reply="- Name a concrete saving\n- Show the bike in rain\n", delay=0.5))
    _, view_model, tab, _, _ = build(ai_core)
    statuses: list[SuggestionStatus] = []
    view_model.suggestions_changed.connect(lambda known: statuses.append(known.status))
    evaluation = await _show(view_model, campaign_id, signal_future)
    assert tab.score_label.text() == f"{evaluation.score} / 100"
    assert statuses == [SuggestionStatus.OFF, SuggestionStatus.WAITING]
    assert "Asking the AI model for suggestions…" in _texts(tab)
    assert tab.busy_label.isHidden()  # the score is in: only the suggestions' line waits
    (ready,) = await signal_future(view_model.suggestions_changed)
    assert ready.status is SuggestionStatus.READY
    assert ready.items == ("Name a concrete saving", "Show the bike in rain")
    texts = _texts(tab)
    assert "• Name a concrete saving" in texts
    assert "• Show the bike in rain" in texts
    assert "Asking the AI model for suggestions…" not in texts


def test_the_gauge_follows_the_font_and_says_its_score(qtbot: QtBot) -> None:
    gauge = ScoreGaugeWidget()
    qtbot.addWidget(gauge)
    assert gauge.accessibleDescription() == "Not evaluated yet"
    gauge.set_score(130)
    assert (gauge.score, gauge.accessibleDescription()) == (100, "Score 100 of 100")
    small = gauge.sizeHint()
    font = gauge.font()
    font.setPointSizeF(font.pointSizeF() * 2)
    gauge.setFont(font)
    assert gauge.sizeHint().width() > small.width() * 1.5
    gauge.set_score(50)
    image = gauge.grab().toImage()
    ring = image.width() // 40  # inside the ring's band (a tenth of the side)
    middle = image.height() // 2
    # The arc runs clockwise from twelve o'clock: half of it fills the right side only.
    assert image.pixelColor(image.width() - 1 - ring, middle) == score_colour(50)
    assert image.pixelColor(ring, middle) != score_colour(50)


async def test_a_failed_request_for_suggestions_is_a_quiet_note_beside_the_score(
    build: Callable[[Core], Overview],
    ai_core: Core,
    monkeypatch: pytest.MonkeyPatch,
    signal_future: Callable[..., Any],
) -> None:
    campaign_id = await _campaign(ai_core, FULL_DRAFT)

    async def refuse(actor: object, campaign_id: str) -> list[str]:
        raise StorageError("the database is not reachable")

    monkeypatch.setattr(ai_core.prompting, "suggest", refuse)
    _, view_model, tab, _, _ = build(ai_core)
    evaluation = await _show(view_model, campaign_id, signal_future)
    (failed,) = await signal_future(view_model.suggestions_changed)
    assert failed.status is SuggestionStatus.FAILED
    texts = _texts(tab)
    assert "AI suggestions are unavailable: the database is not reachable" in texts
    assert tab.score_label.text() == f"{evaluation.score} / 100"
    assert tab.error_label.isHidden()


async def test_empty_states_in_words_and_a_new_campaign_starts_blank(
    build: Callable[[Core], Overview],
    core: Core,
    signal_future: Callable[..., Any],
) -> None:
    first = await _campaign(core, FULL_DRAFT)
    _, view_model, tab, _, _ = build(core)
    evaluation = await _show(view_model, first, signal_future)
    view_model.evaluated.emit(evaluation.model_copy(update={"recommendations": [], "blockers": []}))
    texts = _texts(tab)
    assert "Nothing blocks publishing." in texts
    assert "Nothing to do right now." in texts
    assert (tab.recommendation_buttons, tab.blocker_buttons) == ([], [])

    view_model.set_campaign(None)
    assert tab.score_label.text() == "– / 100"
    assert tab.gauge.score is None
    assert not _bars(tab)
    assert view_model.evaluation is None
