"""Values the ledger store returns: immutable, compared by value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Checkpoint", "Combination", "Head", "Judged", "PolityRecord", "Settled"]


@dataclass(frozen=True, slots=True)
class Head:
    """The log's size and its RFC 9162 root: what an append is checked against."""

    size: int
    root: bytes


@dataclass(frozen=True, slots=True)
class PolityRecord:
    """One stored polity and its log's head."""

    id: str
    name: str
    created: str
    public_key: bytes
    head: Head


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed statement of the log's root at `size`, kept as its canonical `text`."""

    size: int
    root: bytes
    text: str


@dataclass(frozen=True, slots=True)
class Judged:
    """What a combiner decided for one pending request: its entries, or why it appended none.

    `items` are (data, leaf_hash) pairs, appended in order; `error` (a string the
    requester can read back) means the request was judged and nothing of it is
    appended.
    """

    ticket: int
    items: Sequence[tuple[bytes, bytes]] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Combination:
    """Everything a combiner appends in one transaction: every pending request's outcome, in
    the order their entries go into the log, and the constitution versions they produced."""

    judged: Sequence[Judged]
    constitutions: Sequence[tuple[int, str]] = ()


@dataclass(frozen=True, slots=True)
class Settled:
    """How a pending request ended, as its requester learns it.

    `seq` is the position of its first entry (None if it appended nothing),
    `error` what the combiner recorded instead. `combined` says whether this
    caller judged the queue itself; if not, `entries` are the request's own
    stored entries, read with the outcome. `size` is the log's size once the
    request was settled.
    """

    seq: int | None
    error: str | None
    combined: bool
    size: int
    entries: tuple[bytes, ...] = ()
