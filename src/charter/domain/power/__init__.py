"""Voting power: exact Banzhaf and Shapley–Shubik indices of weighted and composite games.

    from charter.domain.power import Game, Rule, RuleSet, weighted_game, banzhaf, shapley_shubik

    game = weighted_game(["A", "B", "C"], [50, 49, 1], 51)
    banzhaf(game)          # {'A': Fraction(3, 5), 'B': Fraction(1, 5), 'C': Fraction(1, 5)}

A game is an alternative (OR) of rule sets, each a conjunction (AND) of weighted
rules, plus veto players (see `game`); the indices are exact Fractions from
exact swing counts (see `counting`), and are registered by name (`indices()`).
"""

from charter.domain.power.counting import conjunctions, swing_counts
from charter.domain.power.game import (
    Game,
    Number,
    PowerError,
    Quota,
    Rule,
    RuleSet,
    exact,
    weighted_game,
)
from charter.domain.power.indices import (
    IndexInfo,
    PowerReport,
    banzhaf,
    banzhaf_absolute,
    compute_index,
    indices,
    power_index,
    power_report,
    shapley_shubik,
    swings,
    swings_by_size,
)

__all__ = [
    "Game",
    "IndexInfo",
    "Number",
    "PowerError",
    "PowerReport",
    "Quota",
    "Rule",
    "RuleSet",
    "banzhaf",
    "banzhaf_absolute",
    "compute_index",
    "conjunctions",
    "exact",
    "indices",
    "power_index",
    "power_report",
    "shapley_shubik",
    "swing_counts",
    "swings",
    "swings_by_size",
    "weighted_game",
]
