"""What the inspection dashboard and the federation pages show: plain data from the domain.

The Inspection's report is the domain's (`inspect`): this module orders its
findings, links their evidence (clauses to the constitution's anchors, entries
to the ledger) and adds the pictures. A federation's page shows its members,
their delegates and its competences; a member's shows the federations it
belongs to, as their ledgers and its own record say.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from charter.domain.inspection.gaps import power_gaps
from charter.domain.inspection.report import inspect
from charter.domain.polity import Polity
from charter.services.polities import PolityService
from charter.web.power_charts import power_map_svg, power_svg
from charter.web.views import clause_anchor

__all__ = ["Memberships", "federation_view", "inspection_view", "is_federal"]

_SEVERITY = {"high": 0, "medium": 1, "low": 2}


def inspection_view(polity_id: str, polity: Polity) -> dict[str, Any]:
    """Findings (most severe first) with linked evidence, circular flows, and the pictures."""
    state = polity.state
    report = inspect(state, polity.record, polity_id)
    constitution = state.constitution
    findings = []
    for finding in sorted(report.findings, key=lambda f: (_SEVERITY[f.severity], f.kind)):
        evidence = [
            {
                "clause": item.clause,
                "anchor": clause_anchor(item.clause) if item.clause else None,
                "entry": item.entry,
                "note": item.note,
            }
            for item in finding.evidence
        ]
        findings.append({**finding.as_dict(), "evidence": evidence})
    rows = power_gaps(report)
    counts = {level: sum(f["severity"] == level for f in findings) for level in _SEVERITY}
    return {
        "time": report.time.isoformat() if report.time else None,
        "findings": findings,
        "counts": counts,
        "flows": [flow.describe(constitution) for flow in report.flows],
        "map_svg": power_map_svg(report, constitution),
        "relations": len(report.relations),
        "power_rows": rows,
        "power_svg": power_svg(rows),
        "concentration": {
            key: value for key, value in report.concentration.items() if key != "shares"
        },
        "shares": sorted(
            (report.concentration.get("shares") or {}).items(), key=lambda item: -item[1]
        ),
    }


class Memberships:
    """Which federations in the database list each polity as a member, kept per process.

    A polity is classified once, by its newest constitution document (a
    federation declares `federation`); a federation's members are re-read when
    its ledger has grown, at most every `ttl` seconds, so a page pays one
    listing of the polities now and then, not a fold of every polity.
    """

    def __init__(self, ttl: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._checked = -float("inf")
        self._federation: dict[str, bool] = {}
        self._sizes: dict[str, int] = {}
        self._members: dict[str, frozenset[str]] = {}

    def federations_of(self, service: PolityService, polity_id: str) -> list[str]:
        """The federations whose members include `polity_id` (now or formerly)."""
        if self.clock() - self._checked >= self.ttl:
            self._refresh(service)
        return sorted(f for f, members in self._members.items() if polity_id in members)

    def _refresh(self, service: PolityService) -> None:
        for record in service.store.polities():
            if record.id not in self._federation:
                documents = service.store.constitutions(record.id)
                newest = json.loads(documents[-1][1]) if documents else {}
                self._federation[record.id] = isinstance(newest, dict) and bool(
                    newest.get("federation")
                )
            if not self._federation[record.id] or self._sizes.get(record.id) == record.head.size:
                continue
            self._members[record.id] = frozenset(service.polity(record.id).state.polities)
            self._sizes[record.id] = record.head.size
        self._checked = self.clock()


def is_federal(polity: Polity) -> bool:
    """Whether the polity is a federation, or its own record names a federation it joined."""
    state = polity.state
    return (
        state.constitution.federation is not None
        or bool(state.polities)
        or bool(state.affiliations)
    )


def federation_view(
    service: PolityService, polity_id: str, memberships: Memberships | None = None
) -> dict[str, Any]:
    """The federation's members, delegates and competences; or the federations it belongs to."""
    polity = service.polity(polity_id)
    state = polity.state
    constitution = state.constitution
    federation = constitution.federation
    known = {record.id for record in service.store.polities()}
    view: dict[str, Any] = {
        "is_federation": federation is not None,
        "competences": [],
        "criteria": {},
        "members": [],
        "delegates": [],
        "memberships": [],
        "affiliations": [
            {
                "federation": a.federation,
                "status": a.status,
                "since": a.since.isoformat(),
                "basis": a.basis,
                "known": a.federation in known,
            }
            for a in sorted(state.affiliations.values(), key=lambda a: a.federation)
        ],
    }
    if federation is not None:
        view["competences"] = [
            {"id": matter, "text": constitution.matters.get(matter, "")}
            for matter in federation.competences
        ]
        view["reserved"] = [m for m in constitution.matters if m not in federation.competences]
        view["criteria"] = dict(federation.criteria)
        view["accession"] = federation.accession.by
        view["notice"] = federation.secession.notice.describe()
        view["members"] = [
            {**member.as_dict(state.time), "known": member.id in known, "basis": member.basis}
            for member in sorted(state.polities.values(), key=lambda m: m.id)
        ]
        view["delegates"] = [
            {"polity": t.chosen_by, "body": t.post, "person": t.person, "votes": t.votes}
            for t in sorted(state.active_tenures(), key=lambda t: (t.chosen_by, t.post, t.person))
            if t.chosen_by in state.polities
        ]
    candidates = (
        sorted(known - {polity_id})
        if memberships is None
        else memberships.federations_of(service, polity_id)
    )
    for other in candidates:
        other_state = service.polity(other).state
        if other_state.constitution.federation is None:
            continue
        member = other_state.polities.get(polity_id)
        if member is None:
            continue
        view["memberships"].append(
            {
                "federation": other,
                "name": other_state.constitution.name,
                "joined": member.joined_at.isoformat() if member.joined_at else None,
                "leaves": member.leaves_at.isoformat() if member.leaves_at else None,
                "member": member.active(other_state.time),
            }
        )
    return view
