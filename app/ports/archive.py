"""The workspace archive port: one file holding a workspace's records and media bytes.

Services hand over and get back plain JSON-compatible data; the adapter owns the file format,
the checks that make an archive safe to read, and the streaming of media in and out of it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

Fetch = Callable[[str, Path], Awaitable[None]]
"""Writes the stored object ``key`` into a local file (``BlobStore.download``)."""


@dataclass(frozen=True)
class MediaEntry:
    """One media file in an archive: its storage key, SHA-256, size and content type."""

    key: str
    sha256: str
    size: int
    content_type: str


@dataclass(frozen=True)
class ArchiveContents:
    """What a checked archive holds: the manifest, each type's records, and the media."""

    manifest: Mapping[str, Any]
    records: Mapping[str, Sequence[Mapping[str, Any]]]
    media: Sequence[MediaEntry]


class WorkspaceArchiveFile(Protocol):
    """Writes and reads archives; every archive read is checked before anything is returned."""

    async def write(
        self,
        path: Path,
        *,
        manifest: Mapping[str, Any],
        records: Mapping[str, Sequence[Mapping[str, Any]]],
        media: Sequence[tuple[str, str]],
        fetch: Fetch,
    ) -> Mapping[str, Any]:
        """Write an archive to ``path`` (all at once: no half-written file is ever there).

        Args:
            path: where the archive goes.
            manifest: the workspace's facts; the adapter adds the format, the counts and the
                media checksums.
            records: each record type's records, as JSON-compatible dicts.
            media: ``(storage key, content type)`` of each media file, fetched with ``fetch``.
            fetch: copies a stored object into a local file.

        Returns:
            The manifest as written.
        """
        ...

    async def read(self, path: Path) -> ArchiveContents:
        """Open and check an archive (format, entry names, every media file's SHA-256).

        Raises:
            InvalidInput: the file is not an archive this release can read, or it is damaged.
        """
        ...

    def media_chunks(self, path: Path, key: str) -> AsyncIterator[bytes]:
        """The bytes of the archive's media file ``key``, a chunk at a time (for
        ``BlobStore.stage_stream``: a large video is never read whole into memory)."""
        ...
