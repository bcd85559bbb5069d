"""The staging folder both blob stores copy incoming bytes into before they commit them.

Staging reads the source once: each 1 MiB chunk feeds SHA-256 and the staging file, and the first
4096 bytes are kept as ``head`` (enough to sniff a media type). All file work runs in a worker
thread, which also tells an optional progress callback how many bytes it has read. Whatever goes
wrong, the half-written staging file is removed before the error leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from app.adapters.storage.file_threads import FileThreads
from app.adapters.storage.folders import KnownFolders, write_error
from app.adapters.storage.leftovers import MKSTEMP_SUFFIX, Leftover
from app.domain.errors import InvalidInput, StorageError
from app.ports.blob_store import HEAD_SIZE, StagedBlob, TransferProgress

CHUNK_SIZE = 1024 * 1024
_MB = 1024 * 1024
STAGE_PREFIX = "stage-"
# The work files of a staging folder: staging files, and the local store's atomic writes
# (".part-") and writability probes ("probe-") that it makes there (local_blob_store.py).
_WORK_FILE = re.compile(rf"(?:{STAGE_PREFIX}|\.part-|probe-){MKSTEMP_SUFFIX}")


class Staging:
    """Private files holding bytes on their way into a blob store.

    Args:
        folder: Where staging files live; created on first use. For a local store it must be on
            the store's file system so that committing is a rename.
        threads: The owning store's file threads, which do the file work.
    """

    def __init__(self, folder: Path, threads: FileThreads) -> None:
        self.folder = folder
        self._threads = threads
        self._folders = KnownFolders()

    async def stage(
        self, source: Path, *, max_bytes: int, progress: TransferProgress | None = None
    ) -> StagedBlob:
        """Copy ``source`` into a staging file while hashing it.

        Args:
            source: The file to copy.
            max_bytes: The largest size accepted.
            progress: Called with ``(bytes read, size)`` after each 1 MiB chunk, from the
                worker thread doing the copy.

        Raises:
            InvalidInput: ``source`` is missing, not a file, empty or larger than ``max_bytes``.
            StorageError: Reading or writing failed.
        """
        return await self._threads.run(self._stage_file, source, max_bytes, progress)

    async def stage_stream(self, chunks: AsyncIterator[bytes], *, max_bytes: int) -> StagedBlob:
        """Copy bytes arriving in ``chunks`` into a staging file while hashing them.

        Chunks are batched into about 1 MiB before each write, which runs in a worker thread.

        Raises:
            InvalidInput: The stream is empty or grows beyond ``max_bytes``.
            StorageError: Writing failed.
        """
        writer: _Writer | None = None
        batch: list[bytes] = []
        batched = 0
        try:
            async for chunk in chunks:
                if not chunk:
                    continue
                written = writer.size if writer else 0
                if written + batched + len(chunk) > max_bytes:
                    raise InvalidInput(f"the download is larger than the {_mb(max_bytes)} limit")
                batch.append(bytes(chunk))
                batched += len(chunk)
                if batched >= CHUNK_SIZE:
                    writer = await self._threads.run(self._write, writer, batch, last=False)
                    batch, batched = [], 0
            if writer is None and not batch:
                raise InvalidInput("the download is empty")
            # A small file is opened, written, synced and closed in this one thread hop.
            writer = await self._threads.run(self._write, writer, batch, last=True)
        except BaseException:
            if writer is not None:
                await _remove_on_error(self._threads, writer.handle, writer.path)
            await _close_iterator(chunks)
            raise
        return writer.staged()

    async def discard(self, staged: StagedBlob) -> None:
        """Remove a staging file; nothing happens if it is already gone.

        Raises:
            InvalidInput: ``staged`` does not live in this staging folder.
        """
        path = self.owned_path(staged)
        await self._threads.run(path.unlink, missing_ok=True)

    def owned_path(self, staged: StagedBlob) -> Path:
        """The staging file of ``staged``, refusing a path outside this folder.

        Raises:
            InvalidInput: ``staged.path`` is not directly inside the staging folder.
        """
        # Both sides are absolute (mkstemp returns an absolute name when given an absolute
        # folder); comparing unresolved paths keeps this free of file system calls.
        folder = Path(os.path.abspath(self.folder))
        path = Path(os.path.abspath(staged.path))
        if path.parent != folder:
            raise InvalidInput(f"{staged.path} is not a staged file of this store")
        return path

    def _open_temp(self) -> tuple[BinaryIO, Path]:
        folder = os.path.abspath(self.folder)
        try:
            fd, name = self._folders.within(
                self.folder, lambda: tempfile.mkstemp(dir=folder, prefix=STAGE_PREFIX)
            )
        except OSError as exc:
            message = f"cannot create a staging file in {self.folder}"
            raise write_error(exc, self.folder, message) from exc
        return os.fdopen(fd, "wb"), Path(name)

    def _write(self, writer: _Writer | None, batch: list[bytes], *, last: bool) -> _Writer:
        """Write ``batch`` to the staging file (opened first if ``writer`` is ``None``); the
        ``last`` batch also syncs and closes it. On error the file is removed."""
        if writer is None:
            writer = _Writer(*self._open_temp())
        try:
            writer.write_all(batch)
            if last:
                writer.finish()
        except BaseException:
            _close_and_remove(writer.handle, writer.path)
            raise
        return writer

    def _stage_file(
        self, source: Path, max_bytes: int, progress: TransferProgress | None = None
    ) -> StagedBlob:
        size = _check_source(source, max_bytes)
        handle, path = self._open_temp()
        writer = _Writer(handle, path, expected=size)
        try:
            with source.open("rb") as reader:
                while chunk := reader.read(CHUNK_SIZE):
                    if writer.size + len(chunk) > max_bytes:  # the file grew while we read it
                        raise InvalidInput(f"{source} is larger than the {_mb(max_bytes)} limit")
                    writer.write_all([chunk])
                    if progress is not None:
                        # A file growing while we read it never reports more than all.
                        progress(writer.size, max(size, writer.size))
            if writer.size == 0:
                raise InvalidInput(f"{source} is empty")
            writer.finish()
        except BaseException as exc:
            _close_and_remove(handle, path)
            if isinstance(exc, FileNotFoundError) and exc.filename == str(source):
                raise InvalidInput(f"{source} does not exist") from None  # removed meanwhile
            if isinstance(exc, OSError):
                raise StorageError(f"cannot copy {source} into staging: {exc}") from exc
            raise
        return writer.staged()


class _Writer:
    """Hashes, counts and writes chunks; only one thread uses it at a time."""

    def __init__(self, handle: BinaryIO, path: Path, *, expected: int | None = None) -> None:
        self.handle = handle
        self.path = path
        self.expected = expected  # the whole size, when known: what a full disk lacks room for
        self.digest = hashlib.sha256()
        self.size = 0
        self.head = b""

    def write_all(self, chunks: list[bytes]) -> None:
        try:
            for chunk in chunks:
                self.digest.update(chunk)
                if len(self.head) < HEAD_SIZE:
                    self.head += chunk[: HEAD_SIZE - len(self.head)]
                self.handle.write(chunk)
                self.size += len(chunk)
        except OSError as exc:
            raise self._error(exc) from exc

    def finish(self) -> None:
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
        except OSError as exc:
            raise self._error(exc) from exc

    def _error(self, exc: OSError) -> StorageError:
        folder = self.path.parent
        return write_error(exc, folder, "cannot write the staging file", needed=self.expected)

    def staged(self) -> StagedBlob:
        return StagedBlob(
            sha256=self.digest.hexdigest(), size=self.size, head=self.head, path=self.path
        )


def staging_leftovers(folder: Path) -> list[Leftover]:
    """The work files in the staging folder ``folder`` (plain files only), whatever their age:
    a process that died while staging or writing left them."""
    try:
        with os.scandir(folder) as entries:
            return [
                Leftover(Path(entry.path), "staging file")
                for entry in entries
                if _WORK_FILE.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)
            ]
    except FileNotFoundError:
        return []


def _check_source(source: Path, max_bytes: int) -> int:
    """The size of ``source``, after refusing a missing, empty or too large one."""
    try:
        info = source.stat()
    except FileNotFoundError:
        raise InvalidInput(f"{source} does not exist") from None
    except OSError as exc:
        raise StorageError(f"cannot read {source}: {exc}") from exc
    if not source.is_file():
        raise InvalidInput(f"{source} is not a file")
    if info.st_size == 0:
        raise InvalidInput(f"{source} is empty")
    if info.st_size > max_bytes:
        raise InvalidInput(f"{source} is larger than the {_mb(max_bytes)} limit")
    return info.st_size


def _close_and_remove(handle: BinaryIO, path: Path) -> None:
    """Close and delete a staging file; safe to call twice."""
    with contextlib.suppress(OSError):
        handle.close()
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


async def _remove_on_error(threads: FileThreads, handle: BinaryIO, path: Path) -> None:
    try:
        await threads.run(_close_and_remove, handle, path)
    except asyncio.CancelledError:
        # Cancelled again while cleaning up: finish here (one close and one unlink) so that no
        # staging file outlives the error.
        _close_and_remove(handle, path)
        raise


async def _close_iterator(chunks: AsyncIterator[bytes]) -> None:
    """Close an async generator we stopped reading early, so its own cleanup runs now."""
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        with contextlib.suppress(Exception):
            await aclose()


def _mb(max_bytes: int) -> str:
    megabytes = max_bytes / _MB
    if megabytes >= 1:
        return f"{megabytes:,.1f}".removesuffix(".0") + " MB"
    return f"{megabytes:.2g} MB"
