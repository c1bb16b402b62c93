"""Scenarios: a founding and a dated sequence of acts, replayed against a constitution.

A scenario file (YAML, `charter-scenario: 1`) names its constitution, the
founding state and its steps. A *variant* file (`variant_of: scenario.yaml`)
replays another scenario with some steps replaced, inserted or removed — the
counterfactual "what if this amendment had passed". Errors in either file are
reported with file, line and path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from charter.domain.acts import Act, Entry
from charter.domain.acts.model import as_utc
from charter.domain.constitution import Constitution, constitution_from_document
from charter.domain.constitution.types import describe_value
from charter.domain.document import Document, DocumentSyntaxError, parse_document, parse_path
from charter.domain.polity import Founding, Polity
from charter.errors import ActError, ConstitutionError, Problem, ScenarioError

__all__ = ["Scenario", "ScenarioRun", "Step", "load_constitution", "load_scenario", "run_scenario"]

_COMMON_FIELDS = frozenset({"charter-scenario", "title", "description", "sources", "constitution"})
SCENARIO_FIELDS = _COMMON_FIELDS | {"founding", "steps"}
VARIANT_FIELDS = _COMMON_FIELDS | {"variant_of", "changes"}
FOUNDING_FIELDS = frozenset({"time", "members", "posts", "polities"})
_STEP_FIELDS = frozenset(
    {
        "id",
        "time",
        "actor",
        "act",
        "power",
        "args",
        "as",
        "cosigned_by",
        "note",
        "source",
        "uncertain",
    }
)


@dataclass(frozen=True, slots=True)
class Step:
    """One act of a scenario, with where it was written and what the sources say of it."""

    act: Act
    id: str | None
    document: Document
    path: tuple[str | int, ...]
    source: str = ""
    uncertain: str = ""
    polity: str | None = None
    """In a scenario of several polities: the polity whose ledger the act goes to."""

    def problem(self, message: str, subpath: str = "") -> Problem:
        path = self.path
        if subpath:
            try:
                path = (*path, *parse_path(subpath))
            except ValueError:
                path = (*path, subpath)
        return self.document.problem(message, path)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A constitution, a founding and the steps to replay."""

    title: str
    constitution: Constitution
    founding: Founding
    steps: tuple[Step, ...]
    file: str
    sources: tuple[str, ...] = ()
    description: str = ""
    variant_of: str | None = None


@dataclass(frozen=True, slots=True)
class ScenarioRun:
    """A replayed scenario: the polity at the end, and each step beside its record entry."""

    scenario: Scenario
    polity: Polity

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self.polity.record


def read_document(path: Path) -> Document:
    """A scenario file parsed, or ScenarioError saying why it cannot be."""
    return _read(path, ScenarioError)


