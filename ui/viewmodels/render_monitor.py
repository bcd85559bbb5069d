"""The render monitor's data: every render job of the workspace, kept live by the change feed,
updated in place and coalesced; cancel, retry and new renders, and why not, in words."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)

from app.domain.changes import ChangeAction, ChangeEvent, RecordKind
from app.domain.creatives import Creative
from app.domain.enums import CreativeKind, RenderStatus
from app.domain.errors import AppError, NotFound
from app.domain.render_jobs import RenderJob
from ui.tasks import UiTaskRunner
from ui.viewmodels.session import SessionViewModel
from ui.viewmodels.table_model import AnyIndex, RowTableModel
from ui.viewmodels.workspace import WorkspaceViewModel
from ui.widgets.icons import icon

COALESCE_MS = 250
"""Events for the jobs heard within this long are read back once (one re-read per job)."""

TICK_MS = 1000
"""How often the elapsed time of running jobs and every job's age are redrawn."""

BEING_CANCELLED = "Being cancelled at the provider"

ProgressRole = Qt.ItemDataRole.UserRole + 1
"""The job's progress, 0–100 (for the progress delegate)."""
JobIdRole = Qt.ItemDataRole.UserRole + 2
SortRole = Qt.ItemDataRole.UserRole + 3
JobRole = Qt.ItemDataRole.UserRole + 4

COLUMNS = (
    "Creative",
    "Campaign",
    "Provider",
    "Kind",
    "Status",
    "Progress",
    "ETA",
    "Elapsed",
    "Attempts",
    "Submitted by",
    "Age",
)
(
    CREATIVE,
    CAMPAIGN,
    PROVIDER,
    KIND,
    STATUS,
    PROGRESS,
    ETA,
    ELAPSED,
    ATTEMPTS,
    SUBMITTED_BY,
    AGE,
) = range(len(COLUMNS))

STATUS_ICONS = {
    RenderStatus.QUEUED: "clock",
    RenderStatus.RUNNING: "refresh-cw",
    RenderStatus.PUBLISHED: "check",
    RenderStatus.FAILED: "triangle-alert",
    RenderStatus.CANCELLED: "x",
}


def duration_text(seconds: float | None) -> str:
    """``seconds`` as "1 h 02 min", "3 min 05 s" or "12 s" ("" when unknown)."""
    if seconds is None:
        return ""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def _now() -> datetime:
    return datetime.now(UTC)


def elapsed_seconds(job: RenderJob, now: datetime | None = None) -> float | None:
    """How long the job has run (until it finished), None before it was submitted."""
    if job.submitted_at is None:
        return None
    end = job.finished_at or now or _now()
    return (end - job.submitted_at).total_seconds()


def attempts_text(job: RenderJob) -> str:
    """ "first attempt" or "retry 2 of 3"."""
    if job.retries == 0:
        return "first attempt"
    return f"retry {job.retries} of {job.max_retries}"


