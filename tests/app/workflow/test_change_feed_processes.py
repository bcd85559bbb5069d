"""The change feed across OS processes: a change made by another process on the same data
folder reaches this one's subscribers, once each, within 2 s (p95)."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

from app.bootstrap import open_core
from app.config import AppSettings
from app.domain import Actor, Role

ANA = Actor(tenant_id="acme", user_id="ana", roles={Role.VIEWER})
COUNT = 40


async def test_changes_from_another_process_arrive_once_within_two_seconds(
    tmp_path: Path,
) -> None:
    settings = AppSettings(data_dir=tmp_path, render_worker=False)
    async with (
        open_core(settings) as core,
        core.events.subscribe(ANA, records=["campaign"]) as events,
    ):
        writer = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.app.workflow.feed_writer_process",
            str(tmp_path),
            str(COUNT),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert writer.stdin is not None
        assert writer.stdout is not None
        async with asyncio.timeout(60):
            assert (await writer.stdout.readline()).strip() == b"ready"
            writer.stdin.write(b"go\n")
            await writer.stdin.drain()
            arrived: dict[str, float] = {}
            while len(arrived) < COUNT:
                event = await events.get()
                assert event.record_id not in arrived, "delivered twice"
                assert event.record_id is not None
                arrived[event.record_id] = time.time()
            written = [json.loads(line) for line in (await writer.stdout.read()).splitlines()]
            assert await writer.wait() == 0
    assert {w["id"] for w in written} == set(arrived)
    delays = sorted(arrived[w["id"]] - w["at"] for w in written)
    p95 = statistics.quantiles(delays, n=20)[-1]
    assert p95 <= 2.0, f"p95 {p95:.3f} s"
    assert events.empty()
