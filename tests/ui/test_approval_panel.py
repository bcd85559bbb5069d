"""The approval panel: votes, rejections and addressed feedback through the cards' dialogs,
gating and roles shown with reasons, kept live by the change feed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.bootstrap import Core, open_core
from app.config import AppSettings
from app.domain import Actor, ApprovalScope, ApprovalState, Role
from tests.ui.conftest import ANA
from tests.ui.test_accessibility import unnamed
from tests.ui.test_overview import FULL_DRAFT
from tests.ui.test_schedule_tab import held, until  # noqa: F401 (fixtures)
from ui.tasks import UiTaskRunner
from ui.viewmodels.approval_timeline import TIMELINE_COLUMNS
from ui.viewmodels.approvals import ApprovalsViewModel
from ui.viewmodels.session import SessionViewModel
from ui.views.approval_action_dialog import ApprovalActionDialog
from ui.views.approval_card import ApprovalCard
from ui.views.approval_panel import EMPTY_TEXT, ApprovalPanel

BEA = Actor(tenant_id="acme", user_id="bea", roles={Role.APPROVER})
VIC = Actor(tenant_id="acme", user_id="vic", roles={Role.VIEWER})
STRATEGY, CONTENT = ApprovalScope.STRATEGY, ApprovalScope.CONTENT
LEFT = Qt.MouseButton.LeftButton


class Panel(NamedTuple):
    session: SessionViewModel
    view_model: ApprovalsViewModel
    panel: ApprovalPanel

    def card(self, scope: ApprovalScope) -> ApprovalCard:
        return self.panel.card(scope)


async def _campaign(core: Core) -> str:
    campaign = await core.campaigns.create_campaign(
        ANA, "Spring launch", channels=("instagram",), start=date(2030, 3, 2), end=date(2030, 3, 29)
    )
    await core.strategies.create_strategy(ANA, campaign.id, FULL_DRAFT)
    await core.workspaces.add_member(ANA, "bea", [Role.APPROVER])
    await core.workspaces.set_display_name(ANA, "Ana Alves")
    await core.workspaces.set_display_name(BEA, "Bea Berg")
    return campaign.id


@pytest.fixture
def build(
    held: list[object],  # noqa: F811
    tasks: UiTaskRunner,
    qtbot: QtBot,
    signal_future: Callable[..., Any],
) -> Callable[..., Any]:
    """``await build(core, campaign_id, actor)``: a panel shown at a desktop size, loaded."""

    async def make(core: Core, campaign_id: str | None, actor: Actor = ANA) -> Panel:
        session = SessionViewModel(core, actor, tasks)
        view_model = ApprovalsViewModel(session, tasks)
        panel = ApprovalPanel(view_model)
        held.append(panel)
        qtbot.addWidget(panel)
        panel.resize(1280, 800)
        panel.show()
        if campaign_id is not None:
            loaded = signal_future(view_model.approvals_loaded)
            view_model.set_campaign(campaign_id)
            await loaded
        return Panel(session, view_model, panel)

    return make


def _dialog(card: ApprovalCard) -> ApprovalActionDialog:
    assert card.dialog is not None
    assert card.dialog.isVisible()
    return card.dialog


async def _submit(
    qtbot: QtBot, panel: Panel, dialog: ApprovalActionDialog, signal_future: Callable[..., Any]
) -> None:
    loaded = signal_future(panel.view_model.approvals_loaded)
    qtbot.mouseClick(dialog.ok_button, LEFT)
    await loaded


async def _state(core: Core, campaign_id: str, scope: ApprovalScope) -> ApprovalState:
    return (await core.approvals.get_approvals(ANA, campaign_id))[scope].state


async def test_no_campaign_shows_the_empty_state(build: Any, core: Core) -> None:
    shown = await build(core, None)
    assert shown.panel.empty_label.isVisible()
    assert shown.panel.empty_label.text() == EMPTY_TEXT
    assert not shown.panel.card_area.isVisible()


async def test_the_cards_name_their_scope_and_the_title_the_campaign(
    build: Any, core: Core
) -> None:
    shown = await build(core, await _campaign(core))
    names = [card.accessibleName() for card in shown.panel.cards.values()]
    assert names == ["Strategy approval", "Content approval", "Schedule approval", "Ads approval"]
    assert "Spring launch" in shown.panel.title.text()
    assert not shown.panel.empty_label.isVisible()
    strategy = shown.card(STRATEGY)
    assert strategy.state_label.text() == "Pending"
    assert not strategy.state_icon.pixmap().isNull()
    assert strategy.progress_label.text() == "0 of 1 approval"
    assert strategy.version_label.text() == "Not bound to a strategy version yet"


async def test_every_control_has_a_name_and_the_tab_order_runs_through_a_card(
    build: Any, core: Core, qtbot: QtBot
) -> None:
    shown = await build(core, await _campaign(core))
    card = shown.card(STRATEGY)
    qtbot.mouseClick(list(card.buttons.values())[1], LEFT)
    assert unnamed(shown.panel) == []
    assert unnamed(_dialog(card)) == []
    _dialog(card).reject()
    order = [*card.buttons.values(), card.quorum_spin, card.timeline]
    chain, widget = [], order[0]
    for _ in range(12):  # the spin box's own line edit sits in the chain too
        widget = widget.nextInFocusChain()
        chain.append(widget)
    assert [widget for widget in chain if widget in order] == order[1:]


async def test_a_quorum_of_two_is_met_by_two_approvers(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    campaign_id = await _campaign(core)
    ana = await build(core, campaign_id)
    card = ana.card(STRATEGY)
    assert card.quorum_spin.isEnabled()
    assert card.quorum_context.text() == "(2 approvers in this workspace)"
    loaded = signal_future(ana.view_model.approvals_loaded)
    card.quorum_spin.setFocus()
    card.quorum_spin.lineEdit().selectAll()
    qtbot.keyClicks(card.quorum_spin, "2")
    qtbot.keyClick(card.quorum_spin, Qt.Key.Key_Return)
    await loaded
    assert (await core.approvals.get_approvals(ANA, campaign_id))[STRATEGY].required_approvals == 2

    qtbot.mouseClick(card.buttons[next(iter(card.buttons))], LEFT)
    dialog = _dialog(card)
    assert dialog.ok_button.isEnabled()  # a comment is optional
    qtbot.keyClicks(dialog.text_edit, "Clear and on brand")
    await _submit(qtbot, ana, dialog, signal_future)
    assert card.state_label.text() == "Pending"
    assert card.version_label.text() == "For strategy version 1"
    assert card.progress_label.text() == "1 of 2 approvals"
    assert "Ana Alves approved at" in card.voters_label.text()
    assert "Clear and on brand" in card.voters_label.text()
    approve = card.buttons[next(iter(card.buttons))]
    assert not approve.isEnabled()
    assert approve.toolTip() == "Already voted"

    ana.session.start()
    await ana.session.following()
    bea = await build(core, campaign_id, BEA)
    bea_card = bea.card(STRATEGY)
    assert not bea_card.quorum_spin.isEnabled()
    qtbot.mouseClick(bea_card.buttons[next(iter(bea_card.buttons))], LEFT)
    await _submit(qtbot, bea, _dialog(bea_card), signal_future)
    assert bea_card.state_label.text() == "Approved"
    assert await _state(core, campaign_id, STRATEGY) is ApprovalState.APPROVED
    # Cast in the other panel: seen in Ana's through the change feed.
    await until(lambda: card.state_label.text() == "Approved")
    assert card.progress_label.text() == "2 of 2 approvals"
    assert "Bea Berg approved at" in card.voters_label.text()
    assert ana.view_model.timelines[STRATEGY].index(0, 1).data() == "Bea Berg"


async def test_reject_needs_a_reason_then_feedback_is_marked_addressed(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    campaign_id = await _campaign(core)
    shown = await build(core, campaign_id)
    card = shown.card(STRATEGY)
    reject, address = list(card.buttons.values())[1:]
    assert not address.isEnabled()
    assert address.toolTip() == "Only rejected feedback can be marked as addressed"
    qtbot.mouseClick(reject, LEFT)
    dialog = _dialog(card)
    assert not dialog.ok_button.isEnabled()
    assert dialog.hint.isVisible()
    assert "reason is required" in dialog.hint.text()
    qtbot.keyClicks(dialog.text_edit, "   ")
    assert not dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.cancel_button, LEFT)
    assert await _state(core, campaign_id, STRATEGY) is ApprovalState.PENDING

    qtbot.mouseClick(reject, LEFT)
    dialog = _dialog(card)
    qtbot.keyClicks(dialog.text_edit, "Audience too broad")
    assert dialog.ok_button.isEnabled()
    assert not dialog.hint.isVisible()
    loaded = signal_future(shown.view_model.approvals_loaded)
    qtbot.mouseClick(dialog.ok_button, LEFT)
    # Under way: no second click acts twice.
    assert not reject.isEnabled()
    assert reject.toolTip() == "Saving the last change…"
    await loaded
    assert await _state(core, campaign_id, STRATEGY) is ApprovalState.REJECTED
    assert card.state_label.text() == "Rejected"
    timeline = shown.view_model.timelines[STRATEGY]
    assert timeline.index(0, 2).data() == "Rejected: pending → rejected"
    assert timeline.index(0, 3).data() == "v1"
    assert timeline.index(0, 4).data() == "Audience too broad"
    assert not reject.isEnabled()
    assert reject.toolTip() == "A rejected scope must first be marked as addressed"

    assert address.isEnabled()
    qtbot.mouseClick(address, LEFT)
    dialog = _dialog(card)
    assert not dialog.ok_button.isEnabled()
    assert "note" in dialog.hint.text()
    qtbot.keyClicks(dialog.text_edit, "Narrowed to commuters")
    await _submit(qtbot, shown, dialog, signal_future)
    assert await _state(core, campaign_id, STRATEGY) is ApprovalState.NEEDS_REVIEW
    assert card.state_label.text() == "Needs review"
    assert timeline.index(0, 2).data() == "Feedback addressed: rejected → needs review"
    assert timeline.index(1, 4).data() == "Audience too broad"  # newest first


async def test_content_waits_for_the_strategy(build: Any, core: Core) -> None:
    shown = await build(core, await _campaign(core))
    card = shown.card(CONTENT)
    approve, reject, _address = card.buttons.values()
    assert card.why_label.isVisible()
    assert card.why_label.text() == "Content waits for the strategy approval"
    assert not approve.isEnabled()
    assert approve.toolTip() == "Content waits for the strategy approval"
    assert reject.isEnabled()
    assert not shown.card(STRATEGY).why_label.isVisible()


async def test_without_a_strategy_nothing_can_be_voted_until_one_is_written(
    build: Any, core: Core
) -> None:
    campaign = await core.campaigns.create_campaign(ANA, "Autumn", channels=("instagram",))
    shown = await build(core, campaign.id)
    shown.session.start()
    await shown.session.following()
    card = shown.card(STRATEGY)
    approve, reject, _address = card.buttons.values()
    reason = "Nothing to review yet: the campaign has no strategy"
    assert (approve.isEnabled(), reject.isEnabled()) == (False, False)
    assert (approve.toolTip(), card.why_label.text()) == (reason, reason)
    # Written elsewhere: the change feed brings it, and the strategy can be voted on.
    await core.strategies.create_strategy(ANA, campaign.id, FULL_DRAFT)
    await until(approve.isEnabled)
    assert reject.isEnabled()


async def test_a_viewer_sees_every_control_disabled_with_the_reason(build: Any, core: Core) -> None:
    campaign_id = await _campaign(core)
    await core.workspaces.add_member(ANA, "vic", [Role.VIEWER])
    shown = await build(core, campaign_id, VIC)
    card = shown.card(STRATEGY)
    approve, reject, address = card.buttons.values()
    for button in (approve, reject):
        assert not button.isEnabled()
        assert button.toolTip() == "You are not an approver in this workspace"
    assert not address.isEnabled()
    assert address.toolTip() == "You are not an editor in this workspace"
    assert card.why_label.text() == "You are not an approver in this workspace"
    assert not card.quorum_spin.isEnabled()
    assert card.quorum_spin.toolTip() == "Only admins set the quorum"


async def test_a_refused_action_is_shown_on_its_card(
    build: Any, core: Core, signal_future: Callable[..., Any]
) -> None:
    shown = await build(core, await _campaign(core))
    refused = signal_future(shown.view_model.action_refused)
    reloaded = signal_future(shown.view_model.approvals_loaded)
    shown.view_model.approve(CONTENT)
    scope, message = await refused
    await reloaded
    assert scope == "content"
    assert message.startswith("Refused:")
    card = shown.card(CONTENT)
    assert card.message.isVisible()
    assert card.message.text() == message
    assert not shown.card(STRATEGY).message.isVisible()


async def test_the_cascade_after_a_strategy_update_is_seen_live(build: Any, core: Core) -> None:
    campaign_id = await _campaign(core)
    await core.approvals.approve(ANA, campaign_id, STRATEGY)
    await core.approvals.approve(ANA, campaign_id, CONTENT)
    shown = await build(core, campaign_id)
    content = shown.card(CONTENT)
    assert content.state_label.text() == "Approved"
    shown.session.start()
    await shown.session.following()
    await core.strategies.update_strategy(ANA, campaign_id, {**FULL_DRAFT, "tone": "Calm"})
    await until(lambda: content.state_label.text() == "Needs review")
    assert content.version_label.text() == "For strategy version 2"
    assert content.progress_label.text() == "0 of 1 approval"
    change = shown.view_model.timelines[CONTENT].index(0, 2).data()
    assert change.startswith("Needs review for strategy version 2")
    assert shown.card(STRATEGY).state_label.text() == "Pending"
    assert content.why_label.text() == "Content waits for the strategy approval"


async def test_a_change_under_an_open_dialog_warns_instead_of_submitting(
    build: Any, core: Core, qtbot: QtBot
) -> None:
    campaign_id = await _campaign(core)
    shown = await build(core, campaign_id)
    card = shown.card(STRATEGY)
    shown.session.start()
    await shown.session.following()
    qtbot.mouseClick(list(card.buttons.values())[1], LEFT)
    dialog = _dialog(card)
    qtbot.keyClicks(dialog.text_edit, "Not yet")
    assert dialog.ok_button.isEnabled()
    await core.approvals.approve(BEA, campaign_id, STRATEGY, comment="Fine by me")
    await until(lambda: dialog.stale)
    assert dialog.stale_message.isVisible()
    assert dialog.stale_message.text().startswith(
        "This approval changed while you were writing: Bea Berg: Approve vote"
    )
    assert not dialog.ok_button.isEnabled()
    assert dialog.cancel_button.text() == "Close"
    dialog.accept()  # Enter on a stale dialog submits nothing
    assert dialog.isVisible()
    qtbot.mouseClick(dialog.cancel_button, LEFT)
    assert not dialog.isVisible()
    assert await _state(core, campaign_id, STRATEGY) is ApprovalState.APPROVED


async def test_the_timeline_model_passes_the_model_tester(
    build: Any, core: Core, qtmodeltester: Any
) -> None:
    campaign_id = await _campaign(core)
    await core.approvals.reject(ANA, campaign_id, STRATEGY, reason="Too vague")
    shown = await build(core, campaign_id)
    model = shown.view_model.timelines[STRATEGY]
    assert model.columnCount() == len(TIMELINE_COLUMNS)
    assert model.rowCount() >= 1
    qtmodeltester.check(model)


async def test_a_failed_read_is_shown_in_plain_words(
    build: Any, core: Core, signal_future: Callable[..., Any]
) -> None:
    shown = await build(core, None)
    failed = signal_future(shown.view_model.error_raised)
    shown.view_model.set_campaign("no-such-campaign")
    (message,) = await failed
    assert shown.panel.message.isVisible()
    assert shown.panel.message.text() == message
    assert "not found" in message


async def test_another_campaign_empties_the_cards_until_read(
    build: Any, core: Core, signal_future: Callable[..., Any]
) -> None:
    first = await _campaign(core)
    await core.approvals.approve(ANA, first, STRATEGY)
    second = await core.campaigns.create_campaign(ANA, "Autumn", channels=("instagram",))
    shown = await build(core, first)
    card = shown.card(STRATEGY)
    assert card.state_label.text() == "Approved"
    loaded = signal_future(shown.view_model.approvals_loaded)
    shown.view_model.set_campaign(second.id)
    assert card.state_label.text() == ""
    assert not card.buttons[next(iter(card.buttons))].isEnabled()
    await loaded
    assert card.state_label.text() == "Pending"
    assert "Autumn" in shown.panel.title.text()


async def test_a_vote_at_another_core_on_the_same_file_is_seen_live(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    """Two cores on one SQLite file, as two app processes on one machine: Bea votes on her
    panel over the second core; Ana's panel over the first shows it through the change feed."""
    campaign_id = await _campaign(core)
    ana = await build(core, campaign_id)
    ana.session.start()
    await ana.session.following()
    settings = AppSettings(data_dir=core.settings.data_dir, render_worker=False)
    async with open_core(settings) as other:
        bea = await build(other, campaign_id, BEA)
        bea_card = bea.card(STRATEGY)
        qtbot.mouseClick(bea_card.buttons[next(iter(bea_card.buttons))], LEFT)
        await _submit(qtbot, bea, _dialog(bea_card), signal_future)
        assert bea_card.state_label.text() == "Approved"
        card = ana.card(STRATEGY)
        await until(lambda: card.state_label.text() == "Approved")
        assert "Bea Berg approved at" in card.voters_label.text()
        await until(lambda: not bea.view_model.busy)
