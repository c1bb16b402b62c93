"""The ledger store: each polity's append-only log and its Merkle tree, on SQLite or PostgreSQL.

One contract, two backends. An append is one transaction that holds the
polity's row lock (PostgreSQL `FOR UPDATE`; SQLite's write lock, taken at
BEGIN IMMEDIATE), refuses a stale `expected_size`, writes the entries with
every perfect subtree they complete, and moves the head. It returns only once
committed, so an acknowledged entry is durable. Callers hash leaves outside the
lock, and a `Conflict` tells them to re-check their act against the newer log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, Row, insert, select
from sqlalchemy.exc import IntegrityError

from charter.ledger import merkle
from charter.ledger.merkle import NodeKey
from charter.storage.engine import WRITE_OPTION, Durability, make_engine
from charter.storage.errors import (
    AlreadyStored,
    CheckpointMismatch,
    Conflict,
    PolityExists,
    UnknownPolity,
)
from charter.storage.records import Checkpoint, Head, PolityRecord
from charter.storage.schema import checkpoints, constitutions, entries, polities
from charter.storage.version import require_current

__all__ = ["NODE_BATCH", "LedgerStore", "open_store"]

NODE_BATCH = 400
"""Keys per node query: 800 bound parameters stays far below every backend's limit."""


class LedgerStore:
    """Many polities' logs in one database; each polity's log is independent of the others."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- lifecycle ---------------------------------------------------------

    def close(self) -> None:
        """Release every pooled connection; the store cannot be used afterwards."""
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

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self.engine.connect() as connection, connection.begin():
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
        """
        _check_leaves(items)
        with self._writing() as connection:
            size = _head(connection, polity_id, lock=True).size
            if size != expected_size:
                raise Conflict(size, expected_size=expected_size, polity_id=polity_id)
            if not items:
                return _head(connection, polity_id)
            return _insert(connection, polity_id, size, items)

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
            return _insert(connection, polity_id, size, items)

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
        with self._reading() as connection:
            found = _fetch_nodes(connection, polity_id, keys)
            if not found or len(found) < len(set(keys)):
                _head(connection, polity_id)  # UnknownPolity, unless the keys are just not there
            return found

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

    @classmethod
    def for_param(cls, param: str, row_locks: bool) -> _Statements:
        head = f"SELECT size, root FROM polities WHERE id = {_P}"
        statements = {
            "head": head,
            "head_for_update": head + (" FOR UPDATE" if row_locks else ""),
            "insert_entries": f"INSERT INTO entries (polity_id, seq, data, leaf_hash)"
            f" VALUES ({_P}, {_P}, {_P}, {_P})",
            "insert_nodes": f"INSERT INTO nodes (polity_id, level, idx, hash)"
            f" VALUES ({_P}, {_P}, {_P}, {_P})",
            "move_head": f"UPDATE polities SET size = {_P}, root = {_P} WHERE id = {_P}",
        }
        return cls(param, **{name: sql.replace(_P, param) for name, sql in statements.items()})


# SQLite's write lock is taken at BEGIN IMMEDIATE (see engine.WRITE_OPTION); it has no FOR UPDATE.
_SQLITE = _Statements.for_param("?", row_locks=False)
_POSTGRESQL = _Statements.for_param("%s", row_locks=True)


def _sql(connection: Connection) -> _Statements:
    return _SQLITE if connection.dialect.name == "sqlite" else _POSTGRESQL


def _check_leaves(items: Sequence[tuple[bytes, bytes]]) -> None:
    for _data, digest in items:
        if len(digest) != merkle.HASH_SIZE:
            raise ValueError(f"a leaf hash has {len(digest)} bytes, not {merkle.HASH_SIZE}")


def _insert(
    connection: Connection, polity_id: str, size: int, items: Sequence[tuple[bytes, bytes]]
) -> Head:
    """Store `items` after `size` entries, with the subtrees they complete; move the head."""
    frontier = _fetch_nodes(connection, polity_id, merkle.frontier_keys(size))
    added = merkle.completed_nodes(size, [digest for _data, digest in items], frontier)
    sql = _sql(connection)
    connection.exec_driver_sql(
        sql.insert_entries,
        [(polity_id, size + offset, data, digest) for offset, (data, digest) in enumerate(items)],
    )
    connection.exec_driver_sql(
        sql.insert_nodes,
        [(polity_id, level, index, digest) for (level, index), digest in added],
    )
    new_size = size + len(items)
    known = {**frontier, **dict(added)}
    root = merkle.root_from(merkle.perfect_ranges(0, new_size), known)
    connection.exec_driver_sql(sql.move_head, (new_size, root, polity_id))
    return Head(new_size, root)


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
    return LedgerStore(engine)
