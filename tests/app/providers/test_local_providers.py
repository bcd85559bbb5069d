"""The local render providers: real PNGs and H.264 MP4s rendered on this machine.

Renders are waited for the way the engine does: by polling the provider until the job is
finished, bounded by a deadline. Sizes are small to keep the suite fast.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import io
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest
from PIL import Image

from app.adapters.providers.local_image_provider import LocalImageProvider
from app.adapters.providers.local_jobs import CHUNK_BYTES, LocalJob, LocalJobs
from app.adapters.providers.local_video_provider import LocalVideoProvider
from app.domain import CreativeKind
from app.domain.errors import ProviderError, WebhookRejected
from app.ports.render_provider import ProviderState, ProviderStatus, RenderProvider, RenderRequest

PROMPT = "A bright spring meadow with wildflowers at golden hour"
SMALL = {"width": 320, "height": 256}
DEADLINE_SECONDS = 30.0


@pytest.fixture
async def images(tmp_path: Path) -> AsyncIterator[LocalImageProvider]:
    provider = LocalImageProvider(tmp_path / "renders")
    yield provider
    await provider.close()


@pytest.fixture
async def videos(tmp_path: Path) -> AsyncIterator[LocalVideoProvider]:
    provider = LocalVideoProvider(tmp_path / "renders")
    yield provider
    await provider.close()


def image_request(seed: int | None = 1, **params: Any) -> RenderRequest:
    return RenderRequest("job-1", CreativeKind.IMAGE, PROMPT, {**SMALL, **params}, seed=seed)


def video_request(seed: int | None = 1, **params: Any) -> RenderRequest:
    return RenderRequest("job-1", CreativeKind.VIDEO, PROMPT, {**SMALL, **params}, seed=seed)


async def wait_for(
    provider: RenderProvider | LocalJobs,
    job_id: str,
    until: Callable[[ProviderStatus], bool] = lambda status: status.state.finished,
    seen: list[ProviderStatus] | None = None,
) -> ProviderStatus:
    """Poll like the engine does (every 50 ms here) until ``until`` holds, within a deadline."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        if isinstance(provider, LocalJobs):
            status = provider.poll(job_id)
        else:
            status = await provider.poll_status(job_id)
        if seen is not None:
            seen.append(status)
        if until(status):
            return status
        assert time.monotonic() < deadline, f"{job_id} still {status.state}"
        await asyncio.sleep(0.05)


async def wait_until_finished(
    provider: RenderProvider, job_id: str, seen: list[ProviderStatus] | None = None
) -> ProviderStatus:
    return await wait_for(provider, job_id, seen=seen)


async def wait_until_progress(provider: RenderProvider, job_id: str) -> ProviderStatus:
    """Poll until the render has reported its first step (or finished)."""
    return await wait_for(provider, job_id, lambda s: bool(s.step) or s.state.finished)


def path_of(url: str) -> Path:
    parts = urllib.parse.urlsplit(url)
    assert parts.scheme == "file"
    return Path(urllib.request.url2pathname(parts.path))


async def render_png(provider: LocalImageProvider, request: RenderRequest) -> bytes:
    status = await wait_until_finished(provider, await provider.render(request))
    assert status.state is ProviderState.SUCCEEDED, status.error
    return path_of(status.outputs[0]).read_bytes()


# ---------------------------------------------------------------- images


async def test_an_image_is_a_png_of_the_requested_size_with_steps_and_logs(
    images: LocalImageProvider,
) -> None:
    request = image_request(campaign="Spring Sale 2026", tagline="Fresh picks, every week")
    seen: list[ProviderStatus] = []
    job_id = await images.render(request)
    status = await wait_until_finished(images, job_id, seen)

    assert status.state is ProviderState.SUCCEEDED
    assert (status.progress, status.step, status.total_steps) == (1.0, 8, 8)
    assert status.error is None
    assert len(status.outputs) == 1
    assert any("palette" in line for line in status.logs)
    assert any("campaign and tagline" in line for line in status.logs)
    assert status.logs[-1].startswith("saved 320×256 PNG")
    progress = [s.progress or 0.0 for s in seen]
    assert progress == sorted(progress)
    output = path_of(status.outputs[0])
    assert output.parent == images._jobs.workdir / job_id
    with Image.open(output) as picture:
        assert (picture.format, picture.size, picture.mode) == ("PNG", (320, 256), "RGB")
        picture.load()
        assert len(picture.getcolors(maxcolors=1_000_000) or ()) > 1000  # drawn, not blank


