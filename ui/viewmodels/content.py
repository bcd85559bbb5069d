"""The Content tab's view model: the campaign's creatives as cards, kept live by the feed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QImage

from app.domain.assets import Asset, AssetPage, AssetQuery
from app.domain.changes import ChangeEvent, EventKind, RecordKind
from app.domain.creatives import Creative
from app.domain.enums import CreativeKind, RenderStatus
from app.domain.render_jobs import RenderJob
from ui.tasks import UiTaskRunner
from ui.viewmodels.campaign_page import CampaignPageViewModel
from ui.viewmodels.session import SessionViewModel

CreativeRole = Qt.ItemDataRole.UserRole + 1
"""The ``Creative`` itself."""
IdRole = Qt.ItemDataRole.UserRole + 2
StaleRole = Qt.ItemDataRole.UserRole + 3
KindRole = Qt.ItemDataRole.UserRole + 4
"""``text``, ``image`` or ``video``."""
ProgressRole = Qt.ItemDataRole.UserRole + 5
"""The active render's fraction done (0–1), or None when nothing renders."""
JobStatusRole = Qt.ItemDataRole.UserRole + 6
"""The latest render's status name (``queued``, ``running``, ``failed``, …) or None."""
ThumbnailRole = Qt.ItemDataRole.UserRole + 7
"""A ``QImage`` of the creative's output, once loaded (None until then, or for copy)."""

AnyIndex = QModelIndex | QPersistentModelIndex
_ACTIVE = (RenderStatus.QUEUED, RenderStatus.RUNNING)


def picture_asset(creative: Creative) -> str | None:
    """The asset whose thumbnail stands for a media creative (its newest output)."""
    if creative.kind is CreativeKind.TEXT:
        return None
    if creative.outputs:
        return creative.outputs[-1].asset_id
    return creative.asset_ids[-1] if creative.asset_ids else None


class CreativeListModel(QAbstractListModel):
    """The campaign's creatives; DisplayRole is the title. Thumbnails are asked for through
    ``thumbnail_wanted(asset_id)`` the first time a card needs one (lazily, as it is painted)."""

    def __init__(
        self, thumbnail_wanted: Callable[[str], None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._creatives: list[Creative] = []
        self._jobs: dict[str, tuple[str, float]] = {}
        self._thumbnails: dict[str, QImage] = {}
        self._thumbnail_wanted = thumbnail_wanted

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._creatives)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._creatives):
            return None
        creative = self._creatives[index.row()]
        job = self._jobs.get(creative.id)
        if role == Qt.ItemDataRole.DisplayRole:
            return creative.title
        if role == Qt.ItemDataRole.AccessibleTextRole:
            stale = ", stale" if creative.stale else ""
            channel = f" for {creative.channel}" if creative.channel else ""
            return f"{creative.title}, {creative.kind.value}{channel}{stale}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return creative.prompt or creative.body or creative.title
        if role == CreativeRole:
            return creative
        if role == IdRole:
            return creative.id
        if role == StaleRole:
            return creative.stale
        if role == KindRole:
            return creative.kind.value
        if role == JobStatusRole:
            return job[0] if job else None
        if role == ProgressRole:
            return job[1] if job and job[0] in _ACTIVE else None
        if role == ThumbnailRole:
            asset_id = picture_asset(creative)
            if asset_id is None:
                return None
            if asset_id not in self._thumbnails:
                self._thumbnail_wanted(asset_id)
                return None
            return self._thumbnails[asset_id]
        return None

    def set_creatives(self, creatives: Iterable[Creative], jobs: Iterable[RenderJob]) -> None:
        self.beginResetModel()
        self._creatives = list(creatives)
        self._jobs = {}
        for job in sorted(jobs, key=lambda j: j.created_at):
            self._jobs[job.creative_id] = (job.status.value, job.progress.fraction)
        self.endResetModel()

    def creative(self, row: int) -> Creative:
        return self._creatives[row]

    def row_of(self, creative_id: str) -> int | None:
        for row, creative in enumerate(self._creatives):
            if creative.id == creative_id:
                return row
        return None

    def update_job(self, job: RenderJob) -> None:
        """Show a render's progress on its card in place (no reload)."""
        self._jobs[job.creative_id] = (job.status.value, job.progress.fraction)
        row = self.row_of(job.creative_id)
        if row is not None:
            here = self.index(row)
            self.dataChanged.emit(here, here, [ProgressRole, JobStatusRole])

    def set_thumbnail(self, asset_id: str, image: QImage) -> None:
        self._thumbnails[asset_id] = image
        for row, creative in enumerate(self._creatives):
            if picture_asset(creative) == asset_id:
                here = self.index(row)
                self.dataChanged.emit(here, here, [ThumbnailRole])


