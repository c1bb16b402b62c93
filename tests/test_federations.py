"""Federations: representation, accession, subsidiarity and secession, in the two examples and in
random federations."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charter import Act, ActError, Entry, Polity
from charter.cli import main
from charter.domain.acts.federation import delegate_seats
from charter.domain.constitution import Constitution
from charter.domain.document import Document
from charter.domain.invariants import violations
from charter.domain.polity import Founding, replay
from charter.errors import ConstitutionError, ScenarioError
from charter.federation_scenario import (
    FederationRun,
    load_federation_scenario,
    run_federation_scenario,
)
from charter.ledger.build import bundle_of
from charter.ledger.verify import verify
from charter.scenario import constitution_from_document, load_constitution
from conftest import EXAMPLES, day

COOPS = EXAMPLES / "coop-federation"
USSR = EXAMPLES / "ussr-1924"
HOUSEHOLDS = {"harbour": 40, "riverside": 120, "millbank": 25, "oakfield": 60}


@pytest.fixture(scope="module")
def coops() -> FederationRun:
    return run_federation_scenario(load_federation_scenario(COOPS))


@pytest.fixture(scope="module")
def ussr() -> FederationRun:
    return run_federation_scenario(load_federation_scenario(USSR))


def outcomes(run: FederationRun) -> dict[str, Entry]:
    return {
        step.id: entry
        for step, (_, entry) in zip(run.scenario.steps, run.entries, strict=True)
        if step.id
    }


def refused_ids(run: FederationRun) -> set[str]:
    return {
        step.id or f"#{index}"
        for index, (step, (_, entry)) in enumerate(
            zip(run.scenario.steps, run.entries, strict=True)
        )
        if not entry.outcome.granted
    }


def federation_variant(edit: Callable[[dict[str, Any]], None] | None = None) -> Constitution:
    path = COOPS / "federation.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if edit is not None:
        edit(data)
    return constitution_from_document(Document(data, str(path)))


def federation(edit: Callable[[dict[str, Any]], None] | None = None) -> Polity:
    polities = {
        name: {"name": name.title(), "criteria": {"households": n}}
        for name, n in HOUSEHOLDS.items()
    }
    return Polity(federation_variant(edit), Founding(time=day(2027, 1, 1), polities=polities))


def apply(federal: Polity, actor: str, kind: str, when: Any = None, **args: Any) -> Entry:
    return federal.apply(Act(actor=actor, kind=kind, time=when or day(2027, 2, 1), args=args))


def seat_council(polity: Polity) -> None:
    for member, person in zip(HOUSEHOLDS, ("ben", "sol", "nia", "quin"), strict=True):
        assert apply(polity, member, "send-delegate", body="council", person=person).outcome.granted


# --- the examples ------------------------------------------------------------------------------


def test_coop_federation_refuses_exactly_the_acts_beyond_its_rules(coops: FederationRun) -> None:
    assert refused_ids(coops) == {
        "councillor-harbour-again",
        "rents-ultra-vires",
        "amend-away-secession",
    }


def test_double_majority_carries_with_both_shares_and_fails_short_of_either(
    coops: FederationRun,
) -> None:
    entries = outcomes(coops)
    carried = entries["insurance-carried"].outcome.result
    failed = entries["energy-failed"].outcome.result
    assert carried is not None
    assert failed is not None
    assert carried.carried
    assert [c["share"] for c in carried.conditions] == [0.75, pytest.approx(220 / 245)]
    assert not failed.carried
    assert [c["met"] for c in failed.conditions] == [False, False]
    assert "members: 50.00% yes, 55.00% needed" in failed.explanation


def test_ultra_vires_motion_cites_the_competences_clause(coops: FederationRun) -> None:
    reason = outcomes(coops)["rents-ultra-vires"].outcome.basis
    assert "ultra vires: 'rents'" in reason
    assert "(federation.competences)" in reason


def test_accession_needs_the_applicants_own_carried_decision(coops: FederationRun) -> None:
    state = coops.polities["northern"].state
    assert state.polities["greenway"].criteria == {"households": 30}
    admission = outcomes(coops)["admission-tabled"]
    consent = admission.act.args["action"]["consent"]
    greenway = coops.polities["greenway"]
    assert consent["entry"] == len(greenway.record)  # the entry where its motion carried
    assert greenway.record[consent["entry"] - 1].act.kind == "declare-result"


def test_no_amendment_may_touch_the_right_to_leave(coops: FederationRun) -> None:
    reason = outcomes(coops)["amend-away-secession"].outcome.basis
    assert "touches federation.secession" in reason


def test_secession_with_notice_keeps_seats_until_the_exit_then_withdraws_pending_ballots(
    coops: FederationRun,
) -> None:
    state = coops.polities["northern"].state
    millbank = state.polities["millbank"]
    assert millbank.leaves_at == day(2027, 8, 10)
    assert not millbank.active(state.time)
    entries = outcomes(coops)
    assert entries["repairs-nia"].outcome.granted  # during the notice period nia still sits
    result = entries["repairs-declared"].outcome.result
    assert result is not None
    assert "ballots of nia withdrawn" in result.explanation
    assert result.conditions[0]["total"] == 4.0  # harbour, riverside, oakfield, greenway
    assert violations(state) == []


def test_ussr_refuses_the_decree_on_internal_affairs_and_the_amendment_of_article_4(
    ussr: FederationRun,
) -> None:
    assert refused_ids(ussr) == {"internal-affairs-decree", "amend-away-secession"}
    reason = outcomes(ussr)["internal-affairs-decree"].outcome.basis
    assert "ultra vires: 'internal-affairs'" in reason


def test_ussr_admits_the_uzbek_and_turkmen_republics_and_records_the_ukrainian_exit(
    ussr: FederationRun,
) -> None:
    state = ussr.polities["ussr"].state
    assert {m.id for m in state.member_polities()} == {"rsfsr", "bssr", "tsfsr", "uzssr", "tkssr"}
    assert not state.polities["ukrssr"].active(state.time)
    secession = outcomes(ussr)["ukrainian-ssr-secedes"]
    checkpoint = secession.act.args["checkpoint"]
    assert checkpoint.startswith("charter/polity/ukrssr\n8\n")  # its genesis and seven acts
    assert not [t for t in state.active_tenures() if t.chosen_by == "ukrssr"]


def test_congress_seats_are_shared_by_largest_remainders(ussr: FederationRun) -> None:
    union = Polity(ussr.scenario.polities[0].constitution, ussr.scenario.polities[0].founding)
    at = day(1924, 2, 1)
    shares = {
        p: delegate_seats(union.state, "congress", p, at)
        for p in ("rsfsr", "ukrssr", "bssr", "tsfsr")
    }
    # 100 seats by the 1926 census: 71.66, 20.60, 3.55, 4.19 -> 71, 20, 3, 4 and two remainders
    assert shares == {"rsfsr": 72, "ukrssr": 21, "bssr": 3, "tsfsr": 4}
    assert sum(shares.values()) == 100


def test_every_ledger_of_both_examples_verifies(coops: FederationRun, ussr: FederationRun) -> None:
    key = Ed25519PrivateKey.generate()
    for run in (coops, ussr):
        for polity_id, polity in run.polities.items():
            assert verify(bundle_of(polity_id, polity_id, polity, key)).ok, polity_id


def test_scenario_json_names_the_polity_of_every_entry() -> None:
    result = CliRunner().invoke(main, ["scenario", "run", str(USSR), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {entry["polity"] for entry in data} == {"ussr", "ukrssr", "uzssr", "tkssr"}
    assert {"index", "act", "outcome", "basis", "effects"} <= set(data[0])


# --- cross-ledger references -------------------------------------------------------------------


def scenario_with(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    data = yaml.safe_load((COOPS / "scenario.yaml").read_text(encoding="utf-8"))
    edit(data)
    for name in ("federation.yaml", "member.yaml"):
        (tmp_path / name).write_text((COOPS / name).read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def step_index(data: dict[str, Any], step_id: str) -> int:
    return next(i for i, step in enumerate(data["steps"]) if step.get("id") == step_id)


def test_secession_citing_a_motion_that_did_not_carry_is_an_error(tmp_path: Path) -> None:
    def no_decision(data: dict[str, Any]) -> None:
        del data["steps"][step_index(data, "millbank-leave-carried")]

    path = scenario_with(tmp_path, no_decision)
    with pytest.raises(ScenarioError) as error:
        run_federation_scenario(load_federation_scenario(path))
    (problem,) = error.value.problems
    assert "motion 'leave-northern' has not carried" in problem.message
    assert problem.path.endswith("args.decision.motion")


def test_accession_citing_another_decision_is_an_error(tmp_path: Path) -> None:
    def wrong_motion(data: dict[str, Any]) -> None:
        step = data["steps"][step_index(data, "greenway-join-tabled")]
        step["args"]["action"] = {"act": "leave-federation", "federation": "northern"}

    with pytest.raises(ScenarioError, match="did not decide join-federation northern"):
        run_federation_scenario(load_federation_scenario(scenario_with(tmp_path, wrong_motion)))


def test_delegate_who_is_not_a_member_of_the_sending_polity_is_an_error(tmp_path: Path) -> None:
    def outsider(data: dict[str, Any]) -> None:
        data["steps"][step_index(data, "delegate-harbour")]["args"]["person"] = "ria"

    with pytest.raises(ScenarioError, match="ria is not a member of harbour"):
        run_federation_scenario(load_federation_scenario(scenario_with(tmp_path, outsider)))


def test_step_naming_an_unknown_polity_is_reported_with_its_line(tmp_path: Path) -> None:
    def unknown(data: dict[str, Any]) -> None:
        data["steps"][0]["polity"] = "atlantis"

    with pytest.raises(ScenarioError) as error:
        load_federation_scenario(scenario_with(tmp_path, unknown))
    assert "unknown polity 'atlantis'" in str(error.value)
    assert "scenario.yaml:" in str(error.value)


# --- the federal constitution ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "message", "where"),
    [
        (
            lambda d: d["federation"]["competences"].append("secession"),
            "secession cannot be a federal competence",
            "federation.competences[3]",
        ),
        (
            lambda d: d["federation"]["competences"].append("heating"),
            "unknown matter 'heating'",
            "federation.competences[3]",
        ),
        (
            lambda d: d["bodies"]["assembly"]["filled_by"].update(
                proportional_to="income", seats=10
            ),
            "unknown criterion 'income'",
            "bodies.assembly.filled_by.proportional_to",
        ),
        (
            lambda d: d["procedures"]["council"]["majorities"][1].update(criterion="area"),
            "unknown criterion 'area'",
            "procedures.council.majorities[1].criterion",
        ),
        (
            lambda d: d["procedures"]["council"].update(ballot="secret"),
            "need open ballots",
            "procedures.council.ballot",
        ),
    ],
)
def test_federal_constitution_errors_name_their_place(
    edit: Callable[[dict[str, Any]], None], message: str, where: str, tmp_path: Path
) -> None:
    data = yaml.safe_load((COOPS / "federation.yaml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "federation.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConstitutionError) as error:
        load_constitution(path)
    found = [p for p in error.value.problems if message in p.message]
    assert found, error.value.problems
    assert found[0].path == where


def test_majorities_without_a_federation_are_refused(tmp_path: Path) -> None:
    data = yaml.safe_load((EXAMPLES / "union" / "constitution.yaml").read_text(encoding="utf-8"))
    data["procedures"]["conference"]["majorities"] = [{"criterion": "members", "quota": "55%"}]
    with pytest.raises(ConstitutionError, match="need a federation clause"):
        constitution_from_document(Document(data, "x.yaml"))


# --- acts --------------------------------------------------------------------------------------


def test_veto_of_a_member_blocks_what_every_majority_carries() -> None:
    polity = federation(lambda d: d["procedures"]["council"].update(veto=["oakfield"]))
    seat_council(polity)
    action = {"act": "exercise", "power": "resolve", "matter": "purchasing"}
    assert apply(
        polity,
        "sol",
        "table-motion",
        body="council",
        motion="m",
        text="m",
        matter="purchasing",
        action=action,
    ).outcome.granted
    assert apply(polity, "sol", "open-vote", motion="m").outcome.granted
    for person, choice in (("ben", "yes"), ("sol", "yes"), ("nia", "yes"), ("quin", "no")):
        assert apply(polity, person, "cast-ballot", motion="m", choice=choice).outcome.granted
    assert apply(polity, "sol", "close-vote", motion="m").outcome.granted
    result = apply(polity, "sol", "declare-result", motion="m").outcome.result
    assert result is not None
    assert not result.carried
    assert "vetoed by oakfield" in result.explanation
    assert result.conditions[-1] == {"veto": ["oakfield"], "vetoed_by": ["oakfield"], "met": False}


def test_federal_act_on_a_members_officers_is_ultra_vires_unless_granted() -> None:
    polity = federation()
    refused = apply(polity, "northern", "appoint", polity="harbour", office="chair", person="ana")
    assert not refused.outcome.granted
    assert "no clause grants" in refused.outcome.basis or "holds no office" in refused.outcome.basis

    def council_may_dismiss(d: dict[str, Any]) -> None:
        d["bodies"]["council"]["powers"].append(
            {"power": "dismiss", "scope": {"polities": ["harbour"]}}
        )

    granted = federation(council_may_dismiss)
    seat_council(granted)
    action = {"act": "dismiss", "polity": "harbour", "office": "treasurer", "person": "ben"}
    entry = apply(
        granted, "sol", "table-motion", body="council", motion="m", text="m", action=action
    )
    assert entry.outcome.granted, entry.outcome.basis
    other = {**action, "polity": "riverside"}
    refused = apply(
        granted, "sol", "table-motion", body="council", motion="n", text="n", action=other
    )
    assert "ultra vires: the officers of riverside" in refused.outcome.basis


def test_federal_custom_power_must_name_its_matter() -> None:
    polity = federation()
    with pytest.raises(ActError) as error:
        apply(
            polity,
            "sol",
            "table-motion",
            body="council",
            motion="m",
            text="m",
            action={"act": "exercise", "power": "resolve"},
        )
    assert error.value.path == "args.action.matter"


def test_accession_checks_the_rights_the_applicants_constitution_guarantees() -> None:
    polity = federation(lambda d: d["bodies"]["assembly"].update(procedure="admission"))
    member = yaml.safe_load((COOPS / "member.yaml").read_text(encoding="utf-8"))
    without = copy.deepcopy(member)
    without["members"]["rights"] = ["one member one vote"]
    action = {
        "act": "admit-polity",
        "polity": "greenway",
        "name": "Greenway",
        "criteria": {"households": 30},
        "consent": {"motion": "join"},
        "constitution": without,
    }
    entry = apply(
        polity, "northern", "admit-polity", **{k: v for k, v in action.items() if k != "act"}
    )
    assert not entry.outcome.granted  # a body's power: nobody holds it alone
    assert apply(
        polity, "harbour", "send-delegate", body="assembly", person="ana", votes=40
    ).outcome.granted
    refused = apply(
        polity, "ana", "table-motion", body="assembly", motion="m", text="m", action=action
    )
    assert (
        "does not guarantee 'to leave the federation with their records'" in refused.outcome.basis
    )
    accepted = apply(
        polity,
        "ana",
        "table-motion",
        body="assembly",
        motion="n",
        text="n",
        action={**action, "constitution": member},
    )
    assert accepted.outcome.granted, accepted.outcome.basis


def test_a_member_may_not_exceed_its_seats_nor_recall_anothers_delegate() -> None:
    polity = federation()
    assert apply(polity, "harbour", "send-delegate", body="council", person="ben").outcome.granted
    assert (
        "already fills its 1 seat"
        in apply(polity, "harbour", "send-delegate", body="council", person="cai").outcome.basis
    )
    assert (
        "not a delegate of riverside"
        in apply(polity, "riverside", "recall-delegate", body="council", person="ben").outcome.basis
    )
    recalled = apply(polity, "harbour", "recall-delegate", body="council", person="ben")
    assert recalled.outcome.granted
    assert polity.state.holders("council") == ()


def test_secession_is_refused_only_to_a_non_member_and_is_an_error_outside_a_federation() -> None:
    polity = federation()
    assert (
        "not a member polity"
        in apply(polity, "atlantis", "secede", decision={"motion": "m"}).outcome.basis
    )
    assert apply(polity, "harbour", "secede", decision={"motion": "m"}).outcome.granted
    assert (
        "has already seceded"
        in apply(
            polity, "harbour", "secede", when=day(2027, 3, 1), decision={"motion": "m"}
        ).outcome.basis
    )
    plain = Polity(
        load_constitution(EXAMPLES / "union" / "constitution.yaml"), Founding(time=day(2027, 1, 1))
    )
    with pytest.raises(ActError, match="is not a federation"):
        apply(plain, "harbour", "secede", decision={"motion": "m"})


def test_amendments_that_would_remove_the_federation_clause_are_refused() -> None:
    polity = federation(lambda d: d["procedures"]["rule-change"].update(seconding=False))
    for member, person in zip(HOUSEHOLDS, ("ana", "ria", "mo", "pat"), strict=True):
        assert apply(
            polity,
            member,
            "send-delegate",
            body="assembly",
            person=person,
            votes=HOUSEHOLDS[member],
        ).outcome.granted
    for changes in (
        [{"remove": "federation"}],
        [{"set": "federation.secession.settlement", "value": ["a fine"]}],
    ):
        entry = apply(
            polity,
            "ana",
            "table-motion",
            body="assembly",
            motion=f"m{len(polity.record)}",
            text="m",
            action={"act": "amend", "changes": changes},
        )
        assert "touches federation.secession" in entry.outcome.basis


# --- random federations ------------------------------------------------------------------------

MEMBERS = tuple(HOUSEHOLDS)
KEY = Ed25519PrivateKey.generate()
PEOPLE = {member: tuple(f"{member}-{n}" for n in range(3)) for member in MEMBERS}


@st.composite
def federal_acts(draw: st.DrawFn) -> list[tuple[str, str, dict[str, Any]]]:
    acts = []
    for _ in range(draw(st.integers(1, 25))):
        member = draw(st.sampled_from(MEMBERS))
        kind = draw(
            st.sampled_from(["send-delegate", "send-delegate", "recall-delegate", "secede", "vote"])
        )
        if kind == "vote":
            acts.append((member, kind, {"choice": draw(st.sampled_from(["yes", "no", "abstain"]))}))
        elif kind == "secede":
            acts.append((member, kind, {"decision": {"motion": "leave"}}))
        else:
            body = draw(st.sampled_from(["assembly", "council"]))
            acts.append(
                (member, kind, {"body": body, "person": draw(st.sampled_from(PEOPLE[member]))})
            )
    return acts


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(federal_acts())
def test_random_federations_keep_every_invariant_and_every_ledger_verifies(
    plan: list[tuple[str, str, dict[str, Any]]],
) -> None:
    polity = federation(lambda d: d["procedures"]["council"].update(veto="all"))
    seat_council(polity)
    when = day(2027, 2, 2)
    polity.apply(
        Act(
            "sol",
            "table-motion",
            when,
            {
                "body": "council",
                "motion": "m",
                "text": "m",
                "matter": "purchasing",
                "action": {"act": "exercise", "power": "resolve", "matter": "purchasing"},
            },
        )
    )
    for member, kind, args in plan:
        when += timedelta(days=1)
        if kind == "vote":
            if polity.state.motions["m"].status == "tabled":
                polity.apply(Act(member, "open-vote", when, {"motion": "m"}))
            sitting = [
                t.person
                for t in polity.state.active_tenures(when)
                if t.post == "council" and t.chosen_by == member
            ]
            for person in sitting:
                polity.apply(
                    Act(person, "cast-ballot", when, {"motion": "m", "choice": args["choice"]})
                )
        else:
            if kind == "send-delegate" and args["body"] == "assembly":
                args = {**args, "votes": HOUSEHOLDS[member]}
            polity.apply(Act(member, kind, when, args))
        assert violations(polity.state) == []
        assert verify(bundle_of("northern", "N", polity, KEY)).ok  # nothing lost, every step
    state = polity.state
    for member in state.polities.values():
        if not member.active(state.time):
            assert not [t for t in state.active_tenures() if t.chosen_by == member.id]
    if state.motions["m"].status == "open":
        declared = polity.apply(
            Act("sol", "declare-result", when + timedelta(days=1), {"motion": "m"})
        )
        assert declared.outcome.granted or "seat" in declared.outcome.basis
    assert violations(polity.state) == []
    again = replay(
        polity.state.versions[0], polity.founding, [entry.act for entry in polity.record]
    )
    assert again.record == polity.record
    assert verify(bundle_of("northern", "N", polity, Ed25519PrivateKey.generate())).ok
