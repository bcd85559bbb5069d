"""A blob store in a local folder: each key is a file below the root.

Staging files live in ``root/.staging`` (same file system), so committing is one atomic rename.
Every key is checked twice: by :func:`check_key`, and by resolving the target path and requiring
it to lie inside the resolved root, which also refuses symlinks that point out of the store.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from app.adapters.storage.file_threads import FileThreads
from app.adapters.storage.folders import KnownFolders, probe_writable, write_error
from app.adapters.storage.keys import check_key
from app.adapters.storage.staging import CHUNK_SIZE, Staging
from app.domain.errors import InvalidInput, NotFound, StorageError
from app.ports.blob_store import SmallBlob, StagedBlob, TransferProgress

STAGING_DIRNAME = ".staging"
MAX_REMEMBERED_URLS = 1024
_MISSING = (FileNotFoundError, NotADirectoryError, IsADirectoryError)


class LocalBlobStore:
    """The :class:`~app.ports.blob_store.BlobStore` kept in a folder on this computer.

    Args:
        root: The store's folder; created on first write.
    """

    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root: Path | None = None
        self._folders = KnownFolders()
        self._written: dict[str, str] = {}  # key -> file: URL, oldest first
        self._written_lock = threading.Lock()
        self._threads = FileThreads(str(root))
        self._staging = Staging(root / STAGING_DIRNAME, self._threads)

    async def stage(
        self, source: Path, *, max_bytes: int, progress: TransferProgress | None = None
    ) -> StagedBlob:
        """Copy ``source`` into ``root/.staging`` while hashing it (see :class:`Staging`);
        ``progress`` is told the bytes read after each chunk, from the worker thread."""
        return await self._staging.stage(source, max_bytes=max_bytes, progress=progress)

    async def stage_stream(self, chunks: AsyncIterator[bytes], *, max_bytes: int) -> StagedBlob:
        """Copy streamed bytes into ``root/.staging`` while hashing them."""
        return await self._staging.stage_stream(chunks, max_bytes=max_bytes)

    async def commit(
        self,
        staged: StagedBlob,
        key: str,
        *,
        content_type: str,
        alongside: Sequence[SmallBlob] = (),
        progress: TransferProgress | None = None,
    ) -> None:
        """Rename the staged file to ``key``; if ``key`` already exists, drop the staged file.

        The staged file is gone afterwards whether this succeeds or raises. Nothing is sent,
        so ``progress`` is called once, with ``(size, size)``, when the file is in place.

        Raises:
            InvalidInput: ``key`` is invalid, or ``staged`` is not from this store.
            StorageError: The rename failed.
        """
        source = self._staging.owned_path(staged)
        await self._threads.run(self._commit, source, key, alongside)
        if progress is not None:
            progress(staged.size, staged.size)

    async def discard(self, staged: StagedBlob) -> None:
        """Remove a staged file that will not be committed."""
        await self._staging.discard(staged)

    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None:
        """Write ``data`` to ``key`` atomically (temporary file, fsync, rename)."""
        await self._threads.run(self._put_bytes, key, data)

    async def read_bytes(self, key: str) -> bytes:
        """The bytes stored under ``key``.

        Raises:
            NotFound: Nothing is stored under ``key``.
        """
        return await self._threads.run(self._read_bytes, key)

    async def download(self, key: str, destination: Path) -> None:
        """Copy the object to ``destination`` atomically, 1 MiB at a time.

        Raises:
            NotFound: Nothing is stored under ``key``.
        """
        await self._threads.run(self._download, key, destination)

    async def exists(self, key: str) -> bool:
        """Whether a file is stored under ``key``."""
        return await self._threads.run(lambda: self._target(key).is_file())

    async def delete(self, key: str) -> None:
        """Remove ``key``; nothing happens if it is absent."""
        await self._threads.run(self._delete, key)

    async def url(self, key: str) -> str:
        """A ``file:`` URL of the object's file (of one written a moment ago: from memory)."""
        written = self._written.get(key)
        if written is not None:
            return written
        return await self._threads.run(lambda: self._target(key).as_uri())

    def _remember_written(self, key: str, target: Path) -> None:
        """The URL of a file just written, checked then: its URL is asked for next."""
        url = target.as_uri()
        with self._written_lock:  # the file threads write at the same time
            self._written[key] = url
            while len(self._written) > MAX_REMEMBERED_URLS:
                self._written.pop(next(iter(self._written)))

    async def describe(self) -> dict[str, Any]:
        """Kind, folder and free space, after checking that the folder is writable.

        Raises:
            StorageError: The folder cannot be created or written.
        """
        return await self._threads.run(self._describe)

    async def close(self) -> None:
        """End the store's file threads once their work is done; later calls raise
        :class:`StorageError`. Every call opens and closes its own files."""
        await self._threads.close()

    # ------------------------------------------------------------------ worker-thread side

    def _resolved_root(self) -> Path:
        """The folder with its symlinks resolved, looked up once (every call needs it)."""
        if self._root is None:
            self._root = self.root.resolve()
        return self._root

    def _target(self, key: str) -> Path:
        check_key(key)
        try:
            root = self._resolved_root()
        except (OSError, RuntimeError) as exc:
            raise InvalidInput(f"invalid storage key {key!r}: {exc}") from exc
        parts = key.split("/")
        if parts[0] == STAGING_DIRNAME:
            raise InvalidInput(f"invalid storage key {key!r}: {STAGING_DIRNAME} is reserved")
        if not _symlink_on_the_way(root, parts):
            # The key is checked (no "..", no absolute part) and no part of it that exists is
            # a symlink: the path lies in the folder as written.
            return root.joinpath(*parts)
        try:
            target = root.joinpath(*parts).resolve()
        except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python < 3.13)
            raise InvalidInput(f"invalid storage key {key!r}: {exc}") from exc
        if not target.is_relative_to(root) or target == root:
            raise InvalidInput(f"invalid storage key {key!r}: it leads outside the store folder")
        if target.relative_to(root).parts[0] == STAGING_DIRNAME:
            raise InvalidInput(f"invalid storage key {key!r}: {STAGING_DIRNAME} is reserved")
        return target

    def _commit(self, source: Path, key: str, alongside: Sequence[SmallBlob] = ()) -> None:
        try:
            for small in alongside:  # all in this one thread hop; derived, so not synced
                self._put_bytes(small.key, small.data, sync=False)
            target = self._target(key)
            if target.is_file():  # content-addressed: the same bytes are already there
                source.unlink(missing_ok=True)
                return
            self._folders.within(target.parent, lambda: os.replace(source, target))
        except BaseException as exc:
            with contextlib.suppress(OSError):
                source.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise StorageError(f"cannot store {key!r} in {self.root}: {exc}") from exc
            raise
        try:
            _fsync_folder(target.parent)
        except OSError as exc:
            raise StorageError(f"cannot store {key!r} in {self.root}: {exc}") from exc
        self._remember_written(key, target)

    def _put_bytes(self, key: str, data: bytes, *, sync: bool = True) -> None:
        target = self._target(key)
        _write_atomically(
            target,
            self._staging.folder,
            lambda out: out.write(data),
            folders=self._folders,
            sync=sync,
            size=len(data),
        )

    def _read_bytes(self, key: str) -> bytes:
        target = self._target(key)
        try:
            return target.read_bytes()
        except _MISSING:
            raise NotFound(f"nothing is stored under {key!r}") from None
        except OSError as exc:
            raise StorageError(f"cannot read {key!r} from {self.root}: {exc}") from exc

    def _download(self, key: str, destination: Path) -> None:
        source = self._target(key)
        try:
            reader = source.open("rb")
        except _MISSING:
            raise NotFound(f"nothing is stored under {key!r}") from None
        except OSError as exc:
            raise StorageError(f"cannot read {key!r} from {self.root}: {exc}") from exc
        with reader:
            folder = destination.parent
            _write_atomically(
                destination, folder, lambda out: shutil.copyfileobj(reader, out, CHUNK_SIZE)
            )

    def _delete(self, key: str) -> None:
        target = self._target(key)
        if target.is_dir():
            return  # a folder of other keys, not an object
        try:
            target.unlink(missing_ok=True)
        except NotADirectoryError:
            return
        except OSError as exc:
            raise StorageError(f"cannot delete {key!r} from {self.root}: {exc}") from exc

    def _describe(self) -> dict[str, Any]:
        try:
            root = self.root.resolve()
            self._staging.folder.mkdir(parents=True, exist_ok=True)
            probe_writable(self._staging.folder)
            usage = shutil.disk_usage(root)
        except OSError as exc:
            raise StorageError(f"the media folder {self.root} is not writable: {exc}") from exc
        return {"kind": self.kind, "folder": str(root), "free_bytes": usage.free, "writable": True}


