"""RFC 9162 Merkle tree hashing over perfect subtrees that can be stored and fetched by key.

The tree over leaf hashes D[0:n] is the RFC's: MTH of one leaf is its hash, and
MTH(D[0:n]) = H(0x01 || MTH(D[0:k]) || MTH(D[k:n])) with k the largest power of
two below n. Every left subtree in that recursion is *perfect* (2^level leaves,
aligned), so the tree of any size is the fold of at most log2(n) perfect
subtrees. A perfect subtree is named by its key (level, index): it covers
leaves [index * 2^level, (index + 1) * 2^level). Stores keep these nodes once
complete, which is all that roots and proofs at any size ever need.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "NodeKey",
    "completed_nodes",
    "frontier_keys",
    "leaf_hash",
    "node_hash",
    "perfect_ranges",
    "root_from",
]

HASH_SIZE = 32
NodeKey = tuple[int, int]
"""(level, index) of a perfect subtree: leaves [index << level, (index + 1) << level)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH of the empty tree (RFC 9162 section 2.1.1)."""


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the hash of one entry."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def frontier_keys(size: int) -> list[NodeKey]:
    """The complete nodes on the right edge of a tree of `size` leaves that new leaves may pair with."""
    return [
        (level, (size >> level) - 1) for level in range(size.bit_length()) if (size >> level) & 1
    ]


def completed_nodes(
    size: int, leaf_hashes: Sequence[bytes], frontier: Mapping[NodeKey, bytes]
) -> list[tuple[NodeKey, bytes]]:
    """Every perfect subtree completed by appending `leaf_hashes` to a tree of `size` leaves.

    `frontier` holds the nodes named by `frontier_keys(size)`. The result starts
    with the new leaves themselves (level 0) and is what a store must add.
    """
    known = dict(frontier)
    added: list[tuple[NodeKey, bytes]] = []
    for offset, digest in enumerate(leaf_hashes):
        index, level = size + offset, 0
        known[(0, index)] = digest
        added.append(((0, index), digest))
        while index & 1:
            left = known[(level, index - 1)]
            digest = node_hash(left, digest)
            level, index = level + 1, index >> 1
            known[(level, index)] = digest
            added.append(((level, index), digest))
    return added


def perfect_ranges(start: int, end: int) -> list[NodeKey]:
    """The perfect subtrees that make up leaves [start, end), left to right, as the RFC splits them.

    For the ranges the RFC's recursion produces (a perfect-aligned start), MTH of
    the range is the right-to-left fold of these nodes.
    """
    keys: list[NodeKey] = []
    while start < end:
        level = (end - start).bit_length() - 1
        while start & ((1 << level) - 1):
            level -= 1
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def root_from(keys: Sequence[NodeKey], nodes: Mapping[NodeKey, bytes]) -> bytes:
    """MTH of the range made of the perfect subtrees `keys` (left to right), or EMPTY_ROOT."""
    if not keys:
        return EMPTY_ROOT
    digest = nodes[keys[-1]]
    for key in reversed(keys[:-1]):
        digest = node_hash(nodes[key], digest)
    return digest