def _read(path: Path, failure: type[ConstitutionError | ScenarioError]) -> Document:
    """Parse a file, or raise `failure` saying why it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise failure([Problem(f"cannot read file: {error.strerror}", "", str(path))]) from None
    try:
        return parse_document(text, str(path))
    except DocumentSyntaxError as error:
        raise failure([error.problem]) from None


def load_constitution(path: str | Path) -> Constitution:
    """Read and validate a constitution file (YAML, or TOML by its .toml suffix)."""
    return constitution_from_document(_read(Path(path), ConstitutionError))


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime | date):
        return as_utc(value)
    if isinstance(value, str):
        try:
            return as_utc(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def _names(
    document: Document, value: Any, path: tuple[str | int, ...], problems: list[Problem]
) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.append(
            document.problem(f"expected a list of names, got {describe_value(value)}", path)
        )
        return ()
    return tuple(value)


def unknown_fields(
    document: Document,
    data: Mapping[str, Any],
    allowed: frozenset[str],
    path: tuple[str | int, ...],
) -> list[Problem]:
    return [
        document.problem(f"unknown field '{key}'", (*path, key))
        for key in sorted(set(data) - allowed)
    ]


def _step(
    document: Document,
    raw: Any,
    path: tuple[str | int, ...],
    problems: list[Problem],
    polity: bool = False,
) -> Step | None:
    if not isinstance(raw, Mapping):
        problems.append(
            document.problem(f"expected a step (a mapping), got {describe_value(raw)}", path)
        )
        return None
    count = len(problems)
    allowed = _STEP_FIELDS | {"polity"} if polity else _STEP_FIELDS
    problems.extend(unknown_fields(document, raw, allowed, path))
    if polity and not isinstance(raw.get("polity"), str):
        problems.append(
            document.problem(
                f"expected the id of the polity the act goes to, got {describe_value(raw.get('polity'))}",
                (*path, "polity"),
            )
        )
    time = _moment(raw.get("time"))
    if time is None:
        problems.append(
            document.problem(
                f"expected a date or time, got {describe_value(raw.get('time'))}", (*path, "time")
            )
        )
    for key in ("actor", "act"):
        if not isinstance(raw.get(key), str):
            problems.append(
                document.problem(
                    f"expected a name, got {describe_value(raw.get(key))}", (*path, key)
                )
            )
    args = raw.get("args", {})
    if not isinstance(args, Mapping):
        problems.append(
            document.problem(f"expected a mapping, got {describe_value(args)}", (*path, "args"))
        )
    cosigned = _names(document, raw.get("cosigned_by"), (*path, "cosigned_by"), problems)
    if len(problems) > count or time is None:
        return None
    act = Act(
        actor=raw["actor"],
        kind=raw["act"],
        time=time,
        args=args,
        power=raw.get("power"),
        capacity=raw.get("as"),
        cosigned_by=cosigned,
        note=str(raw.get("note", "")),
    )
    return Step(
        act,
        raw.get("id"),
        document,
        path,
        str(raw.get("source", "")),
        str(raw.get("uncertain", "")),
        raw.get("polity") if polity else None,
    )


def steps_from(
    document: Document,
    raw: Any,
    path: tuple[str | int, ...],
    problems: list[Problem],
    *,
    polity: bool = False,
) -> list[Step]:
    """The steps of a scenario (each naming its `polity`, in a scenario of several)."""
    if not isinstance(raw, list):
        problems.append(
            document.problem(f"expected a list of steps, got {describe_value(raw)}", path)
        )
        return []
    steps = [
        _step(document, item, (*path, index), problems, polity) for index, item in enumerate(raw)
    ]
    return [step for step in steps if step is not None]


_steps = steps_from


def founding_from(
    document: Document,
    raw: Any,
    problems: list[Problem],
    at: tuple[str | int, ...] = ("founding",),
) -> Founding:
    """The founding state a scenario (or a founding file) declares; problems are collected."""
    if not isinstance(raw, Mapping):
        problems.append(document.problem(f"expected a mapping, got {describe_value(raw)}", at))
        return Founding()
    problems.extend(unknown_fields(document, raw, FOUNDING_FIELDS, at))
    time = _moment(raw.get("time"))
    if time is None:
        problems.append(document.problem("expected a date or time", (*at, "time")))
    members = _names(document, raw.get("members"), (*at, "members"), problems)
    posts_raw = raw.get("posts", {}) or {}
    posts: dict[str, tuple[str, ...]] = {}
    votes: dict[str, dict[str, int]] = {}
    if not isinstance(posts_raw, Mapping):
        problems.append(document.problem("expected a mapping of posts to holders", (*at, "posts")))
    else:
        for post, holders in posts_raw.items():
            where = (*at, "posts", post)
            if isinstance(holders, Mapping):  # a weighted body: {person: votes}
                posts[str(post)] = tuple(str(person) for person in holders)
                votes[str(post)] = {}
                for person, carried in holders.items():
                    if isinstance(carried, bool) or not isinstance(carried, int) or carried < 1:
                        problems.append(
                            document.problem(
                                f"expected a positive whole number of votes, got {describe_value(carried)}",
                                (*where, person),
                            )
                        )
                    else:
                        votes[str(post)][str(person)] = carried
            else:
                posts[str(post)] = _names(document, holders, where, problems)
    polities = raw.get("polities", {}) or {}
    if not isinstance(polities, Mapping):
        problems.append(
            document.problem("expected a mapping of member polities", (*at, "polities"))
        )
        polities = {}
    return Founding(
        time=time,
        members=members,
        posts=posts,
        votes=votes,
        polities={str(k): v for k, v in polities.items()},
    )


def _apply_changes(
    base: list[Step], document: Document, raw: Any, problems: list[Problem]
) -> list[Step]:
    steps = list(base)
    if not isinstance(raw, list):
        problems.append(document.problem("expected a list of changes", ("changes",)))
        return steps
    for index, change in enumerate(raw):
        path: tuple[str | int, ...] = ("changes", index)
        if not isinstance(change, Mapping):
            problems.append(document.problem("expected a mapping", path))
            continue
        problems.extend(
            unknown_fields(
                document, change, frozenset({"replace", "insert_after", "remove", "steps"}), path
            )
        )
        keys = [key for key in ("replace", "insert_after", "remove") if key in change]
        if len(keys) != 1:
            problems.append(
                document.problem("name exactly one of replace, insert_after, remove", path)
            )
            continue
        key = keys[0]
        positions = [i for i, step in enumerate(steps) if step.id == change[key]]
        if not positions:
            problems.append(
                document.problem(
                    f"no step with id '{change[key]}' in the base scenario", (*path, key)
                )
            )
            continue
        position = positions[0]
        new = (
            _steps(document, change.get("steps", []), (*path, "steps"), problems)
            if key != "remove"
            else []
        )
        if key == "replace":
            steps[position : position + 1] = new
        elif key == "insert_after":
            steps[position + 1 : position + 1] = new
        else:
            del steps[position]
    return steps


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file, or the `scenario.yaml` of a directory, with its constitution."""
    file = Path(path)
    if file.is_dir():
        file = file / "scenario.yaml"
    document = _read(file, ScenarioError)
    data = document.data
    if not isinstance(data, Mapping):
        raise ScenarioError([document.problem("a scenario must be a mapping", ())])
    if data.get("charter-scenario") != 1:
        raise ScenarioError(
            [document.problem("expected 'charter-scenario: 1'", ("charter-scenario",))]
        )
    problems: list[Problem] = []
    allowed = VARIANT_FIELDS if "variant_of" in data else SCENARIO_FIELDS
    problems.extend(unknown_fields(document, data, allowed, ()))
    variant_of = None
    if "polities" in data:
        problems.append(
            document.problem(
                "a scenario of several polities is read by load_federation_scenario"
                " (charter scenario run reads both)",
                ("polities",),
            )
        )
        raise ScenarioError(problems)
    if "variant_of" in data:
        variant_of = str(file.parent / str(data["variant_of"]))
        base = load_scenario(variant_of)
        steps = _apply_changes(list(base.steps), document, data.get("changes", []), problems)
        constitution, founding = base.constitution, base.founding
        if "constitution" in data:
            constitution = load_constitution(file.parent / str(data["constitution"]))
    else:
        constitution_file = data.get("constitution")
        if not isinstance(constitution_file, str):
            raise ScenarioError(
                [document.problem("expected the path of a constitution file", ("constitution",))]
            )
        constitution = load_constitution(file.parent / constitution_file)
        founding = founding_from(document, data.get("founding", {}), problems)
        steps = _steps(document, data.get("steps", []), ("steps",), problems)
    if problems:
        raise ScenarioError(problems)
    sources = data.get("sources", [])
    return Scenario(
        title=str(data.get("title", file.stem)),
        constitution=constitution,
        founding=founding,
        steps=tuple(steps),
        file=str(file),
        sources=tuple(str(source) for source in sources) if isinstance(sources, list) else (),
        description=str(data.get("description", "")),
        variant_of=variant_of,
    )


