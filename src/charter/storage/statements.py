"""The ledger store's SQL, written once in each driver's own dialect: no per-call compilation.

`SQLITE` and `POSTGRESQL` hold the statements both backends share (with `?` or
`%s` for parameters); the `POSTGRESQL_*` ones use what only PostgreSQL has
(arrays and `unnest`, data-modifying `WITH`, advisory locks), in psycopg's
query syntax (`%b` binary parameters, `%%` for the modulo operator).
"""

from __future__ import annotations

from dataclasses import dataclass

from charter.storage.owners import POSTGRESQL_KEY

__all__ = [
    "POSTGRESQL",
    "POSTGRESQL_CHECKPOINT_IF_MOVED",
    "POSTGRESQL_ENQUEUE",
    "POSTGRESQL_ENQUEUE_FORGETTING",
    "POSTGRESQL_FRONTIER",
    "POSTGRESQL_HEAD_AND_NODES",
    "POSTGRESQL_INSERT_CHECKPOINT",
    "POSTGRESQL_NODES",
    "POSTGRESQL_RECLAIM",
    "SQLITE",
    "SQLITE_INSERT_CHECKPOINT",
    "P",
    "Statements",
]

P = "\x00"
"""Placeholder for a bound parameter in the statements below, replaced by the driver's own."""


@dataclass(frozen=True, slots=True)
class Statements:
    """The append path's statements in the driver's own SQL: no per-call compilation."""

    param: str
    head: str
    head_for_update: str
    insert_entries: str
    insert_nodes: str
    move_head: str
    move_head_from: str
    append: str
    entry_range: str
    enqueue: str
    queue_and_log: str
    pending: str
    settled: str
    settle: str
    forget_one: str
    insert_constitution: str
    await_turn: str
    outcome: str

    @classmethod
    def for_param(cls, param: str, row_locks: bool) -> Statements:
        head = f"SELECT size, root FROM polities WHERE id = {P}"
        statements = {
            "head": head,
            # NO KEY: enqueuers' foreign-key checks (KEY SHARE) need not wait for the holder.
            "head_for_update": head + (" FOR NO KEY UPDATE" if row_locks else ""),
            "insert_entries": f"INSERT INTO entries (polity_id, seq, data, leaf_hash)"
            f" VALUES ({P}, {P}, {P}, {P})",
            "insert_nodes": f"INSERT INTO nodes (polity_id, level, idx, hash)"
            f" VALUES ({P}, {P}, {P}, {P})",
            "move_head": f"UPDATE polities SET size = {P}, root = {P} WHERE id = {P}",
            # Locks the polity's row and checks the size in one statement; no row: refused.
            "move_head_from": f"UPDATE polities SET size = {P}, root = {P}"
            f" WHERE id = {P} AND size = {P}",
            # PostgreSQL: a whole append in one statement. A writer that waited for the row
            # lock re-checks the size against the committed head (READ COMMITTED); if it
            # moved, no row comes back from `head` and nothing is inserted.
            # The arrays go in binary (%b): no escaping of every byte string in text form.
            "append": "WITH head AS (UPDATE polities SET size = %s, root = %b"
            " WHERE id = %s AND size = %s RETURNING id),"
            " new_entries AS (INSERT INTO entries (polity_id, seq, data, leaf_hash)"
            " SELECT head.id, e.seq, e.data, e.leaf_hash FROM head,"
            " unnest(%b::bigint[], %b::bytea[], %b::bytea[]) AS e (seq, data, leaf_hash)),"
            " new_nodes AS (INSERT INTO nodes (polity_id, level, idx, hash)"
            " SELECT head.id, n.level, n.idx, n.hash FROM head,"
            " unnest(%b::integer[], %b::bigint[], %b::bytea[]) AS n (level, idx, hash))"
            " SELECT count(*) FROM head",
            "entry_range": f"SELECT data FROM entries WHERE polity_id = {P} AND seq >= {P}"
            f" AND seq < {P} ORDER BY seq",
            "enqueue": f"INSERT INTO pending_acts (polity_id, acts) VALUES ({P}, {P})"
            " RETURNING ticket",
            # Under the lock: the request, the queue and the entries since `known_size`.
            "queue_and_log": "SELECT 0, ticket, acts, seq, error FROM pending_acts"
            f" WHERE polity_id = {P} AND (ticket = {P} OR (seq IS NULL AND error IS NULL))"
            f" UNION ALL SELECT 1, seq, data, NULL, NULL FROM entries WHERE polity_id = {P}"
            f" AND seq >= {P} ORDER BY 1, 2",
            "pending": f"SELECT ticket FROM pending_acts WHERE polity_id = {P}"
            " AND seq IS NULL AND error IS NULL ORDER BY ticket",
            "settled": f"SELECT ticket FROM pending_acts WHERE polity_id = {P}"
            " AND (seq IS NOT NULL OR error IS NOT NULL)",
            "settle": f"UPDATE pending_acts SET seq = {P}, error = {P} WHERE ticket = {P}",
            "forget_one": f"DELETE FROM pending_acts WHERE ticket = {P}",
            "insert_constitution": "INSERT INTO constitutions (polity_id, version, document)"
            f" VALUES ({P}, {P}, {P})",
            # Waits while a combiner holds the polity (FOR NO KEY UPDATE); waiters share it.
            "await_turn": f"SELECT size FROM polities WHERE id = {P}"
            + (" FOR SHARE" if row_locks else ""),
            # A request's outcome and, if appended, its entries.
            "outcome": f"SELECT 0, seq, error, NULL FROM pending_acts WHERE ticket = {P}"
            " UNION ALL SELECT 1, e.seq, NULL, e.data FROM pending_acts AS q JOIN entries AS e"
            f" ON e.polity_id = q.polity_id AND e.seq >= q.seq AND e.seq < q.seq + {P}"
            f" WHERE q.ticket = {P} ORDER BY 1, 2",
        }
        return cls(param, **{name: sql.replace(P, param) for name, sql in statements.items()})


