"""Publish bundles shared through R2 (a moto S3 server on loopback): a teammate on another
workstation, over the same database and bucket, downloads and opens the bundle."""

from __future__ import annotations

import json
import zipfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from app.adapters.storage import LocalBlobStore, R2BlobStore
from app.domain import CampaignStatus
from app.domain.campaigns import PublishProgress
from app.domain.errors import InvalidInput, NotFound, StorageError
from tests import samples
from tests.app.workflow.conftest import ANA, BEA, VIC
from tests.app.workflow.helpers import full_draft, publishable_campaign
from tests.workstations import Workstation, workstations


@pytest.fixture
async def workstation(tmp_path: Path) -> AsyncIterator[Workstation]:
    async with workstations(tmp_path) as make:
        yield make


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


async def test_a_bundle_published_with_r2_is_downloaded_on_another_workstation(
    workstation: Workstation, r2_store: R2BlobStore, r2_bucket: str, s3_admin: Any, tmp_path: Path
) -> None:
    here = workstation("ana-laptop", r2_store)
    campaign = await publishable_campaign(here, samples.png(tmp_path / "hero.png"))
    steps: list[PublishProgress] = []
    published = await here.campaigns.publish(ANA, campaign.id, progress=steps.append)
    copying = "Copying the media into the bundle"
    assert steps == [
        PublishProgress(copying, 0, 2),
        PublishProgress(copying, 1, 2),
        PublishProgress(copying, 2, 2),
        PublishProgress("Packing the bundle to share it"),
        PublishProgress("Marking the campaign published"),
        PublishProgress("Uploading the bundle to the team's media storage"),
    ]
    written = Path(published.bundle_path or "")
    assert str(published.bundle_key).endswith(".zip")
    stored = s3_admin.get_object(Bucket=r2_bucket, Key=published.bundle_key)
    assert stored["ContentType"] == "application/zip"
    archive = tmp_path / "shared.zip"
    archive.write_bytes(stored["Body"].read())
    with zipfile.ZipFile(archive) as opened:
        assert sorted(opened.namelist()) == sorted(_files(written))

    there = workstation("vic-desktop", r2_store)
    folder = await there.campaigns.download_bundle(VIC, campaign.id)
    assert folder.parent == tmp_path / "vic-desktop" / "exports"
    assert folder.name == written.name
    assert _files(folder) == _files(written)
    assert json.loads((folder / "manifest.json").read_text())["campaign"]["id"] == campaign.id
    # Asked again, the folder already here is returned, not downloaded twice.
    assert await there.campaigns.download_bundle(VIC, campaign.id) == folder
    # On the workstation that published, the folder written there.
    assert await here.campaigns.download_bundle(ANA, campaign.id) == written


async def test_an_earlier_publication_is_downloaded_by_its_strategy_version(
    workstation: Workstation, r2_store: R2BlobStore, tmp_path: Path
) -> None:
    here = workstation("ana-laptop", r2_store)
    campaign = await publishable_campaign(here, samples.png(tmp_path / "hero.png"))
    first = await here.campaigns.publish(ANA, campaign.id)
    await here.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Calm"))
    for creative in await here.creatives.list_creatives(ANA, campaign.id):
        await here.creatives.edit_text(ANA, creative.id, "Calmly now.")
    for scope_approval in (await here.approvals.get_approvals(ANA, campaign.id)).values():
        await here.approvals.approve(BEA, campaign.id, scope_approval.scope)
    second = await here.campaigns.publish(ANA, campaign.id)
    assert second.bundle_key != first.bundle_key

    there = workstation("vic-desktop", r2_store)
    old = await there.campaigns.download_bundle(VIC, campaign.id, strategy_version=1)
    new = await there.campaigns.download_bundle(VIC, campaign.id)
    assert (old.name, new.name) == (
        Path(first.bundle_path or "").name,
        Path(second.bundle_path or "").name,
    )
    assert json.loads((old / "manifest.json").read_text())["strategy"]["version"] == 1
    assert json.loads((new / "manifest.json").read_text())["strategy"]["version"] == 2
    with pytest.raises(InvalidInput, match="strategy version 3"):
        await there.campaigns.download_bundle(VIC, campaign.id, strategy_version=3)


async def test_with_local_media_the_bundle_is_not_shared_and_says_so_elsewhere(
    workstation: Workstation, tmp_path: Path
) -> None:
    here = workstation("ana-laptop", LocalBlobStore(tmp_path / "ana-media"))
    campaign = await publishable_campaign(here, samples.png(tmp_path / "hero.png"))
    published = await here.campaigns.publish(ANA, campaign.id)
    assert published.bundle_key is None
    assert await here.campaigns.download_bundle(ANA, campaign.id) == Path(
        published.bundle_path or ""
    )
    there = workstation("vic-desktop", LocalBlobStore(tmp_path / "vic-media"))
    with pytest.raises(NotFound, match="another workstation and not shared"):
        await there.campaigns.download_bundle(VIC, campaign.id)
    assert not (tmp_path / "vic-desktop" / "exports").exists()


async def test_an_unpublished_campaign_has_no_bundle_to_download(
    workstation: Workstation, r2_store: R2BlobStore, tmp_path: Path
) -> None:
    here = workstation("ana-laptop", r2_store)
    campaign = await publishable_campaign(here, samples.png(tmp_path / "hero.png"))
    with pytest.raises(InvalidInput, match="has not been published"):
        await here.campaigns.download_bundle(VIC, campaign.id)


async def test_a_failed_upload_publishes_nothing(
    workstation: Workstation,
    r2_factory: Callable[..., R2BlobStore],
    r2_bucket: str,
    s3_admin: Any,
    tmp_path: Path,
) -> None:
    blobs = r2_factory(r2_bucket)
    here = workstation("ana-laptop", blobs)
    campaign = await publishable_campaign(here, samples.png(tmp_path / "hero.png"))
    s3_admin.put_bucket_policy(
        Bucket=r2_bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:PutObject",
                        "Resource": f"arn:aws:s3:::{r2_bucket}/bundles/*",
                    }
                ],
            }
        ),
    )
    with pytest.raises(StorageError):
        await here.campaigns.publish(ANA, campaign.id)
    stored = await here.campaigns.get_campaign(ANA, campaign.id)
    assert (stored.status, stored.bundle_path, stored.bundle_key) == (
        CampaignStatus.READY,
        None,
        None,
    )
    assert [p.name for p in (tmp_path / "ana-laptop" / "exports").iterdir()] == []


async def test_a_crafted_archive_is_refused_and_writes_nothing(
    workstation: Workstation, r2_store: R2BlobStore, r2_bucket: str, s3_admin: Any, tmp_path: Path
) -> None:
    here = workstation("ana-laptop", r2_store)
    campaign = await publishable_campaign(here, samples.png(tmp_path / "hero.png"))
    published = await here.campaigns.publish(ANA, campaign.id)
    crafted = tmp_path / "crafted.zip"
    with zipfile.ZipFile(crafted, "w") as archive:
        archive.writestr("manifest.json", "{}")
        archive.writestr("../../outside.txt", "gotcha")
    s3_admin.put_object(Bucket=r2_bucket, Key=published.bundle_key, Body=crafted.read_bytes())
    there = workstation("vic-desktop", r2_store)
    with pytest.raises(InvalidInput, match=r"unexpected entry '\.\./\.\./outside\.txt'"):
        await there.campaigns.download_bundle(VIC, campaign.id)
    assert list((tmp_path / "vic-desktop" / "exports").iterdir()) == []
    assert not (tmp_path / "outside.txt").exists()
