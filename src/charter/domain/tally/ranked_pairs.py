"""Ranked pairs (Tideman): lock in head-to-head wins from the largest margin down, skipping any that would close a cycle.

The winner is the candidate nobody is locked above. Only wins (positive
margins) are locked; candidates left unbeaten at the end are all pairwise
tied, and the TieBreaker picks one (as if the zero-margin pairs were locked in
its order).

Equal margins: when two or more pairs share a margin, the order they are
locked in can matter. The TieBreaker then ranks all standing candidates once
(recorded, purpose "ranked pairs: order of equal margins"), and pairs with
equal margins are locked in the order of that ranking: first the pair whose
winner ranks higher; for the same winner, first the pair whose loser ranks
lower. With no equal margins the result is pref_voting's `ranked_pairs`
exactly; with them, it is one of the winners pref_voting lists (it returns
the winners under every order of equal margins).

Cycle check: a reachability matrix of the locked graph, updated in one
vectorised step per locked pair (O(n²) each), so a pair a → b closes a
cycle exactly when b already reaches a.
"""

from __future__ import annotations

import numpy as np

from charter.domain.tally.common import standing
from charter.domain.tally.condorcet import margins, pairwise_evidence
from charter.domain.tally.profile import Profile
from charter.domain.tally.registry import TallyResult, TieBreaker, tally_method

__all__ = ["ranked_pairs"]

EQUAL_MARGINS = "ranked pairs: order of equal margins"


@tally_method(
    "ranked-pairs",
    summary="Tideman's ranked pairs: lock wins largest margin first, never closing a cycle",
    family="condorcet",
)
def ranked_pairs(profile: Profile, seats: int, ties: TieBreaker) -> TallyResult:
    live = standing(profile)
    margin = margins(profile)
    pairs = [(a, b) for a in live for b in live if margin[a, b] > 0]
    strengths = [float(margin[a, b]) for a, b in pairs]
    equal = len(set(strengths)) < len(strengths)
    position = {c: i for i, c in enumerate(ties.rank(live, EQUAL_MARGINS) if equal else live)}
    pairs.sort(key=lambda pair: (-margin[pair], position[pair[0]], -position[pair[1]]))

    n = len(profile.candidates)
    reach = np.eye(n, dtype=bool)  # reach[x, y]: y is locked below x, directly or through others
    beaten = np.zeros(n, dtype=bool)
    locked: list[dict[str, object]] = []
    skipped: list[dict[str, object]] = []
    for a, b in pairs:
        entry = {
            "winner": profile.candidates[a],
            "loser": profile.candidates[b],
            "margin": float(margin[a, b]),
        }
        if reach[b, a]:
            skipped.append(entry)
            continue
        locked.append(entry)
        beaten[b] = True
        reach |= np.outer(reach[:, a], reach[b, :])
    unbeaten = [c for c in live if not beaten[c]]
    winner = ties.choose(unbeaten, "ranked pairs winner")
    return TallyResult(
        "ranked-pairs",
        (profile.candidates[winner],),
        evidence={
            "pairwise": pairwise_evidence(profile, live),
            "locked": locked,
            "skipped": skipped,
            "unbeaten": [profile.candidates[c] for c in unbeaten],
        },
    )
