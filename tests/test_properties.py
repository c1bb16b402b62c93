"""Properties of the fold over random acts: invariants, malformed acts, refusals, replay; durations."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charter import Act, ActError, Constitution, Polity, replay
from charter.domain.duration import Duration, parse_duration
from charter.domain.invariants import violations
from conftest import COOP_MEMBERS, COOP_START, cooperative_founding

OUTSIDER = "zed"
ACTORS = (*COOP_MEMBERS, OUTSIDER)
OFFICES = ("chair", "treasurer", "auditor")
MOTIONS = ("m1", "m2", "m3")
FACTIONS = ("f1", "f2")

PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- strategies ------------------------------------------------------------------------------

people = st.sampled_from(ACTORS)
# now and then a name nobody knows, or an empty one (malformed)
any_person = st.one_of(people, st.sampled_from(["newcomer", ""]))
offices = st.sampled_from((*OFFICES, "secretary"))  # 'secretary' is not declared: malformed
motions = st.sampled_from((*MOTIONS, "m9"))  # m9 is never tabled: malformed when referred to
post = st.one_of(
    st.fixed_dictionaries({"office": offices}),
    st.fixed_dictionaries({"body": st.sampled_from(["board", "board", "nowhere"])}),
)

AMENDMENTS = (
    [{"set": "offices.treasurer.powers[0].quota.max", "value": 1}],
    [{"set": "offices.chair.term_limit", "value": 1}],
    [{"set": "factions.allowed", "value": False}],
    [{"set": "factions.min_founders", "value": 1}],
    [{"set": "bodies.board.seats", "value": 3}],
    [{"set": "bodies.board.seats", "value": 7}],
    [{"append": "offices.chair.incompatible_with", "value": "treasurer"}],
    [{"append": "offices.chair.incompatible_with", "value": "board"}],
    [{"set": "members.rights", "value": []}],
    [{"append": "bodies.board.powers", "value": {"power": "expel"}}],
    [{"set": "procedures.ordinary.debate", "value": "P1D"}],
    [{"set": "bodies.board.seats", "value": "five"}],
    [{"remove": "offices.treasurer.powers[0].cosign"}],
    [{"set": "entrenched", "value": []}],
    [{"sett": "bodies.board.seats", "value": 5}],  # malformed
)
amendments = st.sampled_from(AMENDMENTS)


def _with_post(person: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda where, who: {**where, "person": who}, post, person)


ACTIONS = st.one_of(
    st.fixed_dictionaries({"act": st.just("expel"), "person": any_person}),
    st.fixed_dictionaries(
        {"act": st.just("admit"), "person": st.sampled_from(["newcomer", "gus"])}
    ),
    st.builds(lambda a: {"act": "elect", **a}, _with_post(people)),
    st.builds(lambda a: {"act": "dismiss", **a}, _with_post(people)),
    st.builds(lambda a: {"act": "nominate", **a}, _with_post(people)),
    st.fixed_dictionaries(
        {
            "act": st.just("exercise"),
            "power": st.sampled_from(["spend", "spend", "fly"]),
            "matter": st.sampled_from(["finance", "maintenance"]),
        }
    ),
    st.fixed_dictionaries({"act": st.just("amend"), "changes": amendments}),
)


@st.composite
def table_args(draw: st.DrawFn) -> dict[str, Any]:
    args: dict[str, Any] = {
        "body": draw(st.sampled_from(["members", "members", "board", "nowhere"])),
        "motion": draw(st.sampled_from(MOTIONS)),
        "text": "a motion",
    }
    if draw(st.booleans()):
        args["action"] = draw(ACTIONS)
    return args


@st.composite
def declare_args(draw: st.DrawFn) -> dict[str, Any]:
    args: dict[str, Any] = {"motion": draw(motions)}
    how = draw(st.sampled_from(["ballots", "ballots", "counts", "recorded"]))
    if how == "counts":
        args["counts"] = draw(
            st.fixed_dictionaries(
                {"yes": st.integers(0, 5), "no": st.integers(0, 3), "abstain": st.integers(0, 2)}
            )
        )
    elif how == "recorded":
        args["recorded"] = draw(st.sampled_from(["carried", "failed"]))
    return args


ARGS_BY_KIND: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "admit": st.fixed_dictionaries({"person": st.sampled_from(["newcomer", "gus", "zed"])}),
    "expel": st.fixed_dictionaries({"person": any_person}),
    "appoint": _with_post(people),
    "elect": _with_post(people),
    "dismiss": _with_post(people),
    "nominate": _with_post(people),
    "inspect": st.one_of(post, st.fixed_dictionaries({"person": people})),
    "exercise": st.fixed_dictionaries(
        {"matter": st.sampled_from(["finance", "finance", "maintenance", "gardening"])}
    ),
    "amend": st.fixed_dictionaries({"changes": amendments}),
    "table-motion": table_args(),
    "second-motion": st.fixed_dictionaries({"motion": motions}),
    "withdraw-motion": st.fixed_dictionaries({"motion": motions}),
    "open-vote": st.fixed_dictionaries({"motion": motions}),
    "close-vote": st.fixed_dictionaries({"motion": motions}),
    "cast-ballot": st.fixed_dictionaries(
        {"motion": motions, "choice": st.sampled_from(["yes", "yes", "no", "abstain", "maybe"])}
    ),
    "declare-result": declare_args(),
    "form-faction": st.fixed_dictionaries({"faction": st.sampled_from(FACTIONS)}),
    "join-faction": st.fixed_dictionaries({"faction": st.sampled_from(FACTIONS)}),
    "leave-faction": st.fixed_dictionaries({"faction": st.sampled_from(FACTIONS)}),
    "dissolve-faction": st.fixed_dictionaries({"faction": st.sampled_from(FACTIONS)}),
    "resign": post,
    "bogus": st.just({}),  # an act nobody knows: malformed
}
# weights: the motion machinery needs many ballots and steps to get anywhere
KINDS = (
    *ARGS_BY_KIND,
    "cast-ballot",
    "cast-ballot",
    "cast-ballot",
    "open-vote",
    "second-motion",
    "declare-result",
    "table-motion",
    "exercise",
)


@dataclass(frozen=True)
class Draft:
    """An act without its time: times are laid down as a non-decreasing sequence."""

    actor: str
    kind: str
    args: dict[str, Any]
    power: str | None
    cosigned_by: tuple[str, ...]
    days_later: int


@st.composite
def drafts(draw: st.DrawFn) -> Draft:
    kind = draw(st.sampled_from(KINDS))
    args = draw(ARGS_BY_KIND[kind])
    power = None
    if kind == "exercise":
        power = draw(st.sampled_from(["spend", "spend", "spend", "fly"]))
    elif draw(st.integers(0, 30)) == 0:
        power = "expel"  # claiming another power than the act's: malformed unless it is expel
    return Draft(
        actor="" if draw(st.integers(0, 40)) == 0 else draw(people),
        kind=kind,
        args=args,
        power=power,
        cosigned_by=tuple(draw(st.lists(people, max_size=3, unique=True))),
        # mostly the same day or a little later, sometimes months; -1 goes back in time
        days_later=draw(
            st.one_of(st.integers(0, 3), st.integers(0, 3), st.sampled_from([-1, 30, 200]))
        ),
    )


@dataclass(frozen=True)
class Flow:
    """A whole motion, from tabling to declaration, so random plans reach votes and their effects.

    Each step is still an ordinary act, judged like any other: a flow whose motion
    is out of order is refused at tabling and its later steps are refused or malformed.
    """

    body: str
    action: dict[str, Any] | None
    mover: str
    seconder: str
    presider: str
    ballots: tuple[tuple[str, str], ...]
    declare: dict[str, Any]
    days_later: int


holders = st.sampled_from(
    [("chair", "ana"), ("treasurer", "ben"), ("auditor", "fay"), ("auditor", "hal")]
)
MEMBER_ACTIONS = st.one_of(
    st.fixed_dictionaries({"act": st.just("expel"), "person": people}),
    st.builds(lambda p: {"act": "dismiss", "office": p[0], "person": p[1]}, holders),
    st.builds(lambda who: {"act": "elect", "office": "auditor", "person": who}, people),
    st.builds(lambda who: {"act": "elect", "body": "board", "person": who}, people),
    st.fixed_dictionaries({"act": st.just("amend"), "changes": amendments}),
    st.fixed_dictionaries({"act": st.just("amend"), "changes": amendments}),
)
BOARD_ACTIONS = st.one_of(
    st.fixed_dictionaries(
        {"act": st.just("admit"), "person": st.sampled_from(["newcomer", "nia"])}
    ),
    st.builds(lambda who: {"act": "nominate", "office": "auditor", "person": who}, people),
    st.builds(lambda who: {"act": "elect", "office": "chair", "person": who}, people),
    st.builds(lambda p: {"act": "dismiss", "office": p[0], "person": p[1]}, holders),
    st.fixed_dictionaries(
        {
            "act": st.just("exercise"),
            "power": st.just("spend"),
            "matter": st.sampled_from(["finance", "maintenance"]),
        }
    ),
)


@st.composite
def flows(draw: st.DrawFn) -> Flow:
    body = draw(st.sampled_from(["members", "board"]))
    seats = COOP_MEMBERS if body == "members" else ("ana", "ben", "cai", "dee", "eve")
    if draw(st.booleans()):  # a full meeting, mostly in favour
        voters = list(seats)
        choice = st.sampled_from(["yes"] * 8 + ["no", "abstain"])
    else:
        voters = draw(st.lists(st.sampled_from((*seats, OUTSIDER)), max_size=len(seats) + 1))
        choice = st.sampled_from(["yes", "yes", "yes", "no", "abstain"])
    choices = draw(st.lists(choice, min_size=len(voters), max_size=len(voters)))
    declare: dict[str, Any] = {}
    if not voters and draw(st.booleans()):
        declare["recorded"] = draw(st.sampled_from(["carried", "failed"]))
    fitting = MEMBER_ACTIONS if body == "members" else BOARD_ACTIONS
    return Flow(
        body=body,
        action=draw(st.one_of(st.none(), fitting, fitting, fitting, ACTIONS)),
        mover=draw(st.sampled_from(seats)),
        seconder=draw(st.sampled_from(seats)),
        presider=draw(st.sampled_from(["ana", "ana", "ana", "ben"])),
        ballots=tuple(zip(voters, choices, strict=True)),
        declare=declare,
        days_later=draw(st.integers(0, 5)),
    )


def to_acts(plan: list[Draft | Flow]) -> list[Act]:
    acts: list[Act] = []
    when = COOP_START
    for number, step in enumerate(plan):
        moment: datetime = when + timedelta(days=step.days_later)
        if step.days_later >= 0:
            when = moment  # a backwards act does not move the clock on
        if isinstance(step, Draft):
            acts.append(
                Act(
                    actor=step.actor,
                    kind=step.kind,
                    time=moment,
                    args=step.args,
                    power=step.power,
                    cosigned_by=step.cosigned_by,
                )
            )
            continue
        motion = f"flow-{number}"
        tabling: dict[str, Any] = {"body": step.body, "motion": motion, "text": "a motion"}
        if step.action is not None:
            tabling["action"] = step.action
        acts.append(Act(step.mover, "table-motion", moment, tabling))
        acts.append(Act(step.seconder, "second-motion", moment, {"motion": motion}))
        when = moment + timedelta(days=15)  # past every debate period of the coop
        acts.append(Act(step.presider, "open-vote", when, {"motion": motion}))
        for voter, choice in step.ballots:
            acts.append(Act(voter, "cast-ballot", when, {"motion": motion, "choice": choice}))
        acts.append(Act(step.presider, "declare-result", when, {"motion": motion, **step.declare}))
    return acts


plans = st.lists(st.one_of(drafts(), flows()), min_size=1, max_size=30)


# --- the properties --------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(plan=plans)
def test_random_acts_keep_every_invariant_and_replay_identically(
    coop_constitution: Constitution, plan: list[Draft | Flow]
) -> None:
    polity = Polity(coop_constitution, cooperative_founding())
    assert violations(polity.state) == []
    accepted: list[Act] = []
    for act in to_acts(plan):
        before = polity.state
        record = polity.record
        try:
            entry = polity.apply(act)
        except ActError as error:
            malformed: ActError | None = error
        else:
            malformed = None
        if malformed is not None:
            # malformed: nothing applied, nothing recorded
            assert polity.state is before
            assert polity.record == record
            assert malformed.act_index == before.next_index
            continue
        accepted.append(act)
        after = polity.state
        assert polity.record == (*record, entry)
        assert entry.index == before.next_index
        assert after.next_index == before.next_index + 1
        assert after.time == act.time
        if not entry.outcome.granted:
            # a refusal changes nothing but the position and time of the record
            assert after == replace(before, time=act.time, next_index=before.next_index + 1)
            assert entry.outcome.effects == ()
            assert entry.outcome.basis
        assert violations(after) == [], (act, entry.outcome)

    again = replay(coop_constitution, cooperative_founding(), accepted)
    assert again.state == polity.state
    assert again.outcomes() == polity.outcomes()
    assert [entry.act for entry in again.record] == accepted


@PROPERTY_SETTINGS
@given(plan=plans)
def test_applying_an_act_never_changes_the_state_it_was_applied_to(
    coop_constitution: Constitution, plan: list[Draft | Flow]
) -> None:
    polity = Polity(coop_constitution, cooperative_founding())
    states = [polity.state]
    snapshots = [repr(polity.state)]
    for act in to_acts(plan):
        try:
            polity.apply(act)
        except ActError:
            continue
        states.append(polity.state)
        snapshots.append(repr(polity.state))
    # every earlier state is still exactly what it was: nothing is mutated in place
    assert [repr(state) for state in states] == snapshots


@PROPERTY_SETTINGS
@given(plan=plans, data=st.data())
def test_malformed_act_anywhere_changes_nothing(
    coop_constitution: Constitution, plan: list[Draft | Flow], data: st.DataObject
) -> None:
    polity = Polity(coop_constitution, cooperative_founding())
    acts = to_acts(plan)
    for act in acts:
        with contextlib.suppress(ActError):
            polity.apply(act)
    before, record = polity.state, polity.record
    bad = data.draw(
        st.sampled_from(
            [
                Act(actor="ana", kind="bogus", time=acts[-1].time + timedelta(days=1)),
                Act(actor="", kind="resign", time=acts[-1].time + timedelta(days=1)),
                Act(
                    actor="ana",
                    kind="expel",
                    time=acts[-1].time + timedelta(days=1),
                    args={"person": "hal", "why": "typo"},
                ),
                Act(
                    actor="ana",
                    kind="cast-ballot",
                    time=acts[-1].time + timedelta(days=1),
                    args={"motion": "never-tabled", "choice": "yes"},
                ),
                Act(
                    actor="ana",
                    kind="resign",
                    time=(before.time or COOP_START) - timedelta(seconds=1),
                    args={"office": "chair"},
                ),
            ]
        )
    )
    with pytest.raises(ActError):
        polity.apply(bad)
    assert polity.state is before
    assert polity.record == record


# --- durations -------------------------------------------------------------------------------

durations = st.builds(
    Duration,
    months=st.integers(0, 600),
    days=st.integers(0, 1000),
    minutes=st.integers(0, 10_000),
)


@settings(max_examples=300, deadline=None)
@given(duration=durations)
def test_duration_round_trips_through_its_iso_text(duration: Duration) -> None:
    text = str(duration)
    assert text.startswith("P")
    assert parse_duration(text) == duration
    assert parse_duration(text.lower()) == duration


@settings(max_examples=300, deadline=None)
@given(
    years=st.integers(0, 20),
    months=st.integers(0, 30),
    weeks=st.integers(0, 10),
    days=st.integers(0, 60),
    hours=st.integers(0, 48),
    minutes=st.integers(0, 120),
)
def test_iso_text_parses_to_the_same_span_as_its_canonical_form(
    years: int, months: int, weeks: int, days: int, hours: int, minutes: int
) -> None:
    text = "P" + "".join(
        f"{n}{unit}" for n, unit in ((years, "Y"), (months, "M"), (weeks, "W"), (days, "D")) if n
    )
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M")) if n)
    if time:
        text += "T" + time
    if text == "P":
        text = "P0D"
    duration = parse_duration(text)
    assert duration == Duration(years * 12 + months, weeks * 7 + days, hours * 60 + minutes)
    assert parse_duration(str(duration)) == duration


@settings(max_examples=300, deadline=None)
@given(
    duration=durations,
    start=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
)
def test_duration_moves_forward_and_back(duration: Duration, start: datetime) -> None:
    assert duration.after(start) >= start
    assert duration.before(start) <= start
    if duration.months == 0:  # exact spans invert exactly; calendar months clamp
        assert duration.before(duration.after(start)) == start


@given(text=st.sampled_from(["", "P", "PT", "P1", "1Y", "P1Y2", "P1DT", "PT1D", "P-1D", "P1.5Y"]))
def test_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601 duration"):
        parse_duration(text)
