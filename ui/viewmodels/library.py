"""The asset library's data: a search paged as the user scrolls, kept live by the change feed,
and the library's commands (upload, tag, categorise, archive, usage, attach to a creative)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from app.domain.assets import ArchiveResult, Asset, AssetPage, AssetQuery, StoredFile
from app.domain.campaigns import Campaign
from app.domain.changes import ChangeAction, ChangeEvent, RecordKind
from app.domain.creatives import Creative
from app.domain.enums import AssetType
from app.domain.errors import AppError, NotFound
from ui.tasks import UiTaskRunner
from ui.viewmodels.asset_rows import AssetListModel, AssetRow
from ui.viewmodels.asset_upload import AssetUploader
from ui.viewmodels.asset_usage import UsageCounter
from ui.viewmodels.navigation import Target
from ui.viewmodels.session import SessionViewModel
from ui.viewmodels.workspace import WorkspaceViewModel
from ui.widgets.thumbnail_loader import ThumbnailLoader

PAGE_SIZE = 200
RELOAD_DELAY_MS = 150


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
    :attr:`model`, kept live by the change feed, with thumbnails from :attr:`thumbnails`; an
    upload reports through :attr:`uploads` (its files' progress and outcomes).

    Signals:
        results_changed(int): the search's total number of matches (after a read).
        tags_loaded(list): the workspace's tags (``str``), most used first.
        categories_loaded(list): the workspace's categories (``str``).
        usage_loaded(str, list): the asset id and the creatives using it (``Usage``).
        archive_checked(str, list): before archiving the asset, the creatives still using it.
        archived(str, str): the asset id was archived; what the user should know, in words.
        creatives_loaded(list): ``(Usage)`` choices for "attach to creative".
        attached(str): attaching went through; in words.
        text_loaded(str, str): the beginning of a text asset (its id, the text) for the preview.
        action_refused(str): a command was refused; the core's reason.
        navigation_requested(str, object): open a creative: its campaign id and a ``Target``.
        permissions_changed(): :attr:`may_edit` may have changed.
    """

    results_changed = Signal(int)
    tags_loaded = Signal(list)
    categories_loaded = Signal(list)
    usage_loaded = Signal(str, list)
    archive_checked = Signal(str, list)
    archived = Signal(str, str)
    creatives_loaded = Signal(list)
    attached = Signal(str)
    text_loaded = Signal(str, str)
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
        self.uploads = AssetUploader(self._add_file, self)
        self.usage = UsageCounter(self)
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
        self.usage.count([asset.id for asset in page.items])
        self.results_changed.emit(self.total)

    def _on_next_page(self, generation: int, page: AssetPage) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        self.total = page.total
        self.model.append([AssetRow.of(asset) for asset in page.items])
        self.usage.count([asset.id for asset in page.items])
        self.results_changed.emit(self.total)

    async def _thumbnail(self, asset_id: str) -> bytes | None:
        return await self.core.storage.thumbnail(self.actor, asset_id)

    def load_text(self, asset_id: str) -> None:
        """Read the beginning of a text asset (``text_loaded`` follows)."""
        self.run(
            f"text-{asset_id}",
            self.core.storage.text(self.actor, asset_id),
            lambda text: self.text_loaded.emit(asset_id, text),
            self._refused,
        )

    # -- the change feed ----------------------------------------------------------------------

    def _on_session_changed(self, event: ChangeEvent) -> None:
        if event.record is RecordKind.CREATIVE:
            self.usage.recount_soon()
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
        the core's reason through :attr:`uploads`, and the others go on. The search is read
        again once all are through."""
        self.run(f"upload-{next(self._uploads)}", self._upload([Path(p) for p in paths], tags))

    async def _upload(self, paths: list[Path], tags: tuple[str, ...]) -> None:
        await self.uploads.upload(paths, tags)
        self.refresh()

    async def _add_file(
        self, file: Path, tags: tuple[str, ...], progress: Callable[[float], None]
    ) -> StoredFile:
        return await self.core.storage.add_file(self.actor, file, tags=tags, progress=progress)

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
