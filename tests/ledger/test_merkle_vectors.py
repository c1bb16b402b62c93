"""Published Certificate Transparency test vectors, which apply unchanged to RFC 9162 trees.

RFC 6962 and RFC 9162 hash identically (SHA-256, 0x00 leaf and 0x01 node
prefixes), so the vectors below, copied from transparency-dev/merkle, check this
implementation against an independent one:

- hashes of single leaves and nodes: rfc6962/rfc6962_test.go (TestRFC6962Hasher);
- the 8-leaf tree, its roots for sizes 1..8, and the inclusion and consistency
  proofs with the tampered variants tried against them: proof/verify_test.go
  (inclusionProofs, consistencyProofs, roots, leaves, corruptInclusionProof,
  corruptConsistencyProof). Leaf numbers there are 1-based; here they are 0-based.
- which stored nodes each proof is made of: proof/proof_test.go (TestInclusion,
  TestConsistency). Their node IDs are (level, index), as ours; a "rehash" group
  of several IDs there is listed right to left, here it is one inner list, left
  to right.
"""

from __future__ import annotations

import hashlib

import pytest

from charter.ledger.merkle import (
    EMPTY_ROOT,
    completed_nodes,
    leaf_hash,
    node_hash,
    perfect_ranges,
    root_from,
)
from charter.ledger.proofs import (
    ProofError,
    consistency_proof,
    consistency_proof_keys,
    inclusion_proof,
    inclusion_proof_keys,
    verify_consistency,
    verify_inclusion,
)

h = bytes.fromhex

# transparency-dev/merkle proof/verify_test.go: leaves
LEAVES = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]

# transparency-dev/merkle proof/verify_test.go: roots, for sizes 1..8
ROOTS = {
    1: h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    2: h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    3: h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    4: h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    5: h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    6: h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    7: h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    8: h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
}

# transparency-dev/merkle proof/verify_test.go: inclusionProofs, as (0-based index, size, proof)
INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        1,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]

# transparency-dev/merkle proof/verify_test.go: consistencyProofs, as (size1, size2, proof)
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

# transparency-dev/merkle proof/verify_test.go: sha256SomeHash
SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")

STORE = dict(completed_nodes(0, [leaf_hash(data) for data in LEAVES], {}))


