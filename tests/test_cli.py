"""The `charter` command: help everywhere, JSON where output is data, located errors, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from charter.cli import main

ROOT = Path(__file__).resolve().parent.parent
RCP = ROOT / "examples" / "rcp-1923"


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.extend(commands(command, (*prefix, name)))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", commands(main), ids=lambda path: " ".join(path) or "charter")
def test_every_command_has_help(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_check_summarises_a_valid_constitution():
    result = CliRunner().invoke(main, ["check", str(RCP / "constitution.yaml")])
    assert result.exit_code == 0
    assert "valid constitution" in result.output
    assert "general-secretary" in result.output
    assert "factions: banned" in result.output


def test_check_json_lists_grants_with_their_clauses():
    result = CliRunner().invoke(main, ["check", str(RCP / "constitution.yaml"), "--json"])
    data = json.loads(result.output)
    assert data["valid"] is True
    assert {
        "clause": "offices.general-secretary.powers[0]",
        "power": "appoint",
        "holder": "general-secretary",
    } in data["grants"]


def test_check_json_reports_problems_as_data(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "charter: 1\nid: x\nname: X\nbodies:\n  b:\n    name: B\n    seats: -1\n    filled_by: {method: election, by: members}\n"
    )
    result = CliRunner().invoke(main, ["check", str(bad), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["error"] == "invalid constitution (2 problems)"
    problems = {(p["line"], p["path"]) for p in data["problems"]}
    assert (7, "bodies.b.seats") in problems


def test_scenario_run_prints_each_act_with_its_basis():
    result = CliRunner().invoke(main, ["scenario", "run", str(RCP)])
    assert result.exit_code == 0
    assert "1922-04-03" in result.output
    assert "clause: offices.general-secretary.powers[0]" in result.output
    assert "REFUSED" in result.output
    assert "24 acts: 20 granted, 4 refused." in result.output


def test_scenario_run_json_is_a_list_of_acts_with_the_required_keys():
    result = CliRunner().invoke(main, ["scenario", "run", str(RCP), "--json"])
    assert result.exit_code == 0
    entries = json.loads(result.output)
    assert isinstance(entries, list)
    assert len(entries) == 24
    for index, entry in enumerate(entries):
        assert {"index", "time", "actor", "act", "outcome", "basis"} <= set(entry)
        assert entry["index"] == index
        assert entry["outcome"] in ("granted", "refused")
    assert entries[4]["basis"] == "offices.general-secretary.powers[0]"
    assert entries[4]["power"] == "appoint"


def test_malformed_scenario_step_is_located_without_a_traceback(tmp_path):
    (tmp_path / "constitution.yaml").write_text((RCP / "constitution.yaml").read_text())
    (tmp_path / "scenario.yaml").write_text(
        "charter-scenario: 1\nconstitution: constitution.yaml\nfounding:\n  time: 1922-04-03\n"
        "  members: [stalin]\nsteps:\n  - time: 1922-05-01\n    actor: stalin\n    act: appoint\n"
        "    args: {office: regional-secretray, person: stalin}\n"
    )
    result = CliRunner().invoke(main, ["scenario", "run", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        "scenario.yaml:10: steps[0].args.office: unknown office 'regional-secretray'"
        in result.stderr
    )
    assert "Traceback" not in result.output + result.stderr


def test_scenario_errors_are_json_when_json_is_asked_for(tmp_path):
    (tmp_path / "scenario.yaml").write_text("charter-scenario: 1\nconstitution: nowhere.yaml\n")
    result = CliRunner().invoke(main, ["scenario", "run", str(tmp_path), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["problems"][0]["message"].startswith("cannot read file")
    assert data["problems"][0]["file"].endswith("nowhere.yaml")


def test_unreadable_scenario_file_is_an_error(tmp_path):
    missing = tmp_path / "scenario.yaml"
    missing.write_text("charter-scenario: 1\nconstitution: nowhere.yaml\n")
    result = CliRunner().invoke(main, ["scenario", "run", str(tmp_path)])
    assert result.exit_code == 1
    assert "cannot read file" in result.stderr


def test_installed_entry_point_runs_as_a_real_process():
    completed = subprocess.run(
        [sys.executable, "-m", "charter.cli", "scenario", "run", str(RCP), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)[0]["actor"] == "kamenev"


def test_check_grants_lists_who_may_do_what_within_which_limits():
    result = CliRunner().invoke(
        main, ["check", str(ROOT / "examples" / "coop" / "constitution.toml"), "--grants"]
    )
    assert result.exit_code == 0
    assert "offices.treasurer.powers[0]" in result.output
    assert (
        "treasurer may spend: matters: finance; except maintenance; at most 3 per 1 month; co-signed by chair"
        in result.output
    )
    assert "members (each member) may propose-motion" in result.output
