"""Benchmark of the desktop app: cold start against a bare Qt window, and the longest UI-thread
stall while renders run.

Run: .venv/bin/python bench/ui_bench.py [--runs 5] [--renders 50] [--installed PATH]

Each start case runs in a fresh subprocess (``--runs`` times, median reported); the clock runs
from spawning the process to the moment the case is reached, RSS is read there. The app's modules
load from cached bytecode, as after its first start on a user's machine (an unmeasured start
writes it):

- **bare**: a PySide6 ``QMainWindow`` shown and painted, then closed (the yardstick).
- **painted**: ``campaign-studio``'s own start (``ui.main.run_window``) on the embedded default
  with the sample workspace, until the window's first paint.
- **interactive**: the same until the window is usable on the sample workspace: the last
  campaign reopened (QSettings, as for a returning user), the campaign list and the campaign
  panel's tab in front loaded (the hidden tabs read when shown), no task of the window left
  running but the change feed.

**installed** (with ``--installed PATH``, e.g. ``/opt/campaign-studio/campaign-studio``): the
whole ``campaign-studio`` command on the sample workspace, from spawning it until its window's
first paint, timed from outside through the start-up probe (``CAMPAIGN_STUDIO_QUIT_WHEN_PAINTED``
in ``ui/main.py``): the source run (this Python) beside the installed, frozen build. One
unmeasured start of each comes first.

**stall**: the window open on the sample campaign's Content tab while ``--renders`` local image
renders run; a 5 ms timer notes the largest gap between its ticks from the first render queued
to the last one finished (the UI thread's longest stall).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ui.main_window import MainWindow as MainWindowType

CASES = ("bare", "painted", "main", "interactive")


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def report(**figures: object) -> None:
    print("RESULT " + json.dumps(figures), flush=True)


# -- children ---------------------------------------------------------------------------------


def child_bare() -> None:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication([])
    window = QMainWindow()

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not hasattr(self, "seen"):
                self.seen = True
                QTimer.singleShot(0, done)
            return False

    def done() -> None:
        report(rss=rss_mib())
        window.close()
        app.quit()

    watcher = FirstPaint()
    window.installEventFilter(watcher)
    window.resize(1280, 800)
    window.show()
    app.exec()


class FirstPaint:
    """Calls ``then`` once, after the first paint of a widget ``accept`` approves."""

    def __init__(self, accept: Any, then: Any) -> None:
        from PySide6.QtCore import QEvent, QObject, QTimer

        outer = self

        class Filter(QObject):
            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.Paint and not outer.seen and accept(watched):
                    outer.seen = True
                    QTimer.singleShot(0, then)
                return False

        self.seen = False
        self.filter = Filter()


def child_window(data_dir: str, until: str) -> None:
    """``campaign-studio``'s start as the launcher runs it: the command line's grammar, then
    ``run_window`` with the settings read after the first paint."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QWidget

    from app.cli_parser import build_parser, settings_from
    from ui.main import application, run_window

    args = build_parser().parse_args(["--data-dir", data_dir])
    app = application()
    windows: list[MainWindowType] = []

    def done() -> None:
        report(rss=rss_mib())
        if windows:
            windows[0].close()
        else:  # the start window painted before the core opened: finish once it has
            QTimer.singleShot(0, lambda: windows and windows[0].close())
            finish_later.append(True)

    finish_later: list[bool] = []
    if until == "painted":
        first = FirstPaint(lambda widget: isinstance(widget, QWidget), done)
        app.installEventFilter(first.filter)

    def on_shown(window: MainWindowType) -> None:
        from ui.viewmodels.session import FEED_TASK

        windows.append(window)
        if finish_later:
            QTimer.singleShot(0, window.close)
        elif until == "main":
            main_paint = FirstPaint(lambda widget: widget is window, done)
            window._bench_paint = main_paint  # type: ignore[attr-defined]
            window.installEventFilter(main_paint.filter)
        elif until == "interactive":

            def usable() -> bool:
                return (
                    window.campaign_panel.campaign_id is not None
                    and window.campaigns.model.rowCount() > 0
                    and window.tasks.running == [FEED_TASK]
                )

            poll = QTimer(window)
            poll.setInterval(5)
            poll.timeout.connect(lambda: usable() and (poll.stop(), done()))
            poll.start()

    run_window(lambda: settings_from(args), on_shown)


def child_stall(data_dir: str, renders: int) -> None:
    from PySide6.QtCore import QTimer

    from app.config import AppSettings
    from app.domain import RenderStatus
    from ui.main import run_window
    from ui.main_window import MainWindow

    def on_shown(window: MainWindow) -> None:
        gaps: list[float] = []
        ticks = QTimer(window)
        ticks.setInterval(5)
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        ticks.timeout.connect(tick)

        async def run() -> None:
            core, actor = window.session.core, window.session.actor
            window.campaign_panel.show_tab("content")
            (campaign,) = [
                c for c in await core.campaigns.list_campaigns(actor) if c.name == "Spring Launch"
            ]
            await asyncio.sleep(1.0)  # let the start settle before measuring
            last[0] = time.perf_counter()
            ticks.start()
            for number in range(renders):
                await core.creatives.create_media_creative(
                    actor, campaign.id, kind="image", title=f"Bench {number}", prompt="a bike"
                )
            terminal = {RenderStatus.PUBLISHED, RenderStatus.FAILED, RenderStatus.CANCELLED}
            while True:
                listed = await core.renderer.list_jobs(actor, campaign_id=campaign.id)
                if all(job.status in terminal for job in listed):
                    break
                await asyncio.sleep(0.1)
            ticks.stop()
            ordered = sorted(gaps)
            report(
                max_ms=ordered[-1] * 1000,
                p99_ms=ordered[int(len(ordered) * 0.99)] * 1000,
                ticks=len(gaps),
                jobs=len(listed),
            )
            window.close()

        window.tasks.start("bench-stall", run())

    run_window(lambda: AppSettings(data_dir=Path(data_dir)), on_shown)


