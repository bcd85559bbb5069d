"""The Content tab: creatives as cards made, edited, deleted, rendered, regenerated and given a
library asset through clicks and typing; progress in place; the card model's contract."""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.bootstrap import Core
from app.domain.enums import CreativeKind
from tests.ui.conftest import ANA
from ui.tasks import UiTaskRunner
from ui.viewmodels.content import (
    ContentViewModel,
    JobStatusRole,
    ProgressRole,
    StaleRole,
    ThumbnailRole,
)
from ui.viewmodels.session import SessionViewModel
from ui.views.asset_picker_dialog import AssetPickerDialog
from ui.views.content_tab import EMPTY_TEXT, ContentTab
from ui.views.creative_dialog import CreativeDialog
from ui.widgets.icons import symbol_icon

DRAFT = {
    "objective": "Grow sign-ups",
    "target_audience": "Commuters",
    "key_messages": ["Skip the traffic"],
    "channels": ["instagram"],
    "tone": "Upbeat",
}
DEADLINE = 30.0


class Content(NamedTuple):
    session: SessionViewModel
    view_model: ContentViewModel
    tab: ContentTab
    campaign_id: str
    tasks: UiTaskRunner


async def until(condition: Callable[[], Any], what: str, deadline: float = DEADLINE) -> Any:
    """Poll ``condition`` on the loop until it holds (a short step, a deadline)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while not (result := condition()):
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)
    return result


async def finish(content: Content) -> None:
    """Wait until renders have ended and the tab has read them back, then stop the tab's tasks
    (the change feed's among them) while the loop still runs: nothing is left to wake up in
    the events Qt processes after the test."""
    vm = content.view_model

    def quiet() -> bool:
        model = vm.model
        rendering = any(
            model.data(model.index(row), JobStatusRole) in ("queued", "running")
            for row in range(model.rowCount())
        )
        return not (rendering or vm.busy or vm.reload_pending)

    await until(quiet, "the renders and reads to end", deadline=60)
    await content.tasks.close()


@pytest.fixture
def held() -> Iterator[list[object]]:
    """Keeps the tabs alive until Qt has run after the test (deleteLater of dialogs)."""
    tabs: list[object] = []
    yield tabs
    tabs.clear()


@pytest.fixture
def build(
    held: list[object], tasks: UiTaskRunner, qtbot: QtBot, signal_future: Any
) -> Callable[[Core], Awaitable[Content]]:
    async def make(core: Core) -> Content:
        campaign = await core.campaigns.create_campaign(
            ANA, "Spring", channels=("instagram",), start=date(2030, 3, 2), end=date(2030, 3, 29)
        )
        await core.strategies.create_strategy(ANA, campaign.id, DRAFT)
        session = SessionViewModel(core, ANA, tasks)
        session.start()
        await session.following()
        view_model = ContentViewModel(session, tasks)
        tab = ContentTab(view_model)
        held.extend([session, view_model, tab])
        qtbot.addWidget(tab)
        tab.resize(1000, 700)
        tab.show()
        loaded = signal_future(view_model.loaded)
        view_model.set_campaign(campaign.id)
        await loaded
        return Content(session, view_model, tab, campaign.id, tasks)

    return make


def dialog_of(tab: ContentTab, kind: type) -> Any:
    found = [d for d in tab.findChildren(kind) if d.isVisible()]
    assert len(found) == 1, found
    return found[0]


def select(content: Content, *creative_ids: str) -> None:
    view = content.tab.card_view
    view.clearSelection()
    for creative_id in creative_ids:
        row = content.view_model.model.row_of(creative_id)
        assert row is not None
        view.selectionModel().select(
            content.view_model.model.index(row), QItemSelectionModel.SelectionFlag.Select
        )


def tiny_png(path: Path) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 8 for _ in range(8))
    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return path


async def test_text_creative_made_edited_and_deleted_through_clicks(
    build: Callable[[Core], Awaitable[Content]], core: Core, qtbot: QtBot, signal_future: Any
) -> None:
    content = await build(core)
    tab, vm = content.tab, content.view_model
    assert tab.stack.currentWidget() is tab.empty_label
    assert tab.empty_label.text() == EMPTY_TEXT

    qtbot.mouseClick(tab.new_text_button, Qt.MouseButton.LeftButton)
    dialog = dialog_of(tab, CreativeDialog)
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.title_edit, "Launch post")
    assert not dialog.ok_button.isEnabled()  # no copy yet
    qtbot.keyClicks(dialog.body_edit, "Skip the traffic this spring.")
    # The campaign's channels are offered; every channel is the default.
    offered = [dialog.channel_box.itemText(i) for i in range(dialog.channel_box.count())]
    assert offered == ["(every channel)", "instagram"]
    dialog.channel_box.setCurrentText("instagram")
    loaded = signal_future(vm.loaded)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    await loaded

    [stored] = await core.creatives.list_creatives(ANA, content.campaign_id)
    assert (stored.title, stored.body) == ("Launch post", "Skip the traffic this spring.")
    assert stored.channel == "instagram"
    assert tab.stack.currentWidget() is tab.card_view
    assert vm.model.data(vm.model.index(0)) == "Launch post"

    select(content, stored.id)
    assert tab.edit_button.isEnabled()
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    dialog = dialog_of(tab, CreativeDialog)
    dialog.body_edit.clear()
    qtbot.keyClicks(dialog.body_edit, "Beat the jam.")
    loaded = signal_future(vm.loaded)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    await loaded
    assert (await core.creatives.get_creative(ANA, stored.id)).body == "Beat the jam."

    select(content, stored.id)
    qtbot.mouseClick(tab.delete_button, Qt.MouseButton.LeftButton)
    box = dialog_of(tab, QMessageBox)
    loaded = signal_future(vm.loaded)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    await loaded
    assert await core.creatives.list_creatives(ANA, content.campaign_id) == []
    assert tab.stack.currentWidget() is tab.empty_label
    await finish(content)


async def test_cancelled_dialogs_change_nothing(
    build: Callable[[Core], Awaitable[Content]], core: Core, qtbot: QtBot, signal_future: Any
) -> None:
    content = await build(core)
    made = await core.creatives.create_text_creative(
        ANA, content.campaign_id, title="Keep me", body="Kept."
    )
    content.view_model.refresh()
    await until(lambda: content.view_model.model.rowCount() == 1, "the card")
    select(content, made.id)
    qtbot.mouseClick(content.tab.delete_button, Qt.MouseButton.LeftButton)
    box = dialog_of(content.tab, QMessageBox)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(content.tab.edit_button, Qt.MouseButton.LeftButton)
    dialog = dialog_of(content.tab, CreativeDialog)
    qtbot.keyClicks(dialog.body_edit, " More.")
    dialog.reject()
    await asyncio.sleep(0)
    assert (await core.creatives.get_creative(ANA, made.id)).body == "Kept."
    await finish(content)


async def test_new_image_renders_with_progress_then_thumbnail(
    build: Callable[[Core], Awaitable[Content]], core: Core, qtbot: QtBot
) -> None:
    content = await build(core)
    tab, model = content.tab, content.view_model.model
    qtbot.mouseClick(tab.new_media_button, Qt.MouseButton.LeftButton)
    dialog = dialog_of(tab, CreativeDialog)
    assert dialog.provider_box.count() > 1  # the default and the configured providers
    qtbot.keyClicks(dialog.title_edit, "Hero image")
    qtbot.keyClicks(dialog.prompt_edit, "A bike lane at dawn")
    statuses: set[str] = set()
    model.dataChanged.connect(
        lambda top, _bottom, _roles: statuses.add(str(model.data(top, JobStatusRole)))
    )
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    await until(lambda: model.rowCount() == 1, "the card")
    index = model.index(0)
    assert model.data(index, JobStatusRole) in ("queued", "running", "published")
    creative_id = model.creative(0).id
    await until(lambda: model.creative(0).outputs, "the render's output", deadline=60)
    thumbnail = await until(lambda: model.data(model.index(0), ThumbnailRole), "the thumbnail")
    assert isinstance(thumbnail, QImage)
    assert not thumbnail.isNull()
    assert model.data(model.index(0), ProgressRole) is None
    assert statuses & {"queued", "running"}  # progress was shown on the card in place
    assert (await core.creatives.get_creative(ANA, creative_id)).outputs[-1].asset_id
    tab.card_view.viewport().repaint()  # the card paints its picture
    await finish(content)


async def test_stale_cards_and_regenerate_all_or_selected(
    build: Callable[[Core], Awaitable[Content]], core: Core, qtbot: QtBot, signal_future: Any
) -> None:
    content = await build(core)
    vm, tab = content.view_model, content.tab
    images = [
        await core.creatives.create_media_creative(
            ANA, content.campaign_id, kind=CreativeKind.IMAGE, title=f"Image {n}", prompt="A bike"
        )
        for n in range(3)
    ]
    await until(
        lambda: (
            vm.model.rowCount() == 3
            and all(
                vm.model.data(vm.model.index(r), JobStatusRole) == "published" for r in range(3)
            )
        ),
        "the first renders",
        deadline=60,
    )
    await core.strategies.update_strategy(ANA, content.campaign_id, {**DRAFT, "tone": "Calm"})
    vm.refresh()
    await until(
        lambda: (
            vm.model.rowCount() == 3
            and all(vm.model.data(vm.model.index(r), StaleRole) for r in range(3))
        ),
        "stale cards",
    )
    shown = vm.model.data(vm.model.index(0), Qt.ItemDataRole.AccessibleTextRole)
    assert shown.endswith(", stale")  # the badge's word, not its colour alone
    assert tab.regenerate_button.text() == "Regenerate"
    assert "every stale" in tab.regenerate_button.toolTip()

    tab.card_view.clearSelection()
    regenerated = signal_future(vm.regenerated)
    qtbot.mouseClick(tab.regenerate_button, Qt.MouseButton.LeftButton)
    (jobs,) = await regenerated
    assert {job.creative_id for job in jobs} == {image.id for image in images}

    select(content, images[1].id)
    assert "selected" in tab.regenerate_button.toolTip()
    regenerated = signal_future(vm.regenerated)
    qtbot.mouseClick(tab.regenerate_button, Qt.MouseButton.LeftButton)
    (jobs,) = await regenerated
    assert [job.creative_id for job in jobs] == [images[1].id]
    assert not tab.error_label.isVisible()
    await finish(content)


async def test_attach_asset_through_the_picker(
    build: Callable[[Core], Awaitable[Content]],
    core: Core,
    qtbot: QtBot,
    signal_future: Any,
    tmp_path: Path,
) -> None:
    content = await build(core)
    vm, tab = content.view_model, content.tab
    asset = await core.storage.upload(ANA, tiny_png(tmp_path / "logo-mark.png"))
    made = await core.creatives.create_text_creative(
        ANA, content.campaign_id, title="Post", body="Ride on."
    )
    vm.refresh()
    await until(lambda: vm.model.rowCount() == 1, "the card")
    select(content, made.id)
    found = signal_future(vm.assets_found)
    qtbot.mouseClick(tab.attach_button, Qt.MouseButton.LeftButton)
    picker = dialog_of(tab, AssetPickerDialog)
    await found
    assert not picker.ok_button.isEnabled()
    found = signal_future(vm.assets_found)
    qtbot.keyClicks(picker.search_edit, "logo")
    await found
    assert [picker.asset_list.item(r).text() for r in range(picker.asset_list.count())] == [
        "logo-mark.png"
    ]
    # A picture's symbol stands in until its thumbnail arrives.
    symbol = symbol_icon("image", picker.asset_list.iconSize().width()).cacheKey()
    await until(lambda: picker.asset_list.item(0).icon().cacheKey() != symbol, "the thumbnail")
    picker.asset_list.setCurrentRow(0)
    attached = signal_future(vm.attached)
    qtbot.mouseClick(picker.ok_button, Qt.MouseButton.LeftButton)
    await attached
    assert asset.id in (await core.creatives.get_creative(ANA, made.id)).asset_ids
    await finish(content)


async def test_refusal_is_shown_inline_and_deep_link_selects(
    build: Callable[[Core], Awaitable[Content]], core: Core, qtbot: QtBot
) -> None:
    content = await build(core)
    vm, tab = content.view_model, content.tab
    made = await core.creatives.create_text_creative(
        ANA, content.campaign_id, title="Copy", body="Words."
    )
    tab.select_creative(made.id)  # not loaded yet: selected once it is
    vm.refresh()
    await until(lambda: tab.selected_creatives(), "the deep-linked card")
    assert tab.selected_creatives()[0].id == made.id
    qtbot.mouseClick(tab.regenerate_button, Qt.MouseButton.LeftButton)
    await until(lambda: tab.error_label.isVisible(), "the refusal")
    assert "edit it instead" in tab.error_label.text()
    await finish(content)


async def test_model_contract(
    build: Callable[[Core], Awaitable[Content]], core: Core, qtmodeltester: Any
) -> None:
    content = await build(core)
    await core.creatives.create_text_creative(ANA, content.campaign_id, title="A", body="a")
    await core.creatives.create_media_creative(
        ANA, content.campaign_id, kind="image", title="B", prompt="a bike"
    )
    content.view_model.refresh()
    await until(lambda: content.view_model.model.rowCount() == 2, "two cards")
    qtmodeltester.check(content.view_model.model)
    await finish(content)
    content.view_model.set_campaign(None)  # e.g. another workspace: no card of this one stays
    assert content.view_model.model.rowCount() == 0
    assert content.tab.stack.currentWidget() is content.tab.empty_label
    assert not content.tab.new_text_button.isEnabled()
