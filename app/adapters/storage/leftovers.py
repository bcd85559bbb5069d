"""Work files that may outlive their process: what an adapter that names them reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

MKSTEMP_SUFFIX = r"[a-z0-9_]{8}"
"""What ``tempfile.mkstemp``/``mkdtemp`` add to a prefix (its eight random characters)."""


@dataclass(frozen=True)
class Leftover:
    """A work file or folder, recognised by its exact name, that may have outlived its process.

    Attributes:
        path: The file or folder (never a symlink).
        what: What it is, for the log.
        render: For a render folder, the (provider, provider job id) of the render it holds,
            which its job, while it still runs, may yet store.
    """

    path: Path
    what: str
    render: tuple[str, str] | None = None


@runtime_checkable
class LeavesWorkFiles(Protocol):
    """An adapter that names work files and recognises them."""

    def leftovers(self) -> Iterable[Leftover]:
        """Its work files on disk now, whatever their age."""
        ...
