"""Charter's errors: one root, each error saying what is wrong and where.

The tree::

    CharterError
    ├── ConstitutionError        a constitution file that cannot be accepted;
    │                            carries every Problem found (file, line, path)
    ├── ActError                 an act that is malformed (missing or bad
    │                            arguments, unknown references, time going
    │                            backwards); refused before any authority check
    ├── ScenarioError            a scenario file that cannot be read; carries
    │                            every Problem found
    ├── StorageError             (charter.storage.errors) the store: unknown or
    │                            existing polity, Conflict, schema not current...
    ├── LedgerFormatError        (charter.ledger.encoding) bytes that are not a
    │                            canonical entry
    ├── BundleError, CheckpointError, ProofError, ReplayMismatchError
    │                            (charter.ledger.*) unreadable bundles and
    │                            checkpoints, failed proofs, ledgers that do not
    │                            replay to themselves
    ├── SigningKeyError          (charter.keys) a missing or exposed signing key
    ├── TallyError, FormatError  (charter.domain.tally, charter.formats) counts
    │                            that cannot be made, ballot files refused with
    │                            their line numbers
    ├── PowerError, GameFileError
    │                            (charter.domain.power, charter.power_games)
    │                            games that cannot be counted, game files refused
    │                            with file, line and field
    ├── ImportRefusedError       (charter.services.importing) a bundle that does
    │                            not verify, or a polity id or key that conflicts
    └── DecisionReferenceError, FederationCommandError
                                 (charter.federation_scenario, charter.cli) a
                                 federal act citing a member's decision that the
                                 member's own ledger does not hold

An act that is well formed but not allowed is *not* an error: it is a refused
outcome, kept in the record as evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "ActError",
    "CharterError",
    "ConstitutionError",
    "Problem",
    "ScenarioError",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    message: str
    path: str = ""
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
            where += ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        subject = f"{self.path}: " if self.path else ""
        return f"{where}{subject}{self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "path": self.path, "message": self.message}


class CharterError(Exception):
    """Root of every error Charter raises on purpose."""


class _ProblemsError(CharterError):
    """An error that lists every problem found rather than the first."""

    headline = "invalid input"

    def __init__(self, problems: Iterable[Problem], headline: str | None = None) -> None:
        self.problems: Sequence[Problem] = tuple(problems)
        if headline is not None:
            self.headline = headline
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{self.headline} ({count} {noun}):"]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)


class ConstitutionError(_ProblemsError):
    """A constitution that cannot be accepted."""

    headline = "invalid constitution"


class ScenarioError(_ProblemsError):
    """A scenario file that cannot be read."""

    headline = "invalid scenario"


class ActError(CharterError):
    """A malformed act: it is refused before any authority check and changes nothing."""

    def __init__(self, message: str, *, path: str = "", act_index: int | None = None) -> None:
        self.message = message
        self.path = path
        self.act_index = act_index
        super().__init__(str(self.problem()))

    def problem(self) -> Problem:
        return Problem(self.message, self.path)
