"""The tally-engine benchmark: Charter against pref_voting, votekit, pyrankvote and svvamp, in one run.

    .venv/bin/python bench/tally_bench.py                 # 10k, 100k and 1M ballots
    .venv/bin/python bench/tally_bench.py --quick         # 10k only, to check that everything works
    .venv/bin/python bench/tally_bench.py --sizes 100000 --cultures ic --markdown out.md

What is measured, per profile (10 candidates; impartial culture and Mallows, phi = 0.5):

* the profile is generated from a seed, reduced to distinct rankings with counts, and
  written once as a PrefLib .soc file (and a BLT file) under bench/.cache/;
* Charter: reading the file (`charter.formats.ballots.read_ballots`), then each method
  counted by `run_tally` on a fresh copy of the profile as read: its rank matrix and, for
  strict files, the orders the reader parsed with it (part of the read), but no pairwise
  matrix or anything else an earlier count cached; end to end = read + count. The orders
  and an IRV count from the rank matrix alone are reported beside each table;
* each peer builds its own profile from the same distinct rankings and counts, in its
  natural input, then counts; end to end = build + count:
  pref_voting `Profile(rankings, rcounts)` (with counts), votekit `RankProfile` of
  weighted `RankBallot`s (with counts), pyrankvote `Ballot`s (no counts: expanded to
  one ballot per voter), svvamp `Profile(preferences_rk=...)` (no counts: expanded);
* a bare NumPy pairwise matrix over the same distinct-ballot rank matrix and counts
  (the reference for Schulze).

Every peer measurement runs in a forked child with a per-measurement timeout (reported
as "> timeout"). Charter, svvamp and the bare matrix are timed as the best of --repeat
runs (each on a fresh profile); pref_voting, votekit and pyrankvote once. Ratios are
peer / Charter: above 1 means Charter is faster.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from charter.domain.tally import Profile, run_tally
from charter.domain.tally.profile import attach_orders
from charter.formats.ballots import read_ballots

CACHE = Path(__file__).resolve().parent / ".cache"
GENERATOR = "v1"  # bump when the generator changes, so stale cache files are not reused
M = 10
SEATS = 3
PHI = 0.5
NAMES = tuple(f"c{i + 1:02d}" for i in range(M))

# Charter method -> (label, seats); the peer method each is compared with, per peer.
METHODS: dict[str, int] = {
    "irv": 1,
    "stv-meek": SEATS,
    "stv-scottish": SEATS,
    "schulze": 1,
    "ranked-pairs": 1,
    "borda": 1,
    "plurality": 1,
}
PEER_FOR: dict[str, dict[str, str]] = {
    "pref_voting": {
        "irv": "instant_runoff",
        "stv-meek": "stv_meek",
        "stv-scottish": "stv_scottish",
        "schulze": "beat_path",
        "ranked-pairs": "ranked_pairs",
        "borda": "borda",
        "plurality": "plurality",
    },
    "votekit": {
        "irv": "IRV",
        "stv-meek": "FastSTV",
        "stv-scottish": "FastSTV",
        "schulze": "Schulze",
        "ranked-pairs": "RankedPairs",
        "borda": "Borda",
        "plurality": "Plurality",
    },
    "pyrankvote": {
        "irv": "instant_runoff_voting",
        "stv-meek": "single_transferable_vote",
        "stv-scottish": "single_transferable_vote",
    },
    "svvamp": {
        "irv": "RuleIRV",
        "schulze": "RuleSchulze",
        "ranked-pairs": "RuleRankedPairs",
        "borda": "RuleBorda",
        "plurality": "RulePlurality",
    },
}
PEERS = tuple(PEER_FOR)
E2E_PEERS = ("pref_voting", "votekit", "pyrankvote")  # the 10x end-to-end target


# -- profiles -------------------------------------------------------------------------------------


def impartial(rng: np.random.Generator, n: int) -> np.ndarray:
    """n uniformly random full rankings of M candidates (candidate indices, best first)."""
    return rng.permuted(np.tile(np.arange(M, dtype=np.int8), (n, 1)), axis=1)


def mallows(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """n Mallows rankings around a seeded reference order, by repeated insertion.

    The i-th candidate of the reference goes into position j of the i already
    placed with probability proportional to phi^(i - j): at the end (its
    reference place) most likely, each step earlier phi times less likely.
    """
    reference = rng.permutation(M).astype(np.int8)
    current = np.zeros((n, M), dtype=np.int8)  # positions into `reference`
    rows = np.arange(n)
    for i in range(1, M):
        weights = phi ** (i - np.arange(i + 1))
        at = rng.choice(i + 1, size=n, p=weights / weights.sum())
        for position in range(i, 0, -1):
            shift = position > at
            current[shift, position] = current[shift, position - 1]
        current[rows, at] = i
    return reference[current]


def distinct(orders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rankings (sorted, most frequent first) and how many voters cast each."""
    powers = (M ** np.arange(M - 1, -1, -1)).astype(np.int64)
    keys = orders.astype(np.int64) @ powers
    unique, counts = np.unique(keys, return_counts=True)
    rows = (unique[:, None] // powers[None, :]) % M
    order = np.argsort(-counts, kind="stable")
    return rows[order].astype(np.int64), counts[order].astype(np.int64)


@dataclass
class Dataset:
    culture: str
    size: int
    orders: np.ndarray  # distinct rankings, candidate indices best first
    counts: np.ndarray  # voters per distinct ranking
    soc: Path
    blt: Path

    @property
    def label(self) -> str:
        return f"{'impartial culture' if self.culture == 'ic' else f'Mallows phi={PHI}'}, {self.size:,} ballots"


def write_soc(path: Path, orders: np.ndarray, counts: np.ndarray) -> None:
    lines = [
        "# TITLE: Charter tally benchmark",
        "# DATA TYPE: soc",
        f"# NUMBER ALTERNATIVES: {M}",
        f"# NUMBER VOTERS: {int(counts.sum())}",
        f"# NUMBER UNIQUE ORDERS: {len(counts)}",
    ]
    lines += [f"# ALTERNATIVE NAME {i + 1}: {name}" for i, name in enumerate(NAMES)]
    text = (orders + 1).astype(str)
    body = [f"{c}: {','.join(row)}" for c, row in zip(counts.tolist(), text.tolist(), strict=True)]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines + body) + "\n", encoding="utf-8")
    tmp.replace(path)


