"""The ledger benchmark: every figure side by side with its peer, measured in the same run.

    python bench/run.py            # full size (10^6-entry bundle and stores)
    python bench/run.py --quick    # a small run to check that everything works
    make bench                     # the same as the first line

Figures (each as Charter / peer = ratio, against its target):

* validated, ledgered, durably committed acts/s through `PolityService.perform`
  (one act per transaction) and `perform_all` (a batch per transaction), on
  SQLite (WAL, synchronous=FULL) and PostgreSQL (default synchronous_commit), from
  1 and 8 client processes on one polity, against raw INSERTs of rows of the
  same byte size into a plain table of the same database, through an engine
  from the same `make_engine`, one row per transaction and executemany batches;
* verification of a 10^6-entry bundle: hashes and signatures only
  (`charter.ledger.verify.check_hashes`) against raw `hashlib.sha256` of every
  entry's bytes, and the full `verify` (every act replayed) against 60 s;
* inclusion and consistency proofs at 10^6 entries, from a database reopened
  after the entries were written, against a raw primary-key SELECT of one node.

PostgreSQL runs in a throwaway schema, dropped afterwards; its URL comes from
--postgres, $CHARTER_BENCH_POSTGRES_URL or $CHARTER_TEST_POSTGRES_URL, and must
be on loopback. Without one the PostgreSQL rows are skipped, and say so.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import multiprocessing
import os
import platform
import queue
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, make_url

from charter import Act, Founding, load_constitution
from charter.keys import KeyRing
from charter.ledger import merkle, proofs
from charter.ledger.bundle import Bundle, read_bundle, write_bundle
from charter.ledger.checkpoint import origin_of, public_key_bytes, sign_checkpoint
from charter.ledger.encoding import act_entry, canonical, genesis_entry
from charter.ledger.verify import check_hashes, verify
from charter.services.polities import PolityService
from charter.storage import Conflict, make_engine, open_store

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
COOP = ROOT / "examples" / "coop" / "constitution.toml"
# The cooperative's founding, as in tests/conftest.py `cooperative_founding()`.
COOP_MEMBERS = ("ana", "ben", "cai", "dee", "eve", "fay", "gus", "hal")
COOP_START = datetime(2026, 1, 10, tzinfo=UTC)
COOP_POSTS = {
    "board": ("ana", "ben", "cai", "dee", "eve"),
    "chair": ("ana",),
    "treasurer": ("ben",),
    "auditor": ("fay",),
}
LOOPBACK = {"127.0.0.1", "localhost", "::1", ""}


def founding() -> Founding:
    return Founding(time=COOP_START, members=COOP_MEMBERS, posts=COOP_POSTS)


# --- the workload ----------------------------------------------------------------------------

ACT_TIME = COOP_START + timedelta(days=1)
"""Every act of the throughput runs carries the same time, so writers in any order stay in time order."""


def throughput_act(writer: int, number: int, when: datetime = ACT_TIME) -> Act:
    """A granted act: the auditor inspecting the treasurer, the chair or the board."""
    target = ("treasurer", "chair", "board")[number % 3]
    kind = "body" if target == "board" else "office"
    report = f"routine check {writer}-{number}"
    return Act("fay", "inspect", when, args={kind: target, "report": report})


def history_act(number: int) -> Act:
    """The acts of the 10^6-entry bundle: inspections, and the treasurer spending now and then.

    Time advances 25 s an act (10^6 acts fit in the founding officers' one-year
    terms); a spend, co-signed by the chair, every 50 000 acts stays within the
    treasurer's quota of three a month.
    """
    when = ACT_TIME + timedelta(seconds=25 * number)
    if number % 50_000 == 0:
        args = {"matter": "finance", "text": f"invoice {number}"}
        return Act("ben", "exercise", when, args=args, power="spend", cosigned_by=("ana",))
    return throughput_act(0, number, when)


# --- results --------------------------------------------------------------------------------


@dataclass
class Row:
    figure: str
    charter: str
    peer: str
    ratio: float | None
    target: str
    met: bool | None

    def cells(self) -> list[str]:
        ratio = "" if self.ratio is None else f"{self.ratio:.0%}"
        met = "n/a" if self.met is None else ("yes" if self.met else "NO")
        return [self.figure, self.charter, self.peer, ratio, self.target, met]


HEADER = ["figure", "Charter", "peer (same run)", "ratio", "target", "met?"]


def table(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- databases -------------------------------------------------------------------------------


def check_loopback(url: str) -> None:
    host = make_url(url).host or ""
    if host not in LOOPBACK and not host.startswith("/"):
        raise SystemExit(f"benchmarks talk only to loopback; {host!r} is not")


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A throwaway schema as a URL whose connections use it; dropped afterwards."""
    schema = f"charter_bench_{uuid.uuid4().hex[:12]}"
    admin_url = make_url(base_url).set(drivername="postgresql+psycopg")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        url = admin_url.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def _param(url: str) -> str:
    return "?" if url.startswith("sqlite") else "%s"


