"""What a store last committed to a polity's log, kept to answer reads about it from memory.

Stored entries and nodes never change, and a committed log only grows, so
what this store itself committed stays true of the log: its entries, every
node the commit completed, and the head at that size. The sequencer asks for
exactly these right after each batch (a checkpoint over the new head,
inclusion proofs of the batch's entries), and answering from memory saves
those round trips. The head *now* is never answered from here: another
writer may have appended since.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from charter.ledger import merkle
from charter.ledger.merkle import NodeKey

__all__ = ["KEPT_ENTRIES", "LastCommit"]

KEPT_ENTRIES = 4096
"""A commit of more entries keeps only the tree's frontier (a bulk load need not stay in memory)."""


@dataclass(frozen=True, slots=True)
class LastCommit:
    """The log at `size` as this store committed it, after `start` entries before it.

    `nodes` holds the frontier at `start` and every node the commit completed:
    with those, every inclusion proof of entries [start, size) in the tree of
    `size` entries can be made (the left siblings of a new leaf are frontier
    nodes, the rest are made of new leaves), and so can the root. `data` holds
    those entries, unless the commit was too big to keep (then both are only
    the frontier at `size`).
    """

    start: int
    size: int
    root: bytes
    nodes: dict[NodeKey, bytes]
    data: tuple[bytes, ...]
    checkpoint: str | None = None
    """The text of the checkpoint of this head, if the commit stored one with it."""

    @classmethod
    def of(
        cls,
        start: int,
        items: Sequence[tuple[bytes, bytes]],
        known: dict[NodeKey, bytes],
        checkpoint: str | None = None,
    ) -> LastCommit:
        """The commit of `items` ((data, leaf hash) pairs) after `start` entries; `known` is
        the frontier at `start` and every node the commit added; `checkpoint`, the text of
        the checkpoint stored with it, if one was."""
        size = start + len(items)
        root = merkle.root_from(merkle.perfect_ranges(0, size), known)
        if len(items) > KEPT_ENTRIES:
            frontier = {k: known[k] for k in merkle.frontier_keys(size)}
            return cls(size, size, root, frontier, (), checkpoint)
        return cls(start, size, root, known, tuple(d for d, _digest in items), checkpoint)

    def frontier(self) -> dict[NodeKey, bytes]:
        """The frontier at `size`: what the next append after it pairs new leaves with."""
        return {key: self.nodes[key] for key in merkle.frontier_keys(self.size)}

    def entries(self, start: int, stop: int) -> list[bytes] | None:
        """Entries [start, stop) if this commit wrote them all, else None."""
        if self.start <= start <= stop <= self.size:
            return list(self.data[start - self.start : stop - self.start])
        return None

    def split(self, keys: Sequence[NodeKey]) -> tuple[dict[NodeKey, bytes], list[NodeKey]]:
        """The nodes among `keys` known here, and the keys to read from the database."""
        found: dict[NodeKey, bytes] = {}
        missing: list[NodeKey] = []
        for key in keys:
            digest = self.nodes.get(key)
            if digest is None:
                missing.append(key)
            else:
                found[key] = digest
        return found, missing
