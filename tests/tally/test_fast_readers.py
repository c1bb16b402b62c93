"""The bulk readers give exactly what the line-by-line readers give, and step aside for anything odd."""

from __future__ import annotations

import numpy as np
import pytest
from tally_profiles import DEBIAN

from charter.formats import blt, preflib
from charter.formats.errors import FormatError
from charter.formats.preflib import parse_preflib
from conftest import SHARED_DATA

DEBIAN_FILES = sorted(DEBIAN.glob("*.soi"))
SCOTTISH_FILES = sorted((SHARED_DATA / "scottish-stv").glob("*/*.blt"))


def line_by_line(monkeypatch, text):
    with monkeypatch.context() as patched:
        patched.setattr(preflib, "_bulk_orders", lambda *_: None)
        return parse_preflib(text)


def bulk(monkeypatch, text):
    """Parse, and say whether the bulk reader took the orders."""
    taken = []
    original = preflib._bulk_orders

    def spy(*args):
        result = original(*args)
        taken.append(result is not None)
        return result

    with monkeypatch.context() as patched:
        patched.setattr(preflib, "_bulk_orders", spy)
        parsed = parse_preflib(text)
    return parsed, bool(taken and taken[0])


def assert_same(fast, slow):
    assert fast.profile.candidates == slow.profile.candidates
    assert fast.profile.ranks.dtype == slow.profile.ranks.dtype == np.int16
    assert fast.profile.counts.dtype == slow.profile.counts.dtype == np.float64
    assert np.array_equal(fast.profile.ranks, slow.profile.ranks)
    assert np.array_equal(fast.profile.counts, slow.profile.counts)
    assert fast.profile.withdrawn == slow.profile.withdrawn
    assert fast.data_type == slow.data_type
    assert dict(fast.metadata) == dict(slow.metadata)


def test_the_debian_files_read_the_same_in_bulk(monkeypatch):
    assert len(DEBIAN_FILES) == 8
    for path in DEBIAN_FILES:
        text = path.read_text(encoding="utf-8")
        fast, took = bulk(monkeypatch, text)
        assert took, path.name
        assert_same(fast, line_by_line(monkeypatch, text))


