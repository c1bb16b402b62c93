"""Running polities on a ledger store: create, act, checkpoint, export, prove.

The store is the source of truth; the state is its fold. Each service keeps
the fold of each polity it has touched, replaying only entries it has not
seen. An act is judged and hashed outside the store's critical section, then
appended at the size it was judged against; if another writer appended first,
the store refuses (`Conflict`) and the act is judged again against the newer
state. Nothing is acknowledged before it is durably committed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from charter.domain.acts import Act, Entry
from charter.domain.constitution import Constitution
from charter.domain.polity import Founding, Judgement, Polity
from charter.keys import KeyRing
from charter.ledger import merkle, proofs
from charter.ledger.bundle import Bundle
from charter.ledger.checkpoint import origin_of, public_key_bytes, sign_checkpoint
from charter.ledger.encoding import act_entry, canonical, genesis_entry
from charter.ledger.replay import Replayer
from charter.storage import Checkpoint, Conflict, Head, LedgerStore

__all__ = [
    "OPTIMISTIC_ATTEMPTS",
    "ConsistencyProof",
    "InclusionProof",
    "PolityService",
    "ledger_items",
]

OPTIMISTIC_ATTEMPTS = 3
"""Races lost before an append is judged under the polity's lock instead."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """That entry `index` is in the tree of `size` entries with root `root` (RFC 9162 PATH)."""

    index: int
    size: int
    leaf_hash: bytes
    path: tuple[bytes, ...]
    root: bytes

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "size": self.size,
            "leaf_hash": self.leaf_hash.hex(),
            "path": [digest.hex() for digest in self.path],
            "root": self.root.hex(),
        }


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """That the tree of `old_size` entries is a prefix of the tree of `new_size` (RFC 9162 PROOF)."""

    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    proof: tuple[bytes, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "old_size": self.old_size,
            "new_size": self.new_size,
            "old_root": self.old_root.hex(),
            "new_root": self.new_root.hex(),
            "proof": [digest.hex() for digest in self.proof],
        }


