"""What a local render leaves on disk, and how it is recognised once its process has gone.

A render writes into ``workdir/<provider job id>/``: each output through a hidden partial file
(``.<stem>.partial<suffix>``) renamed into place, then ``done.json`` naming the outputs. A folder
with ``done.json`` holds a finished render that a later process can still store (its worker was
stopped, or crashed, before storing it); anything else found there after its process has gone is
the work of an interrupted render.
"""

from __future__ import annotations

import json
import os
import re
import stat
import uuid
from collections.abc import Container
from pathlib import Path

from app.adapters.storage.leftovers import Leftover

DONE_FILE = "done.json"
_PARTIAL = re.compile(r"\..+\.partial(\.[A-Za-z0-9]+)?")


def new_job_id(provider: str) -> str:
    """A new provider job id, also the name of the render's folder."""
    return f"{provider}-{uuid.uuid4().hex}"


def is_job_id(provider: str, name: str) -> bool:
    """Whether ``name`` is a job id :func:`new_job_id` made for ``provider`` (and so a safe
    folder name: ids also come from the shared database)."""
    prefix = f"{provider}-"
    return (
        name.startswith(prefix) and re.fullmatch(r"[0-9a-f]{32}", name[len(prefix) :]) is not None
    )


def partial_name(filename: str) -> str:
    """The hidden work file an output is written to before it is renamed to ``filename``."""
    path = Path(filename)
    return f".{path.stem}.partial{path.suffix}"


def write_done(directory: Path, outputs: tuple[Path, ...]) -> None:
    """Record, atomically, that the render in ``directory`` finished with ``outputs``."""
    temp = directory / partial_name(DONE_FILE)
    temp.write_text(json.dumps({"outputs": [path.name for path in outputs]}), encoding="utf-8")
    os.replace(temp, directory / DONE_FILE)


def finished_outputs(directory: Path) -> tuple[Path, ...] | None:
    """The outputs of the finished render in ``directory``; None if it did not finish (or the
    folder is missing, a symlink, or names anything but plain files of its own)."""
    try:
        if not stat.S_ISDIR(os.lstat(directory).st_mode):
            return None
        names = json.loads((directory / DONE_FILE).read_text(encoding="utf-8"))["outputs"]
        outputs = []
        for name in names:
            path = directory / name
            if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
                return None
            if not stat.S_ISREG(os.lstat(path).st_mode):
                return None
            outputs.append(path)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return tuple(outputs) or None


def leftovers(workdir: Path, provider: str, live: Container[str]) -> list[Leftover]:
    """The render folders of ``provider`` not rendering in this process (``live``: the ids
    that are) and the partial files inside them; symlinks and other names are never listed.
    A folder may still be wanted by its job (:attr:`Leftover.render` says which), partial files
    never are: a render that did not finish in its own process is rendered again."""
    found: list[Leftover] = []
    try:
        folders = [entry for entry in os.scandir(workdir) if is_job_id(provider, entry.name)]
    except FileNotFoundError:
        return []
    for folder in folders:
        if folder.name in live or not folder.is_dir(follow_symlinks=False):
            continue
        with os.scandir(folder.path) as entries:
            for entry in entries:
                if _PARTIAL.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                    found.append(Leftover(Path(entry.path), "partial render file"))
        found.append(Leftover(Path(folder.path), "render folder", render=(provider, folder.name)))
    return found
