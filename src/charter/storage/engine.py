"""Where the ledger lives and how connections to it behave.

One store contract runs on two backends: an embedded SQLite file (the default,
nothing to install) and PostgreSQL through psycopg 3. This module turns what a
user types into a SQLAlchemy URL and builds engines whose transactions give the
store what it relies on: a writer holds the polity's lock for the whole append,
and a commit is durable before the store acknowledges it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from charter.storage.errors import UnsupportedDatabase

__all__ = [
    "DATABASE_URL_ENV",
    "WRITE_OPTION",
    "Durability",
    "database_url",
    "default_sqlite_path",
    "make_engine",
    "make_side_engine",
]

DATABASE_URL_ENV = "CHARTER_DATABASE_URL"
"""Environment variable naming the database when no URL is given."""

WRITE_OPTION = "charter_write"
"""Connection execution option marking a connection whose transactions will write.

On SQLite such a transaction starts with BEGIN IMMEDIATE, taking the write lock
up front; elsewhere it changes nothing.
"""

SQLITE_BUSY_TIMEOUT_S = 60.0
"""How long an SQLite writer waits in line for the write lock before giving up."""

Durability = Literal["full", "fast"]


def default_sqlite_path() -> Path:
    """The embedded database used when nothing else is configured: the user's data directory."""
    return Path(platformdirs.user_data_dir("charter")) / "charter.db"


def _sqlite_url(path: Path) -> str:
    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


def database_url(url: str | None = None) -> str:
    """The SQLAlchemy URL to use: `url`, else $CHARTER_DATABASE_URL, else the embedded SQLite file.

    `postgresql://` (and `postgres://`) become `postgresql+psycopg://`, the one
    PostgreSQL driver Charter ships with. Anything without a scheme is a path to
    an SQLite file. Other databases are refused rather than half supported.
    """
    raw = url if url is not None else os.environ.get(DATABASE_URL_ENV) or None
    if raw is None:
        return _sqlite_url(default_sqlite_path())
    if not raw.strip():
        raise UnsupportedDatabase("empty database URL; pass None for the default database")
    if "://" not in raw:
        return _sqlite_url(Path(raw).expanduser().absolute())
    try:
        parsed = make_url(raw)
    except ArgumentError as exc:
        raise UnsupportedDatabase(f"not a database URL: {raw!r}") from exc
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgresql", "postgres"):
        if driver not in ("", "psycopg"):
            raise UnsupportedDatabase(
                f"PostgreSQL driver {driver!r} is not supported; use postgresql:// (psycopg 3)"
            )
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend == "sqlite":
        if driver not in ("", "pysqlite"):
            raise UnsupportedDatabase(f"SQLite driver {driver!r} is not supported; use sqlite://")
    else:
        raise UnsupportedDatabase(
            f"database {backend!r} is not supported; use an SQLite path or postgresql://"
        )
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str | None = None, *, durability: Durability = "full") -> Engine:
    """An engine for the ledger at `url` (resolved by `database_url`).

    SQLite runs in WAL mode (readers never block the writer) with foreign keys
    on. Writers queue on the busy timeout for the write lock, which they take
    at BEGIN (see `WRITE_OPTION`), so two writers never both hold a read
    snapshot and then deadlock upgrading it. PostgreSQL runs READ COMMITTED;
    the store serialises appends to one polity with a row lock.

    `durability="full"` (the default) makes every acknowledged commit survive
    power loss: SQLite `synchronous=FULL`, PostgreSQL's configured
    `synchronous_commit`. `"fast"` trades that for fewer fsyncs: SQLite
    `synchronous=NORMAL`, PostgreSQL `synchronous_commit=off`. On power loss or
    an OS crash the last few acknowledged commits may then be lost, but the
    database is never corrupted and never holds half an append: the log and
    its tree stay consistent with each other. A crash of the process alone
    loses nothing in either mode.
    """
    if durability not in ("full", "fast"):
        raise ValueError(f"durability must be 'full' or 'fast', not {durability!r}")
    resolved = make_url(database_url(url))
    if resolved.get_backend_name() == "sqlite":
        return _sqlite_engine(resolved, durability)
    return _postgresql_engine(resolved, durability)


def _sqlite_engine(url: URL, durability: Durability) -> Engine:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    synchronous = "FULL" if durability == "full" else "NORMAL"
    busy_ms = int(SQLITE_BUSY_TIMEOUT_S * 1000)

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from sqlite3 so that SQLAlchemy's BEGIN is the only one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    def on_begin(connection: Connection) -> None:
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
    return engine


def _postgresql_engine(url: URL, durability: Durability) -> Engine:
    engine = create_engine(url, isolation_level="READ COMMITTED", pool_pre_ping=True)
    if durability == "fast":

        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")
            dbapi_connection.commit()

        event.listen(engine, "connect", on_connect)
    return engine


def make_side_engine(engine: Engine) -> Engine:
    """A second engine on `engine`'s database for work whose own commit need not be durable.

    The store enqueues pending acts through it (nothing is acknowledged until a
    combiner has appended them in a durable transaction, whose commit also makes
    durable every earlier write of the log) and, on PostgreSQL, runs its reads
    through it. SQLite: `synchronous=NORMAL`, otherwise as `make_engine`.
    PostgreSQL: autocommit (a single statement is its own transaction: one
    round trip, no BEGIN or COMMIT), `synchronous_commit=off`, and no pre-ping
    (a connection broken since its last use fails that one call; the pool
    then replaces it).
    """
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return make_engine(url.render_as_string(hide_password=False), durability="fast")
    # Every web request reads through it (its credential, then proofs and pages), from a
    # pool of dozens of threads: a pool of 5 would open and close a connection for most.
    side = create_engine(
        url, isolation_level="AUTOCOMMIT", pool_pre_ping=False, pool_size=20, max_overflow=10
    )

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
        dbapi_connection.commit()

    event.listen(side, "connect", on_connect)
    return side


Lookup = Callable[[str, Sequence[object]], list[tuple[Any, ...]]]
"""Runs one read statement (written with `?` placeholders) and returns its rows."""


def driver_lookup(engine: Engine) -> Lookup:
    """A `Lookup` on `engine`'s own driver connections, skipping SQLAlchemy's statement
    machinery: for the reads every request makes (its credential), where that machinery
    cost more than the query. Each call is one statement outside any transaction on
    PostgreSQL when `engine` is autocommit, and a plain read on SQLite."""
    postgresql = engine.dialect.name == "postgresql"
    translated: dict[str, str] = {}

    def lookup(sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        if postgresql:
            sql = translated.get(sql) or translated.setdefault(sql, sql.replace("?", "%s"))
        pooled = engine.raw_connection()
        try:
            driver = pooled.driver_connection
            assert driver is not None
            cursor = driver.execute(sql, tuple(params))
            return [tuple(row) for row in cursor.fetchall()]
        except BaseException:
            pooled.invalidate()
            raise
        finally:
            pooled.close()

    return lookup
