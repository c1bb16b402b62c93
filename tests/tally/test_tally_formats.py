"""Ballot files: PrefLib and CSV read into profiles, written back, and refused with a line number."""

from __future__ import annotations

import pytest
from tally_profiles import DEBIAN, PROFILES

from charter.formats.csv import format_csv, parse_csv, read_csv, write_csv
from charter.formats.errors import FormatError
from charter.formats.preflib import format_preflib, parse_preflib, read_preflib, write_preflib

HEADER = """# DATA TYPE: {kind}
# NUMBER ALTERNATIVES: 3
# NUMBER VOTERS: {voters}
# NUMBER UNIQUE ORDERS: {orders}
# ALTERNATIVE NAME 1: Ana
# ALTERNATIVE NAME 2: Ben
# ALTERNATIVE NAME 3: Cai
"""


def ballots(profile):
    """The profile as {rank row: count}, independent of row order."""
    return {
        tuple(row): count
        for row, count in zip(profile.ranks.tolist(), profile.counts.tolist(), strict=True)
        if count
    }


def preflib(kind, body, voters=None, orders=None):
    lines = [line for line in body.splitlines() if line.strip()]
    counts = sum(int(line.split(":")[0]) for line in lines if line.split(":")[0].strip().isdigit())
    return (
        HEADER.format(
            kind=kind,
            voters=counts if voters is None else voters,
            orders=len(lines) if orders is None else orders,
        )
        + body
    )


@pytest.mark.parametrize("path", sorted(DEBIAN.glob("*.soi")), ids=lambda path: path.stem)
def test_debian_files_parse_with_the_voters_their_header_declares(path):
    declared = next(
        int(line.split(":")[1])
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("# NUMBER VOTERS:")
    )
    parsed = read_preflib(path)
    assert parsed.data_type == "soi"
    assert parsed.profile.total == declared
    assert parsed.metadata["TITLE"].startswith("Debian")
    assert (
        parse_preflib(format_preflib(parsed.profile, metadata=parsed.metadata)).profile.total
        == declared
    )


@pytest.mark.parametrize("label", sorted(PROFILES))
def test_profiles_survive_a_preflib_round_trip(label, tmp_path):
    profile = PROFILES[label]
    path = tmp_path / "ballots.toi"
    write_preflib(path, profile, metadata={"TITLE": label})
    again = read_preflib(path)
    assert again.profile.candidates == profile.candidates
    assert ballots(again.profile) == ballots(profile)
    assert again.metadata["TITLE"] == label


@pytest.mark.parametrize("label", sorted(PROFILES))
def test_profiles_survive_a_csv_round_trip(label, tmp_path):
    profile = PROFILES[label]
    path = tmp_path / "ballots.csv"
    write_csv(path, profile)
    again = read_csv(path)
    assert again.candidates == profile.candidates
    assert ballots(again) == ballots(profile)


def test_preflib_reads_ties_and_merges_repeated_orders():
    text = preflib("toi", "2: 1,{2,3}\n1: {1,3}\n3: 1,{2,3}\n", orders=3)
    parsed = parse_preflib(text)
    assert ballots(parsed.profile) == {(1, 2, 2): 5.0, (1, 0, 1): 1.0}


def test_the_narrowest_preflib_type_is_written():
    assert "# DATA TYPE: soc" in format_preflib(PROFILES["cycle"])
    assert "# DATA TYPE: soi" in format_preflib(PROFILES["partial"])
    assert "# DATA TYPE: toi" in format_preflib(PROFILES["tied"])


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (preflib("soi", "3: 1,2\n2: 1,4\n"), 9, "alternative 4 does not exist"),
        (preflib("soi", "3: 1,2\n2: 1,1\n"), 9, "appears twice"),
        (preflib("soi", "3: 1,2\nx: 1\n"), 9, "the count must be a whole number"),
        (preflib("soi", "3: 1,2\n2 1,3\n"), 9, "'count: order'"),
        (preflib("soi", "3: 1,{2,3}\n"), 8, "cannot tie"),
        (preflib("soc", "3: 1,2\n"), 8, "must rank every alternative"),
        (preflib("toi", "3: 1,{2\n"), 8, "cannot read the order"),
        (preflib("toi", "3: 1,,2\n"), 8, "cannot read the order"),
        (preflib("soi", "3: 1,2\n", voters=4), 3, "NUMBER VOTERS says 4"),
        (preflib("soi", "3: 1,2\n", orders=2), 4, "NUMBER UNIQUE ORDERS says 2"),
        (preflib("soi", "3: 1,2\n# TITLE: late\n"), 9, "header line after the orders"),
        (preflib("abc", "3: 1,2\n"), 1, "DATA TYPE must be one of"),
        (
            HEADER.replace("# ALTERNATIVE NAME 3: Cai\n", "").format(kind="soi", voters=1, orders=1)
            + "1: 1\n",
            2,
            "alternative 3 has no ALTERNATIVE NAME",
        ),
    ],
)
def test_bad_preflib_files_are_refused_with_the_line(text, line, message):
    with pytest.raises(FormatError, match=message) as refused:
        parse_preflib(text, file="bad.soi")
    assert refused.value.line == line
    assert str(refused.value).startswith(f"bad.soi:{line}: ")


def test_csv_layout_with_counts_ties_and_blank_ballots():
    profile = parse_csv("Ana,count,Ben,Cai\n1,12,2,\n1,3,1,2\n,1,,\n\n2,2,5,\n")
    assert profile.candidates == ("Ana", "Ben", "Cai")
    assert ballots(profile) == {(1, 2, 0): 14.0, (1, 1, 2): 3.0, (0, 0, 0): 1.0}


def test_csv_without_a_count_column_counts_each_row_once():
    profile = parse_csv("A,B\n1,2\n1,2\n2,1\n")
    assert ballots(profile) == {(1, 2): 2.0, (2, 1): 1.0}


def test_csv_writes_fractional_weights():
    profile = parse_csv("A,B,count\n1,2,0.5\n")
    assert "1,2,0.5" in format_csv(profile)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("A,B\n1,2\n1,x\n", 3, "the rank for 'B'"),
        ("A,B\n1,2\n0,1\n", 3, "the rank for 'A'"),
        ("A,B\n1,2\n1,2,3\n", 3, "expected 2 fields"),
        ("A,B,count\n1,2,many\n", 2, "the count must be"),
        ("A,B,count\n1,2,-1\n", 2, "the count must be"),
        ("A,A\n1,2\n", 1, "same name"),
        ("A,,B\n1,2,3\n", 1, "has no name"),
        ("count,count\n", 1, "more than one 'count'"),
        ("", 1, "no header"),
        ('A,B\n1,"2\n', 2, "not valid CSV"),
    ],
)
def test_bad_csv_files_are_refused_with_the_line(text, line, message):
    with pytest.raises(FormatError, match=message) as refused:
        parse_csv(text, file="bad.csv")
    assert refused.value.line == line


def test_fractional_weights_cannot_be_written_as_preflib():
    with pytest.raises(FormatError, match="whole numbers"):
        format_preflib(parse_csv("A,B,count\n1,2,0.5\n"))
