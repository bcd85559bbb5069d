"""Opening the core sweeps the work files a crash left in the data folder: staging files,
partial render files and render folders no running job wants, unfinished publish bundles; only
those older than the safe age, never a symlink, a user's file or anything outside the folder.

The leftovers are planted as a crash leaves them (same names, made by the same calls), then
aged with ``os.utime``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from app.bootstrap import open_core
from app.config import AppSettings
from app.domain import RenderStatus
from app.ports.render_provider import (
    ProviderState,
    ProviderStatus,
    RenderProvider,
    RenderRequest,
)
from tests.app.workflow.conftest import ANA
from tests.app.workflow.helpers import campaign_with_strategy

HOURS = 3600.0


def age(path: Path, seconds: float = 2 * HOURS) -> Path:
    """Make ``path`` (and all inside it, never following links) look untouched for
    ``seconds``."""
    then = time.time() - seconds
    for inner in sorted(_tree(path), key=lambda p: len(p.parts), reverse=True):
        os.utime(inner, (then, then), follow_symlinks=False)
    return path


def _tree(path: Path) -> Iterator[Path]:
    yield path
    if path.is_dir() and not path.is_symlink():
        for folder, names, files in os.walk(path):
            for name in (*names, *files):
                yield Path(folder, name)


def staging_file(folder: Path, prefix: str = "stage-") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix=prefix)
    os.write(fd, b"half a file")
    os.close(fd)
    return Path(name)


def bundle_folder(exports: Path, name: str = "Spring-2026") -> Path:
    """A bundle as prepare() leaves it when its process dies mid-download."""
    exports.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=exports))
    (folder / "assets").mkdir()
    staging_file(folder / "assets", prefix=".part-")
    (folder / "assets" / "hero.png").write_bytes(b"png")
    return folder


def render_folder(renders: Path, provider: str, *files: str) -> Path:
    folder = renders / provider / f"{provider}-{uuid.uuid4().hex}"
    folder.mkdir(parents=True)
    for name in files:
        (folder / name).write_bytes(b"frames")
    return folder


def settings(data: Path, **more: object) -> AppSettings:
    return AppSettings(data_dir=data, render_worker=False, **more)  # type: ignore[arg-type]


async def test_what_a_crash_left_is_removed_at_open_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    renders = data / "renders"
    old = [
        staging_file(data / "media" / ".staging"),
        staging_file(data / "media" / ".staging", prefix=".part-"),
        staging_file(data / "staging"),  # the R2 store's staging folder
        bundle_folder(data / "exports"),
        bundle_folder(data / "exports", "x"),
        render_folder(renders, "local-image", ".image.partial.png"),
        render_folder(renders, "local-video", "video.mp4", ".poster.partial.png"),
        render_folder(renders, "local-video", ".video.partial.mp4"),
    ]
    for path in old:
        age(path)
    caplog.set_level(logging.INFO, logger="app.adapters.storage.sweeper")

    async with open_core(settings(data)):
        pass

    assert [path for path in old if path.exists()] == []
    swept = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    for path in old:
        assert any(str(path) in message for message in swept), path
    assert any("unfinished publish bundle" in message for message in swept)


async def test_fresh_work_files_stay(tmp_path: Path) -> None:
    data = tmp_path / "data"
    fresh = [
        staging_file(data / "media" / ".staging"),
        bundle_folder(data / "exports"),
        render_folder(data / "renders", "local-image", ".image.partial.png"),
    ]
    # An old bundle folder with one file still being written is in use.
    busy = age(bundle_folder(data / "exports", "busy"))
    staging_file(busy / "assets", prefix=".part-")

    async with open_core(settings(data)):
        pass

    assert all(path.exists() for path in [*fresh, busy])


async def test_a_second_live_core_keeps_the_first_ones_work(tmp_path: Path) -> None:
    """A second core opening on the same data folder leaves the first one's render drawing,
    and the old folder of a finished render that the first one's running job will store; the
    old folders of an ended job and of no job go."""
    data = tmp_path / "data"
    renders = data / "renders"
    async with open_core(settings(data)) as first:
        campaign = await campaign_with_strategy(first)
        jobs = []
        for title in ("Hero", "Other"):
            creative = await first.creatives.create_media_creative(
                ANA, campaign.id, kind="image", title=title, prompt="A bright meadow"
            )
            jobs.append(await first.renderer.get_job(ANA, creative.render_job_id or ""))
        provider = first.providers["local-image"]
        drawing = await provider.render(
            RenderRequest(
                job_id=jobs[0].id,
                kind=jobs[0].kind,
                prompt="A bright meadow",
                params={"width": 2048, "height": 2048},
            )
        )
        wanted = age(render_folder(renders, "local-image", "image.png", "done.json"))
        await first.store.render_jobs.update(
            jobs[0].model_copy(
                update={
                    "status": RenderStatus.RUNNING,
                    "provider_job_id": wanted.name,
                    "lease_owner": "first",
                    "lease_expires_at": first.clock.now() + timedelta(minutes=5),
                }
            )
        )
        ended = age(render_folder(renders, "local-image", "image.png", "done.json"))
        cancelled = await first.renderer.cancel(ANA, jobs[1].id)
        await first.store.render_jobs.update(
            cancelled.model_copy(update={"provider_job_id": ended.name})
        )
        unknown = age(render_folder(renders, "local-image", "image.png"))

        async with open_core(settings(data)):
            pass

        assert wanted.exists()
        assert not ended.exists()
        assert not unknown.exists()
        status = await until_finished(provider, drawing)
        assert status.state is ProviderState.SUCCEEDED, status.error  # nothing went from under it
        assert (renders / "local-image" / drawing / "image.png").exists()


async def until_finished(provider: RenderProvider, provider_job_id: str) -> ProviderStatus:
    async with asyncio.timeout(60):
        while True:
            status = await provider.poll_status(provider_job_id)
            if status.state.finished:
                return status
            await asyncio.sleep(0.02)


async def test_symlinks_user_files_and_other_folders_are_never_touched(tmp_path: Path) -> None:
    data = tmp_path / "data"
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "precious.txt"
    target.write_text("mine")
    staging = data / "media" / ".staging"
    staging.mkdir(parents=True)
    link = staging / "stage-abcdefgh"
    link.symlink_to(target)
    exports = data / "exports"
    exports.mkdir()
    (exports / ".link-abcdefgh").symlink_to(outside, target_is_directory=True)
    notes = exports / ".notes-abcdefgh"  # hidden, named alike, but not a bundle's content
    notes.mkdir()
    (notes / "ideas.txt").write_text("keep")
    published = exports / "Spring-2026"
    (published / "assets").mkdir(parents=True)
    user_media = data / "media" / "ab" / "cd" / "stage-12345678"
    user_media.parent.mkdir(parents=True)
    user_media.write_bytes(b"a stored asset")
    near_miss = staging / "stage-abcdefgh.txt"
    near_miss.write_text("not a staging file")
    # A render folder reached through a linked folder leads out of the data folder.
    elsewhere = outside / "renders"
    foreign = render_folder(elsewhere, "local-image", ".image.partial.png")
    (data / "renders").mkdir()
    (data / "renders" / "local-image").symlink_to(elsewhere / "local-image")
    kept = [link, notes, published, user_media, near_miss, foreign, *foreign.iterdir()]
    for path in kept:
        age(path)

    async with open_core(settings(data)):
        pass

    assert [path for path in kept if not path.exists()] == []
    assert target.read_text() == "mine"
    assert link.is_symlink()
    assert (exports / ".link-abcdefgh").is_symlink()
