"""Another OS process writing to a shared data folder, for the change feed's tests.

Run as ``python -m tests.app.workflow.feed_writer_process DATA_DIR COUNT``: opens the core on
``DATA_DIR``, prints ``ready``, waits for a line on stdin, then creates COUNT campaigns one
after another, a few milliseconds apart like a person clicking, printing for each one JSON line
with its id and the wall-clock time its write returned.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from app.bootstrap import open_core
from app.config import AppSettings
from app.domain import Actor, Role

ANA = Actor(tenant_id="acme", user_id="ana", roles={Role.EDITOR})


async def main(data_dir: str, count: int) -> None:
    settings = AppSettings(data_dir=Path(data_dir), render_worker=False)
    async with open_core(settings) as core:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        for n in range(count):
            campaign = await core.campaigns.create_campaign(ANA, f"From afar {n}")
            print(json.dumps({"id": campaign.id, "at": time.time()}), flush=True)
            await asyncio.sleep(0.02)  # the pace of a person, not a wait for an outcome


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
