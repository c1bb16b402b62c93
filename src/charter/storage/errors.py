"""Storage errors: what a caller of the ledger store must be able to tell apart.

The tree, under `charter.errors.CharterError`::

    StorageError
    ├── UnsupportedDatabase     a URL for a backend Charter does not run on
    ├── SchemaNotCurrent        a database not (yet) migrated to this version's schema
    ├── PolityExists            creating a polity whose id is taken
    ├── UnknownPolity           naming a polity the database does not hold
    ├── Conflict                appending at a size that is no longer the log's size
    ├── NotPending              combining for a request that is not in the polity's queue
    ├── AlreadyStored           a checkpoint or constitution version recorded before
    └── CheckpointMismatch      a checkpoint that does not describe the stored log

The leaves are named for what happened rather than suffixed "Error": callers
read them as outcomes (`except Conflict`), and `StorageError` marks the family.
"""

from __future__ import annotations

from charter.errors import CharterError

__all__ = [
    "AlreadyStored",
    "CheckpointMismatch",
    "Conflict",
    "NotPending",
    "PolityExists",
    "SchemaNotCurrent",
    "StorageError",
    "UnknownPolity",
    "UnsupportedDatabase",
]


class StorageError(CharterError):
    """Root of the errors the ledger store raises on purpose."""


class UnsupportedDatabase(StorageError):  # noqa: N818 - named for what happened
    """The URL names a database or driver Charter does not support."""


class SchemaNotCurrent(StorageError):  # noqa: N818 - named for what happened
    """The database's schema is not at this version's head; run `charter.storage.upgrade`."""


class PolityExists(StorageError):  # noqa: N818 - named for what happened
    """A polity with this id is already stored; ids are never reused."""

    def __init__(self, polity_id: str) -> None:
        self.polity_id = polity_id
        super().__init__(f"polity {polity_id!r} already exists")


class UnknownPolity(StorageError):  # noqa: N818 - named for what happened
    """No polity with this id is stored."""

    def __init__(self, polity_id: str) -> None:
        self.polity_id = polity_id
        super().__init__(f"unknown polity {polity_id!r}")


class Conflict(StorageError):  # noqa: N818 - named for what happened
    """The log grew since the caller read it: nothing was written.

    The caller re-checks its act against the newer state (`actual_size` entries)
    and retries; this is optimistic concurrency, not a failure of the store.
    """

    def __init__(
        self, actual_size: int, *, expected_size: int | None = None, polity_id: str | None = None
    ) -> None:
        self.actual_size = actual_size
        self.expected_size = expected_size
        self.polity_id = polity_id
        subject = f"polity {polity_id!r}" if polity_id is not None else "the log"
        expected = f", not the expected {expected_size}" if expected_size is not None else ""
        super().__init__(f"{subject} has {actual_size} entries{expected}")


class NotPending(StorageError):  # noqa: N818 - named for what happened
    """No request with this ticket is queued for the polity (or its outcome was already read)."""

    def __init__(self, ticket: int, polity_id: str) -> None:
        self.ticket = ticket
        self.polity_id = polity_id
        super().__init__(f"request {ticket} is not in polity {polity_id!r}'s queue")


class AlreadyStored(StorageError):  # noqa: N818 - named for what happened
    """A record with this key (checkpoint size, constitution version) exists; records are immutable."""


class CheckpointMismatch(StorageError):  # noqa: N818 - named for what happened
    """A checkpoint whose size is beyond the log or whose root is not the log's root at that size."""
