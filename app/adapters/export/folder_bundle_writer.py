"""Publish bundles as folders under ``<data_dir>/exports``, written atomically."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.domain.errors import InvalidInput, StorageError
from app.ports.blob_store import BlobStore
from app.ports.bundle import BundleFile

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """A file or folder name made of ``[A-Za-z0-9._-]`` only (never ``.``/``..``)."""
    cleaned = _UNSAFE.sub("-", name).strip("-.")
    return cleaned[:120] or "file"


class FolderBundleWriter:
    """Writes each bundle into a hidden temporary folder, then renames it into place.

    Args:
        exports_dir: the folder that receives the bundles.
    """

    def __init__(self, exports_dir: Path) -> None:
        self.exports_dir = exports_dir

    async def write(
        self,
        name: str,
        *,
        manifest: dict[str, Any],
        calendar: str,
        files: Sequence[BundleFile],
        blobs: BlobStore,
    ) -> Path:
        folder = safe_name(name)
        target = self.exports_dir / folder
        temp = await asyncio.to_thread(self._prepare, target)
        try:
            for item in files:
                file_name = safe_name(item.name)
                if file_name != item.name:
                    raise InvalidInput(f"bundle file name {item.name!r} is not safe")
                await blobs.download(item.key, temp / "assets" / file_name)
            await asyncio.to_thread(self._finish, temp, target, manifest, calendar)
        except BaseException:
            await asyncio.to_thread(shutil.rmtree, temp, True)
            raise
        return target

    def _prepare(self, target: Path) -> Path:
        try:
            self.exports_dir.mkdir(parents=True, exist_ok=True)
            if target.exists():
                raise InvalidInput(f"the bundle folder {target} exists already")
            temp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=self.exports_dir))
            (temp / "assets").mkdir()
        except OSError as exc:
            raise StorageError(f"cannot create a bundle in {self.exports_dir}: {exc}") from exc
        return temp

    def _finish(self, temp: Path, target: Path, manifest: dict[str, Any], calendar: str) -> None:
        try:
            _write(temp / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
            _write(temp / "schedule.ics", calendar)
            os.replace(temp, target)
        except OSError as exc:
            raise StorageError(f"cannot write the bundle {target}: {exc}") from exc


def _write(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