# -- parent -----------------------------------------------------------------------------------


def prepare(data_dir: Path, config_dir: Path) -> None:
    """The sample workspace in ``data_dir``; the window remembers its first campaign."""
    from PySide6.QtCore import QCoreApplication, QSettings

    from app.bootstrap import open_core
    from app.config import AppSettings
    from app.sample_workspace import create_sample_workspace
    from ui.viewmodels.startup import choose_start

    async def make() -> tuple[str, str]:
        async with open_core(AppSettings(data_dir=data_dir)) as core:
            start = await choose_start(core)
            workspace = await create_sample_workspace(core, start.actor)
            actor = start.actor.model_copy(update={"tenant_id": workspace.id})
            campaigns = await core.campaigns.list_campaigns(actor)
            spring = next(c for c in campaigns if c.name == "Spring Launch")
            return workspace.id, spring.id

    workspace_id, campaign_id = asyncio.run(make())
    os.environ["XDG_CONFIG_HOME"] = str(config_dir)
    QCoreApplication.setOrganizationName("Campaign Studio")
    QCoreApplication.setApplicationName("Campaign Studio")
    settings = QSettings()
    settings.setValue("session/workspace", workspace_id)
    settings.setValue("session/campaign", campaign_id)
    settings.setValue("session/panel", "campaign")
    settings.sync()


def spawn(args: list[str], env: dict[str, str]) -> tuple[float, dict[str, float]]:
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 (this script, with its own arguments)
        [sys.executable, __file__, *args],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    figures: dict[str, float] | None = None
    elapsed = float("nan")
    for line in process.stdout:
        if line.startswith("RESULT ") and figures is None:
            elapsed = time.perf_counter() - started
            figures = json.loads(line[len("RESULT ") :])
    if process.wait(timeout=300) != 0 or figures is None:
        raise SystemExit(f"case {args} failed (exit {process.returncode})")
    return elapsed, figures


def time_to_paint(command: list[str], env: dict[str, str]) -> float:
    """Seconds from spawning ``command`` until it prints ``painted`` (the start-up probe)."""
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 (the app's own command)
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip() == "painted":
            seconds = time.perf_counter() - started
            break
    else:
        raise SystemExit(f"{command[0]} ended without painting (exit {process.wait()})")
    process.wait(timeout=60)
    return seconds


def compare_installed(installed: Path, data_dir: Path, env: dict[str, str], runs: int) -> None:
    from ui.main import QUIT_WHEN_PAINTED

    probe = {**env, "CAMPAIGN_STUDIO_DATA_DIR": str(data_dir), QUIT_WHEN_PAINTED: "1"}
    commands = {
        "source": [sys.executable, "-c", "import sys, ui.launcher; sys.exit(ui.launcher.main())"],
        "frozen": [str(installed)],
    }
    medians = {}
    for name, command in commands.items():
        time_to_paint(command, probe)  # unmeasured: bytecode and the page cache warm
        medians[name] = statistics.median(time_to_paint(command, probe) for _ in range(runs))
    ratio = medians["frozen"] / medians["source"]
    print(
        f"  installed    source {medians['source']:.3f} s · frozen {medians['frozen']:.3f} s "
        f"({ratio:.2f} x the source run)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--renders", type=int, default=50)
    parser.add_argument("--installed", type=Path, help="an installed campaign-studio to compare")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        case, *rest = args.child
        if case == "bare":
            child_bare()
        elif case == "stall":
            child_stall(rest[0], int(rest[1]))
        else:
            child_window(rest[0], case)
        return

    with tempfile.TemporaryDirectory() as folder:
        data_dir, config_dir = Path(folder) / "data", Path(folder) / "config"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(config_dir)}
        # As on a user's machine, the app's own modules start from cached bytecode (as the
        # installed libraries do): no PYTHONDONTWRITEBYTECODE, and one unmeasured start first.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ.update(env)
        prepare(data_dir, config_dir)
        spawn(["--child", "interactive", str(data_dir)], env)
        print(
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, {args.runs} runs per case (median)"
        )
        medians: dict[str, tuple[float, float]] = {}
        for case in CASES:
            runs = [
                spawn(["--child", case, *([] if case == "bare" else [str(data_dir)])], env)
                for _ in range(args.runs)
            ]
            seconds = statistics.median(run[0] for run in runs)
            rss = statistics.median(run[1]["rss"] for run in runs)
            medians[case] = (seconds, rss)
            ratio = seconds / medians["bare"][0]
            print(f"  {case:<12} {seconds:6.3f} s  {ratio:4.2f} x bare  RSS {rss:5.0f} MiB")
        if args.installed:
            compare_installed(args.installed, data_dir, env, args.runs)
        _, stall = spawn(["--child", "stall", str(data_dir), str(args.renders)], env)
        print(
            f"  stall        {args.renders} renders: longest UI-thread stall "
            f"{stall['max_ms']:.1f} ms (p99 {stall['p99_ms']:.1f} ms, {stall['ticks']:.0f} ticks)"
        )


if __name__ == "__main__":
    main()
