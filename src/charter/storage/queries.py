"""The store's steps inside one transaction, on one connection: reads, writes, and the
planning of a combination. `LedgerStore` (charter.storage.store) decides when each runs
and under which lock; nothing here opens or commits a transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from charter.ledger import merkle
from charter.ledger.merkle import NodeKey
from charter.storage.errors import NotPending, UnknownPolity
from charter.storage.records import Combination, Head, Settled
from charter.storage.statements import POSTGRESQL, POSTGRESQL_NODES, SQLITE, Statements

__all__ = [
    "NODE_BATCH",
    "abandon",
    "append_params",
    "check_known",
    "check_leaves",
    "driver_connection",
    "extend",
    "fetch_nodes",
    "fetch_nodes_raw",
    "fetch_nodes_sqlite",
    "forget_requests",
    "insert_log",
    "log_data",
    "plan",
    "read_head",
    "read_head_raw",
    "settled_combined",
    "split_queue",
    "sql_for",
]

NODE_BATCH = 400
"""Keys per node query: 800 bound parameters stays far below every backend's limit."""


def sql_for(connection: Connection) -> Statements:
    return SQLITE if connection.dialect.name == "sqlite" else POSTGRESQL


def check_known(known_size: int, size: int) -> None:
    if not 0 <= known_size <= size:
        raise ValueError(f"known size {known_size} is not within the log's {size} entries")


def split_queue(
    rows: Sequence[Any], ticket: int, polity_id: str
) -> tuple[Any, tuple[bytes, ...], list[tuple[int, bytes]]]:
    """The request's own row, the entries missed and the pending requests, from `queue_and_log`."""
    own = next((row for row in rows if row[0] == 0 and row[1] == ticket), None)
    if own is None:
        raise NotPending(ticket, polity_id)
    missed = tuple(bytes(row[2]) for row in rows if row[0] == 1)
    pending = [
        (int(row[1]), bytes(row[2]))
        for row in rows
        if row[0] == 0 and row[3] is None and row[4] is None
    ]
    return own, missed, pending


def plan(
    size: int, pending: Sequence[tuple[int, bytes]], combination: Combination
) -> tuple[list[tuple[bytes, bytes]], list[tuple[int | None, str | None, int]]]:
    """The items to append after `size` and each request's (seq, error, ticket)."""
    decided = {judged.ticket for judged in combination.judged}
    if len(decided) != len(combination.judged) or decided != {t for t, _ in pending}:
        raise ValueError("a combination must settle every pending request exactly once")
    items: list[tuple[bytes, bytes]] = []
    outcomes: list[tuple[int | None, str | None, int]] = []
    for judged in combination.judged:
        if not judged.items and judged.error is None:
            raise ValueError(
                f"request {judged.ticket} is settled with neither entries nor an error"
            )
        check_leaves(judged.items)
        seq = size + len(items) if judged.items else None
        outcomes.append((seq, judged.error, judged.ticket))
        items.extend(judged.items)
    return items, outcomes


def settled_combined(
    ticket: int,
    size: int,
    items: Sequence[tuple[bytes, bytes]],
    outcomes: Sequence[tuple[int | None, str | None, int]],
) -> Settled:
    seq, error, _ = next(outcome for outcome in outcomes if outcome[2] == ticket)
    return Settled(seq, error, True, size + len(items))


def extend(
    size: int, items: Sequence[tuple[bytes, bytes]], frontier: dict[NodeKey, bytes]
) -> tuple[int, bytes, list[tuple[NodeKey, bytes]], dict[NodeKey, bytes]]:
    """The new size, root and nodes once `items` follow `size` entries, and every node known
    (the frontier and the new ones: enough for the frontier at the new size)."""
    added = merkle.completed_nodes(size, [digest for _data, digest in items], frontier)
    new_size = size + len(items)
    known = {**frontier, **dict(added)}
    return new_size, merkle.root_from(merkle.perfect_ranges(0, new_size), known), added, known


