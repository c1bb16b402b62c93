"""Scenarios of several polities: a federation and its member polities, each with its own ledger.

A scenario file with `polities` instead of `constitution` and `founding` names
each polity (its constitution and founding), and each step names the polity
whose ledger it goes to. The runner keeps one polity per id, and before a
federal act that cites a member's own decision (accession, secession,
delegates), it checks that decision in the member's record: the cited motion
must have carried, with the right action naming this federation. It then
writes the reference into the federal act (the entry where the member's
motion carried, and on secession the member's tree head), so the federation's
ledger records exactly what the member decided and where.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charter.domain.acts import Act, Entry
from charter.domain.constitution import Constitution
from charter.domain.polity import Founding, Polity
from charter.errors import ActError, CharterError, Problem, ScenarioError
from charter.ledger.build import ledger_entries, root_of
from charter.ledger.checkpoint import origin_of
from charter.scenario import (
    Step,
    founding_from,
    load_constitution,
    read_document,
    steps_from,
    unknown_fields,
)

__all__ = [
    "FederationRun",
    "FederationScenario",
    "PolitySetup",
    "is_federation_scenario",
    "load_federation_scenario",
    "run_federation_scenario",
]

FIELDS = frozenset({"charter-scenario", "title", "description", "sources", "polities", "steps"})
POLITY_FIELDS = frozenset({"constitution", "founding"})


@dataclass(frozen=True, slots=True)
class PolitySetup:
    """One polity of the scenario: its id, constitution and founding."""

    id: str
    constitution: Constitution
    founding: Founding


@dataclass(frozen=True, slots=True)
class FederationScenario:
    """Several polities and the steps to replay, each step in one polity's ledger."""

    title: str
    polities: tuple[PolitySetup, ...]
    steps: tuple[Step, ...]
    file: str
    sources: tuple[str, ...] = ()
    description: str = ""


@dataclass
class FederationRun:
    """The polities at the end, and each step beside its polity and record entry, in order."""

    scenario: FederationScenario
    polities: dict[str, Polity]
    entries: list[tuple[str, Entry]] = field(default_factory=list)


def is_federation_scenario(path: str | Path) -> bool:
    """Whether the scenario at `path` (a file or directory) describes several polities."""
    file = Path(path)
    if file.is_dir():
        file = file / "scenario.yaml"
    try:
        data = read_document(file).data
    except ScenarioError:
        return False
    return isinstance(data, Mapping) and "polities" in data


def load_federation_scenario(path: str | Path) -> FederationScenario:
    """Read a scenario of several polities; every problem is reported with file, line and path."""
    file = Path(path)
    if file.is_dir():
        file = file / "scenario.yaml"
    document = read_document(file)
    data = document.data
    if not isinstance(data, Mapping) or data.get("charter-scenario") != 1:
        raise ScenarioError(
            [document.problem("expected 'charter-scenario: 1'", ("charter-scenario",))]
        )
    problems: list[Problem] = [*unknown_fields(document, data, FIELDS, ())]
    raw_polities = data.get("polities")
    polities: list[PolitySetup] = []
    if not isinstance(raw_polities, Mapping) or not raw_polities:
        problems.append(document.problem("expected a mapping of polity ids", ("polities",)))
        raw_polities = {}
    for polity_id, raw in raw_polities.items():
        where = ("polities", polity_id)
        if not isinstance(raw, Mapping) or not isinstance(raw.get("constitution"), str):
            problems.append(document.problem("expected {constitution: FILE, founding: ...}", where))
            continue
        problems.extend(unknown_fields(document, raw, POLITY_FIELDS, where))
        constitution = load_constitution(file.parent / raw["constitution"])
        founding = founding_from(document, raw.get("founding", {}), problems, (*where, "founding"))
        polities.append(PolitySetup(str(polity_id), constitution, founding))
    steps = steps_from(document, data.get("steps", []), ("steps",), problems, polity=True)
    known = {setup.id for setup in polities}
    for step in steps:
        if step.polity not in known:
            problems.append(
                step.problem(
                    f"unknown polity {step.polity!r} (declared: {', '.join(sorted(known))})",
                    "polity",
                )
            )
    if problems:
        raise ScenarioError(problems)
    sources = data.get("sources", [])
    return FederationScenario(
        title=str(data.get("title", file.stem)),
        polities=tuple(polities),
        steps=tuple(steps),
        file=str(file),
        sources=tuple(str(s) for s in sources) if isinstance(sources, list) else (),
        description=str(data.get("description", "")),
    )


# --- cross-ledger references -------------------------------------------------------------------


