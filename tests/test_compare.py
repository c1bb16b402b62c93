"""Comparing a history with its counterfactual shows exactly what the amendment would have changed."""

from __future__ import annotations

import json

from click.testing import CliRunner

from charter import load_scenario, run_scenario
from charter.cli import main
from charter.compare import compare_runs
from conftest import RCP


def test_counterfactual_amendment_changes_exactly_the_later_appointments(
    rcp_scenario, rcp_counterfactual
):
    comparison = compare_runs(run_scenario(rcp_scenario), run_scenario(rcp_counterfactual))
    assert [change.step.id for change in comparison.changed] == ["appoint-4", "appoint-5"]
    for change in comparison.changed:
        assert change.before.outcome.granted
        assert not change.after.outcome.granted
    assert [entry.act.kind for entry in comparison.only_in_variant] == [
        "table-motion",
        "open-vote",
        "declare-result",
    ]
    assert len(comparison.only_in_base) == 3
    before, after = comparison.holders["regional-secretary"]
    assert len(before) == 5
    assert after == ("gubsec-1", "gubsec-2", "gubsec-3")


def test_a_replay_compared_with_itself_has_no_differences(rcp_scenario):
    comparison = compare_runs(run_scenario(rcp_scenario), run_scenario(rcp_scenario))
    assert comparison.changed == ()
    assert comparison.only_in_base == comparison.only_in_variant == ()
    assert comparison.holders == {}


def test_compare_command_finds_the_base_from_the_variant():
    result = CliRunner().invoke(main, ["scenario", "compare", str(RCP / "counterfactual.yaml")])
    assert result.exit_code == 0, result.output
    assert "appoint-4: 1923-06-01  stalin appoint REFUSED" in result.output
    assert "Constitution version at the end: 1 -> 2" in result.output


def test_compare_json_lists_changed_steps_with_both_outcomes():
    result = CliRunner().invoke(
        main, ["scenario", "compare", str(RCP / "counterfactual.yaml"), "--json"]
    )
    data = json.loads(result.output)
    assert [change["id"] for change in data["changed"]] == ["appoint-4", "appoint-5"]
    assert data["changed"][0]["base"]["outcome"] == "granted"
    assert data["changed"][0]["variant"]["outcome"] == "refused"
    assert data["constitution_version"] == {"base": 1, "variant": 2}


def test_compare_without_a_base_needs_one():
    result = CliRunner().invoke(main, ["scenario", "compare", str(RCP / "scenario.yaml")])
    assert result.exit_code == 2
    assert "give BASE" in result.output


def test_variant_records_its_base(rcp_counterfactual):
    assert rcp_counterfactual.variant_of is not None
    assert load_scenario(rcp_counterfactual.variant_of).title.startswith(
        "The Russian Communist Party"
    )
