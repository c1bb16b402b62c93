"""Amending a constitution: edits to its document, refused if they touch an entrenched clause.

An amendment is a list of edits (`set`, `remove`, `append` at a clause path).
The edited document is validated again from scratch, so an amendment can never
produce a constitution that could not have been written in the first place;
and no edit may touch an entrenched clause, the list of entrenched clauses, or
shift an entrenched clause's position in a list.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from charter.domain.constitution import Constitution, constitution_from_document
from charter.domain.document import Document, Path, format_path, lookup, parse_path
from charter.errors import ActError, ConstitutionError

__all__ = ["Edit", "amend", "read_edits"]

Operation = Literal["set", "remove", "append"]


@dataclass(frozen=True, slots=True)
class Edit:
    """One change to the constitution's document."""

    operation: Operation
    path: Path
    value: Any = None

    def describe(self) -> str:
        where = format_path(self.path)
        if self.operation == "remove":
            return f"remove {where}"
        value = json.dumps(self.value, ensure_ascii=False, default=str)
        if len(value) > 80:
            value = value[:77] + "..."
        return (
            f"{self.operation} {where} = {value}"
            if self.operation == "set"
            else f"append {value} to {where}"
        )


def read_edits(changes: Sequence[Any], prefix: str) -> tuple[Edit, ...]:
    """Parse the `changes` argument of an amendment; ActError names the malformed edit."""
    edits: list[Edit] = []
    for index, change in enumerate(changes):
        where = f"{prefix}[{index}]"
        if not isinstance(change, Mapping):
            raise ActError("expected a mapping such as {set: PATH, value: ...}", path=where)
        operations = [name for name in ("set", "remove", "append") if name in change]
        if len(operations) != 1:
            raise ActError("name exactly one of 'set', 'remove' or 'append'", path=where)
        operation: Operation = operations[0]  # type: ignore[assignment]
        try:
            path = parse_path(str(change[operation]))
        except ValueError as error:
            raise ActError(str(error), path=f"{where}.{operation}") from None
        if operation != "remove" and "value" not in change:
            raise ActError("is required but missing", path=f"{where}.value")
        extra = set(change) - {operation, "value"}
        if extra:
            raise ActError(f"unknown field '{sorted(extra)[0]}'", path=where)
        edits.append(Edit(operation, path, copy.deepcopy(change.get("value"))))
    return tuple(edits)


def _touches(edit: Edit, clause: Path) -> bool:
    path = edit.path
    if path[: len(clause)] == clause or clause[: len(path)] == path:
        return True
    # removing from (or appending to) a list shifts the positions that follow
    if edit.operation == "remove" and isinstance(path[-1], int):
        parent = path[:-1]
        if clause[: len(parent)] == parent and len(clause) > len(parent):
            position = clause[len(parent)]
            return isinstance(position, int) and position > path[-1]
    return False


def entrenchment_conflict(constitution: Constitution, edits: Sequence[Edit]) -> str | None:
    """Why these edits may not be made, if they touch what is entrenched."""
    for edit in edits:
        if edit.path[:1] == ("entrenched",):
            return f"{edit.describe()}: the list of entrenched clauses is itself entrenched"
        if constitution.federation is not None and _touches(edit, ("federation", "secession")):
            return (
                f"{edit.describe()} touches federation.secession: each member's right to leave"
                " is entrenched, and no amendment, however large its majority, may remove or block it"
            )
        for index, rule in enumerate(constitution.entrenched):
            if _touches(edit, parse_path(rule.clause)):
                return f"{edit.describe()} touches entrenched clause {rule.clause} (entrenched[{index}])"
    return None


def _apply(data: Any, edit: Edit) -> None:
    parent_path, last = edit.path[:-1], edit.path[-1]
    parent = lookup(data, parent_path) if parent_path else data
    if edit.operation == "append":
        target = lookup(data, edit.path)
        if not isinstance(target, list):
            raise KeyError(f"{format_path(edit.path)} is not a list")
        target.append(edit.value)
    elif edit.operation == "set":
        if isinstance(parent, dict) and isinstance(last, str):
            parent[last] = edit.value
        elif isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
            parent[last] = edit.value
        else:
            raise KeyError(format_path(edit.path))
    else:
        lookup(data, edit.path)
        del parent[last]


def amend(constitution: Constitution, edits: Sequence[Edit]) -> Constitution | str:
    """The amended constitution, or the reason the amendment cannot take effect."""
    conflict = entrenchment_conflict(constitution, edits)
    if conflict is not None:
        return conflict
    data = copy.deepcopy(constitution.document.data)
    for edit in edits:
        try:
            _apply(data, edit)
        except (KeyError, TypeError, IndexError) as error:
            return f"{edit.describe()}: no such clause ({str(error).strip(chr(39))})"
    try:
        return constitution_from_document(Document(data, constitution.document.file))
    except ConstitutionError as error:
        details = "; ".join(f"{p.path}: {p.message}" for p in error.problems)
        return f"the amended constitution would be invalid: {details}"
