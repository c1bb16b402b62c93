"""Plurality: the example every method module follows (one function, registered, with evidence)."""

from __future__ import annotations

import numpy as np

from charter.domain.tally.profile import Profile
from charter.domain.tally.registry import TallyResult, TieBreaker, tally_method

__all__ = ["plurality"]


@tally_method(
    "plurality",
    summary="Most first preferences wins (n seats: the n most)",
    family="positional",
    multi_winner=True,
)
def plurality(profile: Profile, seats: int, ties: TieBreaker) -> TallyResult:
    firsts = np.zeros(len(profile.candidates))
    first_rank = profile.ranks == 1
    only = first_rank.sum(axis=1) == 1  # a ballot tying several first counts for none
    firsts += profile.counts[only] @ first_rank[only]
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
