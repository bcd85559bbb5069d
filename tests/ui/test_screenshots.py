"""The screenshot script renders every panel and dialog, light and dark, without a display."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage


def test_the_screenshot_script_writes_every_panel_and_dialog(tmp_path: Path) -> None:
    out = tmp_path / "shots"
    done = subprocess.run(
        [sys.executable, "-m", "ui.screenshots", str(out)],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    written = sorted(path.name for path in out.glob("*.png"))
    assert written == sorted(Path(line).name for line in done.stdout.split())
    for scheme in ("light", "dark"):
        for name in ("campaign-overview", "campaign-strategy", "panel-approvals", "dialog-welcome"):
            assert f"{name}-{scheme}.png" in written
    window = QImage(str(out / "campaign-overview-light.png"))
    assert (window.width(), window.height()) == (1280, 800)
    # Dark is dark: the window's background is darker than light's.
    light = QImage(str(out / "panel-approvals-light.png")).pixelColor(640, 700).lightness()
    dark = QImage(str(out / "panel-approvals-dark.png")).pixelColor(640, 700).lightness()
    assert dark < light
