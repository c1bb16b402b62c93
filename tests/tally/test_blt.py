"""BLT files: what real files hold is read, written back unchanged, and bad files are refused by line."""

from __future__ import annotations

import numpy as np
import pytest

from charter.domain.tally import Profile
from charter.formats.blt import dumps_blt, loads_blt, read_blt, write_blt
from charter.formats.errors import FormatError
from conftest import SHARED_DATA

DATA = SHARED_DATA / "scottish-stv"

SMALL = "\n".join(
    [
        "4 2",
        "-4",
        "3 1 2 0",
        "2 2 0",
        "1 3 1=2 0",
        "4 1 0",
        "0",
        '"Ann"',
        '"Ben ""the Bold"""',
        '"Cat" "Green Party"',
        '"Dan"',
        '"A small election"',
    ]
)


def test_reads_header_withdrawn_ballots_names_and_title():
    election = loads_blt(SMALL)
    assert election.seats == 2
    assert election.title == "A small election"
    assert election.profile.candidates == ("Ann", 'Ben "the Bold"', "Cat", "Dan")
    assert election.withdrawn == ("Dan",)
    assert election.profile.withdrawn == frozenset({3})
    assert election.details == {"Cat": ("Green Party",)}
    assert election.profile.total == 10
    row = {
        tuple(r): float(c)
        for r, c in zip(election.profile.ranks, election.profile.counts, strict=True)
    }
    assert row[(2, 2, 1, 0)] == 1.0  # "3 1=2": Cat first, Ann and Ben equal second
    assert row[(1, 0, 0, 0)] == 4.0


def test_round_trip_keeps_everything():
    election = loads_blt(SMALL)
    again = loads_blt(dumps_blt(election.profile, election.seats, election.title, election.details))
    assert again.profile.candidates == election.profile.candidates
    assert again.withdrawn == election.withdrawn
    assert again.title == election.title
    assert again.seats == election.seats
    assert again.details == election.details
    assert np.array_equal(again.profile.ranks, election.profile.ranks)
    assert np.array_equal(again.profile.counts, election.profile.counts)


def test_write_and_read_a_file(tmp_path):
    profile = Profile.from_rankings(["X", "Y"], [(["X", "Y"], 2), (["Y"], 1.5)])
    write_blt(tmp_path / "e.blt", profile, 1, "Fractional")
    election = read_blt(tmp_path / "e.blt")
    assert election.profile.total == 3.5
    assert "1.5 2 0" in (tmp_path / "e.blt").read_text()


@pytest.mark.parametrize(
    "name",
    [
        "11_cands/aberdeen_2012_ward8.blt",  # party and name inside doubled quotes
        "9_cands/south_ayrshire_2022_ward4.blt",  # "Name" "Party"
        "11_cands/glasgow_2007_govan.blt",  # names only in ALTERNATIVE NAME comments
        "5_cands/perth_kinross_2016_by_election_ward9.blt",  # trailing commas
    ],
)
def test_every_quirk_of_the_scottish_files_reads_and_round_trips(name):
    election = read_blt(DATA / name)
    text = dumps_blt(election.profile, election.seats, election.title, election.details)
    again = loads_blt(text)
    assert again.profile.candidates == election.profile.candidates
    assert np.array_equal(again.profile.ranks, election.profile.ranks)
    assert again.title == election.title


def test_scottish_names_are_kept_as_given():
    aberdeen = read_blt(DATA / "11_cands/aberdeen_2012_ward8.blt")
    assert aberdeen.profile.candidates[0] == 'Grn "Richie BRIAN"'
    assert aberdeen.profile.candidates[2] == 'Con "Brian George DAVIDSON" '
    govan = read_blt(DATA / "11_cands/glasgow_2007_govan.blt")
    assert govan.profile.candidates[0] == "Shaukat Butt (Lab)"
    assert govan.title == "govan"
    perth = read_blt(DATA / "5_cands/perth_kinross_2016_by_election_ward9.blt")
    assert perth.profile.candidates[3] == "Wilma,LUMSDEN"
    assert perth.seats == 1


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "empty file"),
        ("3\n", 1, "candidates seats"),
        ("2 3\n", 1, "cannot fill 3 seats"),
        ("2 1\n1 1 2\n0\n'a'\n'b'\nt\n", 2, "must end with 0"),
        ("2 1\n1 1 3 0\n0\na\nb\nt\n", 2, "no candidate 3"),
        ("2 1\n1 1 1 0\n0\na\nb\nt\n", 2, "ranked twice"),
        ("2 1\nx 1 0\n0\na\nb\nt\n", 2, "not a ballot weight"),
        ("2 1\n1 1 0\n1 2 0\n", 3, "never end"),
        ("2 1\n1 1 0\n0\na\nt\n", 5, "expected 2 candidate names"),
        ('2 1\n1 1 0\n0\n"a\nb\nt\n', 4, "unbalanced quotes"),
        ("2 1\n1 1 0\n0\na\na\nt\n", 4, "same name"),
        ("2 1\n1 1 0\n-1\n0\na\nb\nt\n", 3, "before the ballots"),
        ("2 1\n-3\n0\na\nb\nt\n", 2, "not a withdrawn candidate"),
    ],
)
def test_bad_files_are_refused_naming_the_line(text, line, message):
    with pytest.raises(FormatError, match=message) as caught:
        loads_blt(text)
    assert caught.value.line == line


def test_file_errors_name_the_file(tmp_path):
    path = tmp_path / "bad.blt"
    path.write_text("2 1\n1 1 9 0\n0\na\nb\nt\n")
    with pytest.raises(FormatError) as caught:
        read_blt(path)
    assert caught.value.file == str(path)
    assert caught.value.line == 2
    assert str(caught.value).startswith(f"{path}:2: ")
