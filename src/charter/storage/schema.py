"""The ledger's tables (SQLAlchemy Core), shared by both backends.

A polity row carries the log's size and root so that the head is one read and
an append locks one row. Entries are append-only; `nodes` keeps every complete
perfect subtree of the RFC 9162 tree (level 0 is the leaves), so roots and
proofs at any size are a handful of key lookups, never a rebuild. The
migrations create exactly these tables; a test compares the two.

`pending_acts` is the queue of acts waiting to be judged and appended: a
writer enqueues its acts there, then either finds them appended by another
writer (the *combiner*, who judged and appended every pending act under the
polity's lock) or becomes the combiner itself. A row is pending while both
`seq` and `error` are NULL; the combiner sets `seq` (the first entry's
position) or `error` (why the acts were not appended) in the transaction that
appends the entries, and the writer deletes its row once it has read it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    text,
)

__all__ = [
    "checkpoints",
    "constitutions",
    "entries",
    "metadata",
    "nodes",
    "pending_acts",
    "polities",
]

metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

polities = Table(
    "polities",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("created", Text, nullable=False, comment="ISO 8601"),
    Column("public_key", LargeBinary, nullable=False),
    Column("size", BigInteger, nullable=False, server_default=text("0")),
    Column("root", LargeBinary, nullable=False),
)


def _polity_column() -> Column[str]:
    return Column("polity_id", Text, ForeignKey("polities.id"), primary_key=True)


entries = Table(
    "entries",
    metadata,
    _polity_column(),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary, nullable=False),
)

nodes = Table(
    "nodes",
    metadata,
    _polity_column(),
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary, nullable=False),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    _polity_column(),
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary, nullable=False),
    Column("text", Text, nullable=False),
)

constitutions = Table(
    "constitutions",
    metadata,
    _polity_column(),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("document", Text, nullable=False),
)

pending_acts = Table(
    "pending_acts",
    metadata,
    Column(
        "ticket",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("polity_id", Text, ForeignKey("polities.id"), nullable=False),
    Column("acts", LargeBinary, nullable=False),
    Column("seq", BigInteger, nullable=True),
    Column("error", Text, nullable=True),
    Index("ix_pending_acts_polity_id", "polity_id", "ticket"),
    sqlite_autoincrement=True,  # tickets are never reused, so they order the queue
)