def random_preflib(rng, kind, m, lines, *, spaced=False, blanks=False):
    orders = []
    for _ in range(lines):
        order = rng.permutation(m) + 1
        if kind in ("soi", "toi"):
            order = order[: rng.integers(0, m + 1)]
        orders.append(order)
    # repeat some orders so that merging matters
    orders += [orders[i] for i in rng.integers(0, len(orders), size=lines // 3)]
    counts = rng.integers(1, 2000, size=len(orders))
    body = []
    for count, order in zip(counts, orders, strict=True):
        sep = ", " if spaced and rng.random() < 0.5 else ","
        line = f"{count}:{' ' if spaced else ''}{sep.join(str(a) for a in order)}"
        if spaced and rng.random() < 0.3:
            line = "  " + line + " \t"
        body.append(line)
        if blanks and rng.random() < 0.1:
            body.append("   " if spaced else "")
    header = [
        "# TITLE: random",
        f"# DATA TYPE: {kind}",
        f"# NUMBER ALTERNATIVES: {m}",
        f"# NUMBER VOTERS: {int(counts.sum())}",
        f"# NUMBER UNIQUE ORDERS: {len(orders)}",
        *(f"# ALTERNATIVE NAME {i}: c{i}" for i in range(1, m + 1)),
    ]
    return "\n".join(header + body) + "\n"


@pytest.mark.parametrize("kind", ["soc", "soi", "toc", "toi"])
@pytest.mark.parametrize("m", [1, 3, 10, 12])
@pytest.mark.parametrize("style", ["plain", "spaced", "blanks"])
def test_random_files_read_the_same_in_bulk(monkeypatch, kind, m, style):
    rng = np.random.default_rng([m, len(kind), len(style), ord(kind[0])])
    text = random_preflib(rng, kind, m, 300, spaced=style == "spaced", blanks=style == "blanks")
    fast, took = bulk(monkeypatch, text)
    assert took
    assert_same(fast, line_by_line(monkeypatch, text))


def test_a_large_soc_file_reads_the_same_in_bulk(monkeypatch):
    rng = np.random.default_rng(7)
    text = random_preflib(rng, "soc", 10, 20_000)
    fast, took = bulk(monkeypatch, text)
    assert took
    assert_same(fast, line_by_line(monkeypatch, text))


def test_windows_line_endings_and_leading_zeros(monkeypatch):
    text = random_preflib(np.random.default_rng(3), "soi", 5, 50).replace("\n", "\r\n")
    text = text.replace(": 1,", ": 01,").replace(":1,", ":001,")
    fast, took = bulk(monkeypatch, text)
    assert took
    assert_same(fast, line_by_line(monkeypatch, text))


HEADER = """# DATA TYPE: {kind}
# NUMBER ALTERNATIVES: 3
# ALTERNATIVE NAME 1: Ana
# ALTERNATIVE NAME 2: Ben
# ALTERNATIVE NAME 3: Cai
"""


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("soi", "3: 1,2\n2: 1 3\n"),  # `1 3` is alternative 13 line by line
        ("soi", "3: 1,2\n2: 1,,3\n"),
        ("soi", "3: 1,2\n2: 1,3,\n"),
        ("soi", "3: 1,2\n: 1,3\n"),
        ("soi", "3: 1,2\n2 1,3\n"),
        ("soi", "3: 1,2\n2: 1:3\n"),
        ("soi", "3: 1,2\n0: 1,3\n"),
        ("soi", "3: 1,2\n2: 0,3\n"),
        ("soi", "3: 1,2\n2: 1,4\n"),
        ("soi", "3: 1,2\n2: 3,3\n"),
        ("soi", "3: 1,2\n2: 1,3\n# TITLE: late\n"),
        ("soi", "3: 1,2\n1234567890123456: 1,3\n"),
        ("soi", "3: 1,2\nx: 1\n"),
        ("soc", "3: 1,2,3\n2: 1,3\n"),
        ("toc", "3: 1,2,3\n2:\n"),
        ("toi", "3: 1,{2,3}\n2: 1\n"),
    ],
)
def test_odd_orders_are_left_to_the_line_by_line_reader(monkeypatch, kind, body):
    text = HEADER.format(kind=kind) + body
    refused: FormatError | None = None
    try:
        slow = line_by_line(monkeypatch, text)
    except FormatError as error:
        refused = error
    if refused is not None:
        with pytest.raises(FormatError) as again:
            bulk(monkeypatch, text)
        assert (again.value.message, again.value.line) == (refused.message, refused.line)
    else:
        fast, took = bulk(monkeypatch, text)
        assert not took
        assert_same(fast, slow)


def test_empty_orders_are_read_in_bulk(monkeypatch):
    text = HEADER.format(kind="soi") + "3: 1,2\n2:\n4:  \n1: 3\n"
    fast, took = bulk(monkeypatch, text)
    assert took
    assert_same(fast, line_by_line(monkeypatch, text))
    assert fast.profile.total == 10


# -- BLT ----------------------------------------------------------------------------------------


def blt_line_by_line(monkeypatch, text):
    with monkeypatch.context() as patched:
        patched.setattr(blt, "_bulk_blt", lambda *_: None)
        return blt.loads_blt(text)


def blt_bulk(monkeypatch, text):
    """Parse, and say whether the bulk reader took the file."""
    taken = []
    original = blt._bulk_blt

    def spy(*args):
        result = original(*args)
        taken.append(result is not None)
        return result

    with monkeypatch.context() as patched:
        patched.setattr(blt, "_bulk_blt", spy)
        parsed = blt.loads_blt(text)
    return parsed, bool(taken and taken[0])


def assert_same_election(fast, slow):
    assert fast.profile.candidates == slow.profile.candidates
    assert fast.profile.ranks.dtype == slow.profile.ranks.dtype == np.int16
    assert fast.profile.counts.dtype == slow.profile.counts.dtype == np.float64
    assert np.array_equal(fast.profile.ranks, slow.profile.ranks)
    assert np.array_equal(fast.profile.counts, slow.profile.counts)
    assert fast.profile.withdrawn == slow.profile.withdrawn
    assert (fast.seats, fast.title, fast.withdrawn) == (slow.seats, slow.title, slow.withdrawn)
    assert dict(fast.details) == dict(slow.details)


def test_the_scottish_files_read_the_same_in_bulk(monkeypatch):
    assert len(SCOTTISH_FILES) > 10
    taken = 0
    for path in SCOTTISH_FILES:
        text = path.read_text(encoding="utf-8-sig")
        fast, took = blt_bulk(monkeypatch, text)
        taken += took
        assert_same_election(fast, blt_line_by_line(monkeypatch, text))
    assert taken > len(SCOTTISH_FILES) // 2


