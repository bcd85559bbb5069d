"""The command line: doctor reports settings (secrets masked) and problems in plain words."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main


def test_doctor_on_the_embedded_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPAIGN_STUDIO_FAL_KEY", "fal-secret-value")
    assert main(["--data-dir", str(tmp_path / "data"), "doctor"]) == 0
    out = capsys.readouterr().out
    assert "fal-secret-value" not in out
    assert "fal_key" in out
    assert "set (hidden)" in out
    assert "sqlite (embedded)" in out
    assert "journal_mode wal" in out
    assert "Everything works." in out


def test_doctor_names_an_unwritable_data_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["--data-dir", str(blocker / "data"), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "BAD  data folder" in out
    assert "is not writable" in out


def test_doctor_names_an_unreachable_mongodb_and_masks_its_password(tmp_path: Path) -> None:
    """Run as a real process: PyMongo may leave a socket for the garbage collector when a
    client closes during server selection, which must not disturb the other tests."""
    env = {
        **os.environ,
        # Port 9 (discard) on loopback: nothing listens, so connections are refused at once.
        "CAMPAIGN_STUDIO_MONGODB_URI": (
            "mongodb://ana:hunter2@127.0.0.1:9/?serverSelectionTimeoutMS=300"
        ),
    }
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "--data-dir", str(tmp_path), "doctor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "hunter2" not in done.stdout + done.stderr
    assert "mongodb://ana:****@127.0.0.1:9/" in done.stdout
    assert "BAD  database" in done.stdout


def test_invalid_settings_exit_2_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPAIGN_STUDIO_RENDER_CONCURRENCY", "lots")
    assert main(["--data-dir", str(tmp_path), "doctor"]) == 2
    assert "render_concurrency" in capsys.readouterr().err


def test_a_secret_in_the_config_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('poe_api_key = "poe-123"\n')
    assert main(["--config", str(config), "--data-dir", str(tmp_path), "doctor"]) == 2
    err = capsys.readouterr().err
    assert "holds secrets: poe_api_key" in err
    assert "poe-123" not in err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "doctor" in capsys.readouterr().out


def test_doctor_lists_the_render_providers_and_their_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["--data-dir", str(tmp_path), "doctor"]) == 0
    out = capsys.readouterr().out
    assert "ok   renders      providers local-image, local-video; images: local-image" in out
    assert "polling only (no public_webhook_url)" in out
    monkeypatch.setenv("CAMPAIGN_STUDIO_DEFAULT_VIDEO_PROVIDER", "runway")
    assert main(["--data-dir", str(tmp_path), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "BAD  renders      default provider runway is not configured" in out


def test_the_command_lines_role_names_are_the_roles() -> None:
    from app.cli_parser import ROLE_NAMES
    from app.domain import Role

    assert tuple(role.value for role in Role) == ROLE_NAMES
