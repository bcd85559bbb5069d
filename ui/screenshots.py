"""Screenshots of every panel and dialog, light and dark, on the sample workspace.

Run: ``python -m ui.screenshots OUT_DIR [--scale 2]`` (or ``campaign-studio screenshots
OUT_DIR``). Works without a display (Qt's offscreen platform), in a temporary data folder and
with a temporary saved layout, so nothing of the user's is read or changed. Each PNG is the
window (or dialog) at 1280×800 logical pixels; ``--scale 2`` renders at 200 % to check that
nothing clips.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ui.screenshot_scenes import (
    Shots,
    approval_shots,
    dialog_shot,
    library_shots,
    render_shots,
    settled,
    shown,
    until,
)

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
        await approval_shots(shots, window)
        await render_shots(shots, window)
        await library_shots(shots, window)
        from ui.views.about_dialog import AboutDialog

        window.about_action.trigger()
        about = await shown(window, AboutDialog)
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
    await dialog_shot(shots, window, strategy.compare_button, StrategyDiffDialog, "strategy-diff")
    strategy.form.tone_edit.setText("Upbeat and practical")
    await dialog_shot(shots, window, strategy.save_button, CascadeConfirmDialog, "cascade")
    strategy.form.set_draft(None)
    await settled(window)
    content = panel.tabs.widget(2)
    panel.show_tab("content")
    await dialog_shot(shots, window, content.new_text_button, CreativeDialog, "new-text")
    await dialog_shot(shots, window, content.new_media_button, CreativeDialog, "new-media")
    content.card_view.setCurrentIndex(content.card_view.model().index(0, 0))
    await dialog_shot(shots, window, content.attach_button, AssetPickerDialog, "asset-picker")
    panel.show_tab("schedule")
    await dialog_shot(shots, window, panel.tabs.widget(3).new_button, PostDialog, "new-post")
    panel.show_tab("ads")
    await dialog_shot(shots, window, panel.tabs.widget(4).new_button, AdPlanDialog, "ad-plan")
    panel.show_tab("overview")


async def _settings_shots(shots: Shots, window: Any) -> None:
    from ui.views.settings_dialog import SettingsDialog

    window.settings_action.trigger()
    dialog = await shown(window, SettingsDialog)
    await settled(window)
    for row in range(dialog.page_list.count()):
        dialog.page_list.setCurrentRow(row)
        name = dialog.page_list.item(row).text().lower().replace(" ", "-")
        await shots.save(dialog, f"dialog-settings-{name}")
    dialog.reject()


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
        for panel in ("renders", "assets"):  # what a new workspace's panels say
            window.show_panel(panel)
            await settled(window)
            await shots.save(window, f"panel-{panel}-empty")
        window.show_panel("campaign")
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


if __name__ == "__main__":
    sys.exit(main())