# SQLite's write lock is taken at BEGIN IMMEDIATE (see engine.WRITE_OPTION); it has no FOR UPDATE.
SQLITE = Statements.for_param("?", row_locks=False)
POSTGRESQL = Statements.for_param("%s", row_locks=True)


POSTGRESQL_NODES = (
    "SELECT n.level, n.idx, n.hash FROM unnest(%b::integer[], %b::bigint[]) AS k (level, idx)"
    " JOIN nodes AS n ON n.polity_id = %s AND n.level = k.level AND n.idx = k.idx"
)
"""PostgreSQL: stored nodes among the keys given as two arrays (levels, indices)."""

POSTGRESQL_HEAD_AND_NODES = (
    "SELECT -1, size, NULL::bytea FROM polities WHERE id = %s UNION ALL " + POSTGRESQL_NODES
)
"""PostgreSQL: the polity's size (level -1, first) and the stored nodes among the keys."""


POSTGRESQL_FRONTIER = (
    "SELECT n.level, n.idx, n.hash FROM polities AS p CROSS JOIN generate_series(0, 62) AS l (level)"
    " JOIN nodes AS n ON n.polity_id = p.id AND n.level = l.level"
    " AND n.idx = (p.size >> l.level) - 1 WHERE p.id = %s AND (p.size >> l.level) & 1 = 1"
)
"""PostgreSQL: the nodes of `merkle.frontier_keys(size)` for the polity's committed size."""

POSTGRESQL_ENQUEUE = (
    "WITH queued AS (INSERT INTO pending_acts (polity_id, acts) VALUES (%s, %s) RETURNING ticket)"
    f" SELECT ticket, pg_try_advisory_lock({POSTGRESQL_KEY.format(ticket='ticket')}) FROM queued"
)
"""PostgreSQL: queue a request and hold its ticket, in one statement (one transaction: the
lock is taken before the row is visible to anyone)."""

POSTGRESQL_ENQUEUE_FORGETTING = (
    "WITH settled AS (DELETE FROM pending_acts WHERE ticket = ANY(%s)),"
    " queued AS (INSERT INTO pending_acts (polity_id, acts) VALUES (%s, %s) RETURNING ticket)"
    f" SELECT ticket, pg_try_advisory_lock({POSTGRESQL_KEY.format(ticket='ticket')}),"
    f" (SELECT count(*) FROM unnest(%s::bigint[]) AS read (t)"
    f" WHERE pg_advisory_unlock({POSTGRESQL_KEY.format(ticket='read.t')})) FROM queued"
)
"""PostgreSQL: `POSTGRESQL_ENQUEUE`, also deleting and releasing requests already read."""

POSTGRESQL_RECLAIM = (
    "DELETE FROM pending_acts WHERE polity_id = %s AND CASE WHEN seq IS NOT NULL"
    f" OR error IS NOT NULL THEN pg_try_advisory_xact_lock({POSTGRESQL_KEY.format(ticket='ticket')})"
    " ELSE false END RETURNING ticket"
)
"""PostgreSQL: delete the polity's settled rows nobody holds (the lock is the transaction's,
released at its end); CASE keeps the lock attempt to settled rows."""

POSTGRESQL_INSERT_CHECKPOINT = (
    "INSERT INTO checkpoints (polity_id, size, root, text) VALUES (%s, %s, %b, %s)"
)
"""PostgreSQL: a checkpoint row (its root binary)."""

POSTGRESQL_CHECKPOINT_IF_MOVED = (
    "INSERT INTO checkpoints (polity_id, size, root, text) SELECT %s, %s, %b, %s"
    " WHERE EXISTS (SELECT 1 FROM polities WHERE id = %s AND size = %s AND root = %b)"
    " ON CONFLICT DO NOTHING"
)
"""PostgreSQL: in an append's transaction, after its statement, the checkpoint of the head it
wrote, only if it did write it (an append the size check refused writes no checkpoint)."""

SQLITE_INSERT_CHECKPOINT = (
    "INSERT INTO checkpoints (polity_id, size, root, text) VALUES (?, ?, ?, ?)"
)
"""SQLite: a checkpoint row, in the append's transaction once its head has moved."""
