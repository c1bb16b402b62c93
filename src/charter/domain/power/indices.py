"""Power indices: one signature, registered by name with their metadata, exact as Fractions.

    @power_index("banzhaf", summary="...", needs_sizes=False)
    def banzhaf(game: Game) -> dict[str, Fraction]: ...

Every index is derived from the exact swing counts of `counting.swing_counts`;
the counts of a game are kept (a few games at a time) so that asking for
several indices of one game counts it once.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from charter.domain.power.counting import Method, swing_counts
from charter.domain.power.game import Game, PowerError

__all__ = [
    "IndexInfo",
    "PowerReport",
    "banzhaf",
    "banzhaf_absolute",
    "compute_index",
    "indices",
    "power_index",
    "power_report",
    "shapley_shubik",
    "swings",
    "swings_by_size",
]

Index = Callable[[Game], dict[str, Fraction]]


@dataclass(frozen=True, slots=True)
class IndexInfo:
    """A registered index: its name, what it measures, whether it sums to 1."""

    name: str
    compute: Index
    summary: str
    normalised: bool
    needs_sizes: bool


_INDICES: dict[str, IndexInfo] = {}


def power_index(
    name: str, *, summary: str, normalised: bool, needs_sizes: bool
) -> Callable[[Index], Index]:
    """Register a power index under `name`."""

    def register(function: Index) -> Index:
        if name in _INDICES:
            raise PowerError(f"power index '{name}' is registered twice")
        _INDICES[name] = IndexInfo(name, function, summary, normalised, needs_sizes)
        return function

    return register


def indices() -> Mapping[str, IndexInfo]:
    """Every registered power index by name."""
    return MappingProxyType(_INDICES)


def compute_index(name: str, game: Game) -> dict[str, Fraction]:
    info = _INDICES.get(name)
    if info is None:
        known = ", ".join(sorted(_INDICES))
        raise PowerError(f"unknown power index '{name}'; known indices: {known}")
    return info.compute(game)


# --- swing counts, kept for the last few games ----------------------------------------------

_KEPT: OrderedDict[tuple[Game, bool], tuple[tuple[int, ...], ...]] = OrderedDict()
_KEEP = 8


def _counts(game: Game, by_size: bool, method: Method = "auto") -> tuple[tuple[int, ...], ...]:
    if method == "auto":
        for key in ((game, by_size), (game, True)):
            if key in _KEPT:
                _KEPT.move_to_end(key)
                kept = _KEPT[key]
                return kept if key[1] == by_size else tuple((sum(row),) for row in kept)
    counts = tuple(tuple(row) for row in swing_counts(game, by_size, method))
    if method == "auto":
        _KEPT[(game, by_size)] = counts
        while len(_KEPT) > _KEEP:
            _KEPT.popitem(last=False)
    return counts


def swings(game: Game, method: Method = "auto") -> dict[str, int]:
    """Each player's Banzhaf swings: coalitions of the others that the player turns from losing to winning."""
    return {
        name: row[0] for name, row in zip(game.players, _counts(game, False, method), strict=True)
    }


def swings_by_size(game: Game, method: Method = "auto") -> dict[str, tuple[int, ...]]:
    """Swings by the size s = 0..n−1 of the coalition the player joins."""
    return dict(zip(game.players, _counts(game, True, method), strict=True))


def _normalise(values: Sequence[int], players: Sequence[str]) -> dict[str, Fraction]:
    total = sum(values)
    if total == 0:
        return {name: Fraction(0) for name in players}
    return {name: Fraction(value, total) for name, value in zip(players, values, strict=True)}


def _shapley(counts: Sequence[Sequence[int]], players: Sequence[str]) -> dict[str, Fraction]:
    n = len(players)
    factor = [math.factorial(s) * math.factorial(n - 1 - s) for s in range(n)]
    whole = math.factorial(n)
    return {
        name: Fraction(sum(c * f for c, f in zip(row, factor, strict=True)), whole)
        for name, row in zip(players, counts, strict=True)
    }


@power_index(
    "banzhaf",
    summary="normalised Banzhaf: each player's swings over all players' swings",
    normalised=True,
    needs_sizes=False,
)
def banzhaf(game: Game) -> dict[str, Fraction]:
    """Normalised Banzhaf index; sums to 1 (all zero when nobody is ever decisive)."""
    return _normalise([row[0] for row in _counts(game, False)], game.players)


@power_index(
    "banzhaf-absolute",
    summary="absolute Banzhaf: swings / 2^(n−1), the chance of being decisive",
    normalised=False,
    needs_sizes=False,
)
def banzhaf_absolute(game: Game) -> dict[str, Fraction]:
    """Absolute Banzhaf index: swings over the 2^(n−1) coalitions of the others."""
    whole = 2 ** (game.n - 1)
    return {
        name: Fraction(row[0], whole)
        for name, row in zip(game.players, _counts(game, False), strict=True)
    }


@power_index(
    "shapley-shubik",
    summary="Shapley–Shubik: the share of orderings in which the player is pivotal",
    normalised=True,
    needs_sizes=True,
)
def shapley_shubik(game: Game) -> dict[str, Fraction]:
    """Shapley–Shubik index: Σ_s swings(s)·s!(n−1−s)!/n!; sums to 1 when anyone can win."""
    return _shapley(_counts(game, True), game.players)


@dataclass(frozen=True, slots=True)
class PowerReport:
    """Every index of a game from one count: exact values and the swings they come from."""

    game: Game
    swings: Mapping[str, int]
    banzhaf: Mapping[str, Fraction]
    banzhaf_absolute: Mapping[str, Fraction]
    shapley_shubik: Mapping[str, Fraction] | None


def power_report(game: Game, *, shapley: bool = True) -> PowerReport:
    """Banzhaf (normalised and absolute) and, unless `shapley` is False, Shapley–Shubik."""
    counts = _counts(game, shapley)
    totals = [sum(row) for row in counts]
    whole = 2 ** (game.n - 1)
    return PowerReport(
        game,
        dict(zip(game.players, totals, strict=True)),
        _normalise(totals, game.players),
        {name: Fraction(value, whole) for name, value in zip(game.players, totals, strict=True)},
        _shapley(counts, game.players) if shapley else None,
    )
