"""PrefLib ordinal files (.soc, .soi, .toc, .toi): read into a Profile and written back.

The format (https://www.preflib.org/format): header lines `# KEY: value`
(`DATA TYPE`, `NUMBER ALTERNATIVES`, `NUMBER VOTERS`, `NUMBER UNIQUE ORDERS`,
`ALTERNATIVE NAME i`, and free metadata such as `TITLE`), then one line per
distinct order, `count: 1,3,{2,4}` — `count` voters rank alternative 1 first,
then 3, then 2 and 4 tied; alternatives are numbered from 1 and unlisted ones
come after every listed one. The four types say what orders may hold:
soc strict and complete, soi strict, toc complete with ties allowed, toi anything.

Reading is strict, because a tally is only as good as its input: every
alternative must be named, every order must fit the declared type, and the
declared numbers of voters and orders must match the data; each refusal is a
FormatError naming the line. Ballots stay compact: a Profile row per distinct
order, repeated orders merged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from charter.domain.tally.profile import Profile, attach_orders
from charter.formats.errors import FormatError

__all__ = [
    "DATA_TYPES",
    "PrefLibFile",
    "format_preflib",
    "parse_preflib",
    "read_preflib",
    "write_preflib",
]

DATA_TYPES = ("soc", "soi", "toc", "toi")
_ITEM = r"\{[0-9]+(?:,[0-9]+)*\}|[0-9]+"
_ORDER = re.compile(_ITEM)
_WHOLE_ORDER = re.compile(rf"(?:{_ITEM})(?:,(?:{_ITEM}))*")
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_COUNTED = {"NUMBER ALTERNATIVES", "NUMBER VOTERS", "NUMBER UNIQUE ORDERS", "DATA TYPE"}


@dataclass(frozen=True)
class PrefLibFile:
    """A parsed PrefLib file: the ballots as a Profile, its data type, and its other header fields."""

    profile: Profile
    data_type: str
    metadata: Mapping[str, str] = field(default_factory=dict)


def _integer(text: str, what: str, line: int, file: str | None, *, minimum: int = 0) -> int:
    value = text.strip()
    if not _WHOLE_NUMBER.fullmatch(value) or int(value) < minimum:
        raise FormatError(
            f"{what} must be a whole number ≥ {minimum}, not {value!r}", line=line, file=file
        )
    return int(value)


def _parse_order(text: str, alternatives: int, line: int, file: str | None) -> list[list[int]]:
    """`1,3,{2,4}` as groups of 0-based indices, best first; refuses repeats and unknown numbers."""
    body = "".join(text.split())
    if not body:
        return []
    if not _WHOLE_ORDER.fullmatch(body):
        raise FormatError(f"cannot read the order {text.strip()!r}", line=line, file=file)
    groups: list[list[int]] = []
    seen: set[int] = set()
    for token in _ORDER.findall(body):
        inner = token[1:-1] if token.startswith("{") else token
        parts = inner.split(",")
        group = []
        for part in parts:
            number = _integer(part, "an alternative", line, file, minimum=1)
            if number > alternatives:
                raise FormatError(
                    f"alternative {number} does not exist (there are {alternatives})",
                    line=line,
                    file=file,
                )
            if number in seen:
                raise FormatError(
                    f"alternative {number} appears twice in one order", line=line, file=file
                )
            seen.add(number)
            group.append(number - 1)
        groups.append(group)
    return groups


def _check_type(
    data_type: str, groups: list[list[int]], alternatives: int, line: int, file: str | None
) -> None:
    if data_type in ("soc", "soi") and any(len(group) > 1 for group in groups):
        raise FormatError(f"a {data_type} file cannot tie alternatives", line=line, file=file)
    if data_type in ("soc", "toc") and sum(len(group) for group in groups) != alternatives:
        raise FormatError(f"a {data_type} file must rank every alternative", line=line, file=file)


_BLANK_LINES = re.compile(r"\n\n+")
_NEWLINE, _COLON, _SPACE, _TAB = ord("\n"), ord(":"), ord(" "), ord("\t")


Bulk = tuple[npt.NDArray[np.int16], npt.NDArray[np.float64], npt.NDArray[np.int64] | None]


def _bulk_orders(body: str, alternatives: int, data_type: str) -> Bulk | None:
    """Tie-free order lines read at once: a rank row and a count per line, in file order.

    Also the orders themselves (candidate indices best first) when every line has the same
    length. None when anything would be refused (or is merely unusual): the caller then reads
    line by line, which names the line at fault.
    """
    if not body.isascii():
        return None
    data = body.encode("ascii")
    if data.translate(None, b"0123456789:, \t\n"):
        return None
    data = data.strip(b" \t\n")
    if not data:
        return None
    tabled = _table_orders(data, alternatives)
    if tabled is not None:
        return tabled
    body = data.decode("ascii")
    raw = np.frombuffer(body.encode("ascii"), np.uint8)
    spaces = np.flatnonzero((raw == _SPACE) | (raw == _TAB))
    if spaces.size:
        # `1 2` reads as 12 line by line; leave that to the careful reader.
        first = np.ones(spaces.size, dtype=bool)
        first[1:] = spaces[1:] - spaces[:-1] > 1
        last = np.ones(spaces.size, dtype=bool)
        last[:-1] = first[1:]
        before, after = raw[spaces[first] - 1], raw[spaces[last] + 1]
        if (((before - np.uint8(ord("0"))) <= 9) & ((after - np.uint8(ord("0"))) <= 9)).any():
            return None
        body = body.replace(" ", "").replace("\t", "")
    if "\n\n" in body:
        body = _BLANK_LINES.sub("\n", body)
    body = body.strip("\n") + "\n"
    raw = np.frombuffer(body.encode("ascii"), np.uint8)
    digit = (raw - np.uint8(ord("0"))) <= 9
    if not digit[0]:
        return None
    # Every line must read `count:` then nothing or `n,n,...,n`: a number before every
    # separator except the newline of an empty order, a colon first on each line, then commas.
    separators = np.flatnonzero(~digit)
    kinds = raw[separators]
    after_separator = ~digit[separators - 1]
    previous = np.empty_like(separators)
    previous[0] = -1
    previous[1:] = separators[:-1]
    if after_separator.any():
        if not (
            (kinds[after_separator] == _NEWLINE) & (raw[separators[after_separator] - 1] == _COLON)
        ).all():
            return None
        numbered = ~after_separator
        ends, previous, ended_by = separators[numbered], previous[numbered], kinds[numbered]
    else:
        ends, ended_by = separators, kinds
    preceding = np.empty_like(kinds)
    preceding[0] = _NEWLINE
    preceding[1:] = kinds[:-1]
    if ((kinds == _COLON) != (preceding == _NEWLINE)).any():
        return None
    # Numbers: each is the run of digits between a separator and the next one.
    starts = previous + 1
    lengths = ends - starts
    longest = int(lengths.max())
    if longest > 15:
        return None
    values = (raw[starts] - np.uint8(ord("0"))).astype(np.int64)
    for place in range(1, longest):
        longer = np.flatnonzero(lengths > place)
        values[longer] = values[longer] * 10 + (raw[starts[longer] + place] - ord("0"))
    heads = np.flatnonzero(ended_by == _COLON)
    sizes = np.empty_like(heads)
    sizes[:-1] = heads[1:] - heads[:-1]
    sizes[-1] = values.size - heads[-1]
    if data_type in ("soc", "toc") and (sizes != alternatives + 1).any():
        return None
    ranks = np.zeros((heads.size, alternatives), dtype=np.int16)
    if (sizes == sizes[0]).all():  # orders of one length (always so for soc and toc): a table
        table = values.reshape(heads.size, int(sizes[0]))
        counts, items = table[:, 0], table[:, 1:]
        if items.size and (items.min() < 1 or items.max() > alternatives):
            return None
        ranks[np.arange(heads.size)[:, None], items - 1] = np.arange(1, items.shape[1] + 1)
    else:
        counts = values[heads]
        is_item = np.ones(values.size, dtype=bool)
        is_item[heads] = False
        items = values[is_item]
        if items.size and (items.min() < 1 or items.max() > alternatives):
            return None
        line = np.repeat(np.arange(heads.size), sizes)[is_item]
        rank = (np.arange(values.size) - np.repeat(heads, sizes))[is_item]
        ranks[line, items - 1] = rank
    if np.count_nonzero(ranks) != items.size:
        return None  # an alternative twice in one order
    if counts.min() < 1 or int(counts.max()) * counts.size >= 2**53:
        return None
    return ranks, counts.astype(np.float64), None


def _numbers(
    raw: npt.NDArray[np.uint8], ends: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """The decimal numbers of `lengths` digits ending just before each of `ends`."""
    values = (raw[ends - 1] - np.uint8(ord("0"))).astype(np.int64)
    scale = 1
    for place in range(1, int(lengths.max(initial=1))):
        scale *= 10
        more = np.flatnonzero(lengths > place)
        values[more] += (raw[ends[more] - 1 - place] - np.uint8(ord("0"))).astype(np.int64) * scale
    return values


def _table_orders(data: bytes, alternatives: int) -> Bulk | None:
    """Lines all `count: a,b,...` of one length (soc files, and many others): read as a table.

    `data` holds only digits, `:`, `,`, blanks and newlines, stripped. None when the lines
    differ in length or anything else is unusual (the general bulk reader then looks).
    """
    if alternatives < 1:
        return None
    if b": " in data:
        data = data.replace(b": ", b":")
    if b" " in data or b"\t" in data or b"\n\n" in data:
        return None
    raw = np.frombuffer(data + b"\n", np.uint8)
    ends = np.flatnonzero((raw - np.uint8(ord("0"))) > 9)  # the separators end the numbers
    width = alternatives + 1
    if ends.size % width:
        return None
    rows = ends.size // width
    pattern = np.full(width, ord(","), dtype=np.uint8)
    pattern[0], pattern[-1] = ord(":"), ord("\n")
    if not (raw[ends].reshape(rows, width) == pattern).all():
        return None
    lengths = np.empty_like(ends)
    lengths[0] = ends[0]
    lengths[1:] = ends[1:] - ends[:-1] - 1
    if lengths.min() < 1 or lengths.max() > 15:
        return None
    table = _numbers(raw, ends, lengths).reshape(rows, width)
    counts = table[:, 0]
    orders = table[:, 1:] - 1
    if orders.min() < 0 or orders.max() >= alternatives:
        return None
    if counts.min() < 1 or int(counts.max()) * rows >= 2**53:
        return None
    # Each alternative's rank, scattered row by row into one flat matrix.
    ranks = np.zeros((rows, alternatives), dtype=np.int16)
    slots = orders + np.arange(0, rows * alternatives, alternatives, dtype=np.int64)[:, None]
    ranks.ravel()[slots.ravel()] = np.tile(np.arange(1, alternatives + 1, dtype=np.int16), rows)
    if np.count_nonzero(ranks) != orders.size:
        return None  # an alternative twice in one order
    return ranks, counts.astype(np.float64), orders


def _merge_rows(
    ranks: npt.NDArray[np.int16], counts: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.float64], npt.NDArray[np.int64] | None]:
    """Repeated rows merged, each kept where it first appears (as the line-by-line reader does).

    Also which rows were kept, in order (None: all of them, nothing repeated).
    """
    if ranks.shape[0] == 0:
        return ranks, counts, None
    width = max(int(ranks.max(initial=0)), 1).bit_length()
    if width * ranks.shape[1] <= 52:  # one exact float64 per row: a matrix product
        places = np.exp2(np.arange(ranks.shape[1]) * width)
        keys = (ranks.astype(np.float64) @ places).astype(np.int64)
    elif width * ranks.shape[1] <= 62:
        shifts = np.arange(ranks.shape[1], dtype=np.int64) * width
        keys = (ranks.astype(np.int64) << shifts).sum(axis=1)
    else:
        _, first, inverse = np.unique(ranks, axis=0, return_index=True, return_inverse=True)
        keys = None
    if keys is not None:
        ordered = np.sort(keys)
        if not (ordered[1:] == ordered[:-1]).any():
            return ranks, counts, None
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first)
    renumber = np.empty_like(order)
    renumber[order] = np.arange(order.size)
    slot = renumber[inverse.ravel()]
    weights = np.bincount(slot, weights=counts, minlength=order.size).astype(np.float64)
    kept = first[order].astype(np.int64)
    return ranks[kept], weights, kept


_LINE_BREAKS = re.compile("[\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def _orders_start(text: str) -> int | None:
    """Where the first order line starts, when only `\\n` ends lines; None otherwise."""
    position = 0
    while True:
        end = text.find("\n", position)
        line = text[position:] if end < 0 else text[position:end]
        if line.strip() and not line.lstrip().startswith("#"):
            break
        if end < 0:
            return None
        position = end + 1
    if _LINE_BREAKS.search(text, 0, position) or "\r" in text:
        return None
    return position


def parse_preflib(text: str, *, file: str | None = None) -> PrefLibFile:
    """Read PrefLib text; `file` only names the source in error messages."""
    header: dict[str, tuple[str, int]] = {}
    names: dict[int, str] = {}
    data: list[tuple[int, str]] = []
    cut = _orders_start(text)
    # Split only the header into lines when the orders can be handed over as they stand.
    lines = text.splitlines() if cut is None else text[:cut].splitlines()
    start = len(lines)
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            key, colon, value = line[1:].partition(":")
            if not colon:
                raise FormatError("a header line must read '# KEY: value'", line=number, file=file)
            key, value = key.strip().upper(), value.strip()
            if key.startswith("ALTERNATIVE NAME"):
                index = _integer(
                    key.removeprefix("ALTERNATIVE NAME"),
                    "the alternative number",
                    number,
                    file,
                    minimum=1,
                )
                if index in names:
                    raise FormatError(f"alternative {index} is named twice", line=number, file=file)
                names[index] = value
            else:
                header[key] = (value, number)
        else:
            start = number - 1
            break
    # The orders: read in bulk when they have no ties and no stray header line; anything
    # unusual goes line by line, so that a refusal names its line.
    body = "\n".join(lines[start:]) if cut is None else text[cut:]
    bulk = "#" not in body and "{" not in body
    if cut is not None and not bulk:
        lines = text.splitlines()  # read line by line after all
    if not bulk:
        for number, raw in enumerate(lines[start:], start=start + 1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("#"):
                raise FormatError("header line after the orders", line=number, file=file)
            data.append((number, line))

    def declared(key: str) -> tuple[int, int] | None:
        if key not in header:
            return None
        value, at = header[key]
        return _integer(value, key.lower(), at, file), at

    alternatives = declared("NUMBER ALTERNATIVES")
    if alternatives is None:
        raise FormatError("the header does not say NUMBER ALTERNATIVES", line=1, file=file)
    m, m_line = alternatives
    missing = sorted(set(range(1, m + 1)) - set(names))
    if missing:
        raise FormatError(
            f"alternative {missing[0]} has no ALTERNATIVE NAME", line=m_line, file=file
        )
    extra = sorted(set(names) - set(range(1, m + 1)))
    if extra:
        raise FormatError(
            f"alternative {extra[0]} is named but there are only {m}", line=m_line, file=file
        )
    candidates = tuple(names[i] for i in range(1, m + 1))
    if len(set(candidates)) != m:
        raise FormatError("two alternatives have the same name", line=m_line, file=file)
    data_type, type_line = header.get("DATA TYPE", ("toi", 1))
    data_type = data_type.lower()
    if data_type not in DATA_TYPES:
        raise FormatError(
            f"DATA TYPE must be one of {', '.join(DATA_TYPES)}, not {data_type!r}",
            line=type_line,
            file=file,
        )

    metadata = {key: value for key, (value, _) in header.items() if key not in _COUNTED}
    fast = _bulk_orders(body, m, data_type) if bulk and body else None
    if fast is not None:
        ranks, counts, orders = fast
        if all(
            (stated := declared(key)) is None or stated[0] == actual
            for key, actual in (
                ("NUMBER VOTERS", float(counts.sum())),
                ("NUMBER UNIQUE ORDERS", ranks.shape[0]),
            )
        ):
            distinct, weights, kept = _merge_rows(ranks, counts)
            profile = Profile(candidates, distinct, weights)
            if orders is not None:
                attach_orders(profile, orders if kept is None else orders[kept])
            return PrefLibFile(profile, data_type, metadata)
    if bulk:
        if cut is not None:
            lines = text.splitlines()
        data = [
            (number, raw.strip())
            for number, raw in enumerate(lines[start:], start=start + 1)
            if raw.strip()
        ]
    merged: dict[tuple[int, ...], float] = {}
    for number, line in data:
        count_text, colon, order_text = line.partition(":")
        if not colon:
            raise FormatError("an order line must read 'count: order'", line=number, file=file)
        count = _integer(count_text, "the count", number, file, minimum=1)
        groups = _parse_order(order_text, m, number, file)
        _check_type(data_type, groups, m, number, file)
        row = [0] * m
        for rank, group in enumerate(groups, start=1):
            for alternative in group:
                row[alternative] = rank
        merged[tuple(row)] = merged.get(tuple(row), 0.0) + count

    voters = sum(merged.values())
    for key, actual in (("NUMBER VOTERS", voters), ("NUMBER UNIQUE ORDERS", len(data))):
        stated = declared(key)
        if stated is not None and stated[0] != actual:
            raise FormatError(
                f"{key} says {stated[0]} but the orders give {actual:g}", line=stated[1], file=file
            )
    rows = list(merged)
    ranks = np.array(rows, dtype=np.int16).reshape(len(rows), m)
    counts = np.array([merged[row] for row in rows], dtype=np.float64)
    return PrefLibFile(Profile(candidates, ranks, counts), data_type, metadata)


def read_preflib(path: str | Path) -> PrefLibFile:
    """Read a PrefLib file from disk."""
    source = Path(path)
    return parse_preflib(source.read_text(encoding="utf-8"), file=str(source))


def _infer_type(profile: Profile) -> str:
    ranked = profile.ranks > 0
    complete = bool(ranked.all()) if profile.ranks.size else True
    return ("s" if profile.strict else "t") + ("oc" if complete else "oi")


def _order_text(row: Sequence[int]) -> str:
    levels = sorted({rank for rank in row if rank > 0})
    parts = []
    for level in levels:
        group = [str(i + 1) for i, rank in enumerate(row) if rank == level]
        parts.append(group[0] if len(group) == 1 else "{" + ",".join(group) + "}")
    return ",".join(parts)


def format_preflib(
    profile: Profile,
    *,
    data_type: str | None = None,
    metadata: Mapping[str, str] | None = None,
) -> str:
    """PrefLib text for a profile: the narrowest type that fits unless one is given, orders by count."""
    kind = data_type or _infer_type(profile)
    if kind not in DATA_TYPES:
        raise FormatError(f"data type must be one of {', '.join(DATA_TYPES)}, not {kind!r}")
    if not np.array_equal(profile.counts, np.round(profile.counts)):
        raise FormatError("PrefLib counts are whole numbers; this profile has fractional weights")
    compact = profile.compacted()
    lines = [
        f"# {key}: {value}"
        for key, value in (metadata or {}).items()
        if key.upper() not in _COUNTED
    ]
    orders = [
        (int(count), _order_text([int(rank) for rank in row]))
        for row, count in zip(compact.ranks, compact.counts, strict=True)
        if count > 0
    ]
    orders.sort(key=lambda item: -item[0])
    lines += [
        f"# DATA TYPE: {kind}",
        f"# NUMBER ALTERNATIVES: {len(profile.candidates)}",
        f"# NUMBER VOTERS: {sum(count for count, _ in orders)}",
        f"# NUMBER UNIQUE ORDERS: {len(orders)}",
    ]
    lines += [
        f"# ALTERNATIVE NAME {i}: {name}" for i, name in enumerate(profile.candidates, start=1)
    ]
    for count, order in orders:
        groups = _parse_order(order, len(profile.candidates), 0, None)
        try:
            _check_type(kind, groups, len(profile.candidates), 0, None)
        except FormatError as error:
            raise FormatError(f"the profile does not fit type {kind}: {error.message}") from None
        lines.append(f"{count}: {order}")
    return "\n".join(lines) + "\n"


def write_preflib(
    path: str | Path,
    profile: Profile,
    *,
    data_type: str | None = None,
    metadata: Mapping[str, str] | None = None,
) -> None:
    """Write a profile as a PrefLib file (see `format_preflib`)."""
    Path(path).write_text(
        format_preflib(profile, data_type=data_type, metadata=metadata), encoding="utf-8"
    )
