"""The flagship example: the Russian Communist Party 1922-24, replayed, and its counterfactual."""

from __future__ import annotations

from datetime import date

import pytest

from charter import run_scenario
from charter.domain.invariants import violations
from charter.domain.polity import Polity


@pytest.fixture(scope="module")
def history(rcp_scenario):
    return run_scenario(rcp_scenario)


@pytest.fixture(scope="module")
def counterfactual(rcp_counterfactual):
    return run_scenario(rcp_counterfactual)


def entry_for(run, step_id):
    (index,) = [i for i, step in enumerate(run.scenario.steps) if step.id == step_id]
    return run.entries[index]


def test_stalin_is_elected_general_secretary_by_the_central_committee_on_3_april_1922(history):
    declared = history.entries[2]
    assert declared.act.time.date() == date(1922, 4, 3)
    assert declared.outcome.granted
    assert any(
        "stalin elected to General Secretary" in effect for effect in declared.outcome.effects
    )
    motion = history.polity.state.motions["general-secretary-1922"]
    assert motion.effect.endswith("(offices.general-secretary.filled_by)")


def test_general_secretary_appointments_cite_his_appointment_power(history):
    for step_id in ("appoint-1", "appoint-2", "appoint-3", "appoint-4", "appoint-5"):
        entry = entry_for(history, step_id)
        assert entry.outcome.verdict == "granted"
        assert entry.outcome.basis == "offices.general-secretary.powers[0]"
    assert len(history.polity.state.holders("regional-secretary")) == 5


def test_lenins_warning_is_recorded_under_the_members_right_to_address_the_congress(history):
    warning = entry_for(history, "lenin-warning")
    assert warning.act.time.date() == date(1922, 12, 24)
    assert warning.outcome.basis == "members.powers[0]"
    assert "unlimited authority concentrated in his hands" in warning.outcome.effects[0]
    assert entry_for(history, "lenin-addendum").act.time.date() == date(1923, 1, 4)


def test_factions_are_refused_under_the_1921_ban(history):
    for step_id in ("faction-46", "faction-troika"):
        entry = entry_for(history, step_id)
        assert entry.outcome.verdict == "refused"
        assert "factions are banned" in entry.outcome.basis
        assert "On Party Unity" in entry.outcome.basis
    assert dict(history.polity.state.factions) == {}


def test_neither_faction_can_expel_the_other(history):
    for step_id, target in (
        ("majority-against-trotsky", "trotsky"),
        ("opposition-against-apparatus", "stalin"),
    ):
        entry = entry_for(history, step_id)
        assert entry.outcome.verdict == "refused"
        assert f"no office with power 'expel' over '{target}'" in entry.outcome.basis
        assert "members.expulsion[1]" in entry.outcome.basis
        assert target in history.polity.state.members


def test_proposal_to_reduce_the_powers_of_party_posts_is_not_carried(history):
    result = entry_for(history, "reduce-powers-result")
    assert result.outcome.granted
    assert result.outcome.result is not None
    assert not result.outcome.result.carried
    assert result.outcome.result.recorded
    assert history.polity.state.version == 1


def test_motion_to_remove_the_general_secretary_is_not_carried(history):
    motion = history.polity.state.motions["release-general-secretary"]
    assert motion.status == "failed"
    assert motion.action is not None
    assert motion.action["act"] == "dismiss"
    assert history.polity.state.holders("general-secretary") == ("stalin",)


def test_every_refusal_is_kept_in_the_record(history):
    refused = [entry.index for entry in history.entries if not entry.outcome.granted]
    assert len(refused) == 4
    assert len(history.entries) == len(history.scenario.steps)


def test_dates_are_in_order_and_every_historical_claim_names_a_source(history):
    times = [step.act.time for step in history.scenario.steps]
    assert times == sorted(times)
    assert history.scenario.sources
    assert history.scenario.constitution.sources
    tabled = [
        step
        for step in history.scenario.steps
        if step.act.kind in ("table-motion", "appoint", "exercise")
    ]
    assert all(step.source or step.uncertain for step in tabled)


def test_politburo_and_orgburo_are_as_elected_on_3_april_1922(history):
    founding = history.scenario.founding
    assert set(founding.posts["politburo"]) == {
        "lenin",
        "trotsky",
        "stalin",
        "kamenev",
        "zinoviev",
        "tomsky",
        "rykov",
    }
    assert set(founding.posts["orgburo"]) == {
        "stalin",
        "molotov",
        "kuibyshev",
        "rykov",
        "tomsky",
        "dzerzhinsky",
        "andreev",
    }
    assert founding.time is not None
    assert founding.time.date() == date(1922, 4, 3)


def test_replay_is_deterministic_and_sound(rcp_scenario, history):
    again = run_scenario(rcp_scenario)
    assert again.polity.state == history.polity.state
    assert [e.outcome for e in again.entries] == [e.outcome for e in history.entries]
    polity = Polity(rcp_scenario.constitution, rcp_scenario.founding)
    for step in rcp_scenario.steps:
        polity.apply(step.act)
        assert violations(polity.state) == []


def test_counterfactual_amendment_cuts_the_appointment_power(counterfactual):
    amendment = entry_for(counterfactual, "twelfth-congress-amendment")
    assert amendment.outcome.granted
    assert counterfactual.polity.state.version == 2
    for step_id in ("appoint-4", "appoint-5"):
        entry = entry_for(counterfactual, step_id)
        assert entry.outcome.verdict == "refused"
        assert (
            "stalin holds no office with power 'appoint' over 'regional-secretary'"
            in entry.outcome.basis
        )
    for step_id in ("appoint-1", "appoint-2", "appoint-3"):
        assert entry_for(counterfactual, step_id).outcome.granted
    assert len(counterfactual.polity.state.holders("regional-secretary")) == 3


def test_counterfactual_separates_secretariat_and_inspection(counterfactual):
    general_secretary = counterfactual.polity.state.constitution.offices["general-secretary"]
    assert "inspection-commissar" in general_secretary.incompatible_with
    ids = [step.id for step in counterfactual.scenario.steps]
    assert "reduce-powers" not in ids
