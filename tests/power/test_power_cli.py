"""`charter power FILE [--json]`: the three file forms, the table, JSON, and located errors."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from charter.cli import main
from charter.power_games import GameFileError, parse_game

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "power"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["power", *args])
    return result.exit_code, result.output


def test_one_weighted_majority_as_in_the_issue(tmp_path):
    path = tmp_path / "game.yaml"
    path.write_text("quota: 270\nmembers: {CA: 54, TX: 40, FL: 30}\n")
    code, out = run(str(path), "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["banzhaf"] == {"CA": 0.0, "TX": 0.0, "FL": 0.0}  # 124 < 270: nobody can win
    path.write_text("quota: 71\nmembers: {CA: 54, TX: 40, FL: 30}\n")
    data = json.loads(run(str(path), "--json")[1])
    assert data["banzhaf_exact"] == {"CA": "3/5", "TX": "1/5", "FL": "1/5"}
    assert data["shapley_shubik_exact"] == {"CA": "2/3", "TX": "1/6", "FL": "1/6"}
    assert data["shapley_shubik"]["CA"] == pytest.approx(2 / 3)


def test_several_criteria_that_must_all_be_met_as_in_the_issue(tmp_path):
    path = tmp_path / "game.yaml"
    path.write_text(
        "members:\n"
        "  DE: {states: 1, population: 84.4}\n"
        "  FR: {states: 1, population: 68.2}\n"
        "  LU: {states: 1, population: 0.7}\n"
        "rules:\n"
        '  - {criterion: states, quota: "55%"}\n'
        '  - {criterion: population, quota: "65%"}\n'
    )
    code, out = run(str(path), "--json")
    assert code == 0, out
    data = json.loads(out)
    # 2 of 3 states and 65% of 153.3: DE+FR (152.6) and DE+LU (85.1 < 99.6: no) — so DE and FR
    # are each decisive in {DE, FR} and {DE, FR, LU}; LU never is
    assert data["banzhaf_exact"] == {"DE": "1/2", "FR": "1/2", "LU": "0"}


def test_json_is_also_accepted(tmp_path):
    path = tmp_path / "game.json"
    path.write_text(json.dumps({"quota": "1/2", "members": {"a": 2, "b": 1, "c": 1}}))
    data = json.loads(run(str(path), "--json")[1])
    assert data["banzhaf_exact"] == {"a": "3/5", "b": "1/5", "c": "1/5"}


def test_the_table_names_every_member_with_its_weights():
    code, out = run(str(EXAMPLES / "eu-council-2025.yaml"))
    assert code == 0, out
    assert "(states >= 55% and population >= 65%) or (states >= 24)" in out
    assert "DE" in out
    assert "MT" in out
    assert "Shapley–Shubik" in out


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_game_runs_and_its_indices_sum_to_one(path):
    code, out = run(str(path), "--json")
    assert code == 0, out
    data = json.loads(out)
    for index in ("banzhaf_exact", "shapley_shubik_exact"):
        assert sum(Fraction(value) for value in data[index].values()) == 1


def test_vetoes_and_alternatives(tmp_path):
    path = tmp_path / "game.yaml"
    path.write_text(
        "members: {a: 3, b: 2, c: 1, d: 1}\n"
        "alternatives:\n"
        "  - rules: [{quota: 5}]\n"
        "  - label: the small ones together\n"
        "    rules: [{quota: 2}]\n"
        "vetoes: [a]\n"
    )
    data = json.loads(run(str(path), "--json")[1])
    assert data["rule"] == "(weight >= 5) or (weight >= 2); vetoes: a"
    # with the veto, a wins with anyone else and nobody wins without a: a is a dictator
    assert data["banzhaf_exact"] == {"a": "1", "b": "0", "c": "0", "d": "0"}


BAD = """\
title: broken
members:
  A: 3
  B: lots
  C: {seats: 2}
rules:
  - {criterion: weight, quota: "55%"}
  - {criterion: seats, quota: "half"}
vetoes: [Z]
colour: red
"""


def test_a_bad_file_is_refused_with_file_line_and_field(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    code, out = run(str(path))
    assert code == 1
    with pytest.raises(GameFileError) as caught:
        parse_game(BAD, "bad.yaml")
    shown = [str(problem) for problem in caught.value.problems]
    assert 'bad.yaml:4: members.B: expected a weight or weights by criterion, got "lots"' in shown
    assert "bad.yaml:10: colour: unknown field 'colour'" in shown
    assert "bad.yaml:9: vetoes[0]: 'Z' is not a member" in shown
    assert any(line.startswith("bad.yaml:8: rules[1].quota:") for line in shown), shown
    assert any(line.startswith("bad.yaml:7: rules[0].criterion: members without") for line in shown)
    assert "invalid game file" in out or "invalid game file" in str(caught.value)


def test_json_errors_have_the_one_error_shape(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("members: {A: 1}\n")
    code, out = run(str(path), "--json")
    assert code == 1
    data = json.loads(out)
    assert data["error"] == "invalid game file (1 problem)"
    assert data["problems"][0]["file"] == str(path)


def test_not_yaml_is_refused_with_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("members: {A: 1\nquota: 1\n")
    code, out = run(str(path), "--json")
    assert code == 1
    assert json.loads(out)["problems"][0]["line"] is not None
