"""Simple games given by weighted rules: who wins, stated exactly.

A *rule* gives every player a weight on one criterion and a quota; a coalition
meets it when its total weight reaches the quota. A *rule set* is a conjunction:
every rule in it must be met (the EU Council: 55% of the states AND 65% of the
population). A *game* is an alternative of rule sets: a coalition wins when it
meets every rule of at least one rule set, and, if the game has vetoes, includes
every veto player (the Lisbon clause "a blocking minority needs four states" is
a second rule set {states >= 24}).

Weights and quotas are exact: ints, Fractions, decimal strings ("84.4"), or
floats read as the decimal they print as (84.4, not its binary neighbour).
Each rule is scaled to integer weights and an integer threshold once, here, so
every count downstream is integer arithmetic.

Quotas: an int, Fraction, float or decimal string ("270", "62.5") is an
absolute weight to reach; a string with "%" ("55%") or a fraction string
("1/2", "2/3") is a share of the criterion's total over all players. A leading
">" makes either strict: ">50%" is more than half, ">269" is 270 or more.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

from charter.errors import CharterError

__all__ = [
    "Game",
    "Number",
    "PowerError",
    "Quota",
    "Rule",
    "RuleSet",
    "exact",
    "weighted_game",
]

Number = int | Fraction | float | str | Decimal


class PowerError(CharterError, ValueError):
    """A game that cannot be built: bad weights, quotas, players or vetoes."""


def exact(value: Number, what: str = "weight") -> Fraction:
    """`value` as an exact Fraction; floats are read as the decimal they print as."""
    if isinstance(value, bool):
        raise PowerError(f"expected a number for the {what}, got {value!r}")
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise PowerError(f"expected a finite number for the {what}, got {value}")
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PowerError(f"expected a finite number for the {what}, got {value!r}")
        return Fraction(repr(value))
    if isinstance(value, str):
        try:
            return Fraction(value.strip().replace("_", ""))
        except (ValueError, ZeroDivisionError):
            raise PowerError(f"expected a number for the {what}, got {value!r}") from None
    raise PowerError(f"expected a number for the {what}, got {value!r}")


@dataclass(frozen=True, slots=True)
class Quota:
    """What a coalition's weight must reach: an absolute weight or a share of the total."""

    value: Fraction
    share: bool = False
    strict: bool = False

    @classmethod
    def parse(cls, quota: Number | Quota) -> Quota:
        if isinstance(quota, Quota):
            return quota
        strict = False
        share = False
        if isinstance(quota, str):
            text = quota.strip()
            if text.startswith(">"):
                strict, text = True, text[1:].strip()
            if text.endswith("%"):
                share, value = True, exact(text[:-1], "quota") / 100
            else:
                share = "/" in text
                value = exact(text, "quota")
        else:
            value = exact(quota, "quota")
        if value < 0:
            raise PowerError(f"a quota cannot be negative, got {quota!r}")
        if share and value > 1:
            raise PowerError(f"a share quota cannot exceed the whole, got {quota!r}")
        return cls(value, share, strict)

    def threshold(self, total: Fraction) -> Fraction:
        """The weight a coalition needs, for a criterion whose weights add up to `total`."""
        return self.value * total if self.share else self.value

    def __str__(self) -> str:
        prefix = ">" if self.strict else ""
        if self.share:
            percent = self.value * 100
            shown = str(percent) if percent.denominator == 1 else f"{float(percent):g}"
            return f"{prefix}{shown}%"
        shown = str(self.value) if self.value.denominator == 1 else f"{float(self.value):g}"
        return f"{prefix}{shown}"


