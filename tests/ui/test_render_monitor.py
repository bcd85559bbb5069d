"""The render monitor: real renders by the local providers appear, progress and finish live;
cancel and retry by clicking; a failure's error in the detail pane; filters; the log tail;
coalesced in-place updates; a viewer's controls off."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.bootstrap import Core
from app.domain import Actor, Role
from app.domain.enums import CreativeKind, RenderStatus
from app.domain.render_jobs import RenderJob
from tests.ui.conftest import ANA
from tests.ui.test_accessibility import unnamed
from tests.ui.test_overview import FULL_DRAFT
from tests.ui.test_schedule_tab import held  # noqa: F401 (fixture)
from ui.tasks import UiTaskRunner
from ui.viewmodels.render_jobs import (
    AGE,
    BEING_CANCELLED,
    COLUMN_SAMPLES,
    CREATIVE,
    ELAPSED,
    ETA,
    STATUS,
    JobIdRole,
    ProgressRole,
    RenderJobTableModel,
    age_text,
    duration_text,
)
from ui.viewmodels.render_monitor import COALESCE_MS, RenderMonitorViewModel
from ui.viewmodels.session import FEED_TASK, SessionViewModel
from ui.views.job_detail import VIEWERS_CANNOT_RENDER
from ui.views.render_monitor_panel import NO_MATCH, NO_RENDERS, RenderMonitorPanel

BEA = Actor(tenant_id="acme", user_id="bea", roles={Role.EDITOR})
VIC = Actor(tenant_id="acme", user_id="vic", roles={Role.VIEWER})
LEFT = Qt.MouseButton.LeftButton
BROKEN = {"width": "wide"}
"""Parameters the local image provider refuses: its render fails (not retryable)."""


async def until(condition: Callable[[], object], seconds: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0.01)


async def settled(shown: Monitor) -> None:
    """Wait until no render is left to run and the panel has read what it shows: between a
    test and its teardown Qt events are processed while the loop is not running."""
    core = shown.session.core
    for _ in range(2400):  # two minutes at most
        if not await core.renderer.list_jobs(ANA, statuses=["queued", "running"]):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(COALESCE_MS / 1000 + 0.2)
    await until(lambda: set(shown.view_model._tasks.running) <= {FEED_TASK}, seconds=10)


class Monitor(NamedTuple):
    session: SessionViewModel
    view_model: RenderMonitorViewModel
    panel: RenderMonitorPanel

    def rows(self) -> list[dict[str, Any]]:
        """What the table shows, one dict per visible row."""
        model = self.panel.table.model()
        shown = []
        for row in range(model.rowCount()):
            cells = {
                model.headerData(column, Qt.Orientation.Horizontal): model.index(row, column).data()
                for column in range(model.columnCount())
            }
            cells["id"] = model.index(row, 0).data(JobIdRole)
            shown.append(cells)
        return shown

    def row(self, job_id: str) -> dict[str, Any] | None:
        return next((row for row in self.rows() if row["id"] == job_id), None)

    def status(self, job_id: str) -> str | None:
        row = self.row(job_id)
        return None if row is None else row["Status"]


async def _campaign(core: Core, name: str = "Spring launch") -> str:
    campaign = await core.campaigns.create_campaign(
        ANA, name, channels=("instagram",), start=date(2030, 3, 2), end=date(2030, 3, 29)
    )
    await core.strategies.create_strategy(ANA, campaign.id, FULL_DRAFT)
    return campaign.id


async def _render(
    core: Core,
    campaign_id: str,
    title: str,
    *,
    params: dict[str, Any] | None = None,
    actor: Actor = ANA,
    kind: CreativeKind = CreativeKind.IMAGE,
) -> RenderJob:
    creative = await core.creatives.create_media_creative(
        actor, campaign_id, kind=kind, title=title, prompt="A red bike", params=params
    )
    assert creative.render_job_id is not None
    return await core.renderer.get_job(actor, creative.render_job_id)


async def _finished(core: Core, job_id: str) -> RenderJob:
    return await core.renderer.wait_for(ANA, job_id, timeout=60)


@pytest.fixture
def build(
    held: list[object],  # noqa: F811
    tasks: UiTaskRunner,
    qtbot: QtBot,
    signal_future: Callable[..., Any],
) -> Callable[..., Any]:
    """``await build(core, actor)``: a panel shown at a desktop size, loaded, following the
    change feed."""

    async def make(core: Core, actor: Actor = ANA, *, follow: bool = True) -> Monitor:
        session = SessionViewModel(core, actor, tasks)
        view_model = RenderMonitorViewModel(session, tasks)
        panel = RenderMonitorPanel(view_model)
        held.append(panel)
        qtbot.addWidget(panel)
        panel.resize(1280, 800)
        panel.show()
        if follow:
            session.start()
            await session.following()
        loaded = signal_future(view_model.loaded)
        view_model.refresh()
        await loaded
        return Monitor(session, view_model, panel)

    return make


async def test_a_render_appears_progresses_and_publishes_live(build: Any, core: Core) -> None:
    shown = await build(core)
    assert shown.rows() == []
    assert shown.view_model.summary == ""
    assert shown.panel.empty_label.isVisible()
    assert shown.panel.empty_label.text() == NO_RENDERS
    resets: list[object] = []
    shown.view_model.jobs.modelReset.connect(lambda: resets.append(1))
    progress: list[int] = []
    model = shown.view_model.jobs
    model.dataChanged.connect(
        lambda top, _bottom, _roles=(): progress.append(
            model.index(top.row(), 0).data(ProgressRole)
        )
    )
    summaries: list[str] = []
    shown.view_model.summary_changed.connect(summaries.append)

    campaign_id = await _campaign(core)
    job = await _render(core, campaign_id, "Hero banner")

    await until(lambda: shown.status(job.id) == "published")
    assert not shown.panel.empty_label.isVisible()
    row = shown.row(job.id)
    assert row is not None
    assert row["Creative"] == "Hero banner"
    assert row["Campaign"] == "Spring launch"
    assert row["Provider"] == "local-image"
    assert row["Kind"] == "image"
    assert row["Progress"] == "100 %"
    assert row["Attempts"] == "first attempt"
    assert row["Submitted by"] == "ana"
    assert row["Age"].endswith("ago")
    assert progress[-1] == 100
    assert resets == []  # in place: never a reset after the first load
    assert any("queued" in text or "rendering" in text for text in summaries)
    assert shown.view_model.summary == ""
    await settled(shown)


async def test_member_names_show_who_submitted(build: Any, core: Core) -> None:
    campaign_id = await _campaign(core)
    await core.workspaces.set_display_name(ANA, "Ana Alves")
    job = await _render(core, campaign_id, "Hero banner")
    shown = await build(core)
    row = shown.row(job.id)
    assert row is not None
    assert row["Submitted by"] == "Ana Alves"
    await settled(shown)


async def test_the_model_passes_the_model_tester(
    build: Any, core: Core, qtmodeltester: Any
) -> None:
    campaign_id = await _campaign(core)
    first = await _render(core, campaign_id, "Hero banner")
    await _render(core, campaign_id, "Broken", params=BROKEN)
    await _finished(core, first.id)
    shown = await build(core)
    assert len(shown.rows()) == 2
    qtmodeltester.check(shown.view_model.jobs)
    qtmodeltester.check(shown.view_model.filtered)
    await settled(shown)


async def test_many_events_for_a_job_are_read_back_once(build: Any, core: Core) -> None:
    campaign_id = await _campaign(core)
    failed = await _finished(core, (await _render(core, campaign_id, "Broken", params=BROKEN)).id)
    assert failed.status is RenderStatus.FAILED
    shown = await build(core, follow=False)
    model = shown.view_model.jobs
    row_updates: list[int] = []
    model.dataChanged.connect(
        lambda top, bottom, _roles=(): (
            row_updates.append(top.row())
            if top.column() == 0 and bottom.column() == model.columnCount() - 1
            else None
        )
    )
    # Fifty events name the job within the coalescing time; the job changes in the middle.
    events = _events_of(failed, 25)
    for event in events:
        shown.session.changed.emit(event)
    await core.renderer.retry(ANA, failed.id)
    for event in events:
        shown.session.changed.emit(event)
    assert shown.view_model.reload_pending
    await until(lambda: bool(row_updates), seconds=5)
    await asyncio.sleep(0.5)
    assert row_updates == [0]
    row = shown.row(failed.id)
    assert row is not None
    assert row["Status"] in ("queued", "running", "failed")
    await settled(shown)


async def test_a_live_render_is_redrawn_less_often_than_it_is_reported(
    build: Any, core: Core
) -> None:
    shown = await build(core)
    campaign_id = await _campaign(core)
    heard: list[str] = []
    shown.session.changed.connect(
        lambda event: heard.append(event.record_id) if event.record_id else None
    )
    model = shown.view_model.jobs
    redrawn: list[str] = []
    model.dataChanged.connect(
        lambda top, bottom, _roles=(): (
            redrawn.append(top.data(JobIdRole))
            if top.column() == 0 and bottom.column() == model.columnCount() - 1
            else None
        )
    )
    job = await _render(core, campaign_id, "Clip", kind=CreativeKind.VIDEO)
    await until(lambda: shown.status(job.id) == "published", seconds=120)
    events, redraws = heard.count(job.id), redrawn.count(job.id)
    print(f"events {events}, redraws {redraws}")
    assert 1 <= redraws < events


def _events_of(job: RenderJob, count: int) -> list[Any]:
    from app.domain.changes import ChangeAction, ChangeEvent, EventKind, RecordKind

    return [
        ChangeEvent(
            record=RecordKind.RENDER_JOB,
            record_id=job.id,
            tenant_id=job.tenant_id,
            campaign_id=job.campaign_id,
            action=ChangeAction.UPDATED,
            actor_id=None,
            seq=None,
            op_id=None,
            kind=EventKind.of(job),
            job=job,
        )
        for _ in range(count)
    ]


async def test_a_failed_job_shows_its_error_and_is_retried_by_clicking(
    build: Any, core: Core, qtbot: QtBot
) -> None:
    shown = await build(core)
    campaign_id = await _campaign(core)
    job = await _render(core, campaign_id, "Broken", params=BROKEN)
    await until(lambda: shown.status(job.id) == "failed")
    panel = shown.panel
    assert "1 failed" in shown.view_model.summary
    panel.select_job(job.id)
    failed = await core.renderer.get_job(ANA, job.id)
    assert failed.error
    assert panel.detail.error_label.isVisible()
    assert panel.detail.error_label.text() == f"Failed: {failed.error}"
    assert panel.detail.prompt_label.text() == "A red bike"
    assert "width wide" in panel.detail.params_label.text()
    assert not panel.cancel_button.isEnabled()
    assert panel.cancel_button.toolTip() == "The render has already finished"
    assert panel.retry_button.isEnabled()

    qtbot.mouseClick(panel.retry_button, LEFT)
    await until(lambda: "retried by ana" in (panel.detail.log.toPlainText()))
    await until(lambda: shown.status(job.id) == "failed")
    assert panel.detail.log.toPlainText().splitlines()[-1] != "retried by ana"
    await settled(shown)


async def test_a_queued_job_is_cancelled_by_clicking_then_retried(
    build: Any, core: Core, qtbot: QtBot
) -> None:
    campaign_id = await _campaign(core)
    shown = await build(core)
    panel = shown.panel
    # Videos take a while; more than the provider renders at once wait in the queue.
    jobs = [
        await _render(core, campaign_id, f"Clip {n}", kind=CreativeKind.VIDEO) for n in range(4)
    ]
    await until(lambda: all(shown.row(job.id) is not None for job in jobs))
    last = jobs[-1]
    panel.select_job(last.id)
    assert panel.cancel_button.isEnabled()
    assert not panel.retry_button.isEnabled()
    assert panel.retry_button.toolTip() == "Only a failed or cancelled render can be retried"
    qtbot.mouseClick(panel.cancel_button, LEFT)
    await until(lambda: shown.status(last.id) == "cancelled")
    assert (await core.renderer.get_job(ANA, last.id)).status is RenderStatus.CANCELLED
    await until(lambda: panel.retry_button.isEnabled())
    qtbot.mouseClick(panel.retry_button, LEFT)
    await until(lambda: shown.status(last.id) in ("queued", "running", "published"))
    await until(lambda: shown.status(last.id) == "published", seconds=120)
    for job in jobs[:-1]:
        await _finished(core, job.id)
    await settled(shown)


async def test_delete_asks_then_cancels_and_a_running_job_shows_being_cancelled(
    build: Any, core: Core, qtbot: QtBot
) -> None:
    campaign_id = await _campaign(core)
    shown = await build(core)
    panel = shown.panel
    job = await _render(core, campaign_id, "Clip", kind=CreativeKind.VIDEO)
    await until(lambda: shown.status(job.id) == "running")
    panel.select_job(job.id)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    box = panel.confirmation
    assert isinstance(box, QMessageBox)
    assert box.isVisible()
    assert "Clip" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), LEFT)
    model = shown.view_model.jobs
    row = model.row_of(job.id)
    cancelling = model.index(row, STATUS).data(Qt.ItemDataRole.ToolTipRole)
    assert cancelling == BEING_CANCELLED
    assert shown.status(job.id) == "running"
    await until(lambda: shown.status(job.id) == "cancelled")
    row = model.row_of(job.id)
    assert model.index(row, STATUS).data(Qt.ItemDataRole.ToolTipRole) != BEING_CANCELLED
    await settled(shown)


async def test_filters_by_status_campaign_provider_and_mine(build: Any, core: Core) -> None:
    spring = await _campaign(core, "Spring launch")
    autumn = await _campaign(core, "Autumn sale")
    await core.workspaces.add_member(ANA, "bea", [Role.EDITOR])
    good = await _render(core, spring, "Hero banner")
    bad = await _render(core, autumn, "Broken", params=BROKEN)
    beas = await _render(core, spring, "Bea's banner", actor=BEA)
    for job in (good, bad, beas):
        await _finished(core, job.id)
    shown = await build(core)
    panel = shown.panel

    def titles() -> list[str]:
        return sorted(row["Creative"] for row in shown.rows())

    assert titles() == ["Bea's banner", "Broken", "Hero banner"]
    panel.status_combo.setCurrentIndex(panel.status_combo.findData("failed"))
    assert titles() == ["Broken"]
    panel.status_combo.setCurrentIndex(0)
    panel.campaign_combo.setCurrentIndex(panel.campaign_combo.findText("Spring launch"))
    assert titles() == ["Bea's banner", "Hero banner"]
    panel.mine_check.setChecked(True)
    assert titles() == ["Hero banner"]
    assert not panel.empty_label.isVisible()
    panel.status_combo.setCurrentIndex(panel.status_combo.findData("cancelled"))
    assert titles() == []
    assert panel.empty_label.isVisible()
    assert panel.empty_label.text() == NO_MATCH
    panel.status_combo.setCurrentIndex(0)
    panel.mine_check.setChecked(False)
    panel.campaign_combo.setCurrentIndex(0)
    panel.provider_combo.setCurrentIndex(panel.provider_combo.findData("local-video"))
    assert panel.provider_combo.findData("local-image") > 0
    panel.provider_combo.setCurrentIndex(panel.provider_combo.findData("local-image"))
    assert titles() == ["Bea's banner", "Broken", "Hero banner"]
    await settled(shown)


async def test_columns_sort(build: Any, core: Core) -> None:
    campaign_id = await _campaign(core)
    for title in ("Beta", "Alpha", "Gamma"):
        await _finished(core, (await _render(core, campaign_id, title)).id)
    shown = await build(core)
    shown.panel.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert [row["Creative"] for row in shown.rows()] == ["Alpha", "Beta", "Gamma"]
    shown.panel.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert [row["Creative"] for row in shown.rows()] == ["Gamma", "Beta", "Alpha"]
    await settled(shown)


async def test_the_log_tail_follows_the_selected_job(build: Any, core: Core) -> None:
    campaign_id = await _campaign(core)
    shown = await build(core)
    job = await _render(core, campaign_id, "Hero banner")
    await until(lambda: shown.row(job.id) is not None)
    shown.panel.select_job(job.id)
    log = shown.panel.detail.log
    assert log.isReadOnly()
    assert log.toPlainText().splitlines()[0] == "queued for local-image"
    await until(lambda: shown.status(job.id) == "published")
    final = await core.renderer.get_job(ANA, job.id)
    assert log.toPlainText().splitlines() == list(final.logs[-200:])
    bar = log.verticalScrollBar()
    assert bar.value() == bar.maximum()
    await settled(shown)


async def test_a_published_image_is_previewed(build: Any, core: Core) -> None:
    campaign_id = await _campaign(core)
    job = await _finished(core, (await _render(core, campaign_id, "Hero banner")).id)
    assert job.asset_id is not None
    shown = await build(core)
    shown.panel.select_job(job.id)
    preview = shown.panel.detail.preview
    await until(lambda: not preview.pixmap().isNull(), seconds=10)
    assert preview.isVisible()
    assert not shown.panel.detail.play_button.isVisible()
    await settled(shown)


async def test_a_viewer_sees_cancel_and_retry_disabled(build: Any, core: Core) -> None:
    campaign_id = await _campaign(core)
    await core.workspaces.add_member(ANA, "vic", [Role.VIEWER])
    job = await _finished(core, (await _render(core, campaign_id, "Broken", params=BROKEN)).id)
    shown = await build(core, VIC)
    panel = shown.panel
    panel.select_job(job.id)
    assert shown.panel.detail.error_label.isVisible()
    for button in (panel.cancel_button, panel.retry_button, panel.new_button):
        assert not button.isEnabled()
        assert button.toolTip() == VIEWERS_CANNOT_RENDER
    await settled(shown)


async def test_every_control_is_named(build: Any, core: Core) -> None:
    shown = await build(core)
    assert unnamed(shown.panel) == []
    texts = {b.text() for b in (shown.panel.cancel_button, shown.panel.retry_button)}
    assert texts == {"Cancel", "Retry"}
    await settled(shown)


async def test_a_new_render_is_queued_from_the_dialog(build: Any, core: Core, qtbot: QtBot) -> None:
    campaign_id = await _campaign(core)
    first = await _finished(core, (await _render(core, campaign_id, "Hero banner")).id)
    shown = await build(core)
    qtbot.mouseClick(shown.panel.new_button, LEFT)
    dialog = shown.panel.dialog
    assert dialog is not None
    assert dialog.isVisible()
    await until(lambda: dialog.creative_combo.count() == 1, seconds=10)
    assert dialog.provider_combo.currentData() == "local-image"
    dialog.prompt_edit.setPlainText("")
    assert not dialog.ok_button.isEnabled()
    assert dialog.message.text() == "Write a prompt"
    dialog.prompt_edit.setPlainText("A blue bike")
    dialog.seed_check.setChecked(True)
    dialog.seed_spin.setValue(7)
    qtbot.mouseClick(dialog.ok_button, LEFT)
    await until(lambda: not dialog.isVisible(), seconds=10)
    await until(lambda: len(shown.rows()) == 2)
    new = next(row for row in shown.rows() if row["id"] != first.id)
    assert new["Creative"] == "Hero banner"
    job = await core.renderer.get_job(ANA, new["id"])
    assert job.prompt == "A blue bike"
    assert job.params["seed"] == 7
    await _finished(core, job.id)
    await settled(shown)


async def test_a_new_render_is_for_the_selected_jobs_or_the_open_campaign(
    build: Any, core: Core, qtbot: QtBot
) -> None:
    autumn = await _campaign(core, "Autumn")  # nothing to render in it
    spring = await _campaign(core, "Spring launch")
    job = await _finished(core, (await _render(core, spring, "Hero banner")).id)
    shown = await build(core)

    async def first_choice() -> tuple[str, str]:
        """The campaign the dialog starts with, and the first it lists."""
        qtbot.mouseClick(shown.panel.new_button, LEFT)
        dialog = shown.panel.dialog
        assert dialog is not None
        await until(lambda: dialog.campaign_combo.count() == 2, seconds=10)
        chosen = dialog.campaign_combo.currentData(), dialog.campaign_combo.itemData(0)
        dialog.reject()
        return chosen

    chosen, listed_first = await first_choice()
    assert chosen == listed_first  # nothing open, nothing selected
    shown.view_model.campaign_id = autumn  # the window shows Autumn
    assert (await first_choice())[0] == autumn
    shown.panel.select_job(job.id)
    assert (await first_choice())[0] == spring  # the selected job's campaign comes first
    await settled(shown)


async def test_variants_are_shown_side_by_side_and_one_is_chosen(
    build: Any, core: Core, qtbot: QtBot
) -> None:
    campaign_id = await _campaign(core)
    first = await _finished(core, (await _render(core, campaign_id, "Hero banner")).id)
    job = await core.renderer.queue_render(
        ANA, first.creative_id, kind="image", prompt="A green bike", params={"num_outputs": 2}
    )
    job = await _finished(core, job.id)
    assert len(job.output_asset_ids) == 2
    shown = await build(core)
    detail = shown.panel.detail
    shown.panel.select_job(first.id)
    assert detail.variant_buttons == []  # one output: nothing to choose
    shown.panel.select_job(job.id)

    def marks() -> list[tuple[str, bool, str]]:
        return [
            (button.text(), button.isEnabled(), preview.accessibleDescription())
            for button, preview in zip(
                detail.variant_buttons, detail.variant_previews.values(), strict=True
            )
        ]

    # The creative uses the first output of its latest render until someone picks another.
    await until(lambda: marks() == [("In use", False, "In use"), ("Use this one", True, "")])
    previews = list(detail.variant_previews.values())
    await until(lambda: all(not label.pixmap().isNull() for label in previews), seconds=10)
    qtbot.mouseClick(detail.variant_buttons[1], LEFT)
    first_variant, second = job.output_asset_ids
    await until(lambda: shown.panel.message.isVisible(), seconds=10)
    assert shown.panel.message.text() == "The chosen variant is now the creative's output"
    creative = await core.creatives.get_creative(ANA, job.creative_id)
    assert creative.outputs[-1].asset_id == second
    assert marks() == [("Use this one", True, ""), ("In use", False, "In use")]
    # A teammate switching back shows up through the change feed.
    await core.creatives.use_variant(ANA, job.creative_id, first_variant)
    await until(lambda: marks()[0][0] == "In use", seconds=10)
    assert marks() == [("In use", False, "In use"), ("Use this one", True, "")]
    await settled(shown)


async def test_several_selected_jobs_are_said_in_the_detail(build: Any, core: Core) -> None:
    campaign_id = await _campaign(core)
    jobs = [await _render(core, campaign_id, f"Banner {n}") for n in range(2)]
    for job in jobs:
        await _finished(core, job.id)
    shown = await build(core)
    await until(lambda: all(shown.row(job.id) is not None for job in jobs))
    shown.panel.table.selectAll()
    heading = shown.panel.detail.heading.text()
    assert heading == "2 renders selected: Cancel and Retry act on each that allows it."
    assert not shown.panel.detail.log.isVisible()
    shown.panel.select_job(jobs[0].id)
    assert shown.panel.detail.heading.text().startswith("<b>Banner 0</b>")
    await settled(shown)


async def test_a_published_video_shows_its_poster_and_play(build: Any, core: Core) -> None:
    campaign_id = await _campaign(core)
    job = await _render(core, campaign_id, "Clip", kind=CreativeKind.VIDEO)
    job = await core.renderer.wait_for(ANA, job.id, timeout=120)
    assert job.status is RenderStatus.PUBLISHED
    shown = await build(core)
    shown.panel.select_job(job.id)
    detail = shown.panel.detail
    await until(lambda: not detail.preview.pixmap().isNull(), seconds=10)
    assert detail.play_button.isVisible()
    assert detail.play_button.text() == "Play"
    await settled(shown)


async def test_a_renamed_campaign_is_shown_live(build: Any, core: Core) -> None:
    campaign_id = await _campaign(core)
    job = await _finished(core, (await _render(core, campaign_id, "Hero banner")).id)
    shown = await build(core)
    resets: list[object] = []
    shown.view_model.jobs.modelReset.connect(lambda: resets.append(1))
    await core.campaigns.rename_campaign(ANA, campaign_id, "Summer launch")
    await until(lambda: (shown.row(job.id) or {}).get("Campaign") == "Summer launch", seconds=10)
    assert shown.panel.campaign_combo.findText("Summer launch") > 0
    assert resets == []
    await settled(shown)


async def test_a_refused_cancel_is_said_in_words_for_the_job(
    build: Any, core: Core, qtbot: QtBot
) -> None:
    campaign_id = await _campaign(core)
    job = await _render(core, campaign_id, "Clip", kind=CreativeKind.VIDEO)
    shown = await build(core, follow=False)  # the panel does not hear what happens next
    await core.renderer.cancel(ANA, job.id)
    panel = shown.panel
    panel.select_job(job.id)
    assert panel.cancel_button.isEnabled()
    qtbot.mouseClick(panel.cancel_button, LEFT)
    await until(lambda: panel.message.isVisible(), seconds=10)
    assert panel.message.text().startswith("Could not cancel “Clip”: ")
    assert "already finished" in panel.message.text()
    await until(lambda: shown.status(job.id) == "cancelled", seconds=10)  # read back
    await settled(shown)


def test_durations_read_as_people_say_them() -> None:
    assert duration_text(None) == ""
    assert duration_text(12.4) == "12 s"
    assert duration_text(185) == "3 min 05 s"
    assert duration_text(3720) == "1 h 02 min"


def test_the_clock_redraws_only_the_time_cells_whose_words_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import timedelta

    from tests import factories
    from ui.viewmodels import render_jobs

    start = factories.at(3600)
    running = factories.render_job(
        status="running", created_at=start, submitted_at=start, available_at=start
    )
    done = factories.render_job(
        status="published",
        submitted_at=factories.at(0),
        finished_at=factories.at(30),
        created_at=factories.at(0),
    )
    model = RenderJobTableModel()
    model.set_rows([running, done])
    redrawn: list[tuple[int, int]] = []
    model.dataChanged.connect(
        lambda top, bottom, _roles=(): redrawn.extend(
            (row, column)
            for row in range(top.row(), bottom.row() + 1)
            for column in range(top.column(), bottom.column() + 1)
        )
    )
    for seconds in (0.5, 2.5):  # the first tick draws every time cell once
        monkeypatch.setattr(render_jobs, "_now", lambda s=seconds: start + timedelta(seconds=s))
        redrawn.clear()
        model.clock_ticked()
    # The running job's elapsed and age moved on a second; the finished one's stayed "1 h ago".
    assert sorted(redrawn) == [(0, ELAPSED), (0, AGE)]


def test_an_eta_under_a_second_is_not_told_as_zero() -> None:
    from tests import factories

    model = RenderJobTableModel()
    soon, later = (
        factories.render_job(status="running", submitted_at=factories.at(0), eta_seconds=eta)
        for eta in (0.4, 75.0)
    )
    model.set_rows([soon, later, factories.render_job(status="published", eta_seconds=0.0)])
    assert [model.index(row, ETA).data() for row in range(3)] == ["< 1 s", "1 min 15 s", ""]


def test_ages_are_told_to_the_unit_that_matters() -> None:
    assert age_text(-3) == "0 s ago"
    assert age_text(42.9) == "42 s ago"
    assert age_text(185) == "3 min ago"
    assert age_text(3 * 3600 + 59) == "3 h ago"
    assert age_text(2 * 86400 + 7200) == "2 d ago"


async def test_columns_fit_their_text_and_the_creative_takes_the_rest(
    build: Any, core: Core, qtbot: QtBot
) -> None:
    shown = await build(core)
    table = shown.panel.table
    metrics = table.fontMetrics()
    for column, sample in COLUMN_SAMPLES.items():
        assert table.columnWidth(column) > metrics.horizontalAdvance(sample), sample

    shown.panel.resize(990, 600)  # the panel's width in a 1280 px window
    await until(lambda: table.horizontalScrollBar().maximum() == 0, seconds=5)
    total = sum(table.columnWidth(c) for c in range(table.model().columnCount()))
    assert total == table.viewport().width()  # the creative's column took the rest

    shown.panel.resize(600, 600)  # too narrow for every column: the title keeps its room
    await until(lambda: table.horizontalScrollBar().maximum() > 0, seconds=5)
    assert table.columnWidth(CREATIVE) > metrics.horizontalAdvance("Hero visual")


async def test_with_nothing_selected_the_detail_shows_only_what_to_do(
    build: Any, core: Core
) -> None:
    shown = await build(core)
    detail = shown.panel.detail
    assert detail.heading.isVisible()
    assert not detail.body.isVisible()  # no empty "Prompt", "Parameters" and "Log" labels
    assert not detail.preview.isVisible()