def write_blt(path: Path, orders: np.ndarray, counts: np.ndarray) -> None:
    text = (orders + 1).astype(str)
    body = [f"{c} {' '.join(row)} 0" for c, row in zip(counts.tolist(), text.tolist(), strict=True)]
    trailer = [f'"{name}"' for name in NAMES] + ['"Charter tally benchmark"']
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join([f"{M} {SEATS}", *body, "0", *trailer]) + "\n", encoding="utf-8")
    tmp.replace(path)


def dataset(culture: str, size: int, seed: int) -> Dataset:
    """Generate (deterministically from seed, culture, size) and cache the ballot files."""
    stem = f"tally-{GENERATOR}-{culture}-{size}-seed{seed}"
    soc, blt, npz = (CACHE / f"{stem}{suffix}" for suffix in (".soc", ".blt", ".npz"))
    if npz.exists() and soc.exists() and blt.exists():
        saved = np.load(npz)
        return Dataset(culture, size, saved["orders"], saved["counts"], soc, blt)
    CACHE.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, size, 0 if culture == "ic" else 1])
    raw = impartial(rng, size) if culture == "ic" else mallows(rng, size, PHI)
    orders, counts = distinct(raw)
    write_soc(soc, orders, counts)
    write_blt(blt, orders, counts)
    np.savez(npz, orders=orders, counts=counts)
    return Dataset(culture, size, orders, counts, soc, blt)


# -- timing ---------------------------------------------------------------------------------------


def best_of(repeat: int, function: Callable[[], Any]) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def fresh(profile: Profile) -> Profile:
    """The profile as the reader returned it, without anything a count cached on it.

    Kept: the rank matrix and, when the reader parsed strict orders, those orders and
    their contiguous first-choice column (the reader's work, timed in the read). Dropped:
    the pairwise matrix and anything else an earlier count derived, so each count starts
    cold.
    """
    copy = Profile(profile.candidates, profile.ranks, profile.counts, profile.withdrawn)
    if profile.__dict__.get("_from_one"):
        attach_orders(copy, profile.orders, profile.__dict__.get("first_choices"))
    return copy


def cold(profile: Profile) -> Profile:
    """The rank matrix alone: every count derives the orders itself."""
    return Profile(profile.candidates, profile.ranks, profile.counts, profile.withdrawn)


