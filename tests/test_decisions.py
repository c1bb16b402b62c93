"""Decisions beyond yes/no: elections and choices by tally methods, card votes, secret ballots,
amendments to motions and recalls, run through the union example and variants of it."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charter import Act, ActError, Entry, Polity
from charter.domain.constitution import Constitution
from charter.domain.document import Document
from charter.domain.invariants import violations
from charter.domain.polity import Founding, replay
from charter.domain.tally import Profile, TallyError, methods, run_tally
from charter.ledger.build import bundle_of
from charter.ledger.verify import verify
from charter.scenario import Scenario, constitution_from_document, load_scenario, run_scenario
from conftest import EXAMPLES, day

UNION = EXAMPLES / "union"
T0 = day(2027, 4, 1)
DELEGATES = {"amira": 1200, "bram": 800, "chen": 650, "dara": 350}
MEMBERS = (
    "amira",
    "bram",
    "chen",
    "dara",
    "eli",
    "fern",
    "gita",
    "hugo",
    "ines",
    "jon",
    "kofi",
    "lena",
)


@pytest.fixture(scope="module")
def union_scenario() -> Scenario:
    return load_scenario(UNION)


@pytest.fixture(scope="module")
def union_run(union_scenario: Scenario) -> Any:
    return run_scenario(union_scenario)


def founding() -> Founding:
    return Founding(
        time=day(2027, 3, 1),
        members=MEMBERS,
        posts={
            "conference": tuple(DELEGATES),
            "president": ("amira",),
            "executive": ("eli", "fern"),
        },
        votes={"conference": DELEGATES},
    )


def union_variant(edit: Callable[[dict[str, Any]], None] | None = None) -> Constitution:
    path = UNION / "constitution.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if edit is not None:
        edit(data)
    return constitution_from_document(Document(data, str(path)))


def union(edit: Callable[[dict[str, Any]], None] | None = None) -> Polity:
    return Polity(union_variant(edit), founding())


def apply(polity: Polity, actor: str, kind: str, when: datetime = T0, **args: Any) -> Entry:
    return polity.apply(Act(actor=actor, kind=kind, time=when, args=args))


def granted(entry: Entry) -> Entry:
    assert entry.outcome.granted, entry.outcome.basis
    return entry


def refused(entry: Entry, *fragments: str) -> None:
    assert entry.outcome.verdict == "refused", entry.outcome
    for fragment in fragments:
        assert fragment in entry.outcome.basis, entry.outcome.basis


def open_conference_motion(polity: Polity, motion: str, **args: Any) -> None:
    """Table (bram), second where needed (chen) and open (amira, the president) a conference motion."""
    granted(
        apply(polity, "bram", "table-motion", body="conference", motion=motion, text=motion, **args)
    )
    if polity.state.constitution.procedures[polity.state.motions[motion].procedure].seconding:
        granted(apply(polity, "chen", "second-motion", motion=motion))
    granted(apply(polity, "amira", "open-vote", motion=motion))


def finish(polity: Polity, motion: str, actor: str = "amira", **declare: Any) -> Entry:
    granted(apply(polity, actor, "close-vote", motion=motion))
    return granted(apply(polity, actor, "declare-result", motion=motion, **declare))


EXECUTIVE_ELECTION = {
    "body": "executive",
    "candidates": ["gita", "hugo", "ines", "jon", "kofi"],
    "seats": 3,
}


# --- the union's scenario ----------------------------------------------------------------------


def test_union_scenario_refuses_exactly_the_faulty_acts(union_run: Any) -> None:
    refused_ids = {
        step.id
        for step, entry in zip(union_run.scenario.steps, union_run.polity.record, strict=True)
        if not entry.outcome.granted
    }
    assert refused_ids == {
        "pay-opened-too-early",
        "card-vote-bram-miscounted",
        "card-vote-dara-again",
        "executive-vote-bram-non-candidate",
    }


def test_card_vote_counts_each_delegates_mandate_and_split(union_run: Any) -> None:
    result = union_run.polity.state.motions["pay-8"].result
    assert (result.count.yes, result.count.no, result.seats) == (1600, 1400, 3000)
    assert result.carried


def test_carried_amendment_rewrites_the_motion_it_amends(union_run: Any) -> None:
    pay = union_run.polity.state.motions["pay"]
    assert pay.text == "The union will claim a rise of 8% this year."
    assert pay.amended_by == ("pay-8",)
    assert pay.status == "carried"


def test_stv_election_seats_the_winners_with_the_full_count_recorded(union_run: Any) -> None:
    state = union_run.polity.state
    motion = state.motions["executive-2027"]
    assert motion.result.winners == ("gita", "jon", "hugo")
    assert set(state.holders("executive")) == {"eli", "fern", "gita", "jon", "hugo"}
    tally = motion.result.as_dict()["tally"]
    assert tally["method"] == "stv-scottish"
    assert tally["evidence"]["quota"] == 751  # Droop: floor(3000 / 4) + 1
    assert len(tally["rounds"]) >= 2


def test_secret_irv_ballot_elects_the_general_secretary(union_run: Any) -> None:
    state = union_run.polity.state
    result = state.motions["general-secretary-2027"].result
    assert result.winners == ("lena",)  # lena 4, bram 4, chen 2 excluded: both transfer to lena
    assert state.holders("general-secretary") == ("lena",)
    assert len(result.as_dict()["tally"]["rounds"]) == 2


def test_recall_fails_short_of_two_thirds_of_the_votes(union_run: Any) -> None:
    state = union_run.polity.state
    result = state.motions["recall-lena"].result
    assert (result.count.yes, result.count.no, result.carried) == (1850, 1150, False)
    assert state.holders("general-secretary") == ("lena",)


def test_secret_ballots_leave_no_link_between_voter_and_ballot_in_the_record(
    union_run: Any,
) -> None:
    bundle = bundle_of("river-workers-union", "RWU", union_run.polity, Ed25519PrivateKey.generate())
    records = [json.loads(data) for data in bundle.entries[1:]]
    casts = [
        r
        for r in records
        if r["act"]["act"] == "cast-ballot"
        and r["act"]["args"]["motion"] == "general-secretary-2027"
    ]
    assert len(casts) == 10
    assert all(r["act"]["args"] == {"motion": "general-secretary-2027"} for r in casts)
    (close,) = [
        r
        for r in records
        if r["act"]["act"] == "close-vote"
        and r["act"]["args"]["motion"] == "general-secretary-2027"
    ]
    receipts = [ballot["receipt"] for ballot in close["act"]["args"]["box"]]
    assert receipts == sorted(receipts)
    assert len(set(receipts)) == 10
    voters = {r["act"]["actor"] for r in casts}
    assert not any(
        voter in json.dumps(close["act"]["args"]["box"])
        for voter in voters - {"bram", "chen", "lena"}
    )


def test_union_ledger_with_tallies_verifies_and_a_tampered_box_does_not(union_run: Any) -> None:
    key = Ed25519PrivateKey.generate()
    bundle = bundle_of("river-workers-union", "RWU", union_run.polity, key)
    assert verify(bundle).ok
    position = next(i for i, data in enumerate(bundle.entries) if b'"box"' in data)
    record = json.loads(bundle.entries[position])
    record["act"]["args"]["box"][0]["ranking"] = ["bram"]  # lena's first preference moved to bram
    entries = list(bundle.entries)
    entries[position] = json.dumps(
        record, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    report = verify(dataclasses.replace(bundle, entries=tuple(entries)))
    assert not report.ok


# --- elections ---------------------------------------------------------------------------------


def test_election_with_a_candidate_the_body_cannot_elect_is_out_of_order() -> None:
    polity = union()
    entry = apply(
        polity,
        "bram",
        "table-motion",
        body="conference",
        motion="e",
        text="e",
        election={"body": "executive", "candidates": ["gita", "zed"]},
    )
    refused(entry, "motion out of order", "candidate zed", "not a member")


def test_election_of_more_seats_than_are_free_is_out_of_order() -> None:
    polity = union()
    entry = apply(
        polity,
        "bram",
        "table-motion",
        body="conference",
        motion="e",
        text="e",
        election={**EXECUTIVE_ELECTION, "seats": 4},
    )
    refused(entry, "National Executive has 3 free seats, not 4")


def test_election_of_an_incompatible_candidate_is_out_of_order() -> None:
    polity = union()
    entry = apply(
        polity,
        "kofi",
        "table-motion",
        body="members",
        motion="gs",
        text="gs",
        election={"office": "general-secretary", "candidates": ["amira", "lena"]},
    )
    refused(entry, "candidate amira")


def test_yes_no_motion_under_a_choice_method_is_refused_when_tabled() -> None:
    polity = union(lambda d: d["procedures"]["conference"].update(method="irv"))
    entry = apply(polity, "bram", "table-motion", body="conference", motion="m", text="m")
    refused(entry, "procedures.conference.method is irv", "table options or an election")


def test_choice_under_a_yes_no_method_is_refused_when_tabled() -> None:
    polity = union()
    entry = apply(
        polity, "bram", "table-motion", body="conference", motion="m", text="m", options=["a", "b"]
    )
    refused(entry, "procedures.conference.method is majority", "needs a tally method")


def test_several_seats_need_a_multi_winner_method() -> None:
    polity = union(lambda d: d["procedures"]["conference"].update(method="irv"))
    entry = apply(
        polity,
        "bram",
        "table-motion",
        body="conference",
        motion="m",
        text="m",
        options=["a", "b", "c"],
        seats=2,
    )
    refused(entry, "fills one seat, not 2")


def test_seats_beyond_the_options_are_malformed() -> None:
    polity = union(lambda d: d["procedures"]["conference"].update(method="approval"))
    with pytest.raises(ActError) as error:
        apply(
            polity,
            "bram",
            "table-motion",
            body="conference",
            motion="m",
            text="m",
            options=["a", "b"],
            seats=3,
        )
    assert error.value.path == "args.seats"
    assert "m" not in polity.state.motions


def test_approval_choice_counts_approvals_weighted_by_mandate() -> None:
    polity = union(lambda d: d["procedures"]["conference"].update(method="approval"))
    open_conference_motion(polity, "venue", options=["leeds", "hull", "york"], seats=2)
    granted(apply(polity, "amira", "cast-ballot", motion="venue", approve=["hull"]))
    granted(apply(polity, "bram", "cast-ballot", motion="venue", approve=["leeds", "york"]))
    granted(apply(polity, "chen", "cast-ballot", motion="venue", approve=["york"]))
    granted(apply(polity, "dara", "cast-ballot", motion="venue", choice="abstain"))
    result = finish(polity, "venue").outcome.result
    assert result is not None
    assert result.winners == ("york", "hull")  # york 1450, hull 1200, leeds 800
    assert result.as_dict()["tally"]["evidence"]["approvals"] == {
        "leeds": 800,
        "hull": 1200,
        "york": 1450,
    }
    assert (result.cast, result.count.abstain) == (3000, 350)


@pytest.mark.parametrize(
    ("method", "ballot", "reason"),
    [
        ("irv", {"ranking": ["gita", "zed"]}, "zed is not a candidate in 'e'"),
        ("irv", {"ranking": ["gita", "gita"]}, "ranks gita twice"),
        ("irv", {"approve": ["gita"]}, "rank the options (ranking: [...])"),
        (
            "approval",
            {"ranking": ["gita", "hugo"]},
            "approve options (approve: [...]), do not rank them",
        ),
        ("irv", {"choice": "zed"}, "zed is not a candidate"),
    ],
)
def test_ballot_that_does_not_fit_the_election_is_refused_and_changes_nothing(
    method: str, ballot: dict[str, Any], reason: str
) -> None:
    polity = union(lambda d: d["procedures"]["executive-election"].update(method=method))
    open_conference_motion(polity, "e", election={**EXECUTIVE_ELECTION, "seats": 1})
    before = polity.state.motions["e"]
    refused(apply(polity, "bram", "cast-ballot", motion="e", **ballot), reason)
    assert polity.state.motions["e"] == before


def test_ranking_on_a_yes_no_motion_is_refused() -> None:
    polity = union()
    open_conference_motion(polity, "m")
    refused(apply(polity, "bram", "cast-ballot", motion="m", ranking=["yes"]), "a yes/no motion")


def test_ballot_on_a_closed_vote_is_refused() -> None:
    polity = union()
    open_conference_motion(polity, "m")
    granted(apply(polity, "amira", "close-vote", motion="m"))
    refused(apply(polity, "bram", "cast-ballot", motion="m", choice="yes"), "not open (closed)")


def test_ballot_on_an_unknown_vote_is_an_error() -> None:
    polity = union()
    with pytest.raises(ActError, match="unknown motion 'nope'"):
        apply(polity, "bram", "cast-ballot", motion="nope", choice="yes")
    assert polity.record == ()


def test_choice_short_of_quorum_chooses_nobody() -> None:
    polity = union()
    granted(
        apply(
            polity,
            "kofi",
            "table-motion",
            body="members",
            motion="gs",
            text="gs",
            election={"office": "general-secretary", "candidates": ["bram", "lena"]},
        )
    )
    granted(apply(polity, "kofi", "open-vote", motion="gs"))
    granted(apply(polity, "kofi", "cast-ballot", motion="gs"))
    granted(
        apply(polity, "kofi", "close-vote", motion="gs", box=[{"receipt": "r1", "choice": "lena"}])
    )
    result = granted(apply(polity, "kofi", "declare-result", motion="gs")).outcome.result
    assert result is not None
    assert not result.carried
    assert not result.quorum_met
    assert "quorum not met: 1 of 12 votes cast, 3 required" in result.explanation
    assert polity.state.holders("general-secretary") == ()


def test_ties_are_broken_by_the_declared_seed_and_recorded() -> None:
    polity = union(lambda d: d["procedures"]["conference"].update(method="plurality"))
    open_conference_motion(polity, "m", options=["a", "b"])
    granted(
        apply(
            polity,
            "amira",
            "cast-ballot",
            motion="m",
            split=[{"votes": 600, "choice": "a"}, {"votes": 600, "choice": "b"}],
        )
    )
    granted(
        apply(
            polity,
            "bram",
            "cast-ballot",
            motion="m",
            split=[{"votes": 400, "choice": "a"}, {"votes": 400, "choice": "b"}],
        )
    )
    by_order = union(lambda d: d["procedures"]["conference"].update(method="plurality"))
    open_conference_motion(by_order, "m", options=["a", "b"])
    granted(
        apply(
            by_order,
            "amira",
            "cast-ballot",
            motion="m",
            split=[{"votes": 600, "choice": "a"}, {"votes": 600, "choice": "b"}],
        )
    )
    granted(
        apply(
            by_order,
            "bram",
            "cast-ballot",
            motion="m",
            split=[{"votes": 400, "choice": "a"}, {"votes": 400, "choice": "b"}],
        )
    )
    ordered = finish(by_order, "m").outcome.result
    seeded = finish(polity, "m", seed="conference-2027").outcome.result
    assert ordered is not None
    assert seeded is not None
    assert ordered.tally["tie_rule"] == "order"
    assert ordered.winners == ("a",)
    assert seeded.tally["tie_rule"] == "seed:conference-2027"
    assert seeded.tally["tie_breaks"][0]["among"] == ["a", "b"]


def test_seed_on_a_yes_no_motion_is_an_error() -> None:
    polity = union()
    open_conference_motion(polity, "m")
    granted(apply(polity, "amira", "close-vote", motion="m"))
    with pytest.raises(ActError, match="a yes/no motion has none"):
        apply(polity, "amira", "declare-result", motion="m", seed="x")


# --- weighted and split votes ------------------------------------------------------------------


def test_quorum_and_majority_count_votes_not_heads() -> None:
    polity = union()
    open_conference_motion(polity, "m")
    granted(apply(polity, "amira", "cast-ballot", motion="m", choice="yes"))
    result = finish(polity, "m").outcome.result
    assert result is not None
    # one delegate of four, but 1,200 of 3,000 votes: short of a quorum of half
    assert (result.seats, result.quorum_required, result.quorum_met) == (3000, 1500, False)


def test_split_votes_need_the_procedure_to_allow_them() -> None:
    polity = union(lambda d: d["procedures"]["conference"].update(split_votes=False))
    open_conference_motion(polity, "m")
    entry = apply(
        polity,
        "bram",
        "cast-ballot",
        motion="m",
        split=[{"votes": 400, "choice": "yes"}, {"votes": 400, "choice": "no"}],
    )
    refused(entry, "does not allow splitting votes (split_votes)")


def test_appointment_with_votes_to_an_unweighted_post_is_an_error() -> None:
    polity = union()
    with pytest.raises(ActError) as error:
        apply(polity, "bram", "appoint", office="president", person="eli", votes=3)
    assert error.value.path == "args.votes"
    assert "does not carry weighted votes" in error.value.message


def test_founding_votes_on_an_unweighted_body_are_an_error() -> None:
    with pytest.raises(ActError, match="executive does not carry weighted votes"):
        Polity(
            union_variant(),
            Founding(
                time=T0,
                members=MEMBERS,
                posts={"executive": ("eli",)},
                votes={"executive": {"eli": 4}},
            ),
        )


def test_delegate_elected_with_a_mandate_carries_it() -> None:
    def members_may_elect(d: dict[str, Any]) -> None:
        d["procedures"]["ordinary"] = {"seconding": False}

    polity = union(members_may_elect)
    action = {"act": "elect", "body": "conference", "person": "eli", "votes": 300}
    granted(
        apply(polity, "kofi", "table-motion", body="members", motion="m", text="m", action=action)
    )
    granted(apply(polity, "kofi", "open-vote", motion="m"))
    for member in MEMBERS[:7]:
        granted(apply(polity, member, "cast-ballot", motion="m", choice="yes"))
    entry = finish(polity, "m", actor="kofi")
    assert "eli elected to Delegate Conference carrying 300 votes" in " ".join(
        entry.outcome.effects
    )
    (tenure,) = [t for t in polity.state.tenures if t.person == "eli" and t.post == "conference"]
    assert tenure.votes == 300


# --- secret ballots ----------------------------------------------------------------------------


def secret_election(polity: Polity, voters: tuple[str, ...] = ("amira", "bram", "chen")) -> None:
    granted(
        apply(
            polity,
            "kofi",
            "table-motion",
            body="members",
            motion="gs",
            text="gs",
            election={"office": "general-secretary", "candidates": ["bram", "chen", "lena"]},
        )
    )
    granted(apply(polity, "kofi", "open-vote", motion="gs"))
    for voter in voters:
        granted(apply(polity, voter, "cast-ballot", motion="gs"))


def test_secret_ballot_naming_its_choice_is_an_error_and_never_recorded() -> None:
    polity = union()
    secret_election(polity, ())
    with pytest.raises(ActError) as error:
        apply(polity, "amira", "cast-ballot", motion="gs", ranking=["lena"])
    assert error.value.path == "args.ranking"
    assert "secret" in error.value.message
    assert all(entry.act.kind != "cast-ballot" for entry in polity.record)


def test_secret_vote_closes_only_with_its_ballot_box() -> None:
    polity = union()
    secret_election(polity)
    with pytest.raises(ActError, match="close it with its ballot box"):
        apply(polity, "kofi", "close-vote", motion="gs")
    refused(
        apply(polity, "kofi", "declare-result", motion="gs"), "must be closed with its ballot box"
    )


@pytest.mark.parametrize(
    ("box", "reason"),
    [
        (
            [{"receipt": "a", "choice": "lena"}, {"receipt": "b", "choice": "lena"}],
            "the box holds 2 votes but 3 were cast",
        ),
        (
            [
                {"receipt": "a", "choice": "lena"},
                {"receipt": "a", "choice": "bram"},
                {"receipt": "c", "choice": "bram"},
            ],
            "receipt a twice",
        ),
        (
            [
                {"receipt": "a", "choice": "lena"},
                {"receipt": "b", "ranking": ["zed"]},
                {"receipt": "c", "choice": "bram"},
            ],
            "box[1]: zed is not a candidate",
        ),
    ],
)
def test_ballot_box_that_does_not_match_the_votes_cast_is_refused(
    box: list[dict[str, Any]], reason: str
) -> None:
    polity = union()
    secret_election(polity)
    before = polity.state.motions["gs"]
    refused(apply(polity, "kofi", "close-vote", motion="gs", box=box), reason)
    assert polity.state.motions["gs"] == before


def test_secret_result_is_counted_from_the_box() -> None:
    polity = union()
    secret_election(polity, ("amira", "bram", "chen", "dara"))
    box = [
        {"receipt": "d4", "ranking": ["chen", "lena"]},
        {"receipt": "a1", "ranking": ["lena"]},
        {"receipt": "c3", "choice": "bram"},
        {"receipt": "b2", "ranking": ["lena", "bram"]},
    ]
    granted(apply(polity, "kofi", "close-vote", motion="gs", box=box))
    assert [mark.receipt for mark in polity.state.motions["gs"].box] == ["a1", "b2", "c3", "d4"]
    result = granted(apply(polity, "kofi", "declare-result", motion="gs")).outcome.result
    assert result is not None
    assert result.winners == ("lena",)
    assert polity.state.holders("general-secretary") == ("lena",)


def test_open_vote_closed_with_a_box_is_an_error() -> None:
    polity = union()
    open_conference_motion(polity, "m")
    with pytest.raises(ActError, match="is open: its ballots are already in the record"):
        apply(polity, "amira", "close-vote", motion="m", box=[])


# --- amendments to motions ---------------------------------------------------------------------


def test_amendment_lapses_when_its_motion_is_withdrawn() -> None:
    polity = union()
    granted(apply(polity, "bram", "table-motion", body="conference", motion="m", text="old"))
    granted(
        apply(polity, "dara", "table-motion", body="conference", motion="a", amends="m", text="new")
    )
    granted(apply(polity, "chen", "second-motion", motion="a"))
    granted(apply(polity, "amira", "open-vote", motion="a"))
    for delegate in DELEGATES:
        granted(apply(polity, delegate, "cast-ballot", motion="a", choice="yes"))
    granted(apply(polity, "bram", "withdraw-motion", motion="m"))
    entry = finish(polity, "a")
    assert "the amendment lapsed: motion 'm' is withdrawn" in entry.outcome.effects
    assert polity.state.motions["m"].text == "old"


def test_amendment_of_a_motion_already_put_to_the_vote_is_refused() -> None:
    polity = union()
    open_conference_motion(polity, "m")
    refused(
        apply(
            polity, "dara", "table-motion", body="conference", motion="a", amends="m", text="new"
        ),
        "motion 'm' is open; only a tabled motion can be amended",
    )


def test_amendment_can_replace_the_action_which_is_checked_for_order() -> None:
    start = founding()
    polity = Polity(
        union_variant(),
        Founding(
            start.time, start.members, {**start.posts, "general-secretary": ("lena",)}, start.votes
        ),
    )
    granted(apply(polity, "bram", "table-motion", body="conference", motion="m", text="Censure."))
    out_of_order = {"act": "dismiss", "office": "president", "person": "amira"}
    refused(
        apply(
            polity,
            "dara",
            "table-motion",
            body="conference",
            motion="x",
            amends="m",
            text="x",
            action=out_of_order,
        ),
        "motion out of order",
    )
    other_procedure = {"act": "elect", "body": "executive", "person": "kofi"}
    refused(
        apply(
            polity,
            "dara",
            "table-motion",
            body="conference",
            motion="y",
            amends="m",
            text="y",
            action=other_procedure,
        ),
        "procedures.executive-election",
        "procedures.conference",
    )
    recall = {"act": "dismiss", "office": "general-secretary", "person": "lena"}
    granted(
        apply(
            polity,
            "dara",
            "table-motion",
            body="conference",
            motion="a",
            amends="m",
            text="Recall.",
            action=recall,
        )
    )
    granted(apply(polity, "chen", "second-motion", motion="a"))
    granted(apply(polity, "amira", "open-vote", motion="a"))
    for delegate in DELEGATES:
        granted(apply(polity, delegate, "cast-ballot", motion="a", choice="yes"))
    finish(polity, "a")
    assert polity.state.motions["m"].action == recall
    granted(apply(polity, "chen", "second-motion", motion="m"))
    granted(apply(polity, "amira", "open-vote", motion="m"))
    for delegate in ("amira", "bram", "chen"):
        granted(apply(polity, delegate, "cast-ballot", motion="m", choice="yes"))
    granted(apply(polity, "dara", "cast-ballot", motion="m", choice="no"))
    entry = finish(polity, "m")
    assert entry.outcome.result is not None
    assert (
        entry.outcome.result.threshold == "2/3"
    )  # the removal clause's threshold, as if tabled with it
    assert polity.state.holders("general-secretary") == ()


def test_amendment_to_a_motion_of_another_body_is_refused() -> None:
    polity = union(lambda d: d["procedures"].update(ordinary={"seconding": False}))
    granted(apply(polity, "kofi", "table-motion", body="members", motion="m", text="m"))
    refused(
        apply(polity, "bram", "table-motion", body="conference", motion="a", amends="m", text="x"),
        "is before the members, not Delegate Conference",
    )


# --- the constitution ------------------------------------------------------------------------


def test_procedure_naming_an_unknown_method_is_reported_with_its_place(tmp_path: Path) -> None:
    from charter.errors import ConstitutionError
    from charter.scenario import load_constitution

    text = (
        (UNION / "constitution.yaml")
        .read_text(encoding="utf-8")
        .replace("method: stv-scottish", "method: stv-scotish")
    )
    path = tmp_path / "constitution.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConstitutionError) as error:
        load_constitution(path)
    message = str(error.value)
    assert "procedures.executive-election.method" in message
    assert "did you mean 'stv-scottish'?" in message


def test_wording_of_an_election_is_amended_by_the_bodys_own_procedure() -> None:
    polity = union()
    granted(
        apply(
            polity,
            "bram",
            "table-motion",
            body="conference",
            motion="e",
            text="Election.",
            election=EXECUTIVE_ELECTION,
        )
    )
    entry = granted(
        apply(
            polity,
            "dara",
            "table-motion",
            body="conference",
            motion="a",
            amends="e",
            text="Election of three.",
        )
    )
    assert entry.outcome.granted
    assert polity.state.motions["a"].procedure == "conference"


# --- random elections --------------------------------------------------------------------------

CANDIDATES = ("gita", "hugo", "ines", "jon", "kofi")


@st.composite
def marked_ballots(draw: st.DrawFn, approval: bool) -> dict[str, Any]:
    """One part of a ballot: sometimes blank, sometimes naming a non-candidate or a name twice."""
    kind = draw(st.sampled_from(["names", "names", "names", "blank", "single"]))
    if kind == "blank":
        return {"choice": "abstain"}
    if kind == "single":
        return {"choice": draw(st.sampled_from((*CANDIDATES, "zed")))}
    names = draw(st.lists(st.sampled_from((*CANDIDATES, "zed")), min_size=1, max_size=6))
    return {"approve" if approval else "ranking": names}


@st.composite
def elections(draw: st.DrawFn) -> tuple[str, int, dict[str, dict[str, Any]]]:
    method = draw(st.sampled_from(sorted(methods())))
    info = methods()[method]
    seats = draw(st.integers(1, 3)) if info.multi_winner else 1
    approval = info.family == "approval"
    ballots: dict[str, dict[str, Any]] = {}
    for delegate, weight in DELEGATES.items():
        if draw(st.booleans()) and weight > 1:
            first = draw(st.integers(1, weight - 1))
            ballots[delegate] = {
                "split": [
                    {"votes": first, **draw(marked_ballots(approval))},
                    {"votes": weight - first, **draw(marked_ballots(approval))},
                ]
            }
        elif draw(st.integers(0, 5)):
            ballots[delegate] = draw(marked_ballots(approval))
    return method, seats, ballots


def _valid(part: dict[str, Any]) -> bool:
    names = part.get("ranking") or part.get("approve") or []
    if "choice" in part:
        names = [] if part["choice"] == "abstain" else [part["choice"]]
    return set(names) <= set(CANDIDATES) and len(set(names)) == len(names)


def _expected(method: str, seats: int, accepted: dict[str, dict[str, Any]]) -> tuple[str, ...]:
    """The winners the tally engine gives for the accepted ballots, built here independently."""
    parts = [
        (part, part.get("votes", DELEGATES[voter]))
        for voter, ballot in accepted.items()
        for part in ballot.get("split", [ballot])
    ]
    approval = methods()[method].family == "approval"
    preferences: list[tuple[list[Any], float]] = []
    for part, votes in parts:
        names = part.get("ranking") or part.get("approve") or []
        if "choice" in part:
            names = [] if part["choice"] == "abstain" else [part["choice"]]
        if names:
            preferences.append(([names] if approval else list(names), float(votes)))
    cast = sum(votes for _, votes in parts)
    if cast < 1500 or not preferences:  # quorum: half of the 3,000 votes
        return ()
    try:
        return run_tally(method, Profile.from_rankings(CANDIDATES, preferences), seats).winners
    except TallyError:
        return ()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_random_card_vote_elections_count_as_the_tally_engine_and_replay_identically(
    election: tuple[str, int, dict[str, dict[str, Any]]],
) -> None:
    method, seats, ballots = election
    constitution = union_variant(
        lambda d: d["procedures"]["executive-election"].update(method=method, split_votes=True)
    )
    polity = Polity(constitution, founding())
    spec = {"body": "executive", "candidates": list(CANDIDATES), "seats": seats}
    granted(
        apply(
            polity, "amira", "table-motion", body="conference", motion="e", text="e", election=spec
        )
    )
    granted(apply(polity, "amira", "open-vote", motion="e"))
    accepted = {}
    for voter, ballot in ballots.items():
        entry = apply(polity, voter, "cast-ballot", motion="e", **ballot)
        valid = all(_valid(part) for part in ballot.get("split", [ballot]))
        assert entry.outcome.granted == valid, entry.outcome.basis
        if valid:
            accepted[voter] = ballot
    granted(apply(polity, "amira", "close-vote", motion="e"))
    result = granted(apply(polity, "amira", "declare-result", motion="e")).outcome.result
    assert result is not None
    assert result.winners == _expected(method, seats, accepted)
    assert set(polity.state.holders("executive")) == {"eli", "fern", *result.winners}
    assert violations(polity.state) == []
    again = replay(constitution, founding(), [entry.act for entry in polity.record])
    assert again.record == polity.record
