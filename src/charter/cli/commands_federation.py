"""`charter federation ...` and `charter import`: federations and their members in a database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from charter.cli.app import db_option, emit_json, main, reports_errors
from charter.cli.ledger_access import service
from charter.domain.acts import Act, Entry
from charter.domain.polity import Polity
from charter.errors import CharterError
from charter.federation_scenario import DecisionReferenceError, resolve_references
from charter.keys import KeyRing
from charter.ledger.bundle import read_bundle
from charter.services.importing import import_bundle
from charter.services.polities import PolityService

__all__ = ["federation"]


class FederationCommandError(CharterError):
    """A federation command that cannot be carried out as asked."""


def _federation(polities: PolityService, federation_id: str) -> Polity:
    known = {record.id for record in polities.store.polities()}
    if federation_id not in known:
        raise FederationCommandError(f"no polity '{federation_id}' in this database")
    polity = polities.polity(federation_id)
    if polity.state.constitution.federation is None:
        raise FederationCommandError(f"'{federation_id}' is not a federation")
    return polity


def _perform(polities: PolityService, federation_id: str, act: Act) -> Entry:
    """Check the member decisions `act` cites in their own ledgers, then append it to the federation's."""
    polities.keys.load(federation_id)  # no key, no checkpoint: refuse before anything is stored
    members = {record.id: polities.polity(record.id) for record in polities.store.polities()}
    try:
        resolved = resolve_references(
            federation_id, act, members, lambda member: polities.checkpoint(member).text
        )
    except DecisionReferenceError as error:
        raise FederationCommandError(f"{error.path}: {error.message}") from None
    entry = polities.perform(federation_id, resolved)
    polities.checkpoint(federation_id)
    return entry


def _report(entry: Entry, as_json: bool) -> None:
    if as_json:
        emit_json(entry.as_dict())
        return
    outcome = entry.outcome
    click.echo(f"{entry.act.kind} {outcome.verdict.upper()}: {outcome.basis}")
    for effect in outcome.effects:
        click.echo(f"  -> {effect}")


def _moment(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@main.group()
def federation() -> None:
    """Federations: their member polities, delegates, accession and secession."""


@federation.command("members")
@click.argument("federation_id", metavar="FEDERATION")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the members as JSON.")
@reports_errors
def members(federation_id: str, db: str | None, as_json: bool) -> None:
    """The member polities of FEDERATION: since when, their criteria, and any exit."""
    with service(db) as polities:
        state = _federation(polities, federation_id).state
    rows: list[dict[str, Any]] = [
        member.as_dict(state.time) for member in sorted(state.polities.values(), key=lambda m: m.id)
    ]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        status = "member" if row["member"] else f"left {str(row['leaves'])[:10]}"
        if row["member"] and row["leaves"]:
            status = f"leaving {str(row['leaves'])[:10]}"
        criteria = ", ".join(f"{k} {v}" for k, v in row["criteria"].items())
        click.echo(f"{row['polity']:<14} {row['name']:<36} {status:<18} {criteria}")


@federation.command("delegates")
@click.argument("federation_id", metavar="FEDERATION")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the delegates as JSON.")
@reports_errors
def delegates(federation_id: str, db: str | None, as_json: bool) -> None:
    """Who sits in FEDERATION's bodies for which member polity, with the votes they carry."""
    with service(db) as polities:
        state = _federation(polities, federation_id).state
    rows = [
        {"polity": t.chosen_by, "body": t.post, "person": t.person, "votes": t.votes}
        for t in sorted(state.active_tenures(), key=lambda t: (t.chosen_by, t.post, t.person))
        if t.chosen_by in state.polities
    ]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['polity']:<14} {row['body']:<26} {row['person']:<16} {row['votes']}")


@federation.command("secede")
@click.argument("federation_id", metavar="FEDERATION")
@click.argument("member")
@click.option("--decision", required=True, help="The member's carried leave-federation motion.")
@click.option("--time", "when", default=None, help="When (ISO 8601); default now.")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the entry as JSON.")
@reports_errors
def secede(
    federation_id: str, member: str, decision: str, when: str | None, db: str | None, as_json: bool
) -> None:
    """Record MEMBER's exit from FEDERATION, on its own carried DECISION, with its final checkpoint."""
    with service(db) as polities:
        _federation(polities, federation_id)
        act = Act(member, "secede", _moment(when), {"decision": {"motion": decision}})
        entry = _perform(polities, federation_id, act)
    _report(entry, as_json)


@federation.command("join")
@click.argument("federation_id", metavar="FEDERATION")
@click.argument("member")
@click.option("--decision", required=True, help="The applicant's carried join-federation motion.")
@click.option("--mover", required=True, help="Who tables the motion to admit it.")
@click.option("--motion", "motion_id", default=None, help="The federal motion's id.")
@click.option(
    "--criterion",
    "criteria",
    multiple=True,
    metavar="NAME=NUMBER",
    help="A criterion of the applicant (population=5.3); one per criterion the federation counts.",
)
@click.option("--time", "when", default=None, help="When (ISO 8601); default now.")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the entry as JSON.")
@reports_errors
def join(
    federation_id: str,
    member: str,
    decision: str,
    mover: str,
    motion_id: str | None,
    criteria: tuple[str, ...],
    when: str | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Table, in FEDERATION's admitting body, a motion to admit MEMBER on its own DECISION.

    The motion carries the applicant's decision (checked in its own ledger),
    its name and current constitution; the body then votes on it as usual.
    """
    values: dict[str, float] = {}
    for item in criteria:
        name, _, number = item.partition("=")
        try:
            values[name] = float(number)
        except ValueError:
            raise click.BadParameter(
                f"expected NAME=NUMBER, got {item!r}", param_hint="--criterion"
            ) from None
    with service(db) as polities:
        rules = _federation(polities, federation_id).state.constitution.federation
        assert rules is not None
        action = {
            "act": "admit-polity",
            "polity": member,
            "criteria": values,
            "consent": {"motion": decision},
        }
        args = {
            "body": rules.accession.by,
            "motion": motion_id or f"admit-{member}",
            "text": f"Admit {member} to the federation.",
            "action": action,
        }
        entry = _perform(polities, federation_id, Act(mover, "table-motion", _moment(when), args))
    _report(entry, as_json)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--key",
    "key_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="The polity's signing key (PEM), so this installation signs its later checkpoints.",
)
@db_option
@reports_errors
def import_(file: str, key_file: str | None, db: str | None) -> None:
    """Import a bundle FILE (from `charter export`) as a polity of this database, once it verifies."""
    bundle = read_bundle(Path(file).read_bytes())
    key = KeyRing.read_file(Path(key_file)) if key_file else None
    with service(db) as polities:
        report = import_bundle(polities.store, polities.keys, bundle, key)
    click.echo(f"imported {bundle.polity}: {report.summary()}")
