"""Commands on files: check a constitution, replay and compare scenarios."""

from __future__ import annotations

from typing import Any

import click

from charter.cli.app import db_option, emit_json, main, reports_errors
from charter.cli.federation_access import replay_federation_into
from charter.cli.ledger_access import replay_into
from charter.compare import compare_runs
from charter.domain.acts import Entry
from charter.domain.constitution import Constitution, grants_of
from charter.federation_scenario import (
    FederationRun,
    is_federation_scenario,
    load_federation_scenario,
    run_federation_scenario,
)
from charter.render import (
    comparison_report,
    constitution_summary,
    entries_table,
    federation_summary,
    federation_table,
    grants_table,
    run_summary,
)
from charter.scenario import ScenarioRun, load_constitution, load_scenario, run_scenario

__all__ = ["check", "scenario"]


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the summary (or the errors) as JSON.")
@click.option(
    "--grants", is_flag=True, help="Also list every power granted: clause, holder, limits."
)
@reports_errors
def check(file: str, as_json: bool, grants: bool) -> None:
    """Validate a constitution FILE (YAML or TOML) and summarise it.

    Every problem is listed with file, line and path; the exit status is 1 if
    there is any.
    """
    constitution = load_constitution(file)
    if as_json:
        emit_json({"valid": True, **_constitution_data(constitution)})
    else:
        click.echo(constitution_summary(constitution, file))
        if grants:
            click.echo("Grants:")
            click.echo(grants_table(constitution))


def _constitution_data(constitution: Constitution) -> dict[str, Any]:
    return {
        "id": constitution.id,
        "name": constitution.name,
        "bodies": sorted(constitution.bodies),
        "offices": sorted(constitution.offices),
        "procedures": sorted(constitution.procedures),
        "factions_allowed": constitution.factions.allowed,
        "entrenched": [rule.clause for rule in constitution.entrenched],
        "grants": [
            {"clause": grant.clause, "power": grant.power, "holder": grant.holder}
            for grant in grants_of(constitution)
        ],
    }


@main.group()
def scenario() -> None:
    """Replay scenarios: a founding and a dated sequence of acts."""


def _entry_data(run: ScenarioRun, entry: Entry) -> dict[str, Any]:
    data = entry.as_dict()
    step = run.scenario.steps[entry.index]
    if step.id:
        data["id"] = step.id
    if step.source:
        data["source"] = step.source
    if step.uncertain:
        data["uncertain"] = " ".join(step.uncertain.split())
    return data


def _federal_entry_data(run: FederationRun, index: int) -> dict[str, Any]:
    """An entry as for a single polity, with the `polity` whose ledger holds it."""
    polity, entry = run.entries[index]
    data = {"polity": polity, **entry.as_dict()}
    step = run.scenario.steps[index]
    if step.id:
        data["id"] = step.id
    if step.source:
        data["source"] = step.source
    if step.uncertain:
        data["uncertain"] = " ".join(step.uncertain.split())
    return data


@scenario.command("run")
@click.argument("path", type=click.Path(exists=True))
@click.option(
    "--json", "as_json", is_flag=True, help="Print every act and its outcome as a JSON list."
)
@click.option("--effects/--no-effects", default=True, help="Show what each granted act changed.")
@db_option
@click.option(
    "--id",
    "polity_id",
    default=None,
    help="With --db: the new polity's id (default: the constitution's).",
)
@reports_errors
def scenario_run(
    path: str, as_json: bool, effects: bool, db: str | None, polity_id: str | None
) -> None:
    """Replay the scenario at PATH (a scenario file, or a directory with scenario.yaml).

    Prints each act with its time, actor, the power it claims, its outcome, and
    the clause that grants it or the reason it is refused. With --db, the
    scenario is replayed into that database as a new polity, every act
    durably committed to its ledger and a checkpoint signed at the end.
    """
    if is_federation_scenario(path):
        federal = load_federation_scenario(path)
        many = (
            run_federation_scenario(federal) if db is None else replay_federation_into(federal, db)
        )
        if as_json:
            emit_json([_federal_entry_data(many, index) for index in range(len(many.entries))])
            return
        click.echo(federation_table(many, effects=effects))
        click.echo()
        click.echo(federation_summary(many))
        return
    loaded = load_scenario(path)
    run = run_scenario(loaded) if db is None else replay_into(loaded, db, polity_id)
    if as_json:
        emit_json([_entry_data(run, entry) for entry in run.entries])
        return
    click.echo(entries_table(run, effects=effects))
    click.echo()
    click.echo(run_summary(run))


@scenario.command("compare")
@click.argument("variant", type=click.Path(exists=True))
@click.argument("base", type=click.Path(exists=True), required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@reports_errors
def scenario_compare(variant: str, base: str | None, as_json: bool) -> None:
    """Replay VARIANT and BASE and show every act whose outcome differs.

    BASE defaults to the scenario VARIANT declares itself a variant of, so
    `charter scenario compare examples/rcp-1923/counterfactual.yaml` shows what
    the counterfactual amendment would have changed.
    """
    variant_scenario = load_scenario(variant)
    base_path = base or variant_scenario.variant_of
    if base_path is None:
        raise click.UsageError(f"{variant} is not a variant of another scenario; give BASE")
    comparison = compare_runs(
        run_scenario(load_scenario(base_path)), run_scenario(variant_scenario)
    )
    if as_json:
        emit_json(comparison.as_dict())
    else:
        click.echo(comparison_report(comparison))
