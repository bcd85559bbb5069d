"""The publish-bundle port: where a published campaign's manifest, files and calendar go."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from app.ports.blob_store import BlobStore


@dataclass(frozen=True)
class BundleFile:
    """One stored file to copy into the bundle, under ``name`` in its ``assets`` folder."""

    name: str
    key: str


@dataclass(frozen=True)
class PreparedBundle:
    """A bundle written completely but not yet visible: ``commit`` makes it ``target``."""

    staging: Path
    target: Path


class BundleWriter(Protocol):
    """Bundles appear all at once: prepared in a hidden folder, then committed by a rename."""

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
        """Write ``manifest.json``, ``schedule.ics`` and ``assets/<file>`` for a bundle that
        will be called ``name``; ``on_file`` is told the number of files copied after each."""
        ...

    async def commit(self, bundle: PreparedBundle) -> Path:
        """Make the bundle visible under its name; returns its folder."""
        ...

    async def discard(self, bundle: PreparedBundle) -> None:
        """Remove a prepared bundle that will not be committed."""
        ...

    async def archive(self, bundle: PreparedBundle, destination: Path) -> None:
        """Pack a prepared bundle into one zip file at ``destination`` (to share it)."""
        ...

    async def find(self, name: str) -> Path | None:
        """The folder of the bundle ``name`` if it is on this workstation."""
        ...

    async def extract(self, archive: Path, name: str) -> Path:
        """Unpack a bundle packed by :meth:`archive` as the bundle ``name`` (all at once, like
        ``commit``); returns its folder. A bundle of that name already here is kept as is.

        Raises:
            InvalidInput: ``archive`` is not a bundle archive.
        """
        ...
