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
from typing import Any

from charter.domain.constitution import Constitution, constitution_from_document
from charter.domain.document import Document
from charter.domain.polity import Polity
from charter.errors import ActError, CharterError
from charter.ledger import merkle
from charter.ledger.bundle import Bundle
from charter.ledger.checkpoint import CheckpointError, parse_checkpoint, verify_checkpoint
from charter.ledger.encoding import (
    EntryRecord,
    LedgerFormatError,
    act_from_record,
    canonical,
    decode_entry,
    founding_from_record,
    outcome_record,
)

__all__ = ["Discrepancy", "Report", "verify"]


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """The first place where the bundle and the truth part ways."""

    where: str
    field: str
    expected: str
    found: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: expected {self.expected}, found {self.found}"


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


class _MismatchError(Exception):
    def __init__(self, discrepancy: Discrepancy) -> None:
        self.discrepancy = discrepancy


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, bytes) else value.hex()
    return text if len(text) <= 120 else text[:117] + "..."


def _fail(where: str, field: str, expected: Any, found: Any) -> _MismatchError:
    return _MismatchError(Discrepancy(where, field, _short(expected), _short(found)))


def _first_difference(expected: Any, found: Any, path: str) -> tuple[str, Any, Any] | None:
    if isinstance(expected, dict) and isinstance(found, dict):
        for key in sorted(set(expected) | set(found)):
            inner = _first_difference(expected.get(key), found.get(key), f"{path}.{key}")
            if inner is not None:
                return inner
        return None
    if isinstance(expected, list) and isinstance(found, list) and len(expected) == len(found):
        for index, (left, right) in enumerate(zip(expected, found, strict=True)):
            inner = _first_difference(left, right, f"{path}[{index}]")
            if inner is not None:
                return inner
        return None
    return None if expected == found else (path, expected, found)


class _Replay:
    """Replays decoded entries through the domain, comparing every outcome."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self.polity: Polity | None = None

    def genesis(self, record: EntryRecord) -> None:
        fields = record.fields
        where = "entry 0"
        if fields.get("polity") != self.bundle.polity:
            raise _fail(where, "polity", self.bundle.polity, fields.get("polity"))
        try:
            constitution = constitution_from_document(
                Document(fields.get("constitution"), f"bundle:{self.bundle.polity}")
            )
            founding = founding_from_record(fields.get("founding") or {})
            self.polity = Polity(constitution, founding)
        except CharterError as error:
            raise _fail(where, "genesis", "a valid constitution and founding", str(error)) from None

    def act(self, record: EntryRecord) -> None:
        where = f"entry {record.seq}"
        if self.polity is None:
            raise _fail(where, "type", "genesis", "act")
        try:
            act = act_from_record(record.fields.get("act") or {})
            entry = self.polity.apply(act)
        except ActError as error:
            raise _fail(where, f"act.{error.path}", "a well-formed act", error.message) from None
        except LedgerFormatError as error:
            raise _fail(where, "act", "an act record", str(error)) from None
        expected = outcome_record(entry.outcome)
        found = record.fields.get("outcome")
        difference = _first_difference(expected, found, "outcome")
        if difference is not None:
            field, wanted, got = difference
            raise _fail(where, field, wanted, got)

    def constitutions(self) -> None:
        versions = self.polity.state.versions if self.polity is not None else ()
        declared = self.bundle.constitutions
        if len(declared) != len(versions):
            raise _fail("constitutions", "versions", len(versions), len(declared))
        for number, (constitution, (version, document)) in enumerate(
            zip(versions, declared, strict=True), start=1
        ):
            if version != number:
                raise _fail("constitutions", f"[{number - 1}].version", number, version)
            if canonical(_document_of(constitution)) != canonical(document):
                raise _fail(
                    f"constitution version {number}",
                    "document",
                    "the replayed text",
                    "a different text",
                )


def _document_of(constitution: Constitution) -> Any:
    return constitution.document.data


def verify(bundle: Bundle) -> Report:
    """Check every hash, signature and act of `bundle`; the Report names the first discrepancy."""
    sizes: dict[int, list[int]] = {}
    parsed = []
    root = merkle.EMPTY_ROOT
    try:
        for number, text in enumerate(bundle.checkpoints):
            try:
                checkpoint, _ = parse_checkpoint(text)
            except CheckpointError as error:
                raise _fail(f"checkpoint {number}", "text", "a checkpoint", str(error)) from None
            parsed.append(checkpoint)
            sizes.setdefault(checkpoint.size, []).append(number)
        replay = _Replay(bundle)
        frontier: dict[merkle.NodeKey, bytes] = {}
        roots: dict[int, bytes] = {}
        if 0 in sizes:
            roots[0] = merkle.EMPTY_ROOT
        for seq, data in enumerate(bundle.entries):
            try:
                record = decode_entry(data)
            except LedgerFormatError as error:
                raise _fail(f"entry {seq}", "bytes", "a canonical entry", str(error)) from None
            if record.seq != seq:
                raise _fail(f"entry {seq}", "seq", seq, record.seq)
            if (seq == 0) != (record.type == "genesis"):
                raise _fail(f"entry {seq}", "type", "genesis" if seq == 0 else "act", record.type)
            if record.type == "genesis":
                replay.genesis(record)
            else:
                replay.act(record)
            for key, digest in merkle.completed_nodes(seq, [merkle.leaf_hash(data)], frontier):
                frontier[key] = digest
            frontier = {key: frontier[key] for key in merkle.frontier_keys(seq + 1)}
            if seq + 1 in sizes:
                roots[seq + 1] = merkle.root_from(merkle.perfect_ranges(0, seq + 1), frontier)
        size = len(bundle.entries)
        root = merkle.root_from(merkle.perfect_ranges(0, size), frontier)
        replay.constitutions()
        previous = -1
        for number, checkpoint in enumerate(parsed):
            where = f"checkpoint {number} (size {checkpoint.size})"
            if checkpoint.origin != bundle.origin:
                raise _fail(where, "origin", bundle.origin, checkpoint.origin)
            try:
                verify_checkpoint(bundle.checkpoints[number], bundle.public_key, bundle.origin)
            except CheckpointError as error:
                raise _fail(
                    where, "signature", "a valid signature by the polity's key", str(error)
                ) from None
            if checkpoint.size <= previous:
                raise _fail(where, "size", f"more than {previous}", checkpoint.size)
            previous = checkpoint.size
            if checkpoint.size > size:
                raise _fail(where, "size", f"at most {size} entries", checkpoint.size)
            if roots[checkpoint.size] != checkpoint.root:
                raise _fail(where, "root", roots[checkpoint.size], checkpoint.root)
    except _MismatchError as mismatch:
        return Report(len(bundle.entries), len(bundle.checkpoints), root, mismatch.discrepancy)
    return Report(len(bundle.entries), len(bundle.checkpoints), root)
