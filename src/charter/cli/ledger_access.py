"""Opening the store and the polity service for a command, and replaying scenarios into them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from charter.errors import ActError, ScenarioError
from charter.scenario import Scenario, ScenarioRun, run_scenario
from charter.services.polities import PolityService
from charter.storage import open_store

__all__ = ["replay_into", "service"]


@contextmanager
def service(db: str | None) -> Iterator[PolityService]:
    """A polity service over the store at `db` (migrated on first use), closed afterwards."""
    store = open_store(db)
    try:
        yield PolityService(store)
    finally:
        store.close()


def replay_into(scenario: Scenario, db: str, polity_id: str | None) -> ScenarioRun:
    """Create the scenario's polity in the database and perform every step, durably, in order."""
    name = polity_id or scenario.constitution.id
    run_scenario(scenario)  # a malformed step is reported before anything is written
    with service(db) as polities:
        polities.create(name, scenario.constitution, scenario.founding)
        for step in scenario.steps:
            try:
                polities.perform(name, step.act)
            except ActError as error:
                raise ScenarioError([step.problem(error.message, error.path)]) from None
        polities.checkpoint(name)
        return ScenarioRun(scenario, polities.polity(name))
