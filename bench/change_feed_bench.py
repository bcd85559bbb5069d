"""Benchmark of the change feed: how soon another process's change arrives, and what following
200 running render jobs costs the subscriber.

Run: .venv/bin/python bench/change_feed_bench.py [--changes 200] [--seconds 20]
     [--mongodb-uri URI]

- **Latency.** A writer process creates ``--changes`` campaigns on the shared store, a few
  milliseconds apart, and prints when each write returned; this process subscribes and notes
  when each event arrives. Prints p50, p95 and max of the difference (same machine, one clock).
- **Progress cost.** 200 render jobs are running; a writer process moves each one's progress
  once a second (200 job writes a second, as 200 busy renders report). This process only
  subscribes and reads the events for ``--seconds``; prints its CPU time as a share of one
  core, and how many progress events it read.

On SQLite both run across two OS processes on one data folder; with ``--mongodb-uri`` the
same on that server (each process its own client: two workstations).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from app.bootstrap import open_core
from app.config import AppSettings
from app.domain import Actor, Member, RenderJob, RenderStatus, Role, new_id
from app.domain.changes import ChangeEvent
from app.runtime import tune_garbage_collector

ANA = Actor(tenant_id="bench", user_id="ana", roles={Role.ADMIN})
JOBS = 200


def settings(data_dir: Path, mongodb_uri: str | None, database: str) -> AppSettings:
    values: dict[str, object] = {"data_dir": data_dir, "render_worker": False}
    if mongodb_uri:
        values |= {"mongodb_uri": mongodb_uri, "mongodb_database": database}
    return AppSettings.model_validate(values)


async def writer(config: AppSettings, mode: str, count: int) -> None:
    """The other process: ``latency`` creates campaigns; ``progress`` moves running jobs."""
    async with open_core(config) as core:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        if mode == "latency":
            for n in range(count):
                campaign = await core.campaigns.create_campaign(ANA, f"Bench {n}")
                print(json.dumps({"id": campaign.id, "at": time.time()}), flush=True)
                await asyncio.sleep(0.005)
            return
        jobs = await core.store.render_jobs.list(ANA.tenant_id, statuses=[RenderStatus.RUNNING])
        step = 0
        while True:  # until stdin closes
            step += 1
            started = time.monotonic()
            for job in jobs:
                fraction = (step % 100) / 100
                await core.store.render_jobs.modify(
                    job.tenant_id,
                    job.id,
                    lambda j, f=fraction: j.model_copy(
                        update={"progress": j.progress.model_copy(update={"fraction": f})}
                    ),
                )
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - started)))


async def spawn(args: argparse.Namespace, data_dir: Path, database: str, mode: str, count: int):  # type: ignore[no-untyped-def]
    command = [
        sys.executable,
        __file__,
        "--writer",
        mode,
        "--count",
        str(count),
        "--data-dir",
        str(data_dir),
        "--database",
        database,
    ]
    if args.mongodb_uri:
        command += ["--mongodb-uri", args.mongodb_uri]
    process = await asyncio.create_subprocess_exec(
        *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    assert (await process.stdout.readline()).strip() == b"ready"
    return process


async def latency(args: argparse.Namespace, data_dir: Path, database: str) -> None:
    config = settings(data_dir, args.mongodb_uri, database)
    async with open_core(config) as core:
        # On MongoDB the stored memberships count: ana is the workspace's admin.
        await core.store.members.add(
            Member(tenant_id=ANA.tenant_id, user_id="ana", roles={Role.ADMIN})
        )
        async with core.events.subscribe(ANA, records=["campaign"]) as q:
            await follow_latency(args, data_dir, database, q)


async def follow_latency(
    args: argparse.Namespace, data_dir: Path, database: str, q: asyncio.Queue[ChangeEvent]
) -> None:
    process = await spawn(args, data_dir, database, "latency", args.changes)
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(b"go\n")
    await process.stdin.drain()
    arrived: dict[str, float] = {}
    while len(arrived) < args.changes:
        event = await q.get()
        arrived[str(event.record_id)] = time.time()
    written = [json.loads(line) for line in (await process.stdout.read()).splitlines()]
    await process.wait()
    delays = sorted((arrived[w["id"]] - w["at"]) * 1000 for w in written)
    p95 = statistics.quantiles(delays, n=20)[-1]
    print(
        f"latency of {len(delays)} changes from another process: "
        f"p50 {statistics.median(delays):.0f} ms, p95 {p95:.0f} ms, max {delays[-1]:.0f} ms"
    )


async def progress(args: argparse.Namespace, data_dir: Path, database: str) -> None:
    config = settings(data_dir, args.mongodb_uri, database)
    async with open_core(config) as core:
        await core.store.members.add(
            Member(tenant_id=ANA.tenant_id, user_id="ana", roles={Role.ADMIN})
        )
        await core.store.render_jobs.add_many([running_job(n) for n in range(JOBS)])
        async with core.events.subscribe(ANA, records=["render_job"]) as q:
            process = await spawn(args, data_dir, database, "progress", 0)
            assert process.stdin is not None
            process.stdin.write(b"go\n")
            await process.stdin.drain()
            events = 0

            async def read() -> None:
                nonlocal events
                while True:
                    await q.get()
                    events += 1

            reader = asyncio.create_task(read())
            await asyncio.sleep(2)  # the writer gets going
            events, cpu, wall = 0, time.process_time(), time.monotonic()
            await asyncio.sleep(args.seconds)
            cpu, wall = time.process_time() - cpu, time.monotonic() - wall
            reader.cancel()
            process.stdin.close()
            process.kill()
            await process.wait()
    print(
        f"following {JOBS} running jobs for {wall:.0f} s: {cpu / wall:.1%} of one core, "
        f"{events / wall:.0f} progress events/s read"
    )


def running_job(n: int) -> RenderJob:
    return RenderJob.model_validate(
        {
            "id": new_id(),
            "tenant_id": ANA.tenant_id,
            "campaign_id": "bench-campaign",
            "creative_id": f"creative-{n}",
            "kind": "image",
            "provider": "local-image",
            "prompt": "a bicycle",
            "status": "running",
            "created_by": "ana",
        }
    )


async def main(args: argparse.Namespace) -> None:
    tune_garbage_collector()
    store = "MongoDB " + args.mongodb_uri if args.mongodb_uri else "SQLite (embedded)"
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"store: {store}")
    with tempfile.TemporaryDirectory() as tmp:
        await latency(args, Path(tmp) / "a", f"cs_bench_{new_id()[-8:]}")
        await progress(args, Path(tmp) / "b", f"cs_bench_{new_id()[-8:]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--mongodb-uri")
    parser.add_argument("--writer", choices=["latency", "progress"])
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--database", default="")
    arguments = parser.parse_args()
    if arguments.writer:
        config = settings(arguments.data_dir, arguments.mongodb_uri, arguments.database)
        asyncio.run(writer(config, arguments.writer, arguments.count))
    else:
        asyncio.run(main(arguments))
