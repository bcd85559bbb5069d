"""Benchmark of the HTTP clients the providers could use: CPU per request at 5 and 50 requests
in flight against a loopback aiohttp server (the server runs in the same process, so the figures
include its share, the same for every client). The providers use ``HttpClient`` (aiohttp).

Run: .venv/bin/python bench/http_client_bench.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp
import httpx
from aiohttp import web

from app.adapters.providers.http_client import HttpClient


async def measure(
    label: str, requests: int, concurrency: int, get: Callable[[], Awaitable[None]]
) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            await get()

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one() for _ in range(requests)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"{label:<34} {concurrency:>3} in flight: {cpu / requests * 1000:6.2f} ms CPU per "
        f"request, {requests / wall:7.0f} requests/s"
    )


async def run(requests: int) -> None:
    app = web.Application()

    async def answer(_: web.Request) -> web.Response:
        return web.json_response({"id": "p1", "status": "processing"})

    app.router.add_get("/x", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/x"  # type: ignore[union-attr]
    for concurrency in (5, 50):
        for keepalive in (20, 100):
            limits = httpx.Limits(max_connections=100, max_keepalive_connections=keepalive)
            async with httpx.AsyncClient(limits=limits) as client:

                async def with_httpx(client: httpx.AsyncClient = client) -> None:
                    (await client.get(url)).json()

                await measure(
                    f"httpx (keep-alive pool {keepalive})", requests, concurrency, with_httpx
                )
        async with HttpClient() as ours:

            async def with_ours(client: HttpClient = ours) -> None:
                (await client.request("GET", url)).json()

            await measure("HttpClient (the providers')", requests, concurrency, with_ours)
        async with aiohttp.ClientSession() as session:

            async def with_aiohttp(session: aiohttp.ClientSession = session) -> None:
                async with session.get(url) as response:
                    await response.json()

            await measure("aiohttp", requests, concurrency, with_aiohttp)
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    asyncio.run(run(parser.parse_args().requests))


if __name__ == "__main__":
    main()
