"""The two real games of the examples, checked against independent exact computations.

Published figures for exactly these weights could not be consulted (the EU figures
change every year and papers such as Kóczy's or Mercik and Ramsey's use other years'
populations; no table for the 2020-census Electoral College was available offline), so
each game is checked exactly against a computation that shares no code with the engine:

* the US Electoral College (n = 51, quota 270) against a textbook dynamic programme in
  Python integers, one per distinct weight, with that player left out;
* the EU Council under the Lisbon rules (with the blocking-minority clause) against
  enumeration of all 2^27 = 134,217,728 coalitions, vectorised.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from charter.domain.power import (
    Game,
    Rule,
    RuleSet,
    banzhaf,
    banzhaf_absolute,
    shapley_shubik,
    swing_counts,
)
from charter.power_games import load_game

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "power"


@pytest.fixture(scope="module")
def electoral_college() -> Game:
    return load_game(EXAMPLES / "electoral-college-2024.yaml").game


@pytest.fixture(scope="module")
def eu_council() -> Game:
    return load_game(EXAMPLES / "eu-council-2025.yaml").game


def textbook_weighted(weights: list[int], quota: int) -> tuple[list[int], list[Fraction]]:
    """Swings and Shapley–Shubik by a dynamic programme over (size, weight) of the others."""
    n = len(weights)
    total = sum(weights)
    swings_of: dict[int, tuple[int, Fraction]] = {}
    for weight in set(weights):
        others = list(weights)
        others.remove(weight)
        table = np.zeros((n, total + 1), dtype=object)  # [size, weight] -> number of coalitions
        table[0, 0] = 1
        for other in others:
            table[1:, other:] = table[1:, other:] + table[:-1, : total + 1 - other]
        window = table[:, max(0, quota - weight) : quota]  # S loses, S ∪ {i} wins
        by_size = [int(sum(window[s])) for s in range(n)]
        shapley = sum(
            (
                Fraction(c * math.factorial(s) * math.factorial(n - 1 - s), math.factorial(n))
                for s, c in enumerate(by_size)
            ),
            Fraction(0),
        )
        swings_of[weight] = (sum(by_size), shapley)
    return [swings_of[w][0] for w in weights], [swings_of[w][1] for w in weights]


def test_the_electoral_college_has_538_votes_and_51_members(electoral_college):
    weights = electoral_college.weights("weight")
    assert electoral_college.n == 51
    assert sum(weights) == 538
    assert max(weights) == 54  # California


def test_electoral_college_indices_equal_an_independent_exact_computation(electoral_college):
    weights = [int(w) for w in electoral_college.weights("weight")]
    swings, shapley = textbook_weighted(weights, 270)
    players = electoral_college.players
    assert banzhaf(electoral_college) == {
        name: Fraction(s, sum(swings)) for name, s in zip(players, swings, strict=True)
    }
    assert banzhaf_absolute(electoral_college) == {
        name: Fraction(s, 2**50) for name, s in zip(players, swings, strict=True)
    }
    assert shapley_shubik(electoral_college) == dict(zip(players, shapley, strict=True))


def test_electoral_college_structure(electoral_college):
    index = banzhaf(electoral_college)
    shapley = shapley_shubik(electoral_college)
    weights = dict(zip(electoral_college.players, electoral_college.weights("weight"), strict=True))
    # equal votes, equal power; more votes, more power
    assert index["WY"] == index["VT"] == index["DC"] == index["AK"]
    order = sorted(weights, key=lambda name: weights[name])
    assert [index[name] for name in order] == sorted(index[name] for name in order)
    # the well-known large-state advantage: California's power exceeds its share of votes
    assert index["CA"] > Fraction(54, 538)
    assert shapley["CA"] > Fraction(54, 538)
    assert float(index["CA"]) == pytest.approx(0.1108, abs=5e-5)
    assert float(shapley["CA"]) == pytest.approx(0.1080, abs=5e-5)


def enumerate_council(states: list[int], population: list[int], quota_share: Fraction, also: int):
    """Winning coalitions by (size, member) over all 2^n coalitions: S wins iff
    (|S| ≥ 55% of n and 100·pop(S) ≥ 65%·total, compared exactly) or |S| ≥ `also`."""
    n = len(population)
    half = n // 2
    total = sum(population)

    def subsets(values: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        k = len(values)
        index = np.arange(2**k)
        bits = ((index[:, None] >> np.arange(k)[None, :]) & 1).astype(np.int64)
        return bits @ np.array(values, dtype=np.int64), bits.sum(axis=1), bits

    pop_a, size_a, bits_a = subsets(population[:half])
    pop_b, size_b, bits_b = subsets(population[half:])
    kb = n - half
    # F[b, (k, sB)]: b has size sB and contains member k of the second half (k = kb: any b)
    marks = np.concatenate([bits_b, np.ones((len(pop_b), 1), dtype=np.int64)], axis=1)
    onehot_b = np.eye(kb + 1, dtype=np.float32)[size_b]
    f = (marks[:, :, None] * onehot_b[:, None, :]).reshape(len(pop_b), -1).astype(np.float32)
    marks_a = np.concatenate([bits_a, np.ones((len(pop_a), 1), dtype=np.int64)], axis=1)
    onehot_a = np.eye(half + 1)[size_a]
    e = (marks_a[:, :, None] * onehot_a[:, None, :]).reshape(len(pop_a), -1)
    grid = np.zeros((e.shape[1], f.shape[1]))
    need_states = math.ceil(Fraction(55, 100) * n)
    for start in range(0, len(pop_a), 512):
        rows = slice(start, start + 512)
        size = size_a[rows, None] + size_b[None, :]
        pop = pop_a[rows, None] + pop_b[None, :]
        wins = (
            (size >= need_states) & (pop * quota_share.denominator >= quota_share.numerator * total)
        ) | (size >= also)
        grid += e[rows].T @ (wins.astype(np.float32) @ f).astype(np.float64)
    grid = grid.reshape(half + 1, half + 1, kb + 1, kb + 1)  # [j, sA, k, sB]
    containing = np.zeros((n, n + 1), dtype=np.int64)  # winning coalitions of size s with member i
    everyone = np.zeros(n + 1, dtype=np.int64)
    for sa in range(half + 1):
        for sb in range(kb + 1):
            everyone[sa + sb] += round(grid[half, sa, kb, sb])
            for j in range(half):
                containing[j, sa + sb] += round(grid[j, sa, kb, sb])
            for k in range(kb):
                containing[half + k, sa + sb] += round(grid[half, sa, k, sb])
    return containing, everyone


def indices_from_enumeration(containing, everyone, n):
    swings = [int(containing[i].sum() - (everyone - containing[i]).sum()) for i in range(n)]
    fact = math.factorial
    shapley = [
        sum(
            (
                Fraction(int(containing[i, s]) * fact(s - 1) * fact(n - s), fact(n))
                - Fraction(int(everyone[s] - containing[i, s]) * fact(s) * fact(n - s - 1), fact(n))
                for s in range(1, n)
            ),
            Fraction(0),
        )
        + Fraction(int(containing[i, n]) * fact(n - 1), fact(n))
        for i in range(n)
    ]
    return swings, shapley


def hundredths(game: Game, criterion: str) -> list[int]:
    return [int(w * 100) for w in game.weights(criterion)]


def test_eu_council_with_the_blocking_minority_clause_equals_enumeration(eu_council):
    n = eu_council.n
    containing, everyone = enumerate_council(
        [1] * n, hundredths(eu_council, "population"), Fraction(65, 100), 24
    )
    swings, shapley = indices_from_enumeration(containing, everyone, n)
    players = eu_council.players
    assert banzhaf(eu_council) == {
        name: Fraction(s, sum(swings)) for name, s in zip(players, swings, strict=True)
    }
    assert shapley_shubik(eu_council) == dict(zip(players, shapley, strict=True))


def test_the_blocking_minority_clause_changes_the_game(eu_council):
    only_double = Game(eu_council.players, eu_council.alternatives[:1])
    # 24 states without Germany, France and Italy hold under 65% of the population: they
    # win only by the clause
    small = frozenset(eu_council.players) - {"DE", "FR", "IT"}
    assert eu_council.is_winning(small)
    assert not only_double.is_winning(small)
    assert banzhaf(eu_council)["DE"] != banzhaf(only_double)["DE"]
    # the clause takes power from the big states and gives it to the small
    assert shapley_shubik(eu_council)["MT"] > shapley_shubik(only_double)["MT"]
    assert shapley_shubik(eu_council)["DE"] < shapley_shubik(only_double)["DE"]


def test_eu_council_by_head_counts_is_met_in_the_middle_exactly(eu_council):
    """With populations in persons (about 451 million), no table of weights fits: the
    engine meets in the middle; enumeration agrees."""
    rng = np.random.default_rng(2025)
    persons = [
        int(w * 4_510_288) + int(rng.integers(0, 4_510))
        for w in hundredths(eu_council, "population")
    ]
    players = eu_council.players
    game = Game(
        players,
        (
            RuleSet((Rule([1] * 27, "55%", "states"), Rule(persons, "65%", "population"))),
            RuleSet((Rule([1] * 27, 24, "states"),)),
        ),
    )
    containing, everyone = enumerate_council([1] * 27, persons, Fraction(65, 100), 24)
    swings, shapley = indices_from_enumeration(containing, everyone, 27)
    assert [row[0] for row in swing_counts(game, False)] == swings
    assert shapley_shubik(game) == dict(zip(players, shapley, strict=True))
