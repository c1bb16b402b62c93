"""Amendments: through the amending procedure only, never touching what is entrenched."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from charter import Act, ActError, Entry, Polity
from charter.domain.invariants import violations
from conftest import day

T0 = day(2026, 2, 1)
VOTE_DAY = T0 + timedelta(days=15)  # after the two-thirds procedure's 14 days of debate
YES = ("ana", "ben", "cai", "dee", "eve", "fay")

QUOTA_OF_ONE = [{"set": "offices.treasurer.powers[0].quota.max", "value": 1}]


def apply(polity: Polity, actor: str, kind: str, when: datetime = T0, **args: Any) -> Entry:
    return polity.apply(Act(actor=actor, kind=kind, time=when, args=args))


def table_amendment(
    polity: Polity, changes: Any, motion: str = "amend", when: datetime = T0
) -> Entry:
    return apply(
        polity,
        "gus",
        "table-motion",
        when,
        body="members",
        motion=motion,
        text="Amend the rules",
        action={"act": "amend", "changes": changes},
    )


def pass_amendment(
    polity: Polity,
    changes: Any,
    motion: str = "amend",
    voters: tuple[str, ...] = YES,
    against: tuple[str, ...] = (),
    start: datetime = T0,
) -> Entry:
    """Table, second, debate, vote and declare an amendment in the general meeting."""
    tabled = table_amendment(polity, changes, motion, start)
    assert tabled.outcome.granted, tabled.outcome.basis
    assert apply(polity, "hal", "second-motion", start, motion=motion).outcome.granted
    vote_day = start + (VOTE_DAY - T0)
    assert apply(polity, "ana", "open-vote", vote_day, motion=motion).outcome.granted
    for voter in voters:
        apply(polity, voter, "cast-ballot", vote_day, motion=motion, choice="yes")
    for voter in against:
        apply(polity, voter, "cast-ballot", vote_day, motion=motion, choice="no")
    return apply(polity, "ana", "declare-result", vote_day, motion=motion)


def spend(polity: Polity, when: datetime) -> Entry:
    return polity.apply(
        Act(
            actor="ben",
            kind="exercise",
            time=when,
            power="spend",
            args={"matter": "finance"},
            cosigned_by=("ana",),
        )
    )


# --- through the procedure ------------------------------------------------------------------------


def test_amendment_through_the_procedure_takes_effect(coop: Polity) -> None:
    founding_constitution = coop.constitution
    entry = pass_amendment(coop, QUOTA_OF_ONE)
    assert entry.outcome.granted
    assert entry.outcome.result is not None
    assert entry.outcome.result.carried
    assert any("constitution amended to version 2" in effect for effect in entry.outcome.effects)
    assert coop.state.motions["amend"].effect.endswith("(amendment)")
    assert coop.state.version == 2
    assert coop.state.versions[0] is founding_constitution
    assert coop.state.versions[-1] is coop.constitution
    quota = coop.constitution.offices["treasurer"].powers[0].quota
    assert quota is not None
    assert quota.max == 1
    assert founding_constitution.offices["treasurer"].powers[0].quota.max == 3  # type: ignore[union-attr]
    assert violations(coop.state) == []


def test_amended_rule_is_enforced_afterwards(coop: Polity) -> None:
    pass_amendment(coop, QUOTA_OF_ONE)
    assert spend(coop, VOTE_DAY + timedelta(days=1)).outcome.granted
    second = spend(coop, VOTE_DAY + timedelta(days=2))
    assert second.outcome.verdict == "refused"
    assert "allows 1 uses of 'spend'" in second.outcome.basis


def test_unamended_rule_allows_three_spends(coop: Polity) -> None:
    for offset in (1, 2, 3):
        assert spend(coop, VOTE_DAY + timedelta(days=offset)).outcome.granted


def test_amendment_short_of_two_thirds_does_not_take_effect(coop: Polity) -> None:
    entry = pass_amendment(
        coop,
        QUOTA_OF_ONE,
        voters=("ana", "ben", "cai", "dee", "eve"),
        against=("fay", "gus", "hal"),
    )
    assert entry.outcome.result is not None
    assert not entry.outcome.result.carried  # 5 of 8 < 2/3
    assert coop.state.version == 1
    assert coop.constitution.offices["treasurer"].powers[0].quota.max == 3  # type: ignore[union-attr]


def test_appended_clause_takes_effect(coop: Polity) -> None:
    changes = [
        {
            "append": "offices.treasurer.powers",
            "value": {"power": "inspect", "scope": {"bodies": ["board"]}},
        }
    ]
    assert pass_amendment(coop, changes).outcome.granted
    assert coop.state.version == 2
    entry = apply(coop, "ben", "inspect", VOTE_DAY + timedelta(days=1), body="board")
    # ben sits on the board, so the new power meets the rule against self-inspection
    assert entry.outcome.verdict == "refused"
    assert "ben cannot inspect Board of Directors" in entry.outcome.basis


def test_two_amendments_give_version_three(coop: Polity) -> None:
    pass_amendment(coop, QUOTA_OF_ONE, motion="a1")
    assert coop.state.version == 2
    changes = [{"set": "offices.treasurer.powers[0].quota.per", "value": "P1Y"}]
    pass_amendment(coop, changes, motion="a2", start=day(2026, 3, 1))
    assert coop.state.version == 3
    assert len(coop.state.versions) == 3
    assert str(coop.constitution.offices["treasurer"].powers[0].quota.per) == "P1Y"  # type: ignore[union-attr]


# --- directly --------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["gus", "ana", "zed"])
def test_direct_amendment_by_a_person_is_refused(coop: Polity, actor: str) -> None:
    before = coop.state
    entry = apply(coop, actor, "amend", changes=QUOTA_OF_ONE)
    assert entry.outcome.verdict == "refused"
    assert f"{actor} holds no office with power 'amend'" in entry.outcome.basis
    assert coop.state.version == 1
    assert coop.state == replace(before, time=T0, next_index=1)


def test_board_cannot_amend(coop: Polity) -> None:
    entry = apply(
        coop,
        "cai",
        "table-motion",
        body="board",
        motion="amend",
        text="Amend",
        action={"act": "amend", "changes": QUOTA_OF_ONE},
    )
    assert entry.outcome.verdict == "refused"
    assert "Board of Directors holds no power 'amend'" in entry.outcome.basis


# --- entrenched clauses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "clause"),
    [
        ([{"set": "members.expulsion[0].procedure", "value": "ordinary"}], "members.expulsion[0]"),
        ([{"set": "members.expulsion[0].by", "value": "board"}], "members.expulsion[0]"),
        ([{"remove": "members.expulsion[0]"}], "members.expulsion[0]"),
        ([{"append": "members.expulsion", "value": {"by": "board"}}], "members.expulsion[0]"),
        ([{"set": "members.rights", "value": []}], "members.rights"),
        ([{"set": "members.rights[0]", "value": "to leave"}], "members.rights"),
        ([{"append": "members.rights", "value": "to a garden"}], "members.rights"),
        ([{"set": "members", "value": {}}], "members.expulsion[0]"),
        (
            [QUOTA_OF_ONE[0], {"remove": "members.rights[1]"}],
            "members.rights",
        ),
    ],
)
def test_amendment_touching_an_entrenched_clause_is_refused(
    coop: Polity, changes: list[dict[str, Any]], clause: str
) -> None:
    before = coop.state
    entry = table_amendment(coop, changes)
    assert entry.outcome.verdict == "refused"
    assert "motion out of order" in entry.outcome.basis
    assert f"touches entrenched clause {clause}" in entry.outcome.basis
    assert coop.record == (entry,)  # kept as evidence
    assert coop.state == replace(before, time=T0, next_index=1)
    assert coop.state.motions == {}


@pytest.mark.parametrize(
    "changes",
    [
        [{"append": "entrenched", "value": {"clause": "factions"}}],
        [{"remove": "entrenched[1]"}],
        [{"set": "entrenched[0].exclusive", "value": False}],
        [{"set": "entrenched", "value": []}],
    ],
)
def test_amendment_of_the_list_of_entrenched_clauses_is_refused(
    coop: Polity, changes: list[dict[str, Any]]
) -> None:
    before = coop.state
    entry = table_amendment(coop, changes)
    assert entry.outcome.verdict == "refused"
    assert "the list of entrenched clauses is itself entrenched" in entry.outcome.basis
    assert coop.state == replace(before, time=T0, next_index=1)


def test_unentrenched_sibling_of_an_entrenched_clause_may_be_amended(coop: Polity) -> None:
    entry = pass_amendment(coop, [{"set": "members.admission[0].by", "value": "chair"}])
    assert entry.outcome.result is not None
    assert entry.outcome.result.carried
    assert coop.constitution.members.admission[0].by == "chair"
    assert coop.constitution.members.expulsion == coop.state.versions[0].members.expulsion


def test_second_grant_of_expel_contradicts_the_exclusive_entrenchment(coop: Polity) -> None:
    changes = [{"append": "bodies.board.powers", "value": {"power": "expel"}}]
    before = coop.state
    entry = table_amendment(coop, changes)
    assert entry.outcome.verdict == "refused"
    assert "would be invalid" in entry.outcome.basis
    assert "grants 'expel'" in entry.outcome.basis
    assert "contradicting entrenched clause members.expulsion[0]" in entry.outcome.basis
    assert coop.state == replace(before, time=T0, next_index=1)


def test_second_expel_grant_to_an_office_is_also_refused(coop: Polity) -> None:
    changes = [{"append": "offices.chair.powers", "value": {"power": "expel"}}]
    entry = table_amendment(coop, changes)
    assert entry.outcome.verdict == "refused"
    assert "contradicting entrenched clause members.expulsion[0]" in entry.outcome.basis


# --- invalid results ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            [{"set": "bodies.board.seats", "value": "seven"}],
            'bodies.board.seats: expected a positive integer, got "seven"',
        ),
        (
            [{"set": "offices.treasurer.filled_by.by", "value": "board"}],
            "offices.treasurer.filled_by.by",
        ),
        ([{"remove": "procedures.two-thirds"}], "unknown procedure 'two-thirds'"),
        ([{"set": "offices.chair.term", "value": "one year"}], "offices.chair.term"),
    ],
)
def test_amendment_making_the_constitution_invalid_is_refused(
    coop: Polity, changes: list[dict[str, Any]], problem: str
) -> None:
    before = coop.state
    entry = table_amendment(coop, changes)
    assert entry.outcome.verdict == "refused"
    assert "the amended constitution would be invalid" in entry.outcome.basis
    assert problem in entry.outcome.basis
    assert coop.state == replace(before, time=T0, next_index=1)


def test_amendment_of_a_clause_that_does_not_exist_is_refused(coop: Polity) -> None:
    entry = table_amendment(coop, [{"set": "offices.secretary.term", "value": "P1Y"}])
    assert entry.outcome.verdict == "refused"
    assert "no such clause" in entry.outcome.basis


def test_amendment_leaving_more_holders_than_seats_is_refused(coop: Polity) -> None:
    entry = table_amendment(coop, [{"set": "bodies.board.seats", "value": 3}])
    assert entry.outcome.verdict == "refused"
    assert "more holders than its 3 seats" in entry.outcome.basis


def test_amendment_putting_a_sitting_holder_in_breach_is_refused(coop: Polity) -> None:
    # ana chairs and sits on the board
    changes = [{"append": "offices.chair.incompatible_with", "value": "board"}]
    entry = table_amendment(coop, changes)
    assert entry.outcome.verdict == "refused"
    assert "would leave a sitting holder in breach" in entry.outcome.basis
    assert "ana cannot hold" in entry.outcome.basis


def test_amendment_banning_factions_while_one_exists_is_refused(coop: Polity) -> None:
    formed = coop.apply(
        Act("gus", "form-faction", T0, {"faction": "greens"}, cosigned_by=("hal", "eve"))
    )
    assert formed.outcome.granted
    entry = table_amendment(coop, [{"set": "factions.allowed", "value": False}])
    assert entry.outcome.verdict == "refused"
    assert "bans factions while 1 exist" in entry.outcome.basis


def test_amendment_is_checked_again_when_declared(coop: Polity) -> None:
    # Both tabled while valid; once the quota is removed, the edit of its max has no clause.
    assert table_amendment(coop, QUOTA_OF_ONE, motion="tighten").outcome.granted
    assert apply(coop, "hal", "second-motion", motion="tighten").outcome.granted
    pass_amendment(coop, [{"remove": "offices.treasurer.powers[0].quota"}], motion="free")
    assert coop.state.version == 2
    assert apply(coop, "ana", "open-vote", VOTE_DAY, motion="tighten").outcome.granted
    for voter in YES:
        apply(coop, voter, "cast-ballot", VOTE_DAY, motion="tighten", choice="yes")
    entry = apply(coop, "ana", "declare-result", VOTE_DAY, motion="tighten")
    assert entry.outcome.result is not None
    assert entry.outcome.result.carried
    motion = coop.state.motions["tighten"]
    assert motion.effect.startswith("its action was refused")
    assert "no such clause" in motion.effect
    assert coop.state.version == 2
    assert coop.constitution.offices["treasurer"].powers[0].quota is None


# --- malformed changes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message", "path"),
    [
        ([], "expected a non-empty list", "args.action.changes"),
        ("set bodies.board.seats 3", "expected a non-empty list", "args.action.changes"),
        (["bodies.board.seats"], "expected a mapping", "args.action.changes[0]"),
        (
            [{"set": "a", "remove": "b", "value": 1}],
            "exactly one of 'set', 'remove' or 'append'",
            "args.action.changes[0]",
        ),
        (
            [{"replace": "bodies.board.seats", "value": 3}],
            "exactly one of",
            "args.action.changes[0]",
        ),
        (
            [{"set": "bodies..seats", "value": 3}],
            "malformed clause path",
            "args.action.changes[0].set",
        ),
        (
            [{"set": "bodies.board.seats"}],
            "is required but missing",
            "args.action.changes[0].value",
        ),
        (
            [QUOTA_OF_ONE[0], {"append": "members.rights"}],
            "is required but missing",
            "args.action.changes[1].value",
        ),
        (
            [{"set": "bodies.board.seats", "value": 3, "why": "smaller"}],
            "unknown field 'why'",
            "args.action.changes[0]",
        ),
    ],
)
def test_malformed_changes_are_an_act_error(
    coop: Polity, changes: Any, message: str, path: str
) -> None:
    before = coop.state
    with pytest.raises(ActError, match=message) as error:
        table_amendment(coop, changes)
    assert error.value.path == path
    assert error.value.act_index == 0
    assert coop.state is before
    assert coop.record == ()


def test_direct_amend_with_malformed_changes_is_an_act_error(coop: Polity) -> None:
    with pytest.raises(ActError, match="expected a non-empty list") as error:
        apply(coop, "gus", "amend")
    assert error.value.path == "args.changes"
    assert coop.record == ()


# --- consequences ---------------------------------------------------------------------------


def abolish_auditor(polity: Polity) -> list[dict[str, Any]]:
    """Edits abolishing the auditor's office and every clause that names it."""
    board_powers = polity.constitution.bodies["board"].powers
    naming = [
        index
        for index, power in enumerate(board_powers)
        if power.scope is not None and "auditor" in power.scope.offices
    ]
    return [
        {"remove": "offices.auditor"},
        {"set": "offices.chair.incompatible_with", "value": []},
        {"set": "offices.treasurer.incompatible_with", "value": []},
        *({"remove": f"bodies.board.powers[{index}]"} for index in reversed(naming)),
    ]


