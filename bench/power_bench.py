"""The power-index benchmark: Charter against `powerindices` and `powerindex`, in one run.

    .venv/bin/python bench/power_bench.py                 # every case (n = 1000 takes minutes)
    .venv/bin/python bench/power_bench.py --quick         # without n = 1000
    .venv/bin/python bench/power_bench.py --markdown bench/results-power.md

Cases: the US Electoral College (n = 51, quota 270; examples/power), random integer
weights n = 200 (1..1000) and n = 1000 (1..10000) with a simple majority (more than
half the total), and the EU-27 Council: the double majority (55% of states, 65% of
population) that the peers can express (powerindices by its minimal-coalition-size
argument; powerindex cannot), and the full Lisbon rule with the blocking-minority
clause, which only Charter can.

Every measurement runs in a forked child with a timeout (reported as "> timeout"),
best of `--repeat` calls in that child when a call takes under 5 s, for Charter and
peers alike. The peers are imported, and Charter's compiled loops loaded, in the
parent before any child is forked, so that no import is timed; the one-time cost
of loading the compiled loops into a fresh process is measured and printed apart.
Charter is timed from a cold cache (its counts are kept between calls otherwise).
Each peer's values are compared with Charter's exact ones: "wrong" when any index is
off by more than 1e-9.
"""

from __future__ import annotations

import argparse
import importlib
import math
import multiprocessing
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import powerindex  # type: ignore[import-untyped]
import powerindices  # type: ignore[import-untyped]

from charter.domain.power import Game, banzhaf, shapley_shubik, swing_counts, weighted_game
from charter.power_games import load_game

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "power"
TOLERANCE = 1e-9


def _fresh() -> None:
    """Forget the swing counts the engine keeps for the last few games."""
    importlib.import_module("charter.domain.power.indices")._KEPT.clear()


def _child(queue: Any, work: Callable[[], list[float]], repeat: int) -> None:
    best = math.inf
    values: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            values = work()
        except Exception as error:  # a peer failing is a result, not a crash
            queue.put(("error", f"{type(error).__name__}: {error}", 0.0))
            return
        best = min(best, time.perf_counter() - started)
        if best > 5:
            break
    queue.put(("ok", values, best))


def measure(
    work: Callable[[], list[float]], timeout: float, repeat: int = 1
) -> tuple[str, Any, float]:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, work, repeat))
    process.start()
    process.join(timeout)
    if process.is_alive():
        process.kill()
        process.join()
        return ("timeout", None, timeout)
    if queue.empty():
        return ("error", f"exit status {process.exitcode}", 0.0)
    result: tuple[str, Any, float] = queue.get()
    return result


def random_game(n: int, top: int, seed: int) -> tuple[list[int], int]:
    weights = np.random.default_rng(seed).integers(1, top + 1, n).tolist()
    return weights, sum(weights) // 2 + 1


def cases(quick: bool) -> list[dict[str, Any]]:
    college = load_game(EXAMPLES / "electoral-college-2024.yaml").game
    ec_weights = [int(w) for w in college.weights("weight")]
    eu = load_game(EXAMPLES / "eu-council-2025.yaml").game
    population = [int(w * 100) for w in eu.weights("population")]  # hundredths of a percent
    eu_quota = math.ceil(sum(population) * 65 / 100)
    double = Game(eu.players, eu.alternatives[:1])
    found = [
        {
            "name": "Electoral College (n = 51)",
            "game": college,
            "peer": (ec_weights, 270, 1),
        }
    ]
    for n, top, seed in [(200, 1000, 200), *([] if quick else [(1000, 10000, 1000)])]:
        weights, quota = random_game(n, top, seed)
        names = [f"p{i}" for i in range(n)]
        found.append(
            {
                "name": f"random n = {n} (weights 1..{top})",
                "game": weighted_game(names, weights, quota),
                "peer": (weights, quota, 1),
                "shapley": n <= 200,
            }
        )
    found.append(
        {
            "name": "EU-27 double majority (55% states, 65% population)",
            "game": double,
            "peer": (population, eu_quota, 15),
            "powerindex": False,
        }
    )
    found.append(
        {
            "name": "EU-27 Lisbon rule with the blocking-minority clause",
            "game": eu,
            "peer": None,
        }
    )
    return found


