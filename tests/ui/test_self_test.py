"""``campaign-studio self-test``: run as a person runs it, in a process of its own, it builds the
window offscreen, renders a local image and video, reads them back and says so line by line."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from pytestqt.qtbot import QtBot

from ui.views.about_dialog import AboutDialog

ROOT = Path(__file__).resolve().parents[2]


def pyproject_version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **env}
    return subprocess.run(
        [sys.executable, "-m", "ui.launcher", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_self_test_renders_an_image_and_a_video_and_exits_zero() -> None:
    done = run("self-test")
    assert done.returncode == 0, done.stdout + done.stderr
    version = pyproject_version()
    lines = done.stdout.splitlines()
    assert lines[0] == f"Campaign Studio {version} self-test"
    assert lines[1].startswith("ok  Qt 6.")
    assert lines[1].endswith("on the offscreen platform")
    assert lines[2].startswith("ok  core opened on the embedded database in ")
    assert lines[3] == "ok  main window built"
    read_back = "rendered and read back from the library: self-test"
    assert lines[4].startswith(f"ok  image {read_back}-image-")
    assert lines[5].startswith(f"ok  video {read_back}-video-")
    assert ".mp4 (1280×720" in lines[5]
    assert lines[6].startswith("self-test passed in ")
    # The temporary data folder is gone afterwards.
    folder = Path(lines[2].removeprefix("ok  core opened on the embedded database in "))
    assert not folder.parent.exists()


def test_self_test_fails_with_the_reason_when_video_cannot_be_made() -> None:
    done = run("self-test", IMAGEIO_FFMPEG_EXE=str(ROOT / "no-such-ffmpeg"))
    assert done.returncode == 1
    assert "ok  image rendered" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("FAILED: the video render")


def test_version_option_in_the_launcher() -> None:
    done = run("--version")
    assert done.returncode == 0
    assert done.stdout == f"campaign-studio {pyproject_version()}\n"


def test_about_dialog_shows_the_version_data_folder_and_licences(
    qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = AboutDialog(data_dir=tmp_path / "data")
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.version.text() == f"Version {pyproject_version()}"
    assert dialog.data_folder.isVisible()
    assert str(tmp_path / "data") in dialog.data_folder.text()
    assert "Lucide (ISC licence)" in dialog.licences.text()
    dialog.close_button.click()
    assert not dialog.isVisible()
