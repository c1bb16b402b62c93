"""The web benchmark (issue 7 §6): ballots cast per second over HTTP against PostgreSQL.

    make bench-web                                    # under flock /tmp/charter-bench.lock
    .venv/bin/python bench/web_bench.py               # 30 s per target, 100 clients
    .venv/bin/python bench/web_bench.py --quick       # 10 s per target
    .venv/bin/python bench/web_bench.py --profile     # also py-spy the Charter workers

One run measures two targets with the same load generator (locust, 100 concurrent
clients, each with its own keep-alive connection, posting as fast as answers come back)
and the same server (uvicorn, `--workers` processes, no access log):

- **baseline**: a bare ASGI endpoint that parses the JSON ballot and does one INSERT
  into PostgreSQL (psycopg, async, a few connections per worker);
- **charter**: `POST /api/polities/ID/acts` with a `cast-ballot` act and the voter's API
  token, to the app `charter serve --workers N` runs (`app_from_environment`): the
  token checked, the act judged by the constitution, appended to the ledger and
  checkpointed.

The polity is a general meeting of `--voters` members with `--motions` open yes/no
motions; client request k casts voter (k mod voters)'s ballot on motion (k div voters),
so no ballot repeats. After the run every ballot the server acknowledged (200, granted,
with its ledger position) is looked up in the ledger: each must be there exactly once, at
the position it was given ("lost" and "duplicated" must both be 0). Ballots the ledger
holds that no client saw acknowledged (in flight when the clock stopped) are counted
apart: they are not lost.

Throughput counts answers completed from `--warmup` seconds after the start to the end,
over that window; p50/p99 are over the same answers. Everything lives in its own
PostgreSQL schema (`charter_web_bench`, dropped and made anew) at
$CHARTER_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ENV = "CHARTER_BENCH_POSTGRES_URL"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "charter_web_bench"
POLITY = "bench-assembly"
ROLE_ENV = "CHARTER_WEB_BENCH_ROLE"
TARGET_ENV = "CHARTER_WEB_BENCH_TARGET"
TOKENS_ENV = "CHARTER_WEB_BENCH_TOKENS"
OUTPUT_ENV = "CHARTER_WEB_BENCH_OUTPUT"
RATE_ENV = "CHARTER_WEB_BENCH_RATE"
BASELINE_DB_ENV = "CHARTER_WEB_BENCH_BASELINE_DB"

CONSTITUTION = """\
charter: 1
id: bench-assembly
name: Benchmark Assembly
description: A general meeting of many members, each voting once on each motion.
members:
  powers:
    - power: propose-motion
      scope: {bodies: [members]}
    - power: set-agenda
      scope: {bodies: [members]}
procedures:
  ordinary:
    seconding: false
    quorum: 1/100
    threshold: simple
"""


# -- the orchestrator ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """One target's run: answers in the window, their rate and latency, and the failures."""

    name: str
    answered: int
    window: float
    p50: float
    p99: float
    errors: int
    acknowledged: list[tuple[int, int, int]]
    """(voter, motion, ledger position) of every granted answer, warm-up included."""
    failures: list[tuple[str, int]]
    """The commonest reasons for answers that were not a granted ballot, with their counts."""
    slices: list[float]
    """Granted answers per second in each 10 s of the window, in order (does the rate hold
    as the ledger grows?)."""

    @property
    def rate(self) -> float:
        return self.answered / self.window if self.window > 0 else 0.0


def database_urls(base: str) -> tuple[str, str]:
    """(SQLAlchemy URL for Charter's store, libpq URL for the baseline), both in SCHEMA."""
    from sqlalchemy import make_url

    url = make_url(base).set(drivername="postgresql+psycopg")
    store = url.update_query_dict({"options": f"-csearch_path={SCHEMA}"})
    libpq = url.set(drivername="postgresql").update_query_dict(
        {"options": f"-csearch_path={SCHEMA}"}
    )
    return store.render_as_string(hide_password=False), libpq.render_as_string(hide_password=False)


