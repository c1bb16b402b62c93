"""Every registered tally method, run over the shared profiles, keeps the same promises."""

from __future__ import annotations

import json

import pytest
from tally_profiles import PROFILES

from charter.domain.tally import TallyError, methods, run_tally

# Methods whose `winners` is a set, not an election: their size is not the number of seats.
SET_VALUED = {
    "condorcet": range(0, 2),  # the Condorcet winner, or nobody
    "smith-set": range(1, 1000),  # the whole Smith set
}
SEEDS = ("alpha", "beta", "gamma", "delta", "epsilon")
# These count every profile, ties within ballots included; others may refuse ties (see below).
COUNT_ANY_BALLOTS = {
    "approval",
    "borda",
    "condorcet",
    "copeland",
    "irv",
    "plurality",
    "ranked-pairs",
    "schulze",
    "smith-set",
}


def count(name, profile, seats, seed=None):
    """Run the method; a method built for strict rankings may refuse tied ballots, with a reason."""
    try:
        return run_tally(name, profile, seats, seed=seed)
    except TallyError as refusal:
        if profile.strict or name in COUNT_ANY_BALLOTS:
            raise
        pytest.skip(f"{name} refuses ballots with ties: {refusal}")


def cases():
    for name, info in sorted(methods().items()):
        for label, profile in PROFILES.items():
            most = len(profile.candidates) if info.multi_winner else 1
            for seats in sorted({1, min(2, most), most}):
                yield pytest.param(name, label, seats, id=f"{name}-{label}-{seats}")


def test_every_method_of_this_engineer_is_registered():
    assert set(methods()) >= COUNT_ANY_BALLOTS


@pytest.mark.parametrize(("name", "label", "seats"), list(cases()))
def test_registered_method_keeps_its_promises(name, label, seats):
    profile = PROFILES[label]
    result = count(name, profile, seats)

    assert result.method == name
    assert set(result.winners) <= set(profile.candidates)
    assert len(set(result.winners)) == len(result.winners)
    if name in SET_VALUED:
        assert len(result.winners) in SET_VALUED[name]
    else:
        assert len(result.winners) == seats
    assert result.evidence, "a count must say why"
    assert result.as_dict() == count(name, profile, seats).as_dict()
    json.dumps(result.as_dict())  # the evidence can be published as it is


@pytest.mark.parametrize(("name", "label", "seats"), list(cases()))
def test_a_seed_changes_a_result_only_through_a_recorded_tie(name, label, seats):
    profile = PROFILES[label]
    results = [count(name, profile, seats)] + [
        count(name, profile, seats, seed=seed) for seed in SEEDS
    ]
    first = results[0].winners
    for result in results:
        if result.winners != first:
            assert result.tie_breaks, (
                f"{result.tie_rule} changed the winners without a recorded tie"
            )
            assert results[0].tie_breaks
        for tie in result.tie_breaks:
            assert tie.chose in tie.among
            assert tie.rule == result.tie_rule


def test_a_perfect_tie_is_decided_by_the_seed_and_recorded():
    winners = {run_tally("schulze", PROFILES["balanced"], seed=seed).winners for seed in SEEDS}
    assert len(winners) > 1
    result = run_tally("schulze", PROFILES["balanced"], seed="alpha")
    assert result.tie_breaks[-1].among == ("A", "B", "C")
    assert result.tie_rule == "seed:alpha"


def test_single_winner_methods_refuse_several_seats():
    single = sorted(name for name, info in methods().items() if not info.multi_winner)
    assert single
    for name in single:
        with pytest.raises(TallyError, match="elects one candidate"):
            run_tally(name, PROFILES["cycle"], 2)
