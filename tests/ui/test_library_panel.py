"""The asset library panel: drop and upload with outcomes per file, search and filters, archive
warnings, lazy thumbnails, paging, and the viewer's disabled controls."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, QSize, QStringListModel, Qt, QUrl
from PySide6.QtGui import QDropEvent, QIcon, QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QLineEdit, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from app.bootstrap import Core
from app.domain import Actor, Role
from tests.samples import png, text
from tests.ui.conftest import ANA
from tests.ui.test_accessibility import unnamed
from tests.ui.test_overview import FULL_DRAFT
from tests.ui.test_schedule_tab import held, until  # noqa: F401 (fixtures)
from ui.tasks import UiTaskRunner
from ui.viewmodels.asset_upload import ALREADY_THERE
from ui.viewmodels.library import PAGE_SIZE, LibraryViewModel
from ui.viewmodels.navigation import Target
from ui.viewmodels.session import SessionViewModel
from ui.views.asset_views import GridCellDelegate
from ui.views.library_panel import EMPTY_TEXT, NO_MATCH_TEXT, LibraryPanel
from ui.widgets.permission import VIEWERS_CANNOT_EDIT
from ui.widgets.tag_completer import TagListCompleter
from ui.widgets.thumbnail_loader import ICON_PX

VIC = Actor(tenant_id="acme", user_id="vic", roles={Role.VIEWER})


class Shown(NamedTuple):
    session: SessionViewModel
    view_model: LibraryViewModel
    panel: LibraryPanel

    def names(self) -> list[str]:
        model = self.view_model.model
        return [model.index(row, 0).data() for row in range(model.rowCount())]


@pytest.fixture
def build(
    held: list[object],  # noqa: F811
    tasks: UiTaskRunner,
    qtbot: QtBot,
    signal_future: Callable[..., Any],
) -> Callable[..., Any]:
    """``await build(core, actor, size)``: a panel shown and its first page read."""

    async def make(core: Core, actor: Actor = ANA, size: tuple[int, int] = (1280, 800)) -> Shown:
        session = SessionViewModel(core, actor, tasks)
        view_model = LibraryViewModel(session, tasks)
        loaded = signal_future(view_model.results_changed)
        panel = LibraryPanel(view_model)
        held.append(panel)
        qtbot.addWidget(panel)
        panel.resize(*size)
        panel.show()
        await soon(loaded)
        return Shown(session, view_model, panel)

    return make


def drop(panel: LibraryPanel, paths: list[Path]) -> None:
    """Drop files (or folders) from a file manager onto the grid (as its viewport hands the
    drop to it)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    viewport = panel.grid.viewport()
    event = QDropEvent(
        QPointF(viewport.rect().center()),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    panel.grid.dropEvent(event)
    assert event.isAccepted()


async def soon(future: Any) -> Any:
    """A signal's next emission, or a failure (not a hang) when it does not come."""
    return await asyncio.wait_for(future, 30)


async def _settle(shown: Shown) -> None:
    """Wait until nothing of the panel is reading (a later read is not left to teardown)."""
    await until(lambda: not shown.view_model.busy)
    await until(lambda: not shown.view_model.thumbnails.busy, 10)


async def test_a_drop_uploads_files_and_folders_with_an_outcome_per_file(
    build: Any, core: Core, tmp_path: Path, signal_future: Callable[..., Any]
) -> None:
    shown = await build(core)
    assert shown.panel.empty_label.isVisible()
    assert shown.panel.empty_label.text() == EMPTY_TEXT
    folder = tmp_path / "shoot"
    folder.mkdir()
    png(folder / "beach.png", color="#c33")
    png(folder / "dunes.png", color="#33c")
    first = png(tmp_path / "logo.png", color="#3c3")
    await core.storage.upload(ANA, png(tmp_path / "old-logo.png", color="#3c3"))
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")

    finished = signal_future(shown.view_model.uploads.upload_finished)
    drop(shown.panel, [first, folder, empty])
    (summary,) = await soon(finished)
    progress = shown.panel.progress
    assert progress.isVisible()
    assert [label.text() for label in progress.names] == [
        "logo.png",
        "beach.png",
        "dunes.png",
        "empty.png",
    ]
    assert progress.outcome("logo.png") == ALREADY_THERE
    assert progress.outcome("beach.png") == "uploaded"
    assert progress.outcome("dunes.png") == "uploaded"
    # The row names the file: the reason does not repeat its folder; nothing stored, no bar.
    assert progress.outcome("empty.png") == "refused: empty.png is empty"
    assert [bar.isVisible() for bar in progress.bars] == [True, True, True, False]
    assert progress.overall.value() == progress.overall.maximum() == 400
    assert [bar.value() for bar in progress.bars[:3]] == [100, 100, 100]
    assert summary == "2 uploaded, 1 already in the library, 1 refused"
    assert progress.summary.text() == summary
    assert progress.dismiss_button.isVisible()
    assert progress._scroll.verticalScrollBar().maximum() == 0  # all four rows in view
    progress.dismiss_button.click()
    assert not progress.isVisible()
    await until(lambda: len(shown.names()) == 3)
    assert set(shown.names()) == {"beach.png", "dunes.png", "old-logo.png"}
    assert not shown.panel.empty_label.isVisible()
    assert shown.panel.filter_bar.count_label.text() == "3 assets"
    await _settle(shown)


async def test_a_large_file_reports_progress_within_the_file(
    build: Any, core: Core, tmp_path: Path, signal_future: Callable[..., Any]
) -> None:
    shown = await build(core)
    noise = Image.frombytes("RGB", (1400, 1000), os.urandom(1400 * 1000 * 3))
    large = tmp_path / "noise.png"
    noise.save(large)  # about 4 MB: read in several chunks
    assert large.stat().st_size > 3 * 1024 * 1024
    seen: list[tuple[int, int]] = []
    shown.view_model.uploads.file_progress.connect(lambda at, percent: seen.append((at, percent)))
    finished = signal_future(shown.view_model.uploads.upload_finished)
    drop(shown.panel, [large])
    await soon(finished)
    percents = [percent for _position, percent in seen]
    assert percents[0] == 0
    assert percents[-1] == 100
    assert any(0 < percent < 100 for percent in percents)  # the bar moves within the file
    assert percents == sorted(percents)
    assert shown.panel.progress.bars[0].value() == 100
    await _settle(shown)


async def test_uploads_through_the_view_model_report_refusals_and_go_on(
    build: Any, core: Core, tmp_path: Path, signal_future: Callable[..., Any]
) -> None:
    shown = await build(core)
    refused: list[tuple[int, str]] = []
    shown.view_model.uploads.file_refused.connect(lambda at, why: refused.append((at, why)))
    weird = tmp_path / "data.bin"
    weird.write_bytes(bytes(range(256)) * 4)
    finished = signal_future(shown.view_model.uploads.upload_finished)
    shown.view_model.upload([tmp_path / "missing.png", weird, png(tmp_path / "a.png")])
    await soon(finished)
    assert [at for at, _why in refused][:1] == [0]
    assert all(why for _at, why in refused)
    await until(lambda: "a.png" in shown.names())
    await _settle(shown)


async def test_search_type_and_tag_filters(
    build: Any, core: Core, tmp_path: Path, signal_future: Callable[..., Any]
) -> None:
    await core.storage.upload(ANA, png(tmp_path / "summer-beach.png", color="#a11"), tags=["sea"])
    await core.storage.upload(ANA, png(tmp_path / "winter.png", color="#1a1"), tags=["snow"])
    await core.storage.upload(ANA, text(tmp_path / "beach-copy.txt"), tags=["sea"])
    shown = await build(core)
    filters = shown.panel.filter_bar
    assert sorted(shown.names()) == ["beach-copy.txt", "summer-beach.png", "winter.png"]

    changed = signal_future(shown.view_model.results_changed)
    filters.search_edit.setText("BEACH")
    await soon(changed)
    assert sorted(shown.names()) == ["beach-copy.txt", "summer-beach.png"]
    assert filters.count_label.text() == "2 assets"

    changed = signal_future(shown.view_model.results_changed)
    filters.type_combo.setCurrentIndex(filters.type_combo.findText("Image"))
    await soon(changed)
    assert shown.names() == ["summer-beach.png"]

    changed = signal_future(shown.view_model.results_changed)
    filters.search_edit.clear()
    filters.type_combo.setCurrentIndex(0)
    await soon(changed)
    await until(lambda: len(shown.names()) == 3)
    await until(lambda: "sea" in filters.tag_model.stringList())
    changed = signal_future(shown.view_model.results_changed)
    filters.tag_edit.setText("Snow")
    await soon(changed)
    assert shown.names() == ["winter.png"]

    changed = signal_future(shown.view_model.results_changed)
    filters.tag_edit.setText("nothing-like-it")
    await soon(changed)
    assert shown.names() == []
    assert shown.panel.empty_label.isVisible()
    assert shown.panel.empty_label.text() == NO_MATCH_TEXT
    await _settle(shown)


async def _creative_using(core: Core, asset_id: str) -> tuple[str, str]:
    campaign = await core.campaigns.create_campaign(
        ANA, "Spring launch", channels=("instagram",), start=date(2030, 3, 2), end=date(2030, 3, 29)
    )
    await core.strategies.create_strategy(ANA, campaign.id, FULL_DRAFT)
    creative = await core.creatives.create_text_creative(
        ANA, campaign.id, title="Beach teaser", body="Sun is coming."
    )
    await core.creatives.attach_asset(ANA, creative.id, asset_id)
    return campaign.id, creative.id


async def test_archiving_warns_with_the_creatives_using_it(
    build: Any, core: Core, tmp_path: Path, signal_future: Callable[..., Any]
) -> None:
    asset = await core.storage.upload(ANA, png(tmp_path / "hero.png"))
    campaign_id, creative_id = await _creative_using(core, asset.id)
    shown = await build(core)
    shown.panel.filter_bar.search_edit.setText("hero")
    await until(lambda: shown.names() == ["hero.png"])
    shown.panel.select(asset.id)
    assert shown.panel.archive_button.isEnabled()
    assert "hero.png" in shown.panel.preview.details.text()

    shown.panel.archive_button.click()
    await until(lambda: shown.panel.confirmation is not None)
    box = shown.panel.confirmation
    assert box is not None
    assert box.isVisible()
    assert "Beach teaser (Spring launch)" in box.informativeText()
    archived = signal_future(shown.view_model.archived)
    archive = next(b for b in box.buttons() if b.text() == "Archive")
    archive.click()
    await soon(archived)
    assert "1 creative still uses it" in shown.panel.message.text()
    assert (await core.storage.get(ANA, asset.id)).archived
    await until(lambda: shown.names() == [])

    changed = signal_future(shown.view_model.results_changed)
    shown.panel.filter_bar.archived_check.setChecked(True)
    await soon(changed)
    assert shown.names() == ["hero.png"]
    shown.panel.select(asset.id)
    assert shown.panel.unarchive_button.isEnabled()
    assert not shown.panel.archive_button.isEnabled()

    # Show usage lists the creative; opening it asks the window to go there.
    shown.panel.usage_button.click()
    await until(lambda: shown.panel.usage_dialog is not None)
    dialog = shown.panel.usage_dialog
    assert dialog is not None
    assert dialog.choices.item(0).text() == "Beach teaser — Spring launch"
    asked = signal_future(shown.view_model.navigation_requested)
    dialog.choices.setCurrentRow(0)
    dialog.ok_button.click()
    campaign, target = await soon(asked)
    assert campaign == campaign_id
    assert target == Target("campaign", "content", "creative", creative_id)
    await _settle(shown)


async def test_delete_archives_the_selected_asset(
    build: Any, core: Core, tmp_path: Path, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    asset = await core.storage.upload(ANA, png(tmp_path / "unused.png"))
    shown = await build(core)
    await until(lambda: shown.names() == ["unused.png"])
    shown.panel.select(asset.id)
    shown.panel.grid.setFocus()
    archived = signal_future(shown.view_model.archived)
    qtbot.keyClick(shown.panel.grid, Qt.Key.Key_Delete)
    await soon(archived)  # no creative uses it: no question asked
    assert (await core.storage.get(ANA, asset.id)).archived
    await until(lambda: shown.names() == [])
    qtbot.keyClick(shown.panel.grid, Qt.Key.Key_Delete)  # nothing selected: nothing happens
    assert shown.panel.confirmation is None
    await _settle(shown)


async def test_a_tag_change_elsewhere_shows_in_place(
    build: Any, core: Core, tmp_path: Path
) -> None:
    asset = await core.storage.upload(ANA, png(tmp_path / "hero.png"))
    shown = await build(core)
    shown.session.start()
    await shown.session.following()
    await core.storage.tag(ANA, asset.id, add=["launch"])
    model = shown.view_model.model
    await until(lambda: model.index(0, 4).data() == "launch")
    assert model.rowCount() == 1
    await _settle(shown)


async def _many(core: Core, folder: Path, count: int) -> None:
    """``count`` distinct tiny PNGs in the library."""

    async def one(n: int) -> None:
        color = f"#{n * 97 % 256:02x}{n // 256:02x}{n % 256:02x}"
        await core.storage.upload(ANA, png(folder / f"img-{n:03d}.png", (8, 8), color))

    for start in range(0, count, 25):
        await asyncio.gather(*(one(n) for n in range(start, min(count, start + 25))))


async def test_thumbnails_load_lazily_and_pages_come_as_the_grid_scrolls(
    build: Any, core: Core, tmp_path: Path, signal_future: Callable[..., Any]
) -> None:
    await _many(core, tmp_path, 260)
    shown = await build(core, size=(900, 500))
    model, loader, grid = shown.view_model.model, shown.view_model.thumbnails, shown.panel.grid
    assert shown.view_model.total == 260
    assert model.rowCount() == PAGE_SIZE
    await until(lambda: loader.requested and not loader.waiting)
    visible = {
        model.index(row, 0).data()
        for row in range(model.rowCount())
        if grid.visualRect(model.index(row, 0)).intersects(grid.viewport().rect())
    }
    assert 0 < len(visible) < 60
    requested = len(loader.requested)
    assert len(visible) <= requested <= len(visible) + 15
    first = model.index(0, 0)
    await until(lambda: first.data(Qt.ItemDataRole.DecorationRole) is not None)

    more = signal_future(shown.view_model.results_changed)
    grid.scrollToBottom()
    await soon(more)
    assert model.rowCount() == 260
    await until(lambda: len(loader.requested) > requested)
    last = model.index(259, 0)

    def shown_last() -> bool:
        grid.scrollTo(last)  # again until the batched layout has reached it
        return loader.cached(model.asset(259).id)  # type: ignore[union-attr]

    await until(shown_last)
    assert len(loader.requested) < 150
    await _settle(shown)


async def test_the_model_passes_the_model_tester(
    build: Any, core: Core, tmp_path: Path, qtmodeltester: Any
) -> None:
    await core.storage.upload(ANA, png(tmp_path / "a.png", color="#111"), tags=["x"])
    await core.storage.upload(ANA, text(tmp_path / "b.txt"))
    shown = await build(core)
    qtmodeltester.check(shown.view_model.model)
    await _settle(shown)


async def test_a_viewer_sees_the_edit_controls_disabled(
    build: Any, core: Core, tmp_path: Path
) -> None:
    asset = await core.storage.upload(ANA, png(tmp_path / "hero.png"))
    shown = await build(core, VIC)
    assert shown.names() == ["hero.png"]
    shown.panel.select(asset.id)
    for button in shown.panel.edit_buttons:
        assert not button.isEnabled(), button.text()
        assert button.toolTip() == VIEWERS_CANNOT_EDIT
    assert shown.panel.usage_button.isEnabled()
    assert shown.panel.upload_button.text() == "Upload"
    drop(shown.panel, [png(tmp_path / "new.png", color="#999")])
    assert "Viewers cannot upload" in shown.panel.message.text()
    await _settle(shown)


async def test_controls_have_accessible_names(build: Any, core: Core) -> None:
    shown = await build(core)
    assert unnamed(shown.panel) == []
    await _settle(shown)


async def test_tagging_through_the_dialog_and_attaching_to_a_creative(
    build: Any, core: Core, tmp_path: Path, signal_future: Callable[..., Any]
) -> None:
    asset = await core.storage.upload(ANA, png(tmp_path / "hero.png"), tags=["old"])
    other = await core.storage.upload(ANA, png(tmp_path / "other.png", color="#345"))
    _campaign_id, creative_id = await _creative_using(core, other.id)
    shown = await build(core)
    model = shown.view_model.model

    def used_by(asset_id: str) -> str:
        return str(model.index(model.row_of(asset_id) or 0, 6).data())

    await until(lambda: (used_by(asset.id), used_by(other.id)) == ("0", "1"))
    shown.panel.select(asset.id)
    shown.panel.tag_button.click()
    dialog = shown.panel.input_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.textValue() == "old"
    dialog.setTextValue("Launch, Sea")
    dialog.accept()
    await until(lambda: getattr(model.find(asset.id), "tags", ()) == ("launch", "sea"))
    assert model.index(model.row_of(asset.id) or 0, 4).data() == "launch, sea"
    assert (await core.storage.get(ANA, asset.id)).tags == ("launch", "sea")

    shown.panel.select(asset.id)
    shown.panel.attach_button.click()
    await until(lambda: shown.panel.attach_dialog is not None)
    chooser = shown.panel.attach_dialog
    assert chooser is not None
    assert chooser.choices.item(0).text() == "Beach teaser — Spring launch"
    attached = signal_future(shown.view_model.attached)
    chooser.choices.setCurrentRow(0)
    chooser.ok_button.click()
    (said,) = await soon(attached)
    assert said == "Attached to Beach teaser"
    assert await core.storage.usage(ANA, asset.id) == [creative_id]
    await until(lambda: used_by(asset.id) == "1")  # counted again after the creative changed
    await _settle(shown)


async def test_the_list_view_shows_the_columns_and_categories_filter(
    build: Any, core: Core, tmp_path: Path, signal_future: Callable[..., Any]
) -> None:
    asset = await core.storage.upload(ANA, png(tmp_path / "hero.png", (640, 400)), tags=["sea"])
    await core.storage.upload(ANA, png(tmp_path / "other.png", color="#345"))
    shown = await build(core)
    shown.panel.list_toggle.click()
    assert shown.panel.table.isVisible()
    assert not shown.panel.grid.isVisible()
    assert shown.panel.list_toggle.text() == "Grid view"
    model = shown.view_model.model
    row = model.row_of(asset.id)
    assert row is not None
    assert [model.index(row, column).data() for column in (0, 1, 3, 4)] == [
        "hero.png",
        "image",
        "640×400",
        "sea",
    ]

    table = shown.panel.table
    assert table.horizontalScrollBar().maximum() == 0  # every column in view at 1280 px
    name = QStyleOptionViewItem()
    table.itemDelegateForColumn(0).initStyleOption(name, model.index(row, 0))
    assert name.textElideMode == Qt.TextElideMode.ElideMiddle  # a long name keeps its type
    assert table.textElideMode() == Qt.TextElideMode.ElideRight  # tags keep their start
    assert table.columnWidth(0) == max(table.columnWidth(c) for c in range(model.columnCount()))

    shown.view_model.set_category(asset.id, "Heroes")
    await until(lambda: shown.panel.filter_bar.category_combo.findText("Heroes") > 0)
    changed = signal_future(shown.view_model.results_changed)
    shown.panel.filter_bar.category_combo.setCurrentIndex(
        shown.panel.filter_bar.category_combo.findText("Heroes")
    )
    await soon(changed)
    assert shown.names() == ["hero.png"]
    await _settle(shown)


async def test_a_text_shows_a_file_symbol_and_its_words_and_an_archived_asset_is_grey(
    build: Any, core: Core, tmp_path: Path
) -> None:
    copy = await core.storage.store_text(ANA, "Ride into spring", filename="tagline.txt")
    old = await core.storage.upload(ANA, png(tmp_path / "old.png"))
    await core.storage.archive(ANA, old.id)
    shown = await build(core)
    shown.panel.filter_bar.archived_check.setChecked(True)
    model = shown.view_model.model
    await until(lambda: model.row_of(old.id) is not None)
    text_row, old_row = model.row_of(copy.id), model.row_of(old.id)
    assert text_row is not None
    assert old_row is not None

    symbol = model.index(text_row, 0).data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(symbol, QIcon)
    assert not symbol.isNull()
    option = QStyleOptionViewItem()
    shown.panel.grid.itemDelegate().initStyleOption(option, model.index(text_row, 0))
    drawn = option.icon.pixmap(ICON_PX, ICON_PX).toImage()
    inked = {
        (x, y) for x in range(ICON_PX) for y in range(ICON_PX) if drawn.pixelColor(x, y).alpha() > 0
    }
    quarter = ICON_PX // 4
    assert inked  # a symbol is drawn, small in the middle of its box
    assert all(quarter <= x < 3 * quarter and quarter <= y < 3 * quarter for x, y in inked)

    archived = model.index(old_row, 0)
    assert archived.data(Qt.ItemDataRole.FontRole).italic()
    assert archived.data(Qt.ItemDataRole.ToolTipRole).endswith("Archived")
    assert model.index(old_row, 1).data() == "image"
    assert model.index(text_row, 0).data(Qt.ItemDataRole.FontRole) is None

    preview = shown.panel.preview  # a text's preview is its words
    shown.panel.select(copy.id)
    await until(lambda: preview.words.toPlainText() == "Ride into spring")
    assert preview.words.isVisible()
    assert not preview.image.isVisible()
    shown.panel.select(old.id)
    assert preview.image.isVisible()
    assert not preview.words.isVisible()
    await _settle(shown)


def test_tag_completion_completes_the_tag_being_typed(qtbot: QtBot) -> None:
    edit = QLineEdit()
    qtbot.addWidget(edit)
    tags = QStringListModel(["Launch", "sea", "summer"], edit)
    edit.setCompleter(TagListCompleter(tags, edit))
    edit.show()
    edit.activateWindow()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    qtbot.keyClicks(edit, "sea, la")
    popup = edit.completer().popup()
    qtbot.waitUntil(popup.isVisible)
    assert [popup.model().index(row, 0).data() for row in range(popup.model().rowCount())] == [
        "Launch"
    ]
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert edit.text() == "sea, Launch"  # the tag before it kept, the one typed completed


def test_grid_names_line_up_whatever_the_picture(qtbot: QtBot) -> None:
    """A wide thumbnail, a square one and none (a text file) get the same picture box, so the
    style lays out their names at the same height."""
    wide, square = QPixmap(96, 40), QPixmap(96, 96)
    model = QStandardItemModel()
    for icon_of in (QIcon(wide), QIcon(square), None):
        item = QStandardItem("name.png")
        if icon_of is not None:
            item.setIcon(icon_of)
        model.appendRow(item)
    delegate = GridCellDelegate(QSize(120, 130))
    boxes = []
    for row in range(model.rowCount()):
        option = QStyleOptionViewItem()
        delegate.initStyleOption(option, model.index(row, 0))
        assert option.features & QStyleOptionViewItem.ViewItemFeature.HasDecoration
        top = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
        assert option.displayAlignment == top  # a one-line name starts where a two-line one does
        boxes.append(QSize(option.decorationSize))
    assert boxes == [QSize(ICON_PX, ICON_PX)] * 3