async def test_the_same_seed_gives_the_same_bytes_and_another_seed_another_image(
    images: LocalImageProvider,
) -> None:
    first = await render_png(images, image_request(seed=7))
    again = await render_png(images, image_request(seed=7))
    other = await render_png(images, image_request(seed=8))

    assert hashlib.sha256(first).digest() == hashlib.sha256(again).digest()
    assert first != other
    with Image.open(io.BytesIO(first)) as a, Image.open(io.BytesIO(other)) as b:
        assert a.tobytes() != b.tobytes()


async def test_the_default_size_is_1024_square(images: LocalImageProvider) -> None:
    request = RenderRequest("job-1", CreativeKind.IMAGE, "Café crème — für Müller", seed=None)
    status = await wait_until_finished(images, await images.render(request))

    assert status.state is ProviderState.SUCCEEDED
    assert any("simplified" in line for line in status.logs)
    with Image.open(path_of(status.outputs[0])) as picture:
        assert picture.size == (1024, 1024)


@pytest.mark.parametrize(
    "params",
    [
        {"width": 100},
        {"height": 4096},
        {"width": "big"},
        {"width": True},
        {"height": 512.5},
        {"campaign": 42},
    ],
)
async def test_bad_parameters_are_refused_for_good(
    images: LocalImageProvider, params: dict[str, Any]
) -> None:
    with pytest.raises(ProviderError) as caught:
        await images.render(image_request(**params))

    assert not caught.value.retryable
    assert caught.value.message.startswith("local-image cannot render this: ")
    assert not images._jobs.workdir.exists()


async def test_an_empty_prompt_and_a_video_request_are_refused(
    images: LocalImageProvider,
) -> None:
    with pytest.raises(ProviderError, match="the prompt is empty"):
        await images.render(RenderRequest("job-1", CreativeKind.IMAGE, "  \n "))
    with pytest.raises(ProviderError, match="images only") as caught:
        await images.render(video_request())
    assert not caught.value.retryable


def test_each_provider_renders_its_own_kind(tmp_path: Path) -> None:
    image, video = LocalImageProvider(tmp_path), LocalVideoProvider(tmp_path)

    assert [image.can_render(kind) for kind in CreativeKind] == [False, True, False]
    assert [video.can_render(kind) for kind in CreativeKind] == [False, False, True]
    assert image.can_render("image")  # type: ignore[arg-type]  # plain strings work too
    assert (image.name, video.name) == ("local-image", "local-video")
    assert not image.supports_webhooks
    assert image.poll_interval <= 0.5
    assert (image.max_concurrency, video.max_concurrency) == (2, 1)


# ---------------------------------------------------------------- videos


async def test_a_video_is_an_h264_mp4_of_the_requested_duration_with_a_poster(
    videos: LocalVideoProvider,
) -> None:
    seen: list[ProviderStatus] = []
    job_id = await videos.render(video_request(duration=1.5, campaign="Spring"))
    status = await wait_until_finished(videos, job_id, seen)

    assert status.state is ProviderState.SUCCEEDED, status.error
    assert status.progress == 1.0
    assert status.step == status.total_steps == 4  # 36 frames in 3 batches of 12, then finish
    assert any("frames 1–12 of 36" in line for line in status.logs)
    video, poster = (path_of(url) for url in status.outputs)
    assert (video.name, poster.name) == ("video.mp4", "poster.png")
    frames, seconds = await asyncio.to_thread(imageio_ffmpeg.count_frames_and_secs, str(video))
    assert frames == 36
    assert seconds == pytest.approx(1.5, abs=0.05)
    reader = imageio_ffmpeg.read_frames(str(video))
    meta = await asyncio.to_thread(next, reader)
    reader.close()
    assert meta["codec"] == "h264"
    assert meta["pix_fmt"].startswith("yuv420p")
    assert meta["size"] == (320, 256)
    with Image.open(poster) as picture:
        assert (picture.format, picture.size) == ("PNG", (320, 256))
    # The outputs, and the record of the render's end (no partial file is left).
    names = sorted(p.name for p in video.parent.iterdir())
    assert names == ["done.json", "poster.png", "video.mp4"]