def bare_pairwise(ranks: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """P[a, b] = voters ranking a above b: one comparison and one matrix-vector product per row."""
    matrix = np.empty((M, M))
    for a in range(M):
        matrix[a] = counts @ (ranks[:, a : a + 1] < ranks)
    return matrix


def winners_of(result: Any) -> tuple[str, ...]:
    return tuple(sorted(result.winners))


# -- peers (each runs in a forked child) ----------------------------------------------------------


def build_peer(peer: str, orders: np.ndarray, counts: np.ndarray) -> Any:
    if peer == "pref_voting":
        from pref_voting.profiles import Profile as PVProfile

        return PVProfile(orders, rcounts=counts)
    if peer == "votekit":
        from votekit import RankBallot, RankProfile

        sets = [frozenset({name}) for name in NAMES]
        ballots = [
            RankBallot(ranking=tuple(sets[c] for c in row), weight=int(w))
            for row, w in zip(orders.tolist(), counts.tolist(), strict=True)
        ]
        return RankProfile(ballots=ballots, candidates=list(NAMES))
    if peer == "pyrankvote":
        from pyrankvote import Ballot, Candidate

        candidates = [Candidate(name) for name in NAMES]
        ballots = [
            Ballot(ranked_candidates=[candidates[c] for c in row])
            for row, w in zip(orders.tolist(), counts.tolist(), strict=True)
            for _ in range(w)
        ]
        return candidates, ballots
    if peer == "svvamp":
        import svvamp

        return svvamp.Profile(
            preferences_rk=np.repeat(orders, counts, axis=0), labels_candidates=list(NAMES)
        )
    raise ValueError(peer)


def count_peer(peer: str, method: str, built: Any, seats: int) -> tuple[str, ...]:
    """Count by the peer's method; the winners as sorted names."""
    if peer == "pref_voting":
        import pref_voting.proportional_methods as pm
        import pref_voting.voting_methods as vm

        if method.startswith("stv"):
            found = getattr(pm, method)(built, num_seats=seats)
        else:
            found = getattr(vm, method)(built)
        return tuple(sorted(NAMES[c] for c in found))
    if peer == "votekit":
        import votekit.elections as ve

        kwargs = {"n_seats": seats} if method == "FastSTV" else {}
        election = getattr(ve, method)(built, **kwargs)
        return tuple(sorted(name for group in election.get_elected() for name in group))
    if peer == "pyrankvote":
        import pyrankvote

        candidates, ballots = built
        if method == "single_transferable_vote":
            result = pyrankvote.single_transferable_vote(candidates, ballots, number_of_seats=seats)
        else:
            result = pyrankvote.instant_runoff_voting(candidates, ballots)
        return tuple(sorted(c.name for c in result.get_winners()))
    if peer == "svvamp":
        import svvamp

        return (NAMES[int(getattr(svvamp, method)()(built).w_)],)
    raise ValueError(peer)


class SoftTimeoutError(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise SoftTimeoutError


# Set by the parent just before forking (fork shares it; nothing large is pickled).
_CHILD_DATA: dict[str, Any] = {}


def _peer_child(peer: str, todo: list[str], timeout: float, repeat: int, conn: Any) -> None:
    """Build once (reported as 'build'), then count each of `todo`, reporting after each."""
    signal.signal(signal.SIGALRM, _alarm)
    orders, counts = _CHILD_DATA["orders"], _CHILD_DATA["counts"]
    # svvamp caches the duel matrix on its profile: a fresh one for every count and repeat.
    rebuild = peer == "svvamp"
    reps = repeat if peer == "svvamp" else 1
    try:
        signal.setitimer(signal.ITIMER_REAL, timeout)
        start = time.perf_counter()
        built = build_peer(peer, orders, counts)
        seconds = time.perf_counter() - start
        signal.setitimer(signal.ITIMER_REAL, 0)
        conn.send(("build", "ok", seconds, None))
    except SoftTimeoutError:
        conn.send(("build", "timeout", timeout, None))
        return
    except Exception as error:  # a peer failing is a finding, reported as such
        signal.setitimer(signal.ITIMER_REAL, 0)
        conn.send(("build", f"error: {type(error).__name__}: {error}"[:120], None, None))
        return
    for method in todo:
        seats = SEATS if "stv" in method.lower() or method == "single_transferable_vote" else 1
        try:
            best, winners = float("inf"), None
            for _ in range(reps):
                target = build_peer(peer, orders, counts) if rebuild else built
                gc.collect()
                signal.setitimer(signal.ITIMER_REAL, timeout)
                start = time.perf_counter()
                winners = count_peer(peer, method, target, seats)
                best = min(best, time.perf_counter() - start)
                signal.setitimer(signal.ITIMER_REAL, 0)
            conn.send((method, "ok", best, winners))
        except SoftTimeoutError:
            conn.send((method, "timeout", timeout, None))
        except Exception as error:
            signal.setitimer(signal.ITIMER_REAL, 0)
            conn.send((method, f"error: {type(error).__name__}: {error}"[:120], None, None))


@dataclass
class Timing:
    status: str  # ok | timeout | error: ... | n/a
    seconds: float | None = None
    winners: tuple[str, ...] | None = None


# (peer, culture, method) that timed out at a smaller size: not run again at a larger one.
TIMED_OUT: set[tuple[str, str, str]] = set()


def run_peer(peer: str, data: Dataset, timeout: float, repeat: int) -> dict[str, Timing]:
    """Every measurement of one peer on one dataset; a hung measurement is killed and skipped.

    A count that timed out on a smaller profile of the same culture is not run
    again: it is reported as a timeout (status "timeout (smaller size)").
    """
    methods = sorted(set(PEER_FOR[peer].values()))
    if not methods:
        return {"build": Timing("n/a")}
    results: dict[str, Timing] = {}
    for method in methods:
        if (peer, data.culture, method) in TIMED_OUT:
            results[method] = Timing("timeout", timeout)
    todo = [m for m in methods if m not in results]
    context = multiprocessing.get_context("fork")
    _CHILD_DATA.update(orders=data.orders, counts=data.counts)
    hard = timeout * max(repeat, 1) + 60  # the child's own alarm should fire long before
    while todo or "build" not in results:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_peer_child, args=(peer, todo, timeout, repeat, sender))
        process.start()
        sender.close()
        expecting = "build"
        while True:
            if not receiver.poll(hard):
                process.kill()
                results.setdefault(expecting, Timing("timeout", timeout))
                if expecting in todo:
                    todo.remove(expecting)
                if expecting == "build" and "build" not in results:
                    todo.clear()
                break
            try:
                key, status, seconds, winners = receiver.recv()
            except EOFError:  # the child died (out of memory, a crash): charge the measurement
                results.setdefault(expecting, Timing("error: child died"))
                if expecting in todo:
                    todo.remove(expecting)
                if expecting == "build":
                    for method in todo:
                        results[method] = Timing("no profile")
                    todo.clear()
                break
            if key == "build":
                results.setdefault("build", Timing(status, seconds))
                if status != "ok":
                    for method in todo:
                        results[method] = Timing("no profile")
                    todo.clear()
                    break
            else:
                results[key] = Timing(status, seconds, winners)
                todo.remove(key)
            if not todo:
                break
            expecting = todo[0]
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
        receiver.close()
    for method, timing in results.items():
        if timing.status == "timeout" and method != "build":
            TIMED_OUT.add((peer, data.culture, method))
    return results


# -- one dataset ----------------------------------------------------------------------------------


@dataclass
class Row:
    method: str
    charter: Timing
    peers: dict[str, Timing] = field(default_factory=dict)


@dataclass
class Measured:
    data: Dataset
    distinct: int
    read_soc: float
    read_blt: float
    builds: dict[str, Timing]
    rows: list[Row]
    bare: float
    pairwise_charter: float
    orders_cold: float  # Profile.orders derived from the rank matrix alone
    irv_cold: float  # IRV counted from the rank matrix alone


def measure(data: Dataset, peers: list[str], timeout: float, repeat: int) -> Measured:
    read_soc, loaded = best_of(repeat, lambda: read_ballots(data.soc))
    read_blt, loaded_blt = best_of(repeat, lambda: read_ballots(data.blt))
    profile = loaded.profile
    assert profile.total == data.counts.sum() == loaded_blt.profile.total
    rows = []
    for method, seats in METHODS.items():
        seconds, result = best_of(repeat, lambda m=method, k=seats: run_tally(m, fresh(profile), k))
        rows.append(Row(method, Timing("ok", seconds, winners_of(result))))
        print(f"    charter {method:13s} {seconds:8.3f} s  {winners_of(result)}", flush=True)
    bare, _ = best_of(repeat, lambda: bare_pairwise(profile.ranks, profile.counts))
    pairwise_charter, _ = best_of(repeat, lambda: fresh(profile).pairwise)
    orders_cold, _ = best_of(repeat, lambda: cold(profile).orders)
    irv_cold, _ = best_of(repeat, lambda: run_tally("irv", cold(profile)))
    builds: dict[str, Timing] = {}
    for peer in peers:
        started = time.perf_counter()
        results = run_peer(peer, data, timeout, repeat)
        builds[peer] = results["build"]
        for row in rows:
            name = PEER_FOR[peer].get(row.method)
            row.peers[peer] = results.get(name, Timing("n/a")) if name else Timing("n/a")
        shown = {
            k: (v.status if v.status != "ok" else round(v.seconds or 0, 3))
            for k, v in results.items()
        }
        print(f"    {peer:11s} ({time.perf_counter() - started:.0f} s) {shown}", flush=True)
    return Measured(
        data,
        len(data.counts),
        read_soc,
        read_blt,
        builds,
        rows,
        bare,
        pairwise_charter,
        orders_cold,
        irv_cold,
    )


# -- report ---------------------------------------------------------------------------------------


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:.1f}"


