"""The main window: the test surface, the sidebar, New campaign, saved layout, live updates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QLabel, QTableView
from pytestqt.qtbot import QtBot

from app.bootstrap import Core
from app.domain import Actor
from tests.ui.conftest import ANA
from tests.ui.test_overview import FULL_DRAFT
from ui.main_window import MainWindow
from ui.viewmodels.navigation import Target
from ui.viewmodels.session import FEED_TASK
from ui.views.members_dialog import MembersDialog
from ui.views.new_campaign_dialog import NewCampaignDialog
from ui.views.settings_dialog import SettingsDialog
from ui.views.welcome_dialog import WelcomeDialog

pytestmark = pytest.mark.timeout(60)


async def until(condition: Callable[[], Any], timeout: float = 10.0) -> None:
    """Wait until ``condition()`` holds, on the running loop (no fixed sleep)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await asyncio.sleep(0.01)


async def settled(window: MainWindow) -> None:
    """Wait until the window has read what it shows. A test that starts loads settles before
    it returns: between a test and its fixtures' teardown pytest-qt processes Qt events while
    the asyncio loop is not running, and a task stepped then has no loop."""
    await until(lambda: window.tasks.running == [FEED_TASK])


@asynccontextmanager
async def opened(core: Core, actor: Actor = ANA) -> AsyncIterator[MainWindow]:
    """A shown window, closed as ``campaign-studio`` closes it: close, then cancel its tasks
    while the loop still runs (not through qtbot.addWidget, whose teardown closes widgets
    after the test's loop has stopped)."""
    shown = MainWindow(core, actor)
    shown.show()
    try:
        await shown.session.following()
        await settled(shown)
        yield shown
    finally:
        shown.close()
        await shown.shutdown()
        shown.deleteLater()
    assert not shown.reporter.errors


@pytest.fixture
async def window(core: Core) -> AsyncIterator[MainWindow]:
    async with opened(core) as shown:
        yield shown


def buttons(widget: Any, text: str) -> list[QAbstractButton]:
    return [
        button
        for button in widget.findChildren(QAbstractButton)
        if button.text().replace("&", "") == text and button.isVisible()
    ]


def campaign_names(window: MainWindow) -> list[str]:
    model = window.sidebar.campaign_list.model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


async def test_open_campaign_and_show_panel(window: MainWindow, core: Core) -> None:
    spring = await core.campaigns.create_campaign(ANA, "Spring Launch")
    await core.campaigns.create_campaign(ANA, "Autumn Sale")
    window.open_campaign(spring.id)
    await until(lambda: window.sidebar.selected_campaign_id == spring.id)
    assert window.current_panel == "campaign"
    assert window.campaign_panel.title.text() == "Spring Launch"
    assert window.monitor.campaign_id == spring.id  # a new render is for it
    for name in ("approvals", "renders", "assets", "campaign"):
        window.show_panel(name)
        assert window.current_panel == name
        assert window.panel_actions[name].isChecked()
    with pytest.raises(ValueError, match="unknown panel 'nope'"):
        window.show_panel("nope")
    await settled(window)


async def test_the_sidebar_lists_searches_and_follows_other_writers(
    window: MainWindow, core: Core, qtbot: QtBot
) -> None:
    await core.campaigns.create_campaign(ANA, "Spring Launch")
    await until(lambda: campaign_names(window) == ["Spring Launch"])
    # Another process or workstation: the change feed brings it in.
    await core.campaigns.create_campaign(ANA, "Autumn Sale")
    await until(lambda: sorted(campaign_names(window)) == ["Autumn Sale", "Spring Launch"])
    qtbot.keyClicks(window.sidebar.search, "autumn")
    assert campaign_names(window) == ["Autumn Sale"]
    window.sidebar.search.clear()
    qtbot.keyClicks(window.sidebar.search, "winter")
    assert campaign_names(window) == []
    assert window.sidebar.empty_label.isVisible()
    assert "No campaign matches" in window.sidebar.empty_label.text()


