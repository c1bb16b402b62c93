"""The Inspection's report: findings with severity and evidence, and the power behind them.

Every finding names its kind, how severe it is, whom or what it concerns, a
sentence a member can read, and its evidence: the clauses that make it
possible and the ledger entries that made it happen. Thresholds come from the
constitution's `inspection.thresholds` (documented defaults otherwise).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from charter.domain.acts import Entry
from charter.domain.authority import incompatibility
from charter.domain.constitution import Constitution, grants_of
from charter.domain.constitution.model import Thresholds
from charter.domain.inspection.control import Control, control_of
from charter.domain.inspection.graph import CircularFlow, Relation, circular_flows, relations
from charter.domain.inspection.power import BodyPower, body_powers
from charter.domain.state import PolityState, Tenure

__all__ = ["Evidence", "Finding", "Inspection", "PersonPower", "inspect"]

Severity = Literal["high", "medium", "low"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """A clause, or a ledger entry (its position in the ledger, counting the genesis entry as 0)."""

    clause: str | None = None
    entry: int | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.clause is not None:
            data["clause"] = self.clause
        if self.entry is not None:
            data["entry"] = self.entry
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True, slots=True)
class Finding:
    """Something the Inspection reports: its kind, severity, subject, reading and evidence."""

    kind: str
    severity: Severity
    subject: str
    summary: str
    evidence: tuple[Evidence, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "subject": self.subject,
            "summary": self.summary,
            "evidence": [item.as_dict() for item in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class PersonPower:
    """One person's offices, what they control, and their power body by body."""

    person: str
    offices: tuple[str, ...]
    control: Control
    bodies: tuple[BodyPower, ...]

    @property
    def ratio(self) -> float | None:
        ratios = [body.ratio for body in self.bodies if body.ratio is not None]
        return max(ratios) if ratios else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "offices": list(self.offices),
            "controls_next": list(self.control.posts_next),
            "controls_now": sorted(f"{t.person}:{t.post}" for t in self.control.seats_now),
            "bodies": {body.body: body.as_dict() for body in self.bodies},
            "ratio": self.ratio,
        }


@dataclass(frozen=True)
class Inspection:
    """The whole report on one polity at one moment."""

    polity: str
    time: datetime | None
    findings: tuple[Finding, ...]
    people: dict[str, PersonPower]
    relations: tuple[Relation, ...]
    flows: tuple[CircularFlow, ...]
    concentration: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "polity": self.polity,
            "time": self.time.isoformat() if self.time else None,
            "findings": [finding.as_dict() for finding in self.findings],
            "power": {
                "people": {name: power.as_dict() for name, power in self.people.items()},
                "concentration": self.concentration,
            },
            "map": {
                "relations": [relation.as_dict() for relation in self.relations],
                "circular_flows": [
                    {"post": flow.post, "path": [relation.as_dict() for relation in flow.path]}
                    for flow in self.flows
                ],
            },
        }


# --- evidence from the record ------------------------------------------------------------------


