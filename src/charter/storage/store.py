"""The ledger store: each polity's append-only log and its Merkle tree, on SQLite or PostgreSQL.

One contract, two backends. An append is one transaction that holds the
polity's row lock (PostgreSQL `FOR UPDATE`; SQLite's write lock, taken at
BEGIN IMMEDIATE), refuses a stale `expected_size`, writes the entries with
every perfect subtree they complete, and moves the head. It returns only once
committed, so an acknowledged entry is durable. Callers hash leaves outside the
lock, and a `Conflict` tells them to re-check their act against the newer log.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, Row, insert, select, tuple_, update
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
from charter.storage.schema import checkpoints, constitutions, entries, nodes, polities
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
        for _data, digest in items:
            if len(digest) != merkle.HASH_SIZE:
                raise ValueError(f"a leaf hash has {len(digest)} bytes, not {merkle.HASH_SIZE}")
        with self._writing() as connection:
            size = _head(connection, polity_id, lock=True).size
            if size != expected_size:
                raise Conflict(size, expected_size=expected_size, polity_id=polity_id)
            if not items:
                return _head(connection, polity_id)
            frontier = _fetch_nodes(connection, polity_id, merkle.frontier_keys(size))
            added = merkle.completed_nodes(size, [digest for _data, digest in items], frontier)
            connection.execute(
                insert(entries),
                [
                    {
                        "polity_id": polity_id,
                        "seq": size + offset,
                        "data": data,
                        "leaf_hash": digest,
                    }
                    for offset, (data, digest) in enumerate(items)
                ],
            )
            connection.execute(
                insert(nodes),
                [
                    {"polity_id": polity_id, "level": level, "idx": index, "hash": digest}
                    for (level, index), digest in added
                ],
            )
            new_size = size + len(items)
            known = {**frontier, **dict(added)}
            root = merkle.root_from(merkle.perfect_ranges(0, new_size), known)
            connection.execute(
                update(polities).where(polities.c.id == polity_id).values(size=new_size, root=root)
            )
        return Head(new_size, root)

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
                connection.execute(
                    select(column)
                    .where(
                        entries.c.polity_id == polity_id,
                        entries.c.seq >= start,
                        entries.c.seq < stop,
                    )
                    .order_by(entries.c.seq)
                ).all()
            )

    def nodes(self, polity_id: str, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        """The stored perfect subtrees among `keys`; a key not (yet) complete is absent."""
        with self._reading() as connection:
            _head(connection, polity_id)
            return _fetch_nodes(connection, polity_id, keys)

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


def _head(connection: Connection, polity_id: str, *, lock: bool = False) -> Head:
    query = select(polities.c.size, polities.c.root).where(polities.c.id == polity_id)
    if lock:
        query = query.with_for_update()
    row = connection.execute(query).one_or_none()
    if row is None:
        raise UnknownPolity(polity_id)
    return Head(row.size, bytes(row.root))


def _fetch_nodes(
    connection: Connection, polity_id: str, keys: Sequence[NodeKey]
) -> dict[NodeKey, bytes]:
    wanted = list(dict.fromkeys(keys))
    found: dict[NodeKey, bytes] = {}
    for start in range(0, len(wanted), NODE_BATCH):
        batch = wanted[start : start + NODE_BATCH]
        rows = connection.execute(
            select(nodes.c.level, nodes.c.idx, nodes.c.hash).where(
                nodes.c.polity_id == polity_id,
                tuple_(nodes.c.level, nodes.c.idx).in_(batch),
            )
        )
        for row in rows:
            found[(row.level, row.idx)] = bytes(row.hash)
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
