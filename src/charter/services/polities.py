"""Running polities on a ledger store: create, act, checkpoint, export, prove.

The store is the source of truth; the state is its fold. Each service keeps
the fold of each polity it has touched, replaying only entries it has not
seen. Nothing is acknowledged before it is durably committed.

Acting has two paths. Uncontended, an act is judged and hashed outside the
store's critical section, then appended at the size it was judged against
(optimistic). Once another writer gets there first (`Conflict`), the service
switches the polity to *combining* for a while: it queues its acts in the
store and takes the polity's lock; whoever holds the lock judges every queued
request of every process against the head and appends them all in one durable
transaction, and the others only read their outcome (see `LedgerStore.combine`
and docs/ledger.md). Losers no longer judge again and again: each act is judged
once, under the lock, and one commit serves every writer waiting.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from charter.domain.acts import Act, Entry, Outcome
from charter.domain.constitution import Constitution
from charter.domain.polity import Founding, Judgement, Polity
from charter.errors import ActError, CharterError
from charter.keys import KeyRing
from charter.ledger import merkle, proofs
from charter.ledger.bundle import Bundle
from charter.ledger.checkpoint import origin_of, public_key_bytes, sign_checkpoint
from charter.ledger.encoding import (
    LedgerFormatError,
    act_entry,
    act_from_record,
    act_record,
    canonical,
    decode_entry,
    genesis_entry,
)
from charter.ledger.replay import Replayer
from charter.storage import (
    AlreadyStored,
    Checkpoint,
    Combination,
    Conflict,
    Head,
    Judged,
    LedgerStore,
)

__all__ = [
    "COMBINING_CALLS",
    "OPTIMISTIC_ATTEMPTS",
    "ConsistencyProof",
    "InclusionProof",
    "JudgingError",
    "PolityService",
    "ledger_items",
]

OPTIMISTIC_ATTEMPTS = 3
"""Races lost before `commit` judges under the polity's lock instead."""

COMBINING_CALLS = 32
"""Calls on a polity that go straight to the queue after the last sign of contention."""


