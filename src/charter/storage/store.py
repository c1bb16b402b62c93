"""The ledger store: each polity's append-only log and its Merkle tree, on SQLite or PostgreSQL.

One contract, two backends. An append is one transaction that holds the
polity's row lock (PostgreSQL `FOR NO KEY UPDATE`; SQLite's write lock, taken
at BEGIN IMMEDIATE), refuses a stale `expected_size`, writes the entries with
every perfect subtree they complete, and moves the head. It returns only once
committed, so an acknowledged entry is durable. Callers hash leaves outside the
lock, and a `Conflict` tells them to re-check their act against the newer log.

Under contention writers *combine* instead (`enqueue`, then `combine`): each
puts its request in the polity's queue with a cheap commit (nothing is
acknowledged yet), then takes the polity's lock. Whoever gets it first judges
every pending request against the head and appends them all in one durable
transaction that also records each request's outcome; a writer that gets the
lock later finds its request settled and only reads the outcome.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, Row, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from charter.ledger import merkle
from charter.ledger.merkle import NodeKey
from charter.storage.engine import WRITE_OPTION, Durability, make_engine, make_side_engine
from charter.storage.errors import (
    AlreadyStored,
    CheckpointMismatch,
    Conflict,
    NotPending,
    PolityExists,
    UnknownPolity,
)
from charter.storage.owners import POSTGRESQL_KEY, FileOwners, owners_path
from charter.storage.records import Checkpoint, Combination, Head, PolityRecord, Settled
from charter.storage.schema import checkpoints, constitutions, entries, polities
from charter.storage.version import require_current

__all__ = ["NODE_BATCH", "LedgerStore", "open_store"]

NODE_BATCH = 400
"""Keys per node query: 800 bound parameters stays far below every backend's limit."""

FRESH_FOLD = 64
"""A combining writer whose state lags the log by at most this many entries judges at once."""

COMBINER_PATIENCE_S = 0.05
"""How long a writer with a staler state waits for another writer to combine its request."""

COMBINED_CHANNEL = "charter_combined"
"""PostgreSQL NOTIFY channel on which a combiner's commit wakes the writers waiting for it."""


