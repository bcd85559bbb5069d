"""The Strategy tab: the form typed and saved, the cascade confirmed (or cancelled) before a new
version, the completion meter in words, two versions compared, kept live by the change feed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot

from app.bootstrap import Core
from app.domain import ApprovalScope, ApprovalState
from tests.ui.conftest import ANA
from tests.ui.test_overview import FULL_DRAFT
from tests.ui.test_schedule_tab import held, show_tab, until  # noqa: F401 (fixtures)
from ui.viewmodels.session import SessionViewModel
from ui.viewmodels.strategy import StrategyViewModel
from ui.viewmodels.strategy_models import ChangedRole
from ui.views.strategy_tab import StrategyTab


class Strategy(NamedTuple):
    session: SessionViewModel
    view_model: StrategyViewModel
    tab: StrategyTab


async def _campaign(core: Core, draft: dict[str, Any] | None = None, creatives: int = 0) -> str:
    campaign = await core.campaigns.create_campaign(
        ANA, "Spring", channels=("instagram",), start=date(2030, 3, 2), end=date(2030, 3, 29)
    )
    if draft is not None:
        await core.strategies.create_strategy(ANA, campaign.id, draft)
    for number in range(creatives):
        await core.creatives.create_text_creative(
            ANA, campaign.id, title=f"Post {number}", body="Skip the traffic."
        )
    return campaign.id


@pytest.fixture
def build(show_tab: Callable[..., Any]) -> Callable[[Core, str], Any]:  # noqa: F811
    async def make(core: Core, campaign_id: str) -> Strategy:
        shown = await show_tab(core, campaign_id, StrategyViewModel, StrategyTab, "strategy_loaded")
        return Strategy(*shown)

    return make


def _retype(qtbot: QtBot, edit: Any, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def _lines(qtbot: QtBot, edit: QPlainTextEdit, *lines: str) -> None:
    for number, line in enumerate(lines):
        if number:
            qtbot.keyClick(edit, Qt.Key.Key_Return)
        qtbot.keyClicks(edit, line)


async def test_a_strategy_typed_into_the_form_is_saved_as_version_one(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    campaign_id = await _campaign(core)
    shown = await build(core, campaign_id)
    tab, form = shown.tab, shown.tab.form
    assert tab.save_button.text() == "Save strategy"
    qtbot.keyClicks(form.objective_edit, "Grow sign-ups")
    qtbot.keyClicks(form.audience_edit, "Commuters")
    _lines(qtbot, form.messages_edit, "Skip the traffic", "Arrive fresh")
    _lines(qtbot, form.channels_edit, "instagram", "linkedin")
    form.amount_spin.lineEdit().selectAll()
    qtbot.keyClicks(form.amount_spin, "5000")
    qtbot.keyClicks(form.cta_edit, "Start your trial")
    assert tab.meter.value() == 75
    assert tab.completion_label.text() == "75 % — missing: tone, KPIs"
    assert tab.meter.accessibleDescription() == tab.completion_label.text()
    qtbot.keyClicks(form.tone_edit, "Upbeat")
    qtbot.keyClicks(form.kpis_edit, "sign-ups")
    assert tab.completion_label.text() == "100 % — complete"
    saved = signal_future(shown.view_model.strategy_saved)
    loaded = signal_future(shown.view_model.strategy_loaded)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    await saved
    await loaded
    (strategy,) = await core.strategies.history(ANA, campaign_id)
    assert strategy.version == 1
    assert strategy.draft.key_messages == ("Skip the traffic", "Arrive fresh")
    assert strategy.draft.channels == ("instagram", "linkedin")
    assert strategy.draft.budget is not None
    assert (strategy.draft.budget.amount, strategy.draft.budget.currency) == (5000, "EUR")
    assert strategy.completion.percent == 100
    assert tab.confirm_dialog is None  # a first version resets nothing: no question
    assert tab.save_button.text() == "Save as new version"
    assert tab.message.text() == "Saved as version 1."
    assert shown.view_model.versions.index(0, 0).data() == "Version 1"
    assert not form.dirty
    assert not tab.notice.isVisible()


async def test_a_new_version_is_saved_after_confirming_what_the_cascade_resets(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    campaign_id = await _campaign(core, FULL_DRAFT, creatives=3)
    await core.approvals.approve(ANA, campaign_id, ApprovalScope.STRATEGY)
    shown = await build(core, campaign_id)
    tab, view_model = shown.tab, shown.view_model
    assert tab.save_button.text() == "Save as new version"
    assert not tab.save_button.isEnabled()  # nothing changed yet
    _retype(qtbot, tab.form.tone_edit, "Calm")
    assert tab.save_button.isEnabled()
    preview = signal_future(view_model.preview_ready)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    await preview
    dialog = tab.confirm_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.summary.text() == (
        "Strategy approval goes back to pending; Content, Schedule and Ads approvals go back "
        "to needs review; 3 creatives become stale."
    )
    assert dialog.details.text().splitlines() == [
        "Strategy approval: approved → pending",
        "Content approval: pending → needs review",
        "Schedule approval: pending → needs review",
        "Ads approval: pending → needs review",
    ]
    assert len(await core.strategies.history(ANA, campaign_id)) == 1  # nothing saved yet
    loaded = signal_future(view_model.strategy_loaded)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    await loaded
    history = await core.strategies.history(ANA, campaign_id)
    assert [(s.version, s.status.value) for s in history] == [(1, "invalidated"), (2, "active")]
    assert history[1].draft.tone == "Calm"
    approvals = await core.approvals.get_approvals(ANA, campaign_id)
    assert approvals[ApprovalScope.STRATEGY].state is ApprovalState.PENDING
    assert approvals[ApprovalScope.CONTENT].state is ApprovalState.NEEDS_REVIEW
    creatives = await core.creatives.list_creatives(ANA, campaign_id)
    assert [c.stale for c in creatives] == [True] * 3
    assert [view_model.versions.index(row, 1).data() for row in range(2)] == [
        "active",
        "invalidated",
    ]


async def test_cancelling_the_confirmation_saves_nothing_and_keeps_the_typing(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    campaign_id = await _campaign(core, FULL_DRAFT)
    shown = await build(core, campaign_id)
    tab = shown.tab
    _retype(qtbot, tab.form.tone_edit, "Calm and clear")
    preview = signal_future(shown.view_model.preview_ready)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    await preview
    dialog = tab.confirm_dialog
    assert dialog is not None
    assert dialog.summary.text().endswith("; no creative becomes stale.")
    assert "Strategy approval: stays pending, its votes cleared" in dialog.details.text()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    (strategy,) = await core.strategies.history(ANA, campaign_id)
    assert strategy.draft.tone == "Upbeat"
    assert tab.form.tone_edit.text() == "Calm and clear"
    assert tab.form.dirty


async def test_the_core_refusing_a_field_says_so_beside_it(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    campaign_id = await _campaign(core)
    shown = await build(core, campaign_id)
    form = shown.tab.form
    qtbot.keyClicks(form.objective_edit, "Grow sign-ups")
    form.amount_spin.lineEdit().selectAll()
    qtbot.keyClicks(form.amount_spin, "100")
    _retype(qtbot, form.currency_edit, "E1")
    refused = signal_future(shown.view_model.save_refused)
    qtbot.mouseClick(shown.tab.save_button, Qt.MouseButton.LeftButton)
    (message,) = await refused
    assert message.startswith("Refused: invalid strategy: budget")
    assert shown.tab.message.text() == message
    assert form.errors["budget"].isVisible()
    assert "currency" in form.errors["budget"].text()
    assert not form.errors["objective"].isVisible()
    assert await core.strategies.history(ANA, campaign_id) == []
    assert form.objective_edit.toPlainText() == "Grow sign-ups"


async def test_the_meter_names_what_a_saved_version_misses(
    build: Any, core: Core, qtbot: QtBot
) -> None:
    draft = {"objective": "Grow sign-ups", "channels": ["instagram"], "tone": "Upbeat"}
    campaign_id = await _campaign(core, draft)
    shown = await build(core, campaign_id)
    tab = shown.tab
    assert tab.meter.value() == 38
    assert tab.completion_label.text() == (
        "38 % — missing: target audience, key messages, budget, KPIs, call to action"
    )
    qtbot.keyClicks(tab.form.kpis_edit, "sign-ups")
    assert tab.completion_label.text() == (
        "50 % — missing: target audience, key messages, budget, call to action"
    )


async def test_compare_shows_two_versions_side_by_side_with_the_changes_marked(
    build: Any, core: Core, qtbot: QtBot, qtmodeltester: Any
) -> None:
    campaign_id = await _campaign(core, FULL_DRAFT)
    changed = {**FULL_DRAFT, "tone": "Calm", "kpis": ["sign-ups", "trials"]}
    await core.strategies.update_strategy(ANA, campaign_id, changed)
    shown = await build(core, campaign_id)
    tab = shown.tab
    assert not tab.compare_button.isEnabled()
    tab.history.selectAll()
    assert tab.compare_button.isEnabled()
    qtbot.mouseClick(tab.compare_button, Qt.MouseButton.LeftButton)
    dialog = tab.diff_dialog
    assert dialog is not None
    assert dialog.isVisible()
    model = dialog.model
    qtmodeltester.check(model)
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)] == [
        "Field",
        "Version 1",
        "Version 2",
    ]
    assert model.changed_fields() == ["tone", "kpis"]
    assert dialog.summary.text() == "Changed: Tone, KPIs."
    rows = {model.index(r, 0).data(): r for r in range(model.rowCount())}
    assert [model.index(rows["Tone"], c).data() for c in (1, 2)] == ["Upbeat", "Calm"]
    assert model.index(rows["KPIs"], 2).data() == "sign-ups\ntrials"
    assert model.index(rows["Tone"], 1).data(ChangedRole) is True
    assert model.index(rows["Tone"], 1).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert model.index(rows["Objective"], 1).data(ChangedRole) is False
    assert model.index(rows["Objective"], 1).data(Qt.ItemDataRole.BackgroundRole) is None


async def test_a_version_saved_elsewhere_refreshes_the_history_and_a_clean_form(
    build: Any, core: Core
) -> None:
    campaign_id = await _campaign(core, FULL_DRAFT)
    shown = await build(core, campaign_id)
    shown.session.start()
    await shown.session.following()
    await core.strategies.update_strategy(ANA, campaign_id, {**FULL_DRAFT, "tone": "Calm"})
    await until(lambda: shown.view_model.versions.rowCount() == 2)
    assert shown.tab.form.tone_edit.text() == "Calm"
    assert not shown.tab.notice.isVisible()


async def test_a_version_saved_elsewhere_never_wipes_unsaved_typing(
    build: Any, core: Core, qtbot: QtBot
) -> None:
    campaign_id = await _campaign(core, FULL_DRAFT)
    shown = await build(core, campaign_id)
    shown.session.start()
    await shown.session.following()
    tab = shown.tab
    _retype(qtbot, tab.form.tone_edit, "Mine")
    await core.strategies.update_strategy(ANA, campaign_id, {**FULL_DRAFT, "tone": "Theirs"})
    await until(lambda: tab.notice.isVisible())
    assert tab.notice.text().startswith("A newer version (version 2) was saved by ana.")
    assert tab.form.tone_edit.text() == "Mine"
    assert shown.view_model.versions.rowCount() == 2
    qtbot.mouseClick(tab.reload_button, Qt.MouseButton.LeftButton)
    assert tab.form.tone_edit.text() == "Theirs"
    assert not tab.notice.isVisible()
    assert not tab.form.dirty


async def test_a_deep_link_selects_the_version_and_the_history_passes_the_model_tester(
    build: Any, core: Core, qtmodeltester: Any
) -> None:
    campaign_id = await _campaign(core, FULL_DRAFT)
    await core.strategies.update_strategy(ANA, campaign_id, {**FULL_DRAFT, "tone": "Calm"})
    first = (await core.strategies.history(ANA, campaign_id))[0]
    shown = await build(core, campaign_id)
    qtmodeltester.check(shown.view_model.versions)
    shown.tab.select_strategy(first.id)
    assert shown.tab.selected_strategy_ids() == [first.id]
    assert shown.view_model.versions.index(1, 0).data() == "Version 1"
    assert shown.view_model.versions.index(1, 3).data() == "ana"


def test_budget_amounts_go_to_the_core_to_the_cent(qtbot: QtBot) -> None:
    from ui.views.strategy_form import StrategyFormWidget

    form = StrategyFormWidget()
    qtbot.addWidget(form)
    form.amount_spin.setValue(1234.5)
    assert form.values()["budget"] == {"amount": Decimal("1234.5"), "currency": "EUR"}
    form.amount_spin.setValue(0)
    assert form.values()["budget"] is None


async def test_unsaved_edits_survive_a_visit_to_another_campaign(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    spring = await _campaign(core, FULL_DRAFT)
    autumn = await _campaign(core)
    shown = await build(core, spring)
    tab, vm = shown.tab, shown.view_model
    _retype(qtbot, tab.form.tone_edit, "Calm and friendly")
    assert tab.form.dirty
    loaded = signal_future(vm.strategy_loaded)
    vm.set_campaign(autumn)
    await loaded
    assert tab.form.tone_edit.text() == ""  # the other campaign has no strategy yet
    assert not tab.form.dirty
    loaded = signal_future(vm.strategy_loaded)
    vm.set_campaign(spring)
    await loaded
    assert tab.form.tone_edit.text() == "Calm and friendly"
    assert tab.form.dirty
    assert tab.save_button.isEnabled()
    assert "unsaved edits" in tab.message.text()
    assert len(await core.strategies.history(ANA, spring)) == 1  # nothing saved meanwhile
