"""Motions and votes: tabling, seconding, debate, ballots, thresholds, quorums and results."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest

from charter import Act, ActError, Entry, Polity
from charter.domain.constitution.types import Quorum, Threshold
from charter.domain.invariants import violations
from charter.domain.state import Mark
from charter.domain.voting import Count, count_decision
from conftest import COOP_MEMBERS, coop_variant, cooperative_founding, day

T0 = day(2026, 2, 1)
EVERYONE = COOP_MEMBERS  # ana ben cai dee eve fay gus hal


def act(actor: str, kind: str, when: datetime = T0, **args: Any) -> Act:
    return Act(actor=actor, kind=kind, time=when, args=args)


def apply(polity: Polity, actor: str, kind: str, when: datetime = T0, **args: Any) -> Entry:
    return polity.apply(act(actor, kind, when, **args))


def table(
    polity: Polity,
    motion: str,
    body: str = "members",
    mover: str = "gus",
    when: datetime = T0,
    action: dict[str, Any] | None = None,
) -> Entry:
    args: dict[str, Any] = {"body": body, "motion": motion, "text": f"Motion {motion}"}
    if action is not None:
        args["action"] = action
    return polity.apply(Act(actor=mover, kind="table-motion", time=when, args=args))


def vote(polity: Polity, motion: str, when: datetime, **choices: str) -> None:
    for voter, choice in choices.items():
        entry = apply(polity, voter, "cast-ballot", when, motion=motion, choice=choice)
        assert entry.outcome.granted, entry.outcome.basis


def ready_members_motion(
    polity: Polity, motion: str, action: dict[str, Any] | None = None, days: int = 15
) -> datetime:
    """Table (gus), second (hal) and open (ana, the chair) a general-meeting motion; return when."""
    assert table(polity, motion, action=action).outcome.granted
    assert apply(polity, "hal", "second-motion", motion=motion).outcome.granted
    when = T0 + timedelta(days=days)
    assert apply(polity, "ana", "open-vote", when, motion=motion).outcome.granted
    return when


def ready_board_motion(polity: Polity, motion: str, action: dict[str, Any] | None = None) -> None:
    assert table(polity, motion, body="board", mover="cai", action=action).outcome.granted
    assert apply(polity, "ana", "open-vote", motion=motion).outcome.granted


def assert_refused(entry: Entry, *fragments: str) -> None:
    assert entry.outcome.verdict == "refused", entry.outcome
    for fragment in fragments:
        assert fragment in entry.outcome.basis


# --- tabling ---------------------------------------------------------------------------------


def test_any_member_tables_in_the_general_meeting(coop: Polity) -> None:
    entry = table(coop, "paint")
    assert entry.outcome.granted
    assert entry.outcome.basis == "members.powers[0]"
    motion = coop.state.motions["paint"]
    assert (motion.body, motion.mover, motion.status, motion.procedure) == (
        "members",
        "gus",
        "tabled",
        "ordinary",
    )


def test_outsider_cannot_table_in_the_general_meeting(coop: Polity) -> None:
    entry = table(coop, "paint", mover="zed")
    assert_refused(entry, "zed holds no office with power 'propose-motion' over 'members'")
    assert "paint" not in coop.state.motions


def test_non_board_member_cannot_table_in_the_board(coop: Polity) -> None:
    entry = table(coop, "roof", body="board", mover="gus")
    assert_refused(entry, "gus holds no seat in Board of Directors")
    assert coop.state.motions == {}


def test_board_member_tables_in_the_board_by_her_seat(coop: Polity) -> None:
    entry = table(coop, "roof", body="board", mover="cai")
    assert entry.outcome.granted
    assert "board" in entry.outcome.basis
    assert coop.state.motions["roof"].procedure == "board"


def test_out_of_order_motion_is_refused_at_tabling(coop: Polity) -> None:
    entry = table(
        coop, "purge", body="board", mover="cai", action={"act": "expel", "person": "gus"}
    )
    assert_refused(entry, "motion out of order", "Board of Directors holds no power 'expel'")
    assert "purge" not in coop.state.motions
    assert coop.record[-1] is entry  # refused, and kept as evidence


def test_motion_with_the_same_id_is_malformed(coop: Polity) -> None:
    table(coop, "paint")
    with pytest.raises(ActError, match="already exists"):
        table(coop, "paint", mover="hal")
    assert coop.state.motions["paint"].mover == "gus"


def test_motion_in_an_unknown_body_is_malformed(coop: Polity) -> None:
    with pytest.raises(ActError, match="unknown body 'baord'"):
        table(coop, "paint", body="baord")
    assert coop.record == ()


def test_expulsion_motion_follows_the_procedure_of_its_clause(coop: Polity) -> None:
    table(coop, "out", action={"act": "expel", "person": "hal"})
    assert coop.state.motions["out"].procedure == "two-thirds"


# --- seconding, debate, withdrawal ---------------------------------------------------------------


def test_motion_requiring_a_seconder_cannot_be_put_to_the_vote_unseconded(coop: Polity) -> None:
    table(coop, "paint")
    entry = apply(coop, "ana", "open-vote", T0 + timedelta(days=10), motion="paint")
    assert_refused(entry, "has not been seconded", "procedures.ordinary.seconding")
    assert coop.state.motions["paint"].status == "tabled"


def test_seconded_motion_may_be_put_to_the_vote_after_debate(coop: Polity) -> None:
    table(coop, "paint")
    seconded = apply(coop, "hal", "second-motion", motion="paint")
    assert seconded.outcome.granted
    assert seconded.outcome.basis == "members.powers[1]"
    opened = apply(coop, "ana", "open-vote", T0 + timedelta(days=7), motion="paint")
    assert opened.outcome.granted
    assert opened.outcome.basis == "offices.chair.powers[0]"
    assert coop.state.motions["paint"].status == "open"


def test_mover_cannot_second_his_own_motion(coop: Polity) -> None:
    table(coop, "paint")
    entry = apply(coop, "gus", "second-motion", motion="paint")
    assert_refused(entry, "gus moved 'paint' and cannot second it")
    assert coop.state.motions["paint"].seconder is None


def test_motion_is_seconded_only_once(coop: Polity) -> None:
    table(coop, "paint")
    apply(coop, "hal", "second-motion", motion="paint")
    entry = apply(coop, "eve", "second-motion", motion="paint")
    assert_refused(entry, "already seconded by hal")
    assert coop.state.motions["paint"].seconder == "hal"


def test_board_motion_needs_no_seconder_nor_debate(coop: Polity) -> None:
    table(coop, "roof", body="board", mover="cai")
    entry = apply(coop, "ana", "open-vote", motion="roof")
    assert entry.outcome.granted


def test_debate_period_is_enforced(coop: Polity) -> None:
    table(coop, "paint")
    apply(coop, "hal", "second-motion", motion="paint")
    early = apply(coop, "ana", "open-vote", T0 + timedelta(days=6, hours=23), motion="paint")
    assert_refused(
        early, "debate period of 7 days", "procedures.ordinary.debate", "ends on 2026-02-08"
    )
    assert coop.state.motions["paint"].status == "tabled"
    assert apply(coop, "ana", "open-vote", day(2026, 2, 8), motion="paint").outcome.granted


def test_two_thirds_procedure_debates_for_fourteen_days(coop: Polity) -> None:
    table(coop, "out", action={"act": "expel", "person": "hal"})
    apply(coop, "eve", "second-motion", motion="out")
    entry = apply(coop, "ana", "open-vote", day(2026, 2, 14), motion="out")
    assert_refused(entry, "debate period of 14 days", "procedures.two-thirds.debate")


def test_only_the_chair_may_put_a_motion_to_the_vote(coop: Polity) -> None:
    table(coop, "paint")
    apply(coop, "hal", "second-motion", motion="paint")
    entry = apply(coop, "gus", "open-vote", day(2026, 2, 10), motion="paint")
    assert_refused(entry, "gus holds no office with power 'set-agenda'")


def test_only_the_mover_may_withdraw(coop: Polity) -> None:
    table(coop, "paint")
    refused = apply(coop, "hal", "withdraw-motion", motion="paint")
    assert_refused(refused, "only its mover (gus)")
    granted = apply(coop, "gus", "withdraw-motion", motion="paint")
    assert granted.outcome.granted
    assert coop.state.motions["paint"].status == "withdrawn"
    reopened = apply(coop, "ana", "open-vote", day(2026, 2, 10), motion="paint")
    assert_refused(reopened, "is withdrawn")


def test_decided_motion_can_no_longer_be_withdrawn(coop: Polity) -> None:
    ready_board_motion(coop, "roof")
    vote(coop, "roof", T0, ana="yes", ben="yes", cai="yes")
    apply(coop, "ana", "declare-result", motion="roof")
    entry = apply(coop, "cai", "withdraw-motion", motion="roof")
    assert_refused(entry, "is carried and can no longer be withdrawn")


# --- ballots ---------------------------------------------------------------------------------


def test_each_voter_has_one_ballot(coop: Polity) -> None:
    when = ready_members_motion(coop, "paint")
    vote(coop, "paint", when, ben="yes")
    again = apply(coop, "ben", "cast-ballot", when, motion="paint", choice="no")
    assert_refused(again, "ben has already voted on 'paint'")
    assert dict(coop.state.motions["paint"].ballots) == {"ben": (Mark(1, choice="yes"),)}


def test_non_seat_holder_cannot_vote_in_the_board(coop: Polity) -> None:
    ready_board_motion(coop, "roof")
    entry = apply(coop, "gus", "cast-ballot", motion="roof", choice="yes")
    assert_refused(entry, "gus holds no seat in Board of Directors")
    assert dict(coop.state.motions["roof"].ballots) == {}


def test_non_member_cannot_vote_in_the_general_meeting(coop: Polity) -> None:
    when = ready_members_motion(coop, "paint")
    entry = apply(coop, "zed", "cast-ballot", when, motion="paint", choice="yes")
    assert_refused(entry, "zed holds no seat")
    assert dict(coop.state.motions["paint"].ballots) == {}


def test_ballot_before_the_vote_opens_is_refused(coop: Polity) -> None:
    table(coop, "paint")
    entry = apply(coop, "ben", "cast-ballot", motion="paint", choice="yes")
    assert_refused(entry, "not open (tabled)")


def test_ballot_on_a_closed_vote_is_refused(coop: Polity) -> None:
    when = ready_members_motion(coop, "paint")
    vote(coop, "paint", when, ben="yes")
    assert apply(coop, "ana", "close-vote", when, motion="paint").outcome.granted
    entry = apply(coop, "cai", "cast-ballot", when, motion="paint", choice="yes")
    assert_refused(entry, "the vote on 'paint' is not open (closed)")
    assert dict(coop.state.motions["paint"].ballots) == {"ben": (Mark(1, choice="yes"),)}


def test_ballot_on_an_unknown_motion_is_malformed(coop: Polity) -> None:
    before = coop.state
    with pytest.raises(ActError, match="unknown motion 'nope'") as error:
        apply(coop, "ben", "cast-ballot", motion="nope", choice="yes")
    assert error.value.path == "args.motion"
    assert coop.state is before
    assert coop.record == ()


def test_ballot_with_an_unknown_choice_is_malformed(coop: Polity) -> None:
    when = ready_members_motion(coop, "paint")
    with pytest.raises(ActError, match="expected one of yes, no, abstain"):
        apply(coop, "ben", "cast-ballot", when, motion="paint", choice="maybe")


def test_only_the_chair_may_close_a_vote(coop: Polity) -> None:
    when = ready_members_motion(coop, "paint")
    entry = apply(coop, "gus", "close-vote", when, motion="paint")
    assert_refused(entry, "set-agenda")
    assert coop.state.motions["paint"].status == "open"


# --- counting: thresholds, abstentions, quorum (unit) ----------------------------------------------

SIMPLE = Threshold("simple")
ABSOLUTE = Threshold("absolute")
UNANIMITY = Threshold("unanimity")
TWO_THIRDS = Threshold("qualified", Fraction(2, 3))


@pytest.mark.parametrize(
    ("count", "seats", "threshold", "abstentions_counted", "carried"),
    [
        # simple: more yes than no; counted abstentions join the base
        (Count(3, 2, 0), 10, SIMPLE, False, True),
        (Count(2, 2, 0), 10, SIMPLE, False, False),
        (Count(3, 2, 5), 10, SIMPLE, False, True),
        (Count(3, 2, 5), 10, SIMPLE, True, False),
        (Count(6, 2, 3), 11, SIMPLE, True, True),
        # absolute: more yes than half of all seats, whoever turned up
        (Count(3, 0, 0), 5, ABSOLUTE, False, True),
        (Count(2, 0, 0), 5, ABSOLUTE, False, False),
        (Count(4, 0, 0), 8, ABSOLUTE, False, False),
        (Count(5, 3, 0), 8, ABSOLUTE, False, True),
        # two-thirds: yes at least 2/3 of the counted votes
        (Count(2, 1, 0), 9, TWO_THIRDS, False, True),
        (Count(2, 1, 1), 9, TWO_THIRDS, False, True),
        (Count(2, 1, 1), 9, TWO_THIRDS, True, False),
        (Count(5, 3, 0), 9, TWO_THIRDS, False, False),
        (Count(0, 0, 3), 9, TWO_THIRDS, False, False),
        # unanimity: nobody against (nor abstaining, when abstentions count)
        (Count(5, 0, 0), 5, UNANIMITY, False, True),
        (Count(4, 1, 0), 5, UNANIMITY, False, False),
        (Count(4, 0, 1), 5, UNANIMITY, False, True),
        (Count(4, 0, 1), 5, UNANIMITY, True, False),
        (Count(0, 0, 2), 5, UNANIMITY, False, False),
    ],
)
def test_threshold(
    count: Count, seats: int, threshold: Threshold, abstentions_counted: bool, carried: bool
) -> None:
    result = count_decision("majority", count, seats, threshold, None, abstentions_counted)
    assert result.carried is carried
    assert result.quorum_met
    assert result.count == count
    assert result.threshold == str(threshold)
    assert result.abstentions == ("counted" if abstentions_counted else "ignored")
    assert result.explanation.startswith("carried" if carried else "not carried")


@pytest.mark.parametrize(
    ("quorum", "seats", "required"),
    [
        (Quorum(share=Fraction(1, 4)), 8, 2),
        (Quorum(share=Fraction(1, 3)), 8, 3),
        (Quorum(share=Fraction(1, 2)), 7, 4),
        (Quorum(share=Fraction(1, 2)), 8, 4),
        (Quorum(count=3), 5, 3),
    ],
)
def test_quorum_required(quorum: Quorum, seats: int, required: int) -> None:
    assert quorum.required(seats) == required
    short = count_decision("majority", Count(required - 1, 0, 0), seats, SIMPLE, quorum, False)
    assert not short.carried
    assert not short.quorum_met
    assert short.quorum_required == required
    assert "quorum not met" in short.explanation
    met = count_decision("majority", Count(required, 0, 0), seats, SIMPLE, quorum, False)
    assert met.carried
    assert met.quorum_met


def test_abstentions_count_towards_quorum_even_when_ignored_for_the_threshold() -> None:
    result = count_decision("majority", Count(1, 0, 2), 8, SIMPLE, Quorum(count=3), False)
    assert result.quorum_met
    assert result.carried


def test_unknown_voting_method_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        count_decision("borda-ish", Count(1, 0, 0), 3, SIMPLE, None, False)


# --- counting in the polity ---------------------------------------------------------------------


def test_members_expel_by_two_thirds(coop: Polity) -> None:
    when = ready_members_motion(coop, "out", {"act": "expel", "person": "hal"})
    vote(coop, "out", when, ana="yes", ben="yes", cai="yes", dee="yes", eve="no", fay="no")
    entry = apply(coop, "ana", "declare-result", when, motion="out")
    assert entry.outcome.granted
    assert entry.outcome.basis == "offices.chair.powers[0]"
    result = entry.outcome.result
    assert result is not None
    assert result.carried
    assert (result.threshold, result.abstentions, result.seats) == ("2/3", "counted", 8)
    assert "hal expelled" in entry.outcome.effects
    assert "hal" not in coop.state.members
    motion = coop.state.motions["out"]
    assert motion.status == "carried"
    assert motion.effect.endswith("(members.expulsion[0])")
    assert violations(coop.state) == []


def test_counted_abstention_defeats_a_bare_two_thirds(coop: Polity) -> None:
    when = ready_members_motion(coop, "out", {"act": "expel", "person": "hal"})
    vote(coop, "out", when, ana="yes", ben="yes", cai="yes", dee="yes", eve="no", fay="no")
    vote(coop, "out", when, gus="abstain")
    entry = apply(coop, "ana", "declare-result", when, motion="out")
    assert entry.outcome.granted  # the declaration itself is in order
    assert entry.outcome.result is not None
    assert not entry.outcome.result.carried
    assert "hal expelled" not in entry.outcome.effects
    assert "hal" in coop.state.members
    assert coop.state.motions["out"].status == "failed"


def test_quorum_not_met_is_not_carried(coop: Polity) -> None:
    # ordinary procedure: quorum 1/4 of 8 members = 2
    when = ready_members_motion(
        coop, "fay-out", {"act": "dismiss", "office": "auditor", "person": "fay"}
    )
    vote(coop, "fay-out", when, gus="yes")
    entry = apply(coop, "ana", "declare-result", when, motion="fay-out")
    result = entry.outcome.result
    assert result is not None
    assert not result.carried
    assert not result.quorum_met
    assert result.quorum_required == 2
    assert "quorum not met" in result.explanation
    assert coop.state.holders("auditor") == ("fay",)
    assert coop.state.motions["fay-out"].status == "failed"


def test_quorum_met_carries_by_simple_majority(coop: Polity) -> None:
    when = ready_members_motion(
        coop, "fay-out", {"act": "dismiss", "office": "auditor", "person": "fay"}
    )
    vote(coop, "fay-out", when, gus="yes", hal="yes", ben="no")
    entry = apply(coop, "ana", "declare-result", when, motion="fay-out")
    assert entry.outcome.result is not None
    assert entry.outcome.result.carried
    assert "fay removed from Auditor" in entry.outcome.effects
    assert coop.state.holders("auditor") == ()


def test_removal_threshold_of_the_clause_overrides_the_procedure(coop: Polity) -> None:
    # offices.chair.removal: threshold absolute, i.e. more than 4 of the 8 members
    when = ready_members_motion(
        coop, "chair-out", {"act": "dismiss", "office": "chair", "person": "ana"}
    )
    vote(coop, "chair-out", when, ben="yes", cai="yes", dee="yes", gus="yes")
    entry = apply(coop, "ana", "declare-result", when, motion="chair-out")
    result = entry.outcome.result
    assert result is not None
    assert result.threshold == "absolute"
    assert not result.carried  # 4 yes, 0 no: a simple majority, not an absolute one
    assert coop.state.holders("chair") == ("ana",)


def test_board_decides_by_simple_majority_with_a_quorum_of_three(coop: Polity) -> None:
    ready_board_motion(coop, "roof", {"act": "exercise", "power": "spend", "matter": "maintenance"})
    vote(coop, "roof", T0, ana="yes", ben="yes")
    entry = apply(coop, "ana", "declare-result", motion="roof")
    assert entry.outcome.result is not None
    assert not entry.outcome.result.quorum_met
    assert coop.state.uses() == ()


def test_carried_board_motion_spends(coop: Polity) -> None:
    ready_board_motion(coop, "roof", {"act": "exercise", "power": "spend", "matter": "maintenance"})
    vote(coop, "roof", T0, ana="yes", ben="yes", cai="no")
    entry = apply(coop, "ana", "declare-result", motion="roof")
    assert entry.outcome.result is not None
    assert entry.outcome.result.carried
    (use,) = coop.state.uses()
    assert (use.clause, use.actor) == ("bodies.board.powers[0]", "board")


def test_failed_motion_takes_no_effect(coop: Polity) -> None:
    ready_board_motion(coop, "roof", {"act": "exercise", "power": "spend", "matter": "maintenance"})
    vote(coop, "roof", T0, ana="yes", ben="no", cai="no")
    before = coop.state
    entry = apply(coop, "ana", "declare-result", motion="roof")
    assert entry.outcome.granted
    assert coop.state.uses() == ()
    assert coop.state.motions["roof"].status == "failed"
    assert coop.state.members == before.members
    assert coop.state.tenures == before.tenures


def test_action_is_checked_again_when_the_result_is_declared(coop: Polity) -> None:
    when = ready_members_motion(
        coop, "fay-out", {"act": "dismiss", "office": "auditor", "person": "fay"}
    )
    vote(coop, "fay-out", when, gus="yes", hal="yes")
    assert apply(coop, "fay", "resign", when, office="auditor").outcome.granted
    entry = apply(coop, "ana", "declare-result", when, motion="fay-out")
    assert entry.outcome.result is not None
    assert entry.outcome.result.carried
    motion = coop.state.motions["fay-out"]
    assert motion.status == "carried"
    assert motion.effect.startswith("its action was refused")
    assert "fay does not hold Auditor" in motion.effect


def test_only_an_opened_vote_has_a_result(coop: Polity) -> None:
    table(coop, "paint")
    entry = apply(coop, "ana", "declare-result", motion="paint")
    assert_refused(entry, "is tabled; only a vote that was opened has a result")
    assert coop.state.motions["paint"].result is None


def test_result_cannot_be_declared_twice(coop: Polity) -> None:
    ready_board_motion(coop, "roof")
    vote(coop, "roof", T0, ana="yes", ben="yes", cai="yes")
    apply(coop, "ana", "declare-result", motion="roof")
    entry = apply(coop, "ana", "declare-result", motion="roof")
    assert_refused(entry, "is carried")


# --- board elects a chair ------------------------------------------------------------------------


def _board_presides_itself() -> Polity:
    """The coop with set-agenda over the board left to its seat holders (the chair keeps the members')."""

    def edit(data: dict[str, Any]) -> None:
        data["offices"]["chair"]["powers"][0]["scope"] = {"bodies": ["members"]}

    return Polity(coop_variant(edit), cooperative_founding())


def test_board_elects_a_chair() -> None:
    polity = _board_presides_itself()
    assert apply(polity, "ana", "resign", office="chair").outcome.granted
    assert table(
        polity,
        "chair",
        body="board",
        mover="cai",
        action={"act": "elect", "office": "chair", "person": "dee"},
    ).outcome.granted
    opened = apply(polity, "ben", "open-vote", motion="chair")
    assert opened.outcome.granted
    vote(polity, "chair", T0, ana="yes", ben="yes", cai="yes", eve="no")
    entry = apply(polity, "ben", "declare-result", motion="chair")
    assert entry.outcome.result is not None
    assert entry.outcome.result.carried
    assert "dee elected to Chair until 2027-02-01" in entry.outcome.effects
    assert polity.state.holders("chair") == ("dee",)
    (tenure,) = [t for t in polity.state.tenures if t.post == "chair"]
    assert (tenure.basis, tenure.chosen_by) == ("offices.chair.filled_by", "board")
    assert violations(polity.state) == []


# --- recorded counts and recorded verdicts ----------------------------------------------------------


def test_recorded_counts_are_used_when_no_ballots_were_cast(coop: Polity) -> None:
    ready_board_motion(coop, "roof", {"act": "exercise", "power": "spend", "matter": "maintenance"})
    entry = apply(
        coop, "ana", "declare-result", motion="roof", counts={"yes": 3, "no": 1, "abstain": 1}
    )
    result = entry.outcome.result
    assert result is not None
    assert (result.count, result.seats, result.recorded) == (Count(3, 1, 1), 5, False)
    assert result.carried
    assert len(coop.state.uses()) == 1


def test_recorded_counts_below_quorum_do_not_carry(coop: Polity) -> None:
    ready_board_motion(coop, "roof")
    entry = apply(coop, "ana", "declare-result", motion="roof", counts={"yes": 2})
    assert entry.outcome.result is not None
    assert not entry.outcome.result.carried
    assert not entry.outcome.result.quorum_met


def test_counts_cannot_override_ballots_cast(coop: Polity) -> None:
    ready_board_motion(coop, "roof")
    vote(coop, "roof", T0, ana="no")
    before = coop.state
    with pytest.raises(ActError, match="1 ballots were cast on 'roof'"):
        apply(coop, "ana", "declare-result", motion="roof", counts={"yes": 4})
    with pytest.raises(ActError, match="counted from them"):
        apply(coop, "ana", "declare-result", motion="roof", recorded="carried")
    assert coop.state is before


def test_counts_cannot_exceed_the_seats(coop: Polity) -> None:
    ready_board_motion(coop, "roof")
    with pytest.raises(ActError, match="6 votes recorded but the body has 5 seats"):
        apply(coop, "ana", "declare-result", motion="roof", counts={"yes": 6})
    with pytest.raises(ActError, match="board has 5 seats, not 9"):
        apply(coop, "ana", "declare-result", motion="roof", counts={"yes": 3, "seats": 9})


def test_counts_and_recorded_verdict_together_are_malformed(coop: Polity) -> None:
    ready_board_motion(coop, "roof")
    with pytest.raises(ActError, match="either counts or a recorded verdict"):
        apply(coop, "ana", "declare-result", motion="roof", counts={"yes": 3}, recorded="carried")


def test_negative_count_is_malformed(coop: Polity) -> None:
    ready_board_motion(coop, "roof")
    with pytest.raises(ActError, match="whole number of votes"):
        apply(coop, "ana", "declare-result", motion="roof", counts={"yes": -1})


def test_recorded_carried_verdict_takes_effect_without_inventing_a_count(coop: Polity) -> None:
    ready_board_motion(coop, "roof", {"act": "exercise", "power": "spend", "matter": "maintenance"})
    entry = apply(coop, "ana", "declare-result", motion="roof", recorded="carried")
    result = entry.outcome.result
    assert result is not None
    assert result.carried
    assert result.recorded
    assert result.count == Count()
    assert "as recorded" in result.explanation
    assert "no count" in result.explanation
    assert coop.state.motions["roof"].status == "carried"
    assert len(coop.state.uses()) == 1


def test_recorded_failed_verdict_takes_no_effect(coop: Polity) -> None:
    ready_board_motion(coop, "roof", {"act": "exercise", "power": "spend", "matter": "maintenance"})
    entry = apply(coop, "ana", "declare-result", motion="roof", recorded="failed")
    assert entry.outcome.result is not None
    assert not entry.outcome.result.carried
    assert entry.outcome.result.recorded
    assert coop.state.motions["roof"].status == "failed"
    assert coop.state.uses() == ()


def test_recorded_verdict_must_be_carried_or_failed(coop: Polity) -> None:
    ready_board_motion(coop, "roof")
    with pytest.raises(ActError, match="expected one of carried, failed"):
        apply(coop, "ana", "declare-result", motion="roof", recorded="passed")
