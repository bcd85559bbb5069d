"""``campaign-studio workspace export / import``: a workspace from one data folder to another."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.adapters.sqlite import DATABASE_FILENAME, SqliteStore
from app.adapters.storage import LocalBlobStore
from app.cli import main
from app.services.archive_records import read_workspace
from tests.app.services.archive_support import CLOCK, comparable, fill


async def _fill(data_dir: Path, folder: Path) -> None:
    store = SqliteStore(data_dir / DATABASE_FILENAME)
    await store.open()
    try:
        await fill(store, LocalBlobStore(data_dir / "media"), folder)
    finally:
        await store.close()


async def _records(data_dir: Path) -> dict[str, list[dict[str, object]]]:
    store = SqliteStore(data_dir / DATABASE_FILENAME)
    await store.open()
    try:
        found = comparable(await read_workspace(store, "acme", CLOCK.now()))
    finally:
        await store.close()
    return {
        "campaigns": found["campaigns"],
        "assets": found["assets"],
        "members": found["members"],
    }


def test_export_then_import_moves_a_workspace_to_another_data_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    solo, team = tmp_path / "solo", tmp_path / "team"
    solo.mkdir()
    asyncio.run(_fill(solo, tmp_path))
    archive = tmp_path / "acme.zip"
    exported = ["--data-dir", str(solo), "workspace", "export", "--workspace", "acme"]
    assert main([*exported, "--output", str(archive)]) == 0
    out = capsys.readouterr().out
    assert f"wrote the workspace acme (Acme Spring) to {archive}" in out
    assert "1 unfinished renders were left out" in out

    assert main(["--data-dir", str(team), "workspace", "import", str(archive)]) == 0
    out = capsys.readouterr().out
    assert "imported the workspace acme (Acme Spring)" in out
    assert "1 campaigns" in out
    assert asyncio.run(_records(team)) == asyncio.run(_records(solo))
    assert list((team / "media").rglob("*.png"))

    assert main(["--data-dir", str(team), "workspace", "import", str(archive)]) == 1
    err = capsys.readouterr().err
    assert "the workspace acme (Acme Spring) is already in this store" in err
    assert len(err.strip().splitlines()) == 1  # one clear line, no traceback


def test_a_damaged_archive_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"\x00" * 64)
    assert main(["--data-dir", str(tmp_path / "data"), "workspace", "import", str(junk)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "campaign-studio: this is not a workspace archive this release can import: "
        "junk.zip is not a zip file, or is damaged"
    ]


def test_exporting_a_workspace_the_store_lacks_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    output = tmp_path / "x.zip"
    assert main([*data, "workspace", "export", "--workspace", "nope", "--output", str(output)]) == 1
    assert "the workspace nope is not in this store" in capsys.readouterr().err
    assert not output.exists()


def test_the_help_names_both_actions(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["workspace", "--help"])
    out = capsys.readouterr().out
    assert "export" in out
    assert "import" in out
    assert "left out" in out