def create_raw_table(url: str) -> None:
    blob = "BLOB" if url.startswith("sqlite") else "BYTEA"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"CREATE TABLE raw_rows (id BIGINT PRIMARY KEY, data {blob} NOT NULL)"
        )
    engine.dispose()


# --- throughput: one writer process ----------------------------------------------------------


def _charter_writer(
    url: str,
    key_dir: str,
    polity_id: str,
    writer: int,
    count: int,
    batch: int,
    barrier: Any,
    out: Any,
) -> None:
    store = open_store(url, create=False)
    service = PolityService(store, KeyRing(Path(key_dir)))
    service.polity(polity_id)  # catch up before the clock starts
    barrier.wait()
    start = time.perf_counter()
    done = exhausted = 0
    while done < count:
        size = min(batch, count - done)
        acts = [throughput_act(writer, done + k) for k in range(size)]
        try:
            if batch == 1:
                service.perform(polity_id, acts[0])
            else:
                service.perform_all(polity_id, acts)
        except Conflict:  # lost MAX_ATTEMPTS races in a row: a caller would try again
            exhausted += 1
            continue
        done += size
    out.put((start, time.perf_counter(), done, exhausted))
    store.close()


def _raw_writer(
    url: str, payload: bytes, writer: int, count: int, batch: int, barrier: Any, out: Any
) -> None:
    engine = make_engine(url)
    sql = f"INSERT INTO raw_rows (id, data) VALUES ({_param(url)}, {_param(url)})"
    with engine.connect() as connection:  # a pooled connection, opened before the clock starts
        connection.exec_driver_sql("SELECT 1").all()
        connection.rollback()
    barrier.wait()
    start = time.perf_counter()
    base = writer * 1_000_000_000
    done = 0
    while done < count:
        size = min(batch, count - done)
        rows = [(base + done + k, payload) for k in range(size)]
        with engine.connect() as connection, connection.begin():
            connection.exec_driver_sql(sql, rows[0] if batch == 1 else rows)
        done += size
    out.put((start, time.perf_counter(), done, 0))
    engine.dispose()


