"""A writer process for the storage tests (run as a script, never imported by pytest).

storage_writer.py contend URL POLITY WORKER COUNT GO_FILE
    append COUNT entries "WORKER:i" in random batches, retrying on Conflict,
    once GO_FILE exists; prints "ready" first, "done RETRIES" last.
storage_writer.py crash URL POLITY GO_FILE
    once GO_FILE exists, append entries "POLITY:seq" one at a time until
    killed, printing each seq once `append` has returned (acknowledged).
storage_writer.py combine URL POLITY WORKER COUNT GO_FILE
    as contend, but each batch goes through the queue (`enqueue`, `combine`);
    prints "ready" first, "done COMBINED READ" last.
storage_writer.py hang URL POLITY PAYLOAD
    enqueue PAYLOAD, then combine with a judge that prints "judging" and never
    returns (the test kills it there, holding the polity's lock).
storage_writer.py queue URL POLITY PAYLOAD
    enqueue PAYLOAD, print its ticket and wait, holding the request, until killed.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from charter.storage import Combination, Conflict, Judged, open_store
from charter.storage.store import LedgerStore


def leaf(data: bytes) -> bytes:
    from charter.ledger.merkle import leaf_hash

    return leaf_hash(data)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def ready_set_go(go_file: Path) -> None:
    """Start together: the slowest process to import is not left to append alone."""
    say("ready")
    while not go_file.exists():
        time.sleep(0.005)


def contend(store: LedgerStore, polity: str, worker: str, count: int, go_file: Path) -> None:
    rng = random.Random(worker)
    ready_set_go(go_file)
    written, retries = 0, 0
    while written < count:
        batch = min(count - written, rng.randint(1, 3))
        payloads = [f"{worker}:{written + i}".encode() for i in range(batch)]
        pending = [(data, leaf(data)) for data in payloads]
        size = store.head(polity).size
        while True:
            try:
                store.append(polity, size, pending)
                break
            except Conflict as conflict:
                retries += 1
                size = conflict.actual_size
        written += batch
    say(f"done {retries}")


def crash(store: LedgerStore, polity: str, go_file: Path) -> None:
    size = store.head(polity).size
    ready_set_go(go_file)
    while True:
        data = f"{polity}:{size}".encode()
        head = store.append(polity, size, [(data, leaf(data))])
        say(str(size))
        size = head.size


def judge_payloads(size, missed, pending):
    """Each request's payload is its entries' data, joined by newlines."""
    return Combination(
        [
            Judged(ticket, [(d, leaf(d)) for d in request.split(b"\n")])
            for ticket, request in pending
        ]
    )


def combine(store: LedgerStore, polity: str, worker: str, count: int, go_file: Path) -> None:
    rng = random.Random(worker)
    ready_set_go(go_file)
    written, combined, read = 0, 0, 0
    while written < count:
        batch = min(count - written, rng.randint(1, 3))
        payload = b"\n".join(f"{worker}:{written + i}".encode() for i in range(batch))
        ticket = store.enqueue(polity, payload)
        settled = store.combine(polity, ticket, batch, 0, judge_payloads)
        assert settled.seq is not None
        if settled.combined:
            combined += 1
        else:
            read += 1
            assert list(settled.entries) == payload.split(b"\n")
        written += batch
    say(f"done {combined} {read}")


def hang(store: LedgerStore, polity: str, payload: str) -> None:
    ticket = store.enqueue(polity, payload.encode())

    def judge(size, missed, pending):
        say("judging")
        while True:
            time.sleep(1)

    store.combine(polity, ticket, 1, 0, judge)


def queue(store: LedgerStore, polity: str, payload: str) -> None:
    say(str(store.enqueue(polity, payload.encode())))
    while True:
        time.sleep(1)


def main(argv: list[str]) -> None:
    mode, url, polity, *rest = argv
    store = open_store(url, create=False)
    if mode == "contend":
        worker, count, go_file = rest
        contend(store, polity, worker, int(count), Path(go_file))
    elif mode == "crash":
        (go_file,) = rest
        crash(store, polity, Path(go_file))
    elif mode == "combine":
        worker, count, go_file = rest
        combine(store, polity, worker, int(count), Path(go_file))
    elif mode == "hang":
        (payload,) = rest
        hang(store, polity, payload)
    elif mode == "queue":
        (payload,) = rest
        queue(store, polity, payload)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    store.close()


if __name__ == "__main__":
    main(sys.argv[1:])
