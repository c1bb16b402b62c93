"""`charter tally`: winners, rounds, JSON with the file's names, charts, and located errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from charter.cli import main
from charter.domain.tally import methods
from conftest import SHARED_DATA

DATA = SHARED_DATA
WARD = DATA / "scottish-stv" / "5_cands" / "aberdeen_2022_ward11.blt"
DEBIAN = DATA / "debian-dpl" / "00002-00000001.soi"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_json_names_the_method_winners_and_rounds_as_in_the_file():
    result = run("tally", str(WARD), "--method", "stv-scottish", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["method"] == "stv-scottish"
    assert data["seats"] == 3
    assert data["winners"] == [
        'Ian YUILL "Scottish Liberal Democrats"',
        'Derek DAVIDSON "Scottish National Party (SNP)"',
        'Ryan HOUGHTON "Scottish Conservative and Unionist"',
    ]
    assert data["rounds"][0]["quota"] == 1469


def test_rounds_are_shown_as_a_table():
    result = run("tally", str(WARD), "--method", "stv-scottish", "--rounds")
    assert result.exit_code == 0
    assert "round 1 (quota 1469)" in result.output
    assert "action: surplus" in result.output


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_draws_the_count(tmp_path, suffix):
    chart = tmp_path / f"count{suffix}"
    result = run("tally", str(DEBIAN), "--method", "schulze", "--plot", str(chart))
    assert result.exit_code == 0, result.output
    head = chart.read_bytes()[:64]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in chart.read_bytes()[:2000]


def test_sequential_count_chart(tmp_path):
    chart = tmp_path / "irv.png"
    assert run("tally", str(DEBIAN), "--method", "irv", "--plot", str(chart)).exit_code == 0
    assert chart.stat().st_size > 1000


def test_unknown_method_lists_the_known_ones():
    result = run("tally", str(DEBIAN), "--method", "condorse")
    assert result.exit_code == 1
    assert "unknown tally method 'condorse'" in result.output
    assert "schulze" in result.output


def test_malformed_file_is_refused_with_its_line(tmp_path):
    bad = tmp_path / "bad.blt"
    bad.write_text('3 1\n1 1 2 0\n1 1 x 0\n0\n"A"\n"B"\n"C"\n"T"\n')
    result = run("tally", str(bad), "--method", "irv")
    assert result.exit_code == 1
    assert "bad.blt:3" in result.output


def test_seed_is_recorded_when_it_breaks_a_tie(tmp_path):
    ballots = tmp_path / "tie.csv"
    ballots.write_text("a,b,count\n1,2,3\n2,1,3\n")
    result = json.loads(
        run("tally", str(ballots), "--method", "plurality", "--seed", "s1", "--json").output
    )
    assert result["tie_rule"] == "seed:s1"
    assert result["tie_breaks"][0]["among"] == ["a", "b"]


def test_help_lists_every_method():
    result = run("tally", "--help")
    for name in methods():
        assert name in result.output


def test_progress_reports_reading_and_every_round_on_stderr():
    result = CliRunner().invoke(
        main, ["tally", str(WARD), "--method", "stv-scottish", "--json", "--progress"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # stdout stays pure JSON
    lines = result.stderr.splitlines()
    assert lines[0].endswith(f"reading {WARD}")
    assert "ballots (" in lines[1]
    assert "by stv-scottish" in lines[2]
    stages = [line for line in lines if "] stage " in line]
    assert len(stages) == len(data["rounds"])
    assert lines[-1].endswith("elected: " + ", ".join(data["winners"]))
    assert all(line.startswith("[") and " s] " in line for line in lines)


@pytest.mark.parametrize(
    ("method", "word"), [("irv", "round"), ("stv-meek", "round"), ("stv-ers97", "stage")]
)
def test_progress_for_each_sequential_method(method, word):
    seats = "1" if method == "irv" else "3"
    result = CliRunner().invoke(
        main, ["tally", str(WARD), "--method", method, "--seats", seats, "--progress"]
    )
    assert result.exit_code == 0, result.output
    assert sum(f"] {word} " in line for line in result.stderr.splitlines()) >= 1


def test_no_progress_unless_asked_or_on_a_terminal():
    args = ["tally", str(WARD), "--method", "irv", "--seats", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0
    assert result.stderr == ""
    quiet = CliRunner().invoke(main, [*args, "--no-progress"])
    assert quiet.stderr == ""
