"""The Schedule tab: posts created through the dialog, moved by drag and drop in the campaign's
time zone (refused moves explained), deleted, exported as iCalendar, kept live by the feed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.bootstrap import Core
from tests.ui.conftest import ANA
from tests.ui.test_overview import FULL_DRAFT
from ui.tasks import UiTaskRunner
from ui.viewmodels.schedule import PostListModel, ScheduleViewModel
from ui.viewmodels.session import SessionViewModel
from ui.views.schedule_tab import ScheduleTab
from ui.widgets.calendar_widget import MONTH, POST_MIME_TYPE, WEEK, CalendarWidget, DayCell

PARIS = ZoneInfo("Europe/Paris")


class Campaign(NamedTuple):
    id: str
    creative_id: str


class Schedule(NamedTuple):
    session: SessionViewModel
    view_model: ScheduleViewModel
    tab: ScheduleTab


async def _campaign(core: Core) -> Campaign:
    campaign = await core.campaigns.create_campaign(
        ANA,
        "Spring launch",
        channels=("instagram", "linkedin"),
        start=date(2030, 3, 2),
        end=date(2030, 3, 29),
        time_zone="Europe/Paris",
    )
    await core.strategies.create_strategy(ANA, campaign.id, FULL_DRAFT)
    creative = await core.creatives.create_text_creative(
        ANA, campaign.id, title="Teaser", body="Skip the traffic this spring."
    )
    return Campaign(campaign.id, creative.id)


async def _post(core: Core, campaign: Campaign, at: datetime) -> str:
    post = await core.campaigns.schedule_post(
        ANA, campaign.id, creative_id=campaign.creative_id, channel="instagram", at=at
    )
    return post.id


async def until(condition: Callable[[], object], seconds: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0.01)


@pytest.fixture
def held() -> Iterator[list[object]]:
    """Keeps the tabs until after the test so that Qt deletes the replaced cells first."""
    tabs: list[object] = []
    yield tabs
    tabs.clear()


@pytest.fixture
def show_tab(
    held: list[object], tasks: UiTaskRunner, qtbot: QtBot, signal_future: Callable[..., Any]
) -> Callable[..., Any]:
    """``await show_tab(core, campaign_id, ViewModelType, TabType, "loaded_signal")``: the
    session, view model and tab, shown at a desktop size once the campaign's data is read."""

    async def make(
        core: Core, campaign_id: str, view_model_type: type, tab_type: type, loaded: str
    ) -> tuple[Any, ...]:
        session = SessionViewModel(core, ANA, tasks)
        view_model = view_model_type(session, tasks)
        tab = tab_type(view_model)
        held.append(tab)
        qtbot.addWidget(tab)
        tab.resize(1200, 760)
        tab.show()
        done = signal_future(getattr(view_model, loaded))
        view_model.set_campaign(campaign_id)
        await done
        return session, view_model, tab

    return make


@pytest.fixture
def build(show_tab: Callable[..., Any]) -> Callable[[Core, str], Any]:
    async def make(core: Core, campaign_id: str) -> Schedule:
        shown = await show_tab(core, campaign_id, ScheduleViewModel, ScheduleTab, "schedule_loaded")
        return Schedule(*shown)

    return make


def _drop(cell: DayCell, post_id: str) -> None:
    mime = QMimeData()
    mime.setData(POST_MIME_TYPE, post_id.encode())
    event = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    cell.dropEvent(event)


async def _one_post(build: Any, core: Core, at: datetime) -> tuple[Campaign, str, Schedule]:
    """A campaign with one post at ``at``, shown by a Schedule tab."""
    campaign = await _campaign(core)
    post_id = await _post(core, campaign, at)
    return campaign, post_id, await build(core, campaign.id)


def _shows(calendar: CalendarWidget, post_id: str, day: date, hour: int | None = None) -> bool:
    """Whether the calendar shows the post's chip in the cell of ``day`` (and ``hour``)."""
    cell = calendar.cell_at(day, hour)
    return cell is not None and cell.chips.indexOf(calendar.chips[post_id]) >= 0


async def _times(core: Core, campaign_id: str) -> list[datetime]:
    return [post.at for post in await core.campaigns.list_posts(ANA, campaign_id)]


