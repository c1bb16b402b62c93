"""Which queued requests still have a writer waiting for them: liveness by lock, not by clock.

A request in `pending_acts` belongs to the store that queued it until that
store has read its outcome and deleted the row. If the writer's process dies
first, the row would stay for ever: nobody else may delete a settled row while
its writer might still read it (the writer would then never learn whether its
acts were performed, and a caller retrying them could apply them twice).

So a writer *holds* each of its tickets with a lock that the operating system
or the database server drops when the process or its session dies, and
anyone may delete a settled row whose lock it can take (`LedgerStore.reclaim`,
and every combiner). No time-outs: a writer that is merely slow keeps its
lock, and a dead one never does.

- PostgreSQL: a session-level advisory lock per ticket, taken by the statement
  that queues the request, on a connection the store keeps for as long as it is
  open (`POSTGRESQL_HOLD`); a reclaimer tries the transaction-level lock.
- SQLite: an open-file-description byte-range lock (Linux `F_OFD_SETLK`) on
  byte `ticket` of a file beside the database, `<database>-queue-owners`,
  opened once per store (`FileOwners`). Such locks belong to the open file, so
  two stores in one process exclude each other too. Where the system has no
  such locks (or the database is in memory) tickets are not held and nothing
  is reclaimed: rows of dead writers stay, as before.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct
import threading
from collections.abc import Iterable

__all__ = ["ADVISORY_CLASS", "POSTGRESQL_KEY", "FileOwners", "owners_path"]

ADVISORY_CLASS = 0x43484152  # "CHAR": the first key of every advisory lock Charter takes
"""PostgreSQL: advisory locks on tickets are (ADVISORY_CLASS, ticket mod 2^31 - 1).

Two tickets that share a key only make a reclaimer more careful: a row is
deleted only when nobody holds its key."""

POSTGRESQL_KEY = f"{ADVISORY_CLASS}, (({{ticket}}) %% 2147483647)::integer"
"""The two keys of a ticket's advisory lock, with `{ticket}` an SQL expression (psycopg
query text: `%%` is the modulo operator)."""

_OFD_SETLK = getattr(fcntl, "F_OFD_SETLK", None)
_FLOCK = struct.Struct("hhqqi4x")  # struct flock on Linux: type, whence, start, len, pid


def owners_path(database: str | None) -> str | None:
    """The lock file beside an SQLite database file; None for an in-memory database."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-queue-owners"


class FileOwners:
    """SQLite: the tickets this store holds, as byte-range locks on the owners file."""

    def __init__(self, path: str | None) -> None:
        self.path = path if _OFD_SETLK is not None and _FLOCK.size == 32 else None
        self._fd: int | None = None
        self._held: set[int] = set()
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        """Whether tickets are held at all (and so whether anything can be reclaimed)."""
        return self.path is not None

    def _file(self) -> int:
        if self._fd is None:
            assert self.path is not None
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    def _set(self, ticket: int, kind: int) -> bool:
        assert _OFD_SETLK is not None  # `path` is None otherwise
        request = _FLOCK.pack(kind, os.SEEK_SET, ticket, 1, 0)
        try:
            fcntl.fcntl(self._file(), _OFD_SETLK, request)
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.EACCES):
                return False
            raise
        return True

    def hold(self, ticket: int) -> None:
        """Hold `ticket` until `release`: call before the request's row is committed."""
        if self.path is None:
            return
        with self._lock:
            if not self._set(ticket, fcntl.F_WRLCK):
                raise RuntimeError(f"request {ticket} is already held by another writer")
            self._held.add(ticket)

    def release(self, tickets: Iterable[int]) -> None:
        """Stop holding `tickets` (their rows are deleted, or about to be)."""
        if self.path is None:
            return
        with self._lock:
            for ticket in tickets:
                if ticket in self._held:
                    self._set(ticket, fcntl.F_UNLCK)
                    self._held.discard(ticket)

    def gone(self, tickets: Iterable[int]) -> list[int]:
        """The `tickets` no live writer holds (this store's own are never among them)."""
        if self.path is None:
            return []
        found = []
        with self._lock:
            for ticket in tickets:
                if ticket in self._held:
                    continue
                if self._set(ticket, fcntl.F_WRLCK):  # nobody holds it: its writer is gone
                    self._set(ticket, fcntl.F_UNLCK)
                    found.append(ticket)
        return found

    def close(self) -> None:
        """Release every ticket (closing the file drops its locks)."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._held.clear()
