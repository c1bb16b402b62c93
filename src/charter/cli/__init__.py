"""The `charter` command line. Importing this package registers every command on `main`."""

import charter.cli.commands_power  # noqa: F401  (registers `charter power`)
from charter.cli import (
    commands_core,
    commands_federation,
    commands_inspect,
    commands_ledger,
    commands_serve,
    commands_tally,
)
from charter.cli.app import main

__all__ = [
    "commands_core",
    "commands_federation",
    "commands_inspect",
    "commands_ledger",
    "commands_serve",
    "commands_tally",
    "main",
]
