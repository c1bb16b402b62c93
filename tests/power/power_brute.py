"""An independent reference: every coalition enumerated, rules read straight from their Fractions.

It does not use the integer scaling of `Rule.integral` nor anything of the counting
engine, so agreement with it checks both.
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations

from charter.domain.power import Game, Quota


def meets(game: Game, members: frozenset[int]) -> bool:
    names = {game.players[index] for index in members}
    if not game.vetoes <= names:
        return False
    for ruleset in game.alternatives:
        ok = True
        for rule in ruleset.rules:
            weights = [Fraction(value) for value in rule.weights]  # type: ignore[union-attr]
            quota = rule.quota
            assert isinstance(quota, Quota)
            need = quota.value * sum(weights) if quota.share else quota.value
            have = sum((weights[index] for index in members), Fraction(0))
            if not (have > need if quota.strict else have >= need):
                ok = False
                break
        if ok:
            return True
    return False


def brute_counts(game: Game) -> list[list[int]]:
    """c_i[s] by enumeration of all 2^n coalitions."""
    n = game.n
    wins = {}
    for size in range(n + 1):
        for combo in combinations(range(n), size):
            members = frozenset(combo)
            wins[members] = meets(game, members)
    counts = [[0] * n for _ in range(n)]
    for members, won in wins.items():
        for player in range(n):
            if player in members:
                continue
            with_ = wins[members | {player}]
            counts[player][len(members)] += int(with_) - int(won)
    return counts


def brute_indices(game: Game) -> dict[str, dict[str, Fraction]]:
    n = game.n
    counts = brute_counts(game)
    totals = [sum(row) for row in counts]
    whole = sum(totals)
    banzhaf = {
        name: Fraction(t, whole) if whole else Fraction(0)
        for name, t in zip(game.players, totals, strict=True)
    }
    absolute = {
        name: Fraction(t, 2 ** (n - 1)) for name, t in zip(game.players, totals, strict=True)
    }
    shapley = {
        name: sum(
            (
                Fraction(c * math.factorial(s) * math.factorial(n - 1 - s), math.factorial(n))
                for s, c in enumerate(row)
            ),
            Fraction(0),
        )
        for name, row in zip(game.players, counts, strict=True)
    }
    return {"banzhaf": banzhaf, "banzhaf-absolute": absolute, "shapley-shubik": shapley}
