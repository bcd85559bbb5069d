"""The blob store port: where media bytes live (a local folder or an S3-compatible bucket).

Bytes enter in two steps so that nothing half-written is ever visible and nothing is stored
twice: :meth:`BlobStore.stage` streams the source into a private staging file while hashing it
(one pass), then :meth:`BlobStore.commit` moves that file to its content-addressed key — or
:meth:`BlobStore.discard` drops it (a duplicate, or input that turned out to be bad).

Both steps can report how far they have got through a :data:`TransferProgress` callback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

HEAD_SIZE = 4096  # the first bytes of a file kept when staging it: enough to tell its type

TransferProgress = Callable[[int, int], None]
"""Told ``(bytes done, bytes in all)`` while a store reads or sends a file. It may be called
from a worker thread (one at a time, in order), so it must be quick and thread-safe: hand the
numbers over, for example with ``loop.call_soon_threadsafe``, and do nothing slow in it."""


@dataclass(frozen=True)
class StagedBlob:
    """Bytes copied into staging: their SHA-256, size, first ``HEAD_SIZE`` bytes, and the
    private file."""

    sha256: str
    size: int
    head: bytes
    path: Path


@dataclass(frozen=True)
class SmallBlob:
    """A small object stored along with another one (its thumbnail, its poster frame)."""

    key: str
    data: bytes
    content_type: str


class BlobStore(Protocol):
    """Keys are relative, slash-separated paths of ``[A-Za-z0-9._-]`` parts (no ``..``)."""

    kind: str

    async def stage(
        self, source: Path, *, max_bytes: int, progress: TransferProgress | None = None
    ) -> StagedBlob:
        """Copy ``source`` into staging while hashing it.

        Args:
            source: The file to copy (read, never modified).
            max_bytes: The largest size accepted.
            progress: Called with ``(bytes read, size of the file)`` after each chunk is read,
                from the worker thread that copies it (see :data:`TransferProgress`).

        Raises:
            InvalidInput: ``source`` is missing, not a file, empty or larger than ``max_bytes``.
        """
        ...

    async def stage_stream(self, chunks: AsyncIterator[bytes], *, max_bytes: int) -> StagedBlob:
        """Like :meth:`stage` for bytes that arrive in chunks (a provider's download)."""
        ...

    async def commit(
        self,
        staged: StagedBlob,
        key: str,
        *,
        content_type: str,
        alongside: Sequence[SmallBlob] = (),
        progress: TransferProgress | None = None,
    ) -> None:
        """Store the staged bytes under ``key`` (atomically and durably; a no-op if ``key``
        exists), and the small objects ``alongside`` (each written or replaced atomically)
        before it, so that whoever finds the object finds them too.

        The objects ``alongside`` are derived from the stored one (thumbnails, poster frames)
        and may be written without waiting for the disk: after a power cut one may be missing
        or empty, and is made again from the object (``StorageService.thumbnail``).

        ``progress`` is called with ``(bytes sent, size)`` while the bytes are sent, possibly
        from worker threads (see :data:`TransferProgress`). A store that sends nothing (a
        local rename, or ``key`` already exists) calls ``progress(size, size)`` once when
        done. It is not called for the objects ``alongside``."""
        ...

    async def discard(self, staged: StagedBlob) -> None:
        """Drop a staged file that will not be committed."""
        ...

    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store a small object (a thumbnail) atomically."""
        ...

    async def read_bytes(self, key: str) -> bytes:
        """A small object's bytes; :class:`NotFound` if absent."""
        ...

    async def download(self, key: str, destination: Path) -> None:
        """Stream an object into ``destination`` (written atomically)."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Remove ``key``; nothing happens if it is absent."""
        ...

    async def url(self, key: str) -> str:
        """A URL a viewer can open: a ``file:`` URL, a presigned GET or the public base URL."""
        ...

    async def describe(self) -> dict[str, Any]:
        """Facts for ``campaign-studio doctor``; raises :class:`StorageError` if unusable."""
        ...

    async def close(self) -> None: ...
