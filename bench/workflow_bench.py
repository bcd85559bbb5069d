"""Benchmark of the workflow core on the embedded store: update_strategy (with its full cascade)
and evaluate, on a campaign with 200 creatives and 500 posts.

Run: .venv/bin/python bench/workflow_bench.py [--rounds 50]

Each timed update_strategy saves version n+1, invalidates version n, re-requests the four
approvals (timeline events, votes cleared), marks the 200 creatives of version n stale and
refreshes the campaign status; before each round 200 fresh creatives of the current version are
inserted (not timed) so that every cascade has 200 creatives to mark. Target: p95 <= 50 ms each.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from app.bootstrap import Core, open_core
from app.config import AppSettings
from app.domain import Actor, ApprovalScope, Creative, Post, Role, StrategyDraft
from app.runtime import tune_garbage_collector

ANA = Actor(tenant_id="bench", user_id="ana", roles={Role.EDITOR})
BEA = Actor(tenant_id="bench", user_id="bea", roles={Role.APPROVER})
START = date(2027, 1, 4)
END = START + timedelta(days=90)


def draft(n: int) -> StrategyDraft:
    return StrategyDraft(
        objective=f"Objective {n}",
        target_audience="Commuters",
        key_messages=("Skip the traffic",),
        channels=("instagram", "linkedin"),
        tone="Upbeat",
        budget={"amount": 5000, "currency": "EUR"},
        kpis=("sign-ups",),
        call_to_action="Start your trial",
    )


async def add_creatives(core: Core, campaign_id: str, count: int) -> list[Creative]:
    strategy = await core.strategies.get_active(ANA, campaign_id)
    now = datetime.now(UTC)
    creatives = [
        Creative(
            tenant_id=ANA.tenant_id,
            campaign_id=campaign_id,
            kind="text",
            title=f"Post {n}",
            body="Skip the traffic.",
            channel=("instagram", "linkedin")[n % 2],
            strategy_id=strategy.id,
            strategy_version=strategy.version,
            asset_ids=(f"asset{n}",),
            created_by="ana",
            created_at=now,
            updated_at=now,
        )
        for n in range(count)
    ]
    await core.store.creatives.add_many(creatives)
    return creatives


async def campaign(core: Core, name: str, posts: int) -> str:
    created = await core.campaigns.create_campaign(
        ANA, name, channels=("instagram", "linkedin"), start=START, end=END
    )
    await core.strategies.create_strategy(ANA, created.id, draft(1))
    creatives = await add_creatives(core, created.id, 200)
    base = datetime.combine(START, datetime.min.time(), tzinfo=UTC)
    await core.store.posts.add_many(
        [
            Post(
                tenant_id=ANA.tenant_id,
                campaign_id=created.id,
                creative_id=creatives[n % 200].id,
                channel=creatives[n % 200].channel or "instagram",
                at=base + timedelta(hours=4 * n),
                created_by="ana",
            )
            for n in range(posts)
        ]
    )
    for scope in ApprovalScope:
        await core.approvals.approve(BEA, created.id, scope)
    return created.id


def report(name: str, timings: list[float]) -> None:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(f"{name:<34}{statistics.median(timings):8.2f}{p95:8.2f}{max(timings):8.2f}")


async def run(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with open_core(AppSettings(data_dir=Path(folder))) as core:
            tune_garbage_collector()  # as the app's entry points do
            evaluated = await campaign(core, "Evaluate me", 500)
            updated = await campaign(core, "Update me", 500)
            evaluate_ms, update_ms = [], []
            for _ in range(rounds):
                began = time.perf_counter()
                result = await core.prompting.evaluate(ANA, evaluated)
                evaluate_ms.append((time.perf_counter() - began) * 1000)
            for n in range(rounds):
                if n:
                    await add_creatives(core, updated, 200)
                began = time.perf_counter()
                await core.strategies.update_strategy(ANA, updated, draft(n + 2))
                update_ms.append((time.perf_counter() - began) * 1000)
            stale = await core.creatives.list_creatives(ANA, updated, stale_only=True)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, embedded SQLite")
    print(
        f"campaign: 200 creatives, 500 posts; score {result.score}, "
        f"{len(result.recommendations)} recommendations; {len(stale)} creatives made stale "
        f"in {rounds} updates"
    )
    print(f"{'operation (ms)':<34}{'p50':>8}{'p95':>8}{'max':>8}")
    report("evaluate", evaluate_ms)
    report("update_strategy (full cascade)", update_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    asyncio.run(run(parser.parse_args().rounds))


if __name__ == "__main__":
    main()