class DecisionReferenceError(CharterError):
    """A federal act citing a member's decision that the member's own record does not hold."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


def _carried(polity: Polity, motion: str, path: str) -> tuple[int, Mapping[str, Any] | None]:
    """The ledger position where `motion` carried in `polity`, and the action it carried."""
    found = polity.state.motions.get(motion)
    if found is None or found.status != "carried":
        status = "unknown" if found is None else found.status
        raise DecisionReferenceError(
            f"motion '{motion}' has not carried in {polity.state.constitution.name} ({status})",
            path,
        )
    for entry in reversed(polity.record):
        if entry.act.kind == "declare-result" and entry.act.args.get("motion") == motion:
            return entry.index + 1, found.action  # ledger positions count the genesis entry
    raise DecisionReferenceError(f"no result of motion '{motion}' in the record", path)


def _decided(
    polity: Polity, consent: Mapping[str, Any], path: str, act: str | None, federation: str
) -> dict[str, Any]:
    """The cited decision, checked and completed with the entry where it carried."""
    motion = consent.get("motion")
    if not isinstance(motion, str):
        raise DecisionReferenceError("expected the id of the member's motion", f"{path}.motion")
    entry, action = _carried(polity, motion, f"{path}.motion")
    if act is not None and (
        action is None or action.get("act") != act or action.get("federation") != federation
    ):
        raise DecisionReferenceError(
            f"motion '{motion}' of {polity.state.constitution.name} did not decide"
            f" {act} {federation}",
            f"{path}.motion",
        )
    if "entry" in consent and consent["entry"] != entry:
        raise DecisionReferenceError(f"motion '{motion}' carried at entry {entry}", f"{path}.entry")
    return {**consent, "entry": entry}


def _tree_head(polity_id: str, polity: Polity) -> str:
    """The member's tree head as a checkpoint body (origin, size, root), unsigned in memory."""
    entries = ledger_entries(polity_id, polity)
    root = base64.b64encode(root_of(entries)).decode()
    return f"{origin_of(polity_id)}\n{len(entries)}\n{root}\n"


def resolve_references(
    federation_id: str, act: Act, polities: Mapping[str, Polity], head: Callable[[str], str]
) -> Act:
    """`act` with the member decisions it cites checked and completed; DecisionReferenceError if one fails."""
    args = copy.deepcopy(dict(act.args))
    if act.kind == "table-motion" and isinstance(args.get("action"), dict):
        action = args["action"]
        if action.get("act") == "admit-polity":
            _admission(federation_id, action, polities, "args.action")
    elif act.kind == "admit-polity":
        _admission(federation_id, args, polities, "args")
    elif act.kind in ("secede", "send-delegate", "recall-delegate"):
        member = polities.get(act.actor)
        if member is None:
            raise DecisionReferenceError(f"{act.actor} is not a polity of this scenario", "actor")
        if act.kind == "secede":
            if not isinstance(args.get("decision"), Mapping):
                raise DecisionReferenceError(
                    "a secession cites the member's own decision", "args.decision"
                )
            args["decision"] = _decided(
                member, args["decision"], "args.decision", "leave-federation", federation_id
            )
            args.setdefault("checkpoint", head(act.actor))
        else:
            person = args.get("person")
            if person not in member.state.members:
                raise DecisionReferenceError(
                    f"{person} is not a member of {act.actor}", "args.person"
                )
            if isinstance(args.get("decision"), Mapping):
                args["decision"] = _decided(member, args["decision"], "args.decision", None, "")
    return Act(
        actor=act.actor,
        kind=act.kind,
        time=act.time,
        args=args,
        power=act.power,
        capacity=act.capacity,
        cosigned_by=act.cosigned_by,
        note=act.note,
    )


def _admission(
    federation_id: str, action: dict[str, Any], polities: Mapping[str, Polity], path: str
) -> None:
    applicant_id = action.get("polity")
    applicant = polities.get(applicant_id) if isinstance(applicant_id, str) else None
    if applicant is None:
        raise DecisionReferenceError(
            f"{applicant_id} is not a polity of this scenario", f"{path}.polity"
        )
    consent = action.get("consent")
    if not isinstance(consent, Mapping):
        raise DecisionReferenceError(
            "an accession cites the applicant's own decision", f"{path}.consent"
        )
    action["consent"] = _decided(
        applicant, consent, f"{path}.consent", "join-federation", federation_id
    )
    action.setdefault("name", applicant.state.constitution.name)
    action.setdefault("constitution", copy.deepcopy(applicant.state.constitution.document.data))


def run_federation_scenario(scenario: FederationScenario) -> FederationRun:
    """Replay every step in its polity; a malformed act or a broken reference stops the run."""
    polities: dict[str, Polity] = {}
    for setup in scenario.polities:
        try:
            polities[setup.id] = Polity(setup.constitution, setup.founding)
        except ActError as error:
            path = f"polities.{setup.id}.{error.path}"
            raise ScenarioError([Problem(error.message, path, scenario.file)]) from None
    run = FederationRun(scenario, polities)
    for step in scenario.steps:
        polity_id = step.polity or ""
        polity = polities[polity_id]
        act = step.act
        try:
            if polity.state.constitution.federation is not None:
                act = resolve_references(
                    polity_id, act, polities, lambda member: _tree_head(member, polities[member])
                )
            entry = polity.apply(act)
        except DecisionReferenceError as error:
            raise ScenarioError([step.problem(error.message, error.path)]) from None
        except ActError as error:
            raise ScenarioError([step.problem(error.message, error.path)]) from None
        run.entries.append((polity_id, entry))
    return run
