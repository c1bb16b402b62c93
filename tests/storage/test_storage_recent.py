"""What a store keeps of its last commit is enough for what the sequencer asks of it next."""

from __future__ import annotations

from charter.ledger import merkle, proofs
from charter.storage.queries import extend
from charter.storage.recent import KEPT_ENTRIES, LastCommit


def _leaf(index: int) -> tuple[bytes, bytes]:
    data = f"entry {index}".encode()
    return data, merkle.leaf_hash(data)


def _commit(start: int, size: int) -> LastCommit:
    """The commit of leaves [start, size) after a tree of `start` leaves."""
    every = dict(merkle.completed_nodes(0, [_leaf(i)[1] for i in range(start)], {}))
    frontier = {key: every[key] for key in merkle.frontier_keys(start)}
    items = [_leaf(i) for i in range(start, size)]
    _size, _root, _added, known = extend(start, items, frontier)
    return LastCommit.of(start, items, known)


def test_every_inclusion_proof_of_a_commits_entries_is_made_from_what_it_keeps() -> None:
    for size in range(1, 70):
        for start in range(size):
            commit = _commit(start, size)
            truth = dict(merkle.completed_nodes(0, [_leaf(i)[1] for i in range(size)], {}))
            assert commit.root == merkle.root_from(merkle.perfect_ranges(0, size), truth)
            for index in range(start, size):
                keys = [key for part in proofs.inclusion_proof_keys(index, size) for key in part]
                found, missing = commit.split(keys)
                assert missing == [], (start, size, index)
                assert found == {key: truth[key] for key in keys}
            assert commit.entries(start, size) == [_leaf(i)[0] for i in range(start, size)]
            assert commit.frontier() == {k: truth[k] for k in merkle.frontier_keys(size)}


def test_entries_outside_the_commit_are_not_answered_from_it() -> None:
    commit = _commit(5, 9)
    assert commit.entries(4, 9) is None
    assert commit.entries(5, 10) is None
    assert commit.entries(6, 8) == [_leaf(6)[0], _leaf(7)[0]]


def test_a_bulk_commit_keeps_only_the_frontier_it_ends_at() -> None:
    size = KEPT_ENTRIES + 3
    commit = _commit(0, size)
    assert commit.data == ()
    assert commit.start == commit.size == size
    assert set(commit.nodes) == set(merkle.frontier_keys(size))
    assert commit.entries(0, 1) is None
    full = dict(merkle.completed_nodes(0, [_leaf(i)[1] for i in range(size)], {}))
    assert commit.root == merkle.root_from(merkle.perfect_ranges(0, size), full)
