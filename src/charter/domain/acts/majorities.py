"""Decisions of federal bodies that member polities take together: double majorities and vetoes.

A procedure may require several majorities at once — a share of the member
polities and a share of their population, say (the EU Council's qualified
majority: 55% of the members representing 65% of the population) — and may
give members a veto. Each member polity votes through its delegation: the
share of its delegation's votes cast yes is the share of the member (and of its
population) counted yes; a member whose delegation casts more no than yes votes
vetoes, where the procedure gives it a veto. With `majorities`, these replace
the procedure's threshold; the quorum still applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from fractions import Fraction
from typing import Any

from charter.domain.constitution.model import Procedure
from charter.domain.state import Mark, Motion, PolityState
from charter.domain.voting import VoteResult

__all__ = ["member_majorities"]


def _percent(share: Fraction) -> str:
    return f"{float(share) * 100:.2f}%"


def member_majorities(
    state: PolityState,
    motion: Motion,
    procedure: Procedure,
    ballots: Mapping[str, tuple[Mark, ...]],
    result: VoteResult,
    at: datetime,
) -> VoteResult:
    """`result` judged again by the procedure's majorities of member polities and its vetoes."""
    members = sorted(state.member_polities(at), key=lambda m: m.id)
    polity_of = {
        t.person: t.chosen_by
        for t in (*state.past_tenures, *state.tenures)
        if t.post == motion.body
    }
    held = {m.id: 0 for m in members}
    for tenure in state.tenures:
        if tenure.post == motion.body and tenure.active(at) and tenure.chosen_by in held:
            held[tenure.chosen_by] += tenure.votes
    yes = dict.fromkeys(held, 0)
    no = dict.fromkeys(held, 0)
    for voter, marks in ballots.items():
        polity = polity_of.get(voter)
        if polity not in held:
            continue
        for mark in marks:
            if mark.choice == "yes":
                yes[polity] += mark.votes
            elif mark.choice == "no":
                no[polity] += mark.votes
    share = {m: Fraction(yes[m], held[m]) if held[m] else Fraction(0) for m in held}
    conditions: list[dict[str, Any]] = []
    failed: list[str] = []
    for majority in procedure.majorities:
        if majority.criterion == "members":
            total = Fraction(len(members))
            reached = sum(share.values(), Fraction(0))
        else:
            weights = {m.id: Fraction(str(m.criteria.get(majority.criterion, 0))) for m in members}
            total = sum(weights.values(), Fraction(0))
            reached = sum((weights[m] * share[m] for m in held), Fraction(0))
        achieved = reached / total if total else Fraction(0)
        met = total > 0 and achieved >= majority.quota
        conditions.append(
            {
                "criterion": majority.criterion,
                "quota": str(majority.quota),
                "yes": float(reached),
                "total": float(total),
                "share": float(achieved),
                "met": met,
            }
        )
        if not met:
            failed.append(
                f"{majority.criterion}: {_percent(achieved)} yes, {_percent(majority.quota)} needed"
            )
    holders = (
        [m.id for m in members]
        if procedure.veto == "all"
        else [m.id for m in members if m.id in procedure.veto]
        if procedure.veto != "none"
        else []
    )
    vetoes = [m for m in holders if no[m] > yes[m]]
    if procedure.veto != "none":
        conditions.append({"veto": holders, "vetoed_by": vetoes, "met": not vetoes})
    passed = result.quorum_met and not failed and not vetoes
    carried = passed if procedure.majorities else result.carried and not vetoes
    reasons = [*failed, *(f"vetoed by {m}" for m in vetoes)]
    held_text = "; ".join(
        f"{c['criterion']} {c['share'] * 100:.2f}%" for c in conditions if "criterion" in c
    )
    if not result.quorum_met:
        explanation = result.explanation
    elif carried:
        explanation = f"carried by the member polities ({held_text or 'no veto'})"
    else:
        explanation = f"not carried: {'; '.join(reasons) or result.explanation}"
    return replace(
        result,
        carried=carried,
        threshold="majorities of member polities" if procedure.majorities else result.threshold,
        explanation=explanation,
        conditions=tuple(conditions),
    )
