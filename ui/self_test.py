"""``campaign-studio self-test``: proves that an installed build works, on a throw-away data
folder. It opens a core on the embedded default, builds the main window (offscreen when there is
no display), renders one local image and one local video, and reads both back from the library.

It prints one line per check and exits 0, or 1 naming the check that failed and why. Nothing of
the user's is read or written: settings come from arguments only (not the config file, the
environment or the keyring) and the window's saved layout goes to the temporary folder."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

if TYPE_CHECKING:
    from app.bootstrap import Core
    from app.domain import Actor

RENDER_TIMEOUT_SECONDS = 180.0
"""How long one local render may take on a slow machine before the check fails."""

Say = Callable[[str], None]


class CheckFailed(Exception):
    """A check that did not pass; the message says which and why, in plain words."""


def main() -> int:
    """Run every check; the process exit status."""
    from app.cli_parser import app_version

    if sys.platform.startswith("linux") and not (
        os.environ.get("QT_QPA_PLATFORM")
        or os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"

    def say(line: str) -> None:
        print(line, flush=True)

    say(f"Campaign Studio {app_version()} self-test")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="campaign-studio-self-test-") as folder:
        try:
            _run(Path(folder), say)
        except CheckFailed as exc:
            say(f"FAILED: {exc}")
            return 1
    say(f"self-test passed in {time.monotonic() - started:.1f} s")
    return 0


def _run(folder: Path, say: Say) -> None:
    try:
        from PySide6.QtCore import QCoreApplication, QSettings

        from ui.main import run_on_qt_loop
    except ImportError as exc:
        raise CheckFailed(f"Qt cannot be loaded: {exc}") from exc
    QCoreApplication.setOrganizationName("Campaign Studio Self-Test")
    QCoreApplication.setApplicationName("Campaign Studio Self-Test")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder / "qt"))
    from ui.main import application

    app = application()
    say(f"ok  Qt {_qt_version()} on the {app.platformName()} platform")
    run_on_qt_loop(app, _checks(folder / "data", say))


def _qt_version() -> str:
    from PySide6.QtCore import qVersion

    return str(qVersion())


async def _checks(data_dir: Path, say: Say) -> None:
    from app.bootstrap import open_core
    from app.config import AppSettings
    from app.domain.errors import AppError

    settings = AppSettings(
        data_dir=data_dir,
        mongodb_uri=None,
        blob_store="local",
        render_worker=True,
        webhook_relay=False,
        poe_api_key=None,
    )
    try:
        async with open_core(settings) as core:
            say(f"ok  core opened on the embedded database in {data_dir}")
            await _with_core(core, say)
    except AppError as exc:
        raise CheckFailed(exc.message) from exc


async def _with_core(core: Core, say: Say) -> None:
    from ui.main_window import MainWindow
    from ui.viewmodels.startup import choose_start

    start = await choose_start(core)
    window = MainWindow(core, start.actor)
    try:
        window.show()
        say("ok  main window built")
        campaign = await core.campaigns.create_campaign(start.actor, "Self-test")
        await core.strategies.create_strategy(start.actor, campaign.id, _strategy())
        for kind in ("image", "video"):
            await _render(core, start.actor, campaign.id, kind, say)
    finally:
        window.close()
        await window.shutdown()
        window.deleteLater()


def _strategy() -> dict[str, object]:
    return {
        "objective": "Prove that this installation renders",
        "target_audience": "Whoever installed it",
        "key_messages": ["It works"],
        "channels": ["instagram"],
        "tone": "Plain",
        "budget": {"amount": 1, "currency": "EUR"},
        "kpis": ["renders"],
        "call_to_action": "Open Campaign Studio",
    }


async def _render(core: Core, actor: Actor, campaign_id: str, kind: str, say: Say) -> None:
    """Render one ``kind`` locally, then find its output in the library and on disk."""
    from app.domain.errors import AppError

    began = time.monotonic()
    try:
        creative = await core.creatives.create_media_creative(
            actor,
            campaign_id,
            kind=kind,
            title=f"Self-test {kind}",
            prompt=f"a self-test {kind}",
            provider=f"local-{kind}",
        )
        if creative.render_job_id is None:
            raise CheckFailed(f"the {kind} render was not queued")
        job = await core.renderer.wait_for(
            actor, creative.render_job_id, timeout=RENDER_TIMEOUT_SECONDS
        )
        if not job.output_asset_ids:
            raise CheckFailed(f"the {kind} render ended {job.status.value}: {job.error or ''}")
        found = await core.storage.search(actor, {"types": [kind]})
        ids = {asset.id for asset in found.items}
        if job.output_asset_ids[0] not in ids:
            raise CheckFailed(f"the rendered {kind} is not in the library")
        asset = await core.storage.get(actor, job.output_asset_ids[0])
        url = await core.storage.url(actor, asset.id)
    except AppError as exc:
        raise CheckFailed(f"the {kind} render failed: {exc.message}") from exc
    size = _file_size(url)
    if size != asset.size or size == 0:
        raise CheckFailed(f"the rendered {kind}'s file is missing or damaged ({url})")
    shape = f"{asset.width}×{asset.height}" if asset.width else "?"
    if asset.duration_seconds:
        shape += f", {asset.duration_seconds:.1f} s"
    say(
        f"ok  {kind} rendered and read back from the library: {asset.filename} "
        f"({shape}, {size} bytes) in {time.monotonic() - began:.1f} s"
    )


def _file_size(url: str) -> int:
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return -1
    try:
        return Path(unquote(parsed.path)).stat().st_size
    except OSError:
        return -1


if __name__ == "__main__":
    sys.exit(main())
