"""On the real Debian ballots every Condorcet method agrees with pref_voting.

Apples to apples: pref_voting's ProfileWithTies is built from each file by a
separate, naive reader (not Charter's), and switched to *extended strict
preference* so that, as in Charter, a voter prefers every candidate they rank
to every candidate they leave off. pref_voting returns every candidate that
could win under some tie-break; Charter breaks ties, so its winner must be one
of them, and its tie-free evidence (Copeland leaders, Schulze's unbeaten
candidates, the Smith set) must equal pref_voting's sets exactly.
"""

from __future__ import annotations

import pytest
from pref_voting.c1_methods import copeland, top_cycle
from pref_voting.margin_based_methods import beat_path, ranked_pairs
from pref_voting.profiles_with_ties import ProfileWithTies
from tally_profiles import DEBIAN, indices

from charter.domain.tally import run_tally
from charter.formats.preflib import read_preflib

FILES = sorted(DEBIAN.glob("*.soi"))


def naive_pref_voting(path):
    """Header `# NUMBER ALTERNATIVES: m`, then lines `count: a,b,c` (strict, incomplete)."""
    rankings, counts, alternatives = [], [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# NUMBER ALTERNATIVES:"):
            alternatives = int(line.split(":")[1])
        elif line and not line.startswith("#"):
            count, order = line.split(":")
            ranked = [int(a) - 1 for a in order.split(",") if a.strip()]
            rankings.append({a: rank for rank, a in enumerate(ranked, start=1)})
            counts.append(int(count))
    profile = ProfileWithTies(rankings, rcounts=counts, candidates=list(range(alternatives)))
    profile.use_extended_strict_preference()
    return profile


@pytest.fixture(scope="module", params=FILES, ids=lambda path: path.stem)
def election(request):
    return read_preflib(request.param).profile, naive_pref_voting(request.param)


def test_the_debian_files_are_all_there():
    assert len(FILES) == 8


def test_condorcet_winner_agrees(election):
    ours, theirs = election
    result = run_tally("condorcet", ours)
    expected = theirs.condorcet_winner()
    assert indices(ours, result.winners) == ([] if expected is None else [expected])


def test_smith_set_agrees(election):
    ours, theirs = election
    assert indices(ours, run_tally("smith-set", ours).winners) == top_cycle(theirs)


def test_copeland_agrees(election):
    ours, theirs = election
    result = run_tally("copeland", ours)
    assert indices(ours, result.evidence["copeland_leaders"]) == copeland(theirs)
    assert indices(ours, result.winners)[0] in copeland(theirs)


def test_schulze_agrees(election):
    ours, theirs = election
    result = run_tally("schulze", ours)
    assert indices(ours, result.evidence["unbeaten"]) == beat_path(theirs)
    assert indices(ours, result.winners)[0] in beat_path(theirs)


def test_ranked_pairs_agrees(election):
    ours, theirs = election
    expected = ranked_pairs(theirs)
    assert indices(ours, run_tally("ranked-pairs", ours).winners)[0] in expected


def test_pairwise_evidence_is_pref_voting_support(election):
    ours, theirs = election
    pairwise = run_tally("schulze", ours).evidence["pairwise"]
    for a, row in pairwise.items():
        for b, support in row.items():
            i, j = ours.candidates.index(a), ours.candidates.index(b)
            assert support == theirs.support(i, j)
