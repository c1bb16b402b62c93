"""Proofs from stored perfect subtrees equal the RFC 9162 definitions, verify, and reject tampering.

The reference below reads RFC 9162 sections 2.1.1 (MTH), 2.1.3.1 (PATH) and
2.1.4.1 (PROOF/SUBPROOF) literally over raw leaf data, sharing nothing with the
code under test but SHA-256. Every proof the two-phase code makes for trees of
up to 300 leaves is compared with it.
"""

from __future__ import annotations

import hashlib
import random

import pytest

from charter.errors import CharterError
from charter.ledger.merkle import (
    NodeKey,
    completed_nodes,
    frontier_keys,
    leaf_hash,
    perfect_ranges,
    root_from,
)
from charter.ledger.proofs import (
    ProofError,
    consistency_proof,
    consistency_proof_keys,
    inclusion_proof,
    inclusion_proof_keys,
    needed_keys,
    prove_consistency,
    prove_inclusion,
    verify_consistency,
    verify_inclusion,
)

MAX_INCLUSION = 300
MAX_CONSISTENCY = 300
MAX_NEGATIVE = 64


class Reference:
    """RFC 9162 MTH, PATH and SUBPROOF, written as the RFC states them, over D[lo:hi]."""

    def __init__(self, data: list[bytes]) -> None:
        self.data = data
        self._mth: dict[tuple[int, int], bytes] = {}

    @staticmethod
    def split(n: int) -> int:
        """k, the largest power of two smaller than n."""
        k = 1
        while k * 2 < n:
            k *= 2
        return k

    def mth(self, lo: int, hi: int) -> bytes:
        if (lo, hi) not in self._mth:
            n = hi - lo
            if n == 0:
                digest = hashlib.sha256(b"").digest()
            elif n == 1:
                digest = hashlib.sha256(b"\x00" + self.data[lo]).digest()
            else:
                k = self.split(n)
                digest = hashlib.sha256(
                    b"\x01" + self.mth(lo, lo + k) + self.mth(lo + k, hi)
                ).digest()
            self._mth[(lo, hi)] = digest
        return self._mth[(lo, hi)]

    def path(self, m: int, lo: int, hi: int) -> list[bytes]:
        """PATH(m, D[lo:hi]), m counted from lo."""
        n = hi - lo
        if n == 1:
            return []
        k = self.split(n)
        if m < k:
            return [*self.path(m, lo, lo + k), self.mth(lo + k, hi)]
        return [*self.path(m - k, lo + k, hi), self.mth(lo, lo + k)]

    def subproof(self, m: int, lo: int, hi: int, b: bool) -> list[bytes]:
        """SUBPROOF(m, D[lo:hi], b), m counted from lo."""
        n = hi - lo
        if m == n:
            return [] if b else [self.mth(lo, hi)]
        k = self.split(n)
        if m <= k:
            return [*self.subproof(m, lo, lo + k, b), self.mth(lo + k, hi)]
        return [*self.subproof(m - k, lo + k, hi, False), self.mth(lo, lo + k)]

    def proof(self, m: int, n: int) -> list[bytes]:
        return self.subproof(m, 0, n, True)


DATA = [b"entry %d" % i for i in range(MAX_INCLUSION)]
REF = Reference(DATA)
LEAVES = [leaf_hash(data) for data in DATA]
STORE: dict[NodeKey, bytes] = dict(completed_nodes(0, LEAVES, {}))
ROOTS = [REF.mth(0, n) for n in range(MAX_INCLUSION + 1)]


def flip(digest: bytes, bit: int) -> bytes:
    changed = bytearray(digest)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def available_at(keys: list[NodeKey], size: int) -> bool:
    """Every key names a subtree already complete in a tree of `size` leaves."""
    return all((index + 1) << level <= size for level, index in keys)


# ---------------------------------------------------------------- the reference itself


def test_reference_mth_matches_the_rfc_6962_empty_and_single_leaf_values():
    assert Reference([]).mth(0, 0).hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert Reference([b""]).mth(0, 1).hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )


# ---------------------------------------------------------------- exhaustive agreement


