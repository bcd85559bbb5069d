"""The seed's two data flows — campaign creation, strategy update — driven through the main
window with clicks and typing, checked against what the window shows and what the core holds.

Everything inside the flows is clicked and typed, the teammate's votes too: Bea approves at a
window of her own, on its approval panel, as at another workstation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.bootstrap import Core
from app.domain import Actor, ApprovalScope, CampaignStatus, RenderStatus, Role
from tests.ui.conftest import ANA
from tests.ui.test_main_window import buttons, opened, settled, until
from tests.ui.test_overview import _texts as overview_texts
from ui.main_window import MainWindow
from ui.viewmodels.content import (
    CreativeRole,
    JobStatusRole,
    ProgressRole,
    StaleRole,
    ThumbnailRole,
)
from ui.viewmodels.navigation import CAMPAIGN_TABS
from ui.views.ads_tab import AdsTab
from ui.views.content_tab import ContentTab
from ui.views.creative_dialog import CreativeDialog
from ui.views.new_campaign_dialog import COMMON_CHANNELS, NewCampaignDialog
from ui.views.overview_tab import OverviewTab
from ui.views.post_dialog import PostDialog
from ui.views.schedule_tab import ScheduleTab
from ui.views.strategy_tab import StrategyTab

pytestmark = pytest.mark.timeout(180)

BEA = Actor(tenant_id="acme", user_id="bea", roles={Role.APPROVER})
RENDERS = 60.0


# -- driving the window ---------------------------------------------------------------------


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isVisible(), button.text()
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


async def approve_as_teammate(
    qtbot: QtBot, core: Core, campaign_id: str, scope: ApprovalScope, comment: str = ""
) -> None:
    """Bea opens the campaign's approval panel in her own window and clicks Approve on the
    scope's card (a comment typed if given)."""
    async with opened(core, BEA) as bea:
        bea.open_campaign(campaign_id)
        bea.show_panel("approvals")
        name = f"{scope.value.capitalize()} approval"
        (card,) = [w for w in bea.findChildren(QWidget) if w.accessibleName() == name]
        (approve,) = buttons(card, "Approve")
        await until(approve.isEnabled)
        click(qtbot, approve)
        dialog = card.dialog
        assert dialog is not None
        if comment:
            qtbot.keyClicks(dialog.text_edit, comment)
        click(qtbot, dialog.ok_button)
        await until(lambda: card.state_label.text() == "Approved")
        await settled(bea)


def tick(qtbot: QtBot, box: QAbstractButton) -> None:
    """Tick a check box from the keyboard (a click's position depends on the box's width)."""
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)


def lines(qtbot: QtBot, edit: QPlainTextEdit, *typed: str) -> None:
    for number, line in enumerate(typed):
        if number:
            qtbot.keyClick(edit, Qt.Key.Key_Return)
        qtbot.keyClicks(edit, line)


def open_tab(qtbot: QtBot, window: MainWindow, name: str) -> Any:
    """Click tab ``name`` of the campaign panel; its widget."""
    tabs = window.campaign_panel.tabs
    index = CAMPAIGN_TABS.index(name)
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert window.campaign_panel.current_tab == name
    return tabs.widget(index)


def visible_dialog(parent: QWidget, kind: type) -> Any:
    found = [dialog for dialog in parent.findChildren(kind) if dialog.isVisible()]
    assert len(found) == 1, found
    return found[0]


def new_post(qtbot: QtBot, tab: ScheduleTab) -> PostDialog:
    """Click the Schedule tab's New post; the dialog it opened."""
    click(qtbot, tab.new_button)
    dialog = tab.post_dialog
    assert dialog is not None
    assert dialog.isVisible()
    return dialog


def click_card(qtbot: QtBot, tab: ContentTab, creative_id: str) -> None:
    row = tab.view_model.model.row_of(creative_id)
    assert row is not None
    view = tab.card_view
    index = tab.view_model.model.index(row)
    view.scrollTo(index)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    assert [c.id for c in tab.selected_creatives()] == [creative_id]


def card(tab: ContentTab, creative_id: str, role: int) -> Any:
    model = tab.view_model.model
    row = model.row_of(creative_id)
    return None if row is None else model.data(model.index(row), role)


