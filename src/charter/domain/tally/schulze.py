"""Schulze (beatpath): the candidate whose strongest paths to every rival are at least as strong as theirs.

The strength of a direct link a → b is the *margin* of a over b (P[a, b] −
P[b, a]) when a beats b, and there is no link otherwise; a path is as strong
as its weakest link. This is the variant pref_voting's `beat_path` (alias
Schulze) uses by default (`strength_function=edata.margin`, links only where
`majority_prefers`). Schulze's "winning votes" (P[a, b] alone) gives the same
result on complete strict ballots but can differ on partial ballots or ties;
margins are chosen so that a voter who leaves two candidates unranked counts
for neither side, as in every other pairwise method here.

Strongest paths are found by Floyd–Warshall on the n × n matrix, one
vectorised max–min step per intermediate candidate: O(n³) work, n NumPy steps.
"""

from __future__ import annotations

import numpy as np

from charter.domain.tally.common import Matrix, matrix_by_name, names, standing
from charter.domain.tally.condorcet import margins, pairwise_evidence
from charter.domain.tally.profile import Profile
from charter.domain.tally.registry import TallyResult, TieBreaker, tally_method

__all__ = ["schulze", "strongest_paths"]


def strongest_paths(margin: Matrix) -> Matrix:
    """S[a, b]: the strength of the strongest path from a to b (0 where there is no path).

    Every link is a positive margin, so 0 can stand for "no path" without
    being mistaken for a real one.
    """
    strength = np.where(margin > 0, margin, 0.0)
    np.fill_diagonal(strength, 0.0)
    for k in range(strength.shape[0]):
        through = np.minimum(strength[:, k : k + 1], strength[k : k + 1, :])
        np.maximum(strength, through, out=strength)
    np.fill_diagonal(strength, 0.0)
    return strength


@tally_method(
    "schulze",
    summary="Schulze beatpath winner (path strength = margin)",
    family="condorcet",
)
def schulze(profile: Profile, seats: int, ties: TieBreaker) -> TallyResult:
    """The Schulze winner; when several are unbeaten (equal paths both ways) the TieBreaker picks one."""
    live = standing(profile)
    margin = margins(profile)[np.ix_(live, live)]
    strength = strongest_paths(margin)
    beaten = (strength < strength.T).any(axis=1)
    unbeaten = [live[int(i)] for i in np.flatnonzero(~beaten)]
    winner = ties.choose(unbeaten, "schulze winner")
    full = np.zeros((len(profile.candidates), len(profile.candidates)))
    full[np.ix_(live, live)] = strength
    return TallyResult(
        "schulze",
        (profile.candidates[winner],),
        evidence={
            "pairwise": pairwise_evidence(profile, live),
            "strength": "margin",
            "strongest_paths": matrix_by_name(profile, full, live),
            "unbeaten": list(names(profile, unbeaten)),
        },
    )
