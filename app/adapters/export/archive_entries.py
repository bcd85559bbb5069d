"""The layout of a workspace archive (a zip file), and the checks that make one safe to read.

``manifest.json`` names the format and its version, the workspace, each record type's count and
each media file's size and SHA-256; ``records/<type>.jsonl`` holds one record per line;
``media/<storage key>`` holds the bytes. Nothing in an archive is trusted: an entry name must be
one of those shapes (no absolute path, no ``..``: a crafted name must never reach outside), and
every count, size and checksum must match the manifest before anything is returned.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Mapping
from typing import Any

from app.adapters.storage.keys import check_key
from app.domain.errors import InvalidInput
from app.ports.archive import ArchiveContents, MediaEntry

FORMAT = "campaign-studio-workspace"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
RECORDS_PREFIX = "records/"
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024
_RECORDS_ENTRY = re.compile(r"records/([a-z][a-z_]{0,40})\.jsonl")


def refused(why: str) -> InvalidInput:
    """The one error every unreadable archive raises, saying why."""
    return InvalidInput(f"this is not a workspace archive this release can import: {why}")


def check_archive(archive: zipfile.ZipFile) -> ArchiveContents:
    """Read and check everything but the media bytes' checksums (see :func:`check_media`)."""
    infos = {info.filename: info for info in archive.infolist()}
    for name in infos:
        _check_name(name)
    if MANIFEST not in infos:
        raise refused("it has no manifest.json")
    manifest = _json_object(archive.read(MANIFEST), MANIFEST)
    _check_format(manifest)
    media = _media_entries(manifest)
    records = _records(archive, infos, manifest)
    listed = {MEDIA_PREFIX + entry.key for entry in media}
    for name, info in infos.items():
        if name.startswith(MEDIA_PREFIX) and name not in listed and not info.is_dir():
            raise refused(f"the media file {name} is not in the manifest")
    for entry in media:
        stored = infos.get(MEDIA_PREFIX + entry.key)
        if stored is None:
            raise refused(f"the media file {entry.key} is missing")
        if stored.file_size != entry.size:
            raise refused(f"the media file {entry.key} has the wrong size")
    return ArchiveContents(manifest=manifest, records=records, media=media)


def check_media(archive: zipfile.ZipFile, entry: MediaEntry) -> None:
    """Hash the media file a chunk at a time; refuse it if it does not match the manifest."""
    digest = hashlib.sha256()
    try:
        with archive.open(MEDIA_PREFIX + entry.key) as source:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:  # a damaged compressed stream
        raise refused(f"the media file {entry.key} is damaged ({exc})") from None
    if digest.hexdigest() != entry.sha256:
        raise refused(f"the media file {entry.key} does not match its checksum")


def _check_name(name: str) -> None:
    # Zip-slip: a name such as "../x" or "/etc/x" must never be taken as a path.
    if name.startswith(("/", "\\")) or "\\" in name or ":" in name.split("/")[0]:
        raise refused(f"the entry {name!r} has an absolute path")
    if ".." in name.split("/"):
        raise refused(f"the entry {name!r} points outside the archive ('..')")
    if name == MANIFEST or _RECORDS_ENTRY.fullmatch(name) or name in ("records/", "media/"):
        return
    if name.startswith(MEDIA_PREFIX):
        try:
            check_key(name.removeprefix(MEDIA_PREFIX).rstrip("/"))
        except InvalidInput:
            raise refused(f"the entry {name!r} is not a valid media name") from None
        return
    raise refused(f"the entry {name!r} is not part of a workspace archive")


def _json_object(data: bytes, where: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise refused(f"{where} is not valid JSON") from None
    if not isinstance(value, dict):
        raise refused(f"{where} does not hold a JSON object")
    return value


def _check_format(manifest: Mapping[str, Any]) -> None:
    if manifest.get("format") != FORMAT:
        raise refused("its manifest is not a Campaign Studio workspace manifest")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise refused("its manifest has no valid format version")
    if version > FORMAT_VERSION:
        raise InvalidInput(
            f"this archive was made by a newer Campaign Studio (format {version}; this release "
            f"reads format {FORMAT_VERSION}): update Campaign Studio to import it"
        )


def _media_entries(manifest: Mapping[str, Any]) -> list[MediaEntry]:
    listed = manifest.get("media", [])
    if not isinstance(listed, list):
        raise refused("its manifest's media list is not a list")
    entries = []
    for item in listed:
        try:
            entry = MediaEntry(
                key=check_key(str(item["key"])),
                sha256=str(item["sha256"]),
                size=int(item["size"]),
                content_type=str(item["content_type"]),
            )
        except (KeyError, TypeError, ValueError, InvalidInput):
            raise refused("its manifest lists a media file it does not describe fully") from None
        entries.append(entry)
    return entries


def _records(
    archive: zipfile.ZipFile, infos: Mapping[str, zipfile.ZipInfo], manifest: Mapping[str, Any]
) -> dict[str, list[dict[str, Any]]]:
    counts = manifest.get("counts")
    if not isinstance(counts, dict):
        raise refused("its manifest has no record counts")
    records: dict[str, list[dict[str, Any]]] = {}
    for name in infos:
        found = _RECORDS_ENTRY.fullmatch(name)
        if found is None:
            continue
        try:
            lines = archive.read(name).splitlines()
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise refused(f"{name} is damaged ({exc})") from None
        records[found.group(1)] = [_json_object(line, name) for line in lines if line.strip()]
    for kind in set(records) - set(counts):
        raise refused(f"{RECORDS_PREFIX}{kind}.jsonl is not in the manifest")
    for kind, count in counts.items():
        if len(records.get(kind, [])) != count:
            raise refused(f"{RECORDS_PREFIX}{kind}.jsonl does not hold the {count} records listed")
    return records
