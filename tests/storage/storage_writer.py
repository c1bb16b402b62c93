"""A writer process for the storage tests (run as a script, never imported by pytest).

storage_writer.py contend URL POLITY WORKER COUNT GO_FILE
    append COUNT entries "WORKER:i" in random batches, retrying on Conflict,
    once GO_FILE exists; prints "ready" first, "done RETRIES" last.
storage_writer.py crash URL POLITY GO_FILE
    once GO_FILE exists, append entries "POLITY:seq" one at a time until
    killed, printing each seq once `append` has returned (acknowledged).
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from charter.storage import Conflict, open_store
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


def main(argv: list[str]) -> None:
    mode, url, polity, *rest = argv
    store = open_store(url, create=False)
    if mode == "contend":
        worker, count, go_file = rest
        contend(store, polity, worker, int(count), Path(go_file))
    elif mode == "crash":
        (go_file,) = rest
        crash(store, polity, Path(go_file))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    store.close()


if __name__ == "__main__":
    main(sys.argv[1:])
