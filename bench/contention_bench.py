"""Benchmark of many people changing one record at once: votes on one approval and tags on one
asset, through the services, on the embedded store (and a MongoDB server with --mongodb-uri).

Run: .venv/bin/python bench/contention_bench.py [--rounds 5] [--mongodb-uri URI]

Scenarios, each started on a fresh campaign or asset, every call at once (asyncio.gather):
- 50 approvers vote on an approval with quorum 50 (all 50 are counted, one approval);
- 200 approvers vote on an approval with quorum 50 (50 counted, 150 refused as already decided);
- 50 tag calls with distinct tags on one asset (all 50 kept).

Prints, per scenario and store: calls per second (calls / wall time of the whole burst) and the
latency of a call (p50, p95, max over all rounds). Every call must end counted or, for the 200
voters, refused with InvalidTransition: anything else (Conflict above all) aborts the run.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path

from PIL import Image

from app.bootstrap import Core, open_core
from app.config import AppSettings
from app.domain import Actor, ApprovalScope, Member, Role, StrategyDraft
from app.domain.errors import InvalidTransition
from app.runtime import tune_garbage_collector

TENANT = "bench"
ANA = Actor(tenant_id=TENANT, user_id="ana", roles={Role.ADMIN})
VOTERS = [Actor(tenant_id=TENANT, user_id=f"voter{n}", roles={Role.APPROVER}) for n in range(200)]
DRAFT = StrategyDraft(
    objective="Grow sign-ups",
    target_audience="Commuters",
    key_messages=("Skip the traffic",),
    channels=("instagram",),
    tone="Upbeat",
    budget={"amount": 5000, "currency": "EUR"},
    kpis=("sign-ups",),
    call_to_action="Start your trial",
)


async def timed(call: Awaitable[object]) -> tuple[float, str]:
    """How long ``call`` took and how it ended (``counted`` or the error's name)."""
    start = time.perf_counter()
    try:
        await call
        outcome = "counted"
    except InvalidTransition:
        outcome = "refused"
    return time.perf_counter() - start, outcome


async def burst(calls: list[Awaitable[object]]) -> tuple[float, list[float], Counter[str]]:
    start = time.perf_counter()
    results = await asyncio.gather(*(timed(call) for call in calls))
    wall = time.perf_counter() - start
    return wall, [seconds for seconds, _ in results], Counter(outcome for _, outcome in results)


async def votes(core: Core, voters: int, round_number: int) -> list[Awaitable[object]]:
    campaign = await core.campaigns.create_campaign(
        ANA,
        f"Votes {voters} #{round_number}",
        channels=("instagram",),
        start=date(2027, 1, 4),
        end=date(2027, 2, 4),
    )
    await core.strategies.create_strategy(ANA, campaign.id, DRAFT)
    await core.approvals.set_quorum(ANA, campaign.id, ApprovalScope.STRATEGY, 50)
    return [
        core.approvals.approve(voter, campaign.id, ApprovalScope.STRATEGY)
        for voter in VOTERS[:voters]
    ]


async def tags(core: Core, folder: Path, round_number: int) -> list[Awaitable[object]]:
    picture = folder / f"tagged-{round_number}.png"
    Image.new("RGB", (64, 64), (round_number, 80, 120)).save(picture)
    asset = await core.storage.upload(ANA, picture)
    return [core.storage.tag(ANA, asset.id, add=[f"tag{n}"]) for n in range(50)]


async def run(settings: AppSettings, rounds: int, folder: Path) -> None:
    async with open_core(settings) as core:
        tune_garbage_collector()  # as the app's entry points do
        now = datetime.now(UTC)
        await core.store.members.add(Member(tenant_id=TENANT, user_id="ana", roles={Role.ADMIN}))
        await core.store.members.add_many(
            [
                Member(tenant_id=TENANT, user_id=v.user_id, roles={Role.APPROVER}, created_at=now)
                for v in VOTERS
            ]
        )
        scenarios: dict[str, tuple[Callable[[int], Awaitable[list[Awaitable[object]]]], dict]] = {
            "50 voters, quorum 50": (lambda n: votes(core, 50, n), {"counted": 50}),
            "200 voters, quorum 50": (
                lambda n: votes(core, 200, n),
                {"counted": 50, "refused": 150},
            ),
            "50 tag calls, one asset": (lambda n: tags(core, folder, n), {"counted": 50}),
        }
        for name, (prepare, expected) in scenarios.items():
            walls, latencies, calls = [], [], 0
            for round_number in range(rounds):
                pending = await prepare(round_number)
                wall, seconds, outcomes = await burst(pending)
                if outcomes != Counter(expected):
                    raise SystemExit(f"{name}: expected {expected}, got {dict(outcomes)}")
                walls.append(wall)
                latencies.extend(seconds)
                calls += len(seconds)
            cuts = statistics.quantiles(latencies, n=100)
            print(
                f"{name:26} {calls / sum(walls):8.0f} calls/s   latency ms: "
                f"p50 {cuts[49] * 1000:7.1f}  p95 {cuts[94] * 1000:7.1f}  "
                f"max {max(latencies) * 1000:7.1f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mongodb-uri", help="also measure on this MongoDB server")
    args = parser.parse_args()
    print(f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        stores = {"sqlite": AppSettings(data_dir=folder / "sqlite", render_worker=False)}
        if args.mongodb_uri:
            stores["mongodb"] = AppSettings(
                data_dir=folder / "mongo",
                render_worker=False,
                mongodb_uri=args.mongodb_uri,
                mongodb_database=f"cs_bench_{int(time.time())}",
            )
        for kind, settings in stores.items():
            print(f"== {kind}")
            asyncio.run(run(settings, args.rounds, folder))


if __name__ == "__main__":
    main()
