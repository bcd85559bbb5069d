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

from app.adapters.storage.folders import write_error
from app.domain.errors import InvalidInput, StorageError
from app.ports.blob_store import BlobStore
from app.ports.bundle import BundleFile, PreparedBundle

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """A file or folder name made of ``[A-Za-z0-9._-]`` only (never ``.``/``..``)."""
    cleaned = _UNSAFE.sub("-", name).strip("-.")
    return cleaned[:120] or "file"


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
    ) -> PreparedBundle:
        target = self.exports_dir / safe_name(name)
        staging = await asyncio.to_thread(self._make_staging, target)
        bundle = PreparedBundle(staging=staging, target=target)
        try:
            for item in files:
                file_name = safe_name(item.name)
                if file_name != item.name:
                    raise InvalidInput(f"bundle file name {item.name!r} is not safe")
                await blobs.download(item.key, staging / "assets" / file_name)
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

    def _make_staging(self, target: Path) -> Path:
        try:
            self.exports_dir.mkdir(parents=True, exist_ok=True)
            if target.exists():
                raise InvalidInput(f"the bundle folder {target} exists already")
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=self.exports_dir))
            (staging / "assets").mkdir()
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


def _write(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