class RenderJobTableModel(RowTableModel):
    """One row per render job (newest first as read); rows are changed in place, never reset
    after the first load, so selections and scroll positions survive live updates."""

    columns = COLUMNS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RenderJob] = []
        self._loaded = False
        self.creative_titles: dict[str, str] = {}
        self.campaign_titles: dict[str, str] = {}
        self.member_names: dict[str, str] = {}
        self.cancelling: set[str] = set()

    @property
    def jobs(self) -> list[RenderJob]:
        return list(self._rows)

    def row_of(self, job_id: str) -> int:
        for row, job in enumerate(self._rows):
            if job.id == job_id:
                return row
        return -1

    def job(self, job_id: str) -> RenderJob | None:
        row = self.row_of(job_id)
        return self._rows[row] if row >= 0 else None

    def set_rows(self, rows: Iterable[Any]) -> None:
        """The first load resets the model; later ones are applied in place."""
        jobs = list(rows)
        if not self._loaded:
            self._loaded = True
            super().set_rows(jobs)
            return
        known = {job.id for job in jobs}
        for row in reversed(range(len(self._rows))):
            if self._rows[row].id not in known:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
        for job in reversed(jobs):  # oldest first, so new ones end up on top in order
            self.upsert(job)

    def upsert(self, job: RenderJob) -> None:
        """Change the job's row in place (one dataChanged) or insert it on top."""
        row = self.row_of(job.id)
        if row < 0:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._rows.insert(0, job)
            self.endInsertRows()
            return
        if job.status is not RenderStatus.RUNNING:
            self.cancelling.discard(job.id)
        if self._rows[row] == job:
            return
        self._rows[row] = job
        self.row_changed(row)

    def set_cancelling(self, job_id: str, cancelling: bool) -> None:
        if cancelling:
            self.cancelling.add(job_id)
        else:
            self.cancelling.discard(job_id)
        row = self.row_of(job_id)
        if row >= 0:
            self.row_changed(row)

    def row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def names_changed(self) -> None:
        """The titles or member names were read again: redraw every row."""
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1)
            )

    def clock_ticked(self) -> None:
        """Redraw the time columns (elapsed, age)."""
        if self._rows:
            self.dataChanged.emit(
                self.index(0, ELAPSED),
                self.index(len(self._rows) - 1, AGE),
                [Qt.ItemDataRole.DisplayRole],
            )

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def cell(self, row: Any, column: int, role: int) -> Any:
        job: RenderJob = row
        if role == JobIdRole:
            return job.id
        if role == JobRole:
            return job
        if role == ProgressRole:
            return self._percent(job)
        if role == SortRole:
            return self._sort_key(job, column)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(job, column)
        if role == Qt.ItemDataRole.DecorationRole and column == STATUS:
            name = "circle-stop" if job.id in self.cancelling else STATUS_ICONS[job.status]
            return icon(name)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == STATUS and job.id in self.cancelling:
                return BEING_CANCELLED
            if column == STATUS and job.error:
                return job.error
        if role == Qt.ItemDataRole.AccessibleTextRole and column == STATUS:
            return BEING_CANCELLED if job.id in self.cancelling else job.status.value
        return None

    @staticmethod
    def _percent(job: RenderJob) -> int:
        if job.status is RenderStatus.PUBLISHED:
            return 100
        return round(job.progress.fraction * 100)

    def _text(self, job: RenderJob, column: int) -> str:
        if column == CREATIVE:
            return self.creative_titles.get(job.creative_id, "Untitled creative")
        if column == CAMPAIGN:
            return self.campaign_titles.get(job.campaign_id, "")
        if column == PROVIDER:
            return job.provider
        if column == KIND:
            return job.kind.value
        if column == STATUS:
            return job.status.value
        if column == PROGRESS:
            return f"{self._percent(job)} %"
        if column == ETA:
            running = job.status is RenderStatus.RUNNING
            return duration_text(job.eta_seconds) if running else ""
        if column == ELAPSED:
            return duration_text(elapsed_seconds(job))
        if column == ATTEMPTS:
            return attempts_text(job)
        if column == SUBMITTED_BY:
            return self.member_names.get(job.created_by) or job.created_by
        if column == AGE:
            return duration_text((_now() - job.created_at).total_seconds()) + " ago"
        return ""

    def _sort_key(self, job: RenderJob, column: int) -> Any:
        if column == PROGRESS:
            return self._percent(job)
        if column == ETA:
            return job.eta_seconds if job.eta_seconds is not None else -1.0
        if column == ELAPSED:
            return elapsed_seconds(job) or 0.0
        if column == ATTEMPTS:
            return job.retries
        if column == AGE:
            return -job.created_at.timestamp()
        return self._text(job, column).casefold()


