"""Named example profiles shared by the tally tests, and a bridge to pref_voting for cross-checks."""

from __future__ import annotations

import numpy as np
from pref_voting.profiles_with_ties import ProfileWithTies

from charter.domain.tally import Profile
from conftest import SHARED_DATA

# ../shared/data/debian-dpl next to the repository: real Debian ballots in PrefLib format.
DEBIAN = SHARED_DATA / "debian-dpl"

# A majority cycle with distinct margins: A>B by 3, B>C by 5, C>A by 1.
CYCLE = Profile.from_rankings(
    ["A", "B", "C"],
    [(["A", "B", "C"], 4), (["B", "C", "A"], 3), (["C", "A", "B"], 2)],
)

# B beats everyone head to head, though A has the most first preferences.
CONDORCET_WINNER = Profile.from_rankings(
    ["A", "B", "C", "D"],
    [
        (["A", "B", "C", "D"], 8),
        (["B", "C", "A", "D"], 5),
        (["C", "B", "D", "A"], 6),
        (["D", "B", "A", "C"], 2),
    ],
)

# Voters who rank only some candidates (and one who ranks nobody).
PARTIAL = Profile.from_rankings(
    ["Ana", "Ben", "Cai", "Dee"],
    [
        (["Ana"], 5),
        (["Ben", "Cai"], 4),
        (["Cai", "Ben", "Dee"], 3),
        (["Dee", "Ana"], 2),
        ([], 1),
    ],
)

# Ballots that rank some candidates equal, first place included.
TIED = Profile.from_rankings(
    ["A", "B", "C", "D"],
    [
        ([("A", "B"), "C"], 3),
        (["C", ("A", "D")], 2),
        ([("B", "C", "D")], 2),
        (["D", "A", "B", "C"], 2),
    ],
)

# A perfectly balanced electorate: every count ends in a tie the TieBreaker must break.
BALANCED = Profile.from_rankings(
    ["A", "B", "C"],
    [(["A", "B", "C"], 1), (["B", "C", "A"], 1), (["C", "A", "B"], 1)],
)

ONE_CANDIDATE = Profile.from_rankings(["Solo"], [(["Solo"], 3), ([], 1)])

# Every ballot is blank: nobody ranks anybody.
ALL_EMPTY = Profile.from_rankings(["A", "B", "C"], [([], 4)])

# No ballots at all.
NO_BALLOTS = Profile(("A", "B"), np.zeros((0, 2), dtype=np.int16), np.zeros(0))

PROFILES: dict[str, Profile] = {
    "cycle": CYCLE,
    "condorcet-winner": CONDORCET_WINNER,
    "partial": PARTIAL,
    "tied": TIED,
    "balanced": BALANCED,
    "one-candidate": ONE_CANDIDATE,
    "all-empty": ALL_EMPTY,
    "no-ballots": NO_BALLOTS,
}


def to_pref_voting(profile: Profile) -> ProfileWithTies:
    """The same ballots as pref_voting's ProfileWithTies, candidates numbered as our columns.

    Unranked candidates are below every ranked one for pairwise comparisons
    (`use_extended_strict_preference`), as in Charter's pairwise matrix.
    """
    rankings = [
        {c: int(rank) for c, rank in enumerate(row) if rank > 0} for row in profile.ranks.tolist()
    ]
    counts = [int(c) if float(c).is_integer() else float(c) for c in profile.counts]
    pv = ProfileWithTies(rankings, rcounts=counts, candidates=list(range(len(profile.candidates))))
    pv.use_extended_strict_preference()
    return pv


def indices(profile: Profile, names: tuple[str, ...] | list[str]) -> list[int]:
    """Candidate indices for names, sorted (pref_voting's way of listing winners)."""
    return sorted(profile.candidates.index(name) for name in names)
