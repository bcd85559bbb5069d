"""The embedded default starts without the libraries of the adapters it does not use.

pymongo, boto3, aiohttp, httpx and icalendar together took ~270 ms of a desktop start; they
are imported only when the settings choose a team server, a bucket, a cloud provider, Poe, the
webhook relay, or when a calendar is exported. Pillow and imageio-ffmpeg (~40 ms) come with the
first local render or media inspection.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import asyncio, sys
from pathlib import Path
from app.bootstrap import open_core
from app.config import AppSettings
from app.domain import Actor, Role

async def main():
    async with open_core(AppSettings(data_dir=Path(sys.argv[1]))) as core:
        await core.campaigns.list_campaigns(Actor(tenant_id="a", user_id="u", roles={Role.ADMIN}))

asyncio.run(main())
heavy = ("pymongo", "boto3", "aiohttp", "httpx", "icalendar", "PIL", "imageio_ffmpeg")
print(" ".join(name for name in heavy if name in sys.modules))
"""


def test_opening_the_embedded_default_imports_no_unused_adapter_library(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