class JudgingError(CharterError):
    """Another process, combining, could not judge this request (not a malformed act: a fault)."""


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
        self._combining: dict[str, int] = {}
        self._sizes: dict[str, int] = {}  # the head each polity had when last proved at

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
        polity = self._fold(polity_id).polity
        assert polity is not None
        return polity

    def snapshot(self, polity_id: str) -> Polity | None:
        """The polity as this service last folded it, without reading the store (None if it
        has not folded it yet). Safe without the caller's lock: read its `state` once, and
        that state is whole (states are immutable); it may lag the store, so use it only to
        prepare an act that the authority check then judges against the head."""
        replayer = self._folds.get(polity_id)
        return None if replayer is None else replayer.polity

    def _fold(self, polity_id: str) -> Replayer:
        replayer = self._folds.get(polity_id)
        if replayer is None:
            replayer = self._folds[polity_id] = Replayer(polity_id)
        size = self.store.head(polity_id).size
        if replayer.size < size:
            for data in self.store.entries(polity_id, replayer.size, size):
                replayer.feed(data)
        return replayer

    # -- acting ---------------------------------------------------------------------------------

    def perform(self, polity_id: str, act: Act, *, restamp: bool = False) -> Entry:
        """Judge `act`, store it durably, and only then return its entry (ActError if malformed)."""
        return self.perform_all(polity_id, [act], restamp=restamp)[0]

    def perform_all(
        self,
        polity_id: str,
        acts: Sequence[Act],
        *,
        restamp: bool = False,
        checkpoint: bool = False,
    ) -> list[Entry]:
        """Judge and store several acts in one transaction: one commit for the whole batch.

        With `restamp`, the acts are dated by the server (the web's acts): an
        act stamped before the act it ends up following takes that act's time
        when judged, wherever its position is decided (here, or by another
        process combining), so a valid act is never refused for the order in
        which concurrent writers reached the log. Without it an act's time is
        the caller's claim and an earlier one is malformed (the CLI's acts).

        A malformed act (ActError) stores none of them. Uncontended, the acts
        are judged outside any lock and appended if the log has not moved;
        after a lost race the polity's writes go through the queue for the next
        COMBINING_CALLS calls (see the module docstring).

        With `checkpoint`, an append made here (not one combined through the
        queue) stores the new head's signed checkpoint in its own transaction.

        The first attempt judges against this service's fold as it is, without
        reading the head: the append's size check refuses it if the log has
        moved, and only then does the fold catch up and the acts get judged
        again. A race lost by an up-to-date fold is contention: the queue.
        """
        acts = list(acts)
        if self._combining.get(polity_id, 0) > 0 and acts:
            self._combining[polity_id] -= 1
            return self.combine(polity_id, acts, restamp=restamp)
        replayer = self._folds.get(polity_id)
        current = replayer is None or not acts  # a fold read now is at the head
        if current:
            replayer = self._fold(polity_id)
        assert replayer is not None
        while True:
            polity = replayer.polity
            assert polity is not None
            judgements: list[Judgement] = []
            try:
                for act in acts:
                    after = judgements[-1] if judgements else None
                    judgements.append(_judge(polity, act, after, restamp))
            except ActError:
                if current:
                    raise
                replayer, current = self._fold(polity_id), True  # malformed, or only stale?
                continue
            if not judgements:
                return []
            try:
                self.store.append(
                    polity_id,
                    replayer.size,
                    ledger_items(judgements),
                    sign=self._signer(polity_id) if checkpoint else None,
                )
            except Conflict:
                if current:
                    self._combining[polity_id] = COMBINING_CALLS
                    return self.combine(polity_id, acts, restamp=restamp)
                replayer, current = self._fold(polity_id), True
                continue
            return self.adopt(polity_id, judgements)

    def perform_each(
        self,
        polity_id: str,
        acts: Sequence[Act],
        *,
        restamp: bool = False,
        checkpoint: bool = False,
    ) -> list[Entry | ActError]:
        """Perform several acts as `perform_all` does (one transaction when all are well
        formed), except that a malformed act fails alone: its ActError takes its place and
        the others are stored, in order.

        Malformed acts are rare, so they are not looked for first: only when the batch
        as a whole is refused are its acts performed one by one.
        """
        acts = list(acts)
        try:
            return list(self.perform_all(polity_id, acts, restamp=restamp, checkpoint=checkpoint))
        except ActError as error:
            if len(acts) == 1:
                return [error]
        results: list[Entry | ActError] = []
        for act in acts:
            try:
                results.append(self.perform(polity_id, act, restamp=restamp))
            except ActError as error:
                results.append(error)
        return results

    def combine(self, polity_id: str, acts: Sequence[Act], *, restamp: bool = False) -> list[Entry]:
        """Queue `acts` as one request, then settle it under the polity's lock (see `LedgerStore.combine`).

        As the combiner, judge every queued request in queue order against the
        head (a malformed, unreadable or empty request fails alone) and append
        them all in one durable transaction. Otherwise read the outcome another
        process recorded: the entries returned are the ones stored. Either way
        the request is settled exactly once.
        """
        if not acts:
            return []
        # No catch-up here: the entries this fold lacks come with the outcome, read in one go.
        replayer = self._folds.get(polity_id) or self._fold(polity_id)
        payload = _encode_request(acts, restamp)
        ticket = self.store.enqueue(polity_id, payload)
        accepted: list[Judgement] = []
        mine: list[Judgement] = []
        failure: list[BaseException] = []
        versions: list[tuple[int, str]] = []

        def judge(
            size: int, missed: Sequence[bytes], pending: Sequence[tuple[int, bytes]]
        ) -> Combination:
            accepted.clear()
            mine.clear()
            failure.clear()
            versions.clear()
            for data in missed:
                replayer.feed(data)
            assert replayer.polity is not None
            assert replayer.size == size
            polity = replayer.polity
            judged: list[Judged] = []
            after: Judgement | None = None
            for other, request in pending:
                batch: list[Judgement] = []
                try:
                    queued, stamped = (
                        (acts, restamp) if other == ticket else _decode_request(request)
                    )
                    for act in queued:
                        batch.append(_judge(polity, act, batch[-1] if batch else after, stamped))
                    if not batch:
                        raise LedgerFormatError("a queued request holds no acts")
                except Exception as error:  # the request fails alone; the others go on
                    judged.append(Judged(other, error=_error_text(error)))
                    if other == ticket:
                        failure.append(error)
                    continue
                judged.append(Judged(other, ledger_items(batch)))
                accepted.extend(batch)
                if other == ticket:
                    mine.extend(batch)
                after = batch[-1] if batch else after
            if after is not None:
                new_state = after.state
                for version in range(polity.state.version + 1, new_state.version + 1):
                    document = _document_text(new_state.versions[version - 1])
                    versions.append((version, document))
            return Combination(judged, versions)

        known = replayer.size
        settled = self.store.combine(polity_id, ticket, len(acts), known, judge)
        if settled.combined:
            if len(accepted) != len(mine) or not mine:
                self._combining[polity_id] = COMBINING_CALLS  # others were waiting
            polity = replayer.polity
            assert polity is not None
            for judgement in accepted:
                polity.accept(judgement)
            replayer.size += len(accepted)
            if failure:
                raise failure[0]
            return [judgement.entry for judgement in mine]
        self._combining[polity_id] = COMBINING_CALLS  # another writer combined for us
        if settled.seq is None:
            raise _error_from_text(settled.error)
        return self._settled_entries(polity_id, settled.seq, settled.entries, acts, restamp)

    def _settled_entries(
        self,
        polity_id: str,
        seq: int,
        stored: Sequence[bytes],
        acts: Sequence[Act],
        restamp: bool = False,
    ) -> list[Entry]:
        """The entries another writer appended for `acts`, read from their stored bytes.

        The fold is left as it is (it catches up when this service next judges),
        so a writer whose acts were combined by another judges nothing. An
        outcome with a vote count is taken from a replay instead.
        """
        entries: list[Entry] = []
        if len(stored) == len(acts):
            for offset, (act, data) in enumerate(zip(acts, stored, strict=True)):
                entry = _entry_from_record(seq + offset, act, data, restamp)
                if entry is None:
                    break
                entries.append(entry)
            else:
                return entries
        polity = self.polity(polity_id)  # replay up to the head, then take them from the record
        return list(polity.record[seq - 1 : seq - 1 + len(acts)])

    def commit(self, polity_id: str, judge: Callable[[Polity], list[Judgement]]) -> list[Entry]:
        """Judge against the stored state and append durably; the entries once committed.

        Optimistic first: judging and hashing happen outside any lock, and the
        append is refused (`Conflict`) if another writer got there first. After
        OPTIMISTIC_ATTEMPTS such races the judging moves under the polity's lock,
        so a writer under heavy contention still makes progress.
        """
        replayer = self._folds.get(polity_id)
        current = replayer is None  # as in `perform_all`: the fold as it is, first
        attempts = 0
        while attempts < OPTIMISTIC_ATTEMPTS:
            if current or replayer is None:
                replayer, current = self._fold(polity_id), True
            polity = replayer.polity
            assert polity is not None
            judgements = judge(polity)
            if not judgements and not current:
                current = True  # nothing to append, so nothing checks the fold: read the head
                continue
            if judgements:
                try:
                    self.store.append(polity_id, replayer.size, ledger_items(judgements))
                except Conflict:
                    attempts += 1 if current else 0
                    current = True
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

    def checkpoint(self, polity_id: str, covering: int | None = None) -> Checkpoint:
        """A signed checkpoint covering the current head: signed now, or already signed.

        Several writers may sign the same head at once (web workers, each after
        its own append). A checkpoint at that size already stored is the same
        statement, so losing the race to store it counts as done: the one
        stored (or a later one) is returned, never an error for an act that is
        already durably appended.

        With `covering`, any head of at least that many entries will do: the
        checkpoint stored with this service's last append (`perform_all(...,
        checkpoint=True)`), or else the head its store just committed, signed with
        no read (the sequencer's case, after each batch).
        """
        stored = self.store.committed_checkpoint(polity_id)
        if covering is not None and stored is not None and stored.size >= covering:
            return stored  # stored with the append itself
        head = self.store.committed_head(polity_id)
        if covering is None or head is None or head.size < covering:
            head = self.store.head(polity_id)
            latest = self.store.latest_checkpoint(polity_id)
            if latest is not None and latest.size >= head.size:
                return latest
        signed = sign_checkpoint(
            self.keys.load(polity_id), origin_of(polity_id), head.size, head.root
        )
        try:
            self.store.add_checkpoint(polity_id, head.size, head.root, signed.text)
        except AlreadyStored:
            stored = self.store.latest_checkpoint(polity_id)
            assert stored is not None
            assert stored.size >= head.size
            return stored
        return Checkpoint(head.size, head.root, signed.text)

    def _signer(self, polity_id: str) -> Callable[[int, bytes], str]:
        """Signs the polity's checkpoint at a size and root (for an append to store with it)."""
        key = self.keys.load(polity_id)
        origin = origin_of(polity_id)
        return lambda size, root: sign_checkpoint(key, origin, size, root).text

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

        Everything the proof needs (its path, the leaf, the root) comes in one
        query; at the head, together with the head itself (one round trip when
        the head is where this service last saw it).
        """

        def keys_for(tree_size: int) -> list[merkle.NodeKey]:
            if not 0 <= index < tree_size:
                return []  # refused below, once the size is known
            path_keys = proofs.inclusion_proof_keys(index, tree_size)
            return proofs.needed_keys(
                path_keys, [merkle.perfect_ranges(0, tree_size), [(0, index)]]
            )

        if size is None:
            guess = self._sizes.get(polity_id)
            tree_size, nodes = self.store.nodes_at_head(polity_id, keys_for, guess)
            self._sizes[polity_id] = tree_size
        else:
            tree_size, nodes = size, self.store.nodes(polity_id, keys_for(size))
        path = proofs.inclusion_proof(index, tree_size, nodes)
        root = merkle.root_from(merkle.perfect_ranges(0, tree_size), nodes)
        return InclusionProof(index, tree_size, nodes[(0, index)], tuple(path), root)

    def prove_inclusions(
        self, polity_id: str, indices: Sequence[int], size: int
    ) -> list[tuple[InclusionProof, bytes]]:
        """Inclusion proofs of several entries in the tree of `size` entries, each with the
        entry's stored bytes: every node in one query and the entries in one more, however
        many are asked for (a batch of receipts)."""
        if not indices:
            return []
        if not all(0 <= index < size for index in indices):
            raise proofs.ProofError(f"an entry asked for is not in a tree of {size} entries")
        root_keys = merkle.perfect_ranges(0, size)
        paths = {index: proofs.inclusion_proof_keys(index, size) for index in indices}
        nodes = self.store.nodes(
            polity_id,
            proofs.needed_keys([root_keys], [[(0, index)] for index in indices], *paths.values()),
        )
        root = merkle.root_from(root_keys, nodes)
        first, last = min(indices), max(indices)
        stored = self.store.entries(polity_id, first, last + 1)
        made = []
        for index in indices:
            data = stored[index - first]
            leaf = nodes[(0, index)]
            if merkle.leaf_hash(data) != leaf:
                raise CharterError(f"entry {index} does not hash to its stored leaf")
            path = proofs.inclusion_proof(index, size, nodes)
            made.append((InclusionProof(index, size, leaf, tuple(path), root), data))
        return made

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


def _judge(polity: Polity, act: Act, after: Judgement | None, restamp: bool) -> Judgement:
    """Judge `act` where it will be appended; a server-dated act is not dated before its predecessor."""
    if restamp:
        previous = (after.state if after is not None else polity.state).time
        if previous is not None and act.time < previous:
            act = replace(act, time=previous)
    return polity.judge(act, after)


def _encode_request(acts: Sequence[Act], restamp: bool) -> bytes:
    """A queued request: its acts' records, with whether they are server-dated."""
    records = [act_record(act) for act in acts]
    return canonical({"acts": records, "restamp": True} if restamp else records)