async def test_new_campaign_through_the_dialog(
    window: MainWindow, core: Core, qtbot: QtBot
) -> None:
    (button,) = buttons(window, "New campaign")[:1]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(NewCampaignDialog)
    assert dialog is not None
    assert dialog.isVisible()
    assert not dialog.ok_button.isEnabled()  # no name yet
    qtbot.keyClicks(dialog.name_edit, "Spring Launch")
    dialog.channel_boxes[0].setChecked(True)  # instagram
    qtbot.keyClicks(dialog.other_channels, "Newsletter")
    dialog.time_zone_box.setCurrentText("Europe/Berlin")
    finished = asyncio.get_running_loop().create_future()
    dialog.finished.connect(lambda result: finished.done() or finished.set_result(result))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert await finished == QDialog.DialogCode.Accepted
    (campaign,) = await core.campaigns.list_campaigns(ANA)
    assert campaign.name == "Spring Launch"
    assert campaign.channels == ("instagram", "newsletter")
    assert campaign.time_zone == "Europe/Berlin"
    await until(lambda: window.sidebar.selected_campaign_id == campaign.id)
    assert window.campaign_panel.campaign_id == campaign.id


async def test_a_refused_campaign_shows_the_reason_next_to_the_field(
    window: MainWindow, core: Core, qtbot: QtBot
) -> None:
    window.new_action.trigger()
    dialog = window.findChild(NewCampaignDialog)
    assert dialog is not None
    qtbot.keyClicks(dialog.name_edit, "Spring Launch")
    dialog.time_zone_box.setCurrentText("Mars/Olympus")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    label = dialog.errors["time_zone"]
    await until(label.isVisible)
    assert label.text().startswith("Unknown time zone 'Mars/Olympus'")
    assert dialog.isVisible()
    assert await core.campaigns.list_campaigns(ANA) == []
    # Cancel closes and creates nothing.
    dialog.buttons.rejected.emit()
    await until(lambda: window.findChild(WelcomeDialog) is None)  # closed and deleted
    assert await core.campaigns.list_campaigns(ANA) == []


async def test_deep_links_bring_the_right_panel_and_tab(window: MainWindow, core: Core) -> None:
    spring = await core.campaigns.create_campaign(ANA, "Spring Launch")
    window.open_campaign(spring.id)
    window.navigator.go(Target.for_record("approval", "x"))
    assert window.current_panel == "approvals"
    window.navigator.go(Target.for_record("render_job"))
    assert window.current_panel == "renders"
    window.navigator.go(Target.for_record("creative", "c1"))
    assert window.current_panel == "campaign"
    assert window.campaign_panel.current_tab == "content"
    await settled(window)


async def test_the_layout_and_last_campaign_are_restored(core: Core) -> None:
    spring = await core.campaigns.create_campaign(ANA, "Spring Launch")
    async with opened(core) as first:
        # A size of the user's own within the offscreen screen (800 × 600) and above the
        # window's minimum.
        size = (first.minimumSizeHint().width() + 11, 560)
        first.resize(*size)
        first.splitter.setSizes([1, size[0]])  # the sidebar as narrow as it goes
        sizes = first.splitter.sizes()
        first.open_campaign(spring.id)
        first.show_panel("renders")
    async with opened(core) as second:
        assert (second.width(), second.height()) == size
        assert second.splitter.sizes() == sizes != [280, 1000]
        assert second.current_panel == "renders"
        assert second.campaign_panel.campaign_id == spring.id
        await until(lambda: second.sidebar.selected_campaign_id == spring.id)


async def test_keyboard_shortcuts(window: MainWindow) -> None:
    shortcuts = {
        action.text(): action.shortcut().toString()
        for action in (window.new_action, window.refresh_action, window.search_action)
    }
    assert shortcuts == {"New campaign": "Ctrl+N", "Refresh": "F5", "Search campaigns": "Ctrl+F"}
    settings_keys = [key.toString() for key in window.settings_action.shortcuts()]
    assert "Ctrl+," in settings_keys
    window.activateWindow()
    window.search_action.trigger()
    assert QApplication.focusWidget() is window.sidebar.search