def run_scenario(scenario: Scenario) -> ScenarioRun:
    """Replay every step; a malformed act stops the run with its file, line and path."""
    try:
        polity = Polity(scenario.constitution, scenario.founding)
    except ActError as error:
        raise ScenarioError([Problem(error.message, error.path, scenario.file)]) from None
    for step in scenario.steps:
        try:
            polity.apply(step.act)
        except ActError as error:
            raise ScenarioError([step.problem(error.message, error.path)]) from None
    return ScenarioRun(scenario, polity)


def load_founding(path: str | Path) -> Founding:
    """A founding file: the `founding` mapping of a scenario (time, members, posts) on its own."""
    file = Path(path)
    document = _read(file, ScenarioError)
    problems: list[Problem] = []
    founding = founding_from(document, document.data, problems, ())
    if problems:
        raise ScenarioError(problems)
    return founding


def read_act(text: str, source: str, default_time: datetime) -> Act:
    """One act written as a scenario step (YAML or JSON); `time` defaults to `default_time`."""
    try:
        document = parse_document(text, source)
    except DocumentSyntaxError as error:
        raise ScenarioError([error.problem]) from None
    data = document.data
    if isinstance(data, Mapping) and "time" not in data:
        data = {**data, "time": default_time}
        document = Document(data, document.file, document.lines)
    problems: list[Problem] = []
    step = _step(document, data, (), problems)
    if step is None:
        raise ScenarioError(problems)
    return step.act
