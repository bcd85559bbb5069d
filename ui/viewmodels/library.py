"""The asset library's data: a search paged as the user scrolls, kept live by the change feed,
and the library's commands (upload, tag, categorise, archive, usage, attach to a creative)."""

from __future__ import annotations

import asyncio
import itertools
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer, Signal

from app.domain.assets import ArchiveResult, Asset, AssetPage, AssetQuery
from app.domain.campaigns import Campaign
from app.domain.changes import ChangeAction, ChangeEvent, RecordKind
from app.domain.creatives import Creative
from app.domain.enums import AssetType
from app.domain.errors import AppError, NotFound
from ui.tasks import UiTaskRunner
from ui.viewmodels.navigation import Target
from ui.viewmodels.session import SessionViewModel
from ui.viewmodels.table_model import AnyIndex, RowTableModel
from ui.viewmodels.workspace import WorkspaceViewModel
from ui.widgets.thumbnail_loader import ThumbnailLoader

PAGE_SIZE = 200
RELOAD_DELAY_MS = 150
ASSET_ROLE = Qt.ItemDataRole.UserRole + 1
"""The row's ``AssetRow``."""

ALREADY_THERE = "already in the library (tags merged)"
UPLOADED = "uploaded"


def describe_size(size: int) -> str:
    """A byte count in words a person reads (1.2 MB)."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


@dataclass(frozen=True, slots=True)
class AssetRow:
    """What the library shows of an asset. A row is about 500 bytes where a whole ``Asset``
    (keys, hash, three dates, pydantic's bookkeeping) is about 3.8 KB: with 10,000 rows loaded
    that is 5 MiB instead of 38."""

    id: str
    filename: str
    type: AssetType
    size: int
    width: int | None
    height: int | None
    duration_seconds: float | None
    tags: tuple[str, ...]
    category: str | None
    archived: bool
    has_thumbnail: bool
    uploaded_at: datetime
    uploaded_by: str

    @classmethod
    def of(cls, asset: Asset) -> AssetRow:
        return cls(
            id=asset.id,
            filename=asset.filename,
            type=asset.type,
            size=asset.size,
            width=asset.width,
            height=asset.height,
            duration_seconds=asset.duration_seconds,
            tags=tuple(sys.intern(tag) for tag in asset.tags),
            category=None if asset.category is None else sys.intern(asset.category),
            archived=asset.archived,
            has_thumbnail=asset.thumbnail_key is not None,
            uploaded_at=asset.uploaded_at,
            uploaded_by=sys.intern(asset.uploaded_by),
        )


def describe_shape(asset: AssetRow) -> str:
    """The asset's dimensions or its duration, whichever it has."""
    if asset.duration_seconds is not None:
        seconds = round(asset.duration_seconds)
        shape = f"{seconds // 60}:{seconds % 60:02d}"
        if asset.width and asset.height:
            shape += f" ({asset.width}×{asset.height})"
        return shape
    if asset.width and asset.height:
        return f"{asset.width}×{asset.height}"
    return ""


class AssetListModel(RowTableModel):
    """One row per asset of the search, newest first; more rows are read as the view scrolls
    (``canFetchMore``/``fetchMore`` ask the view model for the next page). The name column's
    decoration is the thumbnail, asked of the loader only when a view paints the item."""

    columns = ("Name", "Type", "Size", "Dimensions", "Tags", "Uploaded", "Used by")

    def __init__(self, view_model: LibraryViewModel) -> None:
        super().__init__(view_model)
        self._view_model = view_model
        self._used_by: dict[str, int] = {}
        self._positions: dict[str, int] = {}

    @property
    def assets(self) -> list[AssetRow]:
        return list(self._rows)

    def row_of(self, asset_id: str) -> int | None:
        return self._positions.get(asset_id)

    def find(self, asset_id: str) -> AssetRow | None:
        """The shown asset of that id, if it is loaded."""
        row = self.row_of(asset_id)
        return None if row is None else self._rows[row]

    def asset(self, row: int) -> AssetRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def set_rows(self, rows: Iterable[AssetRow]) -> None:
        super().set_rows(rows)
        self._index_from(0)

    def _index_from(self, first: int) -> None:
        """Note the rows' positions from ``first`` on (by id: a thumbnail or a change finds its
        row without scanning 10,000)."""
        if first == 0:
            self._positions = {}
        for row in range(first, len(self._rows)):
            self._positions[self._rows[row].id] = row

    def cell(self, row: Any, column: int, role: int) -> Any:
        asset: AssetRow = row
        if role == ASSET_ROLE:
            return asset
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(asset, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return f"{asset.filename}\n{asset.type.value}, {describe_size(asset.size)}"
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            if not asset.has_thumbnail:
                return None
            return self._view_model.thumbnails.icon(asset.id)
        if role == Qt.ItemDataRole.AccessibleTextRole and column == 0:
            return asset.filename
        return None

    def _text(self, asset: AssetRow, column: int) -> str:
        if column == 0:
            return asset.filename
        if column == 1:
            return asset.type.value + (" (archived)" if asset.archived else "")
        if column == 2:
            return describe_size(asset.size)
        if column == 3:
            return describe_shape(asset)
        if column == 4:
            return ", ".join(asset.tags)
        if column == 5:
            return asset.uploaded_at.astimezone().strftime("%Y-%m-%d %H:%M")
        used = self._used_by.get(asset.id)
        return "" if used is None else str(used)

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < self._view_model.total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if not parent.isValid():
            self._view_model.fetch_more()

    def append(self, assets: list[AssetRow]) -> None:
        fresh = [asset for asset in assets if asset.id not in self._positions]
        if not fresh:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self._rows.extend(fresh)
        self._index_from(first)
        self.endInsertRows()

    def replace(self, asset: AssetRow) -> bool:
        row = self.row_of(asset.id)
        if row is None:
            return False
        self._rows[row] = asset
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))
        return True

    def remove(self, asset_id: str) -> None:
        row = self.row_of(asset_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        del self._positions[asset_id]
        self._index_from(row)
        self.endRemoveRows()

    def set_used_by(self, asset_id: str, count: int) -> None:
        self._used_by[asset_id] = count
        row = self.row_of(asset_id)
        if row is not None:
            column = len(self.columns) - 1
            self.dataChanged.emit(self.index(row, column), self.index(row, column))

    def thumbnail_loaded(self, asset_id: str) -> None:
        row = self.row_of(asset_id)
        if row is not None:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


@dataclass(frozen=True)
class Filters:
    """The library search the user set up."""

    filename: str = ""
    types: frozenset[AssetType] = frozenset()
    tags: frozenset[str] = frozenset()
    category: str = ""
    include_archived: bool = False

    def query(self, offset: int, limit: int = PAGE_SIZE) -> AssetQuery:
        return AssetQuery(
            filename=self.filename or None,
            types=self.types or None,
            tags=self.tags or None,
            category=self.category or None,
            include_archived=self.include_archived,
            limit=limit,
            offset=offset,
        )

    def matches(self, asset: Asset) -> bool:
        """Whether ``asset`` still belongs in the results (a change in place)."""
        tags = {" ".join(tag.split()).lower() for tag in self.tags}
        return (
            (self.include_archived or not asset.archived)
            and (not self.types or asset.type in self.types)
            and tags.issubset(asset.tags)
            and (not self.filename or self.filename.lower() in asset.filename.lower())
            and (not self.category or asset.category == self.category)
        )


@dataclass(frozen=True)
class Usage:
    """A creative that uses an asset."""

    creative_id: str
    title: str
    campaign_id: str
    campaign_name: str


class LibraryViewModel(WorkspaceViewModel):
    """The workspace's asset library: a search (:attr:`filters`) read a page at a time into
    :attr:`model`, kept live by the change feed, with thumbnails from :attr:`thumbnails`.

    Signals:
        results_changed(int): the search's total number of matches (after a read).
        upload_started(list): the files of an upload (``str`` names), in order.
        file_progress(int, int): the file at that position of the upload is at that percent.
        file_done(int, str): the file at that position was stored; what happened in words.
        file_refused(int, str): the file at that position was refused; the core's reason.
        upload_progress(int, int): files done of all files of the upload.
        upload_finished(str): the upload ended; a summary in words.
        tags_loaded(list): the workspace's tags (``str``), most used first.
        categories_loaded(list): the workspace's categories (``str``).
        usage_loaded(str, list): the asset id and the creatives using it (``Usage``).
        archive_checked(str, list): before archiving the asset, the creatives still using it.
        archived(str, str): the asset id was archived; what the user should know, in words.
        creatives_loaded(list): ``(Usage)`` choices for "attach to creative".
        attached(str): attaching went through; in words.
        action_refused(str): a command was refused; the core's reason.
        navigation_requested(str, object): open a creative: its campaign id and a ``Target``.
        permissions_changed(): :attr:`may_edit` may have changed.
    """

    results_changed = Signal(int)
    upload_started = Signal(list)
    file_progress = Signal(int, int)
    file_done = Signal(int, str)
    file_refused = Signal(int, str)
    upload_progress = Signal(int, int)
    upload_finished = Signal(str)
    tags_loaded = Signal(list)
    categories_loaded = Signal(list)
    usage_loaded = Signal(str, list)
    archive_checked = Signal(str, list)
    archived = Signal(str, str)
    creatives_loaded = Signal(list)
    attached = Signal(str)
    action_refused = Signal(str)
    navigation_requested = Signal(str, object)

    def __init__(
        self, session: SessionViewModel, tasks: UiTaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(session, tasks, parent)
        self.filters = Filters()
        self.total = 0
        self.loaded_once = False
        self._fetching = False
        self._generation = 0
        self._uploads = itertools.count()
        self.thumbnails = ThumbnailLoader(self._thumbnail, tasks, self)
        self.model = AssetListModel(self)
        self.thumbnails.loaded.connect(self.model.thumbnail_loaded)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.refresh)
        session.changed.connect(self._on_session_changed)
        session.reload_requested.connect(self.refresh)
        session.workspace_switched.connect(lambda _actor: self.refresh())

    # -- searching ----------------------------------------------------------------------------

    def set_filters(
        self,
        *,
        filename: str | None = None,
        types: frozenset[AssetType] | None = None,
        tags: frozenset[str] | None = None,
        category: str | None = None,
        include_archived: bool | None = None,
    ) -> None:
        """Change the search (what is not given stays) and read its first page."""
        current = self.filters
        self.filters = Filters(
            filename=current.filename if filename is None else filename.strip(),
            types=current.types if types is None else frozenset(types),
            tags=current.tags if tags is None else frozenset(t for t in tags if t.strip()),
            category=current.category if category is None else category.strip(),
            include_archived=(
                current.include_archived if include_archived is None else include_archived
            ),
        )
        if self.filters != current or not self.loaded_once:
            self.refresh()

    def refresh(self) -> None:
        """Read the search's first page again (the rows already shown are replaced)."""
        self._reload_timer.stop()
        self._generation += 1
        generation = self._generation
        self._fetching = True
        query = self.filters.query(0, max(PAGE_SIZE, self.model.rowCount()))
        call = self.core.storage.search(self.actor, query)
        self.run("search", call, lambda page: self._on_first_page(generation, page))
        self.load_tags()

    def fetch_more(self) -> None:
        """Read the next page (the view scrolled to the end of what is loaded)."""
        if self._fetching or self.model.rowCount() >= self.total:
            return
        self._fetching = True
        generation = self._generation
        query = self.filters.query(self.model.rowCount())
        call = self.core.storage.search(self.actor, query)
        self.run("page", call, lambda page: self._on_next_page(generation, page))

    def load_tags(self) -> None:
        """Read the workspace's tags and categories (completion and filters)."""

        async def read() -> tuple[dict[str, int], dict[str, int]]:
            tags = await self.core.storage.tags(self.actor)
            categories = await self.core.storage.categories(self.actor)
            return tags, categories

        self.run("tags", read(), self._on_tags)

    def _on_tags(self, result: tuple[dict[str, int], dict[str, int]]) -> None:
        tags, categories = result
        self.tags_loaded.emit(sorted(tags, key=lambda tag: (-tags[tag], tag)))
        self.categories_loaded.emit(sorted(categories))

    def _on_first_page(self, generation: int, page: AssetPage) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        self.loaded_once = True
        self.total = page.total
        self.thumbnails.clear()
        self.model.set_rows(AssetRow.of(asset) for asset in page.items)
        self.results_changed.emit(self.total)

    def _on_next_page(self, generation: int, page: AssetPage) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        self.total = page.total
        self.model.append([AssetRow.of(asset) for asset in page.items])
        self.results_changed.emit(self.total)

    async def _thumbnail(self, asset_id: str) -> bytes | None:
        return await self.core.storage.thumbnail(self.actor, asset_id)

    # -- the change feed ----------------------------------------------------------------------

    def _on_session_changed(self, event: ChangeEvent) -> None:
        if event.record is not RecordKind.ASSET or event.record_id is None:
            return
        if event.action is ChangeAction.DELETED:
            self._forget(event.record_id)
            return
        if event.action is ChangeAction.CREATED:
            if not self._reload_timer.isActive():
                self._reload_timer.start()
            return
        if self.model.row_of(event.record_id) is None:
            if not self._reload_timer.isActive():
                self._reload_timer.start()  # it may match the search now
            return
        asset_id = event.record_id
        call = self.core.storage.get(self.actor, asset_id)
        self.run(
            f"get-{asset_id}",
            call,
            self._on_changed_asset,
            lambda error: self._forget(asset_id) if isinstance(error, NotFound) else None,
        )

    def _on_changed_asset(self, asset: Asset) -> None:
        old = self.model.find(asset.id)
        if not self.filters.matches(asset):
            self._forget(asset.id)
            return
        row = AssetRow.of(asset)
        if old is not None and old.has_thumbnail != row.has_thumbnail:
            self.thumbnails.forget(asset.id)
        self.model.replace(row)

    def _forget(self, asset_id: str) -> None:
        if self.model.row_of(asset_id) is not None:
            self.model.remove(asset_id)
            self.total = max(0, self.total - 1)
            self.results_changed.emit(self.total)
        self.thumbnails.forget(asset_id)

    # -- uploading ----------------------------------------------------------------------------

    def upload(self, paths: list[str] | list[Path], tags: tuple[str, ...] = ()) -> None:
        """Upload files, and the files inside folders (walked), one after another; each is
        reported done ("uploaded" or "already in the library (tags merged)") or refused with
        the core's reason, and the others go on."""
        self.run(f"upload-{next(self._uploads)}", self._upload([Path(p) for p in paths], tags))

    async def _upload(self, paths: list[Path], tags: tuple[str, ...]) -> None:
        files = await asyncio.to_thread(_walk, paths)
        self.upload_started.emit([file.name for file in files])
        added = again = refused = 0
        for position, file in enumerate(files):
            self.file_progress.emit(position, 0)

            def progress(fraction: float, position: int = position) -> None:
                self.file_progress.emit(position, round(fraction * 100))

            try:
                stored = await self.core.storage.add_file(
                    self.actor, file, tags=tags, progress=progress
                )
            except AppError as error:
                refused += 1
                self.file_refused.emit(position, error.message)
            else:
                if stored.duplicate:
                    again += 1
                    self.file_done.emit(position, ALREADY_THERE)
                else:
                    added += 1
                    self.file_done.emit(position, UPLOADED)
            self.file_progress.emit(position, 100)
            self.upload_progress.emit(position + 1, len(files))
        parts = [f"{added} uploaded"]
        if again:
            parts.append(f"{again} already in the library")
        if refused:
            parts.append(f"{refused} refused")
        self.upload_finished.emit(", ".join(parts))
        self.refresh()

    # -- changing assets ----------------------------------------------------------------------

    def tag(self, asset_id: str, add: list[str], remove: list[str] | None = None) -> None:
        """Add and remove tags of the asset."""
        call = self.core.storage.tag(self.actor, asset_id, add=add, remove=remove or ())
        self.run(f"tag-{asset_id}", call, self._on_changed, self._refused)

    def set_category(self, asset_id: str, category: str | None) -> None:
        call = self.core.storage.set_category(self.actor, asset_id, category)
        self.run(f"category-{asset_id}", call, self._on_changed, self._refused)

    def check_archive(self, asset_id: str) -> None:
        """Read the creatives still using the asset (``archive_checked``) so the user is warned
        before archiving it."""
        self.run(
            f"check-{asset_id}",
            self._usage(asset_id),
            lambda usage: self.archive_checked.emit(asset_id, usage),
            self._refused,
        )

    def archive(self, asset_id: str) -> None:
        call = self.core.storage.archive(self.actor, asset_id)
        self.run(f"archive-{asset_id}", call, self._on_archived, self._refused)

    def unarchive(self, asset_id: str) -> None:
        call = self.core.storage.unarchive(self.actor, asset_id)
        self.run(f"unarchive-{asset_id}", call, self._on_changed, self._refused)

    def show_usage(self, asset_id: str) -> None:
        """Read the creatives that use the asset (``usage_loaded``)."""

        def loaded(usage: list[Usage]) -> None:
            self.model.set_used_by(asset_id, len(usage))
            self.usage_loaded.emit(asset_id, usage)

        self.run(f"usage-{asset_id}", self._usage(asset_id), loaded, self._refused)

    def open_creative(self, usage: Usage) -> None:
        """Ask the window to show the creative in its campaign's content tab."""
        target = Target.for_record("creative", usage.creative_id)
        self.navigation_requested.emit(usage.campaign_id, target)

    def load_creatives(self) -> None:
        """Read the workspace's creatives (``creatives_loaded``) for "attach to creative"."""

        async def read() -> list[Usage]:
            choices: list[Usage] = []
            for campaign in await self.core.campaigns.list_campaigns(self.actor):
                creatives = await self.core.creatives.list_creatives(self.actor, campaign.id)
                choices.extend(_usage(creative, campaign) for creative in creatives)
            return choices

        self.run("creatives", read(), self.creatives_loaded.emit, self._refused)

    def attach(self, asset_id: str, creative_id: str) -> None:
        """Use the asset in the creative."""
        call = self.core.creatives.attach_asset(self.actor, creative_id, asset_id)

        def done(creative: Creative) -> None:
            self.attached.emit(f"Attached to {creative.title}")
            self.show_usage(asset_id)

        self.run(f"attach-{asset_id}", call, done, self._refused)

    async def _usage(self, asset_id: str) -> list[Usage]:
        ids = await self.core.storage.usage(self.actor, asset_id)
        campaigns: dict[str, Campaign] = {}
        usage: list[Usage] = []
        for creative_id in ids:
            creative = await self.core.creatives.get_creative(self.actor, creative_id)
            campaign = campaigns.get(creative.campaign_id)
            if campaign is None:
                campaign = await self.core.campaigns.get_campaign(self.actor, creative.campaign_id)
                campaigns[campaign.id] = campaign
            usage.append(_usage(creative, campaign))
        return usage

    def _on_changed(self, asset: Asset) -> None:
        self._on_changed_asset(asset)
        self.load_tags()

    def _on_archived(self, result: ArchiveResult) -> None:
        self._on_changed_asset(result.asset)
        if result.in_use:
            count = len(result.used_by)
            noun = "creative still uses" if count == 1 else "creatives still use"
            message = f"Archived {result.asset.filename}: {count} {noun} it"
        else:
            message = f"Archived {result.asset.filename}"
        self.archived.emit(result.asset.id, message)

    def _refused(self, error: AppError) -> None:
        self.action_refused.emit(f"Refused: {error.message}")


def _usage(creative: Creative, campaign: Campaign) -> Usage:
    return Usage(creative.id, creative.title, campaign.id, campaign.name)


def _walk(paths: list[Path]) -> list[Path]:
    """The files named and those inside the folders named (sorted, hidden ones skipped)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    found
                    for found in path.rglob("*")
                    if found.is_file()
                    and not any(part.startswith(".") for part in found.relative_to(path).parts)
                )
            )
        else:
            files.append(path)
    return files
