"""StorageService.add_file: progress reported on the event loop's thread, and whether the bytes
were already in the library — on the real embedded and Mongo(-shim) stores and the local blob
store."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from app.domain import Asset, AssetQuery
from app.domain.assets import StoredFile
from app.domain.errors import InvalidInput
from app.services.storage_service import StorageService
from tests import samples
from tests.app.services.conftest import ANA

MIB = 1024 * 1024


class Recorder:
    """A progress callback that notes each fraction and the thread it was called on."""

    def __init__(self) -> None:
        self.fractions: list[float] = []
        self.threads: set[int] = set()

    def __call__(self, fraction: float) -> None:
        self.fractions.append(fraction)
        self.threads.add(threading.get_ident())


def big_text(path: Path, size: int, line: str = "Spring is here.") -> Path:
    """A text file of about ``size`` bytes (whole lines), different for each ``line``."""
    body = f"{line}\n"
    return samples.text(path, body * (size // len(body)))


async def test_a_large_file_reports_growing_fractions_on_the_loop_thread(
    storage: StorageService, tmp_path: Path
) -> None:
    path = big_text(tmp_path / "brief.txt", 3 * MIB + MIB // 2)
    recorder = Recorder()

    stored = await storage.add_file(ANA, path, tags=["brief"], progress=recorder)

    assert isinstance(stored, StoredFile)
    assert stored.duplicate is False
    assert stored.asset.size == path.stat().st_size
    assert recorder.threads == {threading.get_ident()}
    fractions = recorder.fractions
    assert len(fractions) >= 4  # four chunks read, then the end
    assert fractions == sorted(set(fractions))  # growing, never repeated
    assert all(0.0 < fraction <= 1.0 for fraction in fractions)
    assert fractions[-1] == 1.0
    assert fractions.count(1.0) == 1
    assert 0.5 in fractions  # the whole file was read before it was stored


async def test_the_same_bytes_again_are_a_duplicate_with_tags_merged(
    storage: StorageService, tmp_path: Path
) -> None:
    original = big_text(tmp_path / "a.txt", 2 * MIB)
    first = await storage.add_file(ANA, original, tags=["spring"])
    copy = tmp_path / "copy-of-a.txt"
    copy.write_bytes(original.read_bytes())
    recorder = Recorder()

    again = await storage.add_file(ANA, copy, tags=["hero"], progress=recorder)

    assert first.duplicate is False
    assert again.duplicate is True
    assert again.asset.id == first.asset.id
    assert again.asset.tags == ("spring", "hero")
    assert recorder.fractions[-1] == 1.0
    assert recorder.fractions == sorted(set(recorder.fractions))
    assert recorder.threads == {threading.get_ident()}
    other = await storage.add_file(ANA, samples.text(tmp_path / "b.txt", "Autumn.\n"))
    assert other.duplicate is False
    assert other.asset.id != first.asset.id
    assert (await storage.search(ANA, AssetQuery())).total == 2


async def test_of_two_concurrent_adds_of_the_same_bytes_one_is_a_duplicate(
    storage: StorageService, tmp_path: Path
) -> None:
    source = samples.png(tmp_path / "a.png")
    twin = tmp_path / "b.png"
    twin.write_bytes(source.read_bytes())
    recorders = Recorder(), Recorder()

    stored = await asyncio.gather(
        storage.add_file(ANA, source, tags=["one"], progress=recorders[0]),
        storage.add_file(ANA, twin, tags=["two"], progress=recorders[1]),
    )

    assert sorted(item.duplicate for item in stored) == [False, True]
    assert stored[0].asset.id == stored[1].asset.id
    assert sorted((await storage.get(ANA, stored[0].asset.id)).tags) == ["one", "two"]
    for recorder in recorders:
        assert recorder.fractions[-1] == 1.0
        assert recorder.fractions == sorted(set(recorder.fractions))


@pytest.mark.parametrize(("case", "message"), [("missing", "does not exist"), ("empty", "empty")])
async def test_a_refused_file_raises_as_before_and_never_reports_done(
    storage: StorageService, tmp_path: Path, case: str, message: str
) -> None:
    path = tmp_path / "input.txt"
    if case == "empty":
        path.write_bytes(b"")
    recorder = Recorder()

    with pytest.raises(InvalidInput, match=message):
        await storage.add_file(ANA, path, progress=recorder)
    with pytest.raises(InvalidInput, match=message):
        await storage.upload(ANA, path)

    assert 1.0 not in recorder.fractions


async def test_a_file_refused_after_reading_never_reports_done(
    storage: StorageService, tmp_path: Path
) -> None:
    """An unknown type is found once the bytes are read (half the progress), not stored."""
    path = tmp_path / "noise.bin"
    path.write_bytes(bytes(range(256)) * 8 * 1024)  # 2 MiB nobody can name
    recorder = Recorder()

    with pytest.raises(InvalidInput, match="unknown file type"):
        await storage.add_file(ANA, path, progress=recorder)

    # Staging hands its fractions to the loop before it returns, so all have arrived.
    assert recorder.fractions
    assert max(recorder.fractions) <= 0.5


async def test_upload_still_returns_the_asset(storage: StorageService, tmp_path: Path) -> None:
    path = samples.png(tmp_path / "hero.png")
    asset = await storage.upload(ANA, path, tags=["hero"])
    again = await storage.upload(ANA, path)
    assert isinstance(asset, Asset)
    assert again.id == asset.id
    assert asset.tags == ("hero",)
