"""Where a batched act's time goes: making the act, judging it, encoding and hashing its
entry, the store's append, and the fold's adoption, in microseconds per act.

The ledger benchmark (`bench/run.py`) gives the whole; this splits
`PolityService.perform_all`'s uncontended path into its stages, timed one
batch at a time on the throughput workload (the auditor's inspections, batches
of 100), so that the next work goes where the time is. One process, one
polity, a fresh database: `python bench/act_costs.py [--postgres URL] [--batches N]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as ledger_bench

from charter import load_constitution
from charter.domain.polity import Judgement
from charter.keys import KeyRing
from charter.services.polities import PolityService, _judge, ledger_items
from charter.storage import open_store

STAGES = ("make", "judge", "encode", "append", "adopt")
BATCH = 100


def measure(url: str, batches: int) -> dict[str, float]:
    """Microseconds per act in each stage, after 20 batches of warming up."""
    key_dir = tempfile.mkdtemp(prefix="charter-costs-keys-")
    store = open_store(url)
    try:
        service = PolityService(store, KeyRing(Path(key_dir)))
        service.create("costs", load_constitution(ledger_bench.COOP), ledger_bench.founding())
        service.polity("costs")

        def run(count: int, first: int) -> dict[str, float]:
            """Seconds spent in each stage over `count` batches, from act number `first`."""
            totals = dict.fromkeys(STAGES, 0.0)
            for batch in range(count):
                t0 = time.perf_counter()
                base = first + batch * BATCH
                acts = [ledger_bench.throughput_act(0, base + k) for k in range(BATCH)]
                t1 = time.perf_counter()
                fold = service._folds["costs"]
                polity = fold.polity
                assert polity is not None
                judgements: list[Judgement] = []
                for act in acts:
                    judgements.append(
                        _judge(polity, act, judgements[-1] if judgements else None, False)
                    )
                t2 = time.perf_counter()
                items = ledger_items(judgements)
                t3 = time.perf_counter()
                store.append("costs", fold.size, items)
                t4 = time.perf_counter()
                service.adopt("costs", judgements)
                t5 = time.perf_counter()
                for stage, spent in zip(
                    STAGES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True
                ):
                    totals[stage] += spent
            return totals

        run(20, 0)  # warming up
        totals = run(batches, 10**6)
        return {stage: spent / (batches * BATCH) * 1e6 for stage, spent in totals.items()}
    finally:
        store.close()
        shutil.rmtree(key_dir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=100, help="timed batches (default 100)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CHARTER_BENCH_POSTGRES_URL")
        or os.environ.get("CHARTER_TEST_POSTGRES_URL"),
        help="PostgreSQL URL (loopback only); default $CHARTER_BENCH_POSTGRES_URL or"
        " $CHARTER_TEST_POSTGRES_URL; none: SQLite only",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="charter-costs-"))
    backends: list[tuple[str, Callable[[], AbstractContextManager[str]]]] = [
        ("SQLite", lambda: ledger_bench._sqlite(work, "costs"))
    ]
    if args.postgres:
        ledger_bench.check_loopback(args.postgres)
        backends.append(("PostgreSQL", lambda: ledger_bench.postgres_schema(args.postgres)))
    print("| backend | " + " | ".join(STAGES) + " | total | acts/s |")
    print("|---|" + "---|" * (len(STAGES) + 2))
    try:
        for name, database in backends:
            with database() as url:
                costs = measure(url, args.batches)
            total = sum(costs.values())
            cells = " | ".join(f"{costs[stage]:.1f} µs" for stage in STAGES)
            print(f"| {name} | {cells} | {total:.1f} µs | {1e6 / total:,.0f}/s |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