async def test_the_welcome_offers_the_sample_workspace(
    window: MainWindow, core: Core, qtbot: QtBot
) -> None:
    window.welcome()
    dialog = window.findChild(WelcomeDialog)
    assert dialog is not None
    assert str(core.settings.data_dir) in dialog.findChild(QLabel, "welcomeText").text()
    switched = asyncio.get_running_loop().create_future()
    window.session.sample_created.connect(lambda ws: switched.done() or switched.set_result(ws))
    qtbot.mouseClick(dialog.sample_button, Qt.MouseButton.LeftButton)
    assert dialog.progress.isVisible()
    workspace = await asyncio.wait_for(switched, 120)
    assert window.session.actor.tenant_id == workspace.id
    await until(lambda: sorted(campaign_names(window)) == ["Spring Launch", "Summer Teaser"])
    assert window.sidebar.workspace_box.currentText() == workspace.name
    await until(lambda: window.findChild(WelcomeDialog) is None)  # closed and deleted


async def test_a_hidden_tab_reads_only_once_it_is_shown(window: MainWindow, core: Core) -> None:
    spring = await core.campaigns.create_campaign(ANA, "Spring Launch", channels=["instagram"])
    await core.strategies.create_strategy(ANA, spring.id, FULL_DRAFT)
    window.open_campaign(spring.id)
    window.campaign_panel.show_tab("overview")
    await settled(window)
    assert (window.overview.shown, window.content.shown) == (True, False)
    await core.creatives.create_text_creative(ANA, spring.id, title="Teaser", body="Soon.")
    await until(lambda: window.content.out_of_date)  # heard through the change feed
    await settled(window)
    assert window.content.model.rowCount() == 0  # hidden: nothing read yet
    window.campaign_panel.show_tab("content")
    await until(lambda: window.content.model.rowCount() == 1)
    window.show_panel("approvals")  # the whole campaign panel hidden
    assert not any(vm.shown for vm in (window.overview, window.content, window.ads))
    await settled(window)


async def test_the_status_bar_shows_work_that_takes_a_while(window: MainWindow, core: Core) -> None:
    assert str(core.settings.data_dir) in window.status_label.text()
    assert not window.busy_indicator.isVisible()
    release = asyncio.Event()
    window.tasks.start("slow-read", release.wait())
    await until(window.busy_indicator.isVisible)
    release.set()
    await until(lambda: not window.busy_indicator.isVisible())
    window.tasks.start("quick-read", asyncio.sleep(0))
    await settled(window)
    assert not window.busy_indicator.isVisible()  # quicker than the delay: no flicker


async def test_the_status_bar_shows_renders_and_opens_the_monitor(
    window: MainWindow, core: Core, qtbot: QtBot
) -> None:
    summary = window.status_bar.render_summary
    assert not summary.isVisible()  # nothing under way: nothing said
    campaign = await core.campaigns.create_campaign(ANA, "Spring launch")
    await core.strategies.create_strategy(ANA, campaign.id, FULL_DRAFT)
    await core.creatives.create_media_creative(
        ANA, campaign.id, kind="image", title="Hero", prompt="A bike", params={"width": "wide"}
    )  # a size the local provider refuses: the job fails and stays in the summary
    await until(lambda: summary.isVisible() and summary.text() == "1 failed")
    assert window.current_panel == "campaign"
    qtbot.mouseClick(summary, Qt.MouseButton.LeftButton)
    assert window.current_panel == "renders"
    await settled(window)


async def test_settings_open_from_the_toolbar_and_cancel_changes_nothing(
    window: MainWindow,
) -> None:
    window.settings_action.trigger()
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None
    assert dialog.isVisible()
    await settled(window)
    dialog.reject()
    assert not dialog.isVisible()
    await settled(window)


async def test_members_open_from_the_toolbar(window: MainWindow) -> None:
    window.members_action.trigger()
    dialog = window.findChild(MembersDialog)
    assert dialog is not None
    assert dialog.isVisible()
    await until(lambda: dialog.findChild(QTableView).model().rowCount() >= 1)
    await settled(window)
    dialog.reject()
    await settled(window)


async def test_about_names_the_version_and_the_data_folder(window: MainWindow, core: Core) -> None:
    from app.cli_parser import app_version
    from ui.views.about_dialog import AboutDialog

    window.about_action.trigger()
    (dialog,) = [found for found in window.findChildren(AboutDialog) if found.isVisible()]
    texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert app_version() in texts
    assert str(core.settings.data_dir) in texts
    dialog.close()
