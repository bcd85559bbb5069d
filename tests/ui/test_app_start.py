"""Starting and quitting ``campaign-studio``: first run, no display, a clean quit."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.bootstrap import Core, open_core
from app.config import AppSettings
from app.domain import Actor, Role
from app.domain.errors import ConfigurationError
from ui import launcher
from ui import main as ui_main
from ui.viewmodels.startup import FIRST_WORKSPACE, PERSONAL_WORKSPACE, choose_start
from ui.views.start_window import StartWindow

SCRIPT = Path(__file__).parent / "scripts" / "open_and_quit.py"


def test_without_a_display_it_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert ui_main.run_window(AppSettings(data_dir=tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no display" in err
    assert "campaign-studio demo" in err
    assert "campaign-studio worker" in err


async def test_first_start_makes_the_users_workspace_and_later_starts_reopen_the_last(
    core: Core,
) -> None:
    first = await choose_start(core)
    assert first.first_run
    (mine,) = await core.workspaces.list_workspaces(first.actor)
    assert (mine.name, mine.id) == (FIRST_WORKSPACE, first.actor.tenant_id)
    assert first.actor.user_id == core.identity()
    other = await core.workspaces.create_workspace(first.actor, "Agency")
    again = await choose_start(core, other.id)
    assert (again.first_run, again.actor.tenant_id) == (False, other.id)
    # Not remembered, but there is work already: no welcome.
    await core.campaigns.create_campaign(first.actor, "Spring Launch")
    assert not (await choose_start(core)).first_run
    assert [w.name for w in await core.workspaces.list_workspaces(first.actor)] == [
        "Agency",
        FIRST_WORKSPACE,
    ]


def test_quit_closes_the_core_cleanly_and_exits_0(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # QSettings and config.toml
        "CAMPAIGN_STUDIO_USER_ID": "ana",
    }
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(data)],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "welcome shown: True" in done.stdout
    assert "sqlite threads alive: []" in done.stdout
    assert "Traceback" not in done.stderr
    assert not list(data.rglob("*-wal")), "the embedded database was left with a WAL file"
    # The render queued just before quitting was handed back (no worker holds it: the next
    # one resumes it), or had finished.
    (job,) = asyncio.run(_jobs(data))
    assert job.status.value in {"queued", "running", "published"}
    assert job.lease_owner is None


async def _jobs(data: Path) -> list:  # type: ignore[type-arg]
    async with open_core(AppSettings(data_dir=data, render_worker=False)) as core:
        actor = Actor(tenant_id=PERSONAL_WORKSPACE, user_id="ana", roles={Role.ADMIN})
        assert [w.id for w in await core.workspaces.list_workspaces(actor)] == [actor.tenant_id]
        return await core.renderer.list_jobs(actor)


async def test_settings_that_stop_the_start_are_explained_in_the_start_window(
    capsys: pytest.CaptureFixture[str],
) -> None:
    start = StartWindow()
    start.show()

    def settings() -> AppSettings:
        raise ConfigurationError("the config file team.toml is missing")

    running = asyncio.ensure_future(ui_main.run_app(settings, start))
    deadline = asyncio.get_running_loop().time() + 10
    while not start.close_button.isVisible():
        assert asyncio.get_running_loop().time() < deadline, "no problem shown"
        await asyncio.sleep(0.01)
    assert "team.toml is missing" in start.message.text()
    start.close_button.click()
    assert await running == 2
    assert "team.toml is missing" in capsys.readouterr().err


def test_sub_commands_go_to_the_core_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert launcher.main(["doctor", "--data-dir", str(tmp_path / "data")]) == 0
    assert "Campaign Studio doctor" in capsys.readouterr().out


def test_pysides_import_hook_answers_alike_and_caches_no_source() -> None:
    import json
    import linecache

    import ui.main
    import ui.tasks

    feature = sys.modules["shibokensupport.feature"]
    linecache.clearcache()
    assert feature._mod_uses_pyside(ui.main) is True
    assert feature._mod_uses_pyside(ui.tasks) is False  # no Qt in the task runner
    assert feature._mod_uses_pyside(json) is False
    assert feature._mod_uses_pyside(sys) is False  # built in: no file
    assert ui.main.__file__ not in linecache.cache
