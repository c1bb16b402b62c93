"""Helpers for the storage tests: an independent RFC 9162 rebuild and backend set-up."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url

PG_ENV = "CHARTER_TEST_POSTGRES_URL"
PG_SKIP_REASON = f"set {PG_ENV} to run the PostgreSQL storage tests"
WRITER = Path(__file__).with_name("storage_writer.py")


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


def postgres_url() -> str | None:
    return os.environ.get(PG_ENV) or None


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A fresh schema for one test, as a URL whose connections use it; dropped afterwards."""
    schema = f"charter_test_{uuid.uuid4().hex[:16]}"
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
