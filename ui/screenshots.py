"""Screenshots of every panel and dialog, light and dark, on the sample workspace.

Run: ``python -m ui.screenshots OUT_DIR [--scale 2]`` (or ``campaign-studio screenshots
OUT_DIR``). Works without a display (Qt's offscreen platform), in a temporary data folder and
with a temporary saved layout, so nothing of the user's is read or changed. Each PNG is the
window (or dialog) at 1280×800 logical pixels; ``--scale 2`` renders at 200 % to check that
nothing clips.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ui.widgets.theme import ThemeMode

SIZE = (1280, 800)
SCHEMES: tuple[ThemeMode, ...] = ("light", "dark")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.screenshots", description=__doc__)
    parser.add_argument("out_dir", type=Path, help="folder for the PNG files")
    parser.add_argument("--scale", type=float, default=1.0, help="device pixel ratio (2 = 200 %%)")
    args = parser.parse_args(argv)
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="campaign-studio-shots-") as folder:
        if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
            os.environ["QT_QPA_PLATFORM"] = _large_offscreen_screen(Path(folder))
        written = _capture_all(Path(folder), args.out_dir)
    for path in written:
        print(path)
    return 0


def _large_offscreen_screen(folder: Path) -> str:
    """Qt's offscreen platform on a 3840 × 2400 screen: its default 800 × 600 one would make
    dialogs that size themselves to the screen smaller than on a real desktop."""
    config = folder / "offscreen.json"
    screen = {"name": "shots", "x": 0, "y": 0, "width": 3840, "height": 2400, "logicalDpi": 96}
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    return f"offscreen:configfile={config}"


def _capture_all(folder: Path, out_dir: Path) -> list[Path]:
    from PySide6.QtCore import QSettings

    from ui.main import application, run_on_qt_loop

    app = application()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder / "qt"))
    return run_on_qt_loop(app, _capture(app, folder / "data", out_dir))


async def _capture(app: Any, data_dir: Path, out_dir: Path) -> list[Path]:
    from app.bootstrap import open_core
    from app.config import AppSettings
    from app.sample_workspace import create_sample_workspace
    from ui.viewmodels.startup import choose_start
    from ui.widgets.theme import apply_theme

    shots = Shots(out_dir)
    async with open_core(AppSettings(data_dir=data_dir)) as core:
        start = await choose_start(core)
        workspace = await create_sample_workspace(core, start.actor)
        actor = start.actor.model_copy(update={"tenant_id": workspace.id})
        campaigns = await core.campaigns.list_campaigns(actor)
        spring = next(campaign for campaign in campaigns if campaign.name == "Spring Launch")
        for scheme in SCHEMES:
            shots.scheme = scheme
            apply_theme(app, scheme)
            await _window_shots(shots, core, actor, spring.id)
            await _first_start_shots(shots, core, start.actor)
    return shots.written


class Shots:
    """Names and writes the PNGs: ``<name>-<scheme>.png``."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.scheme = SCHEMES[0]
        self.written: list[Path] = []

    async def save(self, widget: Any, name: str) -> None:
        # Let the loop deliver pending layout and paint events (never processEvents() inside a
        # coroutine: it would run other tasks' steps inside this one).
        await asyncio.sleep(0.05)
        path = self.out_dir / f"{name}-{self.scheme}.png"
        if not widget.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        self.written.append(path)


async def _window_shots(shots: Shots, core: Any, actor: Any, campaign_id: str) -> None:
    from ui.viewmodels.navigation import CAMPAIGN_TABS
    from ui.views.new_campaign_dialog import NewCampaignDialog

    with _window(core, actor) as window:
        window.open_campaign(campaign_id)
        for tab in CAMPAIGN_TABS:
            window.campaign_panel.show_tab(tab)
            await settled(window)
            await shots.save(window, f"campaign-{tab}")
        await _tab_dialog_shots(shots, window)
        for panel in ("approvals", "renders", "assets"):
            window.show_panel(panel)
            await settled(window)
            await shots.save(window, f"panel-{panel}")
        window.show_panel("campaign")
        window.new_campaign()
        dialog = window.findChild(NewCampaignDialog)
        await shots.save(dialog, "dialog-new-campaign")
        dialog.name_edit.setText("Winter Sale")
        dialog.time_zone_box.setCurrentText("Mars/Olympus")
        dialog.ok_button.click()
        await until(lambda: dialog.errors["time_zone"].isVisible())
        await shots.save(dialog, "dialog-new-campaign-error")
        dialog.reject()
        window.reporter.report(RuntimeError("an example of an unexpected failure"))
        report = window.reporter._dialog
        await shots.save(report, "dialog-error-report")
        report.close()
        await _settings_shots(shots, window)
        await _issue_13_shots(shots, window)
        await _render_shots(shots, window)
        await _library_shots(shots, window)
        from ui.views.about_dialog import AboutDialog

        window.about_action.trigger()
        about = await _shown(window, AboutDialog)
        await shots.save(about, "dialog-about")
        about.close()
        await window.shutdown()


