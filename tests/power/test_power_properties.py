"""Properties every index must have, on games too large to enumerate (n up to 60)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from charter.domain.power import (
    Game,
    PowerError,
    Rule,
    RuleSet,
    banzhaf,
    banzhaf_absolute,
    shapley_shubik,
    weighted_game,
)

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def weighted(draw: st.DrawFn) -> Game:
    n = draw(st.integers(2, 60))
    weights = draw(st.lists(st.integers(0, 40), min_size=n, max_size=n))
    share = draw(st.integers(1, 99))
    return weighted_game([f"p{i}" for i in range(n)], weights, f"{share}%")


@SETTINGS
@given(weighted())
def test_normalised_indices_sum_to_one_unless_nobody_is_ever_decisive(game):
    for index in (banzhaf(game), shapley_shubik(game)):
        total = sum(index.values())
        assert total in (0, 1)
    if sum(banzhaf(game).values()) == 1:
        assert sum(shapley_shubik(game).values()) == 1


@SETTINGS
@given(weighted())
def test_players_with_no_weight_are_null_and_equal_weights_equal_power(game):
    weights = dict(zip(game.players, game.weights("weight"), strict=True))
    index, shapley, absolute = banzhaf(game), shapley_shubik(game), banzhaf_absolute(game)
    for name, weight in weights.items():
        if weight == 0:
            assert index[name] == shapley[name] == absolute[name] == 0
    by_weight: dict[Fraction, set[Fraction]] = {}
    for name, weight in weights.items():
        by_weight.setdefault(weight, set()).add(shapley[name])
    assert all(len(values) == 1 for values in by_weight.values())
    # more weight never means less power
    ranked = sorted(game.players, key=lambda name: weights[name])
    assert [index[name] for name in ranked] == sorted(index[name] for name in ranked)


@given(st.integers(1, 40))
def test_unanimity_every_player_is_a_veto_player_and_all_are_equal(n):
    game = weighted_game([f"p{i}" for i in range(n)], [1] * n, "100%")
    assert set(banzhaf(game).values()) == {Fraction(1, n)}
    assert set(shapley_shubik(game).values()) == {Fraction(1, n)}
    assert set(banzhaf_absolute(game).values()) == {Fraction(1, 2 ** (n - 1))}


def test_a_veto_player_in_a_majority_game():
    # a majority of 5 equal players in which p0 also holds a veto
    players = [f"p{i}" for i in range(5)]
    game = Game(tuple(players), (RuleSet((Rule([1] * 5, 3),)),), frozenset({"p0"}))
    shapley = shapley_shubik(game)
    # p0 is pivotal whenever it comes 3rd, 4th or 5th (3/5 of the orderings); by
    # symmetry the others share the rest equally
    assert shapley["p0"] == Fraction(3, 5)
    assert all(shapley[name] == Fraction(1, 10) for name in players[1:])
    assert game.is_winning({"p0", "p1", "p2"})
    assert not game.is_winning({"p1", "p2", "p3", "p4"})


def test_a_dictator_has_all_the_power():
    game = weighted_game(["a", "b", "c"], [60, 30, 10], 51)
    assert banzhaf(game) == {"a": 1, "b": 0, "c": 0}
    assert shapley_shubik(game) == {"a": 1, "b": 0, "c": 0}


def test_decimal_weights_and_quotas_are_exact():
    # 0.1 + 0.2 reaches 0.3 exactly (it would not in binary floating point)
    game = weighted_game(["a", "b", "c"], [0.1, 0.2, 0.3], 0.3)
    assert game.is_winning({"a", "b"})
    assert banzhaf(game) == banzhaf(weighted_game(["a", "b", "c"], [1, 2, 3], 3))


def test_large_counts_do_not_overflow():
    # 100 equal players, simple majority: swings are C(99, 49) ≈ 5e28, far above 2^64
    game = weighted_game([f"p{i}" for i in range(100)], [1] * 100, 51)
    from math import comb

    assert banzhaf_absolute(game)["p0"] == Fraction(comb(99, 50), 2**99)
    assert set(shapley_shubik(game).values()) == {Fraction(1, 100)}


def test_bad_games_are_refused():
    import pytest

    with pytest.raises(PowerError, match="named twice"):
        weighted_game(["a", "a"], [1, 1], 1)
    with pytest.raises(PowerError, match="3 weights for 2 players"):
        weighted_game(["a", "b"], [1, 1, 1], 1)
    with pytest.raises(PowerError, match="cannot be negative"):
        weighted_game(["a", "b"], [1, -1], 1)
    with pytest.raises(PowerError, match="a number"):
        weighted_game(["a", "b"], [1, "x"], 1)
    with pytest.raises(PowerError, match="unknown players"):
        Game(("a",), (RuleSet((Rule({"b": 1}, 1),)),))
    with pytest.raises(PowerError, match="unknown players"):
        Game(("a",), (), frozenset({"z"}))
