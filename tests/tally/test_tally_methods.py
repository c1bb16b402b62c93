"""Each method on the named profiles: the winners and the evidence a reader would check."""

from __future__ import annotations

import numpy as np
import pytest
from tally_profiles import ALL_EMPTY, BALANCED, CONDORCET_WINNER, CYCLE, PARTIAL, TIED

from charter.domain.tally import Profile, run_tally


def test_a_cycle_has_no_condorcet_winner_and_says_so():
    result = run_tally("condorcet", CYCLE)
    assert result.winners == ()
    assert result.evidence["condorcet_winner"] is None
    assert result.evidence["smith_set"] == ["A", "B", "C"]
    assert result.evidence["pairwise"]["A"] == {"B": 6.0, "C": 4.0}


def test_the_condorcet_winner_wins_every_condorcet_method():
    for method in ("condorcet", "smith-set", "copeland", "schulze", "ranked-pairs"):
        assert run_tally(method, CONDORCET_WINNER).winners == ("B",), method


def test_plurality_can_miss_the_condorcet_winner_where_irv_finds_it():
    assert run_tally("plurality", CONDORCET_WINNER).winners == ("A",)
    assert run_tally("irv", CONDORCET_WINNER).winners == ("B",)


def test_ranked_pairs_locks_the_largest_margins_and_skips_the_cycle():
    result = run_tally("ranked-pairs", CYCLE)
    assert result.winners == ("A",)
    assert [(p["winner"], p["loser"], p["margin"]) for p in result.evidence["locked"]] == [
        ("B", "C", 5.0),
        ("A", "B", 3.0),
    ]
    assert result.evidence["skipped"] == [{"winner": "C", "loser": "A", "margin": 1.0}]
    assert result.tie_breaks == ()


def test_ranked_pairs_orders_equal_margins_by_a_recorded_draw():
    result = run_tally("ranked-pairs", BALANCED, seed="x")
    assert result.tie_breaks
    assert result.tie_breaks[0].purpose == "ranked pairs: order of equal margins"
    assert result.evidence["unbeaten"] == list(result.winners)
    assert len(result.evidence["locked"]) == 2


def test_schulze_strongest_paths_in_the_cycle():
    result = run_tally("schulze", CYCLE)
    assert result.winners == ("A",)
    paths = result.evidence["strongest_paths"]
    assert paths["A"] == {"B": 3.0, "C": 3.0}
    assert paths["B"] == {"A": 1.0, "C": 5.0}
    assert paths["C"] == {"A": 1.0, "B": 1.0}
    assert result.evidence["strength"] == "margin"


def test_copeland_counts_a_pairwise_tie_as_half():
    profile = Profile.from_rankings(["A", "B", "C"], [(["A", "B", "C"], 1), (["B", "A", "C"], 1)])
    result = run_tally("copeland", profile)
    assert result.evidence["copeland_scores"] == {"A": 1.5, "B": 1.5, "C": 0.0}
    assert result.winners == ("A",)
    assert result.tie_breaks[0].among == ("A", "B")


def test_symmetric_borda_on_partial_ballots():
    # Ana alone on 5 ballots: +3 each for her, −1 each for the three she leaves off.
    scores = run_tally("borda", PARTIAL).evidence["scores"]
    assert sum(scores.values()) == 0
    profile = Profile.from_rankings(["A", "B", "C"], [(["A"], 1)])
    assert run_tally("borda", profile).evidence["scores"] == {"A": 2.0, "B": -1.0, "C": -1.0}


def test_borda_on_complete_ballots_is_classical_borda():
    profile = CONDORCET_WINNER
    classical = profile.counts @ np.where(profile.ranks > 0, 4 - profile.ranks, 0)
    symmetric = run_tally("borda", profile, 4).evidence["scores"]
    for name, points in zip(profile.candidates, classical, strict=True):
        assert symmetric[name] == 2 * points - 3 * profile.total


def test_approval_counts_every_first_equal_candidate():
    result = run_tally("approval", TIED, 2)
    assert result.evidence["approvals"] == {"A": 3.0, "B": 5.0, "C": 4.0, "D": 4.0}
    assert result.winners[0] == "B"
    assert result.winners[1] in ("C", "D")
    assert result.tie_breaks[0].among == ("C", "D")


def test_irv_records_every_round_and_exhausted_ballots():
    result = run_tally("irv", PARTIAL)
    first = result.rounds[0]
    assert first["tallies"] == {"Ana": 5.0, "Ben": 4.0, "Cai": 3.0, "Dee": 2.0}
    assert first["exhausted"] == 1.0
    assert first["excluded"] == "Dee"
    second = result.rounds[1]
    assert second["tallies"] == {"Ana": 7.0, "Ben": 4.0, "Cai": 3.0}
    assert result.winners == (result.rounds[-1]["elected"],)
    last = result.rounds[-1]
    assert last["tallies"][last["elected"]] > last["continuing_ballots"] / 2


def test_irv_splits_a_ballot_between_equal_first_choices():
    result = run_tally("irv", TIED)
    assert result.rounds[0]["tallies"] == pytest.approx(
        {"A": 1.5, "B": 1.5 + 2 / 3, "C": 2 + 2 / 3, "D": 2 + 2 / 3}
    )


def test_irv_breaks_an_exclusion_tie_by_the_earliest_round_that_differs():
    profile = Profile.from_rankings(
        ["A", "B", "C", "D"], [(["A"], 7), (["B"], 4), (["C"], 3), (["D", "C"], 1)]
    )
    result = run_tally("irv", profile)
    first, second, third = result.rounds
    assert first["excluded"] == "D"
    # B and C both have 4; C had fewer in round 1, so C goes without a draw.
    assert second["tallies"] == {"A": 7.0, "B": 4.0, "C": 4.0}
    assert second["excluded"] == "C"
    assert second["exclusion_tie"] == {"among": ["B", "C"], "decided_by": "fewest votes in round 1"}
    assert third["exhausted"] == 4.0
    assert third["elected"] == "A"
    assert result.tie_breaks == ()


def test_irv_exclusion_tie_with_no_history_goes_to_the_tie_breaker_and_spares_its_favourite():
    result = run_tally("irv", BALANCED)
    assert result.rounds[0]["excluded"] == "C"
    assert result.tie_breaks[0].among == ("A", "B", "C")
    assert result.rounds[0]["exclusion_tie"]["decided_by"] == "tie-breaker"


def test_blank_ballots_elect_by_tie_break_alone():
    for method in ("borda", "copeland", "schulze", "ranked-pairs", "irv", "approval"):
        result = run_tally(method, ALL_EMPTY)
        assert result.winners == ("A",), method
        assert result.tie_breaks, method


def test_a_withdrawn_candidate_never_wins():
    withdrawn = Profile(CYCLE.candidates, CYCLE.ranks, CYCLE.counts, frozenset({0}))
    for method in (
        "borda",
        "approval",
        "condorcet",
        "copeland",
        "smith-set",
        "schulze",
        "ranked-pairs",
        "irv",
    ):
        result = run_tally(method, withdrawn)
        assert "A" not in result.winners, method
    # Without A, B beats C by 5: B is the Condorcet winner.
    assert run_tally("condorcet", withdrawn).winners == ("B",)