@dataclass(frozen=True)
class Rule:
    """One weighted majority: a weight per player (in the game's player order) and a quota.

    `weights` may also be a mapping from player name to weight; the game puts
    it in its player order (players it does not name weigh 0).
    """

    weights: Sequence[Number] | Mapping[str, Number]
    quota: Number | Quota
    criterion: str = "weight"

    def __post_init__(self) -> None:
        object.__setattr__(self, "quota", Quota.parse(self.quota))
        if isinstance(self.weights, Mapping):
            weights = {str(name): exact(value) for name, value in self.weights.items()}
            object.__setattr__(self, "weights", _FrozenWeights(weights))
        else:
            object.__setattr__(
                self, "weights", tuple(exact(value, "weight") for value in self.weights)
            )
        for value in self._values():
            if value < 0:
                raise PowerError(f"criterion '{self.criterion}': weights cannot be negative")

    def _values(self) -> Iterable[Fraction]:
        weights = self.weights
        return weights.values() if isinstance(weights, Mapping) else weights  # type: ignore[return-value]

    def aligned(self, players: Sequence[str]) -> Rule:
        """This rule with its weights as a tuple in `players` order."""
        if isinstance(self.weights, Mapping):
            unknown = sorted(set(self.weights) - set(players))
            if unknown:
                raise PowerError(
                    f"criterion '{self.criterion}' weighs unknown players: {', '.join(unknown)}"
                )
            values = tuple(Fraction(self.weights.get(name, 0)) for name in players)
            return Rule(values, self.quota, self.criterion)
        if len(self.weights) != len(players):
            raise PowerError(
                f"criterion '{self.criterion}' has {len(self.weights)} weights for {len(players)} players"
            )
        return self

    @property
    def exact_weights(self) -> tuple[Fraction, ...]:
        if isinstance(self.weights, Mapping):
            raise PowerError("a rule with weights by name must be aligned to a game first")
        return tuple(Fraction(value) for value in self.weights)

    @cached_property
    def integral(self) -> tuple[tuple[int, ...], int]:
        """Integer weights and threshold with the same winners: w(S) >= threshold.

        The weights are scaled by the common denominator (of weights and an
        absolute quota) and divided by their greatest common divisor; a
        threshold of 0 or less means the rule is always met.
        """
        weights = self.exact_weights
        quota = self.quota
        assert isinstance(quota, Quota)
        total = sum(weights, Fraction(0))
        needed = quota.threshold(total)
        scale = math.lcm(*(value.denominator for value in weights), needed.denominator)
        integers = [int(value * scale) for value in weights]
        target = needed * scale  # an integer, by the choice of scale
        divisor = math.gcd(*integers) or 1
        integers = [value // divisor for value in integers]
        exact_target = Fraction(target) / divisor
        threshold = math.floor(exact_target) + 1 if quota.strict else math.ceil(exact_target)
        return tuple(integers), threshold

    def is_met(self, members: Iterable[int]) -> bool:
        weights, threshold = self.integral
        return sum(weights[index] for index in members) >= threshold

    def __str__(self) -> str:
        return f"{self.criterion} >= {self.quota}"


class _FrozenWeights(dict[str, Fraction]):
    """A mapping of weights that can sit in a frozen, hashable rule."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))


@dataclass(frozen=True)
class RuleSet:
    """Rules that must all be met. No rules at all: every coalition meets it."""

    rules: tuple[Rule, ...]
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))

    def __str__(self) -> str:
        return " and ".join(str(rule) for rule in self.rules) or "always"


@dataclass(frozen=True)
class Game:
    """A simple game: players, alternatives of rule sets, and veto players.

    A coalition wins when it includes every veto player and meets every rule of
    at least one of the alternatives. No alternatives at all: nobody wins.
    """

    players: tuple[str, ...]
    alternatives: tuple[RuleSet, ...]
    vetoes: frozenset[str] = field(default_factory=frozenset)
    title: str = ""

    def __post_init__(self) -> None:
        players = tuple(str(name) for name in self.players)
        if len(set(players)) != len(players):
            twice = sorted({name for name in players if players.count(name) > 1})
            raise PowerError(f"players named twice: {', '.join(twice)}")
        if not players:
            raise PowerError("a game needs at least one player")
        alternatives = tuple(
            RuleSet(tuple(rule.aligned(players) for rule in ruleset.rules), ruleset.label)
            for ruleset in self.alternatives
        )
        vetoes = frozenset(self.vetoes)
        unknown = sorted(vetoes - set(players))
        if unknown:
            raise PowerError(f"vetoes name unknown players: {', '.join(unknown)}")
        object.__setattr__(self, "players", players)
        object.__setattr__(self, "alternatives", alternatives)
        object.__setattr__(self, "vetoes", vetoes)

    def __hash__(self) -> int:
        """Hashed once: the counts are kept by game, and hashing every exact weight is slow."""
        kept: int | None = self.__dict__.get("_hash")
        if kept is None:
            kept = hash((self.players, self.alternatives, self.vetoes, self.title))
            object.__setattr__(self, "_hash", kept)
        return kept

    def __getstate__(self) -> dict[str, object]:
        """Without the kept hash: string hashes differ from one process to the next."""
        return {key: value for key, value in self.__dict__.items() if key != "_hash"}

    @property
    def n(self) -> int:
        return len(self.players)

    def index(self, player: str) -> int:
        try:
            return self.players.index(player)
        except ValueError:
            raise PowerError(f"'{player}' is not a player of this game") from None

    def is_winning(self, coalition: Iterable[str]) -> bool:
        """Whether `coalition` (player names) wins."""
        members = frozenset(coalition)
        unknown = members - set(self.players)
        if unknown:
            raise PowerError(f"not players of this game: {', '.join(sorted(unknown))}")
        if not self.vetoes <= members:
            return False
        indices = [index for index, name in enumerate(self.players) if name in members]
        return any(
            all(rule.is_met(indices) for rule in ruleset.rules) for ruleset in self.alternatives
        )

    def criteria(self) -> tuple[str, ...]:
        """The criteria the rules weigh, in order of first use."""
        names: dict[str, None] = {}
        for ruleset in self.alternatives:
            for rule in ruleset.rules:
                names.setdefault(rule.criterion, None)
        return tuple(names)

    def weights(self, criterion: str) -> tuple[Fraction, ...]:
        """The players' weights on `criterion`, as the first rule on it gives them."""
        for ruleset in self.alternatives:
            for rule in ruleset.rules:
                if rule.criterion == criterion:
                    return rule.exact_weights
        raise PowerError(f"no rule weighs criterion '{criterion}'")

    def describe(self) -> str:
        """The winning condition in words."""
        if not self.alternatives:
            text = "nobody wins"
        else:
            parts = [f"({ruleset})" for ruleset in self.alternatives]
            text = " or ".join(parts) if len(parts) > 1 else str(self.alternatives[0])
        if self.vetoes:
            vetoes = ", ".join(name for name in self.players if name in self.vetoes)
            text += f"; vetoes: {vetoes}"
        return text


def weighted_game(
    players: Sequence[str],
    weights: Sequence[Number],
    quota: Number | Quota,
    *,
    criterion: str = "weight",
    vetoes: Iterable[str] = (),
    title: str = "",
) -> Game:
    """One weighted majority: `players` with `weights`, winning at `quota` (270, "55%", "1/2")."""
    if len(players) != len(weights):
        raise PowerError(f"{len(weights)} weights for {len(players)} players")
    rule = Rule(tuple(weights), quota, criterion)
    return Game(tuple(players), (RuleSet((rule,)),), frozenset(vetoes), title)
