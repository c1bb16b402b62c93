"""Random profiles, counted by Charter and by pref_voting: the two must agree.

Profiles have 3–6 candidates and up to 40 distinct ballots, each strict or
with ties, complete or partial (blank ballots included), with counts 1–5.
pref_voting is given the same ballots as a ProfileWithTies under extended
strict preference (see tally_profiles.to_pref_voting). Where pref_voting
returns every candidate that wins under *some* tie-break, Charter's winner,
whatever the seed, must be one of them; sets that involve no tie-break (the
Smith set, Copeland leaders, Schulze's unbeaten, scores) must be equal.
"""

from __future__ import annotations

from math import factorial, prod

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pref_voting.c1_methods import copeland, top_cycle
from pref_voting.iterative_methods import instant_runoff, instant_runoff_put
from pref_voting.margin_based_methods import beat_path, ranked_pairs
from pref_voting.scoring_methods import borda_for_profile_with_ties, symmetric_borda_scores
from tally_profiles import indices, to_pref_voting

from charter.domain.tally import Profile, run_tally
from charter.domain.tally.condorcet import margins

CHECKS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SEEDS = st.one_of(st.none(), st.text(alphabet="abcdef0123456789", min_size=1, max_size=6))


@st.composite
def ballot(draw, names):
    """A ranking best first (a tuple is a tie): a truncated strict order, or a random weak order."""
    if draw(st.booleans()):
        order = draw(st.permutations(names))
        return list(order[: draw(st.integers(0, len(names)))])
    levels = draw(st.lists(st.integers(0, len(names)), min_size=len(names), max_size=len(names)))
    groups = [
        tuple(n for n, level in zip(names, levels, strict=True) if level == rank)
        for rank in sorted(set(levels) - {0})
    ]
    return [group[0] if len(group) == 1 else group for group in groups]


@st.composite
def profiles(draw):
    names = [f"c{i}" for i in range(draw(st.integers(3, 6)))]
    size = draw(st.integers(1, 40))  # drawn first, so large profiles are as likely as small
    ballots = draw(
        st.lists(st.tuples(ballot(names), st.integers(1, 5)), min_size=size, max_size=size)
    )
    return Profile.from_rankings(names, ballots)


def winner(profile: Profile, name: str, seed: str | None, seats: int = 1) -> list[int]:
    return indices(profile, run_tally(name, profile, seats, seed=seed).winners)


def assert_top_n(scores, chosen, seats):
    """The chosen are `seats` candidates none of whom scores below anyone left out."""
    assert len(chosen) == seats
    left_out = [c for c in range(len(scores)) if c not in chosen]
    assert not left_out or min(scores[c] for c in chosen) >= max(scores[c] for c in left_out)


@CHECKS
@given(profiles(), SEEDS, st.integers(1, 3))
def test_plurality_matches_pref_voting(profile, seed, seats):
    theirs = to_pref_voting(
        profile
    ).plurality_scores_ignoring_overvotes()  # ties at the top count for nobody
    result = run_tally("plurality", profile, seats, seed=seed)
    ours = result.evidence["first_preferences"]
    assert [ours[name] for name in profile.candidates] == [
        theirs[c] for c in range(len(profile.candidates))
    ]
    assert_top_n([theirs[c] for c in sorted(theirs)], indices(profile, result.winners), seats)


@CHECKS
@given(profiles(), SEEDS, st.integers(1, 3))
def test_borda_matches_pref_voting_symmetric_borda(profile, seed, seats):
    pv = to_pref_voting(profile)
    theirs = symmetric_borda_scores(pv)
    result = run_tally("borda", profile, seats, seed=seed)
    ours = result.evidence["scores"]
    assert [ours[name] for name in profile.candidates] == [
        theirs[c] for c in range(len(profile.candidates))
    ]
    assert_top_n([theirs[c] for c in sorted(theirs)], indices(profile, result.winners), seats)
    if seats == 1:
        assert indices(profile, result.winners)[0] in borda_for_profile_with_ties(pv)


@CHECKS
@given(profiles(), SEEDS, st.integers(1, 3))
def test_approval_matches_pref_voting_tops(profile, seed, seats):
    theirs = to_pref_voting(profile).tops_scores(score_type="approval")
    result = run_tally("approval", profile, seats, seed=seed)
    ours = result.evidence["approvals"]
    assert [ours[name] for name in profile.candidates] == [
        theirs[c] for c in range(len(profile.candidates))
    ]
    assert_top_n([theirs[c] for c in sorted(theirs)], indices(profile, result.winners), seats)


@CHECKS
@given(profiles())
def test_condorcet_winner_matches_pref_voting(profile):
    expected = to_pref_voting(profile).condorcet_winner()
    assert winner(profile, "condorcet", None) == ([] if expected is None else [expected])


@CHECKS
@given(profiles())
def test_smith_set_matches_pref_voting(profile):
    assert winner(profile, "smith-set", None) == top_cycle(to_pref_voting(profile))


@CHECKS
@given(profiles(), SEEDS)
def test_copeland_matches_pref_voting(profile, seed):
    theirs = copeland(to_pref_voting(profile))
    result = run_tally("copeland", profile, seed=seed)
    assert indices(profile, result.evidence["copeland_leaders"]) == theirs
    assert indices(profile, result.winners)[0] in theirs


@CHECKS
@given(profiles(), SEEDS)
def test_schulze_matches_pref_voting_beat_path(profile, seed):
    theirs = beat_path(to_pref_voting(profile))
    result = run_tally("schulze", profile, seed=seed)
    assert indices(profile, result.evidence["unbeaten"]) == theirs
    assert indices(profile, result.winners)[0] in theirs


def _ranked_pairs_all_winners(profile: Profile) -> list[int]:
    """pref_voting's ranked pairs, by tie-break orders when few, by stacks when they would be many."""
    pv = to_pref_voting(profile)
    margin = margins(profile)
    n = len(profile.candidates)
    strengths = [margin[a, b] for a in range(n) for b in range(n) if a != b and margin[a, b] >= 0]
    orders = prod(factorial(strengths.count(s)) for s in set(strengths))
    return ranked_pairs(pv, algorithm="basic" if orders <= 2000 else "from_stacks")


@CHECKS
@given(profiles(), SEEDS)
def test_ranked_pairs_winner_is_a_pref_voting_winner(profile, seed):
    theirs = _ranked_pairs_all_winners(profile)
    assert winner(profile, "ranked-pairs", seed)[0] in theirs


@CHECKS
@given(profiles(), SEEDS)
def test_irv_matches_pref_voting(profile, seed):
    pv = to_pref_voting(profile)
    result = run_tally("irv", profile, seed=seed)
    ours = indices(profile, result.winners)
    assert ours[0] in instant_runoff_put(pv, score_method="split")
    if not any("exclusion_tie" in round_ for round_ in result.rounds):
        assert ours == instant_runoff(pv, score_method="split")
