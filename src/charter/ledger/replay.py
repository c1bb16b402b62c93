"""Replaying ledger entries through the domain, insisting that every recorded outcome is re-derived.

Used by offline verification and by the services that load a polity from its
store: the state is never read from anywhere but the entries themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from charter.domain.constitution import constitution_from_document
from charter.domain.document import Document
from charter.domain.polity import Polity
from charter.errors import ActError, CharterError
from charter.ledger.encoding import (
    EntryRecord,
    LedgerFormatError,
    act_from_record,
    canonical,
    decode_entry,
    founding_from_record,
    outcome_record,
)

__all__ = ["Discrepancy", "ReplayMismatchError", "Replayer", "first_difference", "mismatch"]


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """The first place where a ledger and the truth part ways."""

    where: str
    field: str
    expected: str
    found: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: expected {self.expected}, found {self.found}"


class ReplayMismatchError(CharterError):
    """A ledger that does not replay to itself; carries the first discrepancy."""

    def __init__(self, discrepancy: Discrepancy) -> None:
        self.discrepancy = discrepancy
        super().__init__(str(discrepancy))


def _short(value: Any) -> str:
    text = value.hex() if isinstance(value, bytes) else repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def mismatch(where: str, field: str, expected: Any, found: Any) -> ReplayMismatchError:
    return ReplayMismatchError(Discrepancy(where, field, _short(expected), _short(found)))


def first_difference(expected: Any, found: Any, path: str) -> tuple[str, Any, Any] | None:
    """The path of the first place two plain values differ, with both values there."""
    if isinstance(expected, dict) and isinstance(found, dict):
        for key in sorted(set(expected) | set(found)):
            inner = first_difference(expected.get(key), found.get(key), f"{path}.{key}")
            if inner is not None:
                return inner
        return None
    if isinstance(expected, list) and isinstance(found, list) and len(expected) == len(found):
        for index, (left, right) in enumerate(zip(expected, found, strict=True)):
            inner = first_difference(left, right, f"{path}[{index}]")
            if inner is not None:
                return inner
        return None
    return None if expected == found else (path, expected, found)


class Replayer:
    """Feeds entries in order into a polity, checking position, type and outcome of each."""

    def __init__(self, polity_id: str) -> None:
        self.polity_id = polity_id
        self.polity: Polity | None = None
        self.size = 0

    def feed(self, data: bytes) -> EntryRecord:
        """Replay the next entry; ReplayMismatchError naming what is wrong with it."""
        seq = self.size
        where = f"entry {seq}"
        try:
            record = decode_entry(data)
        except LedgerFormatError as error:
            raise mismatch(where, "bytes", "a canonical entry", str(error)) from None
        if record.seq != seq:
            raise mismatch(where, "seq", seq, record.seq)
        if (seq == 0) != (record.type == "genesis"):
            raise mismatch(where, "type", "genesis" if seq == 0 else "act", record.type)
        if record.type == "genesis":
            self._genesis(record)
        else:
            self._act(record)
        self.size += 1
        return record

    def _genesis(self, record: EntryRecord) -> None:
        fields = record.fields
        if fields.get("polity") != self.polity_id:
            raise mismatch("entry 0", "polity", self.polity_id, fields.get("polity"))
        try:
            constitution = constitution_from_document(
                Document(fields.get("constitution"), f"ledger:{self.polity_id}")
            )
            self.polity = Polity(constitution, founding_from_record(fields.get("founding") or {}))
        except CharterError as error:
            raise mismatch(
                "entry 0", "genesis", "a valid constitution and founding", str(error)
            ) from None

    def _act(self, record: EntryRecord) -> None:
        where = f"entry {record.seq}"
        assert self.polity is not None  # entry 0 is the genesis, checked above
        try:
            entry = self.polity.apply(act_from_record(record.fields.get("act") or {}))
        except ActError as error:
            raise mismatch(where, f"act.{error.path}", "a well-formed act", error.message) from None
        except LedgerFormatError as error:
            raise mismatch(where, "act", "an act record", str(error)) from None
        expected, found = outcome_record(entry.outcome), record.fields.get("outcome")
        if expected == found:
            return  # equal plain values have no first difference
        difference = first_difference(expected, found, "outcome")
        if difference is not None:
            field, wanted, got = difference
            raise mismatch(where, field, wanted, got)

    def check_constitutions(self, declared: Sequence[tuple[int, Any]]) -> None:
        """The declared constitution versions must be exactly those the replay produced."""
        versions = self.polity.state.versions if self.polity is not None else ()
        if len(declared) != len(versions):
            raise mismatch("constitutions", "versions", len(versions), len(declared))
        for number, (constitution, (version, document)) in enumerate(
            zip(versions, declared, strict=True), start=1
        ):
            if version != number:
                raise mismatch("constitutions", f"[{number - 1}].version", number, version)
            if canonical(constitution.document.data) != canonical(document):
                raise mismatch(
                    f"constitution version {number}",
                    "document",
                    "the replayed text",
                    "a different text",
                )