def test_rfc6962_hasher_vectors():
    # transparency-dev/merkle rfc6962/rfc6962_test.go: TestRFC6962Hasher
    assert h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == EMPTY_ROOT
    assert leaf_hash(b"") == h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    assert leaf_hash(b"L123456") == h(
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert node_hash(b"N123", b"N456") == h(
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


@pytest.mark.parametrize("size", sorted(ROOTS))
def test_roots_of_the_eight_leaf_tree(size):
    assert root_from(perfect_ranges(0, size), STORE) == ROOTS[size]


def corrupt_inclusion(index, size, proof, root, leaf):
    """transparency-dev/merkle proof/verify_test.go corruptInclusionProof, in the same order."""
    cases = [
        (index - 1, size, root, leaf, proof),
        (index + 1, size, root, leaf, proof),
        (index ^ 2, size, root, leaf, proof),
        (index, size * 2, root, leaf, proof),
        (index, size // 2, root, leaf, proof),
        (index, size, root, b"WrongLeaf", proof),
        (index, size, EMPTY_ROOT, leaf, proof),
        (index, size, SOME_HASH, leaf, proof),
        (index, size, root, leaf, [*proof, b""]),
        (index, size, root, leaf, [*proof, root]),
        (index, size, root, leaf, [b"", *proof]),
        (index, size, root, leaf, [root, *proof]),
    ]
    for position in range(len(proof)):
        changed = list(proof)
        changed[position] = bytes([changed[position][0] ^ 8]) + changed[position][1:]
        cases.append((index, size, root, leaf, changed))
    if proof:
        cases.append((index, size, root, leaf, proof[:-1]))
    if len(proof) > 1:
        cases.append((index, size, root, leaf, [SOME_HASH, proof[0], *proof[1:]]))
    return cases


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_published_inclusion_proofs(index, size, proof):
    leaf = leaf_hash(LEAVES[index])
    assert inclusion_proof(index, size, STORE) == proof
    verify_inclusion(index, size, leaf, proof, ROOTS[size])
    for case_index, case_size, root, case_leaf, case_proof in corrupt_inclusion(
        index, size, proof, ROOTS[size], leaf
    ):
        with pytest.raises(ProofError):
            verify_inclusion(case_index, case_size, case_leaf, case_proof, root)


def corrupt_consistency(size1, size2, root1, root2, proof):
    """transparency-dev/merkle proof/verify_test.go corruptConsistencyProof, in the same order."""
    cases = [
        (size1 - 1, size2, root1, root2, proof),
        (size1 + 1, size2, root1, root2, proof),
        (size1 ^ 2, size2, root1, root2, proof),
        (size1, size2 * 2, root1, root2, proof),
        (size1, size2 // 2, root1, root2, proof),
        (size1, size2, b"WrongRoot", root2, proof),
        (size1, size2, root1, b"WrongRoot", proof),
        (size1, size2, root2, root1, proof),
        (size1, size2, root1, root2, []),
        (size1, size2, root1, root2, [*proof, b""]),
        (size1, size2, root1, root2, [*proof, root1]),
        (size1, size2, root1, root2, [*proof, root2]),
        (size1, size2, root1, root2, [b"", *proof]),
        (size1, size2, root1, root2, [root1, *proof]),
        (size1, size2, root1, root2, [root2, *proof]),
        (size1, size2, root1, root2, [proof[0], *proof]),
        (size1, size2, root1, root2, proof[:-1]),
    ]
    for position in range(len(proof)):
        changed = list(proof)
        changed[position] = bytes([changed[position][0] ^ 16]) + changed[position][1:]
        cases.append((size1, size2, root1, root2, changed))
    return cases


@pytest.mark.parametrize(("size1", "size2", "proof"), CONSISTENCY)
def test_published_consistency_proofs(size1, size2, proof):
    assert consistency_proof(size1, size2, STORE) == proof
    verify_consistency(size1, size2, ROOTS[size1], ROOTS[size2], proof)
    if not proof:  # As upstream, only non-trivial proofs are tampered with.
        return
    for first, second, root1, root2, case_proof in corrupt_consistency(
        size1, size2, ROOTS[size1], ROOTS[size2], proof
    ):
        with pytest.raises(ProofError):
            verify_consistency(first, second, root1, root2, case_proof)


def test_single_entry_inclusion():
    # transparency-dev/merkle proof/verify_test.go: TestVerifyInclusionSingleEntry
    digest = leaf_hash(b"data")
    verify_inclusion(0, 1, digest, [], digest)
    for root, leaf in [(digest, b""), (b"", digest), (b"", b"")]:
        with pytest.raises(ProofError):
            verify_inclusion(0, 1, leaf, [], root)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (0, 1), (1, 0), (2, 1)])
def test_bad_inclusion_probes(index, size):
    # transparency-dev/merkle proof/verify_test.go: TestVerifyInclusion probes
    for leaf, root in [(SOME_HASH, b""), (b"", EMPTY_ROOT), (SOME_HASH, EMPTY_ROOT)]:
        with pytest.raises(ProofError):
            verify_inclusion(index, size, leaf, [], root)


ROOT_A = hashlib.sha256(b"don't care 1").digest()
ROOT_B = hashlib.sha256(b"don't care 2").digest()


@pytest.mark.parametrize(
    ("size1", "size2", "root1", "root2", "proof", "valid"),
    [
        # transparency-dev/merkle proof/verify_test.go: TestVerifyConsistency, with 32-byte
        # stand-ins for its "don't care" roots. Upstream accepts (0, 0) and (0, 1) with an
        # empty proof; RFC 9162 defines consistency only for 0 < first, so they are refused here.
        (0, 0, ROOT_A, ROOT_B, [], False),
        (1, 1, ROOT_A, ROOT_B, [], False),
        (0, 0, ROOT_A, ROOT_A, [], False),
        (0, 1, ROOT_A, ROOT_B, [], False),
        (1, 1, ROOT_B, ROOT_B, [], True),
        (1, 0, ROOT_A, ROOT_B, [], False),
        (2, 1, ROOT_A, ROOT_B, [], False),
        (1, 2, ROOT_A, ROOT_B, [], False),
        (0, 0, EMPTY_ROOT, ROOT_B, [], False),
        (1, 1, EMPTY_ROOT, ROOT_B, [], False),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
    ],
)
def test_consistency_edge_cases(size1, size2, root1, root2, proof, valid):
    if valid:
        verify_consistency(size1, size2, root1, root2, proof)
    else:
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, root1, root2, proof)


# transparency-dev/merkle proof/proof_test.go: TestInclusion, as (index, size, nodes per hash)
INCLUSION_NODES = [
    (0, 1, []),
    (0, 2, [[(0, 1)]]),
    (1, 2, [[(0, 0)]]),
    (1, 3, [[(0, 0)], [(0, 2)]]),
    (0, 7, [[(0, 1)], [(1, 1)], [(1, 2), (0, 6)]]),
    (1, 7, [[(0, 0)], [(1, 1)], [(1, 2), (0, 6)]]),
    (2, 7, [[(0, 3)], [(1, 0)], [(1, 2), (0, 6)]]),
    (3, 7, [[(0, 2)], [(1, 0)], [(1, 2), (0, 6)]]),
    (4, 7, [[(0, 5)], [(0, 6)], [(2, 0)]]),
    (5, 7, [[(0, 4)], [(0, 6)], [(2, 0)]]),
    (6, 7, [[(1, 2)], [(2, 0)]]),
    (2, 4, [[(0, 3)], [(1, 0)]]),
    (3, 5, [[(0, 2)], [(1, 0)], [(0, 4)]]),
    (3, 6, [[(0, 2)], [(1, 0)], [(1, 2)]]),
    (4, 6, [[(0, 5)], [(2, 0)]]),
    (10, 15, [[(0, 11)], [(1, 4)], [(1, 6), (0, 14)], [(3, 0)]]),
    (24, 31, [[(0, 25)], [(1, 13)], [(1, 14), (0, 30)], [(3, 2)], [(4, 0)]]),
    (
        81,
        95,
        [[(0, 80)], [(1, 41)], [(2, 21)], [(2, 22), (1, 46), (0, 94)], [(4, 4)], [(6, 0)]],
    ),
]

# transparency-dev/merkle proof/proof_test.go: TestConsistency, as (size1, size2, nodes per hash)
CONSISTENCY_NODES = [
    (1, 2, [[(0, 1)]]),
    (1, 4, [[(0, 1)], [(1, 1)]]),
    (1, 6, [[(0, 1)], [(1, 1)], [(1, 2)]]),
    (2, 3, [[(0, 2)]]),
    (2, 8, [[(1, 1)], [(2, 1)]]),
    (3, 7, [[(0, 2)], [(0, 3)], [(1, 0)], [(1, 2), (0, 6)]]),
    (4, 7, [[(1, 2), (0, 6)]]),
    (5, 7, [[(0, 4)], [(0, 5)], [(0, 6)], [(2, 0)]]),
    (6, 7, [[(1, 2)], [(0, 6)], [(2, 0)]]),
    (7, 8, [[(0, 6)], [(0, 7)], [(1, 2)], [(2, 0)]]),
    (1, 1, []),
    (2, 2, []),
    (3, 3, []),
    (4, 4, []),
    (5, 5, []),
    (7, 7, []),
    (8, 8, []),
    (2, 4, [[(1, 1)]]),
    (3, 5, [[(0, 2)], [(0, 3)], [(1, 0)], [(0, 4)]]),
    (3, 6, [[(0, 2)], [(0, 3)], [(1, 0)], [(1, 2)]]),
    (4, 6, [[(1, 2)]]),
    (1, 7, [[(0, 1)], [(1, 1)], [(1, 2), (0, 6)]]),
    (10, 15, [[(1, 4)], [(1, 5)], [(1, 6), (0, 14)], [(3, 0)]]),
    (24, 31, [[(3, 2)], [(2, 6), (1, 14), (0, 30)], [(4, 0)]]),
    (
        81,
        95,
        [
            [(0, 80)],
            [(0, 81)],
            [(1, 41)],
            [(2, 21)],
            [(2, 22), (1, 46), (0, 94)],
            [(4, 4)],
            [(6, 0)],
        ],
    ),
]


@pytest.mark.parametrize(("index", "size", "nodes"), INCLUSION_NODES)
def test_published_inclusion_node_choices(index, size, nodes):
    assert inclusion_proof_keys(index, size) == nodes


@pytest.mark.parametrize(("size1", "size2", "nodes"), CONSISTENCY_NODES)
def test_published_consistency_node_choices(size1, size2, nodes):
    assert consistency_proof_keys(size1, size2) == nodes


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (2, 1), (3, 0), (8, 7)])
def test_published_inclusion_refusals(index, size):
    # transparency-dev/merkle proof/proof_test.go: TestInclusion errors
    with pytest.raises(ProofError):
        inclusion_proof_keys(index, size)


@pytest.mark.parametrize(("size1", "size2"), [(5, 0), (9, 8)])
def test_published_consistency_refusals(size1, size2):
    # transparency-dev/merkle proof/proof_test.go: TestConsistency errors
    with pytest.raises(ProofError):
        consistency_proof_keys(size1, size2)