def ratio(peer: float | None, ours: float | None, *, timed_out: bool = False) -> str:
    if peer is None or ours is None or ours <= 0:
        return ""
    return f"{'>' if timed_out else ''}{peer / ours:.1f}×"


def cell_e2e(build: Timing, count: Timing, charter_e2e: float) -> str:
    if count.status == "n/a":
        return "n/a"
    if build.status == "timeout" or count.status == "timeout":
        low = (build.seconds or 0) + (count.seconds or 0)
        return f"> {fmt(low)} s (timeout; {ratio(low, charter_e2e, timed_out=True)})"
    if count.status != "ok" or build.status != "ok":
        return (count.status if count.status != "no profile" else build.status)[:60]
    total = (build.seconds or 0) + (count.seconds or 0)
    return f"{fmt(total)} ({ratio(total, charter_e2e)})"


def table(result: Measured, peers: list[str]) -> list[str]:
    data = result.data
    out = [
        f"#### {data.label} ({result.distinct:,} distinct rankings)",
        "",
        "Read / build (s): Charter .soc "
        f"{fmt(result.read_soc)}, Charter .blt {fmt(result.read_blt)}; "
        + ", ".join(
            f"{peer} build {fmt(t.seconds) if t.status == 'ok' else t.status}"
            for peer, t in result.builds.items()
        )
        + ".",
        "",
    ]
    head = ["method", "Charter count s", "Charter e2e s (.soc read + count)"]
    head += [f"{peer} e2e s (build + count; ratio)" for peer in peers if peer != "svvamp"]
    if "svvamp" in peers:
        head += ["svvamp count s (ratio)"]
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in result.rows:
        ours = row.charter.seconds or 0.0
        e2e = result.read_soc + ours
        cells = [row.method, fmt(ours), fmt(e2e)]
        for peer in peers:
            if peer == "svvamp":
                continue
            cells.append(cell_e2e(result.builds[peer], row.peers[peer], e2e))
        if "svvamp" in peers:
            t = row.peers["svvamp"]
            if t.status == "ok":
                cells.append(f"{fmt(t.seconds)} ({ratio(t.seconds, ours)})")
            else:
                cells.append(t.status)
        out.append("| " + " | ".join(cells) + " |")
    schulze = next(r for r in result.rows if r.method == "schulze").charter.seconds or 0.0
    out += [
        "",
        f"Bare NumPy pairwise matrix: {fmt(result.bare)} s; Charter `Profile.pairwise` alone "
        f"{fmt(result.pairwise_charter)} s; Charter Schulze count / bare = "
        f"{schulze / result.bare:.2f}.",
        f"From the rank matrix alone (no orders from the reader): `Profile.orders` "
        f"{fmt(result.orders_cold)} s, IRV count {fmt(result.irv_cold)} s.",
    ]
    disagree = []
    for row in result.rows:
        for peer, t in row.peers.items():
            if t.winners is not None and t.winners != row.charter.winners:
                disagree.append(
                    f"{row.method} vs {peer}: {t.winners} / Charter {row.charter.winners}"
                )
    out.append(
        "Winners: all finished peer counts agree with Charter."
        if not disagree
        else "Winners differ: " + "; ".join(disagree) + "."
    )
    return [*out, ""]


