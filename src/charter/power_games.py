"""Game files for `charter power`: members with weights, quotas, alternatives and vetoes.

Three forms (YAML or JSON; docs/power.md has the reference)::

    quota: 270                       # one weighted majority
    members: {CA: 54, TX: 40}

    members:                         # several criteria that must all be met
      DE: {states: 1, population: 84.4}
    rules:
      - {criterion: states, quota: "55%"}
      - {criterion: population, quota: "65%"}

    members: ...                     # alternatives: any one rule set suffices
    alternatives:
      - {label: qualified majority, rules: [...]}
      - {label: no blocking minority, rules: [{criterion: states, quota: 24}]}
    vetoes: [DE]                     # in every winning coalition

Every problem is reported with file, line and field.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from charter.domain.constitution.types import describe_value
from charter.domain.document import Document, DocumentSyntaxError, parse_document
from charter.domain.document import Path as DocPath
from charter.domain.power import Game, PowerError, Quota, Rule, RuleSet, exact
from charter.errors import Problem, _ProblemsError

__all__ = ["GameFile", "GameFileError", "load_game", "parse_game"]

TOP_FIELDS = frozenset(
    {
        "title",
        "description",
        "source",
        "sources",
        "date",
        "notes",
        "members",
        "quota",
        "criterion",
        "rules",
        "alternatives",
        "vetoes",
    }
)
RULE_FIELDS = frozenset({"criterion", "quota", "note"})
ALTERNATIVE_FIELDS = frozenset({"label", "rules", "note"})
DEFAULT_CRITERION = "weight"


class GameFileError(_ProblemsError):
    """A game file that cannot be read."""

    headline = "invalid game file"


class GameFile:
    """A game read from a file, with the members' weights as written."""

    def __init__(self, game: Game, weights: dict[str, dict[str, str]], file: str) -> None:
        self.game = game
        self.weights = weights  # member -> criterion -> weight as written
        self.file = file

    @property
    def criteria(self) -> tuple[str, ...]:
        names: dict[str, None] = {}
        for values in self.weights.values():
            for name in values:
                names.setdefault(name, None)
        return tuple(names)


