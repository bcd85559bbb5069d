"""The render jobs as Qt models: the table of every job (changed in place, so selections and
scroll positions survive live updates), its filter, and the words and numbers its cells show."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt

from app.domain.enums import RenderStatus
from app.domain.render_jobs import RenderJob
from ui.viewmodels.table_model import AnyIndex, RowTableModel
from ui.widgets.icons import icon

BEING_CANCELLED = "Being cancelled at the provider"

ProgressRole = Qt.ItemDataRole.UserRole + 1
"""The job's progress, 0–100 (for the progress delegate)."""
JobIdRole = Qt.ItemDataRole.UserRole + 2
SortRole = Qt.ItemDataRole.UserRole + 3
JobRole = Qt.ItemDataRole.UserRole + 4
StoppedRole = Qt.ItemDataRole.UserRole + 5
"""True for a failed or cancelled job: its progress bar is greyed where it stopped."""

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

_CELL_ROLES = frozenset(
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.AccessibleTextRole,
        ProgressRole,
        StoppedRole,
        JobIdRole,
        SortRole,
        JobRole,
    )
)
"""The roles a cell of the jobs table may answer."""

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


def age_text(seconds: float) -> str:
    """How long ago, to the unit that matters: "12 s ago", "5 min ago", "3 h ago", "2 d ago"."""
    whole = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if whole >= size:
            return f"{whole // size} {unit} ago"
    return f"{whole} s ago"


COLUMN_SAMPLES = {
    CAMPAIGN: "Spring Launch",
    PROVIDER: "local-image",
    KIND: "video",
    STATUS: "cancelled",
    PROGRESS: "100 %",
    ETA: "9 min 59 s",
    ELAPSED: "9 min 59 s",
    ATTEMPTS: "first attempt",
    SUBMITTED_BY: "Alex Morgan",
    AGE: "59 min ago",
}
"""The usual widest text of each column but the creative's title (which takes the rest)."""


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
        self._clock: dict[str, tuple[str, str]] = {}
        """The time columns' words of each job as last drawn (see :meth:`clock_ticked`)."""

    @property
    def jobs(self) -> list[RenderJob]:
        return list(self._rows)

    @property
    def loaded_once(self) -> bool:
        """The jobs were read at least once (an empty table then means there are none)."""
        return self._loaded

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
        """Redraw the time cells (elapsed, age) whose words changed: a running job's elapsed
        every second, an hour-old job's age once an hour (redrawing every row's time columns
        each second cost the UI thread more than the live progress itself)."""
        now = _now()
        texts = {
            job.id: (
                duration_text(elapsed_seconds(job, now)),
                age_text((now - job.created_at).total_seconds()),
            )
            for job in self._rows
        }
        for part, column in enumerate((ELAPSED, AGE)):
            changed = [
                row
                for row, job in enumerate(self._rows)
                if self._clock.get(job.id, ("", ""))[part] != texts[job.id][part]
            ]
            for first, last in _runs(changed):
                self.dataChanged.emit(
                    self.index(first, column),
                    self.index(last, column),
                    [Qt.ItemDataRole.DisplayRole],
                )
        self._clock = texts

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # A view asks every cell it paints for a dozen roles (font, colours, alignment…) that
        # no cell here has: they are answered before any lookup.
        if role not in _CELL_ROLES:
            return None
        return super().data(index, role)

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
        if role == StoppedRole:
            return job.status in (RenderStatus.FAILED, RenderStatus.CANCELLED)
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
            if job.status is not RenderStatus.RUNNING or job.eta_seconds is None:
                return ""
            return "< 1 s" if job.eta_seconds < 1 else duration_text(job.eta_seconds)
        if column == ELAPSED:
            return duration_text(elapsed_seconds(job))
        if column == ATTEMPTS:
            return attempts_text(job)
        if column == SUBMITTED_BY:
            return self.member_names.get(job.created_by) or job.created_by
        if column == AGE:
            return age_text((_now() - job.created_at).total_seconds())
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


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Ascending row numbers as (first, last) runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


def job_ids(indexes: Iterable[QModelIndex | QPersistentModelIndex]) -> list[str]:
    """The distinct job ids of ``indexes`` (selected cells), in order."""
    seen: list[str] = []
    for index in indexes:
        job_id = index.data(JobIdRole)
        if isinstance(job_id, str) and job_id not in seen:
            seen.append(job_id)
    return seen
