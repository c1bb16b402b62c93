"""Counting a decision: yes/no methods registered by name, choices counted by the tally engine.

A procedure's `method` names either a yes/no method registered here
(`majority`: threshold and quorum) or any method of the tally engine
(plurality, approval, IRV, STV, Schulze, ...), which decides among options:
candidates in an election, or the alternatives of a choice motion.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Literal

from charter.domain.constitution.types import Quorum, Threshold

__all__ = [
    "Count",
    "MethodInfo",
    "VoteResult",
    "count_choice",
    "count_decision",
    "decision_kind",
    "known_methods",
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
    kind: Literal["yes-no", "choice"] = "yes-no"
    method: str = "majority"
    options: tuple[str, ...] = ()
    winners: tuple[str, ...] = ()
    cast: int = 0
    tally: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    conditions: tuple[Mapping[str, Any], ...] = ()
    """Majorities of member polities and vetoes, where a federal procedure requires them."""

    def as_dict(self) -> dict[str, object]:
        """The result as plain data: the full count, quorum, threshold and explanation."""
        if self.kind == "choice":
            return {
                "carried": self.carried,
                "method": self.method,
                "options": list(self.options),
                "winners": list(self.winners),
                "ballots": self.cast,
                "blank": self.count.abstain,
                "seats": self.seats,
                "quorum_required": self.quorum_required,
                "quorum_met": self.quorum_met,
                "explanation": self.explanation,
                "tally": dict(self.tally),
            }
        plain: dict[str, object] = {
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
        if self.conditions:
            plain["conditions"] = [dict(condition) for condition in self.conditions]
        return plain


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


def known_methods() -> tuple[str, ...]:
    """Every method a procedure may name: the yes/no methods and the tally engine's."""
    from charter.domain.tally import methods as tally_methods

    return tuple(sorted({*_METHODS, *tally_methods()}))


def decision_kind(method_name: str) -> Literal["yes-no", "choice"] | None:
    """Whether `method_name` decides yes/no motions or chooses among options (None: unknown)."""
    from charter.domain.tally import methods as tally_methods

    if method_name in _METHODS:
        return "yes-no"
    if method_name in tally_methods():
        return "choice"
    return None


def _plain(value: Any) -> Any:
    """Tally evidence as plain data for the record: NumPy scalars and fractions become numbers."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    if hasattr(value, "item"):  # a NumPy scalar
        return _plain(value.item())
    if isinstance(value, float):
        return int(value) if value.is_integer() else float(value)
    return str(value)


def count_choice(
    method_name: str,
    options: Sequence[str],
    preferences: Sequence[tuple[Sequence[str | Sequence[str]], int]],
    *,
    blank: int,
    seats: int,
    total: int,
    quorum: Quorum | None,
    seed: str | None = None,
) -> VoteResult:
    """Choose `seats` of `options` from weighted `preferences` by a tally method.

    `preferences` are the ballots that express one (a ranking, an approval or a
    single mark, with their votes); `blank` counts the votes cast for nobody,
    which count towards the quorum but choose no one; `total` is every vote
    that could have been cast (seats, or weights in a weighted body).
    """
    from charter.domain.tally import Profile, TallyError, run_tally

    cast = blank + sum(votes for _, votes in preferences)
    required = quorum.required(total) if quorum is not None else 0
    quorum_met = cast >= required
    expressed = sum(votes for _, votes in preferences)
    tally: Mapping[str, Any] = MappingProxyType({})
    winners: tuple[str, ...] = ()
    if not quorum_met:
        why = f"quorum not met: {cast} of {total} votes cast, {required} required"
    elif expressed == 0:
        why = f"no one chosen: none of the {cast} votes cast expressed a preference"
    else:
        profile = Profile.from_rankings(options, [(list(r), float(v)) for r, v in preferences])
        try:
            result = run_tally(method_name, profile, seats, seed)
        except TallyError as error:
            why = f"no one chosen: {error}"
        else:
            tally = MappingProxyType(_plain(result.as_dict()))
            winners = result.winners
            chosen = ", ".join(winners)
            why = f"chosen by {method_name} from {cast} votes ({expressed} expressing a preference): {chosen}"
    return VoteResult(
        carried=bool(winners),
        count=Count(abstain=blank),
        seats=total,
        quorum_required=required,
        quorum_met=quorum_met,
        threshold="none (a choice among options)",
        abstentions="counted towards the quorum",
        explanation=why,
        kind="choice",
        method=method_name,
        options=tuple(options),
        winners=winners,
        cast=cast,
        tally=tally,
    )
