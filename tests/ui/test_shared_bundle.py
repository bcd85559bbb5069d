"""A bundle published on one workstation opens on another: with shared media (R2, a moto S3
server on loopback) the Overview's Download bundle fetches the shared copy and opens its
folder; with local media the button says why it cannot."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from app.adapters.storage import LocalBlobStore, R2BlobStore
from tests import samples
from tests.app.workflow.conftest import ANA, VIC
from tests.app.workflow.helpers import publishable_campaign
from tests.fakes.moto_s3 import FakeS3Server
from tests.ui.test_main_window import opened, until
from tests.ui.test_seed_flows_in_window import click
from tests.workstations import Workstation, workstations
from ui.views.overview_tab import OverviewTab

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def moto() -> Iterator[FakeS3Server]:
    server = FakeS3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def r2(moto: FakeS3Server, tmp_path: Path) -> AsyncIterator[R2BlobStore]:
    bucket = f"bundles-{uuid.uuid4().hex[:12]}"
    admin = moto.client()
    moto.create_bucket(admin, bucket)
    admin.close()
    store = R2BlobStore(
        endpoint_url=moto.endpoint_url,
        bucket=bucket,
        access_key_id="test-key-id",
        secret_access_key="test-secret",
        staging_dir=tmp_path / "r2-staging",
    )
    yield store
    await store.close()


@pytest.fixture
async def workstation(tmp_path: Path) -> AsyncIterator[Workstation]:
    async with workstations(tmp_path) as make:
        yield make


@pytest.fixture
def opened_folders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the platform's file manager was asked to open (the boundary)."""
    folders: list[str] = []

    def open_url(url: QUrl) -> bool:
        folders.append(url.toLocalFile())
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    return folders


def _overview(window: object) -> OverviewTab:
    (tab,) = window.findChildren(OverviewTab)  # type: ignore[attr-defined]
    return tab


async def test_a_teammate_downloads_and_opens_a_shared_bundle(
    workstation: Workstation,
    r2: R2BlobStore,
    tmp_path: Path,
    qtbot: QtBot,
    opened_folders: list[str],
) -> None:
    ana = workstation("ana-laptop", r2)
    campaign = await publishable_campaign(ana, samples.png(tmp_path / "hero.png"))
    published = await ana.campaigns.publish(ANA, campaign.id)
    vic = workstation("vic-desktop", r2)
    async with opened(vic, VIC) as window:
        window.open_campaign(campaign.id)
        tab = _overview(window)
        await until(lambda: len(tab.publication_buttons) == 1)
        (button,) = tab.publication_buttons
        assert button.text() == "Download bundle"
        assert "team's media storage" in button.toolTip()
        click(qtbot, button)
        await until(lambda: len(opened_folders) == 1)
    folder = Path(opened_folders[0])
    assert folder == tmp_path / "vic-desktop" / "exports" / Path(published.bundle_path or "").name
    assert (folder / "manifest.json").is_file()
    assert len(list((folder / "assets").iterdir())) == 2  # the copy's text and the picture


async def test_without_shared_media_the_button_says_why_it_cannot(
    workstation: Workstation, tmp_path: Path, qtbot: QtBot, opened_folders: list[str]
) -> None:
    ana = workstation("ana-laptop", LocalBlobStore(tmp_path / "ana-media"))
    campaign = await publishable_campaign(ana, samples.png(tmp_path / "hero.png"))
    await ana.campaigns.publish(ANA, campaign.id)
    async with opened(ana, ANA) as window:
        window.open_campaign(campaign.id)
        tab = _overview(window)
        await until(lambda: len(tab.publication_buttons) == 1)
        (here,) = tab.publication_buttons
        assert here.text() == "Open bundle"
        click(qtbot, here)
        await until(lambda: len(opened_folders) == 1)
    vic = workstation("vic-desktop", LocalBlobStore(tmp_path / "vic-media"))
    async with opened(vic, VIC) as window:
        window.open_campaign(campaign.id)
        tab = _overview(window)
        await until(lambda: len(tab.publication_buttons) == 1)
        (elsewhere,) = tab.publication_buttons
        assert not elsewhere.isEnabled()
        assert "written on another workstation and not shared" in elsewhere.toolTip()
