"""Every index, by every counting method, equals enumeration of all coalitions (n ≤ 10).

Random games: one to three criteria with integer, decimal or fractional weights,
absolute, percent, fraction and strict quotas, one to three alternative rule sets,
and vetoes.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from power_brute import brute_counts, brute_indices

from charter.domain.power import Game, Rule, RuleSet, compute_index, indices, swing_counts

PLAYERS = "ABCDEFGHIJKL"

weights_value = st.one_of(
    st.integers(0, 12),
    st.sampled_from(["0.5", "1.25", "2.1", "3", "7/3", "10"]),
    st.fractions(min_value=0, max_value=9, max_denominator=4),
)


@st.composite
def games(draw: st.DrawFn, max_players: int = 9) -> Game:
    n = draw(st.integers(1, max_players))
    players = PLAYERS[:n]
    criteria = {}
    for name in ("a", "b", "c")[: draw(st.integers(1, 3))]:
        if draw(st.booleans()) and name != "a":
            criteria[name] = [1] * n  # a count of members: a size rule
        else:
            criteria[name] = draw(st.lists(weights_value, min_size=n, max_size=n))

    def quota(name: str) -> object:
        total = sum(Fraction(w) for w in criteria[name])
        kind = draw(st.sampled_from(["absolute", "percent", "fraction", "strict", "decimal"]))
        if kind == "percent":
            return f"{draw(st.integers(0, 100))}%"
        if kind == "fraction":
            return f"{draw(st.integers(1, 5))}/{draw(st.integers(5, 6))}"
        if kind == "strict":
            return f">{draw(st.integers(0, 99))}%"
        if kind == "decimal":
            return str(draw(st.integers(0, 40)) / 4)
        return draw(st.integers(0, int(total) + 2))

    alternatives = []
    for _ in range(draw(st.integers(1, 3))):
        chosen = draw(st.lists(st.sampled_from(sorted(criteria)), min_size=0, max_size=3))
        rules = tuple(Rule(criteria[name], quota(name), name) for name in chosen)
        alternatives.append(RuleSet(rules))
    if draw(st.integers(0, 9)) == 0:
        alternatives = []
    vetoes = draw(st.sets(st.sampled_from(players), max_size=2)) if draw(st.booleans()) else set()
    return Game(tuple(players), tuple(alternatives), frozenset(vetoes))


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(games())
def test_swing_counts_by_size_equal_enumeration(game):
    expected = brute_counts(game)
    assert swing_counts(game, True, "dp") == expected
    assert swing_counts(game, False, "dp") == [[sum(row)] for row in expected]


@SETTINGS
@given(games())
def test_meeting_in_the_middle_equals_enumeration_where_it_applies(game):
    from charter.domain.power.counting import PowerError

    expected = brute_counts(game)
    try:
        got = swing_counts(game, True, "mitm")
    except PowerError:
        return  # more than one weighted criterion in some conjunction
    assert got == expected


@SETTINGS
@given(games(max_players=7))
def test_every_registered_index_equals_enumeration(game):
    expected = brute_indices(game)
    for name in indices():
        assert compute_index(name, game) == expected[name], name


@pytest.mark.parametrize("name", sorted(indices()))
def test_every_registered_index_has_its_metadata(name):
    info = indices()[name]
    assert info.summary
    assert info.name == name
