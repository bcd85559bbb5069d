"""A workspace from the embedded store and local media into MongoDB (the shim) and R2 (moto)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

from app.adapters.storage import R2BlobStore
from app.services.archive_records import read_workspace
from app.services.workspace_archive import import_as_operator
from tests.app.services.archive_support import CLOCK, archive_service, exported_archive
from tests.conftest import open_store


async def test_an_archive_imports_into_mongodb_and_r2(
    tmp_path: Path, r2_store: R2BlobStore, r2_bucket: str, s3_admin: Any
) -> None:
    archive = await exported_archive(tmp_path)
    with zipfile.ZipFile(archive) as opened:
        media = json.loads(opened.read("manifest.json"))["media"]
    async for store in open_store("mongo-fake", tmp_path):
        summary = await import_as_operator(archive_service(store, r2_store), archive)
        found = await read_workspace(store, "acme", CLOCK.now())
    assert summary.media_files == len(media) == 2
    assert len(found["assets"]) == 1
    for entry in media:
        body = s3_admin.get_object(Bucket=r2_bucket, Key=entry["key"])
        data = body["Body"].read()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert body["ContentType"] == entry["content_type"]
