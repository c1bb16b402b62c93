"""Positional methods: plurality and Borda (one function each, registered, with evidence).

Borda on partial ballots and ties uses the *symmetric* Borda score
(pref_voting's `borda_for_profile_with_ties` with `symmetric_borda_scores`,
after Terzopoulou and Endriss): on each ballot a candidate scores the number of
candidates it ranks strictly below them minus the number it ranks strictly
above them, unranked candidates counting as below every ranked one and equal
to each other. Summed over ballots that is the candidate's total pairwise
margin, so it is read straight off the pairwise matrix. On complete strict
ballots of m candidates it is 2·(m − position) − (m − 1) per ballot: an affine
image of the classical m−1, m−2, …, 0 points, so the same candidates win. The
rival conventions (truncated ballots score only what they rank; averaging the
unranked positions) reward or punish leaving preferences blank; the
symmetric score does neither, since an unranked pair adds nothing to any margin.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from charter.domain.tally.common import by_name, names, standing, top_n
from charter.domain.tally.profile import Profile
from charter.domain.tally.registry import TallyResult, TieBreaker, tally_method

__all__ = ["borda", "borda_scores", "plurality"]


@tally_method(
    "plurality",
    summary="Most first preferences wins (n seats: the n most)",
    family="positional",
    multi_winner=True,
)
def plurality(profile: Profile, seats: int, ties: TieBreaker) -> TallyResult:
    # A ballot counts for the one candidate it ranks 1; tying several first, it counts for none.
    choices = profile.first_choices
    n = len(profile.candidates)
    if n and choices.size and int(choices.min()) >= 0:  # every ballot counts: no masked copies
        firsts = np.bincount(choices, weights=profile.counts, minlength=n).astype(np.float64)
    else:
        counted = choices >= 0
        firsts = np.bincount(choices[counted], weights=profile.counts[counted], minlength=n).astype(
            np.float64
        )
    order = sorted(range(len(firsts)), key=lambda c: -firsts[c])
    winners: list[int] = []
    while len(winners) < seats:
        remaining = [c for c in order if c not in winners]
        best = max(firsts[c] for c in remaining)
        tied = [c for c in remaining if firsts[c] == best]
        if len(tied) > seats - len(winners):
            winners.extend(ties.rank(tied, "plurality seat")[: seats - len(winners)])
        else:
            winners.extend(tied)
    scores = {name: float(firsts[i]) for i, name in enumerate(profile.candidates)}
    return TallyResult(
        "plurality",
        tuple(profile.candidates[c] for c in winners),
        evidence={"first_preferences": scores},
    )


def borda_scores(profile: Profile) -> npt.NDArray[np.float64]:
    """Symmetric Borda score of every candidate: row sums of the margin matrix over those standing."""
    live = standing(profile)
    support = profile.pairwise[np.ix_(live, live)]
    scores = np.zeros(len(profile.candidates))
    scores[live] = (support - support.T).sum(axis=1)
    return scores


@tally_method(
    "borda",
    summary="Highest symmetric Borda score wins (n seats: the n highest); partial ballots allowed",
    family="positional",
    multi_winner=True,
)
def borda(profile: Profile, seats: int, ties: TieBreaker) -> TallyResult:
    live = standing(profile)
    scores = borda_scores(profile)
    winners = top_n(profile, scores, live, seats, ties, "borda seat")
    return TallyResult(
        "borda",
        names(profile, winners),
        evidence={
            "scores": by_name(profile, scores, live),
            "convention": "symmetric: ranked below minus ranked above, unranked below ranked",
        },
    )
