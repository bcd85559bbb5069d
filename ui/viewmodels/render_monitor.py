"""The render monitor's data: every render job of the workspace, kept live by the change feed,
updated in place and coalesced; cancel, retry and new renders, and why not, in words."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.domain.changes import ChangeAction, ChangeEvent, RecordKind
from app.domain.creatives import Creative
from app.domain.enums import RenderStatus
from app.domain.errors import AppError
from app.domain.render_jobs import RenderJob
from ui.tasks import UiTaskRunner
from ui.viewmodels.render_jobs import BEING_CANCELLED, RenderJobFilterModel, RenderJobTableModel
from ui.viewmodels.render_reads import (
    Choices,
    Loaded,
    Names,
    ReadJob,
    read_all,
    read_choices,
    read_creatives,
    read_job,
    read_names,
    read_renderable,
)
from ui.viewmodels.session import SessionViewModel
from ui.viewmodels.workspace import WorkspaceViewModel

COALESCE_MS = 250
"""Events for the jobs heard within this long are read back once (one re-read per job)."""

TICK_MS = 1000
"""How often the elapsed time of running jobs and every job's age are redrawn."""


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
        self.campaign_id: str | None = None
        """The campaign open in the window: a new render is for it unless a job says another."""
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
        self.run("load", read_all(self), self._on_loaded)

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
            self.run(f"job-{job_id}", read_job(self, job_id, self.jobs), self._on_job)
        if self._changed_creatives:
            creative_ids, self._changed_creatives = sorted(self._changed_creatives), set()
            self.run(
                f"creatives-{creative_ids[0]}",
                read_creatives(self, creative_ids),
                self._on_creatives,
            )
        if self._names_stale:
            self._names_stale = False
            self.run("names", read_names(self), self._on_names)

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

    def _on_names(self, names: Names) -> None:
        campaigns, members = names
        if campaigns == self.jobs.campaign_titles and members == self.jobs.member_names:
            return
        self.jobs.campaign_titles = campaigns
        self.jobs.member_names = members
        self.jobs.names_changed()
        self.names_changed.emit()

    def _on_job(self, result: ReadJob) -> None:
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

        def done(result: Choices) -> None:
            self.providers = result[1]
            self.choices_loaded.emit(result)

        self.run("choices", read_choices(self), done)

    def load_creatives(self, campaign_id: str) -> None:
        """Read the campaign's image and video creatives (what can be rendered)."""
        self.run(
            "creatives",
            read_renderable(self, campaign_id),
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