def peers(case: dict[str, Any], index: str) -> dict[str, Callable[[], list[float]]]:
    if case["peer"] is None:
        return {}
    weights, quota, min_size = case["peer"]
    found: dict[str, Callable[[], list[float]]] = {}

    def powerindices_work() -> list[float]:
        if index == "banzhaf":  # compute_pbi gives absolute Banzhaf: normalise
            values = [float(v) for v in powerindices.compute_pbi(quota, weights, min_size)]
            total = sum(values)
            return [v / total for v in values]
        return [float(v) for v in powerindices.compute_ssi(quota, weights, min_size)]

    found["powerindices"] = powerindices_work
    if case.get("powerindex", True) and min_size == 1:

        def powerindex_work() -> list[float]:
            game = powerindex.Game(quota, list(weights))
            if index == "banzhaf":
                game.calc_banzhaf()
                return [float(v) for v in game.banzhaf]
            game.calc_shapley_shubik()
            return [float(v) for v in game.shapley_shubik]

        found["powerindex"] = powerindex_work
    return found


def load_compiled() -> float:
    """Seconds to import Charter's compiled loops and run them once, in this process."""
    started = time.perf_counter()
    small = weighted_game(["a", "b", "c"], [1, 2, 3], 4)
    swing_counts(small, True, "compiled")
    swing_counts(small, False, "compiled")
    return time.perf_counter() - started


def _cold_load() -> list[float]:
    return [load_compiled()]


def charter_work(game: Game, index: str) -> Callable[[], list[float]]:
    def work() -> list[float]:
        _fresh()
        values = banzhaf(game) if index == "banzhaf" else shapley_shubik(game)
        return [float(values[name]) for name in game.players]

    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip n = 1000")
    parser.add_argument("--timeout", type=float, default=120.0, help="per peer measurement (s)")
    parser.add_argument(
        "--charter-timeout", type=float, default=1200.0, help="per Charter measurement (s)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="best of N calls under 5 s")
    parser.add_argument("--markdown", type=Path, default=None, help="write the table here")
    parser.add_argument(
        "--cases", default="", help="only the cases whose name contains this text (e.g. 1000)"
    )
    parser.add_argument(
        "--indices", default="banzhaf,shapley-shubik", help="comma-separated indices to time"
    )
    args = parser.parse_args()

    versions = {name: metadata.version(name) for name in ("powerindices", "powerindex", "numpy")}
    header = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; Python {platform.python_version()}; "
        + "; ".join(f"{k} {v}" for k, v in versions.items())
        + f"; {platform.machine()}, {multiprocessing.cpu_count()} cores"
    )
    print(header, flush=True)
    _status, cold, _seconds = measure(_cold_load, args.charter_timeout)
    load_note = (
        f"Loading Charter's compiled loops into a fresh process (once per process, "
        f"not in the times below): {cold[0]:.2f} s."
    )
    print(load_note, flush=True)
    load_compiled()  # in the parent: every forked child has them
    rows = []
    wanted = args.indices.split(",")
    for case in cases(args.quick):
        if args.cases not in case["name"]:
            continue
        for index in ("banzhaf", "shapley-shubik"):
            if index not in wanted:
                continue
            if index == "shapley-shubik" and not case.get("shapley", True):
                continue
            work = charter_work(case["game"], index)
            best = None
            status, values, seconds = measure(work, args.charter_timeout, args.repeat)
            if status == "ok":
                best = seconds
            charter_cell = (
                f"{best:.4f} s" if status == "ok" and best is not None else f"{status}: {values}"
            )
            exact = values if status == "ok" else None
            peer_cells = {}
            fastest_correct = None
            for name, peer in peers(case, index).items():
                p_status, p_values, p_seconds = measure(peer, args.timeout, args.repeat)
                if p_status == "ok" and exact is not None:
                    error = max(abs(a - b) for a, b in zip(p_values, exact, strict=True))
                    verdict = "correct" if error <= TOLERANCE else f"WRONG (off by {error:.3g})"
                    if error <= TOLERANCE:
                        fastest_correct = min(fastest_correct or p_seconds, p_seconds)
                    peer_cells[name] = f"{p_seconds:.4f} s, {verdict}"
                elif p_status == "timeout":
                    peer_cells[name] = f"> {args.timeout:.0f} s (timeout)"
                else:
                    peer_cells[name] = f"{p_status}: {p_values}"[:80]
            speedup = f"{fastest_correct / best:.0f}×" if fastest_correct and best else "n/a"
            row = {
                "case": case["name"],
                "index": index,
                "charter": charter_cell,
                "powerindices": peer_cells.get("powerindices", "cannot express"),
                "powerindex": peer_cells.get("powerindex", "cannot express"),
                "speedup": speedup,
            }
            rows.append(row)
            print(" | ".join(row.values()), flush=True)
    table = [
        "| case | index | Charter (exact) | powerindices | powerindex | vs fastest correct peer |",
        "|---|---|---|---|---|---|",
        *(
            f"| {r['case']} | {r['index']} | {r['charter']} | {r['powerindices']} | "
            f"{r['powerindex']} | {r['speedup']} |"
            for r in rows
        ),
    ]
    text = "\n".join([f"Measured {header}.", "", load_note, "", *table, ""])
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.setrecursionlimit(10000)
    main()
