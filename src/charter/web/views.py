"""What the API and the pages show of a polity: plain data built from its state and ledger.

Everything here reads; nothing judges or writes. The same functions feed the
JSON API and the templates, so a page never shows what the API would not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import yaml

from charter.domain.authority import seat_holders
from charter.domain.constitution import Constitution, Grant, grants_of
from charter.domain.state import Motion, PolityState
from charter.domain.tally import methods
from charter.ledger.encoding import decode_entry
from charter.storage import Checkpoint, PolityRecord

__all__ = [
    "ballot_form",
    "ballot_marking",
    "checkpoint_view",
    "clause_anchor",
    "constitution_view",
    "entry_view",
    "grant_view",
    "motion_view",
    "polity_summary",
    "state_view",
]


def plain(value: Any) -> Any:
    """JSON-ready: mappings and sequences copied, dates and times as ISO 8601."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = [plain(item) for item in value]
        return sorted(items) if isinstance(value, frozenset | set) else items
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def polity_summary(record: PolityRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "size": record.head.size,
        "root": record.head.root.hex(),
    }


def ballot_form(state: PolityState, motion: Motion) -> str:
    """How a ballot on `motion` is recorded: secret (participation only), else as it is marked."""
    if motion.secret:
        return "secret"
    return ballot_marking(state, motion)


def ballot_marking(state: PolityState, motion: Motion) -> str:
    """How a ballot on `motion` is marked: yes-no, ranking or approval (secret or not)."""
    if not motion.options:
        return "yes-no"
    procedure = state.constitution.procedures.get(motion.procedure)
    info = methods().get(procedure.method) if procedure is not None else None
    return "approval" if info is not None and info.family == "approval" else "ranking"


def motion_view(state: PolityState, motion: Motion) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": motion.id,
        "body": motion.body,
        "body_name": state.constitution.label(motion.body)
        if motion.body != "members"
        else "the members",
        "mover": motion.mover,
        "seconder": motion.seconder,
        "text": motion.text,
        "status": motion.status,
        "procedure": motion.procedure,
        "tabled_at": motion.tabled_at.isoformat(),
        "opened_at": motion.opened_at.isoformat() if motion.opened_at else None,
        "closed_at": motion.closed_at.isoformat() if motion.closed_at else None,
        "action": plain(motion.action) if motion.action is not None else None,
        "matter": motion.matter,
        "options": list(motion.options),
        "seats": motion.seats,
        "election": list(motion.election) if motion.election else None,
        "amends": motion.amends,
        "secret": motion.secret,
        "ballot": ballot_form(state, motion),
        "marking": ballot_marking(state, motion),
        "voted": sorted(motion.ballots),
        "result": motion.result.as_dict() if motion.result is not None else None,
        "effect": motion.effect,
    }
    return data


def state_view(polity_id: str, state: PolityState, at: datetime, size: int) -> dict[str, Any]:
    """Members, offices and bodies with their holders now, and every motion with its result."""
    c = state.constitution
    return {
        "id": polity_id,
        "name": c.name,
        "size": size,
        "time": state.time.isoformat() if state.time else None,
        "constitution_version": state.version,
        "members": sorted(state.members),
        "offices": [
            {
                "id": office_id,
                "name": office.name,
                "seats": office.seats,
                "holders": sorted(state.holders(office_id, at)),
            }
            for office_id, office in c.offices.items()
        ],
        "bodies": [
            {
                "id": body_id,
                "name": body.name,
                "seats": body.seats,
                "holders": sorted(seat_holders(state, body_id, at)),
            }
            for body_id, body in c.bodies.items()
        ],
        "motions": [motion_view(state, motion) for motion in state.motions.values()],
        "factions": [
            {"id": f.id, "name": f.name, "founder": f.founder, "members": sorted(f.members)}
            for f in state.factions.values()
        ],
    }


def clause_anchor(clause: str) -> str:
    """The page anchor of the section a clause path falls in (`offices.x.powers[0]` -> `offices.x`)."""
    parts = clause.replace("[", ".").split(".")
    head = parts[0]
    if head in ("bodies", "offices", "procedures") and len(parts) > 1:
        return f"clause-{head}.{parts[1]}"
    return f"clause-{head}"


def grant_view(c: Constitution, grant: Grant) -> dict[str, Any]:
    scope = None
    if grant.scope is not None:
        scope = {
            key: plain(value)
            for key, value in (
                ("offices", grant.scope.offices),
                ("bodies", grant.scope.bodies),
                ("members", grant.scope.members),
                ("matters", grant.scope.matters),
            )
            if value
        }
    return {
        "clause": grant.clause,
        "anchor": clause_anchor(grant.clause),
        "power": grant.power,
        "holder": grant.holder,
        "holder_kind": grant.holder_kind,
        "holder_name": c.label(grant.holder) if grant.holder != "members" else "the members",
        "personal": grant.personal,
        "scope": scope,
        "cosign": list(grant.cosign),
        "reserved": list(grant.reserved),
        "procedure": grant.procedure,
        "quota": None
        if grant.quota is None
        else {"max": grant.quota.max, "per": grant.quota.per.describe()},
    }


def _sections(data: Mapping[str, Any]) -> list[dict[str, str]]:
    """The document cut into clauses, each with its path, anchor and text (YAML)."""
    sections = []
    for key, value in data.items():
        if key in ("bodies", "offices", "procedures") and isinstance(value, Mapping):
            for name, item in value.items():
                path = f"{key}.{name}"
                sections.append(
                    {
                        "path": path,
                        "anchor": f"clause-{path}",
                        "text": yaml.safe_dump(
                            plain(item), sort_keys=False, allow_unicode=True, width=88
                        ),
                    }
                )
            continue
        text = yaml.safe_dump(plain(value), sort_keys=False, allow_unicode=True, width=88)
        sections.append({"path": key, "anchor": f"clause-{key}", "text": text})
    return sections


def constitution_view(polity_id: str, state: PolityState) -> dict[str, Any]:
    c = state.constitution
    return {
        "polity": polity_id,
        "id": c.id,
        "name": c.name,
        "version": state.version,
        "document": plain(c.document.data),
        "clauses": _sections(c.document.data),
        "grants": [grant_view(c, grant) for grant in grants_of(c)],
    }


def entry_view(data: bytes) -> dict[str, Any]:
    """One stored ledger entry, decoded: its position, type and fields as stored."""
    record = decode_entry(data)
    return {"seq": record.seq, "type": record.type, "fields": plain(dict(record.fields))}


def checkpoint_view(checkpoint: Checkpoint) -> dict[str, Any]:
    return {"size": checkpoint.size, "root": checkpoint.root.hex(), "text": checkpoint.text}


def entries_view(entries: Sequence[bytes], start: int, size: int, limit: int) -> dict[str, Any]:
    stop = start + len(entries)
    return {
        "size": size,
        "start": start,
        "limit": limit,
        "next": stop if stop < size else None,
        "entries": [entry_view(data) for data in entries],
    }
