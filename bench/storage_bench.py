"""Benchmark of the asset library: upload throughput on the local store and on an S3 server.

Run: PYTHONPATH=. .venv/bin/python bench/storage_bench.py [--images 200] [--big-mb 200] [--skip-s3]

Makes 200 JPEG photos (1600×1067, ~0.4 MB each) and one 200 MB ZIP of random bytes in a
temporary folder, then for each media store (the local folder; moto's S3 server on loopback as a
stand-in for R2) uploads them through StorageService on a fresh SQLite store and reports MB/s.
A plain file copy of the same data (shutil.copyfile, then the same with fsync, which the store
does for durability) is timed in the same run for comparison, and the thumbnail time per image
is measured on its own. Target: local upload throughput >= 50 % of the plain copy.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

from app.adapters.media import LocalMediaInspector
from app.adapters.sqlite import SqliteStore
from app.adapters.storage import LocalBlobStore, R2BlobStore
from app.domain import Actor, Role
from app.ports.blob_store import BlobStore
from app.ports.clock import SystemClock
from app.services.access import AccessControl
from app.services.activity_log import ActivityLog
from app.services.context import ServiceContext
from app.services.storage_service import StorageService

ACTOR = Actor(tenant_id="bench", user_id="bench", roles={Role.EDITOR})
MB = 1024 * 1024


def make_images(folder: Path, count: int) -> list[Path]:
    rng = random.Random(3)
    paths = []
    for n in range(count):
        image = Image.new("RGB", (1600, 1067), (rng.randrange(256), 90, 140))
        draw = ImageDraw.Draw(image)
        for _ in range(60):
            x, y = rng.randrange(1600), rng.randrange(1067)
            colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            draw.ellipse(
                (x, y, x + rng.randrange(20, 300), y + rng.randrange(20, 300)), fill=colour
            )
        noise = Image.effect_noise((1600, 1067), 40).convert("RGB")
        image = Image.blend(image, noise, 0.25)
        path = folder / f"photo-{n:03d}.jpg"
        image.save(path, "JPEG", quality=85)
        paths.append(path)
    return paths


def make_big_file(folder: Path, megabytes: int) -> Path:
    path = folder / "campaign-archive.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("footage.bin", os.urandom(megabytes * MB))
    return path


def copy_all(paths: list[Path], target: Path, *, fsync: bool) -> float:
    """The fastest of three copies (the comparison most favourable to the plain copy)."""
    timings = []
    for _ in range(3):
        target.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        for path in paths:
            destination = target / path.name
            shutil.copyfile(path, destination)
            if fsync:
                with destination.open("rb+") as handle:
                    os.fsync(handle.fileno())
        timings.append(time.perf_counter() - began)
        shutil.rmtree(target)
    return min(timings)


async def upload_all(
    make_blobs: Callable[[Path], BlobStore], paths: list[Path], folder: Path, concurrency: int = 1
) -> float:
    store = SqliteStore(folder / "bench.sqlite3")
    await store.open()
    blobs = make_blobs(folder)
    clock = SystemClock()
    storage = StorageService(
        assets=store.assets,
        creatives=store.creatives,
        blobs=blobs,
        media=LocalMediaInspector(),
        context=ServiceContext(
            access=AccessControl(store.members, clock, stored_roles=False),
            activity=ActivityLog(store.activity, clock),
            clock=clock,
        ),
        max_upload_bytes=1024 * MB,
    )
    gate = asyncio.Semaphore(concurrency)

    async def upload(path: Path) -> None:
        async with gate:
            await storage.upload(ACTOR, path)

    began = time.perf_counter()
    await asyncio.gather(*(upload(path) for path in paths))
    elapsed = time.perf_counter() - began
    await blobs.close()
    await store.close()
    return elapsed


async def thumbnail_times(paths: list[Path]) -> list[float]:
    inspector = LocalMediaInspector()
    times = []
    for path in paths:
        head = path.read_bytes()[:4096]
        began = time.perf_counter()
        await inspector.inspect(path, head=head, filename=path.name)
        times.append((time.perf_counter() - began) * 1000)
    return times


def line(label: str, size: int, seconds: float, reference: float | None = None) -> str:
    rate = size / MB / seconds
    share = f"  {100 * reference / seconds:5.0f} % of plain copy" if reference else ""
    return f"  {label:<34}{size / MB:8.1f} MB {seconds:7.2f} s {rate:8.1f} MB/s{share}"


async def run(image_count: int, big_mb: int, with_s3: bool) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "in").mkdir()
        images = make_images(root / "in", image_count)
        big = [make_big_file(root / "in", big_mb)]
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}; temp folder on the same disk as the store"
        )
        thumbs = await thumbnail_times(images)
        print(
            f"thumbnail (inspect) per image: median {statistics.median(thumbs):.1f} ms, "
            f"max {max(thumbs):.1f} ms"
        )
        stores: dict[str, Callable[[Path], BlobStore]] = {
            "local": lambda folder: LocalBlobStore(folder / "media"),
        }
        server = None
        if with_s3:
            from tests.fakes.moto_s3 import FakeS3Server

            server = FakeS3Server()
            server.start()
            admin = server.client()

            def r2(folder: Path) -> BlobStore:
                bucket = f"bench-{folder.name.lower().replace('_', '-')}"[:60]
                server.create_bucket(admin, bucket)
                return R2BlobStore(
                    endpoint_url=server.endpoint_url,
                    bucket=bucket,
                    access_key_id="bench",
                    secret_access_key="bench-secret",
                    staging_dir=folder / "staging",
                )

            stores["S3 (moto, loopback)"] = r2
        for label, files in (
            ("200 images" if image_count == 200 else "images", images),
            (f"{big_mb} MB file", big),
        ):
            size = sum(path.stat().st_size for path in files)
            copy = copy_all(files, root / "copy", fsync=False)
            copy_sync = copy_all(files, root / "copy", fsync=True)
            print(f"\n{label}:")
            print(line("plain copy", size, copy))
            print(line("plain copy + fsync", size, copy_sync))
            for name, make in stores.items():
                for concurrency in (1, 4) if len(files) > 1 else (1,):
                    runs = []
                    for _ in range(1 if len(files) > 1 else 3):  # the big file: median of 3
                        folder = Path(tempfile.mkdtemp(dir=root))
                        runs.append(await upload_all(make, files, folder, concurrency))
                        shutil.rmtree(folder)
                    elapsed = statistics.median(runs)
                    label_ = f"upload, {name}" + (
                        f", {concurrency} at once" if concurrency > 1 else ""
                    )
                    print(line(label_, size, elapsed, copy))
        if server is not None:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--big-mb", type=int, default=200)
    parser.add_argument("--skip-s3", action="store_true")
    args = parser.parse_args()
    asyncio.run(run(args.images, args.big_mb, not args.skip_s3))


if __name__ == "__main__":
    main()
