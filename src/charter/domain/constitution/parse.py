"""Turn a parsed document into a Constitution, or refuse it with every problem located."""

from __future__ import annotations

import copy
import difflib
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from charter.domain.constitution import model as clauses
from charter.domain.constitution.model import Constitution
from charter.domain.constitution.references import check_references
from charter.domain.constitution.types import describe_value
from charter.domain.document import Document, DocumentSyntaxError, Path, lookup, parse_document
from charter.errors import ConstitutionError, Problem

__all__ = ["constitution_from_document", "parse_constitution", "validation_problems"]


def _field_names() -> set[str]:
    names: set[str] = set()
    for value in vars(clauses).values():
        if isinstance(value, type) and issubclass(value, BaseModel):
            names.update(value.model_fields)
    return names


_FIELDS = _field_names()

_EXPECTED = {
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "tuple_type": "a list",
    "list_type": "a list",
    "dict_type": "a mapping",
    "mapping_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def _clean_location(data: Any, loc: tuple[int | str, ...]) -> Path:
    """Drop pydantic's internal location parts (union tags, validator names) from `loc`."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(node, dict) and node.get("method") == part:
            continue  # the tag of a discriminated union
        elif isinstance(part, str) and ("[" in part or "(" in part):
            continue  # a validator's own name
        else:
            node = None
        path.append(part)
    return tuple(path)


def _message(error: ErrorDetails, path: Path) -> str:
    kind = error["type"]
    got = describe_value(error.get("input"))
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if path == ("charter",) and kind != "missing":
        return f"unsupported constitution version {got}; this Charter reads 'charter: 1'"
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        name = str(path[-1]) if path else "?"
        close = difflib.get_close_matches(name, sorted(_FIELDS - {name}), n=1)
        if name in _FIELDS:
            return f"'{name}' is not a field of this clause"
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown field '{name}'{hint}"
    if kind == "literal_error":
        return f"expected {ctx.get('expected', 'one of the allowed values')}, got {got}"
    if kind == "union_tag_invalid":
        return (
            f"expected method {ctx.get('expected_tags', '')}, got {describe_value(ctx.get('tag'))}"
        )
    if kind == "union_tag_not_found":
        return (
            f"'method' is required to say how it is filled ({ctx.get('discriminator', 'method')})"
        )
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {got}"
    if kind.startswith(("value_error", "assertion_error")) or error.get("msg", "").startswith(
        "expected"
    ):
        return str(error["msg"]).removeprefix("Value error, ")
    return f"{error['msg']} (got {got})"


def validation_problems(document: Document, error: ValidationError) -> list[Problem]:
    """Pydantic's errors as located, readable problems."""
    problems: list[Problem] = []
    for detail in error.errors(include_url=False):
        path = _clean_location(document.data, tuple(detail["loc"]))
        problems.append(document.problem(_message(detail, path), path))
    return problems


def _by_line(problem: Problem) -> tuple[int, str]:
    return (problem.line or 0, problem.path)


def _lists_of_clauses(document: Document) -> Document:
    """Rewrite a single admission or expulsion clause as a list of one, so that clause
    paths (`members.admission[0]`) mean the same in the document and in the grants."""
    members = document.data.get("members")
    if not isinstance(members, dict):
        return document
    single = [key for key in ("admission", "expulsion") if isinstance(members.get(key), dict)]
    if not single:
        return document
    data = {**document.data, "members": dict(members)}
    lines = dict(document.lines)
    for key in single:
        data["members"][key] = [members[key]]
        prefix = ("members", key)
        for path, line in document.lines.items():
            if path[:2] == prefix and len(path) > 2:
                lines[(*prefix, 0, *path[2:])] = line
        if prefix in document.lines:
            lines[(*prefix, 0)] = document.lines[prefix]
    return Document(data, document.file, lines)


def constitution_from_document(document: Document) -> Constitution:
    """Validate a parsed document; raise ConstitutionError listing every problem."""
    if not isinstance(document.data, dict):
        raise ConstitutionError(
            [
                document.problem(
                    f"a constitution must be a mapping, got {describe_value(document.data)}", ()
                )
            ]
        )
    document = _lists_of_clauses(document)
    try:
        constitution = Constitution.model_validate(document.data)
    except ValidationError as error:
        problems = validation_problems(document, error)
        problems += _references_despite(document, error)
        raise ConstitutionError(sorted(set(problems), key=_by_line)) from None
    constitution._document = document
    findings = check_references(constitution)
    if findings:
        problems = [document.problem(message, path) for message, path in findings]
        raise ConstitutionError(sorted(problems, key=_by_line))
    return constitution


def _without(data: Any, path: Path) -> bool:
    """Delete the innermost mapping key on `path` from `data`; False if there is none."""
    keyed = [i for i, part in enumerate(path) if isinstance(part, str)]
    if not keyed:
        return False
    cut = keyed[-1]
    try:
        parent = lookup(data, path[:cut])
    except KeyError:
        return False
    if isinstance(parent, dict) and path[cut] in parent:
        del parent[path[cut]]
        return True
    return False


def _references_despite(document: Document, error: ValidationError) -> list[Problem]:
    """Cross-reference problems too, so one run lists everything wrong, not one layer of it.

    The clauses pydantic rejected are set aside (their keys deleted from a copy); if
    what remains is a valid constitution, its references are checked as well. Findings
    inside a set-aside clause are dropped: that clause is already reported.
    """
    data = copy.deepcopy(document.data)
    removed: list[Path] = []
    for _ in range(3):
        for detail in error.errors(include_url=False):
            path = _clean_location(data, tuple(detail["loc"]))
            if detail["type"] != "missing" and _without(data, path):
                removed.append(path)
        try:
            constitution = Constitution.model_validate(data)
            break
        except ValidationError as again:
            error = again
    else:
        return []
    constitution._document = Document(data, document.file, document.lines)
    problems = []
    for message, path in check_references(constitution):
        if not any(path[: len(cut)] == cut for cut in removed):
            problems.append(document.problem(message, path))
    return problems


def parse_constitution(
    text: str, file: str | None = None, *, format: str | None = None
) -> Constitution:
    """Parse and validate constitution text (YAML by default, TOML by `format` or file suffix)."""
    try:
        document = parse_document(text, file, format=format)
    except DocumentSyntaxError as error:
        raise ConstitutionError([error.problem]) from None
    return constitution_from_document(document)