@pytest.mark.parametrize("size", range(1, MAX_INCLUSION + 1))
def test_inclusion_proofs_equal_path_and_verify(size):
    root = ROOTS[size]
    assert root_from(perfect_ranges(0, size), STORE) == root
    for index in range(size):
        keys = inclusion_proof_keys(index, size)
        assert all(available_at(element, size) for element in keys)
        proof = inclusion_proof(index, size, STORE)
        assert proof == REF.path(index, 0, size)
        assert len(proof) <= (size - 1).bit_length()
        verify_inclusion(index, size, LEAVES[index], proof, root)


@pytest.mark.parametrize("new_size", range(1, MAX_CONSISTENCY + 1))
def test_consistency_proofs_equal_proof_and_verify(new_size):
    new_root = ROOTS[new_size]
    for old_size in range(1, new_size + 1):
        keys = consistency_proof_keys(old_size, new_size)
        assert all(available_at(element, new_size) for element in keys)
        proof = consistency_proof(old_size, new_size, STORE)
        assert proof == REF.proof(old_size, new_size)
        assert len(proof) <= (new_size - 1).bit_length() + 1
        verify_consistency(old_size, new_size, ROOTS[old_size], new_root, proof)


# ---------------------------------------------------------------- one fetch


class CountingStore:
    def __init__(self) -> None:
        self.calls: list[list[NodeKey]] = []

    def __call__(self, keys):
        self.calls.append(list(keys))
        return {key: STORE[key] for key in keys}


@pytest.mark.parametrize(("index", "size"), [(0, 1), (0, 2), (5, 7), (81, 95), (299, 300)])
def test_prove_inclusion_fetches_once_with_distinct_keys(index, size):
    fetch = CountingStore()
    assert prove_inclusion(fetch, index, size) == REF.path(index, 0, size)
    assert len(fetch.calls) == 1
    (keys,) = fetch.calls
    assert len(keys) == len(set(keys))
    assert set(keys) == {key for element in inclusion_proof_keys(index, size) for key in element}


@pytest.mark.parametrize(("old", "new"), [(1, 1), (1, 2), (3, 7), (81, 95), (128, 300)])
def test_prove_consistency_fetches_once_with_distinct_keys(old, new):
    fetch = CountingStore()
    assert prove_consistency(fetch, old, new) == REF.proof(old, new)
    assert len(fetch.calls) == 1
    (keys,) = fetch.calls
    assert len(keys) == len(set(keys))


def test_needed_keys_merges_proofs_in_first_seen_order():
    inclusion = inclusion_proof_keys(5, 7)
    consistency = consistency_proof_keys(6, 7)
    merged = needed_keys(inclusion, consistency)
    assert merged[: len(needed_keys(inclusion))] == needed_keys(inclusion)
    assert len(merged) == len(set(merged))
    assert set(merged) == {
        key for proof in (inclusion, consistency) for keys in proof for key in keys
    }


def test_a_store_missing_a_node_is_reported():
    nodes = dict(STORE)
    del nodes[(2, 0)]
    with pytest.raises(ProofError, match=r"not in the store, the first being \(2, 0\)"):
        inclusion_proof(5, 7, nodes)


# ---------------------------------------------------------------- refusing to prove


@pytest.mark.parametrize(
    ("index", "size", "message"),
    [
        (0, 0, "index 0 is not below tree size 0"),
        (5, 5, "index 5 is not below tree size 5"),
        (-1, 5, "index -1 is negative"),
    ],
)
def test_no_inclusion_proof_outside_the_tree(index, size, message):
    with pytest.raises(ProofError, match=message):
        inclusion_proof_keys(index, size)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [(0, 5, "from size 0"), (0, 0, "from size 0"), (6, 5, "to smaller size 5")],
)
def test_no_consistency_proof_outside_the_rfc_domain(old, new, message):
    with pytest.raises(ProofError, match=message):
        consistency_proof_keys(old, new)


def test_proof_error_is_a_charter_error():
    assert issubclass(ProofError, CharterError)


# ---------------------------------------------------------------- tampering: inclusion


