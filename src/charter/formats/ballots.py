"""Read any supported ballot file by its suffix: BLT, PrefLib (.soc/.soi/.toc/.toi) or CSV."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from charter.domain.tally import Profile
from charter.formats.blt import read_blt
from charter.formats.csv import read_csv
from charter.formats.errors import FormatError
from charter.formats.preflib import read_preflib

__all__ = ["SUFFIXES", "BallotFile", "read_ballots"]

SUFFIXES = (".blt", ".soc", ".soi", ".toc", ".toi", ".csv")


@dataclass(frozen=True, slots=True)
class BallotFile:
    """The ballots of a file, with the seats and title it declares (BLT does; others do not)."""

    profile: Profile
    seats: int | None = None
    title: str = ""


def read_ballots(path: str | Path) -> BallotFile:
    """Read `path` by its suffix; FormatError (with the line) if it cannot be read."""
    source = Path(path)
    suffix = source.suffix.lower()
    if not source.is_file():
        raise FormatError("no such file", file=str(source))
    if suffix == ".blt":
        election = read_blt(source)
        return BallotFile(election.profile, election.seats, election.title)
    if suffix in (".soc", ".soi", ".toc", ".toi"):
        parsed = read_preflib(source)
        return BallotFile(parsed.profile, None, parsed.metadata.get("TITLE", ""))
    if suffix == ".csv":
        return BallotFile(read_csv(source), None, source.stem)
    raise FormatError(
        f"unknown ballot format '{suffix}'; expected one of {', '.join(SUFFIXES)}", file=str(source)
    )