async def test_videos_are_deterministic_per_seed(videos: LocalVideoProvider) -> None:
    outputs = []
    for seed in (3, 3, 4):
        status = await wait_until_finished(videos, await videos.render(video_request(seed)))
        outputs.append([path_of(url).read_bytes() for url in status.outputs])

    assert outputs[0] == outputs[1]  # x264 is deterministic too: the same MP4 bytes
    assert outputs[0][0] != outputs[2][0]
    assert outputs[0][1] != outputs[2][1]


@pytest.mark.parametrize(
    "params", [{"duration": 0.5}, {"duration": 11}, {"duration": "3s"}, {"width": 321}]
)
async def test_bad_video_parameters_are_refused_for_good(
    videos: LocalVideoProvider, params: dict[str, Any]
) -> None:
    with pytest.raises(ProviderError) as caught:
        await videos.render(video_request(**params))

    assert not caught.value.retryable
    assert caught.value.message.startswith("local-video cannot render this: ")


async def test_a_cancelled_video_stops_and_leaves_no_file(videos: LocalVideoProvider) -> None:
    request = video_request(width=1280, height=720, duration=10)
    job_id = await videos.render(request)
    running = await wait_until_progress(videos, job_id)
    assert running.state is ProviderState.RUNNING

    await videos.cancel(job_id)
    status = await wait_until_finished(videos, job_id)

    assert status.state is ProviderState.CANCELLED
    assert status.outputs == ()
    assert (status.step or 0) < (status.total_steps or 0)
    assert not (videos._jobs.workdir / job_id).exists()
    assert list(videos._jobs.workdir.rglob("*.mp4")) == []
    await videos.cancel(job_id)  # cancelling a finished job is not an error


async def test_closing_the_provider_cancels_its_renders(tmp_path: Path) -> None:
    provider = LocalVideoProvider(tmp_path)
    job_id = await provider.render(video_request(width=1280, height=720, duration=10))
    await wait_until_progress(provider, job_id)

    await provider.close()

    status = await provider.poll_status(job_id)
    assert status.state is ProviderState.CANCELLED
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ProviderError, match="shut down"):
        await provider.render(video_request())


# ---------------------------------------------------------------- both


async def test_several_renders_run_at_once(
    images: LocalImageProvider, videos: LocalVideoProvider
) -> None:
    image_jobs = [await images.render(image_request(seed)) for seed in range(4)]
    video_jobs = [await videos.render(video_request(seed, duration=1)) for seed in range(2)]

    statuses = await asyncio.gather(
        *(wait_until_finished(images, job) for job in image_jobs),
        *(wait_until_finished(videos, job) for job in video_jobs),
    )

    assert [s.state for s in statuses] == [ProviderState.SUCCEEDED] * 6
    assert len({s.outputs[0] for s in statuses}) == 6


async def test_an_unknown_job_was_interrupted_and_will_be_rendered_again(
    images: LocalImageProvider,
) -> None:
    status = await images.poll_status("local-image-from-before-the-restart")

    assert status.state is ProviderState.FAILED
    assert not status.permanent
    assert status.error is not None
    assert "interrupted" in status.error
    await images.cancel("local-image-from-before-the-restart")  # no error either


async def test_local_renders_send_no_webhooks(images: LocalImageProvider) -> None:
    with pytest.raises(WebhookRejected) as caught:
        await images.handle_webhook({"webhook-id": "x"}, b"{}")
    assert caught.value.status == 404


# ---------------------------------------------------------------- open_output


async def collect(provider: RenderProvider, url: str, max_bytes: int = 10**9) -> list[bytes]:
    return [chunk async for chunk in provider.open_output(url, max_bytes=max_bytes)]


