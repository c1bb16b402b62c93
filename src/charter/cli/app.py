"""The `charter` command group and what every command shares: errors, JSON, the database option.

Every command prints readable text by default and data with `--json`; every
error a user can cause ends in a located message and exit status 1, never a
stack trace.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import click

from charter import __version__
from charter.errors import ActError, CharterError, Problem

__all__ = ["db_option", "emit_json", "main", "reports_errors"]

P = ParamSpec("P")
R = TypeVar("R")


def _problems(error: CharterError) -> list[dict[str, object]]:
    problems = getattr(error, "problems", None)
    if problems is None:
        problem = error.problem() if isinstance(error, ActError) else Problem(str(error))
        problems = [problem]
    return [problem.as_dict() for problem in problems]


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn Charter's errors into exit status 1 and a message: on stderr, or as JSON
    on stdout (`{"error": ..., "problems": [...]}`) when the command was asked for JSON."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except CharterError as error:
            if kwargs.get("as_json"):
                headline = str(error).splitlines()[0].rstrip(":")
                emit_json({"error": headline, "problems": _problems(error)})
            else:
                click.echo(str(error), err=True)
            sys.exit(1)

    return run


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="charter")
def main() -> None:
    """Charter: constitution-as-code for self-governing organisations and their federations."""


db_option = click.option(
    "--db",
    "db",
    metavar="URL",
    default=None,
    help="Database URL or SQLite file (default: $CHARTER_DATABASE_URL, else the embedded SQLite file).",
)