def random_blt(rng, n, lines, *, withdrawn=False, untidy=False):
    out = [f"{n} {min(2, n)}"]
    if withdrawn:
        out += ["# a comment", f"-{n} -1" if n > 1 else "-1"]
    ballots = []
    for _ in range(lines):
        order = (rng.permutation(n) + 1)[: rng.integers(0, n + 1)]
        ballots.append(" ".join([str(rng.integers(0, 50)), *map(str, order), "0"]))
    ballots += [ballots[i] for i in rng.integers(0, len(ballots), size=lines // 3)]
    for ballot in ballots:
        if untidy and rng.random() < 0.2:
            ballot = " " + ballot.replace(" ", " \t ", 1) + "  "
        out.append(ballot)
        if untidy and rng.random() < 0.1:
            out.append("  ")
    out.append("0")
    out += [f'"Candidate {i}"' for i in range(1, n + 1)]
    out.append('"A random election"')
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("n", [1, 2, 5, 10, 14])
@pytest.mark.parametrize("style", ["plain", "withdrawn", "untidy"])
def test_random_blt_files_read_the_same_in_bulk(monkeypatch, n, style):
    rng = np.random.default_rng([n, len(style)])
    text = random_blt(rng, n, 300, withdrawn=style == "withdrawn", untidy=style == "untidy")
    fast, took = blt_bulk(monkeypatch, text)
    assert took
    assert_same_election(fast, blt_line_by_line(monkeypatch, text))


def test_complete_blt_ballots_read_the_same_in_bulk(monkeypatch):
    rng = np.random.default_rng(11)
    ballots = [
        " ".join([str(rng.integers(1, 9)), *map(str, rng.permutation(6) + 1), "0"])
        for _ in range(5_000)
    ]
    names = [f'"c{i}"' for i in range(1, 7)]
    text = "\n".join(["6 3", *ballots, "0", *names, '"Complete"']) + "\n"
    fast, took = blt_bulk(monkeypatch, text)
    assert took
    assert_same_election(fast, blt_line_by_line(monkeypatch, text))


NAMES = '"a"\n"b"\n"c"\n"t"\n'


@pytest.mark.parametrize(
    "text",
    [
        "3 1\n2 1 2 0\n1 1=2 0\n0\n" + NAMES,
        "3 1\n2 1 2 0\n1.5 1 2 0\n0\n" + NAMES,
        "3 1\n2 1 2 0\n1 1 4 0\n0\n" + NAMES,
        "3 1\n2 1 2 0\n1 1 1 0\n0\n" + NAMES,
        "3 1\n2 1 2 0\n1 1 2\n0\n" + NAMES,
        "3 1\n2 1 2 0\n1 1 0 2 0\n0\n" + NAMES,
        "3 1\n2 1 2 0\n# comment\n1 2 0\n0\n" + NAMES,
        "3 1\n2 1 2 0\n-1\n0\n" + NAMES,
        "3 1\n-4\n2 1 2 0\n0\n" + NAMES,
        "3 1\n2 1 2 0,\n0,\n" + NAMES,
        "3 1\n2 1 2 0\n 0\n" + NAMES,
        "3 1\n2 1 2 0\n0\n" + '"a"\n"b"\n"t"\n',
        "3 1\n2 1 2 0\n0\n" + '"a"\n"a"\n"c"\n"t"\n',
        "3 1\n2 1 2 0\n",
        "3 4\n2 1 2 0\n0\n" + NAMES,
        "3 1\n12345678901234567 1 2 0\n0\n" + NAMES,
    ],
)
def test_odd_blt_files_are_left_to_the_line_by_line_reader(monkeypatch, text):
    refused: FormatError | None = None
    try:
        slow = blt_line_by_line(monkeypatch, text)
    except FormatError as error:
        refused = error
    if refused is not None:
        with pytest.raises(FormatError) as again:
            blt_bulk(monkeypatch, text)
        assert (again.value.message, again.value.line) == (refused.message, refused.line)
    else:
        fast, _ = blt_bulk(monkeypatch, text)
        assert_same_election(fast, slow)


def test_no_alternatives_at_all(monkeypatch):
    text = "# DATA TYPE: soc\n# NUMBER ALTERNATIVES: 0\n5:\n3:\n"
    fast, took = bulk(monkeypatch, text)
    assert took
    assert_same(fast, line_by_line(monkeypatch, text))
    assert fast.profile.ranks.shape == (1, 0)
