"""Reading an act's arguments: typed, with errors naming the argument at fault."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal

from charter.domain.constitution.types import describe_value
from charter.domain.state import PolityState
from charter.errors import ActError

__all__ = ["Args"]


class Args:
    """The arguments of one act, read one by one; every failure is an ActError with its path."""

    def __init__(self, values: Mapping[str, Any], prefix: str = "args") -> None:
        # An act's own arguments are always a mappingproxy: skip the slower ABC check for them.
        if type(values) is not MappingProxyType and not isinstance(values, Mapping):
            raise ActError(
                f"expected a mapping of arguments, got {describe_value(values)}", path=prefix
            )
        self.values = values
        self.prefix = prefix
        self.read: set[str] = set()

    def path(self, name: str) -> str:
        return f"{self.prefix}.{name}"

    def text(self, name: str, *, required: bool = True, default: str = "") -> str:
        self.read.add(name)
        value = self.values.get(name)
        if value is None:
            if required:
                raise ActError("is required but missing", path=self.path(name))
            return default
        if not isinstance(value, str) or not value.strip():
            raise ActError(
                f"expected non-empty text, got {describe_value(value)}", path=self.path(name)
            )
        return value

    def optional(self, name: str) -> str | None:
        return self.text(name, required=False) or None

    def choice(self, name: str, options: tuple[str, ...]) -> str:
        value = self.text(name)
        if value not in options:
            allowed = ", ".join(options)
            raise ActError(
                f"expected one of {allowed}, got {describe_value(value)}", path=self.path(name)
            )
        return value

    def count(self, name: str) -> int:
        self.read.add(name)
        value = self.values.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ActError(
                f"expected a whole number of votes, got {describe_value(value)}",
                path=self.path(name),
            )
        return value

    def mapping(self, name: str, *, required: bool = True) -> Mapping[str, Any] | None:
        self.read.add(name)
        value = self.values.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, Mapping):
            raise ActError(f"expected a mapping, got {describe_value(value)}", path=self.path(name))
        return value

    def sequence(self, name: str) -> list[Any]:
        self.read.add(name)
        value = self.values.get(name)
        if not isinstance(value, list | tuple) or not value:
            raise ActError(
                f"expected a non-empty list, got {describe_value(value)}", path=self.path(name)
            )
        return list(value)

    def post(self, state: PolityState) -> tuple[Literal["office", "body"], str]:
        """Exactly one of `office` or `body`, naming one the constitution declares."""
        c = state.constitution
        office, body = self.values.get("office"), self.values.get("body")
        if (office is None) == (body is None):
            raise ActError("name exactly one of 'office' or 'body'", path=self.prefix)
        if office is not None:
            name = self.text("office")
            if name not in c.offices:
                raise ActError(_unknown("office", name, c.offices), path=self.path("office"))
            return "office", name
        name = self.text("body")
        if name not in c.bodies:
            raise ActError(_unknown("body", name, c.bodies), path=self.path("body"))
        return "body", name

    def body(self, state: PolityState, name: str = "body") -> str:
        value = self.text(name)
        if value != "members" and value not in state.constitution.bodies:
            raise ActError(_unknown("body", value, state.constitution.bodies), path=self.path(name))
        return value

    def matter(self, state: PolityState) -> str | None:
        """An optional `matter`, which must be one the constitution declares."""
        name = self.optional("matter")
        if name is not None and name not in state.constitution.matters:
            raise ActError(
                _unknown("matter", name, state.constitution.matters), path=self.path("matter")
            )
        return name

    def finish(self, *, allowed: tuple[str, ...] = ()) -> None:
        """Refuse arguments nobody asked for: they are usually typos."""
        if self.read.issuperset(self.values):  # the usual case: every argument was read
            return
        extra = sorted(set(self.values) - self.read - set(allowed))
        if extra:
            raise ActError(f"unknown argument '{extra[0]}'", path=self.path(extra[0]))


def _unknown(kind: str, name: str, known: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown {kind} '{name}'{hint}"
