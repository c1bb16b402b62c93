"""Plain-text views of constitutions and replays, for the terminal."""

from __future__ import annotations

import shutil
import textwrap
from collections import Counter

from charter.compare import Comparison
from charter.domain.acts import Entry
from charter.domain.constitution import Constitution, Grant, grants_of
from charter.federation_scenario import FederationRun
from charter.scenario import ScenarioRun

__all__ = [
    "comparison_report",
    "constitution_summary",
    "entries_table",
    "federation_summary",
    "federation_table",
    "grants_table",
    "run_summary",
]


def _width() -> int:
    return max(80, min(shutil.get_terminal_size((120, 24)).columns, 160))


def constitution_summary(constitution: Constitution, file: str) -> str:
    """What a constitution declares, in a few lines: enough to see it was read as meant."""
    grants = grants_of(constitution)
    powers = Counter(grant.power for grant in grants)
    lines = [
        f"{file}: valid constitution (charter: {constitution.charter})",
        f"  {constitution.name} [{constitution.id}]",
        f"  bodies ({len(constitution.bodies)}): {', '.join(constitution.bodies) or '-'}",
        f"  offices ({len(constitution.offices)}): {', '.join(constitution.offices) or '-'}",
        f"  procedures ({len(constitution.procedures)}): {', '.join(constitution.procedures) or '-'}",
        f"  grants ({len(grants)}): "
        + ", ".join(f"{name} x{count}" for name, count in sorted(powers.items())),
        f"  factions: {'allowed' if constitution.factions.allowed else 'banned'}",
        f"  amendment: {'by ' + constitution.amendment.by if constitution.amendment else 'none declared'}",
        f"  entrenched: {', '.join(rule.clause for rule in constitution.entrenched) or 'nothing'}",
    ]
    return "\n".join(lines)


def _table(title: str, rows: list[tuple[str, Entry]], effects: bool) -> str:
    """One block per act: its header line (`head`, then the outcome), its basis, its effects."""
    width = _width()
    wrap = textwrap.TextWrapper(width=width, initial_indent="      ", subsequent_indent="      ")
    lines = [title, "=" * min(width, len(title))]
    for head, entry in rows:
        outcome = entry.outcome
        lines.append(f"{head} {'GRANTED' if outcome.granted else 'REFUSED'}")
        label = "clause" if outcome.granted else "reason"
        lines.extend(wrap.wrap(f"{label}: {' '.join(outcome.basis.split())}"))
        if effects:
            for effect in outcome.effects:
                lines.extend(wrap.wrap(f"-> {' '.join(effect.split())}"))
    return "\n".join(lines)


def entries_table(run: ScenarioRun, *, effects: bool = True) -> str:
    """One block per act: a header line (index, date, actor, act, power, outcome) and its basis."""
    rows = [
        (
            f"{entry.index:>3}  {entry.act.time.date().isoformat()}  {entry.act.actor:<15}"
            f" {entry.act.kind:<16} {entry.act.claimed_power:<16}",
            entry,
        )
        for entry in run.entries
    ]
    return _table(run.scenario.title, rows, effects)


def federation_table(run: FederationRun, *, effects: bool = True) -> str:
    """Every act in the order it happened, each in its own polity's ledger (index per ledger)."""
    rows = [
        (
            f"{polity:<12} {entry.index:>3}  {entry.act.time.date().isoformat()}"
            f"  {entry.act.actor:<12} {entry.act.kind:<16}",
            entry,
        )
        for polity, entry in run.entries
    ]
    return _table(run.scenario.title, rows, effects)


def federation_summary(run: FederationRun) -> str:
    """Per polity: acts granted and refused; per federation: its members and delegates at the end."""
    lines = []
    for polity_id, polity in run.polities.items():
        entries = polity.record
        granted = sum(1 for entry in entries if entry.outcome.granted)
        lines.append(
            f"{polity_id}: {len(entries)} acts, {granted} granted, {len(entries) - granted} refused."
        )
        state = polity.state
        if state.constitution.federation is None:
            continue
        for member in sorted(state.polities.values(), key=lambda m: m.id):
            status = (
                f"left {member.leaves_at.date().isoformat()}"
                if member.leaves_at is not None and not member.active(state.time)
                else f"leaving {member.leaves_at.date().isoformat()}"
                if member.leaves_at is not None
                else "member"
            )
            delegates = sorted(
                f"{t.person} ({t.post})" for t in state.active_tenures() if t.chosen_by == member.id
            )
            lines.append(
                f"  {member.name} [{member.id}]: {status}; delegates: {', '.join(delegates) or 'none'}"
            )
    return "\n".join(lines)


