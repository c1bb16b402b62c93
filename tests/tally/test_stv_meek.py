"""stv-meek on counts small enough to check by hand, and its invariants on real wards."""

from __future__ import annotations

import pytest

from charter.domain.tally import Profile, methods, run_tally
from charter.formats.blt import read_blt
from conftest import SHARED_DATA

DATA = SHARED_DATA / "scottish-stv"


def meek(profile: Profile, seats: int, seed: str | None = None):
    return run_tally("stv-meek", profile, seats, seed=seed)


def test_surplus_passes_on_by_keep_value_until_the_elected_hold_a_quota():
    # 10 votes, 2 seats: quota 10/3 = 3.333333333 (9 decimals) + 0.000000001.
    # A (6) is elected; A's keep value falls towards quota/6 = 0.5555..., so B
    # gets 1 + 6 x (1 - 0.5555...) = 3.6666... > quota and is elected; C (3) is not.
    profile = Profile.from_rankings(["A", "B", "C"], [(["A", "B"], 6), (["C"], 3), (["B"], 1)])
    result = meek(profile, 2)
    assert result.winners == ("A", "B")
    first, second = result.rounds
    assert first["quota"] == 3.333333334
    assert first["elected"] == ["A"]
    assert second["elected"] == ["B"]
    assert second["keep_values"]["A"] == pytest.approx(5 / 9, abs=1e-8)
    assert second["tallies"]["B"] == pytest.approx(1 + 6 * (1 - 5 / 9), abs=1e-8)
    assert result.evidence["final_keep_values"]["B"] == 1.0


def test_single_seat_meek_is_instant_runoff():
    # No majority of 9: C (2) is excluded, C's papers go to B, B has 5 of 9.
    profile = Profile.from_rankings(["A", "B", "C"], [(["A"], 4), (["B"], 3), (["C", "B"], 2)])
    result = meek(profile, 1)
    assert result.winners == ("B",)
    assert result.rounds[0]["excluded"] == "C"
    assert result.rounds[0]["ended_by"] == "omega"


def test_an_elected_candidate_keeps_only_part_of_later_transfers():
    # Unlike Gregory counts, votes reaching an elected candidate are not skipped past them:
    # A keeps its keep value of D's transferred papers and passes on the rest.
    profile = Profile.from_rankings(
        ["A", "B", "C", "D"],
        [(["A", "C"], 5), (["B"], 4), (["C"], 3), (["D", "A", "C"], 2)],
    )
    result = meek(profile, 2)  # 14 votes: quota 4.666666667
    assert result.winners[0] == "A"
    last = result.rounds[-1]
    held = sum(last["tallies"].values()) + last["excess"]
    assert held == pytest.approx(14, abs=1e-6)  # every vote is somewhere
    assert "D" in result.evidence["excluded"]


def test_exact_ties_are_broken_by_earlier_rounds_then_by_lot_and_recorded():
    profile = Profile.from_rankings(["A", "B", "C"], [(["A"], 5), (["B"], 2), (["C"], 2)])
    result = meek(profile, 2, seed="draw")
    tie = next(r for r in result.rounds if r.get("ties"))["ties"][0]
    assert tie["decided_by"] == "lot"
    assert len(result.tie_breaks) == 1


def test_withdrawn_candidates_keep_nothing():
    base = Profile.from_rankings(["A", "B", "C"], [(["B", "C"], 3), (["A"], 2), (["C"], 1)])
    profile = Profile(base.candidates, base.ranks, base.counts, frozenset({1}))
    assert meek(profile, 1).winners == ("C",)


def test_registered():
    info = methods()["stv-meek"]
    assert info.multi_winner
    assert info.family == "proportional"


@pytest.mark.parametrize(
    "name",
    [
        "4_cands/east_ayrshire_2012_ward2.blt",
        "8_cands/north_lanarkshire_2017_ward11.blt",
        "10_cands/aberdeen_2017_ward12.blt",
    ],
)
def test_real_wards_hold_every_vote_and_fill_every_seat(name):
    election = read_blt(DATA / name)
    result = meek(election.profile, election.seats)
    assert len(result.winners) == election.seats
    for record in result.rounds:
        held = sum(record["tallies"].values()) + record["excess"]
        assert held == pytest.approx(election.profile.total, abs=1e-5)