def reset_schema(base: str) -> None:
    import psycopg
    from sqlalchemy import make_url

    plain = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        connection.execute(f"CREATE SCHEMA {SCHEMA}")
        connection.execute(
            f"CREATE TABLE {SCHEMA}.baseline_ballots (id bigserial PRIMARY KEY,"
            " voter integer NOT NULL, motion text NOT NULL, choice text NOT NULL,"
            " at timestamptz NOT NULL DEFAULT now())"
        )


def prepare_polity(store_url: str, key_dir: Path, voters: int, motions: int) -> list[str]:
    """The assembly with `voters` members and `motions` open motions; one API token each
    (scopes read and act), in voter order."""
    from argon2 import PasswordHasher

    from charter.domain.acts import Act
    from charter.domain.polity import Founding
    from charter.keys import KeyRing
    from charter.scenario import load_constitution
    from charter.services.polities import PolityService
    from charter.storage import open_store
    from charter.web.accounts import AccountStore, ensure_tables

    folder = Path(tempfile.mkdtemp(prefix="charter-web-bench-"))
    (folder / "constitution.yaml").write_text(CONSTITUTION)
    constitution = load_constitution(folder / "constitution.yaml")
    people = tuple(f"v{index:05d}" for index in range(voters))
    now = datetime.now(UTC)
    with open_store(store_url) as store:
        service = PolityService(store, KeyRing(key_dir))
        service.create(POLITY, constitution, Founding(time=now, members=people))
        acts = []
        for number in range(motions):
            motion = f"m{number:03d}"
            acts.append(
                Act(
                    actor=people[0],
                    kind="table-motion",
                    time=now,
                    args={"body": "members", "motion": motion, "text": f"Motion {number}."},
                )
            )
            acts.append(Act(actor=people[0], kind="open-vote", time=now, args={"motion": motion}))
        entries = service.perform_all(POLITY, acts)
        refused = [entry.outcome.basis for entry in entries if not entry.outcome.granted]
        if refused:
            raise SystemExit(f"could not open the motions: {refused[0]}")
        service.checkpoint(POLITY)
        ensure_tables(store.engine)
        # A cheap hash: nobody signs in with these passwords; the tokens are what is measured.
        accounts = AccountStore(store.engine, PasswordHasher(time_cost=1, memory_cost=1024))
        tokens = []
        for person in people:
            accounts.add(POLITY, person)
            account = accounts.find(POLITY, person)
            assert account is not None
            tokens.append(accounts.issue_token(account, "bench", ("read", "act"))[0])
    shutil.rmtree(folder)
    return tokens


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(
    app: list[str], env: dict[str, str], workers: int, log: Path
) -> Iterator[tuple[str, int]]:
    """uvicorn serving `app` on a free loopback port with `workers` processes: its base URL
    and process id."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", *app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env={**os.environ, **env}, cwd=ROOT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server exited:\n{log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"the server did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        time.sleep(1.0 * workers)  # every worker up, not just the first
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _stat(pid: int) -> tuple[str, list[str]] | None:
    """A process's name and the fields of /proc/PID/stat after it (Linux); None once gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name, _, rest = text.partition(" (")[2].rpartition(")")
    return name, rest.split()


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _descendants(pid: int) -> list[int]:
    """`pid` and every process below it."""
    children: dict[int, list[int]] = {}
    for child in _pids():
        stat = _stat(child)
        if stat is not None:
            children.setdefault(int(stat[1][1]), []).append(child)
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pids: list[int], which: tuple[int, ...] = (11, 12)) -> float:
    """CPU time the processes `pids` have used so far: user plus system by default."""
    total = 0
    for pid in pids:
        stat = _stat(pid)
        if stat is not None:
            total += sum(int(stat[1][field]) for field in which)
    return total / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on this machine (its backends do the benchmark's SQL)."""
    return [pid for pid in _pids() if (stat := _stat(pid)) is not None and stat[0] == "postgres"]


@contextmanager
def cpu_shares(server_pid: int) -> Iterator[dict[str, float]]:
    """CPU seconds used while the block runs: by the server's processes, by PostgreSQL, and by
    everything this script starts and waits for (the load generator)."""
    import resource

    server = _descendants(server_pid)
    database = {pid: cpu_seconds([pid]) for pid in postgres_pids()}
    before = (
        cpu_seconds(server),
        resource.getrusage(resource.RUSAGE_CHILDREN),
        cpu_seconds(server, (12,)),
    )
    used: dict[str, float] = {}
    yield used
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used["server"] = cpu_seconds(server) - before[0]
    used["of which system"] = cpu_seconds(server, (12,)) - before[2]
    # backends opened during the run count whole; those that ended during it are not seen
    used["postgresql"] = sum(cpu_seconds([pid]) - database.get(pid, 0.0) for pid in postgres_pids())
    used["load generator"] = (after.ru_utime + after.ru_stime) - (
        before[1].ru_utime + before[1].ru_stime
    )


def run_load(
    target: str,
    base: str,
    tokens_file: Path,
    users: int,
    duration: int,
    warmup: float,
    rate: float | None = None,
) -> Figures:
    """Locust against `base` for `duration` seconds; the answers it saw, measured. With
    `rate`, the clients together offer that many ballots a second instead of sending the
    next as soon as the last is answered."""
    output = tokens_file.parent / f"{target}-answers.json"
    env = {
        **os.environ,
        ROLE_ENV: "locust",
        TARGET_ENV: target,
        TOKENS_ENV: str(tokens_file),
        OUTPUT_ENV: str(output),
    }
    if rate is not None:
        env[RATE_ENV] = str(rate / users)
    command = [sys.executable, "-m", "locust", "-f", str(Path(__file__).resolve())]
    command += ["--headless", "--users", str(users), "--spawn-rate", str(users)]
    command += ["--run-time", f"{duration}s", "--stop-timeout", "10", "--host", base]
    command += ["--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"]
    with (tokens_file.parent / f"{target}-locust.log").open("wb") as log:
        subprocess.run(command, env=env, check=True, cwd=ROOT, stdout=log, stderr=log)
    answers = json.loads(output.read_text())
    first = min(row[5] for row in answers)
    last = max(row[5] for row in answers)
    kept = [row for row in answers if row[5] >= first + warmup]
    latencies = sorted(row[6] for row in kept if row[2] == 200 and row[4])
    errors = sum(1 for row in kept if row[2] != 200 or not row[4])
    acknowledged = [(row[0], row[1], row[3]) for row in answers if row[2] == 200 and row[4]]
    return Figures(
        name=target,
        answered=len(latencies),
        window=last - (first + warmup),
        p50=percentile(latencies, 0.50),
        p99=percentile(latencies, 0.99),
        errors=errors,
        acknowledged=acknowledged,
        failures=Counter(_kind(str(row[7])) for row in answers if row[7]).most_common(6),
        slices=_slices([row[5] for row in kept if row[2] == 200 and row[4]], first + warmup, last),
    )


def _slices(ends: list[float], start: float, stop: float, width: float = 10.0) -> list[float]:
    """Events per second in each whole `width`-second slice of [start, stop)."""
    counts = Counter(int((end - start) // width) for end in ends)
    return [counts[k] / width for k in range(int((stop - start) // width))]


def _kind(reason: str) -> str:
    """A failure's reason without its numbers and times, so alike failures count together."""
    return re.sub(r"[0-9]+(?:[-:.T+][0-9]+)*", "#", reason)[:200]


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(fraction * len(values)))]


def check_ledger(store_url: str, figures: Figures) -> dict[str, int]:
    """Every acknowledged ballot in the ledger exactly once, at the position it was given."""
    from charter.ledger.encoding import decode_entry
    from charter.storage import open_store

    found: dict[tuple[str, str], list[int]] = {}
    with open_store(store_url) as store:
        size = store.head(POLITY).size
        for start in range(0, size, 5000):
            for data in store.entries(POLITY, start, min(size, start + 5000)):
                record = decode_entry(data)
                fields = record.fields
                act = fields.get("act") if record.type == "act" else None
                if not act or act.get("act") != "cast-ballot":
                    continue
                if fields["outcome"]["verdict"] != "granted":
                    continue
                key = (str(act["actor"]), str(act["args"]["motion"]))
                found.setdefault(key, []).append(record.seq)
    acknowledged = {
        (f"v{voter:05d}", f"m{motion:03d}"): seq for voter, motion, seq in figures.acknowledged
    }
    lost = sum(1 for key in acknowledged if key not in found)
    misplaced = sum(
        1 for key, seq in acknowledged.items() if key in found and seq not in found[key]
    )
    duplicated = sum(len(seqs) - 1 for seqs in found.values() if len(seqs) > 1)
    unacknowledged = sum(1 for key in found if key not in acknowledged)
    return {
        "acknowledged": len(acknowledged),
        "in ledger": sum(len(seqs) for seqs in found.values()),
        "lost": lost,
        "misplaced": misplaced,
        "duplicated": duplicated,
        "unacknowledged": unacknowledged,
    }


def check_baseline(libpq_url: str, figures: Figures) -> dict[str, int]:
    import psycopg

    with psycopg.connect(libpq_url) as connection:
        rows = connection.execute("SELECT id FROM baseline_ballots").fetchall()
    ids = Counter(row[0] for row in rows)
    acknowledged = {seq for _, _, seq in figures.acknowledged}
    return {
        "acknowledged": len(acknowledged),
        "in table": len(ids),
        "lost": sum(1 for seq in acknowledged if seq not in ids),
        "unacknowledged": sum(1 for seq in ids if seq not in acknowledged),
    }


def writes_per_ballot(
    before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]], figures: Figures
) -> str:
    ballots = max(len(figures.acknowledged), 1)
    parts = []
    for table, (inserted, updated) in sorted(after.items()):
        old_inserted, old_updated = before.get(table, (0, 0))
        new_rows, changed = inserted - old_inserted, updated - old_updated
        if new_rows or changed:
            parts.append(
                f"{table} +{new_rows / ballots:.2f}"
                + (f"/~{changed / ballots:.2f}" if changed else "")
            )
    return ", ".join(parts) + " (+inserted/~updated)"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def postgres_version(libpq_url: str) -> str:
    import psycopg

    with psycopg.connect(libpq_url) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0] if row else '?'}"


