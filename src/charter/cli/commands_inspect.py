"""`charter inspect` and `charter preview`: the Inspection's findings, and an amendment's effect on them."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import click

from charter.cli.app import db_option, emit_json, main, reports_errors
from charter.cli.ledger_access import service
from charter.domain.document import DocumentSyntaxError, parse_document
from charter.domain.inspection.preview import Preview, preview
from charter.domain.inspection.report import Inspection, inspect
from charter.domain.polity import Polity
from charter.errors import ScenarioError
from charter.federation_scenario import (
    is_federation_scenario,
    load_federation_scenario,
    run_federation_scenario,
)
from charter.scenario import load_scenario, run_scenario

__all__ = ["inspect_command", "preview_command"]


def _polities(target: str, db: str | None) -> list[tuple[str, Polity]]:
    """The polities to inspect: a scenario's (replayed), or a stored polity by id."""
    if Path(target).exists():
        if is_federation_scenario(target):
            run = run_federation_scenario(load_federation_scenario(target))
            return list(run.polities.items())
        single = run_scenario(load_scenario(target))
        return [(single.scenario.constitution.id, single.polity)]
    with service(db) as polities:
        return [(target, polities.polity(target))]


def _text(report: Inspection, title: str) -> str:
    wrap = textwrap.TextWrapper(width=100, initial_indent="        ", subsequent_indent="        ")
    lines = [
        f"Inspection of {title} at {report.time.date().isoformat() if report.time else 'its founding'}"
    ]
    lines.append(f"Findings ({len(report.findings)}):")
    for finding in report.findings:
        lines.append(f"  {finding.severity.upper():<6} {finding.kind}: {finding.subject}")
        lines.extend(wrap.wrap(finding.summary))
        clauses = [e.clause for e in finding.evidence if e.clause]
        entries = [str(e.entry) for e in finding.evidence if e.entry is not None]
        if clauses:
            lines.extend(wrap.wrap("clauses: " + ", ".join(dict.fromkeys(clauses))))
        if entries:
            lines.extend(wrap.wrap("ledger entries: " + ", ".join(dict.fromkeys(entries))))
    lines.append(
        "Power (normalised Banzhaf; effective = own seat with the seats owed to them, or 1 where they decide the next filling):"
    )
    ranked = sorted(report.people.items(), key=lambda item: (-(item[1].ratio or 0), item[0]))
    for name, power in ranked:
        if power.ratio is None and not power.control.posts_next:
            continue
        ratio = f"{power.ratio:.1f}x" if power.ratio is not None else "-"
        controls = ", ".join(power.control.posts_next) or "-"
        lines.append(f"  {name:<16} ratio {ratio:<7} decides the next filling of: {controls}")
    concentration = report.concentration
    lines.append(
        f"Concentration: HHI {concentration.get('hhi', 0):.3f}, Gini {concentration.get('gini', 0):.3f}"
        f" over {concentration.get('filled_seats', 0)} filled seats"
    )
    return "\n".join(lines)


@main.command("inspect")
@click.argument("target", metavar="POLITY_OR_DIR")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--map", "map_file", type=click.Path(dir_okay=False), help="Draw the power map (PNG or SVG)."
)
@click.option(
    "--chart",
    "chart_file",
    type=click.Path(dir_okay=False),
    help="Draw formal against effective power (PNG or SVG).",
)
@db_option
@reports_errors
def inspect_command(
    target: str, as_json: bool, map_file: str | None, chart_file: str | None, db: str | None
) -> None:
    """Who really holds power in POLITY_OR_DIR (a scenario, or a stored polity's id), and where
    authority exceeds office: circles of selection, control, conflicts, pressure on limits."""
    polities = _polities(target, db)
    reports = [(name, inspect(polity.state, polity.record, name)) for name, polity in polities]
    if map_file or chart_file:
        from charter.inspection_plots import plot_power, plot_power_map

        _, report = reports[0]
        constitution = polities[0][1].state.constitution
        if map_file:
            plot_power_map(report, constitution, map_file)
        if chart_file:
            plot_power(report, chart_file)
    if as_json:
        emit_json(
            reports[0][1].as_dict() if len(reports) == 1 else [r.as_dict() for _, r in reports]
        )
        return
    click.echo("\n\n".join(_text(report, name) for name, report in reports))


def _amendment(path: str) -> dict[str, Any]:
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = parse_document(text, path).data
    except DocumentSyntaxError as error:
        raise ScenarioError([error.problem]) from None
    if isinstance(data, list):
        data = {"changes": data}
    if not isinstance(data, dict):
        raise ScenarioError([])
    return data


def _times(value: float | None) -> str:
    return f"{value:.1f}x" if value is not None else "-"


def _preview_text(result: Preview, title: str) -> str:
    lines = [f"Amendment preview for {title}: {result.summary}", ""]
    before = {flow.post for flow in result.before.flows}
    after = {flow.post for flow in result.after.flows}
    lines.append("Circles of selection:")
    for post in sorted(before | after):
        state = "broken" if post not in after else "new" if post not in before else "unchanged"
        lines.append(f"  {post:<28} {state}")
    lines.append("Effective over formal power (before → after):")
    for name, (was, will) in result.ratios().items():
        if was is None and will is None:
            continue
        lines.append(f"  {name:<16} {_times(was):>7} → {_times(will):<7}")
    lines.append(f"Findings cleared ({len(result.cleared)}):")
    lines.extend(f"  - {f.severity} {f.kind}: {f.summary}" for f in result.cleared)
    lines.append(f"Findings raised ({len(result.raised)}):")
    lines.extend(f"  + {f.severity} {f.kind}: {f.summary}" for f in result.raised)
    return "\n".join(lines)


@main.command("preview")
@click.argument("target", metavar="POLITY_OR_DIR")
@click.argument("amendment_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--json", "as_json", is_flag=True, help="Print before, after and the differences as JSON."
)
@db_option
@reports_errors
def preview_command(target: str, amendment_file: str, as_json: bool, db: str | None) -> None:
    """The Inspection of POLITY_OR_DIR now and with AMENDMENT_FILE adopted, side by side.

    AMENDMENT_FILE holds the amendment as a motion would carry it:
    `{summary: ..., changes: [{remove: PATH}, {set: PATH, value: ...}, ...]}`.
    """
    amendment = _amendment(amendment_file)
    (name, polity), *_ = _polities(target, db)
    result = preview(polity.state, amendment, polity.record, name)
    if as_json:
        emit_json(result.as_dict())
        return
    click.echo(_preview_text(result, name))