def targets(result: Measured, peers: list[str]) -> list[str]:
    """The issue's targets on one dataset, each as met / missed with its figure."""
    lines = []
    read = result.read_soc
    for row in result.rows:
        ours = row.charter.seconds or 0.0
        for peer in (p for p in peers if p in E2E_PEERS):
            t, b = row.peers[peer], result.builds[peer]
            if t.status == "n/a":
                continue
            peer_total = (b.seconds or 0) + (t.seconds or 0)
            timed_out = "timeout" in (t.status, b.status)
            if t.status not in ("ok", "timeout") and not timed_out:
                continue
            got = peer_total / (read + ours)
            ok = got >= 10
            lines.append(
                f"- e2e ≥ 10× {peer}, {row.method}: {'>' if timed_out else ''}{got:.1f}× "
                f"{'met' if ok else ('unknown (peer timed out first)' if timed_out else 'MISSED')}"
            )
        sv = row.peers.get("svvamp")
        if sv is not None and sv.status == "ok" and sv.seconds is not None:
            got = sv.seconds / ours
            lines.append(
                f"- count ≥ svvamp, {row.method}: {got:.2f}× {'met' if got >= 1 else 'MISSED'}"
            )
        vk = row.peers.get("votekit")
        if row.method.startswith("stv") and vk is not None and vk.status == "ok" and vk.seconds:
            got = vk.seconds / ours
            lines.append(
                f"- STV ≥ 5× votekit FastSTV (count), {row.method}: {got:.1f}× "
                f"{'met' if got >= 5 else 'MISSED'}"
            )
    schulze = next(r for r in result.rows if r.method == "schulze").charter.seconds or 0.0
    got = schulze / result.bare
    lines.append(
        f"- Schulze ≤ 1.5× bare NumPy pairwise: {got:.2f}× {'met' if got <= 1.5 else 'MISSED'}"
    )
    return lines