async def _tab_dialog_shots(shots: Shots, window: Any) -> None:
    """The campaign tabs' dialogs, each opened by clicking its button."""
    from ui.views.ad_plan_dialog import AdPlanDialog
    from ui.views.asset_picker_dialog import AssetPickerDialog
    from ui.views.cascade_confirm_dialog import CascadeConfirmDialog
    from ui.views.creative_dialog import CreativeDialog
    from ui.views.post_dialog import PostDialog
    from ui.views.strategy_diff_dialog import StrategyDiffDialog

    panel = window.campaign_panel
    strategy = panel.tabs.widget(1)
    panel.show_tab("strategy")
    strategy.history.selectAll()
    await _dialog_shot(shots, window, strategy.compare_button, StrategyDiffDialog, "strategy-diff")
    strategy.form.tone_edit.setText("Upbeat and practical")
    await _dialog_shot(shots, window, strategy.save_button, CascadeConfirmDialog, "cascade")
    strategy.form.set_draft(None)
    await settled(window)
    content = panel.tabs.widget(2)
    panel.show_tab("content")
    await _dialog_shot(shots, window, content.new_text_button, CreativeDialog, "new-text")
    await _dialog_shot(shots, window, content.new_media_button, CreativeDialog, "new-media")
    content.card_view.setCurrentIndex(content.card_view.model().index(0, 0))
    await _dialog_shot(shots, window, content.attach_button, AssetPickerDialog, "asset-picker")
    panel.show_tab("schedule")
    await _dialog_shot(shots, window, panel.tabs.widget(3).new_button, PostDialog, "new-post")
    panel.show_tab("ads")
    await _dialog_shot(shots, window, panel.tabs.widget(4).new_button, AdPlanDialog, "ad-plan")
    panel.show_tab("overview")


async def _issue_13_shots(shots: Shots, window: Any) -> None:
    """The reject dialog on the approval panel and the panel once content is rejected, the
    panel of a draft campaign (nothing voted, content waiting for the strategy), the members
    dialog and a notification."""
    from app.domain.approval_rules import ApprovalAction
    from app.domain.enums import ApprovalScope
    from ui.viewmodels.navigation import Target
    from ui.viewmodels.notifications import Notice
    from ui.views.members_dialog import MembersDialog

    window.show_panel("approvals")
    await settled(window)
    card = window.panels["approvals"].card(ApprovalScope.CONTENT)
    dialog = card.open_dialog(ApprovalAction.REJECT)
    if dialog is not None:
        await shots.save(dialog, "dialog-reject")
        dialog.text_edit.setPlainText("The launch post needs the price in the first line.")
        dialog.ok_button.click()
        await until(lambda: card.state_label.text() == "Rejected")
        await settled(window)
        await shots.save(window, "panel-approvals-rejected")
        # Addressed again, so that the next colour scheme starts from the same states.
        window.approvals.mark_addressed(ApprovalScope.CONTENT, "Price moved up.")
        await until(lambda: card.state_label.text() != "Rejected")
    campaign_id = window.campaign_panel.campaign_id
    draft = next(
        window.campaigns.model.campaign(row).id
        for row in range(window.campaigns.model.rowCount())
        if window.campaigns.model.campaign(row).name == "Summer Teaser"
    )
    window.open_campaign(draft)
    window.show_panel("approvals")
    await settled(window)
    await shots.save(window, "panel-approvals-draft")
    window.open_campaign(campaign_id)
    window.members_action.trigger()
    members = await _shown(window, MembersDialog)
    await settled(window)
    await shots.save(members, "dialog-members")
    members.reject()
    window.show_panel("campaign")
    await settled(window)
    notice = Notice(
        "approvals",
        "Approvals changed in Spring Launch",
        "Strategy: approved; Content: needs review; Schedule: needs review; Ads: needs review",
        Target("approvals"),
    )
    window.notifier.toast.show_notice(notice)
    await shots.save(window, "notification-toast")
    window.notifier.toast.hide()


