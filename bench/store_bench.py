"""Benchmark of the embedded store: bulk insert and five representative asset searches.

Run: .venv/bin/python bench/store_bench.py [--assets 100000] [--tenants 10] [--rounds 200]

Inserts the assets (spread over the tenants, with tags, types, archived ones) into a fresh SQLite
file in a temporary folder, then times each search ``--rounds`` times on random tenants and
prints p50/p95/max per search and the insert rate. Targets: p95 <= 20 ms, insert >= 5,000/s.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.adapters.sqlite import SqliteStore
from app.domain import Asset, AssetQuery, AssetType

TAGS = [f"tag{n:02d}" for n in range(40)] + ["spring", "hero", "summer", "brand", "sale"]
WORDS = ["hero", "banner", "teaser", "story", "reel", "logo", "promo", "launch", "poster"]
TYPES = [AssetType.IMAGE] * 6 + [AssetType.VIDEO] * 2 + [AssetType.TEXT, AssetType.OTHER]


def make_assets(count: int, tenants: int, rng: random.Random) -> list[Asset]:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    assets = []
    for n in range(count):
        tenant = f"tenant{n % tenants}"
        name = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{n:06d}.png"
        assets.append(
            Asset(
                tenant_id=tenant,
                type=rng.choice(TYPES),
                filename=name,
                size=rng.randrange(10_000, 5_000_000),
                sha256=hashlib.sha256(f"{tenant}/{n}".encode()).hexdigest(),
                storage_key=f"blobs/{n:06d}",
                tags=tuple(rng.sample(TAGS, rng.randint(1, 4))),
                archived=rng.random() < 0.1,
                uploaded_at=start + timedelta(seconds=n * 7),
                uploaded_by="bench",
            )
        )
    return assets


SEARCHES = {
    "type filter (video)": AssetQuery(types=frozenset({AssetType.VIDEO})),
    "two tags (spring+hero)": AssetQuery(tags=frozenset({"spring", "hero"})),
    "filename substring": AssetQuery(filename="TEASER-PROMO"),
    "archived included": AssetQuery(include_archived=True),
    "deep page (offset 9000)": AssetQuery(offset=9000, limit=50),
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def run(count: int, tenants: int, rounds: int) -> None:
    rng = random.Random(7)
    assets = make_assets(count, tenants, rng)
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteStore(Path(folder) / "bench.sqlite3")
        await store.open()
        started = time.perf_counter()
        for offset in range(0, len(assets), 1000):
            await store.assets.add_many(assets[offset : offset + 1000])
        elapsed = time.perf_counter() - started
        print(
            f"machine: {platform.machine()}, {platform.python_implementation()} "
            f"{platform.python_version()}, SQLite store"
        )
        print(f"bulk insert: {count:,} assets in {elapsed:.1f} s = {count / elapsed:,.0f}/s")
        print(f"{'search':<26}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'matches':>9}")
        for name, query in SEARCHES.items():
            timings, totals = [], []
            for _ in range(rounds):
                tenant = f"tenant{rng.randrange(tenants)}"
                began = time.perf_counter()
                page = await store.assets.search(tenant, query)
                timings.append((time.perf_counter() - began) * 1000)
                totals.append(page.total)
            print(
                f"{name:<26}{statistics.median(timings):8.2f}{percentile(timings, 0.95):8.2f}"
                f"{max(timings):8.2f}{round(statistics.mean(totals)):9d}"
            )
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.assets, args.tenants, args.rounds))


if __name__ == "__main__":
    main()
