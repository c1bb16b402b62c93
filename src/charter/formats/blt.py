"""BLT ballot files (the format of OpenSTV, Droop, eSTV and the Scottish council data), read and written.

A BLT file is, line by line::

    4 2                     candidates, seats
    -3                      optional: withdrawn candidates, as negative numbers
    12 1 2 0                a ballot: how many voters cast it, then candidate
    7 3 1=2 0               numbers best first ("1=2" ranks two equal), then 0
    0                       end of ballots
    "Ann"                   one name per candidate, in order
    ...
    "Title of the election"

Names and the title are in double quotes, a quote inside being doubled
(the quoted text `"Grn ""Richie BRIAN"" "` is the name `Grn "Richie BRIAN" `,
kept exactly as given); bare lines are read as they stand. What real files add, and how it is read:

- a name line holding several quoted strings (`"Chic BRODIE" "Independent"`):
  the first is the name, the rest are kept as that candidate's `details`;
- lines starting with `#` are comments; when a file gives no name lines but
  one `# ALTERNATIVE NAME k: ...` comment per candidate (the Glasgow 2007
  files), the names come from those comments;
- a trailing comma on any line is ignored (one Perth & Kinross file passed
  through a spreadsheet), and blank lines after the title are ignored.

Anything else that does not fit is refused with a FormatError naming the line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from charter.domain.tally.profile import Profile, TallyError
from charter.formats.errors import FormatError

__all__ = ["BltElection", "dumps_blt", "loads_blt", "read_blt", "write_blt"]

_ALTERNATIVE = re.compile(r"#\s*ALTERNATIVE NAME\s+(\d+)\s*:\s*(.*)$")
_QUOTED = re.compile(r'"((?:[^"]|"")*)"')


@dataclass(frozen=True)
class BltElection:
    """What a BLT file holds: the ballots as a profile, seats, title and withdrawn candidates."""

    profile: Profile
    seats: int
    title: str = ""
    withdrawn: tuple[str, ...] = ()
    details: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def read_blt(path: str | Path) -> BltElection:
    """Read a BLT file; FormatError names the file and line of anything that does not fit."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise FormatError(f"not UTF-8 text ({error.reason})", file=str(source)) from error
    try:
        return loads_blt(text)
    except FormatError as error:
        raise FormatError(error.message, line=error.line, file=str(source)) from error


def loads_blt(text: str) -> BltElection:
    """Read BLT text (see the module docstring for what is accepted)."""
    raw_lines = text.splitlines()
    fast = _bulk_blt(raw_lines)
    if fast is not None:
        return fast
    lines = [_clean(line) for line in raw_lines]
    number = _next_content(lines, 0)
    if number is None:
        raise FormatError("empty file: expected 'candidates seats'", line=1)
    header = lines[number].split()
    if len(header) != 2 or not all(part.isdigit() for part in header):
        raise FormatError("the first line must be 'candidates seats'", line=number + 1)
    n, seats = int(header[0]), int(header[1])
    if n < 1:
        raise FormatError("there must be at least one candidate", line=number + 1)
    if not 1 <= seats <= n:
        raise FormatError(f"cannot fill {seats} seats from {n} candidates", line=number + 1)

    withdrawn: set[int] = set()
    ranks_rows: list[list[int]] = []
    counts: list[float] = []
    index = number + 1
    while True:
        if index >= len(lines):
            raise FormatError("the ballots never end: expected a line '0'", line=len(lines))
        line = lines[index]
        index += 1
        if not line or line.startswith("#"):
            continue
        if line == "0":
            break
        parts = line.split()
        if parts[0].startswith("-"):
            if ranks_rows:
                raise FormatError("withdrawn candidates must come before the ballots", line=index)
            for part in parts:
                candidate = _integer(part, index)
                if not -n <= candidate <= -1:
                    raise FormatError(f"'{part}' is not a withdrawn candidate number", line=index)
                withdrawn.add(-candidate - 1)
            continue
        row, count = _ballot(parts, n, index)
        ranks_rows.append(row)
        counts.append(count)

    names, title, details = _trailer(lines, index, n)
    if len(set(names)) != len(names):
        raise FormatError("two candidates have the same name", line=index + 1)
    ranks = np.array(ranks_rows, dtype=np.int16).reshape(len(ranks_rows), n)
    weights = np.array(counts, dtype=np.float64)
    try:
        profile = Profile(tuple(names), ranks, weights, frozenset(withdrawn)).compacted()
    except TallyError as error:  # pragma: no cover - every check above comes first
        raise FormatError(str(error), line=index) from error
    return BltElection(
        profile,
        seats,
        title,
        tuple(names[c] for c in sorted(withdrawn)),
        {name: extra for name, extra in details.items() if extra},
    )


_BULK_BALLOTS = re.compile(r"[0-9 \t\n]*")


