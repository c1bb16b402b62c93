"""Commands on stored polities: init, act, log, export, verify, prove, polities."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import click

from charter.cli.app import db_option, emit_json, main, reports_errors
from charter.cli.ledger_access import service
from charter.domain.polity import Founding
from charter.ledger.bundle import read_bundle, write_bundle
from charter.ledger.encoding import decode_entry
from charter.ledger.verify import verify as verify_bundle
from charter.scenario import load_constitution, load_founding, read_act

__all__ = ["act", "db", "export", "init", "log", "polities", "prove", "verify"]


@main.command()
@click.argument("constitution", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--id", "polity_id", required=True, help="The new polity's id (letters, digits, '-')."
)
@click.option(
    "--founding",
    type=click.Path(exists=True, dir_okay=False),
    help="A YAML file with the founding time, members and posts.",
)
@click.option("--name", default=None, help="The polity's name (default: the constitution's).")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the new head as JSON.")
@reports_errors
def init(
    constitution: str,
    polity_id: str,
    founding: str | None,
    name: str | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Create a polity from a CONSTITUTION file: its signing key, genesis entry and first checkpoint."""
    loaded = load_constitution(constitution)
    start = load_founding(founding) if founding else Founding(time=datetime.now(UTC))
    with service(db) as polities:
        head = polities.create(polity_id, loaded, start, name)
        key = polities.keys.path(polity_id)
    if as_json:
        emit_json({"polity": polity_id, "size": head.size, "root": head.root.hex()})
    else:
        click.echo(f"created polity {polity_id}: genesis entry, root {head.root.hex()[:16]}…")
        click.echo(
            f"signing key: {key} (or set CHARTER_SIGNING_KEY_{polity_id.upper().replace('-', '_')})"
        )


@main.command()
@click.argument("polity")
@click.argument("file", type=click.File("r"), default="-")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the stored entry as JSON.")
@reports_errors
def act(polity: str, file: TextIO, db: str | None, as_json: bool) -> None:
    """Perform one act on POLITY, given as YAML or JSON in FILE (default: standard input).

    The act is a mapping like a scenario step: actor, act, args, and optionally
    power, as, cosigned_by, note and time (default: now). It is judged, stored
    durably, and a checkpoint signed; the outcome is printed with its clause or
    reason. A malformed act is refused with its error and stores nothing.
    """
    source = getattr(file, "name", "<stdin>")
    performed = read_act(file.read(), source, datetime.now(UTC))
    with service(db) as polities:
        polities.keys.load(polity)  # no key, no checkpoint: refuse before anything is stored
        entry = polities.perform(polity, performed)
        polities.checkpoint(polity)
    if as_json:
        emit_json({"seq": entry.index + 1, **entry.as_dict()})
        return
    label = "clause" if entry.outcome.granted else "reason"
    click.echo(
        f"{entry.outcome.verdict.upper()} (entry {entry.index + 1}) {label}: {entry.outcome.basis}"
    )
    for effect in entry.outcome.effects:
        click.echo(f"  -> {effect}")


@main.command()
@click.argument("polity")
@click.option("--start", default=0, show_default=True, help="First entry to show.")
@click.option("--limit", default=50, show_default=True, help="How many entries to show.")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON.")
@reports_errors
def log(polity: str, start: int, limit: int, db: str | None, as_json: bool) -> None:
    """Show POLITY's ledger entries, a page at a time."""
    with service(db) as polities:
        size = polities.store.head(polity).size
        stop = min(size, start + limit)
        records = [decode_entry(data) for data in polities.store.entries(polity, start, stop)]
    if as_json:
        emit_json(
            {"size": size, "start": start, "entries": [dict(record.fields) for record in records]}
        )
        return
    for record in records:
        fields = record.fields
        if record.type == "genesis":
            click.echo(f"{record.seq:>6}  genesis  {fields['polity']}")
            continue
        performed, outcome = fields["act"], fields["outcome"]
        click.echo(
            f"{record.seq:>6}  {performed['time'][:10]}  {performed['actor']:<14} {performed['act']:<16}"
            f" {outcome['verdict'].upper():<8} {outcome['basis']}"
        )
    if stop < size:
        click.echo(f"… {size - stop} more (--start {stop})")


