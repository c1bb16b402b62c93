"""Small pure helpers the counting methods share: who is standing, pairwise evidence, top-n choice.

Kept apart so each method module holds only its own rule. Nothing here
decides a tie by itself: every tie goes to the TieBreaker, which records it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from charter.domain.tally.profile import Profile
from charter.domain.tally.registry import TieBreaker

__all__ = [
    "Matrix",
    "best",
    "by_name",
    "matrix_by_name",
    "names",
    "standing",
    "top_n",
]

Matrix = npt.NDArray[np.float64]

#: Scores closer than this (relative to the total weight) are equal: fractional
#: shares such as 1/3 + 1/3 + 1/3 must tie with 1 however the floats round.
RELATIVE_TOLERANCE = 1e-9


def standing(profile: Profile) -> list[int]:
    """Indices of the candidates still standing (not withdrawn), in candidate order."""
    return [c for c in range(len(profile.candidates)) if c not in profile.withdrawn]


def names(profile: Profile, indices: Sequence[int]) -> tuple[str, ...]:
    """Candidate names for indices, in the order given."""
    return tuple(profile.candidates[c] for c in indices)


def by_name(profile: Profile, scores: npt.ArrayLike, among: Sequence[int]) -> dict[str, float]:
    """A score vector (one entry per candidate) as {name: score} for the candidates `among`."""
    values = np.asarray(scores, dtype=np.float64)
    return {profile.candidates[c]: float(values[c]) for c in among}


def matrix_by_name(
    profile: Profile, matrix: npt.ArrayLike, among: Sequence[int]
) -> dict[str, dict[str, float]]:
    """A candidate × candidate matrix as {row name: {column name: value}}, diagonal left out."""
    values = np.asarray(matrix, dtype=np.float64)
    return {
        profile.candidates[a]: {profile.candidates[b]: float(values[a, b]) for b in among if b != a}
        for a in among
    }


def _tolerance(profile: Profile) -> float:
    return RELATIVE_TOLERANCE * max(1.0, profile.total)


def best(profile: Profile, scores: npt.ArrayLike, among: Sequence[int]) -> list[int]:
    """The candidates `among` whose score is highest (within float tolerance), in candidate order."""
    values = np.asarray(scores, dtype=np.float64)
    if not among:
        return []
    top = max(float(values[c]) for c in among)
    return [c for c in among if top - float(values[c]) <= _tolerance(profile)]


def top_n(
    profile: Profile,
    scores: npt.ArrayLike,
    among: Sequence[int],
    seats: int,
    ties: TieBreaker,
    purpose: str,
) -> list[int]:
    """The `seats` highest-scoring candidates, best first; a tie at the last seat goes to `ties`.

    Candidates tied for seats that all of them fill are taken in candidate
    order without a draw (no tie needs breaking); only a tie that decides who
    is in and who is out is broken, and so recorded.
    """
    winners: list[int] = []
    remaining = list(among)
    while len(winners) < seats and remaining:
        tied = best(profile, scores, remaining)
        if len(tied) > seats - len(winners):
            tied = ties.rank(tied, purpose)[: seats - len(winners)]
        winners.extend(tied)
        remaining = [c for c in remaining if c not in tied]
    return winners
