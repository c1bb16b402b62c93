"""Verify a bundle offline: every hash, every signature, and every act replayed.

Pure: give it a Bundle, get a Report. It replays the acts through the same
authority check that judged them, so a granted act that was not authorised, a
refused one that was, or a miscounted result is found and named by entry index,
field, expected and found. It hashes the entries a chunk at a time, keeping only
the Merkle frontier and one chunk's subtrees, so memory stays small at any size;
at each checkpoint's size it compares the recomputed root and checks the
signature. `check_hashes` does the hashing and signature checks alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from charter.ledger import merkle
from charter.ledger.bundle import Bundle
from charter.ledger.checkpoint import (
    Checkpoint,
    CheckpointError,
    parse_checkpoint,
    verify_checkpoint,
)
from charter.ledger.replay import Discrepancy, Replayer, ReplayMismatchError, mismatch

__all__ = ["Discrepancy", "Report", "check_hashes", "tree_roots", "verify"]


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of a verification: what was checked, and the first discrepancy if any."""

    entries: int
    checkpoints: int
    root: bytes
    discrepancy: Discrepancy | None = None

    @property
    def ok(self) -> bool:
        return self.discrepancy is None

    def summary(self) -> str:
        if self.discrepancy is not None:
            return f"NOT VERIFIED: {self.discrepancy}"
        return f"verified {self.entries} entries, {self.checkpoints} checkpoints, root {self.root.hex()[:8]}…"


def verify(bundle: Bundle) -> Report:
    """Check every hash, signature and act of `bundle`; the Report names the first discrepancy."""
    root = merkle.EMPTY_ROOT
    try:
        parsed = _checkpoints(bundle)
        replayer = Replayer(bundle.polity)
        for data in bundle.entries:
            replayer.feed(data)
        root, roots = tree_roots(bundle.entries, [checkpoint.size for checkpoint in parsed])
        replayer.check_constitutions(bundle.constitutions)
        _check_heads(bundle, parsed, roots, len(bundle.entries))
    except ReplayMismatchError as error:
        return Report(len(bundle.entries), len(bundle.checkpoints), root, error.discrepancy)
    return Report(len(bundle.entries), len(bundle.checkpoints), root)


def check_hashes(bundle: Bundle) -> Report:
    """Only the hashes and signatures: every leaf hashed into the tree, every checkpoint checked.

    What `verify` checks apart from replaying the acts (and the constitution
    versions the replay produces): that the checkpoints are signed by the
    bundle's key, grow, and carry the roots of the entries as given.
    """
    root = merkle.EMPTY_ROOT
    try:
        parsed = _checkpoints(bundle)
        root, roots = tree_roots(bundle.entries, [checkpoint.size for checkpoint in parsed])
        _check_heads(bundle, parsed, roots, len(bundle.entries))
    except ReplayMismatchError as error:
        return Report(len(bundle.entries), len(bundle.checkpoints), root, error.discrepancy)
    return Report(len(bundle.entries), len(bundle.checkpoints), root)


_CHUNK_LEVEL = 14
"""Entries are hashed in aligned chunks of 2^14: memory stays at one chunk's tree plus the frontier."""


def tree_roots(entries: Sequence[bytes], sizes: Iterable[int]) -> tuple[bytes, dict[int, bytes]]:
    """The RFC 9162 root of `entries`, and the root at each of `sizes` that is within them (and 0).

    The same roots as folding `merkle.completed_nodes` leaf by leaf, computed a
    chunk at a time: leaf hashes, then each level of the chunk's subtrees, in bulk.
    """
    count = len(entries)
    wanted = sorted({size for size in sizes if 0 < size <= count} | {count} - {0})
    roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT}
    sha256 = hashlib.sha256
    chunk = 1 << _CHUNK_LEVEL
    frontier: list[bytes] = []  # the perfect subtrees left of the chunk, largest first
    position = 0
    for start in range(0, count, chunk):
        stop = min(start + chunk, count)
        level = [sha256(b"\x00" + data).digest() for data in entries[start:stop]]
        levels = [level]
        while len(level) > 1:
            pairs = zip(level[0::2], level[1::2], strict=False)
            level = [sha256(b"\x01" + left + right).digest() for left, right in pairs]
            levels.append(level)
        while position < len(wanted) and wanted[position] <= stop:
            size = wanted[position]
            parts = [*frontier]
            for height, index in merkle.perfect_ranges(start, size):
                parts.append(levels[height][index - (start >> height)])
            digest = parts[-1]
            for part in reversed(parts[:-1]):
                digest = merkle.node_hash(part, digest)
            roots[size] = digest
            position += 1
        if stop - start == chunk:
            digest, index = levels[_CHUNK_LEVEL][0], start >> _CHUNK_LEVEL
            while index & 1:
                digest = merkle.node_hash(frontier.pop(), digest)
                index >>= 1
            frontier.append(digest)
    return roots[count], roots


def _checkpoints(bundle: Bundle) -> list[Checkpoint]:
    parsed = []
    for number, text in enumerate(bundle.checkpoints):
        try:
            parsed.append(parse_checkpoint(text)[0])
        except CheckpointError as error:
            raise mismatch(f"checkpoint {number}", "text", "a checkpoint", str(error)) from None
    return parsed


def _check_heads(
    bundle: Bundle, parsed: list[Checkpoint], roots: dict[int, bytes], size: int
) -> None:
    """Each checkpoint signed by the polity's key, growing, within the log, with the recomputed root."""
    previous = -1
    for number, checkpoint in enumerate(parsed):
        where = f"checkpoint {number} (size {checkpoint.size})"
        if checkpoint.origin != bundle.origin:
            raise mismatch(where, "origin", bundle.origin, checkpoint.origin)
        try:
            verify_checkpoint(bundle.checkpoints[number], bundle.public_key, bundle.origin)
        except CheckpointError as error:
            raise mismatch(
                where, "signature", "a valid signature by the polity's key", str(error)
            ) from None
        if checkpoint.size <= previous:
            raise mismatch(where, "size", f"more than {previous}", checkpoint.size)
        previous = checkpoint.size
        if checkpoint.size > size:
            raise mismatch(where, "size", f"at most {size} entries", checkpoint.size)
        if roots[checkpoint.size] != checkpoint.root:
            raise mismatch(where, "root", roots[checkpoint.size], checkpoint.root)
