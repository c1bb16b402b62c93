"""The counting paths for large games agree with the general programme and with brute force.

Three programmes count one weighted criterion: the general NumPy programme
("dp", which for at most 62 free players keeps each count in one machine
word), the compiled loops ("compiled", numba, run for each modulus in threads),
and meeting in the middle. Brute force only reaches n ≤ 10, where every count
needs a single modulus; the mid-size games here (63 to 130 players) need two
or three moduli and the Chinese remainder theorem, so the paths are compared
with each other there, and with a textbook programme in Python integers.
"""

from __future__ import annotations

import math
import pickle
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from power_brute import brute_counts
from test_power_brute_force import games

from charter.domain.power import (
    Game,
    PowerError,
    Rule,
    RuleSet,
    banzhaf,
    shapley_shubik,
    swing_counts,
    weighted_game,
)
from charter.domain.power.counting import COMPILED_WORK, _moduli

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(games())
def test_compiled_count_equals_enumeration_where_it_applies(game):
    expected = brute_counts(game)
    try:
        by_size = swing_counts(game, True, "compiled")
        totals = swing_counts(game, False, "compiled")
    except PowerError:
        return  # more than one weighted criterion in some conjunction
    assert by_size == expected
    assert totals == [[sum(row)] for row in expected]


@st.composite
def mid_size(draw: st.DrawFn) -> Game:
    """One weighted criterion, 63 to 130 players, perhaps with a minimum size or vetoes."""
    n = draw(st.integers(63, 130))
    heaviest = draw(st.sampled_from([1, 3, 40, 300]))
    weights = draw(st.lists(st.integers(0, heaviest), min_size=n, max_size=n))
    players = tuple(f"p{i}" for i in range(n))
    rules: tuple[Rule, ...] = (Rule(weights, f"{draw(st.integers(1, 99))}%"),)
    if draw(st.booleans()):  # a minimum number of members, as in the EU Council
        rules += (Rule([1] * n, draw(st.integers(0, n)), "members"),)
    vetoes = frozenset(draw(st.sets(st.sampled_from(players), max_size=2)))
    return Game(players, (RuleSet(rules),), vetoes)


@settings(max_examples=40, deadline=None)
@given(mid_size())
def test_compiled_and_numpy_programmes_agree_beyond_one_modulus(game):
    for by_size in (True, False):
        assert swing_counts(game, by_size, "compiled") == swing_counts(game, by_size, "dp")


def test_mid_size_games_need_several_moduli():
    # the test above exercises the Chinese remainder theorem, not one modulus
    assert len(_moduli(62)) == 1  # counts of at most 2^62 fit one word
    assert len(_moduli(63)) == 2
    assert len(_moduli(130)) == 3


def textbook_swings(weights: list[int], quota: int) -> list[int]:
    """Banzhaf swings from the subset-sum polynomial of the others, one per distinct weight.

    The polynomial is one Python integer, a slot of `bits` bits per power of x,
    so that multiplying by (1 + x^w) is a shift and an addition: no code shared
    with the engine, no modular arithmetic.
    """
    bits = len(weights) + 1
    mask = (1 << (bits * quota)) - 1  # powers of x below the quota
    found: dict[int, int] = {}
    for weight in set(weights):
        others = list(weights)
        others.remove(weight)
        poly = 1
        for other in others:
            poly = (poly + (poly << (bits * other))) & mask
        window = poly >> (
            bits * max(0, quota - weight)
        )  # coalitions weighing quota − w .. quota − 1
        slot = (1 << bits) - 1
        found[weight] = sum((window >> (bits * k)) & slot for k in range(min(weight, quota)))
    return [found[w] for w in weights]


def test_a_game_large_enough_for_the_compiled_loops_is_exact():
    # 160 players, weights up to 999: "auto" takes the compiled loops, with 3 moduli
    weights = [(100, 230, 370, 455, 610, 777, 850, 999)[i * i % 8] for i in range(160)]
    quota = sum(weights) // 2 + 1
    game = weighted_game([f"p{i}" for i in range(160)], weights, quota)
    assert (sum(weights) - quota + 1) * 160 >= COMPILED_WORK
    swings = textbook_swings(weights, quota)
    assert [row[0] for row in swing_counts(game, False)] == swings
    assert banzhaf(game) == {f"p{i}": Fraction(s, sum(swings)) for i, s in enumerate(swings)}
    assert max(swings) > 2**64  # beyond one machine word


def test_shapley_shubik_of_a_large_game_sums_to_one_and_orders_by_weight():
    weights = [(11 * i * i + 5 * i) % 200 + 1 for i in range(120)]
    game = weighted_game([f"p{i}" for i in range(120)], weights, "50%")
    index = shapley_shubik(game)
    assert sum(index.values()) == 1
    ranked = sorted(range(120), key=lambda i: weights[i])
    values = [index[f"p{i}"] for i in ranked]
    assert values == sorted(values)
    counts = swing_counts(game, True)
    n = 120
    whole = math.factorial(n)
    assert index["p0"] == Fraction(
        sum(c * math.factorial(s) * math.factorial(n - 1 - s) for s, c in enumerate(counts[0])),
        whole,
    )


def test_the_compiled_count_refuses_two_weighted_criteria():
    game = Game(
        ("a", "b", "c"),
        (RuleSet((Rule([1, 2, 3], 3, "x"), Rule([3, 1, 2], 3, "y"))),),
    )
    with pytest.raises(PowerError, match="at most one weighted criterion"):
        swing_counts(game, False, "compiled")


def test_a_game_keeps_its_hash_but_does_not_pickle_it():
    game = weighted_game(["a", "b", "c"], [1, 2, 3], 4)
    assert hash(game) == hash(weighted_game(["a", "b", "c"], [1, 2, 3], 4))
    again = pickle.loads(pickle.dumps(game))
    assert again == game
    assert "_hash" not in again.__dict__
    assert hash(again) == hash(game)