class LedgerStore:
    """Many polities' logs in one database; each polity's log is independent of the others."""

    def __init__(self, engine: Engine, durability: Durability = "full") -> None:
        self.engine = engine
        self.durability = durability
        self._side: Engine | None = None
        self._listening: Any = None  # PostgreSQL: the LISTEN connection, opened on first wait
        self._read_tickets: list[int] = []  # settled requests whose rows may now be deleted
        # Per polity: (size, frontier nodes) as this store last committed them. Stored nodes
        # never change, so this stays true of the log at that size; appends check the size.
        self._frontiers: dict[str, tuple[int, dict[NodeKey, bytes]]] = {}
        # Who holds which queued request (see charter.storage.owners): on PostgreSQL a
        # connection of this store's own, whose session holds the tickets' advisory locks;
        # on SQLite byte-range locks on a file beside the database.
        self._holding: Any = None
        self._owners = FileOwners(
            owners_path(engine.url.database) if engine.dialect.name == "sqlite" else None
        )

    # -- lifecycle ---------------------------------------------------------

    def close(self) -> None:
        """Release every pooled connection; the store cannot be used afterwards."""
        try:
            if self._read_tickets:
                with self._queueing() as connection:
                    _forget(connection, self._read_tickets)
                self._owners.release(self._read_tickets)
                self._read_tickets.clear()
        except SQLAlchemyError:
            pass  # leaves settled rows behind, which the next combiner reclaims
        finally:
            self._owners.close()
            if self._holding is not None:
                self._holding.close()  # its session's advisory locks go with it
            if self._listening is not None:
                self._listening.close()
            if self._side is not None:
                self._side.dispose()
            self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _side_engine(self) -> Engine:
        if self._side is None:
            self._side = make_side_engine(self.engine)
        return self._side

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        if self.engine.dialect.name == "postgresql":
            # Every read here is one statement, or several that stay consistent without a
            # snapshot (the log only grows): autocommit, one round trip each.
            with self._side_engine().connect() as connection:
                yield connection
        else:
            with self.engine.connect() as connection, connection.begin():
                yield connection

    @contextmanager
    def _queueing(self) -> Iterator[Connection]:
        """A connection whose commits need not be durable (see `make_side_engine`)."""
        with self._side_engine().connect() as connection:
            if connection.dialect.name == "postgresql":
                yield connection  # autocommit: each statement commits alone
            else:
                connection.execution_options(**{WRITE_OPTION: True})
                with connection.begin():
                    yield connection

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                yield connection

    # -- polities ----------------------------------------------------------

    def create_polity(self, polity_id: str, name: str, public_key: bytes, created: str) -> None:
        """Store a new polity with an empty log; ids are never reused."""
        try:
            with self._writing() as connection:
                connection.execute(
                    insert(polities).values(
                        id=polity_id,
                        name=name,
                        created=created,
                        public_key=public_key,
                        size=0,
                        root=merkle.EMPTY_ROOT,
                    )
                )
        except IntegrityError as exc:
            raise PolityExists(polity_id) from exc

    def polities(self) -> list[PolityRecord]:
        """Every stored polity, by id."""
        with self._reading() as connection:
            rows = connection.execute(select(polities).order_by(polities.c.id)).all()
        return [
            PolityRecord(
                id=row.id,
                name=row.name,
                created=row.created,
                public_key=bytes(row.public_key),
                head=Head(row.size, bytes(row.root)),
            )
            for row in rows
        ]

    def head(self, polity_id: str) -> Head:
        """The polity's log size and root as last committed."""
        with self._reading() as connection:
            return _head(connection, polity_id)

    # -- the log -----------------------------------------------------------

    def append(
        self, polity_id: str, expected_size: int, items: Sequence[tuple[bytes, bytes]]
    ) -> Head:
        """Append `items` ((data, leaf_hash) pairs) if the log still has `expected_size` entries.

        Raises `Conflict` (writing nothing) when another writer got there
        first. Returns the new head once the transaction has committed.

        The new nodes and root are computed before the transaction, from the
        tree's frontier at `expected_size` (remembered from this store's last
        append, or read: stored nodes never change). The transaction then
        moves the head only if it is still at `expected_size`, which takes the
        polity's lock and checks the size in one statement, and stores the
        entries and nodes: on PostgreSQL all of it is one round trip.
        """
        _check_leaves(items)
        if not items:
            with self._writing() as connection:
                head = _head(connection, polity_id, lock=True)
                if head.size != expected_size:
                    raise Conflict(head.size, expected_size=expected_size, polity_id=polity_id)
                return head
        frontier = self._frontier(polity_id, expected_size)
        if frontier is None:
            raise self._not_at(polity_id, expected_size)
        new_size, root, added, known = _extend(expected_size, items, frontier)
        if self.engine.dialect.name == "postgresql":
            moved = self._append_postgresql(polity_id, expected_size, items, new_size, root, added)
        else:
            moved = self._append_sqlite(polity_id, expected_size, items, new_size, root, added)
        if not moved:
            raise self._not_at(polity_id, expected_size)
        self._remember(polity_id, new_size, known)
        return Head(new_size, root)

    def _frontier(self, polity_id: str, size: int) -> dict[NodeKey, bytes] | None:
        """The frontier nodes of the polity's tree at `size`, or None if the log is shorter."""
        remembered = self._remembered(polity_id, size)
        if remembered is not None:
            return remembered
        keys = merkle.frontier_keys(size)
        if not keys:
            return {}
        found = self.nodes(polity_id, keys)
        return found if len(found) == len(keys) else None

    def _remembered(self, polity_id: str, size: int) -> dict[NodeKey, bytes] | None:
        """The frontier at `size` if this store last committed the polity's log at that size."""
        remembered = self._frontiers.get(polity_id)
        return remembered[1] if remembered is not None and remembered[0] == size else None

    def _remember(self, polity_id: str, size: int, known: dict[NodeKey, bytes]) -> None:
        """Keep the frontier at `size` (committed) for this store's next append to the polity."""
        self._frontiers[polity_id] = (size, {key: known[key] for key in merkle.frontier_keys(size)})

    def _not_at(self, polity_id: str, expected_size: int) -> Conflict:
        """The `Conflict` (or `UnknownPolity`, raised) for an append the head refused."""
        size = self.head(polity_id).size
        if size == expected_size:  # cannot happen: the log was at the size it was refused at
            raise RuntimeError(f"polity {polity_id!r} refused an append at its own size {size}")
        return Conflict(size, expected_size=expected_size, polity_id=polity_id)

    def _append_sqlite(
        self,
        polity_id: str,
        expected_size: int,
        items: Sequence[tuple[bytes, bytes]],
        new_size: int,
        root: bytes,
        added: Sequence[tuple[NodeKey, bytes]],
    ) -> bool:
        """One write transaction on the driver's connection: whether the head was moved."""
        sql = _SQLITE
        pooled = self.engine.raw_connection()
        try:
            raw = pooled.driver_connection
            assert raw is not None
            raw.execute("BEGIN IMMEDIATE")
            try:
                cursor = raw.execute(sql.move_head_from, (new_size, root, polity_id, expected_size))
                if cursor.rowcount != 1:
                    raw.execute("ROLLBACK")
                    return False
                raw.executemany(
                    sql.insert_entries,
                    [
                        (polity_id, expected_size + offset, data, digest)
                        for offset, (data, digest) in enumerate(items)
                    ],
                )
                raw.executemany(
                    sql.insert_nodes,
                    [(polity_id, level, index, digest) for (level, index), digest in added],
                )
                raw.execute("COMMIT")
            except BaseException:
                if raw.in_transaction:
                    raw.execute("ROLLBACK")
                raise
        finally:
            pooled.close()
        return True

    def _append_postgresql(
        self,
        polity_id: str,
        expected_size: int,
        items: Sequence[tuple[bytes, bytes]],
        new_size: int,
        root: bytes,
        added: Sequence[tuple[NodeKey, bytes]],
    ) -> bool:
        """One statement (head, entries, nodes), one round trip: whether the head was moved."""
        params = _append_params(polity_id, expected_size, items, new_size, root, added)
        with self._side_engine().connect() as connection:
            raw = _driver_connection(connection)
            try:
                with raw.pipeline():
                    raw.execute("BEGIN")
                    if self.durability == "full":  # the side engine's sessions commit lazily
                        raw.execute("SET LOCAL synchronous_commit TO DEFAULT")
                    moved = raw.execute(_POSTGRESQL.append, params)
                    raw.execute("COMMIT")
                row = moved.fetchone()
            except BaseException:
                _abandon(connection, raw)
                raise
        return row is not None and int(row[0]) == 1

    def append_locked(
        self, polity_id: str, build: Callable[[int], Sequence[tuple[bytes, bytes]]]
    ) -> Head:
        """Lock the polity, then append what `build(size)` returns for the log's current size.

        The pessimistic path for contended logs: nobody else can append while
        `build` runs, so its items can never be stale. Costlier for everyone
        else (the lock is held while building), so callers try `append` first.
        """
        with self._writing() as connection:
            size = _head(connection, polity_id, lock=True).size
            items = build(size)
            _check_leaves(items)
            if not items:
                return _head(connection, polity_id)
            head, known = _insert(
                connection, polity_id, size, items, self._remembered(polity_id, size)
            )
        self._remember(polity_id, head.size, known)
        return head

    # -- combining ---------------------------------------------------------

    def enqueue(self, polity_id: str, acts: bytes) -> int:
        """Queue a request (`acts`, opaque to the store) for the polity; its ticket.

        The commit is cheap and not durable on its own (see `make_side_engine`):
        nothing is acknowledged before `combine` settles the request in a durable
        transaction. Rows of requests settled earlier through this store are
        deleted in the same statement.

        The store holds the ticket (see `charter.storage.owners`) from before
        the row is visible until it deletes the row, so that a combiner or
        `reclaim` deletes it only once this process is gone.
        """
        forget, self._read_tickets = self._read_tickets, []
        ticket: int | None = None
        try:
            if self.engine.dialect.name == "postgresql":
                ticket = self._enqueue_postgresql(polity_id, acts, forget)
            else:
                with self._queueing() as connection:
                    if forget:
                        _forget(connection, forget)
                    row = connection.exec_driver_sql(_SQLITE.enqueue, (polity_id, acts)).one()
                    ticket = int(row[0])
                    self._owners.hold(ticket)  # before the commit makes the row visible
                self._owners.release(forget)
        except IntegrityError as exc:
            self._read_tickets = forget + self._read_tickets
            raise UnknownPolity(polity_id) from exc
        except BaseException:
            self._read_tickets = forget + self._read_tickets
            if ticket is not None:
                self._owners.release([ticket])
            raise
        return ticket

    def _enqueue_postgresql(self, polity_id: str, acts: bytes, forget: list[int]) -> int:
        """One autocommit statement on the store's holding connection: queue the request, take
        its ticket's advisory lock, and delete and release the requests already read."""
        from psycopg.errors import ForeignKeyViolation

        raw = self._holder()
        try:
            if forget:
                params: tuple[Any, ...] = (forget, polity_id, acts, forget)
                row = raw.execute(_POSTGRESQL_ENQUEUE_FORGETTING, params).fetchone()
            else:
                row = raw.execute(_POSTGRESQL_ENQUEUE, (polity_id, acts)).fetchone()
        except ForeignKeyViolation as exc:
            raise UnknownPolity(polity_id) from exc
        assert row is not None
        return int(row[0])

    def _holder(self) -> Any:
        """PostgreSQL: this store's own connection, whose session holds its tickets' locks."""
        if self._holding is None or self._holding.closed:
            import psycopg

            url = self.engine.url.set(drivername="postgresql")
            self._holding = psycopg.connect(
                url.render_as_string(hide_password=False), autocommit=True
            )
            self._holding.execute("SET synchronous_commit TO off")  # see make_side_engine
        return self._holding

    def reclaim(self, polity_id: str) -> int:
        """Delete the polity's settled requests whose writers are gone; how many.

        A writer holds its request until it has read the outcome (see
        `enqueue`), so a settled row nobody holds belongs to a process that died
        first: its acts were appended (or refused) once and stay so; only the
        row goes. Pending rows are left to the next combiner, which judges them
        like any other (and reclaims them in the same transaction). Every
        combiner runs this too; call it for maintenance, e.g. after a crash.
        """
        if self.engine.dialect.name == "postgresql":
            with self._side_engine().connect() as connection:
                raw = _driver_connection(connection)
                with raw.transaction():
                    rows = raw.execute(_POSTGRESQL_RECLAIM, (polity_id,)).fetchall()
                    if not rows:
                        _head_raw(raw, polity_id)
            return len(rows)
        with self._queueing() as connection:
            _head(connection, polity_id)
            reclaimed = self._reclaim_sqlite(connection, polity_id)
        return reclaimed

    def _reclaim_sqlite(self, connection: Connection, polity_id: str) -> int:
        """Within a write transaction: delete the settled rows whose writers are gone."""
        if not self._owners.active:
            return 0
        rows = connection.exec_driver_sql(_SQLITE.settled, (polity_id,)).all()
        gone = self._owners.gone(int(row[0]) for row in rows)
        if gone:
            _forget(connection, gone)
        return len(gone)

    def combine(
        self,
        polity_id: str,
        ticket: int,
        count: int,
        known_size: int,
        judge: Callable[[int, Sequence[bytes], Sequence[tuple[int, bytes]]], Combination],
    ) -> Settled:
        """Take the polity's lock and settle request `ticket`: read its outcome, or combine.

        If another writer settled the request while this one waited for the
        lock, its outcome is returned as recorded, with the request's `count`
        entries, and nothing is written.
        Otherwise this caller becomes the combiner: `judge(size, missed,
        pending)` receives the log's size, the entries from `known_size` to it
        and every pending request of the polity as (ticket, acts) in queue
        order, and returns what to append for each (it must include every
        ticket it was given). One transaction appends all the entries, records
        every request's outcome and any constitution versions, and commits
        durably before this returns. An exception from `judge` writes nothing.

        On PostgreSQL a writer first waits for the current combiner in share
        mode (`FOR SHARE`, which every waiter gets at once when the combiner
        commits) and reads its outcome there; only a writer whose request is
        still pending then queues for the exclusive lock.
        """
        if self.engine.dialect.name == "postgresql":
            deadline: float | None = None
            while True:
                self._drain_notices()
                settled, size = self._settled_after_turn(polity_id, ticket, count)
                if settled is not None:
                    return settled
                if size - known_size <= FRESH_FOLD:
                    break  # this caller can judge at once: no point waiting for another
                now = time.monotonic()
                deadline = now + COMBINER_PATIENCE_S if deadline is None else deadline
                if now >= deadline:
                    break
                self._await_notice(deadline - now)  # another combiner's commit, or the deadline
            return self._combine_postgresql(polity_id, ticket, count, known_size, judge)
        with self._writing() as connection:
            sql = _sql(connection)
            size = _head(connection, polity_id, lock=True).size
            _check_known(known_size, size)
            # A statement after the lock: it sees whatever the previous holder committed.
            rows = connection.exec_driver_sql(
                sql.queue_and_log, (polity_id, ticket, polity_id, known_size)
            ).all()
            own, missed, pending = _split_queue(rows, ticket, polity_id)
            self._read_tickets.append(ticket)
            if own[3] is not None or own[4] is not None:
                mine = (
                    _log_data(connection, polity_id, own[3], own[3] + count)
                    if own[3] is not None
                    else []
                )
                return Settled(own[3], own[4], False, size, tuple(mine))
            combination = judge(size, missed, pending)
            items, outcomes = _plan(size, pending, combination)
            known: dict[NodeKey, bytes] | None = None
            if items:
                frontier = self._remembered(polity_id, size)
                _, known = _insert(connection, polity_id, size, items, frontier)
            connection.exec_driver_sql(sql.settle, outcomes)
            if combination.constitutions:
                connection.exec_driver_sql(
                    sql.insert_constitution,
                    [(polity_id, version, text) for version, text in combination.constitutions],
                )
            self._reclaim_sqlite(connection, polity_id)  # dead writers' rows, settled or just now
        if known is not None:
            self._remember(polity_id, size + len(items), known)
        return _settled_combined(ticket, size, items, outcomes)

    def _settled_after_turn(
        self, polity_id: str, ticket: int, count: int
    ) -> tuple[Settled | None, int]:
        """PostgreSQL: wait in share mode for the current combiner, then read the outcome.

        Both statements go in one round trip (a pipeline); the second takes its
        snapshot after the first has waited, so it sees the combiner's commit.
        """
        with self._side_engine().connect() as connection:  # autocommit: each statement alone
            raw = _driver_connection(connection)
            with raw.pipeline():
                turn = raw.execute(_POSTGRESQL.await_turn, (polity_id,))
                outcome = raw.execute(_POSTGRESQL.outcome, (ticket, count, ticket))
            row = turn.fetchone()
            rows = outcome.fetchall()
        if row is None:
            raise UnknownPolity(polity_id)
        if not rows or rows[0][0] != 0:
            raise NotPending(ticket, polity_id)
        _kind, seq, error, _data = rows[0]
        size = int(row[0])
        if seq is None and error is None:
            return None, size
        self._read_tickets.append(ticket)
        return Settled(seq, error, False, size, tuple(bytes(row[3]) for row in rows[1:])), size

    def _listener(self) -> Any:
        """PostgreSQL: a connection of this store's own, listening for combiners' commits."""
        if self._listening is None:
            import psycopg

            url = self.engine.url.set(drivername="postgresql")
            self._listening = psycopg.connect(
                url.render_as_string(hide_password=False), autocommit=True
            )
            self._listening.execute(f"LISTEN {COMBINED_CHANNEL}")
        return self._listening

    def _drain_notices(self) -> None:
        for _ in self._listener().notifies(timeout=0):
            pass

    def _await_notice(self, timeout: float) -> None:
        for _ in self._listener().notifies(timeout=timeout, stop_after=1):
            pass

    def _combine_postgresql(
        self,
        polity_id: str,
        ticket: int,
        count: int,
        known_size: int,
        judge: Callable[[int, Sequence[bytes], Sequence[tuple[int, bytes]]], Combination],
    ) -> Settled:
        """`combine` under the exclusive lock in two round trips (pipelines): lock the polity and
        read the queue and the tree's frontier, then write everything and commit."""
        sql = _POSTGRESQL
        with self._side_engine().connect() as connection:
            raw = _driver_connection(connection)
            try:
                with raw.pipeline():
                    raw.execute("BEGIN")
                    if self.durability == "full":  # the side engine's sessions commit lazily
                        raw.execute("SET LOCAL synchronous_commit TO DEFAULT")
                    head = raw.execute(sql.head_for_update, (polity_id,))
                    queue = raw.execute(
                        sql.queue_and_log, (polity_id, ticket, polity_id, known_size)
                    )
                    # After the lock, so at the size it returns: no round trip for it later.
                    edge = raw.execute(_POSTGRESQL_FRONTIER, (polity_id,))
                row = head.fetchone()
                if row is None:
                    raise UnknownPolity(polity_id)
                size = int(row[0])
                _check_known(known_size, size)
                own, missed, pending = _split_queue(queue.fetchall(), ticket, polity_id)
                if own[3] is not None or own[4] is not None:
                    mine = (
                        []
                        if own[3] is None
                        else [
                            bytes(r[0])
                            for r in raw.execute(
                                sql.entry_range, (polity_id, own[3], own[3] + count)
                            ).fetchall()
                        ]
                    )
                    raw.execute("ROLLBACK")
                    self._read_tickets.append(ticket)
                    return Settled(own[3], own[4], False, size, tuple(mine))
                combination = judge(size, missed, pending)
                items, outcomes = _plan(size, pending, combination)
                known: dict[NodeKey, bytes] | None = None
                if items:
                    frontier = {(r[0], r[1]): bytes(r[2]) for r in edge.fetchall()}
                    if set(frontier) != set(merkle.frontier_keys(size)):  # cannot happen
                        raise RuntimeError(f"polity {polity_id!r} has an incomplete frontier")
                    new_size, root, node_rows, known = _extend(size, items, frontier)
                with raw.pipeline(), raw.cursor() as cursor:
                    if items:  # the head is locked: the size check in `append` always holds
                        cursor.execute(
                            sql.append,
                            _append_params(polity_id, size, items, new_size, root, node_rows),
                        )
                    cursor.executemany(sql.settle, outcomes)
                    if combination.constitutions:
                        cursor.executemany(
                            sql.insert_constitution,
                            [(polity_id, v, text) for v, text in combination.constitutions],
                        )
                    # Dead writers' rows, settled before or just now; the lock keeps them away
                    # from any other combiner until the commit.
                    cursor.execute(_POSTGRESQL_RECLAIM, (polity_id,))
                    cursor.execute(f"NOTIFY {COMBINED_CHANNEL}")  # delivered at commit
                    cursor.execute("COMMIT")
            except BaseException:
                _abandon(connection, raw)
                raise
        if known is not None:
            self._remember(polity_id, new_size, known)
        self._read_tickets.append(ticket)
        return _settled_combined(ticket, size, items, outcomes)

    def pending(self, polity_id: str) -> list[int]:
        """The tickets of the polity's requests not yet settled, in queue order."""
        with self._reading() as connection:
            _head(connection, polity_id)
            rows = connection.exec_driver_sql(_sql(connection).pending, (polity_id,)).all()
        return [int(row[0]) for row in rows]

    def entries(self, polity_id: str, start: int, stop: int) -> list[bytes]:
        """The data of entries [start, stop), in order."""
        return [bytes(row.data) for row in self._log_rows(polity_id, start, stop, entries.c.data)]

    def leaf_hashes(self, polity_id: str, start: int, stop: int) -> list[bytes]:
        """The leaf hashes of entries [start, stop), in order."""
        rows = self._log_rows(polity_id, start, stop, entries.c.leaf_hash)
        return [bytes(row.leaf_hash) for row in rows]

    def _log_rows(self, polity_id: str, start: int, stop: int, column: Any) -> list[Row[Any]]:
        with self._reading() as connection:
            size = _head(connection, polity_id).size
            if not 0 <= start <= stop <= size:
                raise ValueError(
                    f"range [{start}, {stop}) is not within polity {polity_id!r}'s {size} entries"
                )
            return list(
                connection.exec_driver_sql(
                    f"SELECT {column.name} FROM entries WHERE polity_id = {_P} AND seq >= {_P}"
                    f" AND seq < {_P} ORDER BY seq".replace(_P, _sql(connection).param),
                    (polity_id, start, stop),
                ).all()
            )

    def nodes(self, polity_id: str, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        """The stored perfect subtrees among `keys`; a key not (yet) complete is absent."""
        if self.engine.dialect.name == "postgresql":
            with self._side_engine().connect() as connection:
                raw = _driver_connection(connection)
                found = _fetch_nodes_raw(raw, polity_id, keys)
                short = not found or len(found) < len(set(keys))
                if short and raw.execute(_POSTGRESQL.head, (polity_id,)).fetchone() is None:
                    raise UnknownPolity(polity_id)
                return found
        with self._reading() as connection:
            found = _fetch_nodes(connection, polity_id, keys)
            if not found or len(found) < len(set(keys)):
                _head(connection, polity_id)  # UnknownPolity, unless the keys are just not there
            return found

    def nodes_at_head(
        self,
        polity_id: str,
        keys_for: Callable[[int], Sequence[NodeKey]],
        guess: int | None = None,
    ) -> tuple[int, dict[NodeKey, bytes]]:
        """The log's size and the stored nodes among `keys_for(size)`, read together.

        A proof at the current head: on PostgreSQL the head and the nodes for
        the size the caller `guess`es come from one statement (one round trip;
        without a guess, the size of this store's last append), and a second is
        needed only if the guess was wrong; on SQLite both are read in one
        transaction.
        """
        if self.engine.dialect.name != "postgresql":
            with self._reading() as connection:
                size = _head(connection, polity_id).size
                return size, _fetch_nodes(connection, polity_id, keys_for(size))
        if guess is None:
            remembered = self._frontiers.get(polity_id)
            guess = remembered[0] if remembered is not None else None
        with self._side_engine().connect() as connection:
            raw = _driver_connection(connection)
            keys = list(dict.fromkeys(keys_for(guess))) if guess is not None else []
            params = ([level for level, _ in keys], [index for _, index in keys], polity_id)
            rows = raw.execute(_POSTGRESQL_HEAD_AND_NODES, (polity_id, *params)).fetchall()
            head = next((row for row in rows if row[0] == -1), None)
            if head is None:
                raise UnknownPolity(polity_id)
            size = int(head[1])
            if size == guess:
                found = {(r[0], r[1]): bytes(r[2]) for r in rows if r[0] != -1}
                return size, found
            return size, _fetch_nodes_raw(raw, polity_id, keys_for(size))

    # -- checkpoints and constitutions -------------------------------------

    def add_checkpoint(self, polity_id: str, size: int, root: bytes, text: str) -> None:
        """Keep a checkpoint; refused unless `root` is the stored log's root at `size`."""
        try:
            with self._writing() as connection:
                current = _head(connection, polity_id, lock=True).size
                if not 0 <= size <= current:
                    raise CheckpointMismatch(
                        f"checkpoint at size {size} but polity {polity_id!r} has {current} entries"
                    )
                keys = merkle.perfect_ranges(0, size)
                actual = merkle.root_from(keys, _fetch_nodes(connection, polity_id, keys))
                if actual != root:
                    raise CheckpointMismatch(
                        f"checkpoint root at size {size} is not polity {polity_id!r}'s root"
                    )
                connection.execute(
                    insert(checkpoints).values(polity_id=polity_id, size=size, root=root, text=text)
                )
        except IntegrityError as exc:
            raise AlreadyStored(
                f"polity {polity_id!r} already has a checkpoint at size {size}"
            ) from exc

    def checkpoints(self, polity_id: str) -> list[Checkpoint]:
        """Every checkpoint of the polity, by size."""
        with self._reading() as connection:
            _head(connection, polity_id)
            rows = connection.execute(
                select(checkpoints.c.size, checkpoints.c.root, checkpoints.c.text)
                .where(checkpoints.c.polity_id == polity_id)
                .order_by(checkpoints.c.size)
            ).all()
        return [Checkpoint(row.size, bytes(row.root), row.text) for row in rows]

    def latest_checkpoint(self, polity_id: str) -> Checkpoint | None:
        """The checkpoint at the largest size, or None before the first."""
        with self._reading() as connection:
            _head(connection, polity_id)
            row = connection.execute(
                select(checkpoints.c.size, checkpoints.c.root, checkpoints.c.text)
                .where(checkpoints.c.polity_id == polity_id)
                .order_by(checkpoints.c.size.desc())
                .limit(1)
            ).one_or_none()
        return None if row is None else Checkpoint(row.size, bytes(row.root), row.text)

    def add_constitution(self, polity_id: str, version: int, document: str) -> None:
        """Keep a version of the polity's constitution document; versions are immutable."""
        try:
            with self._writing() as connection:
                _head(connection, polity_id, lock=True)
                connection.execute(
                    insert(constitutions).values(
                        polity_id=polity_id, version=version, document=document
                    )
                )
        except IntegrityError as exc:
            raise AlreadyStored(
                f"polity {polity_id!r} already has constitution version {version}"
            ) from exc

    def constitutions(self, polity_id: str) -> list[tuple[int, str]]:
        """Every (version, document) of the polity's constitution, by version."""
        with self._reading() as connection:
            _head(connection, polity_id)
            rows = connection.execute(
                select(constitutions.c.version, constitutions.c.document)
                .where(constitutions.c.polity_id == polity_id)
                .order_by(constitutions.c.version)
            ).all()
        return [(row.version, row.document) for row in rows]


_P = "\x00"
"""Placeholder for a bound parameter in the statements below, replaced by the driver's own."""


@dataclass(frozen=True, slots=True)
class _Statements:
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
    def for_param(cls, param: str, row_locks: bool) -> _Statements:
        head = f"SELECT size, root FROM polities WHERE id = {_P}"
        statements = {
            "head": head,
            # NO KEY: enqueuers' foreign-key checks (KEY SHARE) need not wait for the holder.
            "head_for_update": head + (" FOR NO KEY UPDATE" if row_locks else ""),
            "insert_entries": f"INSERT INTO entries (polity_id, seq, data, leaf_hash)"
            f" VALUES ({_P}, {_P}, {_P}, {_P})",
            "insert_nodes": f"INSERT INTO nodes (polity_id, level, idx, hash)"
            f" VALUES ({_P}, {_P}, {_P}, {_P})",
            "move_head": f"UPDATE polities SET size = {_P}, root = {_P} WHERE id = {_P}",
            # Locks the polity's row and checks the size in one statement; no row: refused.
            "move_head_from": f"UPDATE polities SET size = {_P}, root = {_P}"
            f" WHERE id = {_P} AND size = {_P}",
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
            "entry_range": f"SELECT data FROM entries WHERE polity_id = {_P} AND seq >= {_P}"
            f" AND seq < {_P} ORDER BY seq",
            "enqueue": f"INSERT INTO pending_acts (polity_id, acts) VALUES ({_P}, {_P})"
            " RETURNING ticket",
            # Under the lock: the request, the queue and the entries since `known_size`.
            "queue_and_log": "SELECT 0, ticket, acts, seq, error FROM pending_acts"
            f" WHERE polity_id = {_P} AND (ticket = {_P} OR (seq IS NULL AND error IS NULL))"
            f" UNION ALL SELECT 1, seq, data, NULL, NULL FROM entries WHERE polity_id = {_P}"
            f" AND seq >= {_P} ORDER BY 1, 2",
            "pending": f"SELECT ticket FROM pending_acts WHERE polity_id = {_P}"
            " AND seq IS NULL AND error IS NULL ORDER BY ticket",
            "settled": f"SELECT ticket FROM pending_acts WHERE polity_id = {_P}"
            " AND (seq IS NOT NULL OR error IS NOT NULL)",
            "settle": f"UPDATE pending_acts SET seq = {_P}, error = {_P} WHERE ticket = {_P}",
            "forget_one": f"DELETE FROM pending_acts WHERE ticket = {_P}",
            "insert_constitution": "INSERT INTO constitutions (polity_id, version, document)"
            f" VALUES ({_P}, {_P}, {_P})",
            # Waits while a combiner holds the polity (FOR NO KEY UPDATE); waiters share it.
            "await_turn": f"SELECT size FROM polities WHERE id = {_P}"
            + (" FOR SHARE" if row_locks else ""),
            # A request's outcome and, if appended, its entries.
            "outcome": f"SELECT 0, seq, error, NULL FROM pending_acts WHERE ticket = {_P}"
            " UNION ALL SELECT 1, e.seq, NULL, e.data FROM pending_acts AS q JOIN entries AS e"
            f" ON e.polity_id = q.polity_id AND e.seq >= q.seq AND e.seq < q.seq + {_P}"
            f" WHERE q.ticket = {_P} ORDER BY 1, 2",
        }
        return cls(param, **{name: sql.replace(_P, param) for name, sql in statements.items()})


# SQLite's write lock is taken at BEGIN IMMEDIATE (see engine.WRITE_OPTION); it has no FOR UPDATE.
_SQLITE = _Statements.for_param("?", row_locks=False)
_POSTGRESQL = _Statements.for_param("%s", row_locks=True)


_POSTGRESQL_NODES = (
    "SELECT n.level, n.idx, n.hash FROM unnest(%b::integer[], %b::bigint[]) AS k (level, idx)"
    " JOIN nodes AS n ON n.polity_id = %s AND n.level = k.level AND n.idx = k.idx"
)
"""PostgreSQL: stored nodes among the keys given as two arrays (levels, indices)."""

_POSTGRESQL_HEAD_AND_NODES = (
    "SELECT -1, size, NULL::bytea FROM polities WHERE id = %s UNION ALL " + _POSTGRESQL_NODES
)
"""PostgreSQL: the polity's size (level -1, first) and the stored nodes among the keys."""


_POSTGRESQL_FRONTIER = (
    "SELECT n.level, n.idx, n.hash FROM polities AS p CROSS JOIN generate_series(0, 62) AS l (level)"
    " JOIN nodes AS n ON n.polity_id = p.id AND n.level = l.level"
    " AND n.idx = (p.size >> l.level) - 1 WHERE p.id = %s AND (p.size >> l.level) & 1 = 1"
)
"""PostgreSQL: the nodes of `merkle.frontier_keys(size)` for the polity's committed size."""

_POSTGRESQL_ENQUEUE = (
    "WITH queued AS (INSERT INTO pending_acts (polity_id, acts) VALUES (%s, %s) RETURNING ticket)"
    f" SELECT ticket, pg_try_advisory_lock({POSTGRESQL_KEY.format(ticket='ticket')}) FROM queued"
)
"""PostgreSQL: queue a request and hold its ticket, in one statement (one transaction: the
lock is taken before the row is visible to anyone)."""

_POSTGRESQL_ENQUEUE_FORGETTING = (
    "WITH settled AS (DELETE FROM pending_acts WHERE ticket = ANY(%s)),"
    " queued AS (INSERT INTO pending_acts (polity_id, acts) VALUES (%s, %s) RETURNING ticket)"
    f" SELECT ticket, pg_try_advisory_lock({POSTGRESQL_KEY.format(ticket='ticket')}),"
    f" (SELECT count(*) FROM unnest(%s::bigint[]) AS read (t)"
    f" WHERE pg_advisory_unlock({POSTGRESQL_KEY.format(ticket='read.t')})) FROM queued"
)
"""PostgreSQL: `_POSTGRESQL_ENQUEUE`, also deleting and releasing requests already read."""

_POSTGRESQL_RECLAIM = (
    "DELETE FROM pending_acts WHERE polity_id = %s AND CASE WHEN seq IS NOT NULL"
    f" OR error IS NOT NULL THEN pg_try_advisory_xact_lock({POSTGRESQL_KEY.format(ticket='ticket')})"
    " ELSE false END RETURNING ticket"
)
"""PostgreSQL: delete the polity's settled rows nobody holds (the lock is the transaction's,
released at its end); CASE keeps the lock attempt to settled rows."""


def _sql(connection: Connection) -> _Statements:
    return _SQLITE if connection.dialect.name == "sqlite" else _POSTGRESQL


def _check_known(known_size: int, size: int) -> None:
    if not 0 <= known_size <= size:
        raise ValueError(f"known size {known_size} is not within the log's {size} entries")


def _split_queue(
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


def _plan(
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
        _check_leaves(judged.items)
        seq = size + len(items) if judged.items else None
        outcomes.append((seq, judged.error, judged.ticket))
        items.extend(judged.items)
    return items, outcomes


def _settled_combined(
    ticket: int,
    size: int,
    items: Sequence[tuple[bytes, bytes]],
    outcomes: Sequence[tuple[int | None, str | None, int]],
) -> Settled:
    seq, error, _ = next(outcome for outcome in outcomes if outcome[2] == ticket)
    return Settled(seq, error, True, size + len(items))


def _extend(
    size: int, items: Sequence[tuple[bytes, bytes]], frontier: dict[NodeKey, bytes]
) -> tuple[int, bytes, list[tuple[NodeKey, bytes]], dict[NodeKey, bytes]]:
    """The new size, root and nodes once `items` follow `size` entries, and every node known
    (the frontier and the new ones: enough for the frontier at the new size)."""
    added = merkle.completed_nodes(size, [digest for _data, digest in items], frontier)
    new_size = size + len(items)
    known = {**frontier, **dict(added)}
    return new_size, merkle.root_from(merkle.perfect_ranges(0, new_size), known), added, known


def _fetch_nodes_raw(raw: Any, polity_id: str, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
    """`_fetch_nodes` on a psycopg connection, in one statement of one shape whatever the keys
    (two arrays, binary), which psycopg prepares once per connection and the server plans once."""
    wanted = list(dict.fromkeys(keys))
    params = ([level for level, _ in wanted], [index for _, index in wanted], polity_id)
    rows = raw.execute(_POSTGRESQL_NODES, params).fetchall()
    return {(level, index): bytes(digest) for level, index, digest in rows}


def _append_params(
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


def _driver_connection(connection: Connection) -> Any:
    raw = connection.connection.driver_connection
    if raw is None:
        raise RuntimeError("the connection has no driver connection")
    return raw


def _abandon(connection: Connection, raw: Any) -> None:
    """Roll back whatever a raw PostgreSQL transaction left open; drop a broken connection."""
    try:
        if raw.info.transaction_status != 0:  # psycopg.pq.TransactionStatus.IDLE
            raw.execute("ROLLBACK")
    except Exception:
        connection.invalidate()


def _log_data(connection: Connection, polity_id: str, start: int, stop: int) -> list[bytes]:
    if start >= stop:
        return []
    rows = connection.exec_driver_sql(_sql(connection).entry_range, (polity_id, start, stop))
    return [bytes(row[0]) for row in rows]


def _forget(connection: Connection, tickets: Sequence[int]) -> None:
    connection.exec_driver_sql(_sql(connection).forget_one, [(ticket,) for ticket in tickets])


def _check_leaves(items: Sequence[tuple[bytes, bytes]]) -> None:
    for _data, digest in items:
        if len(digest) != merkle.HASH_SIZE:
            raise ValueError(f"a leaf hash has {len(digest)} bytes, not {merkle.HASH_SIZE}")


def _insert(
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
        frontier = _fetch_nodes(connection, polity_id, merkle.frontier_keys(size))
    new_size, root, added, known = _extend(size, items, frontier)
    sql = _sql(connection)
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


def _head_raw(raw: Any, polity_id: str) -> Head:
    row = raw.execute(_POSTGRESQL.head, (polity_id,)).fetchone()
    if row is None:
        raise UnknownPolity(polity_id)
    return Head(int(row[0]), bytes(row[1]))


def _head(connection: Connection, polity_id: str, *, lock: bool = False) -> Head:
    sql = _sql(connection)
    row = connection.exec_driver_sql(
        sql.head_for_update if lock else sql.head, (polity_id,)
    ).one_or_none()
    if row is None:
        raise UnknownPolity(polity_id)
    return Head(row[0], bytes(row[1]))


def _fetch_nodes(
    connection: Connection, polity_id: str, keys: Sequence[NodeKey]
) -> dict[NodeKey, bytes]:
    wanted = list(dict.fromkeys(keys))
    found: dict[NodeKey, bytes] = {}
    param = _sql(connection).param
    for start in range(0, len(wanted), NODE_BATCH):
        batch = wanted[start : start + NODE_BATCH]
        # A join from the wanted keys, so that each is one primary-key lookup on both backends
        # (SQLite scans the polity's nodes for a row-value IN list).
        pairs = ", ".join([f"({param}, {param})"] * len(batch))
        rows = connection.exec_driver_sql(
            f"SELECT n.level, n.idx, n.hash FROM (VALUES {pairs}) AS k"
            f" JOIN nodes AS n ON n.polity_id = {param}"
            " AND n.level = k.column1 AND n.idx = k.column2",
            (*(number for key in batch for number in key), polity_id),
        )
        for level, index, digest in rows:
            found[(level, index)] = bytes(digest)
    return found


def open_store(
    url: str | None = None, *, create: bool = True, durability: Durability = "full"
) -> LedgerStore:
    """The store at `url` (see `database_url`); `create=True` first migrates the schema to head.

    With `create=False` the schema must already be current (`SchemaNotCurrent`
    otherwise): the only place a store changes its schema is here, on request.
    """
    engine = make_engine(url, durability=durability)
    try:
        if create:
            from charter.storage.migrate import upgrade  # Alembic loads only to migrate

            upgrade(engine)
        else:
            require_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return LedgerStore(engine, durability)
