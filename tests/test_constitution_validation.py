"""Constitutions are validated into typed, immutable objects, or refused with every problem located."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from charter import ConstitutionError, load_constitution, parse_constitution
from charter.domain.constitution import grants_of

VALID = """\
charter: 1
id: club
name: Chess Club
members:
  admission: {by: committee}
procedures:
  ordinary: {threshold: simple, quorum: "1/2"}
bodies:
  committee:
    name: Committee
    seats: 5
    filled_by: {method: election, by: members}
offices:
  chair:
    name: Chair
    filled_by: {method: election, by: committee}
    removal: {by: committee, threshold: "2/3"}
"""


def refused(text: str, file: str = "club.yaml") -> list[str]:
    with pytest.raises(ConstitutionError) as caught:
        parse_constitution(text, file)
    return [str(problem) for problem in caught.value.problems]


def test_valid_constitution_is_typed_and_immutable():
    constitution = parse_constitution(VALID, "club.yaml")
    assert constitution.bodies["committee"].seats == 5
    assert str(constitution.offices["chair"].removal.threshold) == "2/3"
    with pytest.raises(ValidationError):
        constitution.name = "Other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        constitution.bodies["other"] = constitution.bodies["committee"]  # type: ignore[index]


def test_bad_type_names_file_line_and_path():
    problems = refused(VALID.replace("seats: 5", "seats: seven"))
    assert problems == [
        'club.yaml:11: bodies.committee.seats: expected a positive integer, got "seven"'
    ]


def test_every_problem_is_listed_not_just_the_first():
    text = (
        VALID.replace("seats: 5", "seats: 0")
        .replace('"2/3"', '"3/2"')
        .replace("name: Chair", "name: Chair\n    colour: red")
    )
    problems = refused(text)
    assert len(problems) == 3
    assert any("bodies.committee.seats: expected a positive integer, got 0" in p for p in problems)
    assert any("offices.chair.removal.threshold" in p and "at most 1" in p for p in problems)
    assert any("offices.chair.colour: unknown field 'colour'" in p for p in problems)


def test_structural_and_reference_problems_are_reported_together():
    text = VALID.replace("seats: 5", "seats: seven").replace(
        "by: committee, threshold", "by: comittee, threshold"
    )
    problems = refused(text)
    assert len(problems) == 2
    assert "bodies.committee.seats: expected a positive integer" in problems[0]
    assert "offices.chair.removal.by: unknown office or body 'comittee'" in problems[1]


def test_unknown_reference_is_refused_with_a_suggestion():
    problems = refused(VALID.replace("by: committee, threshold", "by: comittee, threshold"))
    assert problems == [
        "club.yaml:17: offices.chair.removal.by: unknown office or body 'comittee'"
        " (did you mean 'committee'?)"
    ]


def test_unknown_power_is_refused():
    text = VALID + "    powers:\n      - power: apoint\n"
    (problem,) = refused(text)
    assert (
        "offices.chair.powers[0].power: unknown power 'apoint' (did you mean 'appoint'?)" in problem
    )


def test_custom_power_granted_to_nothing_is_refused():
    text = VALID + "custom_powers:\n  spend: Commit funds.\n"
    (problem,) = refused(text)
    assert "custom_powers.spend: custom power 'spend' is granted to nothing" in problem


def test_threshold_out_of_range_is_refused():
    (problem,) = refused(VALID.replace('threshold: simple, quorum: "1/2"', "threshold: 1.5"))
    assert (
        "procedures.ordinary.threshold: expected a threshold greater than 0 and at most 1"
        in problem
    )


def test_election_by_an_office_is_refused():
    text = VALID.replace(
        "filled_by: {method: election, by: committee}", "filled_by: {method: election, by: chair}"
    )
    (problem,) = refused(text)
    assert (
        "offices.chair.filled_by.by: 'chair' is an office; elections are held by a body" in problem
    )


def test_unknown_filling_method_is_refused():
    (problem,) = refused(
        VALID.replace("method: election, by: members", "method: lottery, by: members")
    )
    assert "bodies.committee.filled_by: expected method" in problem
    assert '"lottery"' in problem


def test_clause_contradicting_an_exclusive_entrenchment_is_refused():
    text = (
        VALID
        + "    powers:\n      - power: admit\n"
        + "entrenched:\n  - {clause: 'members.admission[0]', exclusive: true}\n"
    )
    (problem,) = refused(text)
    assert "offices.chair.powers[0]" in problem
    assert "contradicting entrenched clause members.admission[0]" in problem


def test_entrenching_a_missing_clause_is_refused():
    (problem,) = refused(VALID + "entrenched:\n  - {clause: members.rights.exit}\n")
    assert "entrenched[0].clause: entrenched clause 'members.rights.exit' does not exist" in problem


def test_unsupported_version_is_refused():
    (problem,) = refused(VALID.replace("charter: 1", "charter: 2"))
    assert "charter: unsupported constitution version 2" in problem


def test_yaml_syntax_error_is_located():
    (problem,) = refused(VALID.replace("name: Chess Club", "name: [Chess Club"))
    assert problem.startswith("club.yaml:")
    assert "not valid YAML" in problem


def test_duplicate_key_is_refused():
    (problem,) = refused(VALID.replace("name: Chess Club", "name: Chess Club\nname: Again"))
    assert "duplicate key 'name'" in problem


def test_toml_constitution_problems_carry_lines(tmp_path: Path):
    good = tmp_path / "coop.toml"
    good.write_text(
        'charter = 1\nid = "coop"\nname = "Coop"\n\n[bodies.board]\nname = "Board"\n'
        'seats = "seven"\nfilled_by = { method = "election", by = "members" }\n'
        '[procedures.ordinary]\nthreshold = "simple"\n'
    )
    with pytest.raises(ConstitutionError) as caught:
        load_constitution(good)
    (problem,) = caught.value.problems
    assert problem.line == 7
    assert problem.path == "bodies.board.seats"
    assert problem.message == 'expected a positive integer, got "seven"'


def test_missing_file_is_an_error_not_a_traceback(tmp_path: Path):
    with pytest.raises(ConstitutionError, match="cannot read file"):
        load_constitution(tmp_path / "absent.yaml")


def test_filling_clauses_grant_the_power_to_fill(rcp_constitution):
    clauses = {(g.clause, g.power, g.holder) for g in grants_of(rcp_constitution)}
    assert ("offices.general-secretary.filled_by", "elect", "central-committee") in clauses
    assert ("offices.general-secretary.removal", "dismiss", "central-committee") in clauses
    assert ("offices.general-secretary.powers[0]", "appoint", "general-secretary") in clauses
    assert ("amendment", "amend", "congress") in clauses


def test_cooperative_example_reads_from_toml(coop_constitution):
    assert coop_constitution.offices["chair"].term_limit == 2
    assert coop_constitution.offices["treasurer"].powers[0].quota.max == 3
    assert [rule.clause for rule in coop_constitution.entrenched] == [
        "members.expulsion[0]",
        "members.rights",
    ]
