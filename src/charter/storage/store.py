"""The ledger store: each polity's append-only log and its Merkle tree, on SQLite or PostgreSQL.

One contract, two backends. An append is one transaction that moves the head
only if the log still has `expected_size` entries (a conditional UPDATE, which
takes the polity's row lock; SQLite's write lock is taken at BEGIN IMMEDIATE),
writes the entries with every perfect subtree they complete, and commits; on
PostgreSQL it is one statement. It returns only once committed, so an
acknowledged entry is durable. Callers hash leaves outside the lock, the store
computes the new nodes and root before it (from the frontier it remembers),
and a `Conflict` tells callers to re-check their act against the newer log.

Under contention writers *combine* instead (`enqueue`, then `combine`): each
puts its request in the polity's queue with a cheap commit (nothing is
acknowledged yet), then takes the polity's lock. Whoever gets it first judges
every pending request against the head and appends them all in one durable
transaction that also records each request's outcome; a writer that gets the
lock later finds its request settled and only reads the outcome. Writers hold
their requests by lock until they have read them, so the rows of writers that
died are reclaimed (`reclaim`; see charter.storage.owners).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, Row, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from charter.ledger import merkle
from charter.ledger.merkle import NodeKey
from charter.storage.engine import (
    WRITE_OPTION,
    Durability,
    Lookup,
    driver_lookup,
    make_engine,
    make_side_engine,
)
from charter.storage.errors import (
    AlreadyStored,
    CheckpointMismatch,
    Conflict,
    NotPending,
    PolityExists,
    StorageError,
    UnknownPolity,
)
from charter.storage.owners import FileOwners, owners_path
from charter.storage.queries import (
    NODE_BATCH,
    abandon,
    append_params,
    check_known,
    check_leaves,
    driver_connection,
    extend,
    fetch_nodes,
    fetch_nodes_raw,
    fetch_nodes_sqlite,
    forget_requests,
    insert_log,
    log_data,
    plan,
    read_head,
    read_head_raw,
    settled_combined,
    split_queue,
    sql_for,
)
from charter.storage.recent import LastCommit
from charter.storage.records import Checkpoint, Combination, Head, PolityRecord, Settled
from charter.storage.schema import checkpoints, constitutions, entries, polities
from charter.storage.statements import (
    POSTGRESQL,
    POSTGRESQL_CHECKPOINT_IF_MOVED,
    POSTGRESQL_ENQUEUE,
    POSTGRESQL_ENQUEUE_FORGETTING,
    POSTGRESQL_FRONTIER,
    POSTGRESQL_HEAD_AND_NODES,
    POSTGRESQL_INSERT_CHECKPOINT,
    POSTGRESQL_RECLAIM,
    SQLITE,
    SQLITE_INSERT_CHECKPOINT,
    P,
)
from charter.storage.version import require_current

__all__ = ["NODE_BATCH", "LedgerStore", "open_store"]

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
        self._lookup: Lookup | None = None
        self._listening: Any = None  # PostgreSQL: the LISTEN connection, opened on first wait
        self._read_tickets: list[int] = []  # settled requests whose rows may now be deleted
        # Per polity: the log as this store last committed it (see charter.storage.recent).
        # Stored nodes never change, so this stays true of the log at that size; appends
        # check the size.
        self._last: dict[str, LastCommit] = {}
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
                    forget_requests(connection, self._read_tickets)
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

    def _read_engine(self) -> Engine:
        """Where reads outside any transaction go: PostgreSQL's autocommit side engine, or
        SQLite's own (each statement reads alone)."""
        return self._side_engine() if self.engine.dialect.name == "postgresql" else self.engine

    def lookup(self, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        """Rows of one read statement (`?` placeholders) on a pooled driver connection: on
        PostgreSQL autocommit, one round trip (see `driver_lookup`)."""
        if self._lookup is None:
            self._lookup = driver_lookup(self._read_engine())
        return self._lookup(sql, params)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads that need no transaction of their own (one statement, or
        several that stay consistent because what they read only grows or is looked up by
        key): on PostgreSQL autocommit, one round trip each, no BEGIN, no pre-ping."""
        if self.engine.dialect.name == "postgresql":
            # Every read here is one statement, or several that stay consistent without a
            # snapshot (the log only grows): autocommit, one round trip each.
            with self._side_engine().connect() as connection:
                yield connection
        else:
            with self.engine.connect() as connection, connection.begin():
                yield connection

    @contextmanager
    def _driver(self) -> Iterator[Any]:
        """A pooled connection of the driver's own, for reads of a statement or two: on
        PostgreSQL the side engine's (autocommit), on SQLite the engine's (no transaction is
        begun: each statement reads alone). A connection left in doubt by an error is dropped."""
        pooled = self._read_engine().raw_connection()
        try:
            yield pooled.driver_connection
        except StorageError:
            raise
        except BaseException:
            pooled.invalidate()
            raise
        finally:
            pooled.close()

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
        with self.reading() as connection:
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
        with self.reading() as connection:
            return read_head(connection, polity_id)

    def committed_checkpoint(self, polity_id: str) -> Checkpoint | None:
        """The checkpoint this store's last commit to the polity stored with it, if any."""
        last = self._last.get(polity_id)
        if last is None or last.checkpoint is None:
            return None
        return Checkpoint(last.size, last.root, last.checkpoint)

    def committed_head(self, polity_id: str) -> Head | None:
        """The head as this store last committed it (None if it has not): the log's at that
        size for good, though another writer may have appended since (see `head`)."""
        last = self._last.get(polity_id)
        return None if last is None else Head(last.size, last.root)

    # -- the log -----------------------------------------------------------

    def append(
        self,
        polity_id: str,
        expected_size: int,
        items: Sequence[tuple[bytes, bytes]],
        *,
        sign: Callable[[int, bytes], str] | None = None,
    ) -> Head:
        """Append `items` ((data, leaf_hash) pairs) if the log still has `expected_size` entries.

        With `sign`, the new head's checkpoint (the text `sign(size, root)` returns, made
        before the transaction) is stored in the same transaction: one commit for both
        (see `committed_checkpoint`).

        Raises `Conflict` (writing nothing) when another writer got there
        first. Returns the new head once the transaction has committed.

        The new nodes and root are computed before the transaction, from the
        tree's frontier at `expected_size` (remembered from this store's last
        append, or read: stored nodes never change). The transaction then
        moves the head only if it is still at `expected_size`, which takes the
        polity's lock and checks the size in one statement, and stores the
        entries and nodes: on PostgreSQL all of it is one round trip.
        """
        check_leaves(items)
        if not items:
            with self._writing() as connection:
                head = read_head(connection, polity_id, lock=True)
                if head.size != expected_size:
                    raise Conflict(head.size, expected_size=expected_size, polity_id=polity_id)
                return head
        frontier = self._frontier(polity_id, expected_size)
        if frontier is None:
            raise self._not_at(polity_id, expected_size)
        new_size, root, added, known = extend(expected_size, items, frontier)
        text = sign(new_size, root) if sign is not None else None
        if self.engine.dialect.name == "postgresql":
            moved = self._append_postgresql(
                polity_id, expected_size, items, new_size, root, added, text
            )
        else:
            moved = self._append_sqlite(
                polity_id, expected_size, items, new_size, root, added, text
            )
        if not moved:
            raise self._not_at(polity_id, expected_size)
        self._remember(polity_id, expected_size, items, known, text)
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
        last = self._last.get(polity_id)
        return last.frontier() if last is not None and last.size == size else None

    def _remember(
        self,
        polity_id: str,
        start: int,
        items: Sequence[tuple[bytes, bytes]],
        known: dict[NodeKey, bytes],
        checkpoint: str | None = None,
    ) -> None:
        """Keep what this store just committed after `start` entries (see `LastCommit`)."""
        self._last[polity_id] = LastCommit.of(start, items, known, checkpoint)

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
        checkpoint: str | None = None,
    ) -> bool:
        """One write transaction on the driver's connection: whether the head was moved."""
        sql = SQLITE
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
                if checkpoint is not None:
                    raw.execute(SQLITE_INSERT_CHECKPOINT, (polity_id, new_size, root, checkpoint))
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
        checkpoint: str | None = None,
    ) -> bool:
        """One statement (head, entries, nodes), and the checkpoint if any, in one round
        trip: whether the head was moved."""
        params = append_params(polity_id, expected_size, items, new_size, root, added)
        with self._durable_pipeline() as raw:
            moved = raw.execute(POSTGRESQL.append, params)
            if checkpoint is not None:
                raw.execute(
                    POSTGRESQL_CHECKPOINT_IF_MOVED,
                    (polity_id, new_size, root, checkpoint, polity_id, new_size, root),
                )
            raw.execute("COMMIT")
            row = moved.fetchone()
        return row is not None and int(row[0]) == 1

    @contextmanager
    def _durable_pipeline(self) -> Iterator[Any]:
        """PostgreSQL: a transaction begun in a pipeline on the side engine, whose commit is
        durable (the side engine's sessions commit lazily); the caller sends COMMIT. An
        error rolls it back, or drops a connection left in doubt."""
        with self._side_engine().connect() as connection:
            raw = driver_connection(connection)
            try:
                with raw.pipeline():
                    raw.execute("BEGIN")
                    if self.durability == "full":
                        raw.execute("SET LOCAL synchronous_commit TO DEFAULT")
                    yield raw
            except BaseException:
                abandon(connection, raw)
                raise

    def append_locked(
        self, polity_id: str, build: Callable[[int], Sequence[tuple[bytes, bytes]]]
    ) -> Head:
        """Lock the polity, then append what `build(size)` returns for the log's current size.

        The pessimistic path for contended logs: nobody else can append while
        `build` runs, so its items can never be stale. Costlier for everyone
        else (the lock is held while building), so callers try `append` first.
        """
        with self._writing() as connection:
            size = read_head(connection, polity_id, lock=True).size
            items = build(size)
            check_leaves(items)
            if not items:
                return read_head(connection, polity_id)
            head, known = insert_log(
                connection, polity_id, size, items, self._remembered(polity_id, size)
            )
        self._remember(polity_id, size, items, known)
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
                        forget_requests(connection, forget)
                    row = connection.exec_driver_sql(SQLITE.enqueue, (polity_id, acts)).one()
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
                row = raw.execute(POSTGRESQL_ENQUEUE_FORGETTING, params).fetchone()
            else:
                row = raw.execute(POSTGRESQL_ENQUEUE, (polity_id, acts)).fetchone()
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
                raw = driver_connection(connection)
                with raw.transaction():
                    rows = raw.execute(POSTGRESQL_RECLAIM, (polity_id,)).fetchall()
                    if not rows:
                        read_head_raw(raw, polity_id)
            return len(rows)
        with self._queueing() as connection:
            read_head(connection, polity_id)
            reclaimed = self._reclaim_sqlite(connection, polity_id)
        return reclaimed

    def _reclaim_sqlite(self, connection: Connection, polity_id: str) -> int:
        """Within a write transaction: delete the settled rows whose writers are gone."""
        if not self._owners.active:
            return 0
        rows = connection.exec_driver_sql(SQLITE.settled, (polity_id,)).all()
        gone = self._owners.gone(int(row[0]) for row in rows)
        if gone:
            forget_requests(connection, gone)
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
            sql = sql_for(connection)
            size = read_head(connection, polity_id, lock=True).size
            check_known(known_size, size)
            # A statement after the lock: it sees whatever the previous holder committed.
            rows = connection.exec_driver_sql(
                sql.queue_and_log, (polity_id, ticket, polity_id, known_size)
            ).all()
            own, missed, pending = split_queue(rows, ticket, polity_id)
            self._read_tickets.append(ticket)
            if own[3] is not None or own[4] is not None:
                mine = (
                    log_data(connection, polity_id, own[3], own[3] + count)
                    if own[3] is not None
                    else []
                )
                return Settled(own[3], own[4], False, size, tuple(mine))
            combination = judge(size, missed, pending)
            items, outcomes = plan(size, pending, combination)
            known: dict[NodeKey, bytes] | None = None
            if items:
                frontier = self._remembered(polity_id, size)
                _, known = insert_log(connection, polity_id, size, items, frontier)
            connection.exec_driver_sql(sql.settle, outcomes)
            if combination.constitutions:
                connection.exec_driver_sql(
                    sql.insert_constitution,
                    [(polity_id, version, text) for version, text in combination.constitutions],
                )
            self._reclaim_sqlite(connection, polity_id)  # dead writers' rows, settled or just now
        if known is not None:
            self._remember(polity_id, size, items, known)
        return settled_combined(ticket, size, items, outcomes)

    def _settled_after_turn(
        self, polity_id: str, ticket: int, count: int
    ) -> tuple[Settled | None, int]:
        """PostgreSQL: wait in share mode for the current combiner, then read the outcome.

        Both statements go in one round trip (a pipeline); the second takes its
        snapshot after the first has waited, so it sees the combiner's commit.
        """
        with self._side_engine().connect() as connection:  # autocommit: each statement alone
            raw = driver_connection(connection)
            with raw.pipeline():
                turn = raw.execute(POSTGRESQL.await_turn, (polity_id,))
                outcome = raw.execute(POSTGRESQL.outcome, (ticket, count, ticket))
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
        sql = POSTGRESQL
        with self._side_engine().connect() as connection:
            raw = driver_connection(connection)
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
                    edge = raw.execute(POSTGRESQL_FRONTIER, (polity_id,))
                row = head.fetchone()
                if row is None:
                    raise UnknownPolity(polity_id)
                size = int(row[0])
                check_known(known_size, size)
                own, missed, pending = split_queue(queue.fetchall(), ticket, polity_id)
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
                items, outcomes = plan(size, pending, combination)
                known: dict[NodeKey, bytes] | None = None
                if items:
                    frontier = {(r[0], r[1]): bytes(r[2]) for r in edge.fetchall()}
                    if set(frontier) != set(merkle.frontier_keys(size)):  # cannot happen
                        raise RuntimeError(f"polity {polity_id!r} has an incomplete frontier")
                    new_size, root, node_rows, known = extend(size, items, frontier)
                with raw.pipeline(), raw.cursor() as cursor:
                    if items:  # the head is locked: the size check in `append` always holds
                        cursor.execute(
                            sql.append,
                            append_params(polity_id, size, items, new_size, root, node_rows),
                        )
                    cursor.executemany(sql.settle, outcomes)
                    if combination.constitutions:
                        cursor.executemany(
                            sql.insert_constitution,
                            [(polity_id, v, text) for v, text in combination.constitutions],
                        )
                    # Dead writers' rows, settled before or just now; the lock keeps them away
                    # from any other combiner until the commit.
                    cursor.execute(POSTGRESQL_RECLAIM, (polity_id,))
                    cursor.execute(f"NOTIFY {COMBINED_CHANNEL}")  # delivered at commit
                    cursor.execute("COMMIT")
            except BaseException:
                abandon(connection, raw)
                raise
        if known is not None:
            self._remember(polity_id, size, items, known)
        self._read_tickets.append(ticket)
        return settled_combined(ticket, size, items, outcomes)

    def pending(self, polity_id: str) -> list[int]:
        """The tickets of the polity's requests not yet settled, in queue order."""
        with self.reading() as connection:
            read_head(connection, polity_id)
            rows = connection.exec_driver_sql(sql_for(connection).pending, (polity_id,)).all()
        return [int(row[0]) for row in rows]

    def entries(self, polity_id: str, start: int, stop: int) -> list[bytes]:
        """The data of entries [start, stop), in order (from memory if this store just wrote them)."""
        last = self._last.get(polity_id)
        kept = last.entries(start, stop) if last is not None else None
        if kept is not None:
            return kept
        return [bytes(row.data) for row in self._log_rows(polity_id, start, stop, entries.c.data)]

    def leaf_hashes(self, polity_id: str, start: int, stop: int) -> list[bytes]:
        """The leaf hashes of entries [start, stop), in order."""
        rows = self._log_rows(polity_id, start, stop, entries.c.leaf_hash)
        return [bytes(row.leaf_hash) for row in rows]

    def _log_rows(self, polity_id: str, start: int, stop: int, column: Any) -> list[Row[Any]]:
        with self.reading() as connection:
            size = read_head(connection, polity_id).size
            if not 0 <= start <= stop <= size:
                raise ValueError(
                    f"range [{start}, {stop}) is not within polity {polity_id!r}'s {size} entries"
                )
            return list(
                connection.exec_driver_sql(
                    f"SELECT {column.name} FROM entries WHERE polity_id = {P} AND seq >= {P}"
                    f" AND seq < {P} ORDER BY seq".replace(P, sql_for(connection).param),
                    (polity_id, start, stop),
                ).all()
            )

    def nodes(self, polity_id: str, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        """The stored perfect subtrees among `keys`; a key not (yet) complete is absent.

        Stored nodes never change, so each statement here may run on its own
        (autocommit): no transaction, on the driver's own connection; and the
        nodes this store's last commit to the polity completed come from memory.
        """
        last = self._last.get(polity_id)
        remembered, keys = last.split(keys) if last is not None else ({}, list(keys))
        if not keys:
            return remembered
        with self._driver() as raw:
            if self.engine.dialect.name == "postgresql":
                found = fetch_nodes_raw(raw, polity_id, keys)
            else:
                found = fetch_nodes_sqlite(raw, polity_id, keys)
            if not found or len(found) < len(set(keys)):
                read_head_raw(raw, polity_id)  # UnknownPolity, unless the keys are just not there
            return {**remembered, **found}

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
        needed only if the guess was wrong. On SQLite the head, then the nodes
        at its size: the log only grows and nodes never change, so the two
        statements need no shared snapshot.
        """
        if self.engine.dialect.name != "postgresql":
            with self._driver() as raw:
                size = read_head_raw(raw, polity_id).size
                return size, fetch_nodes_sqlite(raw, polity_id, keys_for(size))
        if guess is None:
            last = self._last.get(polity_id)
            guess = last.size if last is not None else None
        with self._driver() as raw:
            keys = list(dict.fromkeys(keys_for(guess))) if guess is not None else []
            params = ([level for level, _ in keys], [index for _, index in keys], polity_id)
            rows = raw.execute(POSTGRESQL_HEAD_AND_NODES, (polity_id, *params)).fetchall()
            head = next((row for row in rows if row[0] == -1), None)
            if head is None:
                raise UnknownPolity(polity_id)
            size = int(head[1])
            if size == guess:
                found = {(r[0], r[1]): bytes(r[2]) for r in rows if r[0] != -1}
                return size, found
            return size, fetch_nodes_raw(raw, polity_id, keys_for(size))

    # -- checkpoints and constitutions -------------------------------------

    def add_checkpoint(self, polity_id: str, size: int, root: bytes, text: str) -> None:
        """Keep a checkpoint; refused unless `root` is the stored log's root at `size`.

        A checkpoint of the head this store last committed needs no check against
        the database (that root is the log's at that size for good): just the
        insert, on PostgreSQL in one pipelined round trip.
        """
        last = self._last.get(polity_id)
        known = last is not None and last.size == size and last.root == root
        if known and self.engine.dialect.name == "postgresql":
            import psycopg

            try:
                with self._durable_pipeline() as raw:
                    raw.execute(POSTGRESQL_INSERT_CHECKPOINT, (polity_id, size, root, text))
                    raw.execute("COMMIT")
            except psycopg.errors.UniqueViolation as exc:
                raise _already_stored(polity_id, size) from exc
            return
        try:
            with self._writing() as connection:
                if not known:
                    current = read_head(connection, polity_id, lock=True).size
                    if not 0 <= size <= current:
                        raise CheckpointMismatch(
                            f"checkpoint at size {size} but polity {polity_id!r} has {current}"
                            " entries"
                        )
                    keys = merkle.perfect_ranges(0, size)
                    actual = merkle.root_from(keys, fetch_nodes(connection, polity_id, keys))
                    if actual != root:
                        raise CheckpointMismatch(
                            f"checkpoint root at size {size} is not polity {polity_id!r}'s root"
                        )
                connection.execute(
                    insert(checkpoints).values(polity_id=polity_id, size=size, root=root, text=text)
                )
        except IntegrityError as exc:
            raise _already_stored(polity_id, size) from exc

    def checkpoints(self, polity_id: str) -> list[Checkpoint]:
        """Every checkpoint of the polity, by size."""
        with self.reading() as connection:
            read_head(connection, polity_id)
            rows = connection.execute(
                select(checkpoints.c.size, checkpoints.c.root, checkpoints.c.text)
                .where(checkpoints.c.polity_id == polity_id)
                .order_by(checkpoints.c.size)
            ).all()
        return [Checkpoint(row.size, bytes(row.root), row.text) for row in rows]

    def latest_checkpoint(self, polity_id: str) -> Checkpoint | None:
        """The checkpoint at the largest size, or None before the first."""
        with self.reading() as connection:
            read_head(connection, polity_id)
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
                read_head(connection, polity_id, lock=True)
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
        with self.reading() as connection:
            read_head(connection, polity_id)
            rows = connection.execute(
                select(constitutions.c.version, constitutions.c.document)
                .where(constitutions.c.polity_id == polity_id)
                .order_by(constitutions.c.version)
            ).all()
        return [(row.version, row.document) for row in rows]


def _already_stored(polity_id: str, size: int) -> AlreadyStored:
    return AlreadyStored(f"polity {polity_id!r} already has a checkpoint at size {size}")


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