def _decode_request(data: bytes) -> tuple[list[Act], bool]:
    value = json.loads(data)
    restamp = False
    if isinstance(value, dict):
        records, restamp = value.get("acts"), value.get("restamp") is True
    else:
        records = value
    if not isinstance(records, list):
        raise LedgerFormatError("a queued request must be a list of act records")
    return [act_from_record(record) for record in records], restamp


def _error_text(error: BaseException) -> str:
    if isinstance(error, ActError):
        fields: dict[str, Any] = {
            "kind": "act",
            "message": error.message,
            "path": error.path,
            "act_index": error.act_index,
        }
    else:
        fields = {"kind": "fault", "message": f"{type(error).__name__}: {error}"}
    return json.dumps(fields, sort_keys=True)


def _error_from_text(text: str | None) -> CharterError:
    """The error a combiner recorded for a request, to raise in the requester."""
    try:
        fields = json.loads(text or "")
    except json.JSONDecodeError:
        fields = {"message": text}
    if isinstance(fields, dict) and fields.get("kind") == "act":
        return ActError(
            str(fields.get("message", "")),
            path=str(fields.get("path") or ""),
            act_index=fields.get("act_index"),
        )
    message = fields.get("message") if isinstance(fields, dict) else text
    return JudgingError(f"the combining writer could not judge the request: {message}")


def _entry_from_record(seq: int, act: Act, data: bytes, restamp: bool = False) -> Entry | None:
    """The entry stored at `seq` for `act`, if its outcome needs nothing but the record.

    None for an outcome carrying a vote count, or bytes that are not exactly the
    entry of `act` with that outcome (then the caller replays). A server-dated
    act takes the time it was stored with (see `_judge`).
    """
    try:
        record = decode_entry(data)
    except LedgerFormatError:
        return None
    stored_act = record.fields.get("act")
    if restamp and isinstance(stored_act, dict) and isinstance(stored_act.get("time"), str):
        try:
            act = replace(act, time=datetime.fromisoformat(stored_act["time"]))
        except ValueError:
            return None
    outcome = record.fields.get("outcome")
    if not isinstance(outcome, dict) or "result" in outcome:
        return None
    verdict, basis, effects = outcome.get("verdict"), outcome.get("basis"), outcome.get("effects")
    if not isinstance(basis, str) or not isinstance(effects, list):
        return None
    entry = Entry(seq - 1, act, Outcome(verdict == "granted", basis, tuple(effects)))
    return entry if act_entry(seq, entry) == data else None


def _document_text(constitution: Constitution) -> str:
    return canonical(constitution.document.data).decode("utf-8")
