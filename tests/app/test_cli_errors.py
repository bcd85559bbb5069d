"""The command line fails in plain words: one message and an exit status, never a traceback."""

from __future__ import annotations

import errno
import logging
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app import cli
from app.cli import main
from app.domain.errors import DiskFull


def test_global_options_work_after_the_sub_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "after"
    config = tmp_path / "config.toml"
    config.write_text("render_concurrency = 3\n")
    assert main(["doctor", "--data-dir", str(data), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"data_dir                   {data}" in out
    assert "render_concurrency         3" in out
    assert data.is_dir()


def test_options_before_the_sub_command_still_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "before"
    assert main(["--data-dir", str(data), "doctor"]) == 0
    assert f"data_dir                   {data}" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_a_config_option_naming_no_file_exits_2_naming_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    config = tmp_path / "config.toml"
    if kind == "folder":
        config.mkdir()
    assert main(["--config", str(config), "--data-dir", str(tmp_path), "doctor"]) == 2
    captured = capsys.readouterr()
    assert str(config) in captured.err
    assert "Settings in force" not in captured.out


def test_doctor_reports_a_malformed_mongodb_uri_and_every_other_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPAIGN_STUDIO_MONGODB_URI", "mongodb://ana:hunter2@db:99999999/")
    assert main(["--data-dir", str(tmp_path), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "BAD  database     the MongoDB URI mongodb://ana:****@db:99999999/ is unusable" in out
    assert "hunter2" not in out
    for name in ("media store", "AI model", "renders"):
        assert f"  {name}" in out


def test_doctor_names_an_unknown_variable_with_the_closest_setting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPAIGN_STUDIO_RENDER_CONCURENCY", "8")
    assert main(["--data-dir", str(tmp_path), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "CAMPAIGN_STUDIO_RENDER_CONCURENCY is not a setting" in out
    assert "CAMPAIGN_STUDIO_RENDER_CONCURRENCY" in out


def test_doctor_accepts_the_variables_that_are_not_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPAIGN_STUDIO_TEST_MONGODB_URI", "mongodb://127.0.0.1:9/")
    monkeypatch.setenv("CAMPAIGN_STUDIO_RENDER_CONCURRENCY", "8")
    assert main(["--data-dir", str(tmp_path), "doctor"]) == 0
    assert "not a setting" not in capsys.readouterr().out


def test_doctor_warns_when_the_data_folder_is_nearly_full(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import diagnostics

    usage = diagnostics.shutil.disk_usage(tmp_path)
    low = usage._replace(free=300 * 1024**2)
    monkeypatch.setattr(diagnostics.shutil, "disk_usage", lambda path: low)
    assert main(["--data-dir", str(tmp_path), "doctor"]) == 0
    out = capsys.readouterr().out
    assert "warn disk space" in out
    assert "300 MiB free" in out
    assert str(tmp_path) in out


def test_a_full_disk_prints_one_message_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def fails(settings: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x.png"))

    monkeypatch.setattr(cli, "_doctor", fails)
    assert main(["--data-dir", str(tmp_path), "doctor"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1
    assert f"the disk holding {tmp_path} is full" in err


def test_logged_failures_show_one_line_each_and_repeats_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def logs(settings: object) -> int:
        log = logging.getLogger("app.services.render_worker")
        try:
            raise DiskFull(tmp_path, needed=None)
        except DiskFull:
            for _ in range(20):
                log.exception("render worker cannot claim jobs")
        return 0

    monkeypatch.setattr(cli, "_doctor", logs)
    assert main(["--data-dir", str(tmp_path), "doctor"]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("render worker cannot claim jobs") == 1
    assert f"the disk holding {tmp_path} is full" in err


def test_ctrl_c_during_the_demo_stops_it_with_exit_130(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "demo", "--data-dir", str(tmp_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        # Its numbered steps (or a "==" heading) are printed once the core is open and working.
        line = ""
        while not re.match(r"(==|\d+\.) ", line):
            line = process.stdout.readline()
            assert line, "the demo ended early"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted" in err
