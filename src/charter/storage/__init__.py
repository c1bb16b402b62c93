"""Durable storage for polities' ledgers: SQLite (embedded default) or PostgreSQL.

`open_store(url)` gives a `LedgerStore`; `upgrade(url)` migrates a database
explicitly. See `store` for the append protocol and `engine` for durability.
Alembic is imported only when migrations run, so readers and writers start fast.
"""

from typing import TYPE_CHECKING, Any

from charter.storage.engine import DATABASE_URL_ENV, Durability, database_url, make_engine
from charter.storage.errors import (
    AlreadyStored,
    CheckpointMismatch,
    Conflict,
    NotPending,
    PolityExists,
    SchemaNotCurrent,
    StorageError,
    UnknownPolity,
    UnsupportedDatabase,
)
from charter.storage.records import Checkpoint, Combination, Head, Judged, PolityRecord, Settled
from charter.storage.store import LedgerStore, open_store
from charter.storage.version import SCHEMA_REVISION, current_revision, require_current

if TYPE_CHECKING:
    from charter.storage.migrate import upgrade

__all__ = [
    "DATABASE_URL_ENV",
    "SCHEMA_REVISION",
    "AlreadyStored",
    "Checkpoint",
    "CheckpointMismatch",
    "Combination",
    "Conflict",
    "Durability",
    "Head",
    "Judged",
    "LedgerStore",
    "NotPending",
    "PolityExists",
    "PolityRecord",
    "SchemaNotCurrent",
    "Settled",
    "StorageError",
    "UnknownPolity",
    "UnsupportedDatabase",
    "current_revision",
    "database_url",
    "make_engine",
    "open_store",
    "require_current",
    "upgrade",
]


def __getattr__(name: str) -> Any:
    if name == "upgrade":
        from charter.storage.migrate import upgrade

        return upgrade
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