def machine() -> list[str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for package in ("numpy", "pref_voting", "votekit", "pyrankvote", "svvamp"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True).stdout.strip()
    return [
        f"- machine: `{uname}`",
        f"- CPU: {cpu}, {os.cpu_count()} cores; Python {platform.python_version()}",
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- command: `.venv/bin/python bench/tally_bench.py {' '.join(sys.argv[1:])}`".replace(
            "  ", " "
        ),
        f"- versions: {', '.join(versions)}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k ballots only, short timeout")
    parser.add_argument("--sizes", type=int, nargs="+", help="ballots per profile")
    parser.add_argument(
        "--cultures", nargs="+", choices=("ic", "mallows"), default=["ic", "mallows"]
    )
    parser.add_argument("--peers", nargs="+", choices=PEERS, default=list(PEERS))
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per peer measurement")
    parser.add_argument(
        "--repeat", type=int, default=3, help="best of N for Charter, svvamp, bare NumPy"
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        choices=tuple(METHODS),
        help="only these Charter methods (and peers')",
    )
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    args = parser.parse_args(argv)
    if args.methods:
        for method in [m for m in METHODS if m not in args.methods and m != "schulze"]:
            del METHODS[method]
            for peer_methods in PEER_FOR.values():
                peer_methods.pop(method, None)
    sizes = args.sizes or ([10_000] if args.quick else [10_000, 100_000, 1_000_000])
    timeout = min(args.timeout, 30.0) if args.quick else args.timeout

    lines = ["### Tally engine benchmark", "", *machine(), ""]
    lines += [
        "Ratios are peer / Charter (above 1: Charter is faster). e2e = Charter reading the .soc "
        "file + counting, against the peer building its profile from the same distinct "
        "rankings and counts + counting. pref_voting and votekit take counts; pyrankvote and "
        "svvamp get one ballot per voter. STV rows: Charter stv-meek and stv-scottish (3 seats) "
        "against pref_voting stv_meek / stv_scottish, votekit FastSTV and pyrankvote "
        f"single_transferable_vote. Peer timeout {timeout:g} s per measurement.",
        "",
    ]
    summary: list[str] = []
    largest = max(sizes)
    for size in sizes:
        for culture in args.cultures:
            start = time.perf_counter()
            data = dataset(culture, size, args.seed)
            print(
                f"{data.label}: {len(data.counts):,} distinct ({time.perf_counter() - start:.1f} s to generate/load)",
                flush=True,
            )
            result = measure(data, args.peers, timeout, args.repeat)
            block = table(result, args.peers)
            print("\n".join(block), flush=True)
            lines += block
            if size == largest:  # the issue sets its targets at 1M ballots
                summary += [f"**{data.label}**", *targets(result, args.peers), ""]
    lines += [f"### Targets (at the largest size measured, {largest:,} ballots)", "", *summary]
    print("\n".join(lines[-len(summary) - 2 :]))
    if args.markdown:
        args.markdown.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
