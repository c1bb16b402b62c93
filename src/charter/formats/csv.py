"""CSV ballots: one column per candidate, one row per ballot (or per group of identical ballots).

Layout::

    Ana,Ben,Cai,count
    1,2,,12
    1,1,2,3
    ,,,1

The header row names the candidates; a column headed `count` (optional, in any
position) says how many voters cast that row, and may be fractional for
weighted votes (default 1). Each other cell is the rank the ballot gives that
candidate: a whole number from 1, equal numbers for a tie, empty for unranked.
Only the order matters, so ranks are renumbered 1, 2, 3… keeping ties (a
ballot reading 2,5 is read as 1,2). A row with every cell empty is an empty
ballot (it still counts as cast). Blank lines are skipped. Approval ballots
are rows that put a 1 against each approved candidate.

Every refusal is a FormatError naming the line. Writing produces the same
layout with the `count` column last, one row per distinct ballot.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from charter.domain.tally.profile import Profile
from charter.formats.errors import FormatError

__all__ = ["COUNT_COLUMN", "format_csv", "parse_csv", "read_csv", "write_csv"]

COUNT_COLUMN = "count"


def _dense(row: list[int]) -> tuple[int, ...]:
    """Ranks renumbered 1, 2, 3… in the same order, ties kept, 0 (unranked) left alone."""
    levels = {
        rank: position for position, rank in enumerate(sorted({r for r in row if r}), start=1)
    }
    return tuple(levels.get(rank, 0) for rank in row)


def _count(text: str, line: int, file: str | None) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise FormatError(f"the count must be a number ≥ 0, not {text!r}", line=line, file=file)
    return value


def _rank(text: str, name: str, line: int, file: str | None) -> int:
    if not text:
        return 0
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise FormatError(
            f"the rank for {name!r} must be a whole number from 1 (or empty), not {text!r}",
            line=line,
            file=file,
        )
    if int(text) > np.iinfo(np.int16).max:
        raise FormatError(f"the rank for {name!r} is too large: {text}", line=line, file=file)
    return int(text)


def parse_csv(text: str, *, file: str | None = None) -> Profile:
    """Read CSV ballots; `file` only names the source in error messages."""
    reader = csv.reader(io.StringIO(text), strict=True)
    header: list[str] | None = None
    count_at: int | None = None
    candidates: list[str] = []
    merged: dict[tuple[int, ...], float] = {}
    try:
        for fields in reader:
            line = reader.line_num
            if not fields:
                continue
            cells = [cell.strip() for cell in fields]
            if header is None:
                header = cells
                if header.count(COUNT_COLUMN) > 1:
                    raise FormatError("more than one 'count' column", line=line, file=file)
                count_at = header.index(COUNT_COLUMN) if COUNT_COLUMN in header else None
                candidates = [name for i, name in enumerate(header) if i != count_at]
                if any(not name for name in candidates):
                    raise FormatError("a candidate column has no name", line=line, file=file)
                if len(set(candidates)) != len(candidates):
                    raise FormatError(
                        "two candidate columns have the same name", line=line, file=file
                    )
                if not candidates:
                    raise FormatError("the header names no candidates", line=line, file=file)
                continue
            if len(cells) != len(header):
                raise FormatError(
                    f"expected {len(header)} fields as in the header, found {len(cells)}",
                    line=line,
                    file=file,
                )
            weight = 1.0 if count_at is None else _count(cells[count_at], line, file)
            marks = [cell for i, cell in enumerate(cells) if i != count_at]
            row = _dense(
                [
                    _rank(mark, name, line, file)
                    for mark, name in zip(marks, candidates, strict=True)
                ]
            )
            merged[row] = merged.get(row, 0.0) + weight
    except csv.Error as error:
        raise FormatError(f"not valid CSV: {error}", line=reader.line_num, file=file) from None
    if header is None:
        raise FormatError("the file has no header row", line=1, file=file)
    rows = list(merged)
    ranks = np.array(rows, dtype=np.int16).reshape(len(rows), len(candidates))
    counts = np.array([merged[row] for row in rows], dtype=np.float64)
    return Profile(tuple(candidates), ranks, counts)


def read_csv(path: str | Path) -> Profile:
    """Read CSV ballots from disk."""
    source = Path(path)
    return parse_csv(source.read_text(encoding="utf-8"), file=str(source))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def format_csv(profile: Profile) -> str:
    """CSV text for a profile: candidates then `count`, one row per distinct ballot."""
    if COUNT_COLUMN in profile.candidates:
        raise FormatError(f"a candidate named {COUNT_COLUMN!r} cannot be written as CSV")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*profile.candidates, COUNT_COLUMN])
    compact = profile.compacted()
    for row, count in zip(compact.ranks, compact.counts, strict=True):
        writer.writerow(
            [str(int(rank)) if rank > 0 else "" for rank in row] + [_number(float(count))]
        )
    return out.getvalue()


def write_csv(path: str | Path, profile: Profile) -> None:
    """Write a profile as CSV ballots (see `format_csv`)."""
    Path(path).write_text(format_csv(profile), encoding="utf-8")
