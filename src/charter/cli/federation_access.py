"""Replaying a scenario of several polities into a database: one ledger per polity."""

from __future__ import annotations

from charter.cli.ledger_access import service
from charter.errors import ActError, ScenarioError
from charter.federation_scenario import (
    DecisionReferenceError,
    FederationRun,
    FederationScenario,
    resolve_references,
    run_federation_scenario,
)

__all__ = ["replay_federation_into"]


def replay_federation_into(scenario: FederationScenario, db: str) -> FederationRun:
    """Create every polity of the scenario in the database and perform each step in its ledger.

    A federal act citing a member's decision records the member's signed
    checkpoint as of that moment (on secession: its final checkpoint as a member).
    """
    run_federation_scenario(scenario)  # every problem is reported before anything is written
    with service(db) as polities:
        for setup in scenario.polities:
            polities.create(setup.id, setup.constitution, setup.founding)
        run = FederationRun(scenario, {})
        for step in scenario.steps:
            polity_id = step.polity or ""
            act = step.act
            try:
                if polities.polity(polity_id).state.constitution.federation is not None:
                    members = {setup.id: polities.polity(setup.id) for setup in scenario.polities}
                    act = resolve_references(
                        polity_id, act, members, lambda member: polities.checkpoint(member).text
                    )
                entry = polities.perform(polity_id, act)
            except DecisionReferenceError as error:
                raise ScenarioError([step.problem(error.message, error.path)]) from None
            except ActError as error:
                raise ScenarioError([step.problem(error.message, error.path)]) from None
            run.entries.append((polity_id, entry))
        for setup in scenario.polities:
            polities.checkpoint(setup.id)
            run.polities[setup.id] = polities.polity(setup.id)
        return run
