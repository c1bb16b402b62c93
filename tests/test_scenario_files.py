"""Scenario files: unknown fields and malformed steps are refused with every problem located."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from charter import ScenarioError, load_scenario, run_scenario
from charter.scenario import FOUNDING_FIELDS, SCENARIO_FIELDS, VARIANT_FIELDS
from conftest import RCP

DOC = (Path(__file__).resolve().parent.parent / "docs" / "scenarios.md").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    (tmp_path / "constitution.yaml").write_text((RCP / "constitution.yaml").read_text())
    path = tmp_path / name
    path.write_text(text)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        run_scenario(load_scenario(path))
    return [str(problem).replace(f"{path.parent}/", "") for problem in caught.value.problems]


HEAD = "charter-scenario: 1\nconstitution: constitution.yaml\nfounding:\n  time: 1922-04-03\n  members: [stalin, molotov]\n"


def test_every_scenario_field_is_documented():
    for field in SCENARIO_FIELDS | VARIANT_FIELDS | FOUNDING_FIELDS:
        assert re.search(rf"`{re.escape(field)}`", DOC), field


def test_unknown_fields_are_refused_everywhere(tmp_path):
    path = write(
        tmp_path,
        HEAD.replace("founding:", "titel: X\nfounding:")
        + "  postz: {}\nsteps:\n  - {time: 1922-05-01, actor: stalin, act: resign, args: {office: secretary}, when: now}\n",
    )
    found = problems(path)
    assert "scenario.yaml:3: titel: unknown field 'titel'" in found
    assert any("founding.postz: unknown field 'postz'" in p for p in found)
    assert any("steps[0].when: unknown field 'when'" in p for p in found)


def test_every_malformed_step_is_listed_with_its_line(tmp_path):
    path = write(
        tmp_path,
        HEAD
        + "steps:\n  - {time: yesterday, actor: stalin, act: resign}\n  - {time: 1922-05-01, actor: 7, act: resign}\n",
    )
    found = problems(path)
    assert found == [
        'scenario.yaml:7: steps[0].time: expected a date or time, got "yesterday"',
        "scenario.yaml:8: steps[1].actor: expected a name, got 7",
    ]


def test_time_going_backwards_is_refused_with_the_step_located(tmp_path):
    path = write(
        tmp_path,
        HEAD
        + "steps:\n  - {time: 1922-05-01, actor: stalin, act: exercise, power: address-congress, args: {text: a}}\n"
        + "  - {time: 1922-04-20, actor: stalin, act: exercise, power: address-congress, args: {text: b}}\n",
    )
    (problem,) = problems(path)
    assert problem.startswith("scenario.yaml:8: steps[1].time: act dated 1922-04-20")


def test_founding_that_breaks_the_constitution_is_refused(tmp_path):
    path = write(tmp_path, HEAD + "  posts:\n    general-secretary: [stalin, molotov]\n")
    (problem,) = problems(path)
    assert "founding.posts.general-secretary: 2 holders for 1 seats" in problem


def test_variant_naming_a_missing_step_is_refused(tmp_path):
    write(tmp_path, HEAD + "steps: []\n")
    variant = write(
        tmp_path,
        "charter-scenario: 1\nvariant_of: scenario.yaml\nchanges:\n  - remove: no-such-step\n",
        "v.yaml",
    )
    (problem,) = problems(variant)
    assert "v.yaml:4: changes[0].remove: no step with id 'no-such-step'" in problem


def test_wrong_version_is_refused(tmp_path):
    path = write(tmp_path, HEAD.replace("charter-scenario: 1", "charter-scenario: 3"))
    (problem,) = problems(path)
    assert "expected 'charter-scenario: 1'" in problem
