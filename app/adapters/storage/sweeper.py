"""Removes the work files a crash left in the data folder, when the core opens.

The adapter that names each kind of work file lists them (by exact name pattern, never following
symlinks): staging files (:func:`~app.adapters.storage.staging.staging_leftovers`), unfinished
publish bundles (:func:`~app.adapters.export.folder_bundle_writer.unfinished_bundles`), partial
render files and render folders (the local render providers' ``leftovers()``). The sweep removes
those untouched for :data:`SAFE_AGE_SECONDS`, a render folder only if no job still running may
want it, never leaving the data folder, and logs what it removed. What it cannot check or remove
is left for the next sweep.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import shutil
import stat
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from app.adapters.export.folder_bundle_writer import unfinished_bundles
from app.adapters.storage.leftovers import LeavesWorkFiles, Leftover
from app.adapters.storage.staging import staging_leftovers
from app.domain.errors import AppError
from app.ports.repositories import RenderJobRepository

log = logging.getLogger(__name__)

SAFE_AGE_SECONDS = 3600.0
"""Work files untouched this long belong to no live process. Another core may run on the same
data folder (a second window, ``campaign-studio worker``): its work files are written to all
along (a staging file, a video being encoded) or finished within minutes, so an hour never
takes one from under it, and still clears what a crash left before the next working day."""


Lister = Callable[[], Iterable[Leftover]]


async def sweep_data_folder(
    data_dir: Path,
    *,
    staging: Iterable[Path],
    exports: Path,
    providers: Iterable[object],
    jobs: RenderJobRepository,
    older_than: float = SAFE_AGE_SECONDS,
) -> list[Leftover]:
    """Sweep the data folder: the ``staging`` folders, the ``exports`` folder and the work
    folders of the ``providers`` that leave work files; see :func:`sweep_leftovers`."""
    listers: list[Lister] = [functools.partial(staging_leftovers, folder) for folder in staging]
    listers.append(functools.partial(unfinished_bundles, exports))
    listers.extend(p.leftovers for p in providers if isinstance(p, LeavesWorkFiles))
    return await sweep_leftovers(data_dir, listers, jobs, older_than=older_than)


async def sweep_leftovers(
    data_dir: Path,
    listers: Iterable[Lister],
    jobs: RenderJobRepository,
    *,
    older_than: float = SAFE_AGE_SECONDS,
) -> list[Leftover]:
    """Remove the leftovers the ``listers`` find inside ``data_dir`` that were untouched for
    ``older_than`` seconds and that no running job wants; log and return what went."""
    cutoff = time.time() - older_than
    old = await asyncio.to_thread(_old_leftovers, data_dir, list(listers), cutoff)
    unowned = [leftover for leftover in old if not await _wanted(leftover, jobs)]
    return await asyncio.to_thread(_remove_all, unowned)


def _old_leftovers(data_dir: Path, listers: list[Lister], cutoff: float) -> list[Leftover]:
    root = data_dir.resolve()
    old = []
    for lister in listers:
        try:
            found = list(lister())
        except OSError as exc:
            log.warning("cannot look for leftover work files: %s", exc)
            continue
        for leftover in found:
            if _inside(leftover.path, root) and _newest_change(leftover.path) < cutoff:
                old.append(leftover)
    return old


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path`` lies in ``root`` (its folder resolved: a symlinked folder on the way
    may lead out of the data folder; the path itself is never followed)."""
    try:
        return path.parent.resolve().is_relative_to(root) and path.name not in ("", ".", "..")
    except OSError:
        return False


def _newest_change(path: Path) -> float:
    """The newest modification time of ``path`` and, for a folder, of everything in it (a
    live process writes inside); ``inf`` if it cannot be read, so that it is kept."""
    try:
        info = os.lstat(path)
        newest = info.st_mtime
        if stat.S_ISLNK(info.st_mode):
            return float("inf")
        if stat.S_ISDIR(info.st_mode):
            for folder, names, files in os.walk(path, followlinks=False, onerror=_raise):
                for name in (*names, *files):
                    newest = max(newest, os.lstat(os.path.join(folder, name)).st_mtime)
    except OSError:
        return float("inf")
    return newest


def _raise(error: OSError) -> None:
    raise error


async def _wanted(leftover: Leftover, jobs: RenderJobRepository) -> bool:
    """Whether a running job may still store the render in this folder (kept if unsure)."""
    if leftover.render is None:
        return False
    try:
        job = await jobs.find_by_provider_job(*leftover.render)
    except AppError as exc:
        log.warning("cannot tell whether %s is still wanted: %s", leftover.path, exc)
        return True
    return job is not None and not job.status.terminal


def _remove_all(leftovers: list[Leftover]) -> list[Leftover]:
    removed = []
    for leftover in leftovers:
        path = leftover.path
        try:
            mode = os.lstat(path).st_mode
            if stat.S_ISDIR(mode):
                shutil.rmtree(path)  # removes links inside, never what they point to
            elif stat.S_ISREG(mode):
                path.unlink()
            else:
                continue  # a symlink or a special file: not a work file
        except FileNotFoundError:
            continue  # gone already (a partial file inside a folder removed before it)
        except OSError as exc:
            log.warning("cannot remove the leftover %s %s: %s", leftover.what, path, exc)
            continue
        log.info("removed the leftover %s %s (left by an interrupted run)", leftover.what, path)
        removed.append(leftover)
    return removed