class ContentViewModel(CampaignPageViewModel):
    """The creatives of the selected campaign as :attr:`model`; their renders' progress comes
    from the change feed into the cards in place, and the list is read again only when a render
    ends or a creative or asset changes.

    Signals:
        loaded(): the creatives were read (again).
        saved(object): a creative was created or edited (``Creative``).
        deleted(str): a creative was deleted (its id).
        regenerated(list): renders were queued again (``RenderJob``s).
        attached(object): an asset was attached (the ``Creative``).
        providers_loaded(dict): the render providers of each media kind.
        assets_found(list): the library's ``Asset``s matching a search.
        thumbnail_loaded(str, object): an asset's thumbnail (``QImage``) was read.
    """

    loaded = Signal()
    saved = Signal(object)
    deleted = Signal(str)
    regenerated = Signal(list)
    attached = Signal(object)
    providers_loaded = Signal(dict)
    assets_found = Signal(list)
    thumbnail_loaded = Signal(str, object)

    records = frozenset({RecordKind.CREATIVE, RecordKind.ASSET})

    def __init__(
        self, session: SessionViewModel, tasks: UiTaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(session, tasks, parent)
        self.model = CreativeListModel(self.load_thumbnail, self)
        self.providers: dict[str, list[str]] = {}
        self.channels: list[str] = []
        """The campaign's channels, offered for a new creative."""
        self._thumbnails: dict[str, QImage] = {}
        self._asked: set[str] = set()
        self.campaign_changed.connect(self._on_campaign_changed)

    def load(self) -> None:
        campaign_id = self.campaign_id
        assert campaign_id is not None

        async def read() -> tuple[list[Creative], list[RenderJob], dict[str, list[str]]]:
            creatives = await self.core.creatives.list_creatives(self.actor, campaign_id)
            jobs = await self.core.renderer.list_jobs(self.actor, campaign_id=campaign_id)
            providers = self.providers or await self.core.renderer.providers(self.actor)
            campaign = await self.core.campaigns.get_campaign(self.actor, campaign_id)
            self.channels = list(campaign.channels)
            return creatives, jobs, providers

        self.run("load", read(), self._on_loaded)

    def concerns(self, event: ChangeEvent) -> bool:
        if event.record is RecordKind.ASSET:
            return True  # a library asset a card shows (assets belong to no campaign)
        return super().concerns(event)

    def _on_session_changed(self, event: ChangeEvent) -> None:
        job = event.job
        if event.record is RecordKind.RENDER_JOB and job is not None:
            if job.campaign_id != self.campaign_id:
                return
            self.model.update_job(job)
            if event.kind is EventKind.JOB_CHANGED:
                return
            # Ended: the creative gets its output; read the list once the burst is over.
            if not self.reload_pending:
                self._reload_timer.start()
            return
        super()._on_session_changed(event)

    def _on_campaign_changed(self, _campaign_id: str | None) -> None:
        # Another campaign's cards never show under this one while it is read.
        self.model.set_creatives([], [])

    def _on_loaded(
        self, result: tuple[list[Creative], list[RenderJob], dict[str, list[str]]]
    ) -> None:
        creatives, jobs, providers = result
        if providers != self.providers:
            self.providers = providers
            self.providers_loaded.emit(providers)
        self.model.set_creatives(creatives, jobs)
        self.loaded.emit()

    # Commands -------------------------------------------------------------------------

    def create_text(self, title: str, body: str, channel: str | None = None) -> None:
        assert self.campaign_id is not None
        call = self.core.creatives.create_text_creative(
            self.actor, self.campaign_id, title=title, body=body, channel=channel
        )
        self.run("save", call, self._on_saved)

    def create_media(
        self, kind: str, title: str, prompt: str, provider: str | None, channel: str | None = None
    ) -> None:
        assert self.campaign_id is not None
        call = self.core.creatives.create_media_creative(
            self.actor,
            self.campaign_id,
            kind=kind,
            title=title,
            prompt=prompt,
            provider=provider,
            channel=channel,
        )
        self.run("save", call, self._on_saved)

    def edit_text(self, creative_id: str, text: str) -> None:
        self.run(
            "save", self.core.creatives.edit_text(self.actor, creative_id, text), self._on_saved
        )

    def delete(self, creative_id: str) -> None:
        call = self.core.creatives.delete_creative(self.actor, creative_id)
        self.run(f"delete-{creative_id}", call, lambda _none: self._on_deleted(creative_id))

    def regenerate(self, creative_ids: list[str] | None) -> None:
        """Render the given creatives again, or every stale one when ``creative_ids`` is None."""
        assert self.campaign_id is not None
        call = self.core.creatives.regenerate(
            self.actor, self.campaign_id, creative_ids=creative_ids
        )
        self.run("regenerate", call, self._on_regenerated)

    def attach_asset(self, creative_id: str, asset_id: str) -> None:
        call = self.core.creatives.attach_asset(self.actor, creative_id, asset_id)
        self.run("attach", call, self._on_attached)

    def search_assets(self, text: str) -> None:
        """Look the library up by file name (the picker's search field)."""
        query = AssetQuery(filename=text or None)
        self.run("assets", self.core.storage.search(self.actor, query), self._on_assets)

    def load_thumbnail(self, asset_id: str) -> None:
        """Read an asset's thumbnail once (a task of its own); cached by asset id."""
        if asset_id in self._thumbnails:
            self.thumbnail_loaded.emit(asset_id, self._thumbnails[asset_id])
            return
        if asset_id in self._asked:
            return
        self._asked.add(asset_id)
        call = self.core.storage.thumbnail(self.actor, asset_id)
        self.run(
            f"thumbnail-{asset_id}",
            call,
            lambda data: self._on_thumbnail(asset_id, data),
            lambda _error: None,  # no picture: the card keeps its words
        )

    def thumbnail(self, asset_id: str) -> QImage | None:
        return self._thumbnails.get(asset_id)

    # Results --------------------------------------------------------------------------

    def _on_saved(self, creative: Creative) -> None:
        self.saved.emit(creative)
        self.refresh()

    def _on_deleted(self, creative_id: str) -> None:
        self.deleted.emit(creative_id)
        self.refresh()

    def _on_regenerated(self, jobs: list[RenderJob]) -> None:
        for job in jobs:
            self.model.update_job(job)
        self.regenerated.emit(jobs)
        self.refresh()

    def _on_attached(self, creative: Creative) -> None:
        self.attached.emit(creative)
        self.refresh()

    def _on_assets(self, page: AssetPage) -> None:
        assets: list[Asset] = list(page.items)
        self.assets_found.emit(assets)

    def _on_thumbnail(self, asset_id: str, data: bytes | None) -> None:
        if not data:
            return
        image = QImage.fromData(data)
        if image.isNull():
            return
        self._thumbnails[asset_id] = image
        self.model.set_thumbnail(asset_id, image)
        self.thumbnail_loaded.emit(asset_id, image)
