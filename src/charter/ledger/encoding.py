"""The canonical bytes of a ledger entry: the same entry always hashes the same, everywhere.

Canonical JSON (documented in docs/ledger.md): UTF-8; object keys sorted by
code point; no insignificant whitespace; strings escaped as JSON requires and
otherwise literal (no \\u escapes for non-ASCII); integers in decimal; floats in
their shortest round-trip form (never NaN or infinity); dates and times as ISO
8601 strings, times always with their UTC offset. An entry is one such object:

    {"charter-ledger": 1, "seq": 0, "type": "genesis", "polity": ..., "constitution": {...}, "founding": {...}}
    {"charter-ledger": 1, "seq": 1, "type": "act", "act": {...}, "outcome": {...}}
"""

from __future__ import annotations

import json
import json.encoder
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Literal

from charter.domain.acts import DEFAULT_POWERS, Act, Entry, Outcome
from charter.domain.acts.model import as_utc
from charter.domain.polity import Founding
from charter.errors import CharterError

__all__ = [
    "FORMAT",
    "EntryRecord",
    "LedgerFormatError",
    "act_entry",
    "act_from_record",
    "act_record",
    "canonical",
    "decode_entry",
    "founding_from_record",
    "founding_record",
    "genesis_entry",
    "outcome_record",
]

FORMAT = 1


class LedgerFormatError(CharterError):
    """Bytes that are not a canonical ledger entry of a known format."""