def test_amendment_abolishing_an_office_ends_its_tenures(coop: Polity) -> None:
    entry = pass_amendment(coop, abolish_auditor(coop))
    assert entry.outcome.result is not None
    assert entry.outcome.result.carried
    assert "auditor" not in coop.constitution.offices
    assert coop.state.holders("auditor") == ()
    (ended,) = [t for t in coop.state.past_tenures if t.post == "auditor"]
    assert (ended.person, ended.end_reason, ended.ended) == ("fay", "post abolished", VOTE_DAY)
    assert violations(coop.state) == []


def test_motion_on_an_abolished_office_can_still_be_declared(coop: Polity) -> None:
    dismiss = {"act": "dismiss", "office": "auditor", "person": "fay"}
    assert apply(
        coop, "gus", "table-motion", body="members", motion="fay-out", text="x", action=dismiss
    ).outcome.granted
    assert apply(coop, "hal", "second-motion", motion="fay-out").outcome.granted
    pass_amendment(coop, abolish_auditor(coop))
    assert apply(coop, "ana", "open-vote", VOTE_DAY, motion="fay-out").outcome.granted
    for voter in YES:
        apply(coop, voter, "cast-ballot", VOTE_DAY, motion="fay-out", choice="yes")
    entry = apply(coop, "ana", "declare-result", VOTE_DAY, motion="fay-out")
    assert entry.outcome.granted
    assert entry.outcome.result is not None
    assert entry.outcome.result.carried
    motion = coop.state.motions["fay-out"]
    assert motion.status == "carried"
    assert motion.effect.startswith("its action was refused")
    assert "unknown office 'auditor'" in motion.effect
    assert not any("removed" in effect for effect in entry.outcome.effects)
    assert violations(coop.state) == []
