"""The version has one source, pyproject's ``version``: ``--version`` and ``doctor`` show it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from app.cli import main

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def pyproject_version() -> str:
    return str(tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"])


def test_version_option_prints_the_pyproject_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"campaign-studio {pyproject_version()}\n"


def test_doctor_shows_the_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path / "data"), "doctor"]) == 0
    assert f"Campaign Studio doctor — version {pyproject_version()}\n" in capsys.readouterr().out
