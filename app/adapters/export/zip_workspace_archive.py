"""Workspace archives as zip files (the layout and checks are in ``archive_entries``).

zipfile blocks, so every step runs in a thread (``asyncio.to_thread``), as the blob stores do.
Media is streamed a chunk at a time both ways: a large video is never read whole into memory.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from app.adapters.export.archive_entries import (
    CHUNK,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MEDIA_PREFIX,
    RECORDS_PREFIX,
    check_archive,
    check_media,
    refused,
)
from app.adapters.storage.folders import write_error
from app.ports.archive import ArchiveContents, Fetch

_ZIP64_FROM = 2**31  # zipfile needs to know in advance that an entry may pass 2 GiB


class ZipWorkspaceArchive:
    """Writes workspace archives atomically and reads them only once they have been checked."""

    async def write(
        self,
        path: Path,
        *,
        manifest: Mapping[str, Any],
        records: Mapping[str, Sequence[Mapping[str, Any]]],
        media: Sequence[tuple[str, str]],
        fetch: Fetch,
    ) -> Mapping[str, Any]:
        """Write the archive into a hidden file beside ``path``, then rename it into place."""
        folder = path.parent
        try:
            partial = await asyncio.to_thread(_partial_file, path)
        except OSError as exc:
            raise write_error(exc, folder, f"cannot write the archive {path}") from exc
        try:
            written = await self._write(partial, manifest, records, media, fetch)
            await asyncio.to_thread(os.replace, partial, path)
        except OSError as exc:
            raise write_error(exc, folder, f"cannot write the archive {path}") from exc
        finally:
            await asyncio.to_thread(partial.unlink, missing_ok=True)
        return written

    async def _write(
        self,
        partial: Path,
        manifest: Mapping[str, Any],
        records: Mapping[str, Sequence[Mapping[str, Any]]],
        media: Sequence[tuple[str, str]],
        fetch: Fetch,
    ) -> dict[str, Any]:
        archive = await asyncio.to_thread(zipfile.ZipFile, partial, "w", zipfile.ZIP_DEFLATED)
        try:
            listed = []
            with tempfile.TemporaryDirectory(dir=partial.parent, prefix=".media-") as scratch:
                for key, content_type in media:
                    local = Path(scratch) / "object"
                    await fetch(key, local)
                    sha256, size = await asyncio.to_thread(_add_file, archive, local, key)
                    listed.append(
                        {"key": key, "sha256": sha256, "size": size, "content_type": content_type}
                    )
            complete = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                **manifest,
                "counts": {kind: len(items) for kind, items in records.items()},
                "media": listed,
            }
            await asyncio.to_thread(_add_records, archive, records, complete)
        finally:
            await asyncio.to_thread(archive.close)
        return complete

    async def read(self, path: Path) -> ArchiveContents:
        """Check the whole archive, media checksums included, and return its contents."""
        return await asyncio.to_thread(_read_checked, path)

    async def media_chunks(self, path: Path, key: str) -> AsyncIterator[bytes]:
        """Stream one media file out of the archive, a chunk per thread hop."""
        archive, source = await asyncio.to_thread(_open_entry, path, MEDIA_PREFIX + key)
        try:
            while chunk := await asyncio.to_thread(source.read, CHUNK):
                yield chunk
        finally:
            await asyncio.to_thread(_close, source, archive)


def _partial_file(path: Path) -> Path:
    """A new hidden file beside ``path`` (same folder: the final rename stays atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    os.close(handle)
    return Path(partial)


def _add_file(archive: zipfile.ZipFile, local: Path, key: str) -> tuple[str, int]:
    """Copy ``local`` into the archive as ``media/<key>``, hashing it on the way."""
    size = local.stat().st_size
    info = zipfile.ZipInfo(MEDIA_PREFIX + key)
    info.compress_type = zipfile.ZIP_STORED  # media is compressed already: spare the CPU
    info.file_size = size
    digest = hashlib.sha256()
    with (
        local.open("rb") as source,
        archive.open(info, "w", force_zip64=size >= _ZIP64_FROM) as out,
    ):
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    local.unlink()
    return digest.hexdigest(), size


def _add_records(
    archive: zipfile.ZipFile,
    records: Mapping[str, Sequence[Mapping[str, Any]]],
    manifest: Mapping[str, Any],
) -> None:
    for kind, items in records.items():
        with archive.open(f"{RECORDS_PREFIX}{kind}.jsonl", "w", force_zip64=True) as out:
            for item in items:
                out.write(json.dumps(item, ensure_ascii=False).encode() + b"\n")
    archive.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise refused(f"{path} does not exist") from None
    except IsADirectoryError:
        raise refused(f"{path} is a folder") from None
    except (zipfile.BadZipFile, OSError, EOFError):
        raise refused(f"{path.name} is not a zip file, or is damaged") from None


def _read_checked(path: Path) -> ArchiveContents:
    with _open_zip(path) as archive:
        contents = check_archive(archive)
        for entry in contents.media:
            check_media(archive, entry)
    return contents


def _open_entry(path: Path, name: str) -> tuple[zipfile.ZipFile, IO[bytes]]:
    archive = _open_zip(path)
    try:
        return archive, archive.open(name)
    except (KeyError, zipfile.BadZipFile, OSError):
        archive.close()
        raise refused(f"the media file {name} cannot be read") from None


def _close(source: IO[bytes], archive: zipfile.ZipFile) -> None:
    source.close()
    archive.close()
