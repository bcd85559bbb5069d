"""A viewer sees the campaign but no enabled control that would change it, each saying why."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton
from pytestqt.qtbot import QtBot

from app.bootstrap import Core
from app.domain import Actor, Role
from tests.ui.conftest import ANA
from tests.ui.test_main_window import opened, settled
from tests.ui.test_overview import FULL_DRAFT
from ui.viewmodels.navigation import CAMPAIGN_TABS
from ui.views.schedule_tab import ScheduleTab
from ui.widgets.permission import VIEWERS_CANNOT_EDIT

pytestmark = pytest.mark.timeout(60)

VIC = Actor(tenant_id="acme", user_id="vic", roles={Role.VIEWER})
EDITING = {
    "strategy": ["Save as new version"],
    "content": ["New text", "New image/video", "Edit", "Delete", "Regenerate", "Attach asset…"],
    "schedule": ["New post", "Move…", "Delete"],
    "ads": ["New ad plan", "Edit", "Delete"],
}


async def test_a_viewer_sees_every_edit_control_disabled_with_the_reason(core: Core) -> None:
    await core.workspaces.add_member(ANA, "vic", [Role.VIEWER])
    spring = await core.campaigns.create_campaign(ANA, "Spring Launch", channels=["instagram"])
    await core.strategies.create_strategy(ANA, spring.id, FULL_DRAFT)
    await core.creatives.create_text_creative(ANA, spring.id, title="Teaser", body="Soon.")
    async with opened(core, VIC) as window:
        window.open_campaign(spring.id)
        for tab in CAMPAIGN_TABS:
            window.campaign_panel.show_tab(tab)
            await settled(window)
            page = window.campaign_panel.tabs.currentWidget()
            shown = {
                button.text(): button
                for button in page.findChildren(QAbstractButton)
                if button.text() in EDITING.get(tab, [])
            }
            assert sorted(shown) == sorted(set(EDITING.get(tab, [])))
            for text, button in shown.items():
                assert not button.isEnabled(), (tab, text)
                assert button.toolTip() == VIEWERS_CANNOT_EDIT, (tab, text)
        assert not window.sidebar.new_button.isEnabled()
        assert window.sidebar.new_button.toolTip() == VIEWERS_CANNOT_EDIT
        assert not window.new_action.isEnabled()
        assert not window.publish_action.isEnabled()
        assert window.publish_action.toolTip() == VIEWERS_CANNOT_EDIT
        assert window.campaign_panel.title.text() == "Spring Launch"  # reading is fine


async def test_an_editor_keeps_the_controls(core: Core) -> None:
    spring = await core.campaigns.create_campaign(ANA, "Spring Launch", channels=["instagram"])
    async with opened(core) as window:
        window.open_campaign(spring.id)
        window.campaign_panel.show_tab("content")
        await settled(window)
        page = window.campaign_panel.tabs.currentWidget()
        (new_text,) = [b for b in page.findChildren(QAbstractButton) if b.text() == "New text"]
        assert new_text.isEnabled()
        assert new_text.toolTip() != VIEWERS_CANNOT_EDIT
        assert window.sidebar.new_button.isEnabled()


async def test_a_viewer_cannot_drag_a_post_to_another_day(core: Core, qtbot: QtBot) -> None:
    await core.workspaces.add_member(ANA, "vic", [Role.VIEWER])
    start = date.today() + timedelta(days=1)
    spring = await core.campaigns.create_campaign(
        ANA, "Spring Launch", channels=["instagram"], start=start, end=start + timedelta(days=20)
    )
    await core.strategies.create_strategy(ANA, spring.id, FULL_DRAFT)
    teaser = await core.creatives.create_text_creative(ANA, spring.id, title="Teaser", body="!")
    at = datetime.combine(start, time(9), tzinfo=UTC)
    post = await core.campaigns.schedule_post(
        ANA, spring.id, creative_id=teaser.id, channel="instagram", at=at
    )
    for actor, movable in ((VIC, False), (ANA, True)):
        async with opened(core, actor) as window:
            window.open_campaign(spring.id)
            window.campaign_panel.show_tab("schedule")
            await settled(window)
            (tab,) = window.findChildren(ScheduleTab)
            chip = tab.calendar.chips[post.id]
            assert chip.movable is movable
            assert (VIEWERS_CANNOT_EDIT in chip.toolTip()) is not movable
            qtbot.mousePress(chip, Qt.MouseButton.LeftButton)
            assert (chip._press is not None) is movable  # where a drag would start from
            qtbot.mouseRelease(chip, Qt.MouseButton.LeftButton)
