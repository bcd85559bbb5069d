"""Folders the local stores have made, so that each is created once rather than before every file.

Making a folder that exists costs two system calls and an exception; the blob store writes three
files per stored output into folders that almost always exist. A folder removed behind our back
(by hand, say) is noticed when a file cannot be created in it, made again, and the file created
once more.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from app.domain.errors import DiskFull, StorageError, is_disk_full

T = TypeVar("T")


def write_error(
    exc: OSError, folder: Path, what: str, *, needed: int | None = None
) -> StorageError:
    """The error to raise for ``exc``, met while writing into ``folder``: :class:`DiskFull`
    naming the folder (and ``needed`` bytes, when known) for a full disk, else
    ``StorageError("<what>: <exc>")``."""
    if is_disk_full(exc):
        return DiskFull(folder, needed=needed)
    return StorageError(f"{what}: {exc}")


def probe_writable(folder: Path) -> None:
    """Create and remove a file in ``folder`` (which must exist) to prove it is writable.

    The probe's name is unique, so processes starting together on one folder never remove
    each other's probe. Raises the ``OSError`` met.
    """
    fd, probe = tempfile.mkstemp(dir=folder, prefix="probe-")
    os.close(fd)
    os.unlink(probe)


class KnownFolders:
    """The folders made (or found) so far; safe to share between threads."""

    def __init__(self) -> None:
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def ensure(self, folder: Path) -> None:
        """Make ``folder`` (and its parents) unless this process already has."""
        name = str(folder)
        if name in self._known:
            return
        folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._known.add(name)

    def within(self, folder: Path, action: Callable[[], T]) -> T:
        """``action()``, which creates a file in ``folder``: the folder is made first if need
        be, and again (then ``action`` retried once) if it has vanished meanwhile."""
        self.ensure(folder)
        try:
            return action()
        except FileNotFoundError:
            with self._lock:
                self._known.discard(str(folder))
            self.ensure(folder)
            return action()
