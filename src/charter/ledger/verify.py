"""Verify a bundle offline: every hash, every signature, and every act replayed.

Pure: give it a Bundle, get a Report. It walks the entries once, keeping only
the Merkle frontier, so memory stays small at any size; at each checkpoint's
size it compares the recomputed root and checks the signature; and it replays
the acts through the same authority check that judged them, so a granted act
that was not authorised, a refused one that was, or a miscounted result is
found and named by entry index, field, expected and found.
"""

from __future__ import annotations

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

__all__ = ["Discrepancy", "Report", "verify"]


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
        sizes = {checkpoint.size for checkpoint in parsed}
        replayer = Replayer(bundle.polity)
        frontier: dict[merkle.NodeKey, bytes] = {}
        roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT}
        for seq, data in enumerate(bundle.entries):
            replayer.feed(data)
            for key, digest in merkle.completed_nodes(seq, [merkle.leaf_hash(data)], frontier):
                frontier[key] = digest
            frontier = {key: frontier[key] for key in merkle.frontier_keys(seq + 1)}
            if seq + 1 in sizes:
                roots[seq + 1] = merkle.root_from(merkle.perfect_ranges(0, seq + 1), frontier)
        size = len(bundle.entries)
        root = merkle.root_from(merkle.perfect_ranges(0, size), frontier)
        replayer.check_constitutions(bundle.constitutions)
        _check_heads(bundle, parsed, roots, size)
    except ReplayMismatchError as error:
        return Report(len(bundle.entries), len(bundle.checkpoints), root, error.discrepancy)
    return Report(len(bundle.entries), len(bundle.checkpoints), root)


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
