"""Publish bundles as folders under ``<data_dir>/exports``, written atomically."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app.adapters.storage.folders import write_error
from app.adapters.storage.leftovers import MKSTEMP_SUFFIX, Leftover
from app.domain.errors import InvalidInput, StorageError
from app.domain.file_names import safe_name
from app.ports.blob_store import BlobStore
from app.ports.bundle import BundleFile, PreparedBundle

# A bundle being written: ".<bundle name>-" and mkdtemp's suffix (see _make_staging), holding
# only what prepare() writes. A published bundle's name never starts with a dot.
_UNFINISHED = re.compile(rf"\..+-{MKSTEMP_SUFFIX}")
_BUNDLE_ENTRIES = frozenset({"assets", "manifest.json", "schedule.ics"})


class FolderBundleWriter:
    """Writes each bundle into a hidden temporary folder; ``commit`` renames it into place.

    Args:
        exports_dir: the folder that receives the bundles.
    """

    def __init__(self, exports_dir: Path) -> None:
        self.exports_dir = exports_dir

    async def prepare(
        self,
        name: str,
        *,
        manifest: dict[str, Any],
        calendar: str,
        files: Sequence[BundleFile],
        blobs: BlobStore,
        on_file: Callable[[int], None] | None = None,
    ) -> PreparedBundle:
        target = self.exports_dir / safe_name(name)
        staging = await asyncio.to_thread(self._make_staging, target)
        bundle = PreparedBundle(staging=staging, target=target)
        try:
            for copied, item in enumerate(files, start=1):
                file_name = safe_name(item.name)
                if file_name != item.name:
                    raise InvalidInput(f"bundle file name {item.name!r} is not safe")
                await blobs.download(item.key, staging / "assets" / file_name)
                if on_file is not None:
                    on_file(copied)
            await asyncio.to_thread(_share_files, staging / "assets")
            await asyncio.to_thread(self._write_texts, staging, manifest, calendar)
        except BaseException:
            await self.discard(bundle)
            raise
        return bundle

    async def commit(self, bundle: PreparedBundle) -> Path:
        await asyncio.to_thread(self._rename, bundle)
        return bundle.target

    async def discard(self, bundle: PreparedBundle) -> None:
        await asyncio.to_thread(shutil.rmtree, bundle.staging, True)

    async def archive(self, bundle: PreparedBundle, destination: Path) -> None:
        await asyncio.to_thread(_zip, bundle.staging, destination)

    async def find(self, name: str) -> Path | None:
        target = self.exports_dir / safe_name(name)
        return target if await asyncio.to_thread(target.is_dir) else None

    async def extract(self, archive: Path, name: str) -> Path:
        target = self.exports_dir / safe_name(name)
        if await asyncio.to_thread(target.is_dir):
            return target
        staging = await asyncio.to_thread(self._make_staging, target)
        bundle = PreparedBundle(staging=staging, target=target)
        try:
            await asyncio.to_thread(_unzip, archive, staging)
            await asyncio.to_thread(_share_files, staging / "assets")
            await self.commit(bundle)
        except BaseException:
            await self.discard(bundle)
            raise
        return target

    def _make_staging(self, target: Path) -> Path:
        try:
            self.exports_dir.mkdir(parents=True, exist_ok=True)
            if target.exists():
                raise InvalidInput(f"the bundle folder {target} exists already")
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=self.exports_dir))
            assets = staging / "assets"
            assets.mkdir()
            # mkdtemp makes a private folder (0700); a bundle is made to be shared and holds no
            # secrets, so it gets the mode any new folder gets here (the umask's), as assets did.
            staging.chmod(stat.S_IMODE(assets.stat().st_mode))
        except OSError as exc:
            message = f"cannot create a bundle in {self.exports_dir}"
            raise write_error(exc, self.exports_dir, message) from exc
        return staging

    def _write_texts(self, staging: Path, manifest: dict[str, Any], calendar: str) -> None:
        texts = {
            "manifest.json": json.dumps(manifest, indent=2, ensure_ascii=False),
            "schedule.ics": calendar,
        }
        try:
            for name, text in texts.items():
                _write(staging / name, text)
        except OSError as exc:
            needed = sum(len(text.encode()) for text in texts.values())
            message = f"cannot write the bundle in {staging}"
            raise write_error(exc, staging, message, needed=needed) from exc

    def _rename(self, bundle: PreparedBundle) -> None:
        try:
            os.replace(bundle.staging, bundle.target)
        except OSError as exc:
            raise StorageError(f"cannot publish the bundle {bundle.target}: {exc}") from exc


def _share_files(folder: Path) -> None:
    """Give the files in ``folder`` the mode new files get under the umask (the blob store
    writes through private temporary files, 0600): the folder's mode without execute bits."""
    try:
        mode = stat.S_IMODE(folder.stat().st_mode) & 0o666
        for path in folder.iterdir():
            path.chmod(mode)
    except OSError as exc:
        raise StorageError(f"cannot share the files of the bundle in {folder}: {exc}") from exc


def _zip(folder: Path, destination: Path) -> None:
    """The bundle in ``folder`` as one zip file (media are stored, not compressed again)."""
    try:
        with zipfile.ZipFile(destination, "w") as archive:
            for name in ("manifest.json", "schedule.ics"):
                archive.write(folder / name, name, zipfile.ZIP_DEFLATED)
            for path in sorted((folder / "assets").iterdir()):
                archive.write(path, f"assets/{path.name}", zipfile.ZIP_STORED)
    except OSError as exc:
        raise write_error(exc, destination, f"cannot pack the bundle into {destination}") from exc


def _unzip(source: Path, folder: Path) -> None:
    """Unpack a bundle archive into ``folder`` (made by ``prepare``'s staging): only its
    manifest, calendar and ``assets/<safe file name>`` entries, each checked before any is
    written, so a crafted archive cannot write elsewhere."""
    try:
        with zipfile.ZipFile(source) as archive:
            entries = archive.infolist()
            for entry in entries:
                first, _, rest = entry.filename.partition("/")
                known = entry.filename in ("manifest.json", "schedule.ics")
                if not (known or (first == "assets" and rest and safe_name(rest) == rest)):
                    raise InvalidInput(
                        f"the bundle archive holds an unexpected entry {entry.filename!r}"
                    )
            for entry in entries:
                with archive.open(entry) as data, (folder / entry.filename).open("wb") as out:
                    shutil.copyfileobj(data, out, 1024 * 1024)
    except zipfile.BadZipFile as exc:
        raise InvalidInput(f"the bundle archive is not a zip file: {exc}") from exc
    except OSError as exc:
        raise write_error(exc, folder, f"cannot unpack the bundle into {folder}") from exc


def _write(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def unfinished_bundles(exports_dir: Path) -> list[Leftover]:
    """The bundle folders in ``exports_dir`` that were never published (their process died
    while writing them), whatever their age; symlinks and other folders are never listed."""
    try:
        with os.scandir(exports_dir) as entries:
            candidates = [
                Path(entry.path)
                for entry in entries
                if _UNFINISHED.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False)
            ]
    except FileNotFoundError:
        return []
    return [
        Leftover(folder, "unfinished publish bundle")
        for folder in candidates
        if {child.name for child in folder.iterdir()} <= _BUNDLE_ENTRIES
    ]