async def _render_shots(shots: Shots, window: Any) -> None:
    """The render monitor with a render running, one failed (a parameter the local provider
    refuses), finished ones, and a render of three variants."""
    core, actor = window.session.core, window.session.actor
    campaign_id = window.campaign_panel.campaign_id
    images = [
        creative
        for creative in await core.creatives.list_creatives(actor, campaign_id)
        if creative.kind.value == "image"
    ]
    renderer = core.renderer
    broken = await renderer.queue_render(
        actor, images[0].id, kind="image", prompt="a bike at dawn", params={"width": "wide"}
    )
    variants = await renderer.queue_render(
        actor, images[-1].id, kind="image", prompt="a bike at dusk", params={"num_outputs": 3}
    )
    video = await renderer.queue_render(
        actor, images[0].id, kind="video", prompt="a bike along the river"
    )
    window.show_panel("renders")
    monitor = window.monitor
    panel = window.render_monitor
    toast = window.notifier.toast

    def status(job_id: str) -> str:
        job = monitor.job(job_id)
        return job.status.value if job is not None else ""

    await until(lambda: status(broken.id) == "failed", 60)
    await until(lambda: status(video.id) == "running", 60)
    toast.hide()  # the renders' notifications would cover the detail pane
    await shots.save(window, "panel-renders-live")
    panel.select_job(broken.id)
    await settled(window)
    toast.hide()  # the renders' notifications would cover the detail pane
    await shots.save(window, "panel-renders-failed")
    await until(lambda: status(variants.id) == "published", 120)
    panel.select_job(variants.id)
    await asyncio.sleep(1.0)  # the variants' previews arrive
    await settled(window)
    toast.hide()  # the renders' notifications would cover the detail pane
    await shots.save(window, "panel-renders-variants")
    await until(lambda: status(video.id) == "published", 120)
    window.show_panel("campaign")


async def _library_shots(shots: Shots, window: Any) -> None:
    """The asset library as a grid and as a list with real thumbnails, then an upload of three
    files dropped at once: a new picture, one already in the library, an empty file."""
    from PIL import Image

    panel = window.asset_library
    window.show_panel("assets")
    await settled(window)
    await until(lambda: not window.library.thumbnails.busy)
    panel.grid.setCurrentIndex(panel.grid.model().index(0, 0))
    await settled(window)
    await shots.save(window, "panel-assets-grid")
    panel.list_toggle.setChecked(True)
    await settled(window)
    await shots.save(window, "panel-assets-list")
    panel.list_toggle.setChecked(False)
    folder = window.session.core.settings.data_dir.parent / f"drop-{shots.scheme}"
    folder.mkdir(exist_ok=True)
    fresh = folder / "Autumn teaser.png"
    colour = (200, 90, 40) if shots.scheme == "light" else (40, 90, 200)
    Image.new("RGB", (640, 400), colour).save(fresh)
    again = folder / "Autumn teaser (copy).png"
    again.write_bytes(fresh.read_bytes())
    empty = folder / "notes.txt"
    empty.write_bytes(b"")
    panel.drop_files([str(fresh), str(again), str(empty)])
    await until(lambda: panel.progress.isVisible() and not window.library.busy)
    await settled(window)
    await shots.save(window, "panel-assets-upload")
    window.show_panel("campaign")


async def _settings_shots(shots: Shots, window: Any) -> None:
    from ui.views.settings_dialog import SettingsDialog

    window.settings_action.trigger()
    dialog = await _shown(window, SettingsDialog)
    await settled(window)
    for row in range(dialog.page_list.count()):
        dialog.page_list.setCurrentRow(row)
        name = dialog.page_list.item(row).text().lower().replace(" ", "-")
        await shots.save(dialog, f"dialog-settings-{name}")
    dialog.reject()


async def _dialog_shot(shots: Shots, window: Any, button: Any, kind: type, name: str) -> None:
    """Click ``button``, save the ``kind`` dialog it opens as ``dialog-<name>``, cancel it."""
    button.click()
    dialog = await _shown(window, kind)
    await settled(window)
    await shots.save(dialog, f"dialog-{name}")
    dialog.reject()
    dialog.deleteLater()
    await settled(window)


async def _shown(window: Any, kind: type) -> Any:
    def visible() -> Any:
        return next((found for found in window.findChildren(kind) if found.isVisible()), None)

    await until(visible)
    return visible()


async def _first_start_shots(shots: Shots, core: Any, actor: Any) -> None:
    from ui.views.start_window import StartWindow
    from ui.views.welcome_dialog import WelcomeDialog

    start = StartWindow()
    start.resize(*SIZE)
    start.show()
    await shots.save(start, "start-window")
    start.close()
    with _window(core, actor) as window:  # the user's own, empty workspace
        await settled(window)
        await shots.save(window, "campaign-empty")
        window.welcome()
        await shots.save(window.findChild(WelcomeDialog), "dialog-welcome")
        await window.shutdown()


@contextmanager
def _window(core: Any, actor: Any) -> Iterator[Any]:
    from ui.main_window import MainWindow

    window = MainWindow(core, actor)
    window.resize(*SIZE)
    window.show()
    try:
        yield window
    finally:
        window.close()
        window.deleteLater()


async def settled(window: Any, timeout: float = 30.0) -> None:
    """Wait until the window has read what it shows: no task but the change feed running."""
    from ui.viewmodels.session import FEED_TASK

    await window.session.following()
    await until(lambda: window.tasks.running == [FEED_TASK], timeout)


async def until(condition: Callable[[], Any], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"the window did not settle in {timeout} s")
        await asyncio.sleep(0.02)


if __name__ == "__main__":
    sys.exit(main())