@main.command()
@click.argument("polity")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), required=True, help="The bundle file."
)
@db_option
@reports_errors
def export(polity: str, output: str, db: str | None) -> None:
    """Write POLITY's ledger as a self-contained bundle that `charter verify` checks offline."""
    with service(db) as polities:
        polities.checkpoint(polity)
        bundle = polities.export(polity)
    Path(output).write_bytes(write_bundle(bundle))
    click.echo(
        f"exported {len(bundle.entries)} entries and {len(bundle.checkpoints)} checkpoints to {output}"
    )


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@reports_errors
def verify(file: str, as_json: bool) -> None:
    """Verify a bundle FILE offline: hashes, signatures, checkpoints, and every act replayed.

    Exit status 0 and one summary line if it verifies; 1 and the first
    discrepancy (where, field, expected, found) if it does not.
    """
    report = verify_bundle(read_bundle(Path(file).read_bytes()))
    if as_json:
        found = report.discrepancy
        emit_json(
            {
                "verified": report.ok,
                "entries": report.entries,
                "checkpoints": report.checkpoints,
                "root": report.root.hex(),
                "discrepancy": None
                if found is None
                else {
                    "where": found.where,
                    "field": found.field,
                    "expected": found.expected,
                    "found": found.found,
                },
            }
        )
    else:
        click.echo(report.summary(), err=not report.ok)
    if not report.ok:
        sys.exit(1)


@main.group()
def prove() -> None:
    """Print inclusion and consistency proofs (RFC 9162) that anyone can check."""


@prove.command("inclusion")
@click.argument("polity")
@click.argument("index", type=int)
@click.option(
    "--size", type=int, default=None, help="Tree size to prove against (default: the whole log)."
)
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the proof as JSON.")
@reports_errors
def prove_inclusion(
    polity: str, index: int, size: int | None, db: str | None, as_json: bool
) -> None:
    """Prove that entry INDEX is in POLITY's ledger (RFC 9162 section 2.1.3)."""
    with service(db) as polities:
        proof = polities.prove_inclusion(polity, index, size)
    data = proof.as_dict()
    if as_json:
        emit_json(data)
        return
    click.echo(f"entry {proof.index} of {proof.size}, leaf hash {data['leaf_hash']}")
    click.echo(f"root {data['root']}")
    for number, digest in enumerate(data["path"]):
        click.echo(f"  path[{number}] {digest}")


@prove.command("consistency")
@click.argument("polity")
@click.argument("old_size", type=int)
@click.argument("new_size", type=int)
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the proof as JSON.")
@reports_errors
def prove_consistency(
    polity: str, old_size: int, new_size: int, db: str | None, as_json: bool
) -> None:
    """Prove that POLITY's first OLD_SIZE entries are unchanged at NEW_SIZE (RFC 9162 section 2.1.4)."""
    with service(db) as polities:
        proof = polities.prove_consistency(polity, old_size, new_size)
    data = proof.as_dict()
    if as_json:
        emit_json(data)
        return
    click.echo(f"{proof.old_size} -> {proof.new_size}")
    click.echo(f"old root {data['old_root']}")
    click.echo(f"new root {data['new_root']}")
    for number, digest in enumerate(data["proof"]):
        click.echo(f"  proof[{number}] {digest}")


@main.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the polities as JSON.")
@reports_errors
def polities(db: str | None, as_json: bool) -> None:
    """List the polities in the database, with their ledger sizes."""
    with service(db) as running:
        records = running.store.polities()
    if as_json:
        emit_json(
            [
                {"id": r.id, "name": r.name, "size": r.head.size, "root": r.head.root.hex()}
                for r in records
            ]
        )
        return
    for record in records:
        click.echo(f"{record.id:<24} {record.head.size:>8} entries  {record.name}")


@main.group()
def db() -> None:
    """Manage the database schema (migrations run only when asked)."""


@db.command("upgrade")
@db_option
@reports_errors
def db_upgrade(db: str | None) -> None:
    """Migrate the database to this version's schema (safe to run from several processes)."""
    from charter.storage import database_url, make_engine, upgrade
    from charter.storage.version import current_revision

    upgrade(db)
    engine = make_engine(db)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    click.echo(f"{database_url(db)} is at schema revision {revision}")