async def test_a_post_is_scheduled_through_the_dialog_in_the_campaigns_time_zone(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    campaign = await _campaign(core)
    schedule = await build(core, campaign.id)
    tab = schedule.tab
    assert tab.zone_label.text() == "Times in Europe/Paris"
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    dialog = tab.post_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert "Europe/Paris" in dialog.zone_label.text()
    assert dialog.creative_box.currentText() == "Teaser"
    dialog.channel_box.setFocus()
    qtbot.keyClicks(dialog.channel_box, "linkedin")
    assert dialog.channel() == "linkedin"
    dialog.time_edit.setFocus()
    qtbot.keyClick(dialog.time_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.time_edit, "2030-03-05 10:30")
    assert dialog.moment() == datetime(2030, 3, 5, 10, 30)
    saved = signal_future(schedule.view_model.post_saved)
    loaded = signal_future(schedule.view_model.schedule_loaded)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    await saved
    await loaded
    (post,) = await core.campaigns.list_posts(ANA, campaign.id)
    assert post.at == datetime(2030, 3, 5, 10, 30, tzinfo=PARIS)
    assert post.channel == "linkedin"
    assert post.time_zone == "Europe/Paris"
    model = schedule.view_model.posts
    assert model.index(0, 0).data() == "Tue 05 Mar 10:30 · linkedin · Teaser"
    assert tab.calendar.chips[post.id].label == "10:30 linkedin · Teaser"


async def test_without_creatives_the_dialog_explains_and_keeps_ok_disabled(
    build: Any, core: Core, qtbot: QtBot
) -> None:
    campaign = await core.campaigns.create_campaign(ANA, "Bare", channels=("instagram",))
    schedule = await build(core, campaign.id)
    qtbot.mouseClick(schedule.tab.new_button, Qt.MouseButton.LeftButton)
    dialog = schedule.tab.post_dialog
    assert dialog is not None
    assert not dialog.ok_button.isEnabled()
    assert "create a creative in the Content tab first" in dialog.hint.text()


async def test_dropping_a_chip_on_another_day_moves_the_post_keeping_its_hour(
    build: Any, core: Core, signal_future: Callable[..., Any]
) -> None:
    campaign, post_id, schedule = await _one_post(
        build, core, datetime(2030, 3, 5, 9, 0, tzinfo=PARIS)
    )
    calendar = schedule.tab.calendar
    assert calendar.mode == MONTH
    assert calendar.title.text() == "March 2030"
    assert _shows(calendar, post_id, date(2030, 3, 5))
    target = calendar.cell_at(date(2030, 3, 12))
    assert target is not None
    loaded = signal_future(schedule.view_model.schedule_loaded)
    _drop(target, post_id)
    await loaded
    assert await _times(core, campaign.id) == [datetime(2030, 3, 12, 9, 0, tzinfo=PARIS)]
    assert _shows(calendar, post_id, date(2030, 3, 12))


async def test_in_the_week_view_a_drop_on_an_hour_row_sets_that_hour(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    campaign, post_id, schedule = await _one_post(
        build, core, datetime(2030, 3, 5, 9, 15, tzinfo=PARIS)
    )
    calendar = schedule.tab.calendar
    qtbot.mouseClick(calendar.week_button, Qt.MouseButton.LeftButton)
    assert calendar.mode == WEEK
    assert calendar.title.text() == "Week of 04 March 2030"
    assert len(calendar.cells) == 7 * 24
    assert _shows(calendar, post_id, date(2030, 3, 5), 9)
    loaded = signal_future(schedule.view_model.schedule_loaded)
    _drop(calendar.cell_at(date(2030, 3, 7), 14), post_id)
    await loaded
    assert await _times(core, campaign.id) == [datetime(2030, 3, 7, 14, 15, tzinfo=PARIS)]
    qtbot.mouseClick(calendar.month_button, Qt.MouseButton.LeftButton)
    assert calendar.mode == MONTH
    assert len(calendar.cells) == 42


async def test_a_drop_outside_the_window_is_refused_with_the_reason_and_the_post_stays(
    build: Any, core: Core
) -> None:
    campaign, post_id, schedule = await _one_post(
        build, core, datetime(2030, 3, 5, 9, 0, tzinfo=PARIS)
    )
    calendar = schedule.tab.calendar
    outside = calendar.cell_at(date(2030, 3, 30))
    assert outside is not None
    assert not outside.allowed
    _drop(outside, post_id)
    message = schedule.tab.message.text()
    assert message.startswith("Refused:")
    assert "outside the campaign window" in message
    assert "2030-03-30" in message
    assert await _times(core, campaign.id) == [datetime(2030, 3, 5, 9, 0, tzinfo=PARIS)]
    assert _shows(calendar, post_id, date(2030, 3, 5))


async def test_a_move_the_core_refuses_shows_its_message_inline(
    build: Any, core: Core, signal_future: Callable[..., Any]
) -> None:
    campaign, post_id, schedule = await _one_post(
        build, core, datetime(2030, 3, 5, 9, 0, tzinfo=PARIS)
    )
    refused = signal_future(schedule.view_model.post_refused)
    reloaded = signal_future(schedule.view_model.schedule_loaded)
    schedule.view_model.move_post(post_id, datetime(2030, 4, 2, 9, 0))
    (message,) = await refused
    await reloaded
    assert message.startswith("Refused:")
    assert "campaign" in message
    assert schedule.tab.message.text() == message
    assert schedule.tab.message.isVisible()
    assert await _times(core, campaign.id) == [datetime(2030, 3, 5, 9, 0, tzinfo=PARIS)]


async def test_move_dialog_is_the_keyboard_alternative(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    campaign, post_id, schedule = await _one_post(
        build, core, datetime(2030, 3, 5, 9, 0, tzinfo=PARIS)
    )
    tab = schedule.tab
    assert not tab.move_button.isEnabled()
    tab.select_post(post_id)
    assert tab.calendar.chips[post_id].isChecked()
    qtbot.mouseClick(tab.move_button, Qt.MouseButton.LeftButton)
    dialog = tab.post_dialog
    assert dialog is not None
    assert not dialog.creative_box.isEnabled()
    dialog.time_edit.setFocus()
    qtbot.keyClick(dialog.time_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.time_edit, "2030-03-20 18:45")
    loaded = signal_future(schedule.view_model.schedule_loaded)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    await loaded
    assert await _times(core, campaign.id) == [datetime(2030, 3, 20, 18, 45, tzinfo=PARIS)]
    assert tab.selected_post_id() == post_id


async def test_delete_asks_then_removes_the_post(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    campaign, post_id, schedule = await _one_post(
        build, core, datetime(2030, 3, 5, 9, 0, tzinfo=PARIS)
    )
    schedule.view_model.select_post(post_id)
    qtbot.mouseClick(schedule.tab.delete_button, Qt.MouseButton.LeftButton)
    box = schedule.tab.confirmation
    assert box is not None
    assert box.isVisible()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert len(await _times(core, campaign.id)) == 1
    qtbot.mouseClick(schedule.tab.delete_button, Qt.MouseButton.LeftButton)
    box = schedule.tab.confirmation
    delete = next(b for b in box.buttons() if b.text() == "Delete")
    deleted = signal_future(schedule.view_model.post_deleted)
    loaded = signal_future(schedule.view_model.schedule_loaded)
    qtbot.mouseClick(delete, Qt.MouseButton.LeftButton)
    assert await deleted == (post_id,)
    await loaded
    assert await _times(core, campaign.id) == []
    assert schedule.view_model.posts.rowCount() == 0
    assert not schedule.tab.calendar.chips


async def test_export_calendar_writes_the_cores_icalendar_to_the_chosen_file(
    build: Any, core: Core, qtbot: QtBot, tmp_path: Path, signal_future: Callable[..., Any]
) -> None:
    campaign = await _campaign(core)
    await _post(core, campaign, datetime(2030, 3, 5, 9, 0, tzinfo=PARIS))
    schedule = await build(core, campaign.id)
    qtbot.mouseClick(schedule.tab.export_button, Qt.MouseButton.LeftButton)
    dialog = schedule.tab.export_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.selectedFiles()[0].endswith("Spring launch.ics")
    target = tmp_path / "spring.ics"
    dialog.selectFile(str(target))
    exported = signal_future(schedule.view_model.calendar_exported)
    dialog.accept()
    assert await exported == (str(target),)
    text = target.read_text(encoding="utf-8")
    assert "BEGIN:VCALENDAR" in text
    assert "Teaser" in text
    assert schedule.tab.message.text() == f"Calendar saved to {target}."


async def test_posts_written_elsewhere_show_up_through_the_change_feed(
    build: Any, core: Core, signal_future: Callable[..., Any]
) -> None:
    campaign = await _campaign(core)
    schedule = await build(core, campaign.id)
    schedule.session.start()
    await schedule.session.following()
    post_id = await _post(core, campaign, datetime(2030, 3, 9, 8, 0, tzinfo=PARIS))
    await until(lambda: schedule.view_model.posts.row_of(post_id) is not None)
    await until(lambda: post_id in schedule.tab.calendar.chips)


async def test_the_post_model_passes_the_model_tester(
    build: Any, core: Core, qtmodeltester: Any
) -> None:
    campaign = await _campaign(core)
    for day in (5, 6, 7):
        await _post(core, campaign, datetime(2030, 3, day, 9, 0, tzinfo=PARIS))
    schedule = await build(core, campaign.id)
    model = schedule.view_model.posts
    assert isinstance(model, PostListModel)
    assert model.rowCount() == 3
    qtmodeltester.check(model)
