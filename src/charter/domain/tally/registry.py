"""Tally methods: one signature, registered by name with their metadata, returning winners and evidence.

    @tally_method("schulze", summary="Schulze beatpath winner", family="condorcet")
    def schulze(profile: Profile, seats: int, ties: TieBreaker) -> TallyResult: ...

Ties are never broken by hidden randomness: each method asks its TieBreaker,
which decides by a documented rule (the candidates' order in the file) or by
a seed recorded in the result, and every tie it breaks is listed as evidence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from charter.domain.tally.profile import Profile, TallyError

__all__ = [
    "MethodInfo",
    "TallyResult",
    "TieBreak",
    "TieBreaker",
    "methods",
    "progress",
    "run_tally",
    "tally_method",
]


@dataclass(frozen=True, slots=True)
class TieBreak:
    """One tie the count had to break: among whom, why, and who was chosen."""

    among: tuple[str, ...]
    chose: str
    purpose: str
    rule: str


class TieBreaker:
    """Decides ties by rule (`order`: earlier in the candidate list wins) or by a recorded seed.

    With a seed, the choice is the candidate whose SHA-256 of (seed, purpose,
    round, name) is smallest: reproducible by anyone from the published seed.
    """

    def __init__(self, candidates: Sequence[str], seed: str | None = None) -> None:
        self.candidates = tuple(candidates)
        self.seed = seed
        self.broken: list[TieBreak] = []

    @property
    def rule(self) -> str:
        return "order" if self.seed is None else f"seed:{self.seed}"

    def choose(self, among: Sequence[int], purpose: str, round_number: int = 0) -> int:
        """One of the tied candidates (indices): the one the rule favours."""
        tied = sorted(set(among))
        if not tied:
            raise TallyError(f"no candidates to choose from ({purpose})")
        if len(tied) == 1:
            return tied[0]
        if self.seed is None:
            chosen = tied[0]
        else:

            def draw(index: int) -> bytes:
                text = f"{self.seed}\n{purpose}\n{round_number}\n{self.candidates[index]}"
                return hashlib.sha256(text.encode()).digest()

            chosen = min(tied, key=draw)
        names = tuple(self.candidates[index] for index in tied)
        self.broken.append(TieBreak(names, self.candidates[chosen], purpose, self.rule))
        return chosen

    def rank(self, among: Sequence[int], purpose: str, round_number: int = 0) -> list[int]:
        """All of the tied candidates, in the order the rule puts them."""
        remaining = sorted(set(among))
        ordered = []
        while remaining:
            chosen = (
                self.choose(remaining, purpose, round_number)
                if len(remaining) > 1
                else remaining[0]
            )
            ordered.append(chosen)
            remaining.remove(chosen)
        return ordered


@dataclass(frozen=True)
class TallyResult:
    """Winners in order of election, plus everything needed to check them."""

    method: str
    winners: tuple[str, ...]
    rounds: tuple[Mapping[str, Any], ...] = ()
    evidence: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    tie_breaks: tuple[TieBreak, ...] = ()
    tie_rule: str = "order"

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "winners": list(self.winners),
            "rounds": [dict(round_) for round_ in self.rounds],
            "evidence": dict(self.evidence),
            "tie_breaks": [
                {"among": list(t.among), "chose": t.chose, "purpose": t.purpose, "rule": t.rule}
                for t in self.tie_breaks
            ],
            "tie_rule": self.tie_rule,
        }


Counter = Callable[[Profile, int, TieBreaker], TallyResult]


@dataclass(frozen=True, slots=True)
class MethodInfo:
    """A registered method: its name, what it elects, and how it breaks ties."""

    name: str
    count: Counter
    summary: str
    family: Literal["positional", "condorcet", "sequential", "proportional", "approval"]
    multi_winner: bool
    tie_rule: str


_METHODS: dict[str, MethodInfo] = {}


def tally_method(
    name: str,
    *,
    summary: str,
    family: Literal["positional", "condorcet", "sequential", "proportional", "approval"],
    multi_winner: bool = False,
    tie_rule: str = "earlier in the candidate list, or by recorded seed",
) -> Callable[[Counter], Counter]:
    """Register a tally method under `name`."""

    def register(function: Counter) -> Counter:
        if name in _METHODS:
            raise TallyError(f"tally method '{name}' is registered twice")
        _METHODS[name] = MethodInfo(name, function, summary, family, multi_winner, tie_rule)
        return function

    return register


def methods() -> Mapping[str, MethodInfo]:
    """Every registered tally method by name."""
    return MappingProxyType(_METHODS)


Listener = Callable[[str], None]
_LISTENER: ContextVar[Listener | None] = ContextVar("tally_listener", default=None)


def progress(message: str) -> None:
    """Report how far a count has got (a round, a stage); heard only by `run_tally(listener=...)`."""
    listener = _LISTENER.get()
    if listener is not None:
        listener(message)


@contextmanager
def _listening(listener: Listener | None) -> Iterator[None]:
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def run_tally(
    name: str,
    profile: Profile,
    seats: int = 1,
    seed: str | None = None,
    *,
    listener: Listener | None = None,
) -> TallyResult:
    """Count `profile` by the named method for `seats` seats.

    `listener`, if given, hears the count's progress as it goes: one line per round or
    stage of the sequential and STV methods, and the start and end of every count.
    """
    info = _METHODS.get(name)
    if info is None:
        known = ", ".join(sorted(_METHODS))
        raise TallyError(f"unknown tally method '{name}'; known methods: {known}")
    if seats < 1 or seats > len(profile.candidates):
        raise TallyError(f"cannot fill {seats} seats from {len(profile.candidates)} candidates")
    if seats > 1 and not info.multi_winner:
        raise TallyError(
            f"'{name}' elects one candidate; use a multi-winner method for {seats} seats"
        )
    ties = TieBreaker(profile.candidates, seed)
    with _listening(listener):
        progress(f"counting {len(profile.counts):,} distinct ballots by {name}")
        result = info.count(profile, seats, ties)
        progress(f"elected: {', '.join(result.winners) if result.winners else 'nobody'}")
    return TallyResult(
        result.method, result.winners, result.rounds, result.evidence, tuple(ties.broken), ties.rule
    )
