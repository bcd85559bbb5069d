"""The SecantusDB launcher's wait: it fails fast, saying why, instead of hanging CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MONGODB_URI_ENV
from tests.mongo_server import main


def test_wait_fails_at_once_when_the_server_process_ended(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    uri_file = tmp_path / "uri"
    assert main(["wait", "--uri-file", str(uri_file), "--pid", str(gone.pid)]) == 1
    assert f"(process {gone.pid}) stopped before answering" in capsys.readouterr().err


def test_wait_gives_up_after_its_time_limit_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uri_file = tmp_path / "uri"
    args = ["wait", "--uri-file", str(uri_file), "--pid", str(os.getpid()), "--timeout", "0.3"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "did not answer ping within 0.3 s" in err
    assert "has not written its address yet" in err


def test_wait_returns_once_the_server_answers(tmp_path: Path) -> None:
    uri = os.environ.get(MONGODB_URI_ENV)
    if not uri:
        pytest.skip(f"no real MongoDB server: set {MONGODB_URI_ENV} to run against one")
    uri_file = tmp_path / "uri"
    uri_file.write_text(f"{uri}\n")
    assert main(["wait", "--uri-file", str(uri_file), "--pid", str(os.getpid())]) == 0
