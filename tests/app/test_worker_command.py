"""`campaign-studio worker`: runs the worker and the relay headless until told to stop."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import httpx


async def test_the_worker_serves_webhooks_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "CAMPAIGN_STUDIO_WEBHOOK_PORT": "0"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "--data-dir",
        str(tmp_path),
        "worker",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    lines: list[str] = []
    async with asyncio.timeout(60):
        while not any("webhook relay listening" in line for line in lines):
            line = (await process.stdout.readline()).decode()
            assert line, "the worker exited early"
            lines.append(line)
    text = "".join(lines)
    assert "render worker running: providers local-image, local-video; concurrency 4" in text
    url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", text)
    assert url is not None
    async with httpx.AsyncClient() as client:
        unknown = await client.post(f"{url.group(1)}/webhooks/replicate", content=b"{}")
        health = await client.get(f"{url.group(1)}/health")
    assert unknown.status_code == 404  # no Replicate key configured: no such provider
    assert health.json() == {"ok": True}
    process.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert "stopping: letting running renders go to another worker" in out.decode()
