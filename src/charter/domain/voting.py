"""Counting a decision: voting methods registered by name, and the threshold and quorum tests.

This issue needs only yes/no/abstain counting (`majority`); the tally engine
registers its ranked and proportional methods here later, under the same
decorator, so constitutions can name any of them in `procedures.*.method`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from charter.domain.constitution.types import Quorum, Threshold

__all__ = [
    "Count",
    "MethodInfo",
    "VoteResult",
    "count_decision",
    "method",
    "recorded_decision",
    "registered_methods",
]


@dataclass(frozen=True, slots=True)
class Count:
    """Votes cast on a motion."""

    yes: int = 0
    no: int = 0
    abstain: int = 0

    @property
    def ballots(self) -> int:
        return self.yes + self.no + self.abstain


@dataclass(frozen=True, slots=True)
class VoteResult:
    """The outcome of a count, with everything needed to check it by hand."""

    carried: bool
    count: Count
    seats: int
    quorum_required: int
    quorum_met: bool
    threshold: str
    abstentions: str
    explanation: str
    recorded: bool = False

    def as_dict(self) -> dict[str, object]:
        """The result as plain data: the full count, quorum, threshold and explanation."""
        return {
            "carried": self.carried,
            "yes": self.count.yes,
            "no": self.count.no,
            "abstain": self.count.abstain,
            "seats": self.seats,
            "quorum_required": self.quorum_required,
            "quorum_met": self.quorum_met,
            "threshold": self.threshold,
            "abstentions": self.abstentions,
            "recorded": self.recorded,
            "explanation": self.explanation,
        }


Counter = Callable[[Count, int, Threshold, Quorum | None, bool], VoteResult]


@dataclass(frozen=True, slots=True)
class MethodInfo:
    """A registered voting method and what it is for."""

    name: str
    description: str
    count: Counter


_METHODS: dict[str, MethodInfo] = {}


def method(name: str, description: str) -> Callable[[Counter], Counter]:
    """Register a voting method under `name` so constitutions can cite it."""

    def register(function: Counter) -> Counter:
        _METHODS[name] = MethodInfo(name, description, function)
        return function

    return register


def registered_methods() -> dict[str, MethodInfo]:
    """Every registered method by name."""
    return dict(_METHODS)


def _threshold_met(
    count: Count, seats: int, threshold: Threshold, counted: bool
) -> tuple[bool, str]:
    base = count.yes + count.no + (count.abstain if counted else 0)
    if threshold.kind == "simple":
        return count.yes * 2 > base, f"more yes than half of {base} counted"
    if threshold.kind == "absolute":
        return count.yes * 2 > seats, f"more yes than half of all {seats} seats"
    if threshold.kind == "unanimity":
        dissent = count.no + (count.abstain if counted else 0)
        return count.yes > 0 and dissent == 0, "no dissent"
    needed = threshold.share * base
    share = f"{threshold.share.numerator}/{threshold.share.denominator}"
    return base > 0 and Fraction(count.yes) >= needed, f"yes at least {share} of {base} counted"


@method("majority", "Yes/no/abstain counting against the procedure's threshold and quorum.")
def majority(
    count: Count, seats: int, threshold: Threshold, quorum: Quorum | None, counted: bool
) -> VoteResult:
    required = quorum.required(seats) if quorum is not None else 0
    quorum_met = count.ballots >= required
    met, rule = _threshold_met(count, seats, threshold, counted)
    carried = quorum_met and met
    tally = f"{count.yes} yes, {count.no} no, {count.abstain} abstaining"
    if not quorum_met:
        why = f"quorum not met: {count.ballots} of {seats} seats took part, {required} required"
    elif met:
        why = f"carried: {tally}; needed {rule} ({threshold})"
    else:
        why = f"not carried: {tally}; needed {rule} ({threshold})"
    return VoteResult(
        carried=carried,
        count=count,
        seats=seats,
        quorum_required=required,
        quorum_met=quorum_met,
        threshold=str(threshold),
        abstentions="counted" if counted else "ignored",
        explanation=why,
    )


def recorded_decision(carried: bool, seats: int, threshold: Threshold) -> VoteResult:
    """A result taken from the historical record, where no count survives: said so, not invented."""
    verdict = "carried" if carried else "not carried"
    return VoteResult(
        carried=carried,
        count=Count(),
        seats=seats,
        quorum_required=0,
        quorum_met=True,
        threshold=str(threshold),
        abstentions="unknown",
        explanation=f"{verdict} as recorded; no count recorded",
        recorded=True,
    )


def count_decision(
    method_name: str,
    count: Count,
    seats: int,
    threshold: Threshold,
    quorum: Quorum | None,
    abstentions_counted: bool,
) -> VoteResult:
    """Count `count` by the named method; KeyError if the method is not registered."""
    return _METHODS[method_name].count(count, seats, threshold, quorum, abstentions_counted)