async def test_open_output_streams_a_render_in_chunks(images: LocalImageProvider) -> None:
    status = await wait_until_finished(images, await images.render(image_request()))
    output = path_of(status.outputs[0])

    assert b"".join(await collect(images, status.outputs[0])) == output.read_bytes()

    big = output.parent / "big.bin"
    big.write_bytes(bytes(range(256)) * (CHUNK_BYTES // 256 * 2 + 1))
    chunks = await collect(images, big.as_uri())
    assert [len(c) for c in chunks] == [CHUNK_BYTES, CHUNK_BYTES, 256]
    assert b"".join(chunks) == big.read_bytes()


async def test_open_output_refuses_more_than_max_bytes(images: LocalImageProvider) -> None:
    status = await wait_until_finished(images, await images.render(image_request()))
    size = path_of(status.outputs[0]).stat().st_size

    assert len(b"".join(await collect(images, status.outputs[0], max_bytes=size))) == size
    with pytest.raises(ProviderError, match="larger than") as caught:
        await collect(images, status.outputs[0], max_bytes=size - 1)
    assert not caught.value.retryable


async def test_open_output_refuses_files_outside_the_render_folder(
    images: LocalImageProvider, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not a render")
    workdir = images._jobs.workdir
    workdir.mkdir()
    (workdir / "link.txt").symlink_to(secret)
    urls = [
        secret.as_uri(),
        f"{workdir.as_uri()}/../secret.txt",
        (workdir / "link.txt").as_uri(),
        workdir.as_uri(),
        "file://elsewhere.example/etc/passwd",
        "https://example.com/render.png",
        "data:text/plain;base64,aGk=",
    ]
    for url in urls:
        with pytest.raises(ProviderError) as caught:
            await collect(images, url)
        assert not caught.value.retryable, url


async def test_open_output_of_a_missing_file_fails_cleanly(images: LocalImageProvider) -> None:
    with pytest.raises(ProviderError, match="gone"):
        await collect(images, (images._jobs.workdir / "x" / "image.png").as_uri())


# ---------------------------------------------------------------- the job registry


async def test_a_queued_job_is_cancelled_at_once_and_never_runs(tmp_path: Path) -> None:
    jobs = LocalJobs(tmp_path, provider="test", max_concurrency=1)
    release, ran = threading.Event(), []

    def blocking(job: LocalJob) -> tuple[Path, ...]:
        release.wait(DEADLINE_SECONDS)
        ran.append(job.id)
        with job.atomic_output("out.txt") as temp:
            temp.write_text("done")
        return (job.directory / "out.txt",)

    first, second = jobs.submit(blocking), jobs.submit(blocking)
    await wait_for(jobs, first, lambda status: status.state is not ProviderState.QUEUED)
    assert jobs.poll(second).state is ProviderState.QUEUED  # one slot only

    jobs.cancel(second)
    assert jobs.poll(second).state is ProviderState.CANCELLED
    release.set()
    await wait_for(jobs, first)

    assert jobs.poll(first).state is ProviderState.SUCCEEDED
    assert ran == [first]
    assert (tmp_path / first / "out.txt").read_text() == "done"
    # The output and the record of the render's end; no temp file left.
    assert sorted(p.name for p in (tmp_path / first).iterdir()) == ["done.json", "out.txt"]
    await jobs.close()


async def test_a_render_on_a_full_disk_names_the_folder(tmp_path: Path) -> None:
    jobs = LocalJobs(tmp_path, provider="test", max_concurrency=1)

    def full(job: LocalJob) -> tuple[Path, ...]:
        raise OSError(errno.ENOSPC, "No space left on device", str(job.directory / "out.png"))

    status = await wait_for(jobs, jobs.submit(full))

    assert status.state is ProviderState.FAILED
    assert (
        status.error == f"test: the disk holding {tmp_path} is full: free some space and try again"
    )
    assert not status.permanent  # room may be made: the render is tried again later
    await jobs.close()


@pytest.mark.parametrize(
    ("error", "permanent", "message"),
    [
        (ProviderError("bad input"), True, "bad input"),
        (ProviderError("disk busy", retryable=True), False, "disk busy"),
        (RuntimeError("boom\nline two"), False, "test: the render failed: boom"),
    ],
)
async def test_a_failed_render_reports_why_and_leaves_no_files(
    tmp_path: Path, error: Exception, permanent: bool, message: str
) -> None:
    jobs = LocalJobs(tmp_path, provider="test", max_concurrency=1)

    def failing(job: LocalJob) -> tuple[Path, ...]:
        with job.atomic_output("out.txt") as temp:
            temp.write_text("partial")
            raise error

    job_id = jobs.submit(failing)
    status = await wait_for(jobs, job_id)

    assert (status.state, status.permanent, status.error) == (
        ProviderState.FAILED,
        permanent,
        message,
    )
    assert list(tmp_path.iterdir()) == []
    await jobs.close()