def _plain(value: Any, path: str) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _plain(item, f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        raise LedgerFormatError(f"{path}: {value} cannot be written to the ledger")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise LedgerFormatError(f"{path}: {type(value).__name__} cannot be written to the ledger")


class _UnusualValueError(Exception):
    """A value `_quick_plain` leaves to `_plain` (which knows every rule and every error path)."""


def _quick_plain(value: Any) -> Any:
    """`_plain` for the common exact types, without building paths; _UnusualValueError for anything else."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    # Strings, most of an entry's keys and values, are passed over inline: no call each.
    if kind is dict or kind is MappingProxyType:
        return {
            key if type(key) is str else str(key): item if type(item) is str else _quick_plain(item)
            for key, item in value.items()
        }
    if kind is list or kind is tuple:
        return [item if type(item) is str else _quick_plain(item) for item in value]
    if kind is datetime:
        return as_utc(value).isoformat()
    if kind is float and math.isfinite(value):
        return value
    raise _UnusualValueError


_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def _reused_encoder() -> Callable[[Any], str]:
    """`_ENCODER.encode`, with the C encoder built once instead of on every call.

    `JSONEncoder.encode` builds a fresh C encoder (and a closure) per call, a
    fifth of the cost of encoding an entry. The one built here has the same
    settings, so its bytes are the same; it keeps no `markers` for circular
    references, which cannot occur in what `_quick_plain`/`_plain` or
    `json.loads` produce (fresh trees). Where CPython lacks the C encoder,
    `_ENCODER.encode` itself.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return _ENCODER.encode
    chunks = make(
        None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", True, False, False
    )

    def encode(value: Any) -> str:
        return "".join(chunks(value, 0))

    return encode


_encode = _reused_encoder()


def canonical(value: Any) -> bytes:
    """The canonical JSON bytes of `value` (see the module docstring)."""
    try:
        plain = _quick_plain(value)
    except _UnusualValueError:
        plain = _plain(value, "$")
    return _encode(plain).encode("utf-8")


def act_record(act: Act) -> dict[str, Any]:
    """An act as plain data; `power` only where it is not the act kind's default."""
    record: dict[str, Any] = {
        "actor": act.actor,
        "act": act.kind,
        "time": act.time,
        "args": act.args,
    }
    if act.power is not None and act.power != DEFAULT_POWERS.get(act.kind):
        record["power"] = act.power
    if act.capacity is not None:
        record["as"] = act.capacity
    if act.cosigned_by:
        record["cosigned_by"] = list(act.cosigned_by)
    if act.note:
        record["note"] = act.note
    return record


def act_from_record(record: Mapping[str, Any]) -> Act:
    """The act a record describes; LedgerFormatError if it is not one."""
    try:
        return Act(
            actor=record["actor"],
            kind=record["act"],
            time=datetime.fromisoformat(record["time"]),
            args=record.get("args", {}),
            power=record.get("power"),
            capacity=record.get("as"),
            cosigned_by=tuple(record.get("cosigned_by", ())),
            note=record.get("note", ""),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise LedgerFormatError(f"not an act record: {error}") from None


def outcome_record(outcome: Outcome) -> dict[str, Any]:
    """An outcome as plain data, with the full count where there was a vote."""
    record: dict[str, Any] = {
        "verdict": outcome.verdict,
        "basis": outcome.basis,
        "effects": list(outcome.effects),
    }
    if outcome.result is not None:
        record["result"] = outcome.result.as_dict()
    return record


def founding_record(founding: Founding) -> dict[str, Any]:
    record: dict[str, Any] = {
        "time": founding.time,
        "members": list(founding.members),
        "posts": {post: list(people) for post, people in founding.posts.items()},
    }
    weighted = {post: dict(votes) for post, votes in founding.votes.items() if votes}
    if weighted:  # only where a weighted body has founding seats: older entries stay as they were
        record["votes"] = weighted
    if founding.polities:  # a federation's founding member polities
        record["polities"] = {
            polity: dict(details) for polity, details in founding.polities.items()
        }
    return record


def founding_from_record(record: Mapping[str, Any]) -> Founding:
    try:
        time = record.get("time")
        return Founding(
            time=datetime.fromisoformat(time) if time is not None else None,
            members=tuple(record.get("members", ())),
            posts={post: tuple(people) for post, people in record.get("posts", {}).items()},
            votes={post: dict(votes) for post, votes in record.get("votes", {}).items()},
            polities={
                polity: dict(details) for polity, details in record.get("polities", {}).items()
            },
        )
    except (AttributeError, TypeError, ValueError) as error:
        raise LedgerFormatError(f"not a founding record: {error}") from None


def genesis_entry(polity: str, constitution: Any, founding: Founding) -> bytes:
    """Entry 0 of every ledger: the founding constitution's document and the founding state."""
    return canonical(
        {
            "charter-ledger": FORMAT,
            "seq": 0,
            "type": "genesis",
            "polity": polity,
            "constitution": constitution,
            "founding": founding_record(founding),
        }
    )


def act_entry(seq: int, entry: Entry) -> bytes:
    """The ledger entry for one judged act at position `seq`."""
    return canonical(
        {
            "charter-ledger": FORMAT,
            "seq": seq,
            "type": "act",
            "act": act_record(entry.act),
            "outcome": outcome_record(entry.outcome),
        }
    )


@dataclass(frozen=True, slots=True)
class EntryRecord:
    """A decoded entry: its position, type and fields, and the exact bytes it came from."""

    seq: int
    type: Literal["genesis", "act"]
    fields: Mapping[str, Any]
    data: bytes


def decode_entry(data: bytes) -> EntryRecord:
    """Read an entry back, insisting that its bytes are exactly the canonical form."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LedgerFormatError(f"not JSON: {error}") from None
    if not isinstance(value, dict):
        raise LedgerFormatError("an entry must be a JSON object")
    if value.get("charter-ledger") != FORMAT:
        raise LedgerFormatError(f"unknown ledger format {value.get('charter-ledger')!r}")
    kind = value.get("type")
    seq = value.get("seq")
    if kind not in ("genesis", "act") or not isinstance(seq, int) or isinstance(seq, bool):
        raise LedgerFormatError("an entry needs an integer 'seq' and a 'type' of genesis or act")
    try:
        # What json.loads gives is already plain: encode it directly (as `canonical` would).
        again = _encode(value).encode("utf-8")
    except ValueError:
        again = canonical(value)  # a non-finite number: raises, naming where
    if again != data:
        raise LedgerFormatError("the bytes are not in canonical form")
    return EntryRecord(seq, kind, value, data)
