"""Opening the store and the polity service for a command, and replaying scenarios into them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from charter.errors import ActError, ScenarioError
from charter.scenario import Scenario, ScenarioRun, run_scenario
from charter.services.polities import PolityService
from charter.storage import Durability, StorageError, open_store

__all__ = ["DURABILITY_ENV", "durability", "replay_into", "service"]


DURABILITY_ENV = "CHARTER_DURABILITY"


def durability() -> Durability:
    """`full` (the default: every commit synced to disk) or `fast` from $CHARTER_DURABILITY."""
    chosen = os.environ.get(DURABILITY_ENV, "full")
    if chosen not in ("full", "fast"):
        raise StorageError(f"{DURABILITY_ENV} must be 'full' or 'fast', not {chosen!r}")
    return "fast" if chosen == "fast" else "full"


@contextmanager
def service(db: str | None) -> Iterator[PolityService]:
    """A polity service over the store at `db` (migrated on first use), closed afterwards."""
    store = open_store(db, durability=durability())
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
