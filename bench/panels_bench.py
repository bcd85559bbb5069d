"""Benchmark of the render monitor and the asset library on big workspaces.

Run: .venv/bin/python bench/panels_bench.py [--assets 10000] [--jobs 200] [--running 50]

Each case runs the real app (``ui.main.run_window``, offscreen) in a fresh subprocess on a data
folder prepared once (uploads and renders through the core, as a team would make them):

- **bare**: a shown PySide6 ``QMainWindow`` (the yardstick for memory).
- **library**: ``--assets`` images in the library. The window opens on the Campaign panel, then
  the Assets panel is shown: *open* is the time until its grid holds the first page and every
  visible thumbnail is drawn; then the grid is scrolled top to bottom a page per 20 ms (loading
  pages as it goes) while a 5 ms timer notes its largest gap (the UI thread's longest stall);
  RSS is read at the bottom.
- **monitor**: ``--jobs`` render jobs, of which ``--running`` run on a local FAKE Replicate server
  (a separate process, so that serving it costs the app nothing) that reports progress on every
  poll. The Renders panel is shown for 20 s: the 5 ms timer's largest gap, and the UI thread's
  CPU share (its thread CPU time over the wall time).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ui_bench import child_bare, report, rss_mib

MONITOR_SECONDS = 20.0


async def wait_until(condition: Any, interval: float) -> None:
    """Check ``condition()`` every ``interval`` seconds until it holds."""
    while True:
        if await condition() if asyncio.iscoroutinefunction(condition) else condition():
            return
        await asyncio.sleep(interval)


class GapMeter:
    """A 5 ms timer on the UI thread that notes the largest gap between its ticks."""

    def __init__(self, parent: Any) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer(parent)
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> dict[str, float]:
        self._timer.stop()
        ordered = sorted(self.gaps) or [0.0]
        return {
            "max_ms": ordered[-1] * 1000,
            "p99_ms": ordered[int(len(ordered) * 0.99)] * 1000,
            "ticks": len(ordered),
        }

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now


class GcPauses:
    """The longest garbage collection while it runs (collections stall whatever thread they
    run on, and hold the GIL)."""

    def __init__(self) -> None:
        import gc

        self.longest = 0.0
        self._started = 0.0
        gc.callbacks.append(self._note)

    def _note(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.longest = max(self.longest, time.perf_counter() - self._started)

    def stop(self) -> float:
        import gc

        gc.callbacks.remove(self._note)
        return self.longest * 1000


# -- preparing the data folders ---------------------------------------------------------------


async def _actor(core: Any) -> Any:
    from ui.viewmodels.startup import choose_start

    return (await choose_start(core)).actor


def prepare_library(data_dir: Path, count: int) -> None:
    """``count`` distinct small PNGs uploaded through the core (thumbnails made as usual)."""
    from PIL import Image

    from app.bootstrap import open_core
    from app.config import AppSettings

    async def make() -> None:
        async with open_core(AppSettings(data_dir=data_dir, render_worker=False)) as core:
            actor = await _actor(core)
            sources = data_dir.parent / "sources"
            sources.mkdir(exist_ok=True)
            rng = random.Random(7)
            for start in range(0, count, 50):
                paths = []
                for number in range(start, min(start + 50, count)):
                    path = sources / f"photo-{number:05d}.png"
                    colour = tuple(rng.randrange(256) for _ in range(3))
                    image = Image.new("RGB", (320, 200), colour)
                    image.putpixel((number % 320, number // 320 % 200), (255, 255, 255))
                    image.save(path)
                    paths.append(path)
                await asyncio.gather(
                    *(core.storage.upload(actor, path, tags=("bench",)) for path in paths)
                )
                for path in paths:
                    path.unlink()

    asyncio.run(make())


def prepare_monitor(data_dir: Path, jobs: int, running: int) -> None:
    """``jobs - running`` finished local image renders."""
    from app.bootstrap import open_core
    from app.config import AppSettings
    from app.domain import RenderStatus
    from tests.app.workflow.helpers import full_draft

    async def make() -> None:
        async with open_core(AppSettings(data_dir=data_dir)) as core:
            actor = await _actor(core)
            campaign = await core.campaigns.create_campaign(actor, "Bench", channels=["instagram"])
            await core.strategies.create_strategy(actor, campaign.id, full_draft())
            for number in range(jobs - running):
                await core.creatives.create_media_creative(
                    actor, campaign.id, kind="image", title=f"Done {number}", prompt="a bike"
                )
            terminal = {RenderStatus.PUBLISHED, RenderStatus.FAILED, RenderStatus.CANCELLED}

            async def finished() -> bool:
                jobs = await core.renderer.list_jobs(actor)
                return all(job.status in terminal for job in jobs)

            await wait_until(finished, 0.2)

    asyncio.run(make())


# -- children ---------------------------------------------------------------------------------


def child_library(data_dir: str) -> None:
    from PySide6.QtWidgets import QListView

    from app.config import AppSettings
    from ui.main import run_window
    from ui.main_window import MainWindow

    def on_shown(window: MainWindow) -> None:
        async def run() -> None:
            await asyncio.sleep(1.0)  # the start settles
            panel = window.panels["assets"]
            (grid,) = [view for view in panel.findChildren(QListView) if view.isVisibleTo(panel)]
            model = grid.model()
            loader = window.library.thumbnails
            started = time.perf_counter()
            window.show_panel("assets")
            await wait_until(lambda: model.rowCount() > 0 and not loader.busy, 0.002)
            opened = time.perf_counter() - started
            meter = GapMeter(window)
            meter.start()
            bar = grid.verticalScrollBar()
            while model.canFetchMore(grid.rootIndex()) or bar.value() < bar.maximum():
                bar.setValue(bar.value() + bar.pageStep())
                await asyncio.sleep(0.02)
            await wait_until(lambda: not loader.busy, 0.01)
            report(open_s=opened, rows=model.rowCount(), rss=rss_mib(), **meter.stop())
            window.close()

        window.tasks.start("bench-library", run())

    run_window(lambda: AppSettings(data_dir=Path(data_dir), render_worker=False), on_shown)


def child_replicate(steps: int) -> None:
    """The FAKE Replicate server in its own process: every prediction advances a step per poll
    (``steps`` in all), so that the jobs keep running and reporting progress."""
    from tests.fakes.replicate_server import FakeReplicateServer

    async def serve() -> None:
        async with FakeReplicateServer() as server:
            print(json.dumps({"base_url": server.base_url}), flush=True)
            seen: dict[str, int] = {}
            while True:
                for prediction_id in list(server.predictions):
                    step = seen.get(prediction_id, 0) + 1
                    if step == 1:
                        server.start_processing(prediction_id)
                    if step <= steps:
                        server.progress(prediction_id, step, steps)
                    seen[prediction_id] = step
                await asyncio.sleep(0.5)

    asyncio.run(serve())


def child_monitor(data_dir: str, base_url: str, running: int) -> None:
    from PySide6.QtCore import QThread  # noqa: F401 (the UI thread's CPU clock below)

    from app.config import AppSettings
    from ui.main import run_window
    from ui.main_window import MainWindow

    def on_shown(window: MainWindow) -> None:
        async def run() -> None:
            core, actor = window.session.core, window.session.actor
            # Replicate takes 4 jobs at once from one workstation; 50 running stand for a
            # team's workstations rendering together, so this one lifts its own limit.
            core.providers["replicate"].max_concurrency = running
            (campaign,) = await core.campaigns.list_campaigns(actor)
            window.show_panel("renders")
            await asyncio.sleep(1.0)
            for number in range(running):
                await core.creatives.create_media_creative(
                    actor,
                    campaign.id,
                    kind="image",
                    title=f"Running {number}",
                    prompt="a bike",
                    provider="replicate",
                )

            async def all_running() -> bool:
                jobs = await core.renderer.list_jobs(actor)
                return sum(job.status.value == "running" for job in jobs) >= running

            # Measured once every job runs: the first request's one-time imports (aiohttp's
            # connector, the TLS context) are the start's cost, not the monitor's.
            await wait_until(all_running, 0.5)
            meter = GapMeter(window)
            pauses = GcPauses()
            wall, cpu = time.perf_counter(), time.thread_time()
            meter.start()
            await asyncio.sleep(MONITOR_SECONDS)
            figures = meter.stop()
            figures["gc_max_ms"] = pauses.stop()
            share = (time.thread_time() - cpu) / (time.perf_counter() - wall)
            jobs = await core.renderer.list_jobs(actor)
            running_now = sum(job.status.value == "running" for job in jobs)
            report(ui_cpu_share=share, jobs=len(jobs), running=running_now, **figures)
            window.close()

        window.tasks.start("bench-monitor", run())

    settings = AppSettings(
        data_dir=Path(data_dir),
        replicate_api_token="r8_FakeReplicateToken0123456789abcdefXYZ",  # the fake's
        replicate_base_url=base_url,
        render_concurrency=64,
        provider_poll_seconds=1.0,
    )
    run_window(lambda: settings, on_shown)


# -- parent -----------------------------------------------------------------------------------


def spawn(args: list[str], env: dict[str, str]) -> dict[str, float]:
    process = subprocess.run(  # noqa: S603 (this script, with its own arguments)
        [sys.executable, __file__, "--child", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    for line in process.stdout.splitlines():
        if line.startswith("RESULT "):
            figures: dict[str, float] = json.loads(line[len("RESULT ") :])
            return figures
    raise SystemExit(f"case {args} failed (exit {process.returncode}):\n{process.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--running", type=int, default=50)
    parser.add_argument("--skip", choices=("library", "monitor"), action="append", default=[])
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        case, *rest = args.child
        if case == "bare":
            child_bare()
        elif case == "library":
            child_library(rest[0])
        elif case == "replicate":
            child_replicate(int(rest[0]))
        else:
            child_monitor(rest[0], rest[1], int(rest[2]))
        return

    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "XDG_CONFIG_HOME": str(Path(folder) / "config"),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ.update(env)
        print(
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}"
        )
        bare = spawn(["bare"], env)
        if "library" not in args.skip:
            library_dir = Path(folder) / "library" / "data"
            started = time.perf_counter()
            prepare_library(library_dir, args.assets)
            print(f"  prepared {args.assets} assets in {time.perf_counter() - started:.0f} s")
            shown = spawn(["library", str(library_dir)], env)
            print(
                f"  library      open {shown['open_s']:.3f} s · scrolled {shown['rows']:.0f} "
                f"rows: longest stall {shown['max_ms']:.1f} ms (p99 {shown['p99_ms']:.1f}) · "
                f"RSS {shown['rss']:.0f} MiB ({shown['rss'] - bare['rss']:.0f} above bare)"
            )
        if "monitor" not in args.skip:
            monitor_dir = Path(folder) / "monitor" / "data"
            prepare_monitor(monitor_dir, args.jobs, args.running)
            server = subprocess.Popen(  # noqa: S603
                [sys.executable, __file__, "--child", "replicate", "1000"],
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert server.stdout is not None
            base_url = json.loads(server.stdout.readline())["base_url"]
            try:
                shown = spawn(["monitor", str(monitor_dir), base_url, str(args.running)], env)
            finally:
                server.terminate()
                server.wait(timeout=10)
            print(
                f"  monitor      {shown['jobs']:.0f} jobs, {shown['running']:.0f} running: "
                f"longest stall {shown['max_ms']:.1f} ms (p99 {shown['p99_ms']:.1f}) · "
                f"UI thread CPU {shown['ui_cpu_share'] * 100:.1f} % · "
                f"longest garbage collection {shown['gc_max_ms']:.1f} ms"
            )


if __name__ == "__main__":
    main()