def job_statuses(tab: ContentTab) -> set[str]:
    """The render states the cards show from now on, updated in place or read again."""
    seen: set[str] = set()
    model = tab.view_model.model

    def note(*_args: object) -> None:
        for row in range(model.rowCount()):
            seen.add(str(model.data(model.index(row), JobStatusRole)))

    model.dataChanged.connect(note)
    model.modelReset.connect(note)
    return seen


def rendered(tab: ContentTab, creative_id: str) -> bool:
    """The card shows the finished render: no progress, and its picture."""
    return (
        card(tab, creative_id, JobStatusRole) == RenderStatus.PUBLISHED.value
        and card(tab, creative_id, ProgressRole) is None
        and card(tab, creative_id, ThumbnailRole) is not None  # asking reads it lazily
    )


async def shows_evaluation(core: Core, tab: OverviewTab, campaign_id: str) -> list[str]:
    """Wait until the Overview shows the engine's current verdict; the texts it shows."""
    expected = await core.prompting.evaluate(ANA, campaign_id)

    def current() -> bool:
        texts = overview_texts(tab)
        return (
            texts[0] == f"{expected.score} / 100"
            and all(part.detail in texts for part in expected.parts)
            and all(
                blocker.message[:1].upper() + blocker.message[1:] in texts
                for blocker in expected.blockers
            )
        )

    await until(current, 30)
    texts = overview_texts(tab)
    assert len(tab.recommendation_buttons) == len(expected.recommendations)
    for recommendation in expected.recommendations:
        assert any(recommendation.action in text for text in texts), recommendation.action
    return texts


# -- flow 1: campaign creation -----------------------------------------------------------


