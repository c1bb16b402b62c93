"""Inclusion and consistency proofs (RFC 9162 sections 2.1.3 and 2.1.4) over stored perfect subtrees.

Every hash in an RFC proof is the MTH of a range that the RFC's recursion
produces, and each such range is a few perfect subtrees (`perfect_ranges`). So
proving runs in two phases: the `*_proof_keys` functions work out from the
sizes alone which stored nodes are needed, and the `*_proof` functions fold the
fetched nodes into the RFC's hashes. A database then answers with one batched
query (`prove_inclusion`, `prove_consistency`).

The verifiers follow the RFC's iterative algorithms step by step, so they check
proofs from any conforming log, not only from this one. They return None or
raise `ProofError` saying what failed, because a bare bool is easy to ignore.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from charter.errors import CharterError
from charter.ledger.merkle import HASH_SIZE, NodeKey, node_hash, perfect_ranges, root_from

__all__ = [
    "Fetch",
    "ProofError",
    "consistency_proof",
    "consistency_proof_keys",
    "inclusion_proof",
    "inclusion_proof_keys",
    "needed_keys",
    "prove_consistency",
    "prove_inclusion",
    "verify_consistency",
    "verify_inclusion",
]

Fetch = Callable[[Sequence[NodeKey]], Mapping[NodeKey, bytes]]
"""Looks up stored nodes by key in one go (for a database: one query)."""


class ProofError(CharterError):
    """A proof that cannot be made from the given sizes or nodes, or that does not verify."""


def _split(size: int) -> int:
    """k, the largest power of two below `size` (> 1): where the RFC splits D[0:size]."""
    return 1 << ((size - 1).bit_length() - 1)


def _short(digest: bytes) -> str:
    return digest.hex()[:16] + "…" if digest else "(empty)"


def _check_hash(what: str, digest: bytes) -> None:
    if len(digest) != HASH_SIZE:
        raise ProofError(f"{what} is {len(digest)} bytes, not {HASH_SIZE}")


def _check_path(path: Sequence[bytes]) -> None:
    for position, digest in enumerate(path):
        _check_hash(f"proof hash {position}", digest)


def _wrong_length(path: Sequence[bytes], expected: int) -> ProofError:
    return ProofError(f"proof has {len(path)} hashes, expected {expected}")


def inclusion_proof_keys(index: int, size: int) -> list[list[NodeKey]]:
    """The nodes behind each hash of PATH(index, D[0:size]), bottom-up as the RFC orders them.

    Each inner list is one path element: fold it with `root_from` to get its hash.
    """
    if index < 0:
        raise ProofError(f"no inclusion proof: index {index} is negative")
    if index >= size:
        raise ProofError(f"no inclusion proof: index {index} is not below tree size {size}")
    path: list[list[NodeKey]] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + _split(end - start)
        if index < middle:
            path.append(perfect_ranges(middle, end))
            end = middle
        else:
            path.append(perfect_ranges(start, middle))
            start = middle
    path.reverse()
    return path


def consistency_proof_keys(old_size: int, new_size: int) -> list[list[NodeKey]]:
    """The nodes behind each hash of PROOF(old_size, D[0:new_size]) = SUBPROOF(m, D_n, true).

    Equal sizes give the empty proof (SUBPROOF(m, D_m, true) = {}). An old size
    of zero has no proof: RFC 9162 defines them only for 0 < m.
    """
    if old_size < 1:
        raise ProofError(
            f"no consistency proof from size {old_size}: RFC 9162 defines them only from a non-empty tree"
        )
    if old_size > new_size:
        raise ProofError(f"no consistency proof from size {old_size} to smaller size {new_size}")
    proof: list[list[NodeKey]] = []
    # SUBPROOF(m, D[start:end], complete), unrolled; m counts leaves from start.
    m, start, end, complete = old_size, 0, new_size, True
    while m != end - start:
        k = _split(end - start)
        middle = start + k
        if m <= k:
            proof.append(perfect_ranges(middle, end))
            end = middle
        else:
            proof.append(perfect_ranges(start, middle))
            start, m, complete = middle, m - k, False
    if not complete:
        proof.append(perfect_ranges(start, end))
    proof.reverse()
    return proof


def needed_keys(*proofs: Iterable[Iterable[NodeKey]]) -> list[NodeKey]:
    """Every key the given proofs' key lists name, once each, in first-seen order: one fetch for all."""
    return list(dict.fromkeys(key for proof in proofs for keys in proof for key in keys))


