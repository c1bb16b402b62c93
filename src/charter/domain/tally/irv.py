"""Instant-runoff (alternative vote): exclude the weakest candidate round by round until one has a majority.

Each ballot counts for its highest-ranked continuing candidate. Conventions
(chosen so that every profile can be counted, and stated in the evidence):

* **Equal first preferences** are split: a ballot whose highest continuing
  rank is shared by k candidates gives each 1/k of its weight (pref_voting's
  `score_method="split"`). Nothing is thrown away, so tallies always add up
  to the continuing ballots.
* **Exhausted ballots** (no continuing candidate ranked, empty ballots
  included) leave the count; the majority is of the *continuing* ballots.
* **Stopping**: a candidate with more than half of the continuing ballots is
  elected; otherwise the last candidate left is.
* **Elimination ties**: among the candidates tied for fewest votes, the one
  with fewest votes in the earliest round where their tallies differ is
  excluded (the "backwards" rule of many statutes, applied from round 1); if
  they never differed, the TieBreaker ranks them and the last goes (recorded). One candidate
  is excluded per round, so the winner is always one that pref_voting's
  parallel-universe count (`instant_runoff_put`) lists.

Strict ballots (no ties) are counted with a pointer per distinct ballot: its
highest continuing candidate. A round's tallies are one weighted `bincount` of
the pointers, and an exclusion moves on only the ballots that pointed at the
excluded candidate. Ballots with ties are counted by one matrix product per
round over the rank matrix (`first_preferences`). Both give the same tallies.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from charter.domain.tally.common import RELATIVE_TOLERANCE, by_name, standing
from charter.domain.tally.profile import Profile, TallyError
from charter.domain.tally.registry import TallyResult, TieBreaker, progress, tally_method
from charter.domain.tally.stv_common import advance

__all__ = ["first_preferences", "instant_runoff"]

UNRANKED = np.int32(np.iinfo(np.int32).max)  # typed, so it cannot wrap to a smaller int


def first_preferences(
    profile: Profile, continuing: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.float64], float]:
    """Each candidate's share of the ballots that rank a continuing candidate, and the exhausted weight."""
    ranks = profile.ranks.astype(np.int32)
    key = np.where((ranks > 0) & continuing, ranks, UNRANKED)
    top = key.min(axis=1, initial=UNRANKED)
    live = top < UNRANKED
    tops = (key == top[:, None]) & live[:, None]
    shares = tops / np.maximum(tops.sum(axis=1, keepdims=True), 1)
    return profile.counts @ shares, float(profile.counts[~live].sum())


class _Pointers:
    """Strict ballots: each distinct ballot's highest continuing candidate (-1: exhausted).

    With whole-number weights the tallies are kept up to date by the moved ballots alone
    (integer sums in float64 are exact); otherwise each round sums every ballot afresh.
    """

    def __init__(self, profile: Profile, continuing: npt.NDArray[np.bool_]) -> None:
        self.orders = profile.orders
        self.counts = profile.counts
        self.size = len(profile.candidates)
        rows = self.orders.shape[0]
        self.position, self.top = advance(
            self.orders, np.arange(rows), np.zeros(rows, dtype=np.int64), continuing
        )
        self.whole = bool((np.rint(self.counts) == self.counts).all() and profile.total < 2**52)
        self.tally: tuple[npt.NDArray[np.float64], float] | None = None

    def _sum(self, rows: npt.NDArray[np.intp] | None) -> tuple[npt.NDArray[np.float64], float]:
        top = self.top if rows is None else self.top[rows]
        counts = self.counts if rows is None else self.counts[rows]
        live = top >= 0
        if live.all():
            return np.bincount(top, weights=counts, minlength=self.size).astype(np.float64), 0.0
        tallies = np.bincount(top[live], weights=counts[live], minlength=self.size)
        return tallies.astype(np.float64), float(counts[~live].sum())

    def tallies(self) -> tuple[npt.NDArray[np.float64], float]:
        if self.tally is None or not self.whole:
            self.tally = self._sum(None)
        return self.tally[0].copy(), self.tally[1]

    def exclude(self, out: int, continuing: npt.NDArray[np.bool_]) -> None:
        rows = np.flatnonzero(self.top == out)
        self.position[rows], self.top[rows] = advance(
            self.orders, rows, self.position[rows] + 1, continuing
        )
        if self.tally is not None and self.whole:
            moved, exhausted = self._sum(rows)
            tallies = self.tally[0] + moved
            tallies[out] = 0.0
            self.tally = (tallies, self.tally[1] + exhausted)


def _exclusion(
    lowest: list[int],
    history: list[npt.NDArray[np.float64]],
    tolerance: float,
    ties: TieBreaker,
    round_number: int,
) -> tuple[int, str]:
    """Who of the tied `lowest` is excluded, and by which rule."""
    tied = lowest
    for earlier, tallies in enumerate(history, start=1):
        fewest = min(float(tallies[c]) for c in tied)
        tied = [c for c in tied if float(tallies[c]) - fewest <= tolerance]
        if len(tied) == 1:
            return tied[0], f"fewest votes in round {earlier}"
    # The TieBreaker ranks the tied best first (it favours whom it picks); the last of them goes.
    return ties.rank(tied, "irv exclusion", round_number)[-1], "tie-breaker"


@tally_method(
    "irv",
    summary="Instant-runoff: exclude the fewest first preferences until someone has a majority",
    family="sequential",
)
def instant_runoff(profile: Profile, seats: int, ties: TieBreaker) -> TallyResult:
    tolerance = RELATIVE_TOLERANCE * max(1.0, profile.total)
    continuing = np.zeros(len(profile.candidates), dtype=bool)
    continuing[standing(profile)] = True
    history: list[npt.NDArray[np.float64]] = []
    rounds: list[dict[str, Any]] = []
    pointers = _Pointers(profile, continuing) if profile.strict else None
    while True:
        remaining = [int(c) for c in np.flatnonzero(continuing)]
        if not remaining:
            raise TallyError("no candidate is standing")
        if pointers is not None:
            tallies, exhausted = pointers.tallies()
        else:
            tallies, exhausted = first_preferences(profile, continuing)
        active = profile.total - exhausted
        record: dict[str, Any] = {
            "round": len(rounds) + 1,
            "tallies": by_name(profile, tallies, remaining),
            "continuing_ballots": active,
            "exhausted": exhausted,
        }
        rounds.append(record)
        leader = max(remaining, key=lambda c: float(tallies[c]))
        if len(remaining) == 1 or float(tallies[leader]) - active / 2 > tolerance:
            record["elected"] = profile.candidates[leader]
            progress(f"round {len(rounds)}: {profile.candidates[leader]} elected")
            break
        fewest = min(float(tallies[c]) for c in remaining)
        lowest = [c for c in remaining if float(tallies[c]) - fewest <= tolerance]
        out, rule = _exclusion(lowest, history, tolerance, ties, len(rounds))
        record["excluded"] = profile.candidates[out]
        progress(
            f"round {len(rounds)}: {profile.candidates[out]} excluded, "
            f"{len(remaining) - 1} continuing"
        )
        if len(lowest) > 1:
            record["exclusion_tie"] = {
                "among": [profile.candidates[c] for c in lowest],
                "decided_by": rule,
            }
        history.append(tallies)
        continuing[out] = False
        if pointers is not None:
            pointers.exclude(out, continuing)
    return TallyResult(
        "irv",
        (record["elected"],),
        rounds=tuple(rounds),
        evidence={
            "elected_in_round": len(rounds),
            "equal_preferences": "split equally",
            "majority_of": "continuing ballots",
        },
    )