async def test_campaign_creation_through_the_window(
    core: Core, qtbot: QtBot, signal_future: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened_urls: list[str] = []  # the platform's file manager, at the boundary
    monkeypatch.setattr(
        QDesktopServices, "openUrl", lambda url: opened_urls.append(url.toLocalFile()) or True
    )
    await core.workspaces.add_member(ANA, "bea", [Role.APPROVER])
    async with opened(core) as window:
        # New campaign: the sidebar's button, the dialog typed in and ticked.
        click(qtbot, buttons(window.sidebar, "New campaign")[0])
        dialog = visible_dialog(window, NewCampaignDialog)
        qtbot.keyClicks(dialog.name_edit, "Spring Launch")
        qtbot.keyClicks(dialog.description_edit, "Launch of the commuter bike subscription")
        for channel in ("instagram", "linkedin"):
            tick(qtbot, dialog.channel_boxes[COMMON_CHANNELS.index(channel)])
        tick(qtbot, dialog.window_box)  # the window's default dates: in a week, for 30 days
        dialog.time_zone_box.lineEdit().selectAll()
        qtbot.keyClicks(dialog.time_zone_box.lineEdit(), "Europe/Berlin")
        finished = asyncio.get_running_loop().create_future()
        dialog.finished.connect(lambda result: finished.done() or finished.set_result(result))
        click(qtbot, dialog.ok_button)
        assert await finished == QDialog.DialogCode.Accepted
        (campaign,) = await core.campaigns.list_campaigns(ANA)
        assert (campaign.name, campaign.description) == (
            "Spring Launch",
            "Launch of the commuter bike subscription",
        )
        assert campaign.channels == ("instagram", "linkedin")
        assert campaign.time_zone == "Europe/Berlin"
        assert campaign.start == date.today() + timedelta(days=7)
        assert campaign.end == date.today() + timedelta(days=37)
        await until(lambda: window.campaign_panel.campaign_id == campaign.id)
        await until(lambda: window.sidebar.selected_campaign_id == campaign.id)
        # Publish waits: its tooltip lists the core's blockers (no strategy yet, …).
        await until(lambda: window.publisher.blockers is not None)
        assert not window.publish_action.isEnabled()
        blockers = (await core.prompting.evaluate(ANA, campaign.id)).blockers
        assert "the campaign has no strategy yet" in window.publish_action.toolTip()
        assert all(b.message in window.publish_action.toolTip() for b in blockers)

        # Strategy: typed into the form, Save strategy.
        strategy_tab: StrategyTab = open_tab(qtbot, window, "strategy")
        await until(lambda: window.strategy.loaded_campaign == campaign.id)
        form = strategy_tab.form
        qtbot.keyClicks(form.objective_edit, "Grow trial sign-ups by 20 % this spring")
        qtbot.keyClicks(form.audience_edit, "Urban professionals who cycle to work")
        lines(qtbot, form.messages_edit, "Skip the traffic", "Service included")
        lines(qtbot, form.channels_edit, "instagram", "linkedin")
        qtbot.keyClicks(form.tone_edit, "Upbeat, practical")
        form.amount_spin.lineEdit().selectAll()
        qtbot.keyClicks(form.amount_spin, "12000")
        lines(qtbot, form.kpis_edit, "trial sign-ups", "cost per sign-up")
        qtbot.keyClicks(form.cta_edit, "Start your free 30-day trial")
        assert strategy_tab.completion_label.text() == "100 % — complete"
        saved = signal_future(window.strategy.strategy_saved)
        click(qtbot, strategy_tab.save_button)
        (strategy,) = await saved
        assert strategy.version == 1
        assert strategy.draft.key_messages == ("Skip the traffic", "Service included")
        assert strategy.completion.percent == 100
        assert strategy_tab.message.text() == "Saved as version 1."

        # Overview: the score and the recommendations, the engine's.
        overview_tab: OverviewTab = open_tab(qtbot, window, "overview")
        texts = await shows_evaluation(core, overview_tab, campaign.id)
        assert texts[0] != "0 / 100"
        assert overview_tab.recommendation_buttons

        # Content: a text creative through its dialog.
        content_tab: ContentTab = open_tab(qtbot, window, "content")
        click(qtbot, content_tab.new_text_button)
        creative_dialog = visible_dialog(content_tab, CreativeDialog)
        qtbot.keyClicks(creative_dialog.title_edit, "Launch post")
        qtbot.keyClicks(
            creative_dialog.body_edit, "Skip the traffic this spring. Start your free trial."
        )
        click(qtbot, creative_dialog.ok_button)
        model = content_tab.view_model.model
        await until(lambda: model.rowCount() == 1)
        (copy,) = await core.creatives.list_creatives(ANA, campaign.id)
        assert (copy.title, copy.kind.value) == ("Launch post", "text")
        assert copy.asset_ids  # the copy is stored in the library

        # A teammate approves the strategy on the approval panel of her own window.
        await approve_as_teammate(qtbot, core, campaign.id, ApprovalScope.STRATEGY, "Clear")

        # Content: an image rendered by the local provider; the card shows it when done.
        click(qtbot, content_tab.new_media_button)
        media_dialog = visible_dialog(content_tab, CreativeDialog)
        qtbot.keyClicks(media_dialog.title_edit, "Hero visual")
        qtbot.keyClicks(media_dialog.prompt_edit, "A commuter on a city bike passing a jam")
        assert media_dialog.kind_box.currentText() == "image"
        assert media_dialog.provider_box.findText("local-image") >= 0
        media_dialog.provider_box.setFocus()
        qtbot.keyClicks(media_dialog.provider_box, "local-image")
        assert media_dialog.provider_box.currentText() == "local-image"
        statuses = job_statuses(content_tab)
        click(qtbot, media_dialog.ok_button)
        await until(lambda: model.rowCount() == 2)
        hero = model.creative(1)
        assert (hero.title, hero.kind.value, hero.provider) == (
            "Hero visual",
            "image",
            "local-image",
        )
        await until(lambda: rendered(content_tab, hero.id), RENDERS)
        assert statuses & {"queued", "running"}  # the card showed the render under way
        hero = await core.creatives.get_creative(ANA, hero.id)
        assert hero.asset_ids == (hero.outputs[-1].asset_id,)
        assert not card(content_tab, hero.id, StaleRole)

        await approve_as_teammate(qtbot, core, campaign.id, ApprovalScope.CONTENT)

        # Schedule: a post of the copy through the New post dialog.
        schedule_tab: ScheduleTab = open_tab(qtbot, window, "schedule")
        await until(lambda: len(window.schedule.creatives) == 2)
        post_dialog = new_post(qtbot, schedule_tab)
        assert "Europe/Berlin" in post_dialog.zone_label.text()
        assert post_dialog.creative_box.currentText() == "Launch post"
        post_dialog.channel_box.setFocus()
        qtbot.keyClicks(post_dialog.channel_box, "linkedin")
        at = post_dialog.moment()  # the editor starts on the campaign's first day, 09:00
        saved_post = signal_future(window.schedule.post_saved)
        click(qtbot, post_dialog.ok_button)
        await saved_post
        (post,) = await core.campaigns.list_posts(ANA, campaign.id)
        assert (post.creative_id, post.channel) == (copy.id, "linkedin")
        assert post.at.replace(tzinfo=None) == at
        assert campaign.start is not None
        assert at.date() == campaign.start
        await until(lambda: window.schedule.posts.rowCount() == 1)

        await approve_as_teammate(qtbot, core, campaign.id, ApprovalScope.SCHEDULE)

        # Ads: a retargeting plan showing the copy, through New ad plan.
        ads_tab: AdsTab = open_tab(qtbot, window, "ads")
        await until(lambda: len(window.ads.creatives) == 2)
        click(qtbot, ads_tab.new_button)
        plan_dialog = ads_tab.plan_dialog
        assert plan_dialog is not None
        assert plan_dialog.isVisible()
        qtbot.keyClicks(plan_dialog.name_edit, "Commuter retargeting")
        plan_dialog.channel_box.setFocus()
        qtbot.keyClicks(plan_dialog.channel_box, "instagram")
        plan_dialog.amount_spin.lineEdit().selectAll()
        qtbot.keyClicks(plan_dialog.amount_spin, "4000")
        qtbot.keyClicks(plan_dialog.audience_edit, "Site visitors, 30 days")
        creatives = plan_dialog.creative_list
        assert creatives.item(0).text().startswith("Launch post")
        creatives.setFocus()
        creatives.setCurrentRow(0)
        qtbot.keyClick(creatives, Qt.Key.Key_Space)  # ticks the copy
        assert creatives.item(0).checkState() is Qt.CheckState.Checked
        saved_plan = signal_future(window.ads.plan_saved)
        click(qtbot, plan_dialog.ok_button)
        await saved_plan
        (plan,) = await core.campaigns.list_ad_plans(ANA, campaign.id)
        assert (plan.name, plan.channel, plan.audience) == (
            "Commuter retargeting",
            "instagram",
            "Site visitors, 30 days",
        )
        assert (plan.budget.amount, plan.budget.currency) == (4000, "EUR")
        assert plan.creative_ids == (copy.id,)
        assert (plan.start, plan.end) == (None, None)  # the campaign's own window
        await until(lambda: window.ads.plans.rowCount() == 1)

        await approve_as_teammate(qtbot, core, campaign.id, ApprovalScope.ADS)

        # Overview: nothing blocks publishing, as the engine and the campaign's status say.
        open_tab(qtbot, window, "overview")
        texts = await shows_evaluation(core, overview_tab, campaign.id)
        assert "Nothing blocks publishing." in texts
        assert overview_tab.blocker_buttons == []
        assert (await core.prompting.evaluate(ANA, campaign.id)).blockers == []
        assert (await core.campaigns.get_campaign(ANA, campaign.id)).status is (
            CampaignStatus.READY
        )
        await until(lambda: window.campaign_panel.status.text().startswith("Status: ready"))
        # Publish in the toolbar: enabled now; a click writes the bundle and offers its folder.
        await until(window.publish_action.isEnabled)
        assert "Publish the campaign" in window.publish_action.toolTip()
        publish_button = window.toolbar.widgetForAction(window.publish_action)
        assert isinstance(publish_button, QAbstractButton)
        assert publish_button.text() == "Publish"
        click(qtbot, publish_button)
        await until(lambda: window.publish_action.result_box is not None)
        published = await core.campaigns.get_campaign(ANA, campaign.id)
        assert published.status is CampaignStatus.PUBLISHED
        assert published.published_strategy_version == 1
        bundle = Path(published.bundle_path or "")
        assert (bundle / "manifest.json").is_file()
        box = window.publish_action.result_box
        assert box is not None
        assert str(bundle) in box.text()
        (folder_button,) = [b for b in box.buttons() if b.text() == "Open bundle folder"]
        click(qtbot, folder_button)
        assert opened_urls == [str(bundle)]
        toast = window.notifier.toast  # the notification (no system tray offscreen)
        await until(lambda: toast.title.text() == "Spring Launch is published")
        await until(lambda: window.campaign_panel.status.text().startswith("Status: published"))
        # The Overview lists the publication: version, time, who, and its folder.
        await until(
            lambda: any(t.startswith("Strategy version 1, ") for t in overview_texts(overview_tab))
        )
        await settled(window)


# -- flow 2: strategy update -------------------------------------------------------------

DRAFT = {
    "objective": "Grow trial sign-ups by 20 %",
    "target_audience": "Urban professionals who cycle to work",
    "key_messages": ["Skip the traffic", "Service included"],
    "channels": ["instagram"],
    "tone": "Upbeat",
    "budget": {"amount": 12000, "currency": "EUR"},
    "kpis": ["trial sign-ups"],
    "call_to_action": "Start your free trial",
}


async def _approved_content(core: Core) -> tuple[str, str, str]:
    """Set up through the core: a campaign whose strategy v1 and content are approved, with a
    post of its copy and a rendered image; its id, the copy's and the image's."""
    await core.workspaces.add_member(ANA, "bea", [Role.APPROVER])
    start = date.today() + timedelta(days=7)
    campaign = await core.campaigns.create_campaign(
        ANA, "Spring Launch", channels=("instagram",), start=start, end=start + timedelta(days=27)
    )
    await core.strategies.create_strategy(ANA, campaign.id, DRAFT)
    copy = await core.creatives.create_text_creative(
        ANA, campaign.id, title="Launch post", channel="instagram", body="Skip the traffic."
    )
    hero = await core.creatives.create_media_creative(
        ANA, campaign.id, kind="image", title="Hero visual", prompt="A bike at sunrise"
    )
    job = await core.renderer.wait_for(ANA, str(hero.render_job_id), timeout=RENDERS)
    assert job.status is RenderStatus.PUBLISHED, job.error
    await core.campaigns.schedule_post(
        ANA,
        campaign.id,
        creative_id=copy.id,
        channel="instagram",
        at=datetime.combine(start, time(9, 30), tzinfo=ZoneInfo(campaign.time_zone)),
    )
    await core.approvals.approve(BEA, campaign.id, ApprovalScope.STRATEGY)
    await core.approvals.approve(BEA, campaign.id, ApprovalScope.CONTENT)
    return campaign.id, copy.id, hero.id


async def test_strategy_update_through_the_window(
    core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    campaign_id, copy_id, hero_id = await _approved_content(core)
    async with opened(core) as window:
        window.open_campaign(campaign_id)

        # Strategy: a field changed, Save as new version, the cascade confirmed.
        strategy_tab: StrategyTab = open_tab(qtbot, window, "strategy")
        form = strategy_tab.form
        await until(lambda: form.tone_edit.text() == "Upbeat")
        assert strategy_tab.save_button.text() == "Save as new version"
        assert not strategy_tab.save_button.isEnabled()  # nothing changed yet
        qtbot.keyClick(form.messages_edit, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(form.messages_edit, Qt.Key.Key_Return)
        qtbot.keyClicks(form.messages_edit, "Cancel any month")
        preview = signal_future(window.strategy.preview_ready)
        click(qtbot, strategy_tab.save_button)
        await preview
        confirm = strategy_tab.confirm_dialog
        assert confirm is not None
        assert confirm.isVisible()
        assert confirm.details.text().splitlines() == [
            "Strategy approval: approved → pending",
            "Content approval: approved → needs review",
            "Schedule approval: pending → needs review",
            "Ads approval: pending → needs review",
        ]
        assert confirm.summary.text().endswith("; 2 creatives become stale.")
        assert len(await core.strategies.history(ANA, campaign_id)) == 1  # nothing saved yet
        saved = signal_future(window.strategy.strategy_saved)
        click(qtbot, confirm.ok_button)
        (v2,) = await saved
        assert v2.version == 2
        assert v2.draft.key_messages == ("Skip the traffic", "Service included", "Cancel any month")
        history = await core.strategies.history(ANA, campaign_id)
        assert [(s.version, s.status.value) for s in history] == [
            (1, "invalidated"),
            (2, "active"),
        ]
        versions = window.strategy.versions
        await until(lambda: versions.rowCount() == 2)
        assert [(versions.index(r, 0).data(), versions.index(r, 1).data()) for r in (0, 1)] == [
            ("Version 2", "active"),
            ("Version 1", "invalidated"),
        ]
        assert strategy_tab.message.text() == "Saved as version 2."
        assert not form.dirty
        assert not strategy_tab.save_button.isEnabled()  # until the next edit

        # Overview: the approvals the cascade re-requested block publishing.
        overview_tab: OverviewTab = open_tab(qtbot, window, "overview")
        texts = await shows_evaluation(core, overview_tab, campaign_id)
        approvals = await core.approvals.get_approvals(ANA, campaign_id)
        assert approvals[ApprovalScope.STRATEGY].state.value == "pending"
        assert approvals[ApprovalScope.CONTENT].state.value == "needs_review"
        evaluation = await core.prompting.evaluate(ANA, campaign_id)
        codes = {blocker.code for blocker in evaluation.blockers}
        assert {"strategy_not_approved", "content_not_approved", "stale_creative"} <= codes
        assert any(text.startswith("The content approval") for text in texts)
        assert "0 of 4 approved" in texts

        # Schedule: a new post would offer the old copy marked stale; cancelled, nothing is made.
        schedule_tab: ScheduleTab = open_tab(qtbot, window, "schedule")
        await until(lambda: [c.stale for c in window.schedule.creatives] == [True, True])
        post_dialog = new_post(qtbot, schedule_tab)
        offered = [post_dialog.creative_box.itemText(i) for i in range(2)]
        assert offered == ["Launch post (stale)", "Hero visual (stale)"]
        click(qtbot, post_dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel))
        assert not post_dialog.isVisible()
        assert len(await core.campaigns.list_posts(ANA, campaign_id)) == 1

        # Content: the old creatives carry stale badges; Regenerate (nothing selected) renders
        # the stale image again, and its badge goes once the render is in.
        # The Overview's recommendation leads there, to the stale render.
        open_tab(qtbot, window, "overview")
        actions = [rec.action for rec in evaluation.recommendations]
        assert "Rewrite 1 stale text" in actions
        regenerate = actions.index("Regenerate 1 stale render")
        click(qtbot, overview_tab.recommendation_buttons[regenerate])
        assert window.campaign_panel.current_tab == "content"
        content_tab: ContentTab = window.campaign_panel.tabs.widget(CAMPAIGN_TABS.index("content"))
        await until(
            lambda: card(content_tab, copy_id, StaleRole) and card(content_tab, hero_id, StaleRole)
        )
        await until(lambda: [c.id for c in content_tab.selected_creatives()] == [hero_id])
        described = card(content_tab, hero_id, Qt.ItemDataRole.AccessibleTextRole)
        assert described == "Hero visual, image, stale"
        # A click beside the cards clears the selection: Regenerate then means every stale one.
        viewport = content_tab.card_view.viewport()
        corner = viewport.rect().bottomRight() - QPoint(5, 5)
        assert not content_tab.card_view.indexAt(corner).isValid()
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=corner)
        assert content_tab.selected_creatives() == []
        assert "every stale" in content_tab.regenerate_button.toolTip()
        regenerated = signal_future(window.content.regenerated)
        statuses = job_statuses(content_tab)
        click(qtbot, content_tab.regenerate_button)
        (jobs,) = await regenerated
        assert [job.creative_id for job in jobs] == [hero_id]
        await until(
            lambda: not card(content_tab, hero_id, StaleRole) and rendered(content_tab, hero_id),
            RENDERS,
        )
        assert statuses & {"queued", "running"}
        hero = await core.creatives.get_creative(ANA, hero_id)
        assert [output.strategy_version for output in hero.outputs] == [1, 2]
        assert not hero.stale
        shown = card(content_tab, hero_id, CreativeRole)
        assert shown.asset_ids == (hero.outputs[-1].asset_id,)  # the card pictures v2's output
        # Copy is rewritten rather than rendered: Edit on its card, and its badge goes too.
        assert card(content_tab, copy_id, StaleRole)
        click_card(qtbot, content_tab, copy_id)
        click(qtbot, content_tab.edit_button)
        edit = visible_dialog(content_tab, CreativeDialog)
        qtbot.keyClick(edit.body_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(edit.body_edit, "Skip the traffic. Cancel any month.")
        click(qtbot, edit.ok_button)
        await until(lambda: not card(content_tab, copy_id, StaleRole))
        copy = await core.creatives.get_creative(ANA, copy_id)
        assert (copy.body, copy.strategy_version, copy.stale) == (
            "Skip the traffic. Cancel any month.",
            2,
            False,
        )

        # Overview: only the re-requested approvals are left to block publishing.
        open_tab(qtbot, window, "overview")
        texts = await shows_evaluation(core, overview_tab, campaign_id)
        evaluation = await core.prompting.evaluate(ANA, campaign_id)
        assert {blocker.code for blocker in evaluation.blockers} == {
            f"{scope.value}_not_approved" for scope in ApprovalScope
        }
        assert len(overview_tab.blocker_buttons) == 4
        await settled(window)
