"""The whole library on R2 (a moto S3 server on loopback), switched on by settings alone."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.bootstrap import open_core
from app.cli import main
from app.config import AppSettings
from app.domain import Actor, AssetQuery, Role
from app.domain.errors import ConfigurationError
from tests import samples

ANA = Actor(tenant_id="acme", user_id="ana", roles={Role.EDITOR})


@pytest.fixture
def r2_environment(
    monkeypatch: pytest.MonkeyPatch, moto_endpoint: str, r2_bucket: str, r2_secret: str
) -> str:
    for name, value in {
        "BLOB_STORE": "r2",
        "R2_ENDPOINT_URL": moto_endpoint,
        "R2_BUCKET": r2_bucket,
        "R2_ACCESS_KEY_ID": "AKIA-test-key-id",
        "R2_SECRET_ACCESS_KEY": r2_secret,
    }.items():
        monkeypatch.setenv(f"CAMPAIGN_STUDIO_{name}", value)
    return r2_bucket


async def test_uploads_land_in_the_bucket_and_open_by_presigned_url(
    r2_environment: str, s3_admin: Any, tmp_path: Path, r2_secret: str
) -> None:
    data_dir = tmp_path / "data"
    picture = samples.png(tmp_path / "hero.png")
    async with open_core(AppSettings(data_dir=data_dir)) as core:
        asset = await core.storage.upload(ANA, picture, tags=["hero"])
        again = await core.storage.upload(ANA, picture)
        url = await core.storage.url(ANA, asset.id)
        async with httpx.AsyncClient() as client:
            response = await client.get(url)
        thumbnail = await core.storage.thumbnail(ANA, asset.id)
        page = await core.storage.search(ANA, AssetQuery(tags=frozenset({"hero"})))
    assert again.id == asset.id
    assert response.status_code == 200
    assert response.content == picture.read_bytes()
    assert "X-Amz-Signature=" in url
    head = s3_admin.head_object(Bucket=r2_environment, Key=asset.storage_key)
    assert (head["ContentLength"], head["ContentType"]) == (asset.size, "image/png")
    assert thumbnail is not None
    assert thumbnail.startswith(b"\x89PNG")
    listed = s3_admin.list_objects_v2(Bucket=r2_environment)["Contents"]
    assert sorted(item["Key"] for item in listed) == sorted(
        [asset.storage_key, str(asset.thumbnail_key)]
    )
    assert [a.id for a in page.items] == [asset.id]
    # The local data folder holds the database only: no media, no secret.
    written = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    assert b"hero" in written
    assert r2_secret.encode() not in written
    assert b"AKIA-test-key-id" not in written


async def test_a_text_in_the_bucket_is_read_back_for_its_preview(
    r2_environment: str, s3_admin: Any, tmp_path: Path
) -> None:
    async with open_core(AppSettings(data_dir=tmp_path / "data")) as core:
        copy = await core.storage.store_text(ANA, "Ride into spring", filename="tagline.txt")
        preview = await core.storage.text(ANA, copy.id)
    stored = s3_admin.get_object(Bucket=r2_environment, Key=copy.storage_key)["Body"].read()
    assert stored == preview.encode() == b"Ride into spring"


async def test_adding_a_file_reports_progress_on_the_loop_thread(
    r2_environment: str, s3_admin: Any, tmp_path: Path
) -> None:
    brief = samples.text(tmp_path / "brief.txt", "Spring is here.\n" * 240_000)  # 3.7 MB
    fractions: list[float] = []
    threads: set[int] = set()

    def progress(fraction: float) -> None:
        fractions.append(fraction)
        threads.add(threading.get_ident())

    async with open_core(AppSettings(data_dir=tmp_path / "data")) as core:
        stored = await core.storage.add_file(ANA, brief, tags=["brief"], progress=progress)
        first = list(fractions)
        fractions.clear()
        again = await core.storage.add_file(ANA, brief, tags=["spring"], progress=progress)
    assert (stored.duplicate, again.duplicate) == (False, True)
    assert again.asset.tags == ("brief", "spring")
    assert threads == {threading.get_ident()}
    assert len(first) >= 5
    assert first == sorted(set(first))
    assert first[-1] == fractions[-1] == 1.0
    head = s3_admin.head_object(Bucket=r2_environment, Key=stored.asset.storage_key)
    assert head["ContentLength"] == brief.stat().st_size


async def test_r2_without_its_settings_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CAMPAIGN_STUDIO_BLOB_STORE", "r2")
    monkeypatch.setenv("CAMPAIGN_STUDIO_R2_BUCKET", "media")
    with pytest.raises(ConfigurationError, match="r2_endpoint_url, r2_access_key_id"):
        async with open_core(AppSettings(data_dir=tmp_path)):
            pass


def test_doctor_checks_the_bucket(
    r2_environment: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    r2_secret: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(["--data-dir", str(tmp_path), "doctor"]) == 0
    out = capsys.readouterr().out
    assert "ok   media store  kind r2" in out
    assert r2_environment in out
    assert r2_secret not in out
    monkeypatch.setenv("CAMPAIGN_STUDIO_R2_BUCKET", "no-such-bucket")
    assert main(["--data-dir", str(tmp_path), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "BAD  media store" in out
    assert "no-such-bucket" in out
    assert r2_secret not in out