def run_summary(run: ScenarioRun) -> str:
    """Totals, refusals by actor, and who holds which office at the end."""
    entries = run.entries
    state = run.polity.state
    granted = sum(1 for entry in entries if entry.outcome.granted)
    refused = len(entries) - granted
    lines = [f"{len(entries)} acts: {granted} granted, {refused} refused."]
    refusals = Counter(entry.act.actor for entry in entries if not entry.outcome.granted)
    if refusals:
        lines.append(
            "Refused attempts by actor: " + ", ".join(f"{a} {n}" for a, n in refusals.most_common())
        )
    lines.append(f"Constitution version at the end: {state.version}.")
    lines.append("Offices at the end:")
    constitution = state.constitution
    for office in constitution.offices:
        holders = state.holders(office)
        lines.append(
            f"  {constitution.offices[office].name}: {', '.join(holders) if holders else 'vacant'}"
        )
    return "\n".join(lines)


def _line(entry: Entry) -> str:
    act = entry.act
    return f"{act.time.date().isoformat()}  {act.actor} {act.kind} {entry.outcome.verdict.upper()}"


def _why(entry: Entry) -> str:
    return " ".join(entry.outcome.basis.split())


def comparison_report(comparison: Comparison) -> str:
    """The differences between two replays, as a person would want to read them."""
    base, variant = comparison.base.scenario, comparison.variant.scenario
    width = _width()
    wrap = textwrap.TextWrapper(width=width, initial_indent="      ", subsequent_indent="      ")
    lines = [f"Base:    {base.title}", f"Variant: {variant.title}", ""]
    if comparison.only_in_variant:
        lines.append("Only in the variant:")
        for entry in comparison.only_in_variant:
            lines.append(f"  {_line(entry)}")
            lines.extend(wrap.wrap(_why(entry)))
            lines.extend(
                wrap.wrap("-> " + "; ".join(entry.outcome.effects)) if entry.outcome.effects else []
            )
    if comparison.only_in_base:
        lines.append("Only in the base:")
        for entry in comparison.only_in_base:
            lines.append(f"  {_line(entry)}")
    lines.append(
        "Acts whose outcome changed:" if comparison.changed else "No act changed its outcome."
    )
    for change in comparison.changed:
        label = change.step.id or f"step {change.after.index}"
        lines.append(f"  {label}: {_line(change.after)}")
        lines.extend(wrap.wrap(f"was {change.before.outcome.verdict}: {_why(change.before)}"))
        lines.extend(wrap.wrap(f"now {change.after.outcome.verdict}: {_why(change.after)}"))
    constitution = comparison.variant.polity.constitution
    if comparison.holders:
        lines.append("Holders at the end:")
        for post, (before, after) in comparison.holders.items():
            label = constitution.label(post)
            lines.append(
                f"  {label}: {', '.join(before) or 'vacant'}  ->  {', '.join(after) or 'vacant'}"
            )
    versions = (comparison.base.polity.state.version, comparison.variant.polity.state.version)
    lines.append(f"Constitution version at the end: {versions[0]} -> {versions[1]}")
    return "\n".join(lines)


def _limits(grant: Grant) -> str:
    parts: list[str] = []
    scope = grant.scope
    if scope is not None:
        for field in ("offices", "bodies", "matters"):
            names = getattr(scope, field)
            if names:
                parts.append(f"{field}: {names if names == 'all' else ', '.join(names)}")
        if scope.members:
            parts.append("members")
    if grant.reserved:
        parts.append("except " + ", ".join(grant.reserved))
    if grant.quota is not None:
        parts.append(f"at most {grant.quota.max} per {grant.quota.per.describe()}")
    if grant.cosign:
        parts.append("co-signed by " + ", ".join(grant.cosign))
    if grant.nominated_by:
        parts.append(f"nominated by {grant.nominated_by}")
    if grant.procedure:
        parts.append(f"by procedure {grant.procedure}")
    if grant.threshold is not None:
        parts.append(f"threshold {grant.threshold}")
    return "; ".join(parts) or "unrestricted"


def grants_table(constitution: Constitution) -> str:
    """Who may do what, under which clause, within which limits."""
    lines = []
    for grant in grants_of(constitution):
        holder = grant.holder + (" (each member)" if grant.personal else "")
        lines.append(f"  {grant.clause}")
        lines.append(f"      {holder} may {grant.power}: {_limits(grant)}")
    return "\n".join(lines)