def load_game(path: str | Path) -> GameFile:
    """Read and check a game file (YAML or JSON)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise GameFileError(
            [Problem(f"cannot read file: {error.strerror}", "", str(path))]
        ) from None
    return parse_game(text, str(path))


def parse_game(text: str, file: str = "<game>") -> GameFile:
    try:
        document = parse_document(text, file, format="yaml")  # JSON is YAML
    except DocumentSyntaxError as error:
        raise GameFileError([error.problem]) from None
    problems: list[Problem] = []
    game = _game(document, problems)
    if problems or game is None:
        raise GameFileError(problems or [Problem("no game", "", file)])
    return game


def _number(
    document: Document, value: Any, path: DocPath, problems: list[Problem], what: str
) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        problems.append(document.problem(f"expected {what}, got {describe_value(value)}", path))
        return None
    text = repr(value) if isinstance(value, float) else str(value)
    try:
        number = exact(text)
    except PowerError:
        problems.append(document.problem(f"expected {what}, got {describe_value(value)}", path))
        return None
    if number < 0:
        problems.append(document.problem(f"a weight cannot be negative, got {text}", path))
        return None
    return text


def _quota(document: Document, value: Any, path: DocPath, problems: list[Problem]) -> Quota | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        problems.append(
            document.problem(
                f'expected a quota (a weight such as 270, or a share such as "55%" or "2/3"), got {describe_value(value)}',
                path,
            )
        )
        return None
    try:
        return Quota.parse(repr(value) if isinstance(value, float) else value)
    except PowerError as error:
        message = str(error)
        if message.startswith("expected a number"):
            message = (
                'expected a quota (a weight such as 270, or a share such as "55%" or "2/3"), '
                f"got {describe_value(value)}"
            )
        problems.append(document.problem(message, path))
        return None


def _members(
    document: Document, raw: Any, problems: list[Problem]
) -> dict[str, dict[str, str]] | None:
    if not isinstance(raw, Mapping) or not raw:
        problems.append(
            document.problem(
                f"expected the members, each with a weight or weights by criterion, got {describe_value(raw)}",
                ("members",),
            )
        )
        return None
    members: dict[str, dict[str, str]] = {}
    for name, value in raw.items():
        path: DocPath = ("members", name)
        if isinstance(value, Mapping):
            if not value:
                problems.append(document.problem("expected weights by criterion", path))
                continue
            weights = {}
            for criterion, weight in value.items():
                text = _number(document, weight, (*path, criterion), problems, "a weight")
                if text is not None:
                    weights[str(criterion)] = text
            members[str(name)] = weights
        else:
            text = _number(document, value, path, problems, "a weight or weights by criterion")
            if text is not None:
                members[str(name)] = {DEFAULT_CRITERION: text}
    return members


def _rules(
    document: Document,
    raw: Any,
    path: DocPath,
    members: dict[str, dict[str, str]],
    criteria: tuple[str, ...],
    problems: list[Problem],
) -> tuple[Rule, ...] | None:
    if not isinstance(raw, list):
        problems.append(
            document.problem(f"expected a list of rules, got {describe_value(raw)}", path)
        )
        return None
    rules = []
    for index, item in enumerate(raw):
        at: DocPath = (*path, index)
        if not isinstance(item, Mapping):
            problems.append(
                document.problem(
                    f"expected a rule {{criterion, quota}}, got {describe_value(item)}", at
                )
            )
            continue
        problems.extend(
            document.problem(f"unknown field '{key}'", (*at, key))
            for key in sorted(set(item) - RULE_FIELDS)
        )
        criterion = item.get("criterion")
        if criterion is None and len(criteria) == 1:
            criterion = criteria[0]
        if not isinstance(criterion, str) or criterion not in criteria:
            known = ", ".join(criteria)
            problems.append(
                document.problem(
                    f"expected a criterion the members are weighed on ({known}), got {describe_value(criterion)}",
                    (*at, "criterion"),
                )
            )
            continue
        if "quota" not in item:
            problems.append(document.problem("a rule needs a quota", at))
            continue
        quota = _quota(document, item["quota"], (*at, "quota"), problems)
        if quota is None:
            continue
        missing = [name for name, weights in members.items() if criterion not in weights]
        if missing:
            problems.append(
                document.problem(
                    f"members without a weight on '{criterion}': {', '.join(missing)}",
                    (*at, "criterion"),
                )
            )
            continue
        weights = tuple(weights[criterion] for weights in members.values())
        rules.append(Rule(weights, quota, criterion))
    return tuple(rules)


def _game(document: Document, problems: list[Problem]) -> GameFile | None:
    data = document.data
    file = document.file or "<game>"
    if not isinstance(data, Mapping):
        problems.append(document.problem("expected a mapping with members and quotas", ()))
        return None
    problems.extend(
        document.problem(f"unknown field '{key}'", (key,)) for key in sorted(set(data) - TOP_FIELDS)
    )
    members = _members(document, data.get("members"), problems)
    if members is None:
        return None
    criteria = tuple(dict.fromkeys(c for weights in members.values() for c in weights))
    forms = [key for key in ("quota", "rules", "alternatives") if key in data]
    if len(forms) != 1:
        problems.append(
            document.problem(
                "give exactly one of 'quota' (one weighted majority), 'rules' (all must be met) "
                f"or 'alternatives' (any one rule set suffices); got {', '.join(forms) or 'none'}",
                (),
            )
        )
        return None
    alternatives: list[RuleSet] = []
    if forms == ["quota"]:
        criterion = data.get("criterion")
        rule = {"quota": data["quota"]} | ({"criterion": criterion} if criterion else {})
        rules = _rules(document, [rule], ("quota",), members, criteria, problems)
        if rules is not None:
            alternatives.append(RuleSet(rules))
    elif forms == ["rules"]:
        rules = _rules(document, data["rules"], ("rules",), members, criteria, problems)
        if rules is not None:
            alternatives.append(RuleSet(rules))
    else:
        raw = data["alternatives"]
        if not isinstance(raw, list) or not raw:
            problems.append(
                document.problem(
                    f"expected a list of rule sets ({{label, rules}}), got {describe_value(raw)}",
                    ("alternatives",),
                )
            )
        else:
            for index, item in enumerate(raw):
                at: DocPath = ("alternatives", index)
                if not isinstance(item, Mapping):
                    problems.append(
                        document.problem(
                            f"expected a rule set {{label, rules}}, got {describe_value(item)}", at
                        )
                    )
                    continue
                problems.extend(
                    document.problem(f"unknown field '{key}'", (*at, key))
                    for key in sorted(set(item) - ALTERNATIVE_FIELDS)
                )
                rules = _rules(
                    document, item.get("rules"), (*at, "rules"), members, criteria, problems
                )
                if rules is not None:
                    alternatives.append(RuleSet(rules, str(item.get("label", ""))))
    vetoes = data.get("vetoes", []) or []
    if not isinstance(vetoes, list) or not all(isinstance(name, str) for name in vetoes):
        problems.append(
            document.problem(
                f"expected a list of member names, got {describe_value(vetoes)}", ("vetoes",)
            )
        )
        vetoes = []
    for index, name in enumerate(vetoes):
        if name not in members:
            problems.append(document.problem(f"'{name}' is not a member", ("vetoes", index)))
    if problems:
        return None
    try:
        game = Game(
            tuple(members), tuple(alternatives), frozenset(vetoes), str(data.get("title", ""))
        )
    except PowerError as error:
        problems.append(Problem(str(error), "", file))
        return None
    return GameFile(game, members, file)
