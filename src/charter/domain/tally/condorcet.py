"""Majority-graph methods: the Condorcet winner, Copeland, and the Smith set.

All read the pairwise matrix of the profile: P[a, b] is the weight of ballots
ranking a above b, where a ranked candidate is above an unranked one and two
unranked (or equally ranked) candidates count for neither. This is
pref_voting's *extended strict preference*
(`ProfileWithTies.use_extended_strict_preference`): a voter who ranks only
some candidates is taken to prefer each of them to every candidate left off.
Withdrawn candidates are left out of the graph, exactly as if struck from
every ballot (removing a candidate changes no other pairwise count).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from charter.domain.tally.common import Matrix, best, by_name, matrix_by_name, names, standing
from charter.domain.tally.profile import Profile
from charter.domain.tally.registry import TallyResult, TieBreaker, tally_method

__all__ = [
    "condorcet",
    "condorcet_winner",
    "copeland",
    "copeland_scores",
    "margins",
    "pairwise_evidence",
    "smith_set",
    "smith_set_of",
]


def margins(profile: Profile) -> Matrix:
    """M[a, b] = P[a, b] − P[b, a]: by how much a beats b head to head (negative: loses)."""
    support = profile.pairwise
    return support - support.T


def pairwise_evidence(profile: Profile, live: Sequence[int]) -> dict[str, dict[str, float]]:
    """The pairwise matrix by name: evidence[a][b] = weight of ballots ranking a above b."""
    return matrix_by_name(profile, profile.pairwise, live)


def condorcet_winner(profile: Profile) -> int | None:
    """The candidate who beats every other standing candidate head to head, if there is one."""
    live = standing(profile)
    margin = margins(profile)
    for c in live:
        if all(margin[c, d] > 0 for d in live if d != c):
            return c
    return None


def copeland_scores(profile: Profile) -> npt.NDArray[np.float64]:
    """Per candidate: 1 for each head-to-head win, 1/2 for each tie, 0 for each loss."""
    live = standing(profile)
    margin = margins(profile)[np.ix_(live, live)]
    points = (margin > 0).astype(np.float64) + 0.5 * (margin == 0)
    np.fill_diagonal(points, 0.0)
    scores = np.zeros(len(profile.candidates))
    scores[live] = points.sum(axis=1)
    return scores


def smith_set_of(margin: Matrix, live: Sequence[int]) -> list[int]:
    """The smallest non-empty set whose every member beats every non-member, from a margin matrix.

    The "beats or ties" relation (margin ≥ 0) is complete, so its strongly
    connected components are totally ordered; the top one is the Smith set:
    the candidates from whom every other candidate can be reached. The
    transitive closure is Warshall's algorithm, one vectorised step per
    candidate (O(n³) work on the n × n matrix).
    """
    if not live:
        return []
    reach = margin[np.ix_(live, live)] >= 0
    np.fill_diagonal(reach, True)
    for k in range(len(live)):
        reach |= reach[:, k : k + 1] & reach[k : k + 1, :]
    top = reach.all(axis=1)
    return [live[int(i)] for i in np.flatnonzero(top)]


def smith_set(profile: Profile) -> list[int]:
    """The Smith set of the standing candidates, in candidate order."""
    return smith_set_of(margins(profile), standing(profile))


@tally_method(
    "condorcet",
    summary="The candidate who beats every other head to head; no winner if there is none",
    family="condorcet",
)
def condorcet(profile: Profile, seats: int, ties: TieBreaker) -> TallyResult:
    """The Condorcet winner, or no winner at all.

    When no candidate beats every other (a majority cycle, or a pairwise tie at
    the top), `winners` is the empty tuple and the evidence says so
    (`condorcet_winner: None`) and gives the Smith set, the candidates a
    completion method would choose among. No tie is broken: this method
    reports, it does not decide.
    """
    live = standing(profile)
    winner = condorcet_winner(profile)
    evidence: dict[str, object] = {
        "pairwise": pairwise_evidence(profile, live),
        "condorcet_winner": None if winner is None else profile.candidates[winner],
    }
    if winner is None:
        evidence["reason"] = "no candidate beats every other head to head"
        evidence["smith_set"] = list(names(profile, smith_set(profile)))
    return TallyResult(
        "condorcet", () if winner is None else (profile.candidates[winner],), evidence=evidence
    )


@tally_method(
    "copeland",
    summary="Most head-to-head wins (a tie counts 1/2)",
    family="condorcet",
)
def copeland(profile: Profile, seats: int, ties: TieBreaker) -> TallyResult:
    live = standing(profile)
    scores = copeland_scores(profile)
    leaders = best(profile, scores, live)
    winner = ties.choose(leaders, "copeland winner")
    return TallyResult(
        "copeland",
        (profile.candidates[winner],),
        evidence={
            "pairwise": pairwise_evidence(profile, live),
            "copeland_scores": by_name(profile, scores, live),
            "copeland_leaders": list(names(profile, leaders)),
        },
    )


@tally_method(
    "smith-set",
    summary="Every candidate of the Smith set (the smallest set beating everyone outside it)",
    family="condorcet",
)
def smith(profile: Profile, seats: int, ties: TieBreaker) -> TallyResult:
    """The whole Smith set as `winners`: a set-valued result, possibly several names.

    It is a shortlist, not an election: with one seat it still returns every
    member (one name exactly when there is a Condorcet winner), in candidate
    order, and breaks no tie.
    """
    live = standing(profile)
    members = smith_set(profile)
    return TallyResult(
        "smith-set",
        names(profile, members),
        evidence={
            "pairwise": pairwise_evidence(profile, live),
            "smith_set": list(names(profile, members)),
        },
    )