def _bulk_blt(raw_lines: list[str]) -> BltElection | None:
    """A file whose ballots are plain numbers (no ties, comments or fractions), read at once.

    None when anything is unusual or would be refused: `loads_blt` then reads line by line,
    which names the line at fault.
    """
    index = 0
    while index < len(raw_lines) and (
        not (line := _clean(raw_lines[index])) or line.startswith("#")
    ):
        index += 1
    if index >= len(raw_lines):
        return None
    header = line.split()
    if len(header) != 2 or not all(part.isdigit() for part in header):
        return None
    n, seats = int(header[0]), int(header[1])
    if n < 1 or not 1 <= seats <= n:
        return None
    withdrawn: set[int] = set()
    index += 1
    while index < len(raw_lines):
        line = _clean(raw_lines[index])
        if line and not line.startswith("#") and not line.startswith("-"):
            break
        for part in line.split() if line.startswith("-") else ():
            if not re.fullmatch(r"-[0-9]+", part) or not 1 <= -int(part) <= n:
                return None
            withdrawn.add(-int(part) - 1)
        index += 1
    try:
        end = raw_lines.index("0", index)
    except ValueError:
        return None
    body = "\n".join(raw_lines[index:end])
    if not _BULK_BALLOTS.fullmatch(body):
        return None
    parsed = _bulk_ballots(body, n)
    if parsed is None:
        return None
    ranks, weights = parsed
    lines = [""] * (end + 1) + [_clean(line) for line in raw_lines[end + 1 :]]
    names, title, details = _trailer(lines, end + 1, n)
    if len(set(names)) != len(names):
        return None
    profile = _compacted(Profile(tuple(names), ranks, weights, frozenset(withdrawn)))
    return BltElection(
        profile,
        seats,
        title,
        tuple(names[c] for c in sorted(withdrawn)),
        {name: extra for name, extra in details.items() if extra},
    )


def _compacted(profile: Profile) -> Profile:
    """`profile.compacted()`, row for row, sorting one packed number per row when rows fit in one."""
    ranks = profile.ranks
    width = max(int(ranks.max(initial=0)), 1).bit_length()
    if ranks.shape[0] == 0 or width * ranks.shape[1] > 62:
        return profile.compacted()
    # Fixed-width fields, the first column most significant: numbers sort as rows do.
    shifts = np.arange(ranks.shape[1] - 1, -1, -1, dtype=np.int64) * width
    keys = (ranks.astype(np.int64) << shifts).sum(axis=1)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=profile.counts, minlength=first.size)
    return Profile(
        profile.candidates,
        ranks[first].astype(np.int16),
        counts.astype(np.float64),
        profile.withdrawn,
    )


def _bulk_ballots(
    body: str, n: int
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.float64]] | None:
    """Lines `weight c1 c2 ... 0` (whole numbers, blank lines allowed) as rank rows and weights."""
    raw = np.frombuffer((body + "\n").encode("ascii"), np.uint8)
    digit = (raw - np.uint8(ord("0"))) <= 9
    begins = np.empty_like(digit)
    begins[0] = digit[0]
    begins[1:] = digit[1:] & ~digit[:-1]
    starts = np.flatnonzero(begins)
    if starts.size == 0:
        return None
    finishes = np.flatnonzero(digit[:-1] & ~digit[1:]) + 1  # the text ends with a newline
    lengths = finishes - starts
    longest = int(lengths.max())
    if longest > 15:
        return None
    values = (raw[starts] - np.uint8(ord("0"))).astype(np.int64)
    for place in range(1, longest):
        longer = np.flatnonzero(lengths > place)
        values[longer] = values[longer] * 10 + (raw[starts[longer] + place] - ord("0"))
    # Which line each number is on; blank lines hold none.
    line = np.searchsorted(np.flatnonzero(raw == ord("\n")), starts)
    first = np.ones(starts.size, dtype=bool)
    first[1:] = line[1:] != line[:-1]
    heads = np.flatnonzero(first)
    sizes = np.empty_like(heads)
    sizes[:-1] = heads[1:] - heads[:-1]
    sizes[-1] = values.size - heads[-1]
    if sizes.min() < 2:
        return None
    ranks = np.zeros((heads.size, n), dtype=np.int16)
    if (sizes == sizes[0]).all():
        table = values.reshape(heads.size, int(sizes[0]))
        weights, choices, closing = table[:, 0], table[:, 1:-1], table[:, -1]
        if choices.size and (choices.min() < 1 or choices.max() > n):
            return None
        ranks[np.arange(heads.size)[:, None], choices - 1] = np.arange(1, choices.shape[1] + 1)
    else:
        weights = values[heads]
        closing = values[heads + sizes - 1]
        is_choice = np.ones(values.size, dtype=bool)
        is_choice[heads] = False
        is_choice[heads + sizes - 1] = False
        choices = values[is_choice]
        if choices.size and (choices.min() < 1 or choices.max() > n):
            return None
        row = np.repeat(np.arange(heads.size), sizes)[is_choice]
        rank = (np.arange(values.size) - np.repeat(heads, sizes))[is_choice]
        ranks[row, choices - 1] = rank
    if (closing != 0).any() or np.count_nonzero(ranks) != choices.size:
        return None
    return ranks, weights.astype(np.float64)


