"""The cooperative's year: each kind of limit, granted and refused, end to end from the files."""

from __future__ import annotations

import pytest

from charter import load_scenario, run_scenario
from conftest import EXAMPLES


@pytest.fixture(scope="module")
def year():
    return run_scenario(load_scenario(EXAMPLES / "coop"))


def outcome(run, step_id):
    (index,) = [i for i, step in enumerate(run.scenario.steps) if step.id == step_id]
    return run.entries[index].outcome


EXPECTED = {
    "spend-1": ("granted", "offices.treasurer.powers[0]"),
    "spend-unsigned": ("refused", "needs the co-signature of Chair"),
    "spend-2": ("granted", "offices.treasurer.powers[0]"),
    "spend-3": ("granted", "offices.treasurer.powers[0]"),
    "spend-over-quota": ("refused", "quota exhausted: offices.treasurer.powers[0].quota allows 3"),
    "spend-on-maintenance": ("refused", "reserves 'maintenance'"),
    "spend-next-window": ("granted", "offices.treasurer.powers[0]"),
    "audit": ("granted", "offices.auditor.powers[0]"),
    "audit-by-member": ("refused", "gus holds no office with power 'inspect' over 'treasurer'"),
    "faction-too-small": (
        "refused",
        "a faction needs 3 founders (factions.min_founders); 2 signed",
    ),
    "faction": ("granted", "factions.allowed"),
    "faction-join": ("granted", "factions.allowed"),
    "faction-dissolved-by-another": ("refused", "only its founder (gus) may dissolve 'garden'"),
    "amend-entrenched": ("refused", "touches entrenched clause members.rights (entrenched[1])"),
    "amend-quota": ("granted", "members.powers[0]"),
    "vote-too-early": (
        "refused",
        "the debate period of 14 days (procedures.two-thirds.debate) ends on 2026-04-15",
    ),
    "vote-twice": ("refused", "fay has already voted on 'quota-five'"),
    "amend-quota-result": ("granted", "offices.chair.powers[0]"),
    "appoint-after-term": (
        "refused",
        "ana's term as Chair ended on 2027-01-10 (offices.chair.term)",
    ),
    "board-motion": (
        "granted",
        "bodies.board: any seat holder may use 'propose-motion' (no clause grants it there)",
    ),
    "agenda-while-chair-vacant": (
        "granted",
        "bodies.board: any seat holder may use 'set-agenda' (nobody now holds offices.chair.powers[0]",
    ),
}


@pytest.mark.parametrize(("step_id", "expected"), EXPECTED.items())
def test_each_limit_is_applied_as_the_constitution_says(year, step_id, expected):
    verdict, basis = expected
    result = outcome(year, step_id)
    assert result.verdict == verdict
    assert basis in result.basis


def test_amendment_carried_by_two_thirds_raises_the_quota(year):
    result = outcome(year, "amend-quota-result").result
    assert result is not None
    assert (result.count.yes, result.count.no, result.count.abstain) == (4, 1, 1)
    assert result.carried
    state = year.polity.state
    assert state.version == 2
    assert state.constitution.offices["treasurer"].powers[0].quota.max == 5
    assert state.versions[0].offices["treasurer"].powers[0].quota.max == 3


def test_faction_and_inspection_are_in_the_final_state(year):
    state = year.polity.state
    assert state.factions["garden"].members == {"gus", "hal", "dee", "eve"}
    (inspection,) = state.inspections
    assert (inspection.inspector, inspection.target) == ("fay", "treasurer")
