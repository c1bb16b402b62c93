"""Values the ledger store returns: immutable, compared by value."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Checkpoint", "Head", "PolityRecord"]


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
