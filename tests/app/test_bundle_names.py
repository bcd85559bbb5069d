"""Publish bundles: names that keep people's letters and suit every file system, and files
that follow the user's umask."""

from __future__ import annotations

import os
import stat
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.adapters.export.folder_bundle_writer import FolderBundleWriter
from app.adapters.storage.local_blob_store import LocalBlobStore
from app.domain.file_names import MAX_NAME_BYTES, safe_name
from app.ports.bundle import BundleFile


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Été 2026 – Ñandú", "Été-2026-Ñandú"),
        ("夏のキャンペーン 2026", "夏のキャンペーン-2026"),
        ("Летняя кампания", "Летняя-кампания"),
        ("हिन्दी अभियान", "हिन्दी-अभियान"),  # vowel signs are combining marks: kept
        ('a<b>c:d"e/f\\g|h?i*j', "a-b-c-d-e-f-g-h-i-j"),
        ("tab\there\x00nul\x1fend", "tab-here-nul-end"),
        ("  ..trailing dot and space. ", "trailing-dot-and-space"),
        ("spring-v1-20261204T120000Z-abc123", "spring-v1-20261204T120000Z-abc123"),
    ],
)
def test_names_keep_letters_of_every_script_and_drop_what_file_systems_refuse(
    name: str, expected: str
) -> None:
    assert safe_name(name) == expected


def test_names_are_nfc_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "Été")
    assert safe_name(decomposed) == "Été"
    assert unicodedata.is_normalized("NFC", safe_name(decomposed))


@pytest.mark.parametrize("device", ["CON", "nul", "Com1", "LPT9.txt", "aux.tar.gz"])
def test_windows_device_names_are_never_produced(device: str) -> None:
    cleaned = safe_name(device)
    assert cleaned.split(".")[0].upper() not in {"CON", "NUL", "COM1", "LPT9", "AUX"}


def test_long_names_are_cut_to_a_bounded_number_of_bytes_between_characters() -> None:
    cleaned = safe_name("日本語" * 100)
    assert len(cleaned.encode("utf-8")) <= MAX_NAME_BYTES
    assert len(cleaned.encode("utf-8")) > MAX_NAME_BYTES - 3  # nothing more was cut
    assert ("日本語" * 100).startswith(cleaned)


def test_a_name_with_nothing_usable_falls_back() -> None:
    assert safe_name("💥 !!! ✨", fallback="c0ffee") == "c0ffee"
    assert safe_name("...") == "file"


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
async def blobs(tmp_path: Path) -> Iterator[LocalBlobStore]:
    store = LocalBlobStore(tmp_path / "media")
    yield store
    await store.close()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.usefixtures("umask_022")
async def test_a_bundle_follows_the_umask(tmp_path: Path, blobs: LocalBlobStore) -> None:
    await blobs.put_bytes("assets/hero.png", b"png bytes", content_type="image/png")
    writer = FolderBundleWriter(tmp_path / "exports")
    prepared = await writer.prepare(
        "Été 2026 – Ñandú",
        manifest={"name": "Été"},
        calendar="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        files=[BundleFile(name="hero.png", key="assets/hero.png")],
        blobs=blobs,
    )
    bundle = await writer.commit(prepared)
    assert bundle.name == "Été-2026-Ñandú"

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(bundle) == 0o755
    assert mode(bundle / "assets") == 0o755
    assert mode(bundle / "assets" / "hero.png") == 0o644
    assert mode(bundle / "manifest.json") == 0o644
    assert mode(bundle / "schedule.ics") == 0o644