def _run_processes(
    target: Callable[..., None], args_of: Callable[[int], tuple[Any, ...]], processes: int
) -> tuple[float, int]:
    """Start `processes` writers, release them together: rows per second of wall time, and
    how many calls gave up with Conflict (and were tried again)."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes)
    out = context.Queue()
    workers = [
        context.Process(target=target, args=(*args_of(writer), barrier, out))
        for writer in range(processes)
    ]
    for worker in workers:
        worker.start()
    results: list[tuple[float, float, int, int]] = []
    while len(results) < processes:
        try:
            results.append(out.get(timeout=5))
        except queue.Empty:
            if any(w.exitcode not in (None, 0) for w in workers):
                for worker in workers:
                    worker.kill()
                raise RuntimeError("a writer process failed") from None
    for worker in workers:
        worker.join()
    start = min(r[0] for r in results)
    end = max(r[1] for r in results)
    return sum(r[2] for r in results) / (end - start), sum(r[3] for r in results)


def throughput(
    backend: str,
    url: str,
    processes: int,
    single: int,
    batches: int,
    batch: int,
    notes: list[str],
) -> list[Row]:
    key_dir = tempfile.mkdtemp(prefix="charter-bench-keys-")
    try:
        store = open_store(url)
        service = PolityService(store, KeyRing(Path(key_dir)))
        constitution = load_constitution(COOP)
        service.create("single", constitution, founding())
        service.create("batched", constitution, founding())
        sample = service.polity("single").judge(throughput_act(0, 0)).entry
        payload = os.urandom(len(act_entry(1, sample)))
        store.close()
        create_raw_table(url)

        per_single = max(1, single // processes)
        per_batched = max(1, batches // processes) * batch
        charter_single, single_gaveup = _run_processes(
            _charter_writer, lambda w: (url, key_dir, "single", w, per_single, 1), processes
        )
        raw_single, _ = _run_processes(
            _raw_writer, lambda w: (url, payload, w, per_single, 1), processes
        )
        charter_batched, batched_gaveup = _run_processes(
            _charter_writer, lambda w: (url, key_dir, "batched", w, per_batched, batch), processes
        )
        raw_batched, _ = _run_processes(
            _raw_writer, lambda w: (url, payload, 100 + w, per_batched, batch), processes
        )
    finally:
        shutil.rmtree(key_dir, ignore_errors=True)
    where = f"{backend}, {processes} process{'es' if processes > 1 else ''}"
    for gaveup, kind in ((single_gaveup, "perform"), (batched_gaveup, "perform_all")):
        if gaveup:
            notes.append(
                f"{where}: {gaveup} {kind} call(s) raised Conflict after MAX_ATTEMPTS lost races"
                " and were tried again by the benchmark"
            )
    return [
        Row(
            f"acts/s, one per transaction ({where})",
            f"{charter_single:,.0f}/s",
            f"raw INSERT {raw_single:,.0f}/s",
            charter_single / raw_single,
            ">= 50%",
            charter_single / raw_single >= 0.5,
        ),
        Row(
            f"acts/s, batches of {batch} ({where})",
            f"{charter_batched:,.0f}/s",
            f"raw executemany {raw_batched:,.0f}/s",
            charter_batched / raw_batched,
            ">= 50%",
            charter_batched / raw_batched >= 0.5,
        ),
    ]


# --- verification of a large bundle ----------------------------------------------------------


def _fold_roots(entries: Sequence[bytes], sizes: set[int]) -> dict[int, bytes]:
    """Roots at `sizes`, by the straightforward leaf-by-leaf fold (independent of verify's)."""
    roots: dict[int, bytes] = {}
    stack: list[bytes] = []
    for index, data in enumerate(entries):
        digest, position = merkle.leaf_hash(data), index
        while position & 1:
            digest = merkle.node_hash(stack.pop(), digest)
            position >>= 1
        stack.append(digest)
        if index + 1 in sizes:
            root = stack[-1]
            for left in reversed(stack[:-1]):
                root = merkle.node_hash(left, root)
            roots[index + 1] = root
    return roots


def build_bundle(count: int) -> Path:
    """A valid bundle of `count` entries (the genesis and count - 1 acts), cached on disk."""
    path = CACHE / f"coop-{count}.bundle"
    if path.exists():
        return path
    say(f"  building a {count:,}-entry bundle (cached in {path.relative_to(ROOT)})...")
    from charter import Polity

    constitution = load_constitution(COOP)
    polity = Polity(constitution, founding())
    entries = [genesis_entry("coop", constitution.document.data, polity.founding)]
    for number in range(count - 1):
        entry = polity.apply(history_act(number))
        if not entry.outcome.granted:
            raise RuntimeError(f"act {number} was refused: {entry.outcome.basis}")
        entries.append(act_entry(number + 1, entry))
    key = Ed25519PrivateKey.generate()
    origin = origin_of("coop")
    sizes = sorted({*range(max(1, count // 10), count, max(1, count // 10)), count})
    roots = _fold_roots(entries, set(sizes))
    checkpoints = tuple(sign_checkpoint(key, origin, size, roots[size]).text for size in sizes)
    bundle = Bundle(
        "coop",
        constitution.name,
        origin,
        public_key_bytes(key),
        ((1, constitution.document.data),),
        checkpoints,
        tuple(entries),
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(write_bundle(bundle))
    partial.rename(path)
    return path


def verification(count: int) -> list[Row]:
    path = build_bundle(count)
    say("  reading the bundle...")
    bundle = read_bundle(path.read_bytes())
    total_bytes = sum(map(len, bundle.entries))
    sha256 = hashlib.sha256

    def raw() -> None:
        [sha256(data).digest() for data in bundle.entries]

    def charter() -> None:
        report = check_hashes(bundle)
        if not report.ok:
            raise RuntimeError(report.summary())

    raw_times, charter_times = [], []
    for _ in range(3):  # interleaved, best of three each
        raw_times.append(_timed(raw))
        charter_times.append(_timed(charter))
    raw_s, charter_s = min(raw_times), min(charter_times)
    say("  replaying every act (full verify)...")
    start = time.perf_counter()
    report = verify(bundle)
    replay_s = time.perf_counter() - start
    if not report.ok:
        raise RuntimeError(report.summary())
    mb = total_bytes / 1e6
    return [
        Row(
            f"hashes + signatures of a {count:,}-entry bundle ({mb:,.0f} MB)",
            f"{charter_s:.2f} s ({count / charter_s / 1e6:.2f} M entries/s)",
            f"raw sha256 of each entry {raw_s:.2f} s ({count / raw_s / 1e6:.2f} M/s)",
            raw_s / charter_s,
            ">= 50%",
            raw_s / charter_s >= 0.5,
        ),
        Row(
            f"full verify (every act replayed), {count:,} entries",
            f"{replay_s:.1f} s ({replay_s / count * 1e6:.1f} µs/entry)",
            "",
            None,
            "< 60 s" if count >= 1_000_000 else "< 60 s at 10^6",
            replay_s < 60 * count / 1_000_000,
        ),
    ]


def _timed(function: Callable[[], None]) -> float:
    gc.collect()
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


# --- proofs after a restart ------------------------------------------------------------------


def fill(url: str, polity_id: str, count: int, chunk: int = 50_000) -> None:
    """`count` synthetic entries of the workload's size, appended in large batches."""
    store = open_store(url)
    store.create_polity(polity_id, "proofs", b"\x00" * 32, datetime.now(UTC).isoformat())
    size = 0
    filler = os.urandom(256)
    while size < count:
        items = []
        for seq in range(size, min(size + chunk, count)):
            data = canonical({"seq": seq, "filler": filler.hex()[:250]})
            items.append((data, merkle.leaf_hash(data)))
        store.append(polity_id, size, items)
        size += len(items)
    store.close()


def _quantiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def proof_figures(backend: str, url: str, count: int, samples: int) -> list[Row]:
    say(f"  filling a {count:,}-entry log on {backend}...")
    fill(url, "proofs", count)
    store = open_store(url, create=False)  # a new engine: nothing cached from the writes
    service = PolityService(store, KeyRing(Path(tempfile.gettempdir())))
    rng = random.Random(1922)
    size = store.head("proofs").size

    def fetch(keys: Sequence[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
        return store.nodes("proofs", keys)

    param = _param(url)
    point = (
        f"SELECT hash FROM nodes WHERE polity_id = {param} AND level = {param} AND idx = {param}"
    )

    def raw_select() -> None:
        with store.engine.connect() as connection, connection.begin():
            connection.exec_driver_sql(point, ("proofs", 0, rng.randrange(size))).one()

    def path_only() -> None:
        index = rng.randrange(size)
        path = proofs.prove_inclusion(fetch, index, size)
        if len(path) != len(proofs.inclusion_proof_keys(index, size)):
            raise RuntimeError("short proof")

    def consistency_only() -> None:
        old = rng.randrange(1, size)
        proofs.prove_consistency(fetch, old, size)

    def inclusion_service() -> None:
        service.prove_inclusion("proofs", rng.randrange(size))

    def consistency_service() -> None:
        service.prove_consistency("proofs", rng.randrange(1, size), size)

    measured: dict[str, tuple[float, float]] = {}
    for name, function in [
        ("raw", raw_select),
        ("inclusion", path_only),
        ("consistency", consistency_only),
        ("inclusion+", inclusion_service),
        ("consistency+", consistency_service),
    ]:
        for _ in range(min(50, samples)):  # warm the pool and the caches
            function()
        times = []
        for _ in range(samples):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
        measured[name] = _quantiles(times)
    store.close()
    raw_median = measured["raw"][0]
    rows = []
    labels = {
        "inclusion": "inclusion proof (prove_inclusion: one node fetch)",
        "consistency": "consistency proof (prove_consistency: one node fetch)",
        "inclusion+": "inclusion proof + leaf + root (PolityService.prove_inclusion)",
        "consistency+": "consistency proof + both roots (PolityService.prove_consistency)",
    }
    for name, label in labels.items():
        median, p99 = measured[name]
        rows.append(
            Row(
                f"{label}, {count:,} entries, {backend}, after restart",
                f"median {median * 1e3:.3f} ms, p99 {p99 * 1e3:.3f} ms",
                f"raw PK SELECT of one node {raw_median * 1e3:.3f} ms",
                raw_median / median,
                "< 1 ms",
                median < 1e-3 and p99 < 1e-3,
            )
        )
    return rows


# --- main ------------------------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{' '.join(platform.uname())}; {model}; {os.cpu_count()} cores; Python {platform.python_version()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument(
        "--quick", action="store_true", help="a small run (10^4 entries, fewer acts)"
    )
    parser.add_argument(
        "--entries",
        type=int,
        default=None,
        help="bundle and proof log size (default 10^6; 10^4 with --quick)",
    )
    parser.add_argument(
        "--acts", type=int, default=None, help="acts per one-per-transaction run (default 2000)"
    )
    parser.add_argument(
        "--batches", type=int, default=None, help="batches per batched run (default 200)"
    )
    parser.add_argument(
        "--batch", type=int, default=100, help="acts (and raw rows) per batch (default 100)"
    )
    parser.add_argument(
        "--samples", type=int, default=1000, help="proofs timed per figure (default 1000)"
    )
    parser.add_argument(
        "--processes",
        type=int,
        action="append",
        default=None,
        help="client processes of a throughput run (repeatable; default 1 and 8)",
    )
    parser.add_argument(
        "--backend",
        choices=["SQLite", "PostgreSQL"],
        action="append",
        default=None,
        help="run only on these backends (repeatable; default both)",
    )
    parser.add_argument(
        "--postgres",
        default=None,
        help="PostgreSQL URL (loopback only); default $CHARTER_BENCH_POSTGRES_URL or $CHARTER_TEST_POSTGRES_URL",
    )
    parser.add_argument(
        "--only",
        choices=["throughput", "verify", "proofs"],
        action="append",
        help="run only these parts (repeatable)",
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        default=None,
        help="also write the machine, date, command and table to this file",
    )
    args = parser.parse_args(argv)

    entries = args.entries or (10_000 if args.quick else 1_000_000)
    acts = args.acts or (200 if args.quick else 2000)
    batches = args.batches or (16 if args.quick else 200)
    parts = set(args.only or ["throughput", "verify", "proofs"])
    postgres = (
        args.postgres
        or os.environ.get("CHARTER_BENCH_POSTGRES_URL")
        or os.environ.get("CHARTER_TEST_POSTGRES_URL")
    )
    if postgres:
        check_loopback(postgres)

    rows: list[Row] = []
    notes: list[str] = []
    load_before = os.getloadavg()  # a shared machine's other work moves every figure
    work = Path(tempfile.mkdtemp(prefix="charter-bench-"))
    try:
        backends: list[tuple[str, Callable[[str], Any]]] = [
            ("SQLite", lambda name: _sqlite(work, name))
        ]
        if postgres:
            backends.append(("PostgreSQL", lambda name: postgres_schema(postgres)))
        else:
            notes.append(
                "PostgreSQL skipped: no --postgres, $CHARTER_BENCH_POSTGRES_URL or $CHARTER_TEST_POSTGRES_URL"
            )
        if args.backend:
            backends = [(name, database) for name, database in backends if name in args.backend]
        if "throughput" in parts:
            for backend, database in backends:
                for processes in args.processes or (1, 8):
                    say(f"throughput: {backend}, {processes} process(es)...")
                    with database(f"throughput-{processes}") as url:
                        rows += throughput(
                            backend, url, processes, acts, batches, args.batch, notes
                        )
        if "verify" in parts:
            say("verification...")
            rows += verification(entries)
        if "proofs" in parts:
            for backend, database in backends:
                say(f"proofs: {backend}...")
                with database("proofs") as url:
                    rows += proof_figures(backend, url, entries, args.samples)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    command = "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    load_after = os.getloadavg()
    notes.append(
        f"load average (1, 5, 15 min) on {os.cpu_count()} cores: at the start"
        f" {load_before[0]:.2f}, {load_before[1]:.2f}, {load_before[2]:.2f};"
        f" at the end {load_after[0]:.2f}, {load_after[1]:.2f}, {load_after[2]:.2f}"
    )
    output = table(rows)
    print(output)
    for note in notes:
        print(f"\n{note}")
    if args.markdown is not None:
        args.markdown.write_text(
            f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}\n"
            f"- machine: {machine()}\n"
            f"- command: `{command.strip()}`\n\n{output}\n"
            + "".join(f"\n{note}\n" for note in notes),
            encoding="utf-8",
        )
    return 0


@contextmanager
def _sqlite(work: Path, name: str) -> Iterator[str]:
    yield f"sqlite:///{work / name}.db"


if __name__ == "__main__":
    sys.exit(main())
