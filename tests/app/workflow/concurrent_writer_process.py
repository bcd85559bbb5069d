"""One of several OS processes changing one record of a shared data folder at once.

Run as ``python -m tests.app.workflow.concurrent_writer_process DATA_DIR ACTION RECORD_ID
NAME...``: opens the core on ``DATA_DIR``, prints ``ready``, waits for a line on stdin (so
that every process starts together), then for each NAME at once either votes to approve the
campaign's strategy as approver NAME (``vote``, RECORD_ID a campaign) or adds the tag NAME
(``tag``, RECORD_ID an asset), and prints one JSON line: each NAME with ``counted`` or the
name of the error it got.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from app.bootstrap import Core, open_core
from app.config import AppSettings
from app.domain import Actor, ApprovalScope, Role


async def _act(core: Core, action: str, record_id: str, name: str) -> str:
    try:
        if action == "vote":
            voter = Actor(tenant_id="acme", user_id=name, roles={Role.APPROVER})
            await core.approvals.approve(voter, record_id, ApprovalScope.STRATEGY)
        else:
            editor = Actor(tenant_id="acme", user_id="ana", roles={Role.EDITOR})
            await core.storage.tag(editor, record_id, add=[name])
    except Exception as exc:  # reported to the test, which decides what is allowed
        return type(exc).__name__
    return "counted"


async def main(data_dir: str, action: str, record_id: str, names: list[str]) -> None:
    settings = AppSettings(data_dir=Path(data_dir), render_worker=False)
    async with open_core(settings) as core:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        outcomes = await asyncio.gather(*(_act(core, action, record_id, n) for n in names))
    print(json.dumps(dict(zip(names, outcomes, strict=True))), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]))