class RenderJobFilterModel(QSortFilterProxyModel):
    """The jobs shown: of one status, campaign and provider, or only the user's ("mine")."""

    def __init__(self, user_id: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.user_id = user_id
        self.status: str | None = None
        self.campaign_id: str | None = None
        self.provider: str | None = None
        self.mine = False
        self.setSortRole(SortRole)

    def set_filters(
        self,
        *,
        status: str | None = None,
        campaign_id: str | None = None,
        provider: str | None = None,
        mine: bool = False,
    ) -> None:
        self.beginFilterChange()
        self.status, self.campaign_id, self.provider, self.mine = (
            status,
            campaign_id,
            provider,
            mine,
        )
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        job = self.sourceModel().index(source_row, 0, source_parent).data(JobRole)
        if not isinstance(job, RenderJob):
            return False
        return (
            (self.status is None or job.status.value == self.status)
            and (self.campaign_id is None or job.campaign_id == self.campaign_id)
            and (self.provider is None or job.provider == self.provider)
            and (not self.mine or job.created_by == self.user_id)
        )


Loaded = tuple[list[RenderJob], dict[str, str], dict[str, str], dict[str, str]]


class RenderMonitorViewModel(WorkspaceViewModel):
    """Every render job of the workspace, live: read once, then each job the change feed
    names is read back (coalesced over :data:`COALESCE_MS`) and changed in place.

    Signals:
        loaded(): the jobs and their titles were read.
        names_changed(): the campaigns' titles or the members' names were read again.
        summary_changed(str): :attr:`summary` changed ("3 rendering · 1 queued · 1 failed").
        refused(str): a cancel, retry or new render was refused, in words, per job.
        render_queued(object): a new render (``RenderJob``) was queued.
        render_refused(str): a new render was refused ("Refused: …").
        choices_loaded(object): the campaigns (``list[tuple[id, title]]``) and providers by kind
            (``dict[str, list[str]]``) for a new render, as a tuple.
        creatives_loaded(str, object): a campaign's image and video creatives (``list[Creative]``).
        preview_loaded(str, str, object): a job id, an asset id and its thumbnail bytes or None.
        url_loaded(str, str): an asset id and a URL to open its file.
        variant_used(str): the asset id now the creative's output.
        in_use_changed(str): :attr:`in_use` of that creative id was read or changed.
    """

    loaded = Signal()
    names_changed = Signal()
    summary_changed = Signal(str)
    refused = Signal(str)
    render_queued = Signal(object)
    render_refused = Signal(str)
    choices_loaded = Signal(object)
    creatives_loaded = Signal(str, object)
    preview_loaded = Signal(str, str, object)
    url_loaded = Signal(str, str)
    variant_used = Signal(str)
    in_use_changed = Signal(str)

    def __init__(
        self, session: SessionViewModel, tasks: UiTaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(session, tasks, parent)
        self.jobs = RenderJobTableModel(self)
        self.filtered = RenderJobFilterModel(session.actor.user_id, self)
        self.filtered.setSourceModel(self.jobs)
        self.summary = ""
        self.providers: dict[str, list[str]] = {}
        self._changed_ids: set[str] = set()
        self._reload_all = False
        self._changed_creatives: set[str] = set()
        self.in_use: dict[str, str | None] = {}
        """The asset each creative uses now (its latest output), for creatives whose variants
        are shown: the variant in use is marked."""
        self._names_stale = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COALESCE_MS)
        self._timer.timeout.connect(self._read_changed)
        self._ticker = QTimer(self)
        self._ticker.setInterval(TICK_MS)
        self._ticker.timeout.connect(self.jobs.clock_ticked)
        self.jobs.rowsInserted.connect(self._update_summary)
        self.jobs.rowsRemoved.connect(self._update_summary)
        self.jobs.dataChanged.connect(self._update_summary)
        self.jobs.modelReset.connect(self._update_summary)
        session.changed.connect(self._on_changed)
        session.reload_requested.connect(self.refresh)
        session.workspace_switched.connect(lambda _actor: self.refresh())

    @property
    def reload_pending(self) -> bool:
        return self._timer.isActive()

    # ------------------------------------------------------------------ reading

    def refresh(self) -> None:
        """Read every job and the titles and names they show (F5; also the first load)."""
        self.run("load", self._read_all(), self._on_loaded)

    async def _read_all(self) -> Loaded:
        jobs = await self.core.renderer.list_jobs(self.actor)
        campaigns = await self.core.campaigns.list_campaigns(self.actor)
        members = await self.core.workspaces.list_members(self.actor)
        creatives: dict[str, str] = {}
        for campaign_id in {job.campaign_id for job in jobs}:
            try:
                listed = await self.core.creatives.list_creatives(self.actor, campaign_id)
            except NotFound:
                continue
            creatives.update((creative.id, creative.title) for creative in listed)
        return (
            jobs,
            creatives,
            {campaign.id: campaign.name for campaign in campaigns},
            {member.user_id: member.display_name or member.user_id for member in members},
        )

    def _on_loaded(self, result: Loaded) -> None:
        jobs, creatives, campaigns, members = result
        self.jobs.creative_titles = creatives
        self.jobs.campaign_titles = campaigns
        self.jobs.member_names = members
        self.jobs.names_changed()
        self.jobs.set_rows(jobs)
        if not self._ticker.isActive():
            self._ticker.start()
        self.loaded.emit()

    def _on_changed(self, event: ChangeEvent) -> None:
        if event.action is ChangeAction.RELOAD:
            self._reload_all = True
        elif event.record is RecordKind.RENDER_JOB and event.record_id:
            self._changed_ids.add(event.record_id)
        elif event.record is RecordKind.CREATIVE and event.record_id in self.jobs.creative_titles:
            self._changed_creatives.add(event.record_id)  # its title may have changed
        elif event.record in (RecordKind.CAMPAIGN, RecordKind.MEMBER):
            self._names_stale = True  # a campaign's title or a member's name
        else:
            return
        if not self._timer.isActive():
            self._timer.start()

    def _read_changed(self) -> None:
        if self._reload_all:
            self._reload_all = False
            self._changed_ids.clear()
            self.refresh()
            return
        ids, self._changed_ids = sorted(self._changed_ids), set()
        for job_id in ids:
            self.run(f"job-{job_id}", self._read_job(job_id), self._on_job)
        if self._changed_creatives:
            creative_ids, self._changed_creatives = sorted(self._changed_creatives), set()
            self.run(
                f"creatives-{creative_ids[0]}",
                self._read_creatives(creative_ids),
                self._on_creatives,
            )
        if self._names_stale:
            self._names_stale = False
            self.run("names", self._read_names(), self._on_names)

    async def _read_creatives(self, creative_ids: list[str]) -> list[Creative]:
        creatives = []
        for creative_id in creative_ids:
            try:
                creatives.append(await self.core.creatives.get_creative(self.actor, creative_id))
            except NotFound:
                continue  # deleted: its jobs keep the title they had
        return creatives

    def _on_creatives(self, creatives: list[Creative]) -> None:
        titles = {creative.id: creative.title for creative in creatives}
        if any(self.jobs.creative_titles.get(key) != title for key, title in titles.items()):
            self.jobs.creative_titles.update(titles)
            self.jobs.names_changed()
        for creative in creatives:
            if creative.id in self.in_use:
                self._note_in_use(creative)

    def _note_in_use(self, creative: Creative) -> None:
        asset_id = creative.outputs[-1].asset_id if creative.outputs else None
        self.in_use[creative.id] = asset_id
        self.in_use_changed.emit(creative.id)

    async def _read_names(self) -> tuple[dict[str, str], dict[str, str]]:
        campaigns = await self.core.campaigns.list_campaigns(self.actor)
        members = await self.core.workspaces.list_members(self.actor)
        return (
            {campaign.id: campaign.name for campaign in campaigns},
            {member.user_id: member.display_name or member.user_id for member in members},
        )

    def _on_names(self, names: tuple[dict[str, str], dict[str, str]]) -> None:
        campaigns, members = names
        if campaigns == self.jobs.campaign_titles and members == self.jobs.member_names:
            return
        self.jobs.campaign_titles = campaigns
        self.jobs.member_names = members
        self.jobs.names_changed()
        self.names_changed.emit()

    async def _read_job(self, job_id: str) -> tuple[RenderJob | None, Creative | None, str | None]:
        try:
            job = await self.core.renderer.get_job(self.actor, job_id)
        except NotFound:
            return None, None, None
        creative = None
        campaign = None
        if job.creative_id not in self.jobs.creative_titles:
            try:
                creative = await self.core.creatives.get_creative(self.actor, job.creative_id)
            except NotFound:
                creative = None
        if job.campaign_id not in self.jobs.campaign_titles:
            try:
                campaign = (
                    await self.core.campaigns.get_campaign(self.actor, job.campaign_id)
                ).name
            except NotFound:
                campaign = None
        return job, creative, campaign

    def _on_job(self, result: tuple[RenderJob | None, Creative | None, str | None]) -> None:
        job, creative, campaign = result
        if job is None:
            return
        if creative is not None:
            self.jobs.creative_titles[creative.id] = creative.title
        if campaign is not None:
            self.jobs.campaign_titles[job.campaign_id] = campaign
        self.jobs.upsert(job)

    def _update_summary(self, *_args: object) -> None:
        counts = dict.fromkeys(RenderStatus, 0)
        for job in self.jobs.jobs:
            counts[job.status] += 1
        parts = [
            f"{counts[RenderStatus.RUNNING]} rendering" if counts[RenderStatus.RUNNING] else "",
            f"{counts[RenderStatus.QUEUED]} queued" if counts[RenderStatus.QUEUED] else "",
            f"{counts[RenderStatus.FAILED]} failed" if counts[RenderStatus.FAILED] else "",
        ]
        summary = " · ".join(part for part in parts if part)
        if summary != self.summary:
            self.summary = summary
            self.summary_changed.emit(summary)

    def job(self, job_id: str) -> RenderJob | None:
        return self.jobs.job(job_id)

    def title(self, job: RenderJob) -> str:
        return self.jobs.creative_titles.get(job.creative_id, "Untitled creative")

    # ------------------------------------------------------------------ commands

    def why_not_cancel(self, job: RenderJob) -> str | None:
        """Why the job cannot be cancelled now, in plain words; None if it can."""
        if not self.may_edit:
            return "Viewers cannot cancel renders"
        if job.status.terminal:
            if job.status is RenderStatus.CANCELLED:
                return "The render has already been cancelled"
            return "The render has already finished"
        if job.id in self.jobs.cancelling:
            return BEING_CANCELLED
        return None

    def why_not_retry(self, job: RenderJob) -> str | None:
        """Why the job cannot be retried now, in plain words; None if it can."""
        if not self.may_edit:
            return "Viewers cannot retry renders"
        if job.status not in (RenderStatus.FAILED, RenderStatus.CANCELLED):
            return "Only a failed or cancelled render can be retried"
        return None

    def cancel(self, job_ids: Iterable[str]) -> None:
        """Cancel each job (a running one at its provider first: it shows as being cancelled
        until the provider confirms); a refusal is reported per job."""
        for job_id in job_ids:
            job = self.job(job_id)
            if job is None:
                continue
            if job.status is RenderStatus.RUNNING:
                self.jobs.set_cancelling(job_id, True)
            self.run(
                f"cancel-{job_id}",
                self.core.renderer.cancel(self.actor, job_id),
                self._on_job_saved,
                functools.partial(self._on_refused, job, "cancel"),
            )

    def retry(self, job_ids: Iterable[str]) -> None:
        """Queue each failed or cancelled job again; a refusal is reported per job."""
        for job_id in job_ids:
            job = self.job(job_id)
            if job is None:
                continue
            self.run(
                f"retry-{job_id}",
                self.core.renderer.retry(self.actor, job_id),
                self._on_job_saved,
                functools.partial(self._on_refused, job, "retry"),
            )

    def _on_job_saved(self, job: RenderJob) -> None:
        self.jobs.upsert(job)

    def _on_refused(self, job: RenderJob, verb: str, error: AppError) -> None:
        self.jobs.set_cancelling(job.id, False)
        self.refused.emit(f"Could not {verb} “{self.title(job)}”: {error.message}")
        self._changed_ids.add(job.id)
        if not self._timer.isActive():
            self._timer.start()

    def load_choices(self) -> None:
        """Read the campaigns and the configured providers for a new render."""

        async def read() -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
            campaigns = await self.core.campaigns.list_campaigns(self.actor)
            providers = await self.core.renderer.providers(self.actor)
            return [(campaign.id, campaign.name) for campaign in campaigns], providers

        def done(result: tuple[list[tuple[str, str]], dict[str, list[str]]]) -> None:
            self.providers = result[1]
            self.choices_loaded.emit(result)

        self.run("choices", read(), done)

    def load_creatives(self, campaign_id: str) -> None:
        """Read the campaign's image and video creatives (what can be rendered)."""

        async def read() -> list[Creative]:
            listed = await self.core.creatives.list_creatives(self.actor, campaign_id)
            return [creative for creative in listed if creative.kind is not CreativeKind.TEXT]

        self.run(
            "creatives",
            read(),
            lambda creatives: self.creatives_loaded.emit(campaign_id, creatives),
        )

    def new_render(
        self,
        creative_id: str,
        kind: str,
        provider: str | None,
        prompt: str,
        seed: int | None = None,
        size: tuple[int, int] | None = None,
        *,
        variants: int = 1,
    ) -> None:
        """Queue a render of ``creative_id`` (``variants`` outputs, 1–4, to choose from); the
        core checks the prompt, the provider and the parameters."""
        params: dict[str, Any] = {}
        if variants > 1:
            params["num_outputs"] = variants
        if seed is not None:
            params["seed"] = seed
        if size is not None:
            params["width"], params["height"] = size
        call = self.core.renderer.queue_render(
            self.actor, creative_id, kind=kind, prompt=prompt, provider=provider, params=params
        )

        def done(job: RenderJob) -> None:
            self._changed_ids.add(job.id)
            if not self._timer.isActive():
                self._timer.start()
            self.render_queued.emit(job)

        self.run(
            "new-render",
            call,
            done,
            lambda error: self.render_refused.emit(f"Refused: {error.message}"),
        )

    # ------------------------------------------------------------------ the output

    def load_preview(self, job_id: str, asset_id: str) -> None:
        """Read the asset's thumbnail (an image's, a video's poster frame)."""
        self.run(
            f"preview-{asset_id}",
            self.core.storage.thumbnail(self.actor, asset_id),
            lambda data: self.preview_loaded.emit(job_id, asset_id, data),
            lambda error: self.preview_loaded.emit(job_id, asset_id, None),
        )

    def open_output(self, asset_id: str) -> None:
        """Find a URL to open the asset's file with (:attr:`url_loaded`)."""
        self.run(
            f"url-{asset_id}",
            self.core.storage.url(self.actor, asset_id),
            lambda url: self.url_loaded.emit(asset_id, url),
        )

    def load_in_use(self, creative_id: str) -> None:
        """Read which asset the creative uses now (:attr:`in_use`, then ``in_use_changed``);
        kept up to date from the change feed afterwards."""
        self.run(
            f"in-use-{creative_id}",
            self.core.creatives.get_creative(self.actor, creative_id),
            self._note_in_use,
            lambda _error: None,  # gone: its variants stay unmarked
        )

    def use_variant(self, creative_id: str, asset_id: str) -> None:
        """Make ``asset_id`` the creative's output (one of the render's variants)."""

        def done(creative: Creative) -> None:
            self._note_in_use(creative)
            self.variant_used.emit(asset_id)

        self.run(
            f"variant-{creative_id}",
            self.core.creatives.use_variant(self.actor, creative_id, asset_id),
            done,
            lambda error: self.refused.emit(f"Could not use that variant: {error.message}"),
        )


def job_ids(indexes: Iterable[QModelIndex | QPersistentModelIndex]) -> list[str]:
    """The distinct job ids of ``indexes`` (selected cells), in order."""
    seen: list[str] = []
    for index in indexes:
        job_id = index.data(JobIdRole)
        if isinstance(job_id, str) and job_id not in seen:
            seen.append(job_id)
    return seen
