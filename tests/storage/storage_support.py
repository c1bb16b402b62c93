"""Helpers for the storage tests: an independent RFC 9162 rebuild and writer processes.

The PostgreSQL set-up lives in tests/conftest.py, shared with the service tests.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from conftest import PG_ENV, PG_SKIP_REASON, postgres_schema, postgres_url

WRITER = Path(__file__).with_name("storage_writer.py")

__all__ = ["PG_ENV", "PG_SKIP_REASON", "postgres_schema", "postgres_url"]


def leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def pair(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def naive_root(hashes: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 section 2.1.1, sharing no code with charter.ledger.merkle."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    split = 1 << ((len(hashes) - 1).bit_length() - 1)
    return pair(naive_root(hashes[:split]), naive_root(hashes[split:]))


def all_perfect_nodes(hashes: list[bytes]) -> dict[tuple[int, int], bytes]:
    """Every complete perfect subtree over `hashes`, built level by level."""
    found: dict[tuple[int, int], bytes] = {}
    level, row = 0, list(hashes)
    while row:
        found.update(((level, index), digest) for index, digest in enumerate(row))
        row = [pair(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)]
        level += 1
    return found


def items(payloads: list[bytes]) -> list[tuple[bytes, bytes]]:
    return [(data, leaf(data)) for data in payloads]


def start_writer(*args: str, stdout: Path) -> subprocess.Popen[bytes]:
    """Run storage_writer.py in its own process, its acknowledgements going to `stdout`."""
    with stdout.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, str(WRITER), *args], stdout=sink, stderr=subprocess.PIPE
        )


def lines(path: Path) -> list[str]:
    """Complete lines only: a writer killed mid-print leaves a partial last line."""
    text = path.read_text(encoding="utf-8")
    return text.split("\n")[:-1]