def corrupt_inclusion(index, size, proof, leaf, root):
    """(description, leaf_index, tree_size, hash, path, root) variants that must all be refused."""
    junk = hashlib.sha256(b"junk").digest()
    cases = [
        ("leaf bit", index, size, flip(leaf, index % 256), proof, root),
        ("root bit", index, size, leaf, proof, flip(root, 255 - index % 256)),
        ("root is the leaf", index, size, leaf, proof, leaf) if size > 1 else None,
        ("other leaf", index, size, LEAVES[(index + 1) % MAX_INCLUSION], proof, root),
        ("short leaf hash", index, size, leaf[:-1], proof, root),
        ("appended junk", index, size, leaf, [*proof, junk], root),
        ("appended root", index, size, leaf, [*proof, root], root),
        ("prepended junk", index, size, leaf, [junk, *proof], root),
        ("prepended leaf", index, size, leaf, [leaf, *proof], root),
        ("empty hash appended", index, size, leaf, [*proof, b""], root),
    ]
    if proof:
        cases += [
            ("last dropped", index, size, leaf, proof[:-1], root),
            ("first dropped", index, size, leaf, proof[1:], root),
            ("reversed", index, size, leaf, proof[::-1], root) if len(proof) > 1 else None,
            ("element replaced", index, size, leaf, [junk, *proof[1:]], root),
        ]
    for position, element in enumerate(proof):
        for bit in (0, 7, 255, (position * 37 + index * 11) % 256):
            changed = [*proof[:position], flip(element, bit), *proof[position + 1 :]]
            cases.append((f"proof[{position}] bit {bit}", index, size, leaf, changed, root))
    for other in range(-1, size + 2):
        if other != index:
            cases.append((f"index {other}", other, size, leaf, proof, root))
    for other in {*range(1, size + 3), size * 2, size // 2} - {0, size}:
        # A real tree head of another size: the stale proof must not reach its root.
        cases.append((f"size {other}", index, other, leaf, proof, ROOTS[other]))
    return [case for case in cases if case is not None]


@pytest.mark.parametrize("size", range(1, MAX_NEGATIVE + 1))
def test_tampered_inclusion_proofs_are_refused(size):
    root = ROOTS[size]
    for index in range(size):
        proof = inclusion_proof(index, size, STORE)
        accepted = []
        for description, *args in corrupt_inclusion(index, size, proof, LEAVES[index], root):
            try:
                verify_inclusion(*args)
            except ProofError:
                continue
            accepted.append(description)
        assert accepted == [], f"index {index}: accepted {accepted}"


def test_every_bit_of_every_inclusion_hash_matters():
    size, index = 13, 6
    proof = inclusion_proof(index, size, STORE)
    for position, element in enumerate(proof):
        for bit in range(256):
            changed = [*proof[:position], flip(element, bit), *proof[position + 1 :]]
            with pytest.raises(ProofError, match="computed root"):
                verify_inclusion(index, size, LEAVES[index], changed, ROOTS[size])
    for bit in range(256):
        with pytest.raises(ProofError, match="computed root"):
            verify_inclusion(index, size, flip(LEAVES[index], bit), proof, ROOTS[size])


# ---------------------------------------------------------------- tampering: consistency


def corrupt_consistency(old, new, proof, old_root, new_root):
    """(description, first, second, first_hash, second_hash, proof) variants that must be refused."""
    junk = hashlib.sha256(b"junk").digest()
    cases = [
        ("swapped roots", old, new, new_root, old_root, proof),
        ("old root bit", old, new, flip(old_root, old % 256), new_root, proof),
        ("new root bit", old, new, old_root, flip(new_root, new % 256), proof),
        ("short new root", old, new, old_root, new_root[:16], proof),
        ("empty proof", old, new, old_root, new_root, []),
        ("last dropped", old, new, old_root, new_root, proof[:-1]),
        ("first dropped", old, new, old_root, new_root, proof[1:]),
        ("appended junk", old, new, old_root, new_root, [*proof, junk]),
        ("appended old root", old, new, old_root, new_root, [*proof, old_root]),
        ("appended new root", old, new, old_root, new_root, [*proof, new_root]),
        ("prepended junk", old, new, old_root, new_root, [junk, *proof]),
        ("prepended old root", old, new, old_root, new_root, [old_root, *proof]),
        ("prepended new root", old, new, old_root, new_root, [new_root, *proof]),
        ("proof[0] twice", old, new, old_root, new_root, [proof[0], *proof]),
        ("empty hash appended", old, new, old_root, new_root, [*proof, b""]),
        ("reversed", old, new, old_root, new_root, proof[::-1]) if len(proof) > 1 else None,
        ("from zero", 0, new, old_root, new_root, proof),
        ("backwards", new, old, new_root, old_root, proof),
        ("same size, proof kept", new, new, new_root, new_root, proof),
        ("same size, other root", old, old, old_root, new_root, []),
    ]
    for position, element in enumerate(proof):
        for bit in (0, 4, 255, (position * 53 + old * 7 + new) % 256):
            changed = [*proof[:position], flip(element, bit), *proof[position + 1 :]]
            cases.append((f"proof[{position}] bit {bit}", old, new, old_root, new_root, changed))
    # Real tree heads of other sizes: the proof must not link them.
    for other in range(1, new + 1):
        if other != old:
            cases.append((f"first size {other}", other, new, ROOTS[other], new_root, proof))
    for other in {*range(old, new + 3), new * 2} - {new}:
        cases.append((f"second size {other}", old, other, old_root, ROOTS[other], proof))
    return [case for case in cases if case is not None]


@pytest.mark.parametrize("new", range(2, MAX_NEGATIVE + 1))
def test_tampered_consistency_proofs_are_refused(new):
    for old in range(1, new):
        proof = consistency_proof(old, new, STORE)
        accepted = []
        for description, *args in corrupt_consistency(old, new, proof, ROOTS[old], ROOTS[new]):
            try:
                verify_consistency(*args)
            except ProofError:
                continue
            accepted.append(description)
        assert accepted == [], f"{old} -> {new}: accepted {accepted}"


def test_every_bit_of_every_consistency_hash_matters():
    old, new = 6, 13
    proof = consistency_proof(old, new, STORE)
    for position, element in enumerate(proof):
        for bit in range(256):
            changed = [*proof[:position], flip(element, bit), *proof[position + 1 :]]
            with pytest.raises(ProofError, match=r"computed (first|second) root"):
                verify_consistency(old, new, ROOTS[old], ROOTS[new], changed)


# ---------------------------------------------------------------- messages and edge cases


def test_inclusion_failures_say_what_failed():
    proof = inclusion_proof(2, 5, STORE)  # 3 hashes
    with pytest.raises(ProofError, match=r"^index 7 is not below tree size 5$"):
        verify_inclusion(7, 5, LEAVES[7], proof, ROOTS[5])
    with pytest.raises(ProofError, match=r"^proof has 2 hashes, expected 3$"):
        verify_inclusion(2, 5, LEAVES[2], proof[:2], ROOTS[5])
    with pytest.raises(ProofError, match=r"^proof has 4 hashes, expected 3$"):
        verify_inclusion(2, 5, LEAVES[2], [*proof, ROOTS[5]], ROOTS[5])
    with pytest.raises(ProofError, match=r"^proof hash 1 is 31 bytes, not 32$"):
        verify_inclusion(2, 5, LEAVES[2], [proof[0], proof[1][:31], proof[2]], ROOTS[5])
    with pytest.raises(
        ProofError,
        match=rf"^computed root {ROOTS[5].hex()[:16]}… does not match the expected root "
        rf"{ROOTS[4].hex()[:16]}…$",
    ):
        verify_inclusion(2, 5, LEAVES[2], proof, ROOTS[4])


def test_consistency_failures_say_what_failed():
    proof = consistency_proof(3, 7, STORE)  # 4 hashes
    with pytest.raises(ProofError, match=r"^proof has 0 hashes, expected 4$"):
        verify_consistency(3, 7, ROOTS[3], ROOTS[7], [])
    with pytest.raises(ProofError, match=r"^proof has 3 hashes, expected 4$"):
        verify_consistency(3, 7, ROOTS[3], ROOTS[7], proof[:3])
    with pytest.raises(ProofError, match=r"^proof has 5 hashes, expected 4$"):
        verify_consistency(3, 7, ROOTS[3], ROOTS[7], [*proof, ROOTS[7]])
    with pytest.raises(ProofError, match=r"^computed first root .* expected first root"):
        verify_consistency(3, 7, ROOTS[2], ROOTS[7], proof)
    with pytest.raises(ProofError, match=r"^computed second root .* expected second root"):
        verify_consistency(3, 7, ROOTS[3], ROOTS[6], proof)
    with pytest.raises(ProofError, match=r"^first size 8 is larger than second size 7$"):
        verify_consistency(8, 7, ROOTS[8], ROOTS[7], proof)
    with pytest.raises(ProofError, match=r"^first size 0 is not positive"):
        verify_consistency(0, 7, ROOTS[0], ROOTS[7], [])
    with pytest.raises(ProofError, match=r"^second root is 0 bytes, not 32$"):
        verify_consistency(3, 7, ROOTS[3], b"", proof)


def test_equal_sizes_are_consistent_only_with_an_empty_proof_and_equal_roots():
    verify_consistency(5, 5, ROOTS[5], ROOTS[5], [])
    with pytest.raises(ProofError, match="must be empty, but it has 1 hashes"):
        verify_consistency(5, 5, ROOTS[5], ROOTS[5], [ROOTS[5]])
    with pytest.raises(ProofError, match="same size 5 have different roots"):
        verify_consistency(5, 5, ROOTS[5], ROOTS[4], [])


def test_the_empty_tree_has_no_consistency_proof_even_with_the_empty_root():
    # RFC 9162 2.1.4: PROOF(m, D_n) is defined for 0 < m < n, and 2.1.4.2 for 0 < first < second.
    with pytest.raises(ProofError, match="not positive"):
        verify_consistency(0, 0, ROOTS[0], ROOTS[0], [])
    with pytest.raises(ProofError, match="not positive"):
        verify_consistency(0, 1, ROOTS[0], ROOTS[1], [])


def test_the_rfc_verifiers_bind_the_tree_size_only_through_the_paths_shape():
    """Documented RFC behaviour, kept so nobody "fixes" it: take size and root from one tree head.

    Leaf 0 sits at the same depth and side in trees of 3 and 4 leaves, so a
    proof against the 3-leaf root also passes when called with size 4.
    """
    verify_inclusion(0, 4, LEAVES[0], inclusion_proof(0, 3, STORE), ROOTS[3])
    verify_consistency(4, 6, ROOTS[4], ROOTS[5], consistency_proof(4, 5, STORE))


# ---------------------------------------------------------------- the store


def test_the_store_holds_exactly_the_completed_perfect_subtrees():
    expected = {
        (level, index)
        for level in range(MAX_INCLUSION.bit_length())
        for index in range(MAX_INCLUSION >> level)
    }
    assert set(STORE) == expected


@pytest.mark.parametrize("seed", range(5))
def test_completed_nodes_in_random_batches_build_the_same_store(seed):
    rng = random.Random(seed)
    one_by_one: dict[NodeKey, bytes] = {}
    for size, digest in enumerate(LEAVES):
        frontier = {key: one_by_one[key] for key in frontier_keys(size)}
        one_by_one.update(completed_nodes(size, [digest], frontier))
    batched: dict[NodeKey, bytes] = {}
    size = 0
    while size < len(LEAVES):
        batch = LEAVES[size : size + rng.choice([1, 1, 2, 3, 5, 8, 13, 31, 64])]
        frontier = {key: batched[key] for key in frontier_keys(size)}
        added = completed_nodes(size, batch, frontier)
        assert len({key for key, _ in added}) == len(added)
        assert not set(batched) & {key for key, _ in added}
        batched.update(added)
        size += len(batch)
        assert root_from(perfect_ranges(0, size), batched) == ROOTS[size]
    assert batched == one_by_one == STORE
    for size in range(1, len(LEAVES) + 1):
        assert root_from(perfect_ranges(0, size), one_by_one) == ROOTS[size]


def test_completed_nodes_starting_from_the_frontier_alone():
    """A store needs only the frontier, not the whole tree, to append."""
    size = 77
    frontier = {key: STORE[key] for key in frontier_keys(size)}
    added = dict(completed_nodes(size, LEAVES[size:150], frontier))
    assert all(STORE[key] == digest for key, digest in added.items())
    merged = {**{k: v for k, v in STORE.items() if (k[1] + 1) << k[0] <= size}, **added}
    assert root_from(perfect_ranges(0, 150), merged) == ROOTS[150]