class PolityService:
    """Creates polities in a store and performs acts on them, one ledger per polity."""

    def __init__(
        self, store: LedgerStore, keys: KeyRing | None = None, clock: Callable[[], datetime] = _now
    ) -> None:
        self.store = store
        self.keys = keys or KeyRing()
        self.clock = clock
        self._folds: dict[str, Replayer] = {}

    # -- creating -------------------------------------------------------------------------------

    def create(
        self,
        polity_id: str,
        constitution: Constitution,
        founding: Founding,
        name: str | None = None,
    ) -> Head:
        """A new polity: its key, its genesis entry, its first constitution version and checkpoint."""
        Polity(constitution, founding)  # refuses a founding the constitution does not allow
        genesis = genesis_entry(polity_id, constitution.document.data, founding)
        key = self.keys.create(polity_id)
        self.store.create_polity(
            polity_id, name or constitution.name, public_key_bytes(key), self.clock().isoformat()
        )
        head = self.store.append(polity_id, 0, [(genesis, merkle.leaf_hash(genesis))])
        self.store.add_constitution(polity_id, 1, _document_text(constitution))
        self.checkpoint(polity_id)
        return head

    # -- the fold -------------------------------------------------------------------------------

    def polity(self, polity_id: str) -> Polity:
        """The polity as its stored ledger says, replaying whatever this service has not yet seen."""
        replayer = self._folds.get(polity_id)
        if replayer is None:
            replayer = self._folds[polity_id] = Replayer(polity_id)
        size = self.store.head(polity_id).size
        if replayer.size < size:
            for data in self.store.entries(polity_id, replayer.size, size):
                replayer.feed(data)
        assert replayer.polity is not None
        return replayer.polity

    # -- acting ---------------------------------------------------------------------------------

    def perform(self, polity_id: str, act: Act) -> Entry:
        """Judge `act`, store it durably, and only then return its entry (ActError if malformed)."""
        return self.perform_all(polity_id, [act])[0]

    def perform_all(self, polity_id: str, acts: Sequence[Act]) -> list[Entry]:
        """Judge and store several acts in one transaction: one commit for the whole batch."""

        def judge(polity: Polity) -> list[Judgement]:
            judgements: list[Judgement] = []
            for act in acts:
                judgements.append(polity.judge(act, judgements[-1] if judgements else None))
            return judgements

        return self.commit(polity_id, judge)

    def commit(self, polity_id: str, judge: Callable[[Polity], list[Judgement]]) -> list[Entry]:
        """Judge against the stored state and append durably; the entries once committed.

        Optimistic first: judging and hashing happen outside any lock, and the
        append is refused (`Conflict`) if another writer got there first. After
        OPTIMISTIC_ATTEMPTS such races the judging moves under the polity's lock,
        so a writer under heavy contention still makes progress.
        """
        for _ in range(OPTIMISTIC_ATTEMPTS):
            polity = self.polity(polity_id)
            judgements = judge(polity)
            if judgements:
                try:
                    self.store.append(
                        polity_id, polity.state.next_index + 1, ledger_items(judgements)
                    )
                except Conflict:
                    continue
            return self.adopt(polity_id, judgements)
        judged: list[Judgement] = []

        def build(size: int) -> list[tuple[bytes, bytes]]:
            polity = self.polity(polity_id)
            judged[:] = judge(polity)
            return ledger_items(judged)

        self.store.append_locked(polity_id, build)
        return self.adopt(polity_id, judged)

    def adopt(self, polity_id: str, judgements: Sequence[Judgement]) -> list[Entry]:
        """Advance this service's fold by judgements now durably stored, and record new
        constitution versions they produced."""
        replayer = self._folds[polity_id]
        polity = replayer.polity
        assert polity is not None
        versions = polity.state.version
        entries = [polity.accept(judgement) for judgement in judgements]
        replayer.size += len(judgements)
        for version in range(versions + 1, polity.state.version + 1):
            constitution = polity.state.versions[version - 1]
            self.store.add_constitution(polity_id, version, _document_text(constitution))
        return entries

    # -- checkpoints, export and proofs ---------------------------------------------------------

    def checkpoint(self, polity_id: str) -> Checkpoint:
        """Sign the current head (or return the checkpoint already signed at this size)."""
        head = self.store.head(polity_id)
        latest = self.store.latest_checkpoint(polity_id)
        if latest is not None and latest.size == head.size:
            return latest
        signed = sign_checkpoint(
            self.keys.load(polity_id), origin_of(polity_id), head.size, head.root
        )
        self.store.add_checkpoint(polity_id, head.size, head.root, signed.text)
        return Checkpoint(head.size, head.root, signed.text)

    def export(self, polity_id: str) -> Bundle:
        """Everything needed to verify the polity offline."""
        record = next(p for p in self.store.polities() if p.id == polity_id)
        size = record.head.size
        checkpoints = [c for c in self.store.checkpoints(polity_id) if c.size <= size]
        return Bundle(
            polity=polity_id,
            name=record.name,
            origin=origin_of(polity_id),
            public_key=record.public_key,
            constitutions=tuple(
                (version, json.loads(text)) for version, text in self.store.constitutions(polity_id)
            ),
            checkpoints=tuple(c.text for c in checkpoints),
            entries=tuple(self.store.entries(polity_id, 0, size)),
        )

    def prove_inclusion(
        self, polity_id: str, index: int, size: int | None = None
    ) -> InclusionProof:
        """An inclusion proof of entry `index` in the tree of `size` entries (default: all).

        Everything the proof needs (its path, the leaf, the root) comes in one query.
        """
        tree_size = self.store.head(polity_id).size if size is None else size
        path_keys = proofs.inclusion_proof_keys(index, tree_size)
        root_keys = merkle.perfect_ranges(0, tree_size)
        wanted = proofs.needed_keys(path_keys, [root_keys, [(0, index)]])
        nodes = self.store.nodes(polity_id, wanted)
        path = proofs.inclusion_proof(index, tree_size, nodes)
        root = merkle.root_from(root_keys, nodes)
        return InclusionProof(index, tree_size, nodes[(0, index)], tuple(path), root)

    def prove_consistency(self, polity_id: str, old_size: int, new_size: int) -> ConsistencyProof:
        """A consistency proof that the first `old_size` entries are unchanged at `new_size`."""
        proof_keys = proofs.consistency_proof_keys(old_size, new_size)
        old_keys, new_keys = merkle.perfect_ranges(0, old_size), merkle.perfect_ranges(0, new_size)
        nodes = self.store.nodes(polity_id, proofs.needed_keys(proof_keys, [old_keys, new_keys]))
        return ConsistencyProof(
            old_size,
            new_size,
            merkle.root_from(old_keys, nodes),
            merkle.root_from(new_keys, nodes),
            tuple(proofs.consistency_proof(old_size, new_size, nodes)),
        )


def ledger_items(judgements: Sequence[Judgement]) -> list[tuple[bytes, bytes]]:
    """The entries (and their leaf hashes) for judged acts: work done before any lock is taken."""
    items = []
    for judgement in judgements:
        data = act_entry(judgement.entry.index + 1, judgement.entry)
        items.append((data, merkle.leaf_hash(data)))
    return items


def _document_text(constitution: Constitution) -> str:
    return canonical(constitution.document.data).decode("utf-8")