def dumps_blt(
    profile: Profile,
    seats: int,
    title: str = "",
    details: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """Write a profile as BLT text: one line per distinct ballot, names and title quoted."""
    n = len(profile.candidates)
    out = [f"{n} {seats}"]
    if profile.withdrawn:
        out.append(" ".join(f"-{c + 1}" for c in sorted(profile.withdrawn)))
    for row, count in zip(profile.ranks, profile.counts, strict=True):
        groups: dict[int, list[int]] = {}
        for candidate in np.flatnonzero(row > 0):
            groups.setdefault(int(row[candidate]), []).append(int(candidate) + 1)
        prefs = ["=".join(str(c) for c in groups[rank]) for rank in sorted(groups)]
        weight = int(count) if float(count).is_integer() else float(count)
        out.append(" ".join([str(weight), *prefs, "0"]))
    out.append("0")
    extra = details or {}
    for name in profile.candidates:
        out.append(" ".join(_quote(part) for part in (name, *extra.get(name, ()))))
    out.append(_quote(title))
    return "\n".join(out) + "\n"


def write_blt(
    path: str | Path,
    profile: Profile,
    seats: int,
    title: str = "",
    details: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Write a profile to a BLT file (UTF-8)."""
    Path(path).write_text(dumps_blt(profile, seats, title, details), encoding="utf-8")


# -- reading helpers ----------------------------------------------------------------------------


def _clean(line: str) -> str:
    line = line.strip()
    while line.endswith(","):
        line = line[:-1].rstrip()
    return line


def _next_content(lines: Sequence[str], start: int) -> int | None:
    for index in range(start, len(lines)):
        if lines[index] and not lines[index].startswith("#"):
            return index
    return None


def _integer(token: str, line: int) -> int:
    try:
        return int(token)
    except ValueError:
        raise FormatError(f"'{token}' is not a whole number", line=line) from None


def _ballot(parts: list[str], n: int, line: int) -> tuple[list[int], float]:
    try:
        count = float(parts[0])
    except ValueError:
        raise FormatError(f"'{parts[0]}' is not a ballot weight", line=line) from None
    if not count >= 0 or count == float("inf"):
        raise FormatError(f"'{parts[0]}' is not a ballot weight", line=line)
    if parts[-1] != "0" or len(parts) < 2:
        raise FormatError("a ballot line must end with 0", line=line)
    row = [0] * n
    for rank, token in enumerate(parts[1:-1], start=1):
        for piece in token.split("="):
            candidate = _integer(piece, line)
            if not 1 <= candidate <= n:
                raise FormatError(f"there is no candidate {candidate}", line=line)
            if row[candidate - 1]:
                raise FormatError(f"candidate {candidate} is ranked twice", line=line)
            row[candidate - 1] = rank
    return row, count


def _text(line: str, number: int) -> tuple[str, tuple[str, ...]]:
    """A name or title line: quoted strings (the first, then details) or the bare line."""
    if not line.startswith('"'):
        return line, ()
    parts: list[str] = []
    position = 0
    while position < len(line):
        match = _QUOTED.match(line, position)
        if match is None:
            raise FormatError(f"unbalanced quotes in {line!r}", line=number)
        parts.append(match.group(1).replace('""', '"'))
        position = match.end()
        while position < len(line) and line[position] in " \t":
            position += 1
    return parts[0], tuple(parts[1:])


def _trailer(
    lines: Sequence[str], start: int, n: int
) -> tuple[list[str], str, dict[str, tuple[str, ...]]]:
    content = [(i, lines[i]) for i in range(start, len(lines)) if lines[i]]
    texts = [(i, line) for i, line in content if not line.startswith("#")]
    alternatives: dict[int, str] = {}
    for _i, line in content:
        match = _ALTERNATIVE.match(line)
        if match:
            alternatives[int(match.group(1))] = match.group(2).strip()
    if len(texts) == n + 1:
        named = [_text(line, i + 1) for i, line in texts[:n]]
        title = _text(texts[n][1], texts[n][0] + 1)[0]
        return [name for name, _ in named], title, dict(named)
    if len(texts) == 1 and sorted(alternatives) == list(range(1, n + 1)):
        names = [alternatives[k] for k in range(1, n + 1)]
        return names, _text(texts[0][1], texts[0][0] + 1)[0], {}
    where = texts[min(len(texts), n + 1) - 1][0] + 1 if texts else len(lines)
    raise FormatError(
        f"expected {n} candidate names and a title after the ballots, found {len(texts)} lines",
        line=where,
    )


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'
