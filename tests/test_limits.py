"""Every kind of limit on a power: one act it lets through, one it stops.

A granted act must cite the clause that allows it; a refused act must say what
stops it, in words that name the clause or the problem.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from charter import Act, Constitution, Entry, Founding, Polity
from charter.domain.invariants import violations
from conftest import COOP_MEMBERS, COOP_POSTS, COOP_START, coop_variant, day

# --- helpers ---------------------------------------------------------------------------------


def _board_sets_its_own_agenda(data: dict[str, Any]) -> None:
    # The chair keeps the members' agenda; with no clause granting set-agenda over
    # the board, every board seat holder may put a board motion to the vote.
    data["offices"]["chair"]["powers"][0]["scope"] = {"bodies": ["members"]}


def coop_polity(constitution: Constitution) -> Polity:
    return Polity(constitution, Founding(time=COOP_START, members=COOP_MEMBERS, posts=COOP_POSTS))


def act(actor: str, kind: str, when: datetime, **kwargs: Any) -> Act:
    args = kwargs.pop("args", {})
    return Act(actor=actor, kind=kind, time=when, args=args, **kwargs)


def spend(polity: Polity, when: datetime, matter: str = "finance", **kwargs: Any) -> Entry:
    return polity.apply(
        act("ben", "exercise", when, power="spend", args={"matter": matter}, **kwargs)
    )


def board_motion(
    polity: Polity,
    motion: str,
    action: dict[str, Any],
    when: datetime,
    *,
    mover: str = "cai",
    presider: str = "ana",
    voters: tuple[str, ...] = ("ana", "ben", "cai"),
) -> Entry:
    """Table a board motion; if it is in order, put it to the vote, vote yes and declare."""
    tabled = polity.apply(
        act(
            mover,
            "table-motion",
            when,
            args={"body": "board", "motion": motion, "text": motion, "action": action},
        )
    )
    if not tabled.outcome.granted:
        return tabled
    assert polity.apply(act(presider, "open-vote", when, args={"motion": motion})).outcome.granted
    for voter in voters:
        ballot = act(voter, "cast-ballot", when, args={"motion": motion, "choice": "yes"})
        assert polity.apply(ballot).outcome.granted
    return polity.apply(act(presider, "declare-result", when, args={"motion": motion}))


def members_motion(
    polity: Polity,
    motion: str,
    action: dict[str, Any],
    when: datetime,
    *,
    voters: tuple[str, ...] = ("ana", "ben", "cai", "dee", "eve", "gus"),
) -> Entry:
    """Table a general-meeting motion (gus moves, hal seconds); vote yes after 15 days; declare."""
    tabled = polity.apply(
        act(
            "gus",
            "table-motion",
            when,
            args={"body": "members", "motion": motion, "text": motion, "action": action},
        )
    )
    if not tabled.outcome.granted:
        return tabled
    assert polity.apply(act("hal", "second-motion", when, args={"motion": motion})).outcome.granted
    later = when + timedelta(days=15)
    assert polity.apply(act("ana", "open-vote", later, args={"motion": motion})).outcome.granted
    for voter in voters:
        ballot = act(voter, "cast-ballot", later, args={"motion": motion, "choice": "yes"})
        assert polity.apply(ballot).outcome.granted
    return polity.apply(act("ana", "declare-result", later, args={"motion": motion}))


def assert_refused(entry: Entry, *fragments: str) -> None:
    assert entry.outcome.verdict == "refused", entry.outcome
    assert entry.outcome.effects == ()
    for fragment in fragments:
        assert fragment in entry.outcome.basis


def assert_granted(entry: Entry, clause: str) -> None:
    assert entry.outcome.verdict == "granted", entry.outcome.basis
    assert entry.outcome.basis == clause


# --- scope ----------------------------------------------------------------------------------


def test_treasurer_may_spend_on_finance_within_his_scope(coop: Polity) -> None:
    entry = spend(coop, day(2026, 2, 1), cosigned_by=("ana",))
    assert_granted(entry, "offices.treasurer.powers[0]")
    assert coop.state.uses()[-1].clause == "offices.treasurer.powers[0]"
    assert coop.state.uses()[-1].actor == "ben"


def test_auditor_inspection_reaches_the_treasurer(coop: Polity) -> None:
    entry = coop.apply(act("fay", "inspect", day(2026, 2, 1), args={"office": "treasurer"}))
    assert_granted(entry, "offices.auditor.powers[0]")
    (inspection,) = coop.state.inspections
    assert (inspection.inspector, inspection.target, inspection.target_kind) == (
        "fay",
        "treasurer",
        "office",
    )


def test_auditor_inspection_does_not_reach_a_member_without_office(coop: Polity) -> None:
    entry = coop.apply(act("fay", "inspect", day(2026, 2, 1), args={"person": "gus"}))
    assert_refused(entry, "offices.auditor.powers[0]", "does not reach 'gus'")
    assert list(coop.state.inspections) == []


def test_auditor_inspection_does_not_reach_an_office_outside_its_scope(coop: Polity) -> None:
    entry = coop.apply(act("fay", "inspect", day(2026, 2, 1), args={"office": "auditor"}))
    assert_refused(entry, "offices.auditor.powers[0]", "does not reach 'auditor'")


# --- reserved targets --------------------------------------------------------------------------


def test_treasurer_cannot_spend_on_reserved_maintenance(coop: Polity) -> None:
    entry = spend(coop, day(2026, 2, 1), matter="maintenance", cosigned_by=("ana",))
    assert_refused(entry, "offices.treasurer.powers[0]", "reserves 'maintenance'")
    assert coop.state.uses() == ()


def test_treasurers_reservation_does_not_bind_the_board(coop: Polity) -> None:
    action = {"act": "exercise", "power": "spend", "matter": "maintenance"}
    declared = board_motion(coop, "roof", action, day(2026, 2, 1))
    assert declared.outcome.granted
    assert coop.state.motions["roof"].effect.endswith("(bodies.board.powers[0])")
    assert coop.state.uses()[-1].clause == "bodies.board.powers[0]"


# --- quota per period ----------------------------------------------------------------------------


def test_treasurer_cannot_spend_beyond_monthly_quota(coop: Polity) -> None:
    for day_ in (1, 2, 3):
        assert_granted(
            spend(coop, day(2026, 2, day_), cosigned_by=("ana",)), "offices.treasurer.powers[0]"
        )
    fourth = spend(coop, day(2026, 2, 20), cosigned_by=("ana",))
    assert_refused(
        fourth,
        "quota exhausted",
        "offices.treasurer.powers[0].quota",
        "allows 3 uses of 'spend' per 1 month",
        "3 used",
    )
    assert len(coop.state.uses()) == 3


def test_refused_spending_does_not_use_up_the_quota(coop: Polity) -> None:
    for day_ in (1, 2):
        spend(coop, day(2026, 2, day_))  # refused: no co-signature
    for day_ in (3, 4, 5):
        assert spend(coop, day(2026, 2, day_), cosigned_by=("ana",)).outcome.granted


def test_treasurer_may_spend_again_once_the_quota_period_has_passed(coop: Polity) -> None:
    for day_ in (1, 2, 3):
        spend(coop, day(2026, 2, day_), cosigned_by=("ana",))
    assert not spend(coop, day(2026, 2, 28), cosigned_by=("ana",)).outcome.granted
    # A month after the first use, that use has left the window (of one month up to now).
    entry = spend(coop, day(2026, 3, 1), cosigned_by=("ana",))
    assert_granted(entry, "offices.treasurer.powers[0]")
    # ... but the uses of 2 and 3 February are still in it.
    refused = spend(coop, day(2026, 3, 1), cosigned_by=("ana",))
    assert_refused(refused, "quota exhausted", "3 used since 2026-02-01")


# --- co-signature ------------------------------------------------------------------------------


def test_treasurer_cannot_spend_without_the_chairs_cosignature(coop: Polity) -> None:
    entry = spend(coop, day(2026, 2, 1))
    assert_refused(entry, "co-signature of Chair", "offices.treasurer.powers[0].cosign")


def test_cosignature_by_someone_not_holding_the_named_office_does_not_count(coop: Polity) -> None:
    entry = spend(coop, day(2026, 2, 1), cosigned_by=("cai", "gus"))
    assert_refused(entry, "co-signature of Chair", "offices.treasurer.powers[0].cosign")


def test_chair_appoints_treasurer_with_a_board_cosignature(coop: Polity) -> None:
    coop.apply(act("ben", "resign", day(2026, 2, 1), args={"office": "treasurer"}))
    entry = coop.apply(
        act(
            "ana",
            "appoint",
            day(2026, 2, 2),
            args={"office": "treasurer", "person": "cai"},
            cosigned_by=("dee",),
        )
    )
    assert_granted(entry, "offices.treasurer.filled_by")
    assert coop.state.holders("treasurer") == ("cai",)


def test_chair_cannot_cosign_her_own_appointment(coop: Polity) -> None:
    coop.apply(act("ben", "resign", day(2026, 2, 1), args={"office": "treasurer"}))
    # ana sits on the board, but the actor's own signature is no co-signature.
    entry = coop.apply(
        act(
            "ana",
            "appoint",
            day(2026, 2, 2),
            args={"office": "treasurer", "person": "cai"},
            cosigned_by=("ana",),
        )
    )
    assert_refused(
        entry, "co-signature of Board of Directors", "offices.treasurer.filled_by.cosign"
    )
    assert coop.state.holders("treasurer") == ()


# --- term ------------------------------------------------------------------------------------


def test_treasurer_may_spend_on_the_last_day_of_his_term(coop: Polity) -> None:
    entry = spend(coop, day(2027, 1, 9), cosigned_by=("ana",))
    assert_granted(entry, "offices.treasurer.powers[0]")


def test_treasurer_powers_lapse_when_his_term_ends(coop: Polity) -> None:
    entry = spend(coop, day(2027, 1, 10), cosigned_by=("ana",))
    assert_refused(entry, "ben's term as Treasurer ended on 2027-01-10", "offices.treasurer.term")


def test_auditor_cannot_inspect_after_her_term(coop: Polity) -> None:
    entry = coop.apply(act("fay", "inspect", day(2027, 3, 1), args={"office": "treasurer"}))
    assert_refused(entry, "term as Auditor ended on 2027-01-10", "offices.auditor.term")


# --- term limit ----------------------------------------------------------------------------


def test_chair_may_be_elected_to_a_second_term_but_not_a_third() -> None:
    polity = coop_polity(coop_variant(_board_sets_its_own_agenda))
    elect_ana = {"act": "elect", "office": "chair", "person": "ana"}
    assert polity.apply(
        act("ana", "resign", day(2026, 2, 1), args={"office": "chair"})
    ).outcome.granted
    second = board_motion(polity, "chair-2", elect_ana, day(2026, 2, 2), presider="cai")
    assert second.outcome.granted
    assert polity.state.motions["chair-2"].effect.endswith("(offices.chair.filled_by)")
    assert polity.state.holders("chair") == ("ana",)

    assert polity.apply(
        act("ana", "resign", day(2026, 3, 1), args={"office": "chair"})
    ).outcome.granted
    third = board_motion(polity, "chair-3", elect_ana, day(2026, 3, 2), presider="cai")
    assert_refused(
        third,
        "motion out of order",
        "ana has served 2 terms as Chair",
        "the limit is 2 (offices.chair.term_limit)",
    )
    assert "chair-3" not in polity.state.motions
    assert polity.state.holders("chair") == ()


# --- incompatibility -------------------------------------------------------------------------


def test_auditor_cannot_be_appointed_treasurer(coop: Polity) -> None:
    coop.apply(act("ben", "resign", day(2026, 2, 1), args={"office": "treasurer"}))
    entry = coop.apply(
        act(
            "ana",
            "appoint",
            day(2026, 2, 2),
            args={"office": "treasurer", "person": "fay"},
            cosigned_by=("dee",),
        )
    )
    assert_refused(
        entry,
        "fay cannot hold Treasurer while holding Auditor",
        "offices.treasurer.incompatible_with",
    )
    assert coop.state.holders("treasurer") == ()


@pytest.mark.parametrize(
    ("person", "office", "clause"),
    [("ana", "Chair", "offices.chair"), ("ben", "Treasurer", "offices.treasurer")],
)
def test_chair_or_treasurer_cannot_become_auditor(
    coop: Polity, person: str, office: str, clause: str
) -> None:
    polity = coop
    assert polity.apply(
        act("fay", "resign", day(2026, 2, 1), args={"office": "auditor"})
    ).outcome.granted
    nominate = {"act": "nominate", "office": "auditor", "person": person}
    assert board_motion(polity, "nominate", nominate, day(2026, 2, 2)).outcome.granted
    entry = members_motion(
        polity, "elect", {"act": "elect", "office": "auditor", "person": person}, day(2026, 2, 3)
    )
    assert_refused(
        entry,
        "motion out of order",
        f"{person} cannot hold Auditor while holding {office}",
        f"({clause}.incompatible_with)",
    )
    assert polity.state.holders("auditor") == ()


# --- factions --------------------------------------------------------------------------------


def test_faction_is_refused_where_the_constitution_bans_them(
    rcp_constitution: Constitution,
) -> None:
    polity = Polity(
        rcp_constitution,
        Founding(time=date(1923, 10, 1), members=("trotsky", "preobrazhensky", "pyatakov")),
    )
    entry = polity.apply(
        Act(
            actor="trotsky",
            kind="form-faction",
            time=date(1923, 10, 15),
            args={"faction": "the-46"},
            cosigned_by=("preobrazhensky", "pyatakov"),
        )
    )
    assert_refused(entry, "factions are banned", "(factions.allowed)")
    assert polity.state.factions == {}


def test_coop_faction_formed_by_three_founders(coop: Polity) -> None:
    entry = coop.apply(
        act(
            "gus",
            "form-faction",
            day(2026, 2, 1),
            args={"faction": "greens"},
            cosigned_by=("hal", "eve"),
        )
    )
    assert_granted(entry, "factions.allowed")
    assert coop.state.factions["greens"].members == frozenset({"gus", "hal", "eve"})


def test_coop_faction_refused_with_fewer_than_three_founders(coop: Polity) -> None:
    entry = coop.apply(
        act(
            "gus", "form-faction", day(2026, 2, 1), args={"faction": "greens"}, cosigned_by=("hal",)
        )
    )
    assert_refused(entry, "needs 3 founders", "factions.min_founders", "2 signed")
    assert coop.state.factions == {}


def test_coop_faction_founder_counted_once_when_cosigning_himself(coop: Polity) -> None:
    entry = coop.apply(
        act(
            "gus",
            "form-faction",
            day(2026, 2, 1),
            args={"faction": "greens"},
            cosigned_by=("gus", "hal"),
        )
    )
    assert_refused(entry, "factions.min_founders", "2 signed")


# --- nomination requirement --------------------------------------------------------------------


def test_auditor_cannot_be_elected_without_the_boards_nomination(coop: Polity) -> None:
    coop.apply(act("fay", "resign", day(2026, 2, 1), args={"office": "auditor"}))
    entry = members_motion(
        coop, "elect", {"act": "elect", "office": "auditor", "person": "hal"}, day(2026, 2, 2)
    )
    assert_refused(
        entry,
        "motion out of order",
        "hal has not been nominated for auditor by Board of Directors",
        "offices.auditor.filled_by.nominated_by",
    )


def test_auditor_elected_by_the_members_from_the_boards_nominee(coop: Polity) -> None:
    polity = coop
    polity.apply(act("fay", "resign", day(2026, 2, 1), args={"office": "auditor"}))
    nominate = {"act": "nominate", "office": "auditor", "person": "hal"}
    assert board_motion(polity, "nominate", nominate, day(2026, 2, 2)).outcome.granted
    assert [(n.person, n.post, n.by) for n in polity.state.nominations] == [
        ("hal", "auditor", "board")
    ]
    declared = members_motion(
        polity, "elect", {"act": "elect", "office": "auditor", "person": "hal"}, day(2026, 2, 3)
    )
    assert declared.outcome.granted
    assert polity.state.motions["elect"].effect.endswith("(offices.auditor.filled_by)")
    assert polity.state.holders("auditor") == ("hal",)
    assert list(polity.state.nominations) == []  # the nomination is used up
    assert violations(polity.state) == []


# --- seats -----------------------------------------------------------------------------------


def test_treasurer_cannot_be_appointed_while_the_seat_is_filled(coop: Polity) -> None:
    entry = coop.apply(
        act(
            "ana",
            "appoint",
            day(2026, 2, 1),
            args={"office": "treasurer", "person": "cai"},
            cosigned_by=("dee",),
        )
    )
    assert_refused(entry, "Treasurer has no free seat", "1 seat, all filled")
    assert coop.state.holders("treasurer") == ("ben",)


def test_board_cannot_elect_a_chair_while_the_chair_is_filled() -> None:
    polity = coop_polity(coop_variant(_board_sets_its_own_agenda))
    entry = board_motion(
        polity, "chair", {"act": "elect", "office": "chair", "person": "cai"}, day(2026, 2, 1)
    )
    assert_refused(entry, "motion out of order", "Chair has no free seat")


# --- body powers only through a carried motion -----------------------------------------------------


def test_board_member_cannot_spend_the_boards_money_directly(coop: Polity) -> None:
    entry = coop.apply(
        act("cai", "exercise", day(2026, 2, 1), power="spend", args={"matter": "maintenance"})
    )
    assert_refused(
        entry,
        "cai holds no office with power 'spend'",
        "belongs to Board of Directors",
        "carried motion",
        "bodies.board.powers[0]",
    )
    assert coop.state.uses() == ()


def test_board_member_cannot_elect_the_chair_directly(coop: Polity) -> None:
    coop.apply(act("ana", "resign", day(2026, 2, 1), args={"office": "chair"}))
    entry = coop.apply(
        act("cai", "elect", day(2026, 2, 2), args={"office": "chair", "person": "cai"})
    )
    assert_refused(entry, "belongs to Board of Directors", "offices.chair.filled_by")
    assert coop.state.holders("chair") == ()


def test_board_spends_on_maintenance_through_a_carried_motion(coop: Polity) -> None:
    action = {"act": "exercise", "power": "spend", "matter": "maintenance"}
    declared = board_motion(coop, "boiler", action, day(2026, 2, 1))
    assert declared.outcome.granted
    assert "'spend' exercised" in declared.outcome.effects
    (use,) = coop.state.uses()
    assert (use.clause, use.actor) == ("bodies.board.powers[0]", "board")


def test_single_member_cannot_expel_without_the_general_meeting(coop: Polity) -> None:
    entry = coop.apply(act("gus", "expel", day(2026, 2, 1), args={"person": "hal"}))
    assert_refused(
        entry, "gus holds no office with power 'expel'", "members together", "members.expulsion[0]"
    )
    assert "hal" in coop.state.members


def test_single_member_cannot_remove_the_chair(coop: Polity) -> None:
    entry = coop.apply(
        act("gus", "dismiss", day(2026, 2, 1), args={"office": "chair", "person": "ana"})
    )
    assert_refused(entry, "members together", "general meeting", "offices.chair.removal")
    assert coop.state.holders("chair") == ("ana",)


def test_general_meeting_removes_the_chair_by_absolute_majority(coop: Polity) -> None:
    dismiss = {"act": "dismiss", "office": "chair", "person": "ana"}
    declared = members_motion(
        coop, "out", dismiss, day(2026, 2, 1), voters=("ben", "cai", "dee", "eve", "gus")
    )
    assert declared.outcome.granted
    assert "ana removed from Chair" in declared.outcome.effects
    assert coop.state.motions["out"].effect.endswith("(offices.chair.removal)")
    assert coop.state.holders("chair") == ()


def test_outsider_cannot_use_the_members_powers(coop: Polity) -> None:
    entry = coop.apply(act("zed", "expel", day(2026, 2, 1), args={"person": "hal"}))
    assert_refused(entry, "zed holds no office with power 'expel'")
    assert "hal" in coop.state.members


# --- inspection ------------------------------------------------------------------------------


@pytest.fixture
def rcp_commissar(rcp_constitution: Constitution) -> Polity:
    """Stalin as General Secretary and Commissar of the Inspection at once, as until April 1922."""
    return Polity(
        rcp_constitution,
        Founding(
            time=date(1922, 4, 3),
            members=("stalin", "molotov", "kamenev"),
            posts={
                "general-secretary": ("stalin",),
                "inspection-commissar": ("stalin",),
                "secretary": ("molotov",),
            },
        ),
    )


def test_inspection_commissar_may_inspect_an_office_held_by_another(rcp_commissar: Polity) -> None:
    entry = rcp_commissar.apply(
        Act(actor="stalin", kind="inspect", time=date(1922, 4, 4), args={"office": "secretary"})
    )
    assert_granted(entry, "offices.inspection-commissar.powers[0]")


def test_inspector_cannot_inspect_an_office_he_holds(rcp_commissar: Polity) -> None:
    before = rcp_commissar.state
    entry = rcp_commissar.apply(
        Act(
            actor="stalin",
            kind="inspect",
            time=date(1922, 4, 4),
            args={"office": "general-secretary"},
        )
    )
    assert_refused(entry, "stalin cannot inspect General Secretary", "holds it")
    assert rcp_commissar.state == replace(before, time=entry.act.time, next_index=1)


def test_auditor_cannot_inspect_a_board_she_sits_on(coop_constitution: Constitution) -> None:
    posts = {**COOP_POSTS, "board": ("ana", "ben", "cai", "dee", "fay")}
    polity = Polity(coop_constitution, Founding(time=COOP_START, members=COOP_MEMBERS, posts=posts))
    entry = polity.apply(act("fay", "inspect", day(2026, 2, 1), args={"body": "board"}))
    assert_refused(entry, "fay cannot inspect Board of Directors", "sits in it")
    assert list(polity.state.inspections) == []
