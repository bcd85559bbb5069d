"""The publish-bundle port: where a published campaign's manifest, files and calendar go."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from app.ports.blob_store import BlobStore


@dataclass(frozen=True)
class BundleFile:
    """One stored file to copy into the bundle, under ``name`` in its ``assets`` folder."""

    name: str
    key: str


class BundleWriter(Protocol):
    async def write(
        self,
        name: str,
        *,
        manifest: dict[str, Any],
        calendar: str,
        files: Sequence[BundleFile],
        blobs: BlobStore,
    ) -> Path:
        """Write ``manifest.json``, ``schedule.ics`` and ``assets/<file>`` into a new folder
        called ``name``, all or nothing (a half-written bundle never appears); returns it."""
        ...
