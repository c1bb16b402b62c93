"""Approval voting: each ballot approves every candidate it ranks first; most approvals win.

An approval ballot is a profile row that ranks its approved candidates all
tied at 1 and leaves the rest unranked, so the same files and profiles carry
approval and ranked ballots. Read on a ranked ballot, the rule approves only
the first choice (or the first-equal choices): lower ranks are not approvals.
"""

from __future__ import annotations

from charter.domain.tally.common import by_name, names, standing, top_n
from charter.domain.tally.profile import Profile
from charter.domain.tally.registry import TallyResult, TieBreaker, tally_method

__all__ = ["approval"]


@tally_method(
    "approval",
    summary="Most approvals (candidates ranked 1) wins (n seats: the n most approved)",
    family="approval",
    multi_winner=True,
)
def approval(profile: Profile, seats: int, ties: TieBreaker) -> TallyResult:
    live = standing(profile)
    approvals = profile.counts @ (profile.ranks == 1)
    winners = top_n(profile, approvals, live, seats, ties, "approval seat")
    return TallyResult(
        "approval",
        names(profile, winners),
        evidence={"approvals": by_name(profile, approvals, live)},
    )
