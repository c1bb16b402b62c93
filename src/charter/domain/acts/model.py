"""Acts, their outcomes, and the record of both.

An act names its actor, the power it claims, its time (explicit: the domain has
no clock) and its arguments. Its outcome is *granted*, citing the clause that
allows it, or *refused* with a reason a person can read. Both are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any, Literal

from charter.domain.voting import VoteResult

__all__ = ["DEFAULT_POWERS", "Act", "Entry", "Outcome", "as_utc"]

DEFAULT_POWERS: Mapping[str, str] = MappingProxyType(
    {
        "admit": "admit",
        "expel": "expel",
        "appoint": "appoint",
        "dismiss": "dismiss",
        "nominate": "nominate",
        "elect": "elect",
        "inspect": "inspect",
        "amend": "amend",
        "table-motion": "propose-motion",
        "second-motion": "second",
        "withdraw-motion": "withdraw",
        "open-vote": "set-agenda",
        "close-vote": "set-agenda",
        "declare-result": "set-agenda",
        "cast-ballot": "vote",
        "form-faction": "form-faction",
        "dissolve-faction": "dissolve-faction",
        "join-faction": "join-faction",
        "leave-faction": "leave-faction",
        "resign": "resign",
        "admit-polity": "admit-polity",
        "join-federation": "join-federation",
        "leave-federation": "leave-federation",
        "send-delegate": "delegate",
        "recall-delegate": "delegate",
        "secede": "secede",
    }
)
"""The power each act kind claims unless the act names another; `exercise` must name one."""


def as_utc(moment: datetime | date) -> datetime:
    """A timezone-aware moment: dates mean midnight UTC, naive datetimes are read as UTC."""
    if not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class Act:
    """Something a person does in the polity, with everything needed to judge it."""

    actor: str
    kind: str
    time: datetime
    args: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    power: str | None = None
    capacity: str | None = None
    cosigned_by: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        # Rewritten only where they need it: an aware datetime and a plain tuple stay as given.
        moment = self.time
        if type(moment) is not datetime or moment.tzinfo is None:
            object.__setattr__(self, "time", as_utc(moment))
        if type(self.cosigned_by) is not tuple:
            object.__setattr__(self, "cosigned_by", tuple(self.cosigned_by))
        if not isinstance(self.args, MappingProxyType):
            object.__setattr__(self, "args", _frozen(self.args))

    @property
    def claimed_power(self) -> str:
        """The power this act claims: its own `power`, or the default for its kind."""
        return self.power or DEFAULT_POWERS.get(self.kind, self.kind)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "actor": self.actor,
            "act": self.kind,
            "power": self.claimed_power,
            "time": self.time.isoformat(),
            "args": _plain(self.args),
        }
        if self.capacity:
            data["as"] = self.capacity
        if self.cosigned_by:
            data["cosigned_by"] = list(self.cosigned_by)
        if self.note:
            data["note"] = self.note
        return data


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


@dataclass(frozen=True, slots=True)
class Outcome:
    """Granted with the clause that allows the act, or refused with the reason it is not."""

    granted: bool
    basis: str
    effects: tuple[str, ...] = ()
    result: VoteResult | None = None

    @property
    def verdict(self) -> Literal["granted", "refused"]:
        return "granted" if self.granted else "refused"

    @classmethod
    def grant(cls, basis: str, *effects: str, result: VoteResult | None = None) -> Outcome:
        return cls(True, basis, tuple(effects), result)

    @classmethod
    def refuse(cls, reason: str) -> Outcome:
        return cls(False, reason)


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the polity's record: the act, its position, and its outcome."""

    index: int
    act: Act
    outcome: Outcome

    def as_dict(self) -> dict[str, Any]:
        data = {
            "index": self.index,
            "time": self.act.time.isoformat(),
            "actor": self.act.actor,
            "act": self.act.kind,
            "power": self.act.claimed_power,
            "args": _plain(self.act.args),
            "outcome": self.outcome.verdict,
            "basis": self.outcome.basis,
            "effects": list(self.outcome.effects),
        }
        if self.outcome.result is not None:
            data["result"] = self.outcome.result.as_dict()
        if self.act.note:
            data["note"] = self.act.note
        return data