def fetch_nodes_raw(raw: Any, polity_id: str, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
    """`fetch_nodes` on a psycopg connection, in one statement of one shape whatever the keys
    (two arrays, binary), which psycopg prepares once per connection and the server plans once."""
    wanted = list(dict.fromkeys(keys))
    params = ([level for level, _ in wanted], [index for _, index in wanted], polity_id)
    rows = raw.execute(POSTGRESQL_NODES, params).fetchall()
    return {(level, index): bytes(digest) for level, index, digest in rows}


def append_params(
    polity_id: str,
    size: int,
    items: Sequence[tuple[bytes, bytes]],
    new_size: int,
    root: bytes,
    added: Sequence[tuple[NodeKey, bytes]],
) -> tuple[Any, ...]:
    """The parameters of PostgreSQL's one-statement `append`: columns as arrays."""
    return (
        new_size,
        root,
        polity_id,
        size,
        list(range(size, new_size)),
        [data for data, _digest in items],
        [digest for _data, digest in items],
        [level for (level, _index), _digest in added],
        [index for (_level, index), _digest in added],
        [digest for _key, digest in added],
    )


def driver_connection(connection: Connection) -> Any:
    raw = connection.connection.driver_connection
    if raw is None:
        raise RuntimeError("the connection has no driver connection")
    return raw


def abandon(connection: Connection, raw: Any) -> None:
    """Roll back whatever a raw PostgreSQL transaction left open; drop a broken connection."""
    try:
        if raw.info.transaction_status != 0:  # psycopg.pq.TransactionStatus.IDLE
            raw.execute("ROLLBACK")
    except Exception:
        connection.invalidate()


def log_data(connection: Connection, polity_id: str, start: int, stop: int) -> list[bytes]:
    if start >= stop:
        return []
    rows = connection.exec_driver_sql(sql_for(connection).entry_range, (polity_id, start, stop))
    return [bytes(row[0]) for row in rows]


def forget_requests(connection: Connection, tickets: Sequence[int]) -> None:
    connection.exec_driver_sql(sql_for(connection).forget_one, [(ticket,) for ticket in tickets])


def check_leaves(items: Sequence[tuple[bytes, bytes]]) -> None:
    for _data, digest in items:
        if len(digest) != merkle.HASH_SIZE:
            raise ValueError(f"a leaf hash has {len(digest)} bytes, not {merkle.HASH_SIZE}")


def insert_log(
    connection: Connection,
    polity_id: str,
    size: int,
    items: Sequence[tuple[bytes, bytes]],
    frontier: dict[NodeKey, bytes] | None = None,
) -> tuple[Head, dict[NodeKey, bytes]]:
    """Store `items` after `size` entries, with the subtrees they complete; move the head.

    `frontier` (the nodes of `frontier_keys(size)`) is read if not given. Returns
    the new head and the nodes known, for `LedgerStore._remember` after the commit.
    """
    if frontier is None:
        frontier = fetch_nodes(connection, polity_id, merkle.frontier_keys(size))
    new_size, root, added, known = extend(size, items, frontier)
    sql = sql_for(connection)
    connection.exec_driver_sql(
        sql.insert_entries,
        [(polity_id, size + offset, data, digest) for offset, (data, digest) in enumerate(items)],
    )
    connection.exec_driver_sql(
        sql.insert_nodes,
        [(polity_id, level, index, digest) for (level, index), digest in added],
    )
    connection.exec_driver_sql(sql.move_head, (new_size, root, polity_id))
    return Head(new_size, root), known


def read_head_raw(raw: Any, polity_id: str) -> Head:
    """The head, on the driver's own connection (psycopg or sqlite3)."""
    sql = SQLITE if type(raw).__module__ == "sqlite3" else POSTGRESQL
    row = raw.execute(sql.head, (polity_id,)).fetchone()
    if row is None:
        raise UnknownPolity(polity_id)
    return Head(int(row[0]), bytes(row[1]))


def read_head(connection: Connection, polity_id: str, *, lock: bool = False) -> Head:
    sql = sql_for(connection)
    row = connection.exec_driver_sql(
        sql.head_for_update if lock else sql.head, (polity_id,)
    ).one_or_none()
    if row is None:
        raise UnknownPolity(polity_id)
    return Head(row[0], bytes(row[1]))


def fetch_nodes(
    connection: Connection, polity_id: str, keys: Sequence[NodeKey]
) -> dict[NodeKey, bytes]:
    """The stored nodes among `keys`, on a SQLAlchemy connection of either backend."""
    return _fetch_nodes_with(connection.exec_driver_sql, sql_for(connection).param, polity_id, keys)


def fetch_nodes_sqlite(raw: Any, polity_id: str, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
    """`fetch_nodes` on an sqlite3 connection (no SQLAlchemy wrapper: a proof's few statements)."""
    return _fetch_nodes_with(raw.execute, SQLITE.param, polity_id, keys)


def _fetch_nodes_with(
    execute: Any, param: str, polity_id: str, keys: Sequence[NodeKey]
) -> dict[NodeKey, bytes]:
    wanted = list(dict.fromkeys(keys))
    found: dict[NodeKey, bytes] = {}
    for start in range(0, len(wanted), NODE_BATCH):
        batch = wanted[start : start + NODE_BATCH]
        # A join from the wanted keys, so that each is one primary-key lookup on both backends
        # (SQLite scans the polity's nodes for a row-value IN list).
        pairs = ", ".join([f"({param}, {param})"] * len(batch))
        rows = execute(
            f"SELECT n.level, n.idx, n.hash FROM (VALUES {pairs}) AS k"
            f" JOIN nodes AS n ON n.polity_id = {param}"
            " AND n.level = k.column1 AND n.idx = k.column2",
            (*(number for key in batch for number in key), polity_id),
        )
        for level, index, digest in rows:
            found[(level, index)] = bytes(digest)
    return found
