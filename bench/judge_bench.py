"""CPU time to judge one act, in-process, for the acts the two other benchmarks time.

    python bench/judge_bench.py               # default sizes
    python bench/judge_bench.py --quick       # fewer acts and rounds
    python bench/judge_bench.py --profile inspect|ballot|ballot-history

No database, no HTTP: only `Polity.apply` (judge and record) on a polity built in
this process, timed with `time.process_time`, best of several rounds, each round
from a fresh copy of the same polity (setting up is not timed). Figures are µs of
CPU per act, building the `Act` included.

* inspect: bench/run.py's throughput act (the auditor of examples/coop inspecting
  the treasurer, the chair or the board) on the cooperative founded as there;
* ballot: bench/web_bench.py's act (a yes/no `cast-ballot` by one member of a
  general meeting of `--voters` members, ordinary procedure), every member once on
  one open motion;
* ballot-history: the same, on a polity that already holds `--closed` decided
  motions, each with a ballot from every member.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import platform
import pstats
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import COOP, founding, throughput_act
from web_bench import CONSTITUTION

from charter import Act, load_constitution
from charter.domain.constitution import constitution_from_document
from charter.domain.document import parse_document
from charter.domain.polity import Founding, Polity

START = datetime(2026, 3, 1, tzinfo=UTC)


def coop() -> Polity:
    return Polity(load_constitution(COOP), founding())


def inspections(polity: Polity, count: int) -> Callable[[], None]:
    def run() -> None:
        apply = polity.apply
        for number in range(count):
            entry = apply(throughput_act(0, number))
            assert entry.outcome.granted, entry.outcome.basis

    return run


def assembly(voters: int, closed: int) -> Polity:
    """The web bench's general meeting, with `closed` motions already decided by everyone
    and one more open, `m-open`."""
    constitution = constitution_from_document(parse_document(CONSTITUTION, "bench.yaml"))
    people = tuple(f"v{index:05d}" for index in range(voters))
    polity = Polity(constitution, Founding(time=START, members=people))
    chair = people[0]

    def motion(name: str) -> None:
        args = {"body": "members", "motion": name, "text": f"Motion {name}."}
        polity.apply(Act(chair, "table-motion", START, args=args))
        polity.apply(Act(chair, "open-vote", START, args={"motion": name}))

    for number in range(closed):
        name = f"m{number:03d}"
        motion(name)
        for index, person in enumerate(people):
            choice = "yes" if index % 3 else "no"
            polity.apply(Act(person, "cast-ballot", START, args={"motion": name, "choice": choice}))
        polity.apply(Act(chair, "close-vote", START, args={"motion": name}))
        polity.apply(Act(chair, "declare-result", START, args={"motion": name}))
    motion("m-open")
    assert all(entry.outcome.granted for entry in polity.record)
    return polity


def ballots(polity: Polity, voters: int) -> Callable[[], None]:
    people = [f"v{index:05d}" for index in range(voters)]

    def run() -> None:
        apply = polity.apply
        for index, person in enumerate(people):
            choice = "yes" if index % 2 else "no"
            entry = apply(
                Act(person, "cast-ballot", START, args={"motion": "m-open", "choice": choice})
            )
            assert entry.outcome.granted, entry.outcome.basis

    return run


def measure(make: Callable[[], Callable[[], None]], acts: int, rounds: int) -> float:
    """Best µs of CPU per act over `rounds` runs, each on a freshly made polity."""
    best = float("inf")
    for _ in range(rounds):
        run = make()
        gc.collect()
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best / acts * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--inspections", type=int, default=3000)
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--closed", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--profile", choices=("inspect", "ballot", "ballot-history"))
    options = parser.parse_args()
    if options.quick:
        options.inspections, options.closed, options.rounds = 1000, 3, 3

    history_polity = assembly(options.voters, options.closed)
    history_founded = history_polity.state
    # Each round starts from the same history (its state is immutable), recorded afresh.

    def from_history() -> Polity:
        polity = Polity(history_polity.constitution, history_polity.founding)
        polity._state = history_founded  # a benchmark's shortcut: the same state each round
        return polity

    cases: dict[str, tuple[Callable[[], Callable[[], None]], int]] = {
        "inspect": (lambda: inspections(coop(), options.inspections), options.inspections),
        "ballot": (lambda: ballots(assembly(options.voters, 0), options.voters), options.voters),
        "ballot-history": (lambda: ballots(from_history(), options.voters), options.voters),
    }
    if options.profile:
        make, _ = cases[options.profile]
        run = make()
        profiler = cProfile.Profile()
        profiler.runcall(run)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    print(f"machine: {platform.platform()}, Python {platform.python_version()}")
    print(
        f"{options.rounds} rounds, best; {options.inspections} inspections,"
        f" {options.voters} ballots ({options.closed} decided motions before, in ballot-history)"
    )
    for name, (make, acts) in cases.items():
        print(f"{name:15s} {measure(make, acts, options.rounds):7.1f} µs/act")


if __name__ == "__main__":
    main()