def profile(pid: int, seconds: int, out: Path) -> Callable[[], None]:
    """py-spy (in the bench extra) on the server and its worker processes for `seconds`;
    a callable that waits for it and prints where the workers' CPU time went."""
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists():
        print("(py-spy is not installed: no profile; pip install -e '.[bench]')")
        return lambda: None
    command = [str(spy), "record", "--pid", str(pid), "--subprocesses", "--nonblocking", "--gil"]
    command += ["--duration", str(seconds), "--format", "raw", "--output", str(out)]
    spying = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def collect() -> None:
        spying.wait()
        if out.exists():
            print_profile(out)

    return collect


def print_profile(collapsed: Path, top: int = 30) -> None:
    """Inclusive share of samples per function (a function counted once per stack)."""
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = {frame.split(" (")[0] + " " + _where(frame) for frame in stack.split(";")}
        for frame in frames:
            inclusive[frame] += samples
    print(f"\nprofile: {total} samples of the thread holding the GIL (py-spy --gil: where the")
    print("workers' Python CPU time went); inclusive share of Charter's own functions, then of")
    print("everything else:")
    shown = [(frame, n) for frame, n in inclusive.most_common() if "(charter/" in frame]
    for frame, samples in shown[:top]:
        print(f"  {100 * samples / max(total, 1):5.1f}%  {frame}")
    others = [(frame, n) for frame, n in inclusive.most_common() if "(charter/" not in frame]
    for frame, samples in others[:top]:
        print(f"  {100 * samples / max(total, 1):5.1f}%  {frame}")
    keep = os.environ.get("CHARTER_WEB_BENCH_KEEP_PROFILE")
    if keep:
        shutil.copy(collapsed, keep)


