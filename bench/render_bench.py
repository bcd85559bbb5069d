"""Benchmark of the render engine: many jobs through a loopback provider that takes 200 ms each.

Run: .venv/bin/python bench/render_bench.py [--jobs 1000] [--concurrency 50] [--job-ms 200]

A fake provider speaking Replicate's protocol runs in a separate process on 127.0.0.1 (so the
figures are the core's alone): a prediction is "processing" until ``--job-ms`` after its
creation, then "succeeded" with a small PNG of its own. The core (embedded SQLite store, local
media folder) queues the jobs; then the clock starts with its worker, which claims, submits,
follows and publishes them (each output stored in the library as an asset and attached to its
creative), and stops when the last one has ended. A lag probe measures the longest event-loop
stall. Targets: wall time <= 1.3 x ideal (jobs / concurrency x job time); stall <= 30 ms; CPU
per job reported.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import multiprocessing
import os
import platform
import re
import socket
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import ClientSession, TCPConnector, web
from PIL import Image
from standardwebhooks.webhooks import Webhook

from app.bootstrap import Core, open_core
from app.config import AppSettings
from app.domain import Actor, RenderJob, RenderStatus, Role
from app.runtime import tune_garbage_collector
from app.services.events import JobEvent

ANA = Actor(tenant_id="bench", user_id="ana", roles={Role.EDITOR, Role.APPROVER})


def cpu_by_thread_group() -> dict[str, float]:
    """CPU seconds so far of this process's threads, by name without its number."""
    ticks = os.sysconf("SC_CLK_TCK")
    groups: dict[str, float] = defaultdict(float)
    for thread in threading.enumerate():
        try:
            with open(f"/proc/self/task/{thread.native_id}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue  # the thread has ended
        groups[re.sub(r"_\d+$", "", thread.name)] += (int(fields[11]) + int(fields[12])) / ticks
    return groups


def machine_busy() -> list[float]:
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    return [sum(fields) - fields[3] - fields[4], sum(fields)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SECRET = "whsec_" + base64.b64encode(b"render-bench-signing-key-32bytes").decode()


def serve_fake_provider(port: int, job_seconds: float) -> None:
    """The fake Replicate: runs in its own process until terminated. With a ``webhook`` in the
    create request it delivers the signed ``completed`` webhook when the job is done, through
    one pooled client (keep-alive connections), as webhook senders do."""
    created: dict[str, float] = {}
    counter = iter(range(10**9))
    signer = Webhook(SECRET)
    tasks: set[asyncio.Task[None]] = set()
    senders: list[ClientSession] = []

    async def deliver(pid: str, url: str) -> None:
        await asyncio.sleep(job_seconds)
        body = json.dumps(prediction(pid))
        sent_at = datetime.now(UTC)
        headers = {
            "webhook-id": f"msg_{pid}",
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": signer.sign(f"msg_{pid}", sent_at, body),
            "content-type": "application/json",
        }
        if not senders:
            senders.append(ClientSession(connector=TCPConnector(limit=0)))
        async with senders[0].post(url, data=body, headers=headers):
            pass

    def prediction(pid: str) -> dict[str, object]:
        done = time.monotonic() - created[pid] >= job_seconds
        return {
            "id": pid,
            "status": "succeeded" if done else "processing",
            "logs": "",
            "output": [f"http://127.0.0.1:{port}/files/{pid}.png"] if done else None,
            "error": None,
            "urls": {"get": f"http://127.0.0.1:{port}/v1/predictions/{pid}"},
        }

    async def create(request: web.Request) -> web.Response:
        pid = f"p{next(counter)}"
        created[pid] = time.monotonic()
        webhook = (await request.json()).get("webhook")
        if webhook:
            task = asyncio.create_task(deliver(pid, webhook))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        return web.json_response(prediction(pid) | {"status": "starting"}, status=201)

    async def get(request: web.Request) -> web.Response:
        return web.json_response(prediction(request.match_info["pid"]))

    async def file(request: web.Request) -> web.Response:
        number = int(request.match_info["pid"][1:])
        image = Image.new("RGB", (32, 32), (number % 256, number // 256 % 256, 90))
        data = io.BytesIO()
        image.save(data, "PNG")
        return web.Response(body=data.getvalue(), content_type="image/png")

    async def close_senders(_app: web.Application) -> None:
        for sender in senders:
            await sender.close()

    app = web.Application()
    app.on_cleanup.append(close_senders)
    app.router.add_post("/v1/models/{owner}/{name}/predictions", create)
    app.router.add_get("/v1/predictions/{pid}", get)
    app.router.add_get("/files/{pid}.png", file)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


async def lag_probe(stop: asyncio.Event, stalls: list[float]) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        began = loop.time()
        await asyncio.sleep(0.005)
        stalls.append(loop.time() - began - 0.005)


async def queue_jobs(core: Core, jobs: int) -> tuple[list[RenderJob], float]:
    """A campaign with 50 image creatives, then ``jobs`` renders queued over them, one call
    each; returns the jobs and the seconds the queueing took."""
    campaign = await core.campaigns.create_campaign(ANA, "Bench")
    await core.strategies.create_strategy(ANA, campaign.id, {"objective": "x"})
    creatives = [
        await core.store.creatives.update(
            (
                await core.creatives.create_text_creative(
                    ANA, campaign.id, title=f"c{n}", body=f"body {n}"
                )
            ).model_copy(update={"kind": "image", "prompt": "bench"})
        )
        for n in range(50)
    ]
    began = time.perf_counter()
    queued = [
        await core.renderer.queue_render(ANA, creatives[n % 50].id, kind="image", prompt=f"job {n}")
        for n in range(jobs)
    ]
    return queued, time.perf_counter() - began


async def run(jobs: int, concurrency: int, job_ms: int, webhooks: bool, parent: str | None) -> None:
    port, relay_port = free_port(), free_port()
    server = multiprocessing.get_context("spawn").Process(
        target=serve_fake_provider, args=(port, job_ms / 1000), daemon=True
    )
    server.start()
    await wait_for_port(port)
    try:
        with tempfile.TemporaryDirectory(dir=parent) as folder:
            settings = AppSettings(
                data_dir=Path(folder),
                render_concurrency=concurrency,
                replicate_api_token="r8_bench",
                replicate_base_url=f"http://127.0.0.1:{port}/v1",
                replicate_webhook_secret=SECRET,
                default_image_provider="replicate",
                # With webhooks, polling is only the safety net; without, it finds the end.
                provider_poll_seconds=1.0 if webhooks else 0.02,
                webhook_relay=webhooks,
                webhook_port=relay_port,
                public_webhook_url=f"http://127.0.0.1:{relay_port}" if webhooks else None,
            )
            # The jobs are queued by a core without a worker (as the app queues them), then a
            # core with one starts on the same data (as `campaign-studio worker` would).
            async with open_core(settings.model_copy(update={"render_worker": False})) as app:
                tune_garbage_collector()  # as the app's entry points do: no 50-70 ms stalls
                queued, queueing = await queue_jobs(app, jobs)
            async with open_core(settings) as core:
                # Before the first await: the worker's task has not run yet.
                core.providers["replicate"].max_concurrency = concurrency
                ended: set[str] = set()
                all_ended = asyncio.Event()

                def count(event: JobEvent) -> None:
                    if event.job.status.terminal:
                        ended.add(event.job.id)
                        if len(ended) == jobs:
                            all_ended.set()

                stop, stalls = asyncio.Event(), list[float]()
                with core.events.listen(count):
                    cpu, began = time.process_time(), time.perf_counter()
                    loop_cpu = time.thread_time()
                    machine, threads = machine_busy(), cpu_by_thread_group()
                    probe = asyncio.create_task(lag_probe(stop, stalls))
                    await asyncio.wait_for(all_ended.wait(), timeout=600)
                    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
                    loop_cpu = time.thread_time() - loop_cpu
                    machine = [b - a for a, b in zip(machine, machine_busy(), strict=True)]
                    threads = {
                        name: seconds - threads.get(name, 0.0)
                        for name, seconds in cpu_by_thread_group().items()
                    }
                stop.set()
                await probe
                done = await core.renderer.list_jobs(ANA, statuses=[RenderStatus.PUBLISHED])
                assets = (await core.storage.search(ANA, {"types": ["image"]})).total
                assert {job.id for job in done} == {job.id for job in queued}
    finally:
        server.terminate()
        server.join()
    ideal = jobs / concurrency * job_ms / 1000
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, embedded SQLite"
    )
    print(
        f"{jobs} jobs, concurrency {concurrency}, {job_ms} ms per job, "
        f"{'webhooks' if webhooks else 'polling every 20 ms'}: {len(done)} published, "
        f"{assets} assets"
    )
    print(f"queueing the {jobs} jobs (before the clock): {queueing:.2f} s")
    print(f"wall time {wall:.2f} s; ideal {ideal:.2f} s; ratio {wall / ideal:.3f} (target <= 1.3)")
    print(
        f"longest event-loop stall {max(stalls) * 1000:.1f} ms (target <= 30); "
        f"p99 {sorted(stalls)[int(0.99 * len(stalls))] * 1000:.1f} ms"
    )
    print(
        f"orchestration CPU {cpu:.2f} s = {cpu / jobs * 1000:.2f} ms per job "
        "(core process: worker, store, library; the provider runs elsewhere)"
    )
    print(
        "CPU by thread: "
        + ", ".join(
            f"{name} {seconds:.2f} s"
            for name, seconds in sorted(threads.items(), key=lambda item: -item[1])
        )
    )
    print(f"machine busy {machine[0] / machine[1] * 100:.0f} %")
    print(
        f"event-loop thread CPU {loop_cpu:.2f} s = {loop_cpu / wall * 100:.0f} % of the wall time"
    )


async def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise RuntimeError("the fake provider did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--job-ms", type=int, default=200)
    parser.add_argument("--poll", action="store_true", help="no webhooks: poll every 20 ms")
    parser.add_argument(
        "--folder", help="where the data folder is made (default: the system's temporary folder)"
    )
    args = parser.parse_args()
    asyncio.run(
        run(args.jobs, args.concurrency, args.job_ms, webhooks=not args.poll, parent=args.folder)
    )


if __name__ == "__main__":
    main()
