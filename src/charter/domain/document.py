"""Parse YAML or TOML text into plain data plus a map from each path to its line.

Validation errors must name the line they come from, and neither PyYAML's
`safe_load` nor `tomllib` keep positions; so YAML is composed into nodes (which
carry marks) and TOML lines are recovered by a scan of its keys and headers.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from charter.errors import Problem

__all__ = [
    "Document",
    "DocumentSyntaxError",
    "Path",
    "format_path",
    "lookup",
    "parse_document",
    "parse_path",
]

Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    """Render ('offices', 'gs', 'powers', 0) as offices.gs.powers[0]."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(text: str) -> Path:
    """Read offices.gs.powers[0] back into ('offices', 'gs', 'powers', 0); ValueError if malformed."""
    parts: list[str | int] = []
    position = 0
    while position < len(text):
        if text[position] == "." and parts:
            position += 1
        match = _PATH_PART.match(text, position)
        if match is None:
            raise ValueError(f"malformed clause path {text!r} at character {position + 1}")
        parts.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
        position = match.end()
    if not parts:
        raise ValueError("empty clause path")
    return tuple(parts)


def lookup(data: Any, path: Path) -> Any:
    """The value at `path` in plain data; KeyError if there is none."""
    node = data
    for part in path:
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
        else:
            raise KeyError(format_path(path))
    return node


@dataclass(frozen=True)
class Document:
    """Plain data parsed from a file, and where each piece of it came from."""

    data: Any
    file: str | None = None
    lines: Mapping[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None

    def problem(self, message: str, path: Path) -> Problem:
        return Problem(message, format_path(path), self.file, self.line_of(path))


class DocumentSyntaxError(Exception):
    """Raised with the located problem when text is not valid YAML or TOML."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def parse_document(text: str, file: str | None = None, *, format: str | None = None) -> Document:
    """Parse `text` as YAML (default) or TOML (`format="toml"` or a .toml file)."""
    kind = format or ("toml" if file is not None and file.endswith(".toml") else "yaml")
    if kind == "toml":
        return _parse_toml(text, file)
    return _parse_yaml(text, file)


# --- YAML ---------------------------------------------------------------------------------


def _parse_yaml(text: str, file: str | None) -> Document:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[Path, int] = {}
        data = _from_node(loader, node, (), lines) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else None
        message = error.problem or str(error)
        raise DocumentSyntaxError(Problem(f"not valid YAML: {message}", "", file, line)) from None
    except yaml.YAMLError as error:
        raise DocumentSyntaxError(Problem(f"not valid YAML: {error}", "", file)) from None
    finally:
        loader.dispose()
    return Document(data, file, lines)


def _from_node(loader: yaml.SafeLoader, node: yaml.Node, path: Path, lines: dict[Path, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | bool) and key is not None:
                raise yaml.MarkedYAMLError(
                    problem="mapping keys must be plain scalars", problem_mark=key_node.start_mark
                )
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                raise yaml.MarkedYAMLError(
                    problem=f"duplicate key '{key}'", problem_mark=key_node.start_mark
                )
            result[key] = _from_node(loader, value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _from_node(loader, item, (*path, index), lines) for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


# --- TOML ---------------------------------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", text)
    return [part.strip("\"'") for part in parts]


def _parse_toml(text: str, file: str | None) -> Document:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        line = int(match.group(1)) if match else None
        raise DocumentSyntaxError(Problem(f"not valid TOML: {error}", "", file, line)) from None
    return Document(data, file, _toml_lines(text))


def _toml_lines(text: str) -> dict[Path, int]:
    """Best-effort positions: table headers and keys (inline tables take their key's line)."""
    lines: dict[Path, int] = {(): 1}
    table: Path = ()
    array_counts: dict[Path, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(raw)
        if header:
            names = tuple(_split_dotted(header.group(2)))
            if header.group(1) == "[[":
                index = array_counts.get(names, 0)
                array_counts[names] = index + 1
                table = (*names, index)
                lines.setdefault(names, number)
            else:
                table = names
            lines[table] = number
            continue
        key = _KEY.match(raw)
        if key:
            path = (*table, *_split_dotted(key.group(1)))
            lines.setdefault(path, number)
    return lines