def table_writes(libpq_url: str) -> dict[str, tuple[int, int]]:
    """Rows inserted and updated so far in each of the benchmark schema's tables."""
    import psycopg

    with psycopg.connect(libpq_url) as connection:
        rows = connection.execute(
            "SELECT relname, n_tup_ins, n_tup_upd FROM pg_stat_user_tables WHERE schemaname = %s",
            (SCHEMA,),
        ).fetchall()
    return {str(name): (int(ins), int(upd)) for name, ins, upd in rows}


def _where(frame: str) -> str:
    found = re.search(r"\(([^)]*)\)", frame)
    if not found:
        return ""
    place = found.group(1)
    for marker in ("site-packages/", "src/"):
        if marker in place:
            place = place.split(marker, 1)[1]
    return f"({place.rsplit(':', 1)[0]})"


def report_cpu(target: str, used: dict[str, float], figures: Figures) -> None:
    """CPU time per answer over the whole run (warm-up included): where the 2 cores went."""
    answers = max(1, len(figures.acknowledged) + figures.errors)
    shares = ", ".join(
        f"{name} {seconds * 1000 / answers:.2f} ms" for name, seconds in used.items()
    )
    print(f"{target} CPU per answer: {shares}")


def report(
    results: list[Figures], checks: dict[str, dict[str, int]], per_ballot: str | None
) -> None:
    """The two targets side by side, their ratio, the failures, the checks and the targets."""
    print()
    print(
        f"{'target':<10} {'ballots/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'answers':>8} {'errors':>7}"
    )
    for figures in results:
        print(
            f"{figures.name:<10} {figures.rate:>10.1f} {figures.p50:>8.1f} {figures.p99:>8.1f}"
            f" {figures.answered:>8} {figures.errors:>7}"
        )
    if len(results) == 2 and results[0].rate > 0:
        bare, charter = results
        print(
            f"charter / baseline: {charter.rate / bare.rate:.2f}× the throughput,"
            f" {charter.p50 / bare.p50:.1f}× the p50, {charter.p99 / bare.p99:.1f}× the p99"
        )
    for figures in results:
        if len(figures.slices) > 1:
            rates = ", ".join(f"{rate:.0f}" for rate in figures.slices)
            print(f"{figures.name} ballots/s in each 10 s: {rates}")
    for figures in results:
        for reason, count in figures.failures:
            print(f"{figures.name} failure ×{count}: {reason}")
    if per_ballot is not None:
        print("rows written per acknowledged ballot: " + per_ballot)
    for name, figures_check in checks.items():
        print(
            f"{name} check: " + ", ".join(f"{key} {value}" for key, value in figures_check.items())
        )
    charter_check = checks.get("charter")
    if charter_check:
        met = [
            f"≥ 500 ballots/s: {'met' if results[-1].rate >= 500 else 'not met'}",
            f"p99 < 100 ms: {'met' if results[-1].p99 < 100 else 'not met'}",
            f"none lost or duplicated: {'met' if charter_check['lost'] == charter_check['duplicated'] == charter_check['misplaced'] == 0 else 'NOT MET'}",
        ]
        print("targets: " + "; ".join(met))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds of load per target")
    parser.add_argument("--quick", action="store_true", help="10 s per target")
    parser.add_argument("--users", type=int, default=100, help="concurrent clients")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes, for both targets (one polity: one worker appends fastest, as"
        " two contend for its head; see bench/RESULTS.md)",
    )
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--motions", type=int, default=40)
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds not measured")
    parser.add_argument("--only", choices=["baseline", "charter"], help="one target only")
    parser.add_argument("--profile", action="store_true", help="py-spy the Charter workers")
    parser.add_argument(
        "--rate",
        type=float,
        help="paced: the clients together offer this many ballots/s (default: each client"
        " sends its next ballot as soon as the last is answered)",
    )
    args = parser.parse_args()
    duration = 10 if args.quick else args.duration
    base = os.environ.get(PG_ENV) or PG_DEFAULT
    store_url, libpq_url = database_urls(base)
    work = Path(tempfile.mkdtemp(prefix="charter-web-bench-"))
    print(f"web benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {machine()}")
    print(f"{postgres_version(libpq_url)} at {base} (schema {SCHEMA})")
    pacing = f"paced at {args.rate:g} ballots/s offered" if args.rate else "no think time"
    print(
        f"{args.users} clients ({pacing}), {args.workers} uvicorn workers, {duration} s per target"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    reset_schema(base)
    started = time.perf_counter()
    tokens = prepare_polity(store_url, work / "keys", args.voters, args.motions)
    capacity = args.voters * args.motions
    print(
        f"prepared {args.voters} voters × {args.motions} motions in {time.perf_counter() - started:.1f} s"
    )
    tokens_file = work / "tokens.json"
    tokens_file.write_text(json.dumps(tokens))

    results: list[Figures] = []
    checks: dict[str, dict[str, int]] = {}
    per_ballot: str | None = None
    if args.only in (None, "baseline"):
        env = {ROLE_ENV: "baseline-server", BASELINE_DB_ENV: libpq_url}
        app = ["--app-dir", str(ROOT / "bench"), "web_bench:baseline_app"]
        with (
            serve(app, env, args.workers, work / "baseline.log") as (url, pid),
            cpu_shares(pid) as used,
        ):
            figures = run_load(
                "baseline", url, tokens_file, args.users, duration, args.warmup, args.rate
            )
        results.append(figures)
        report_cpu("baseline", used, figures)
        checks["baseline"] = check_baseline(libpq_url, figures)
    if args.only in (None, "charter"):
        env = {
            "CHARTER_WEB_DB": store_url,
            "CHARTER_WEB_KEY_DIR": str(work / "keys"),
            "CHARTER_WEB_INSECURE_COOKIES": "1",
        }
        app = ["--factory", "charter.web.app:app_from_environment"]
        writes_before = table_writes(libpq_url)
        with serve(app, env, args.workers, work / "charter.log") as (url, pid):
            collect = (
                profile(pid, duration, work / "profile.txt") if args.profile else (lambda: None)
            )
            with cpu_shares(pid) as used:
                figures = run_load(
                    "charter", url, tokens_file, args.users, duration, args.warmup, args.rate
                )
            collect()
        results.append(figures)
        report_cpu("charter", used, figures)
        checks["charter"] = check_ledger(store_url, figures)
        time.sleep(1.5)  # PostgreSQL publishes table statistics within a second or so
        per_ballot = writes_per_ballot(writes_before, table_writes(libpq_url), figures)
        if len(figures.acknowledged) >= capacity:
            print("warning: every ballot slot was used; raise --voters or --motions")

    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    report(results, checks, per_ballot)
    charter_check = checks.get("charter")
    shutil.rmtree(work, ignore_errors=True)
    if charter_check and (
        charter_check["lost"] or charter_check["duplicated"] or charter_check["misplaced"]
    ):
        raise SystemExit(1)


# -- the load generator and the baseline, as locust and uvicorn import this file ----------------

if os.environ.get(ROLE_ENV) == "locust":
    import itertools

    from locust import FastHttpUser, constant, constant_throughput, events, task

    _SLOTS = itertools.count()
    _TOKENS: list[str] = json.loads(Path(os.environ[TOKENS_ENV]).read_text())
    _RECORD: list[list[Any]] = []
    """Per answer: [voter, motion, status, ledger position or -1, granted, end time, latency ms,
    why it failed (or "")]."""

    class _Ballots(FastHttpUser):
        abstract = True
        wait_time = (
            constant_throughput(float(os.environ[RATE_ENV]))
            if os.environ.get(RATE_ENV)
            else constant(0)
        )

        def cast(self, path: str, body: Callable[[int, str], dict[str, Any]], auth: bool) -> None:
            slot = next(_SLOTS)
            voter, motion = slot % len(_TOKENS), slot // len(_TOKENS)
            headers = {"Authorization": f"Bearer {_TOKENS[voter]}"} if auth else {}
            started = time.perf_counter()
            with self.client.post(
                path, json=body(voter, f"m{motion:03d}"), headers=headers, catch_response=True
            ) as response:
                ended = time.perf_counter()
                seq, granted, reason = -1, False, ""
                if response.status_code == 200:
                    answer = response.json()
                    seq, granted = int(answer["seq"]), bool(answer["granted"])
                    if granted:
                        response.success()
                    else:
                        reason = f"refused: {answer.get('basis')}"
                        response.failure(reason)
                else:
                    reason = f"{response.status_code}: {(response.text or '')[:160]}"
                    response.failure(reason)
                _RECORD.append(
                    [
                        voter,
                        motion,
                        response.status_code,
                        seq,
                        granted,
                        time.time(),
                        (ended - started) * 1000,
                        reason,
                    ]
                )

    if os.environ.get(TARGET_ENV) == "baseline":

        class BaselineBallots(_Ballots):
            @task
            def ballot(self) -> None:
                self.cast(
                    "/ballot",
                    lambda voter, motion: {
                        "voter": voter,
                        "args": {"motion": motion, "choice": "yes"},
                    },
                    auth=False,
                )

    else:

        class CharterBallots(_Ballots):
            @task
            def ballot(self) -> None:
                self.cast(
                    f"/api/polities/{POLITY}/acts",
                    lambda _voter, motion: {
                        "act": "cast-ballot",
                        "args": {"motion": motion, "choice": "yes"},
                    },
                    auth=True,
                )

    @events.quitting.add_listener  # type: ignore[untyped-decorator]
    def _dump(**_kwargs: Any) -> None:
        Path(os.environ[OUTPUT_ENV]).write_text(json.dumps(_RECORD))

elif os.environ.get(ROLE_ENV) == "baseline-server":
    import asyncio

    import psycopg

    _POOL_SIZE = 8
    _POOL: list[asyncio.Queue[Any]] = []
    _OPENING: list[asyncio.Lock] = []

    async def _connections() -> asyncio.Queue[Any]:
        """This worker's few connections, opened once (the first requests wait for them)."""
        if not _OPENING:
            _OPENING.append(asyncio.Lock())
        async with _OPENING[0]:
            if not _POOL:
                queue: asyncio.Queue[Any] = asyncio.Queue()
                for _ in range(_POOL_SIZE):
                    url = os.environ[BASELINE_DB_ENV]
                    queue.put_nowait(await psycopg.AsyncConnection.connect(url, autocommit=True))
                _POOL.append(queue)
        return _POOL[0]

    async def baseline_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        """POST /ballot {"voter": N, "args": {"motion": ..., "choice": ...}}: one INSERT."""
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        ballot = json.loads(body)
        pool = await _connections()
        connection = await pool.get()
        try:
            cursor = await connection.execute(
                "INSERT INTO baseline_ballots (voter, motion, choice) VALUES (%s, %s, %s) RETURNING id",
                (ballot["voter"], ballot["args"]["motion"], ballot["args"]["choice"]),
            )
            row = await cursor.fetchone()
        finally:
            pool.put_nowait(connection)
        answer = json.dumps({"seq": row[0] if row else -1, "granted": True}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": answer})


if __name__ == "__main__":
    main()