class _Record:
    """Where in the ledger each tenure began, and who was refused what."""

    def __init__(self, record: Sequence[Entry]) -> None:
        self.entries = record
        self._by_time: dict[datetime, list[tuple[int, str | None, str]]] = defaultdict(list)
        for entry in record:
            if entry.outcome.granted:
                person = entry.act.args.get("person")
                self._by_time[entry.act.time].append(
                    (
                        entry.index + 1,
                        person if isinstance(person, str) else None,
                        " ".join(entry.outcome.effects),
                    )
                )

    def entry_of(self, tenure: Tenure) -> Evidence:
        """The entry that gave `tenure`, or the founding."""
        if tenure.chosen_by == "founding":
            return Evidence(note=f"{tenure.person} held {tenure.post} from the founding")
        for seq, person, text in self._by_time.get(tenure.since, ()):
            if person == tenure.person or f"{tenure.person} " in text:
                return Evidence(entry=seq, note=f"{tenure.person}: {tenure.post}")
        return Evidence(note=f"{tenure.person}: {tenure.post} since {tenure.since.date()}")

    def refusals(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = defaultdict(list)
        for entry in self.entries:
            if not entry.outcome.granted:
                found[entry.act.actor].append(entry.index + 1)
        return found


# --- findings --------------------------------------------------------------------------------------


def _flow_findings(constitution: Constitution, flows: Sequence[CircularFlow]) -> list[Finding]:
    found = []
    for flow in flows:
        individual = flow.post in constitution.offices and any(
            relation.kind == "appoints" for relation in flow.path
        )
        found.append(
            Finding(
                "circular-flow",
                "high" if individual else "medium",
                flow.post,
                f"{constitution.label(flow.post)} is on a circle of selection: {flow.describe(constitution)}",
                tuple(Evidence(clause=relation.clause) for relation in flow.path),
            )
        )
    return found


def _person_findings(
    state: PolityState,
    people: dict[str, PersonPower],
    record: _Record,
    thresholds: Thresholds,
) -> list[Finding]:
    c = state.constitution
    found: list[Finding] = []
    for name, power in people.items():
        control = power.control
        for office in power.offices:
            chain = control.chains.get(office)
            if chain:
                steps = " → ".join(f"{r.kind} {c.label(r.target)}" for r in chain)
                evidence = [Evidence(clause=r.clause) for r in chain]
                evidence += [record.entry_of(t) for t in control.seats_now]
                found.append(
                    Finding(
                        "circular-flow",
                        "high",
                        name,
                        f"{name} holds {c.label(office)} and decides, through the chain"
                        f" {c.label(office)} → {steps}, who will hold it next",
                        tuple(evidence),
                    )
                )
        ratio = power.ratio
        if ratio is not None and ratio >= thresholds.disproportion:
            worst = max(
                (body for body in power.bodies if body.ratio is not None),
                key=lambda body: body.ratio or 0,
            )
            severity: Severity = "high" if ratio >= thresholds.disproportion_high else "medium"
            evidence = [Evidence(clause=r.clause) for r in control.chains.get(worst.body, ())]
            evidence += [record.entry_of(t) for t in control.seats_now]
            found.append(
                Finding(
                    "disproportionate-authority",
                    severity,
                    name,
                    f"{name}'s effective power in {c.label(worst.body)} is {ratio:.1f} times"
                    f" the formal power of the seat held there ({float(worst.formal):.3f} →"
                    f" {float(worst.effective_next):.3f})",
                    tuple(evidence),
                )
            )
    return found


def _inspector_conflicts(state: PolityState, record: _Record) -> list[Finding]:
    """People who held an inspecting post while holding a post it inspects, now or in the record."""
    c = state.constitution
    inspecting = [r for r in relations(c) if r.kind == "inspects"]
    by_person: dict[str, list[Tenure]] = defaultdict(list)
    for tenure in (*state.past_tenures, *state.tenures):
        by_person[tenure.person].append(tenure)
    now = state.time
    found: list[Finding] = []
    for person, tenures in sorted(by_person.items()):
        for watcher in tenures:
            reaching = [r for r in inspecting if r.source == watcher.post]
            if not reaching:
                continue
            targets = {r.target: r for r in reaching}
            for watched in tenures:
                if watched is watcher or watched.post not in targets:
                    continue
                start = max(watcher.since, watched.since)
                ends = [e for e in (_end(watcher), _end(watched)) if e is not None]
                end = min(ends) if ends else None
                if end is not None and end <= start:
                    continue
                until = (
                    "now"
                    if end is None or (now is not None and end >= now)
                    else end.date().isoformat()
                )
                found.append(
                    Finding(
                        "inspector-inspected",
                        "high",
                        person,
                        f"{person} held {c.label(watcher.post)}, which inspects {c.label(watched.post)},"
                        f" while holding {c.label(watched.post)} ({start.date().isoformat()} – {until})",
                        (
                            Evidence(clause=targets[watched.post].clause),
                            record.entry_of(watcher),
                            record.entry_of(watched),
                        ),
                    )
                )
    return found


def _end(tenure: Tenure) -> datetime | None:
    ends = [moment for moment in (tenure.ended, tenure.until) if moment is not None]
    return min(ends) if ends else None


def _captured_inspection(state: PolityState, people: dict[str, PersonPower]) -> list[Finding]:
    """An inspecting post whose next holders are decided by someone it inspects."""
    c = state.constitution
    found = []
    for relation in relations(c):
        if relation.kind != "inspects":
            continue
        for name, power in people.items():
            chain = power.control.chains.get(relation.source)
            if not chain or relation.target not in power.offices:
                continue
            found.append(
                Finding(
                    "captured-inspection",
                    "high",
                    relation.source,
                    f"{c.label(relation.source)} inspects {c.label(relation.target)}, held by {name},"
                    f" who decides who sits in it ({' → '.join(c.label(r.target) for r in chain)})",
                    (Evidence(clause=relation.clause), *(Evidence(clause=r.clause) for r in chain)),
                )
            )
    return list({(f.subject, f.summary): f for f in found}.values())


def _limit_findings(state: PolityState, record: _Record, thresholds: Thresholds) -> list[Finding]:
    c = state.constitution
    now = state.time
    found: list[Finding] = []
    if now is not None:
        for grant in grants_of(c):
            if grant.quota is None:
                continue
            uses = state.exercises.get(grant.clause, ())
            start = grant.quota.per.before(now)
            used = len(uses) - bisect.bisect_right(uses, start, key=lambda use: use.time)
            if used >= thresholds.quota_pressure * grant.quota.max:
                found.append(
                    Finding(
                        "quota-pressure",
                        "medium" if used >= grant.quota.max else "low",
                        grant.clause,
                        f"{used} of {grant.quota.max} uses of '{grant.power}' per"
                        f" {grant.quota.per.describe()} made since {start.date().isoformat()}",
                        (Evidence(clause=f"{grant.clause}.quota"),),
                    )
                )
        soon = now + timedelta(days=thresholds.term_days)
        for tenure in state.active_tenures(now):
            if tenure.until is not None and tenure.until <= soon:
                found.append(
                    Finding(
                        "term-ending",
                        "low",
                        f"{tenure.person}:{tenure.post}",
                        f"{tenure.person}'s term in {c.label(tenure.post)} ends on {tenure.until.date().isoformat()}",
                        (record.entry_of(tenure),),
                    )
                )
        for tenure in state.active_tenures(now):
            problem = incompatibility(state, tenure.person, tenure.post, now)
            if problem is not None:
                found.append(
                    Finding(
                        "incompatible-offices",
                        "high",
                        tenure.person,
                        problem,
                        (record.entry_of(tenure),),
                    )
                )
    for actor, entries in sorted(record.refusals().items()):
        if len(entries) >= thresholds.refusals:
            found.append(
                Finding(
                    "refused-attempts",
                    "medium",
                    actor,
                    f"{actor} was refused {len(entries)} times",
                    tuple(Evidence(entry=seq) for seq in entries),
                )
            )
    return found


def _concentration(
    state: PolityState, people: dict[str, PersonPower], thresholds: Thresholds
) -> tuple[dict[str, Any], list[Finding]]:
    """Shares of filled seats controlled (own and owed), their HHI and Gini, and who passes the threshold."""
    filled = len(state.active_tenures())
    if not filled or not people:
        return {"filled_seats": filled, "hhi": 0.0, "gini": 0.0, "shares": {}}, []
    counts = {
        name: len({(t.person, t.post) for t in power.control.seats_now})
        + sum(1 for t in state.active_tenures() if t.person == name)
        for name, power in people.items()
    }
    shares = {name: count / filled for name, count in counts.items()}
    total = sum(counts.values())
    hhi = sum((count / total) ** 2 for count in counts.values()) if total else 0.0
    ordered = sorted(counts.values())
    n = len(ordered)
    gini = (
        sum((2 * (i + 1) - n - 1) * value for i, value in enumerate(ordered)) / (n * sum(ordered))
        if sum(ordered)
        else 0.0
    )
    findings = [
        Finding(
            "seat-concentration",
            "high" if share >= 2 * thresholds.seat_share else "medium",
            name,
            f"{name} holds or controls {counts[name]} of {filled} filled seats ({share:.0%})",
            tuple(Evidence(note=f"{t.person}: {t.post}") for t in people[name].control.seats_now),
        )
        for name, share in sorted(shares.items())
        if share >= thresholds.seat_share and counts[name] > 1
    ]
    top = sorted(shares.items(), key=lambda item: (-item[1], item[0]))[:10]
    return {
        "filled_seats": filled,
        "hhi": round(hhi, 6),
        "gini": round(gini, 6),
        "shares": {name: round(share, 6) for name, share in top},
    }, findings


_ORDER = {"high": 0, "medium": 1, "low": 2}


def inspect(state: PolityState, record: Sequence[Entry] = (), polity: str = "") -> Inspection:
    """The Inspection's report on `state` (and the record that led to it)."""
    c = state.constitution
    thresholds = c.inspection.thresholds
    history = _Record(record)
    controls = control_of(state)
    people: dict[str, PersonPower] = {}
    for name, control in controls.items():
        offices = tuple(sorted({t.post for t in state.posts_of(name) if t.kind == "office"}))
        people[name] = PersonPower(name, offices, control, body_powers(state, control))
    flows = circular_flows(c)
    concentration, concentrated = _concentration(state, people, thresholds)
    findings = [
        *_flow_findings(c, flows),
        *_person_findings(state, people, history, thresholds),
        *_inspector_conflicts(state, history),
        *_captured_inspection(state, people),
        *concentrated,
        *_limit_findings(state, history, thresholds),
    ]
    findings.sort(key=lambda f: (_ORDER[f.severity], f.kind, f.subject, f.summary))
    return Inspection(
        polity or c.id,
        state.time,
        tuple(findings),
        people,
        relations(c),
        flows,
        concentration,
    )
