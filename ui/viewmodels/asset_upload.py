"""The library's upload: files, and the files inside dropped folders (walked), stored one after
another with progress per file; a duplicate or a refusal is reported and the others go on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.domain.assets import StoredFile
from app.domain.errors import AppError

Store = Callable[[Path, tuple[str, ...], Callable[[float], None]], Awaitable[StoredFile]]
"""Stores one file with the tags given, telling the callback the fraction done."""

ALREADY_THERE = "already in the library (tags merged)"
UPLOADED = "uploaded"


class AssetUploader(QObject):
    """Uploads files one after another through ``store`` and reports each: done ("uploaded" or
    "already in the library (tags merged)") or refused with the core's reason.

    Signals:
        upload_started(list): the files of an upload (``str`` names), in order.
        file_progress(int, int): the file at that position of the upload is at that percent.
        file_done(int, str): the file at that position was stored; what happened in words.
        file_refused(int, str): the file at that position was refused; the core's reason.
        upload_progress(int, int): files done of all files of the upload.
        upload_finished(str): the upload ended; a summary in words.
    """

    upload_started = Signal(list)
    file_progress = Signal(int, int)
    file_done = Signal(int, str)
    file_refused = Signal(int, str)
    upload_progress = Signal(int, int)
    upload_finished = Signal(str)

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store

    async def upload(self, paths: list[Path], tags: tuple[str, ...]) -> None:
        """Upload the files and the files inside the folders of ``paths``, with their signals;
        an ``AppError`` refuses that file only."""
        files = await asyncio.to_thread(_walk, paths)
        self.upload_started.emit([file.name for file in files])
        added = again = refused = 0
        for position, file in enumerate(files):
            self.file_progress.emit(position, 0)

            def progress(fraction: float, position: int = position) -> None:
                self.file_progress.emit(position, round(fraction * 100))

            try:
                stored = await self._store(file, tags, progress)
            except AppError as error:
                refused += 1
                # The row names the file already: its folder would only crowd the reason.
                self.file_refused.emit(position, error.message.replace(str(file), file.name))
            else:
                if stored.duplicate:
                    again += 1
                    self.file_done.emit(position, ALREADY_THERE)
                else:
                    added += 1
                    self.file_done.emit(position, UPLOADED)
            self.file_progress.emit(position, 100)
            self.upload_progress.emit(position + 1, len(files))
        parts = [f"{added} uploaded"]
        if again:
            parts.append(f"{again} already in the library")
        if refused:
            parts.append(f"{refused} refused")
        self.upload_finished.emit(", ".join(parts))


def _walk(paths: list[Path]) -> list[Path]:
    """The files named and those inside the folders named (sorted, hidden ones skipped)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    found
                    for found in path.rglob("*")
                    if found.is_file()
                    and not any(part.startswith(".") for part in found.relative_to(path).parts)
                )
            )
        else:
            files.append(path)
    return files