def _write_atomically(
    target: Path,
    temp_folder: Path,
    write: Callable[[BinaryIO], Any],
    *,
    folders: KnownFolders | None = None,
    sync: bool = True,
    size: int | None = None,
) -> None:
    """Write through a temporary file in ``temp_folder`` (same file system), fsync, rename.
    ``folders``: the folders already made (by default, both are made if missing). Without
    ``sync`` nothing is flushed to disk: the file is whole or absent after the process dies,
    but a power cut may lose it or leave it empty (for data that can be made again).
    ``size``: the bytes to be written, when known, for the message of a full disk."""
    folders = folders or KnownFolders()
    try:
        fd, name = folders.within(
            temp_folder, lambda: tempfile.mkstemp(dir=temp_folder, prefix=".part-")
        )
    except OSError as exc:
        raise write_error(exc, temp_folder, f"cannot write {target}", needed=size) from exc
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            if sync:
                out.flush()
                os.fsync(out.fileno())
        folders.within(target.parent, lambda: os.replace(name, target))
        if sync:
            _fsync_folder(target.parent)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(name)
        if isinstance(exc, OSError):
            raise write_error(exc, temp_folder, f"cannot write {target}", needed=size) from exc
        raise


def _symlink_on_the_way(root: Path, parts: list[str]) -> bool:
    """Whether a part of ``root/parts…`` that exists is a symlink (one ``lstat`` per existing
    part: cheaper than resolving the whole path, which walks the root's parts too)."""
    path = str(root)
    for part in parts:
        path = os.path.join(path, part)
        try:
            mode = os.lstat(path).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return False  # nothing below exists, so nothing below can be a link
        if stat.S_ISLNK(mode):
            return True
    return False


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable. Only POSIX can open a folder for fsync; elsewhere this is skipped."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