def _assemble(proof: Sequence[Sequence[NodeKey]], nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    missing = [key for key in needed_keys(proof) if key not in nodes]
    if missing:
        raise ProofError(
            f"{len(missing)} node(s) the proof needs are not in the store, the first being {missing[0]}"
        )
    return [root_from(keys, nodes) for keys in proof]


def inclusion_proof(index: int, size: int, nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    """PATH(index, D[0:size]) from `nodes`, which must hold `inclusion_proof_keys(index, size)`."""
    return _assemble(inclusion_proof_keys(index, size), nodes)


def consistency_proof(old_size: int, new_size: int, nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) from `nodes`, which must hold the keys the proof names."""
    return _assemble(consistency_proof_keys(old_size, new_size), nodes)


def prove_inclusion(fetch: Fetch, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) with exactly one call to `fetch` (possibly with no keys)."""
    proof = inclusion_proof_keys(index, size)
    return _assemble(proof, fetch(needed_keys(proof)))


def prove_consistency(fetch: Fetch, old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) with exactly one call to `fetch` (possibly with no keys)."""
    proof = consistency_proof_keys(old_size, new_size)
    return _assemble(proof, fetch(needed_keys(proof)))


def verify_inclusion(
    leaf_index: int, tree_size: int, hash: bytes, path: Sequence[bytes], root: bytes
) -> None:
    """Check that `hash` is leaf `leaf_index` of the tree of `tree_size` with `root` (RFC 9162 2.1.3.2).

    The tree size binds only through the path's shape, so take `tree_size` and
    `root` from the same signed tree head.
    """
    if leaf_index < 0:
        raise ProofError(f"index {leaf_index} is negative")
    # 1. leaf_index must be below tree_size.
    if leaf_index >= tree_size:
        raise ProofError(f"index {leaf_index} is not below tree size {tree_size}")
    _check_hash("leaf hash", hash)
    _check_hash("root", root)
    _check_path(path)
    # 2-3.
    fn, sn = leaf_index, tree_size - 1
    r = hash
    # 4.
    for p in path:
        # a. A path longer than the leaf's depth.
        if sn == 0:
            raise _wrong_length(path, len(inclusion_proof_keys(leaf_index, tree_size)))
        # b.
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        # c.
        fn, sn = fn >> 1, sn >> 1
    # 5.
    if sn != 0:
        raise _wrong_length(path, len(inclusion_proof_keys(leaf_index, tree_size)))
    if r != root:
        raise ProofError(
            f"computed root {_short(r)} does not match the expected root {_short(root)}"
        )


def verify_consistency(
    first: int, second: int, first_hash: bytes, second_hash: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree (`first`, `first_hash`) is a prefix of (`second`, `second_hash`) (RFC 9162 2.1.4.2).

    The RFC's algorithm is for 0 < first < second. Equal sizes are consistent
    exactly when the roots match and the proof is empty (SUBPROOF(m, D_m, true)
    is {}); a first size of zero is refused, since the RFC defines no proof for it.
    """
    if first < 1:
        raise ProofError(
            f"first size {first} is not positive: RFC 9162 proves consistency only from a non-empty tree"
        )
    if first > second:
        raise ProofError(f"first size {first} is larger than second size {second}")
    _check_hash("first root", first_hash)
    _check_hash("second root", second_hash)
    _check_path(proof)
    if first == second:
        if proof:
            raise ProofError(
                f"the sizes are equal, so the proof must be empty, but it has {len(proof)} hashes"
            )
        if first_hash != second_hash:
            raise ProofError(
                f"trees of the same size {first} have different roots "
                f"{_short(first_hash)} and {_short(second_hash)}"
            )
        return
    # 1.
    if not proof:
        raise _wrong_length(proof, len(consistency_proof_keys(first, second)))
    # 2.
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    # 3.
    fn, sn = first - 1, second - 1
    # 4.
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    # 5.
    fr = sr = path[0]
    # 6.
    for c in path[1:]:
        # a. A proof longer than the sizes call for.
        if sn == 0:
            raise _wrong_length(proof, len(consistency_proof_keys(first, second)))
        # b.
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        # c.
        fn, sn = fn >> 1, sn >> 1
    # 7.
    if sn != 0:
        raise _wrong_length(proof, len(consistency_proof_keys(first, second)))
    if fr != first_hash:
        raise ProofError(
            f"computed first root {_short(fr)} does not match the expected first root {_short(first_hash)}"
        )
    if sr != second_hash:
        raise ProofError(
            f"computed second root {_short(sr)} does not match the expected second root {_short(second_hash)}"
        )
