"""Every fast path agrees with a plain reference computation on random profiles.

Profiles here have partial ballots, empty ballots, ties, gaps in the ranks,
fractional weights and withdrawn candidates, so that each fast path and the
general code it stands in for are both exercised.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_fast_readers import random_preflib

from charter.domain.tally import Profile, run_tally
from charter.domain.tally import irv as irv_module
from charter.domain.tally import stv_meek as meek_module
from charter.domain.tally.profile import attach_orders
from charter.domain.tally.stv_common import advance
from charter.formats.preflib import parse_preflib

SEEDS = range(12)


def random_ranks(
    rng: np.random.Generator, rows: int, n: int, *, ties: bool, gaps: bool
) -> np.ndarray:
    """Rank rows: a random number ranked (0 to n), optionally tied or with gaps."""
    ranks = np.zeros((rows, n), dtype=np.int16)
    for row in range(rows):
        chosen = rng.permutation(n)[: rng.integers(0, n + 1)]
        levels = np.arange(1, chosen.size + 1)
        if ties and rng.random() < 0.3 and chosen.size > 1:
            levels = np.sort(rng.integers(1, chosen.size + 1, size=chosen.size))
        if gaps and rng.random() < 0.3:
            levels = levels * 2 + 1
        ranks[row, chosen] = levels
    return ranks


def random_profile(
    rng: np.random.Generator,
    *,
    n: int = 5,
    rows: int = 60,
    ties: bool = False,
    gaps: bool = False,
    fractional: bool = False,
    withdrawn: bool = False,
) -> Profile:
    ranks = random_ranks(rng, rows, n, ties=ties, gaps=gaps)
    counts = rng.integers(1, 20, size=rows).astype(np.float64)
    if fractional:
        counts = counts * rng.choice([0.5, 0.25, 1 / 3, 1.0], size=rows)
    out = frozenset({int(rng.integers(0, n))}) if withdrawn else frozenset()
    names = tuple(f"c{i}" for i in range(n))
    return Profile(names, ranks, counts, out)


def reference_strict(ranks: np.ndarray) -> bool:
    for row in ranks.tolist():
        ranked = [r for r in row if r > 0]
        if len(ranked) != len(set(ranked)):
            return False
    return True


def reference_orders(ranks: np.ndarray) -> np.ndarray:
    out = np.full(ranks.shape, -1, dtype=np.int64)
    for i, row in enumerate(ranks.tolist()):
        ranked = sorted((r, c) for c, r in enumerate(row) if r > 0)
        out[i, : len(ranked)] = [c for _, c in ranked]
    return out


def reference_first_choices(ranks: np.ndarray) -> np.ndarray:
    out = []
    for row in ranks.tolist():
        first = [c for c, r in enumerate(row) if r == 1]
        out.append(first[0] if len(first) == 1 else -1)
    return np.array(out, dtype=np.int64)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("gaps", [False, True])
def test_orders_strictness_and_first_choices_match_a_reference(seed, ties, gaps):
    rng = np.random.default_rng([seed, ties, gaps])
    profile = random_profile(rng, n=int(rng.integers(1, 8)), ties=ties, gaps=gaps)
    assert profile.strict == reference_strict(profile.ranks)
    assert np.array_equal(profile.first_choices, reference_first_choices(profile.ranks))
    if profile.strict:
        assert np.array_equal(profile.orders, reference_orders(profile.ranks))


def test_ranks_beyond_the_candidates_fall_back_to_sorting():
    ranks = np.array([[9, 3, 0], [1, 1, 0], [0, 0, 0]], dtype=np.int16)
    profile = Profile(("a", "b", "c"), ranks, np.ones(3))
    assert not profile.strict
    strict = Profile(("a", "b", "c"), ranks[[0, 2]], np.ones(2))
    assert strict.strict
    assert strict.orders.tolist() == [[1, 0, -1], [-1, -1, -1]]
    assert strict.first_choices.tolist() == [-1, -1]  # nobody is ranked 1


def test_attached_orders_give_first_choices_without_the_rank_matrix_pass():
    profile = Profile.from_rankings(["a", "b", "c"], [(["b", "a"], 2), (["c"], 1), ([], 4)])
    copy = attach_orders(Profile(profile.candidates, profile.ranks, profile.counts), profile.orders)
    assert copy.strict
    assert np.array_equal(copy.first_choices, reference_first_choices(profile.ranks))
    with pytest.raises(Exception, match="shaped like"):
        attach_orders(copy, profile.orders[:, :1])


def test_attached_orders_keep_a_contiguous_first_choice_column():
    # plurality reads this column; a view into the order matrix would stride 8·m bytes a row
    profile = Profile.from_rankings(["a", "b", "c"], [(["b", "a"], 2), (["c"], 1), ([], 4)])
    copy = attach_orders(Profile(profile.candidates, profile.ranks, profile.counts), profile.orders)
    firsts = copy.__dict__["first_choices"]
    assert firsts.flags.c_contiguous
    assert firsts.base is None  # its own memory, not a view of the orders
    assert firsts.tolist() == reference_first_choices(profile.ranks).tolist()
    given = np.ascontiguousarray(profile.orders[:, 0])
    again = Profile(profile.candidates, profile.ranks, profile.counts)
    assert attach_orders(again, profile.orders, given).first_choices is given
    with pytest.raises(Exception, match="contiguous int64 column"):
        attach_orders(again, profile.orders, profile.orders[:, 0])  # a strided view
    with pytest.raises(Exception, match="contiguous int64 column"):
        attach_orders(again, profile.orders, given[:2].copy())


@pytest.mark.parametrize("empty", [False, True])
def test_plurality_from_reader_orders_equals_plurality_from_the_rank_matrix(empty):
    rng = np.random.default_rng(7)
    profile = random_profile(rng, n=6, ties=False, gaps=False)
    if empty:  # an empty ballot counts for nobody (and takes the masked path)
        ranks = np.vstack([profile.ranks, np.zeros((1, 6), dtype=profile.ranks.dtype)])
        counts = np.append(profile.counts, 3.0)
        profile = Profile(profile.candidates, ranks, counts)
    cold = Profile(profile.candidates, profile.ranks, profile.counts)
    attached = attach_orders(
        Profile(profile.candidates, profile.ranks, profile.counts), cold.orders.copy()
    )
    assert run_tally("plurality", attached).evidence == run_tally("plurality", cold).evidence


def reference_advance(orders, rows, start, continuing):
    positions, candidates = [], []
    for row, first in zip(rows.tolist(), start.tolist(), strict=True):
        found = next(
            (
                (p, int(orders[row, p]))
                for p in range(first, orders.shape[1])
                if orders[row, p] >= 0 and continuing[orders[row, p]]
            ),
            (orders.shape[1], -1),
        )
        positions.append(found[0])
        candidates.append(found[1])
    return np.array(positions), np.array(candidates)


@pytest.mark.parametrize("seed", SEEDS)
def test_advance_matches_a_reference(seed):
    rng = np.random.default_rng(seed)
    profile = random_profile(rng, n=6, rows=80)
    orders = profile.orders
    rows = np.flatnonzero(rng.random(orders.shape[0]) < 0.6).astype(np.int64)
    start = rng.integers(0, orders.shape[1] + 1, size=rows.size).astype(np.int64)
    continuing = rng.random(6) < 0.5
    got = advance(orders, rows, start, continuing)
    want = reference_advance(orders, rows, start, continuing)
    assert np.array_equal(got[0], want[0])
    assert np.array_equal(got[1], want[1])
    everyone = np.arange(orders.shape[0], dtype=np.int64)
    zero = np.zeros(everyone.size, dtype=np.int64)
    all_on = np.ones(6, dtype=bool)
    got = advance(orders, everyone, zero, all_on)
    want = reference_advance(orders, everyone, zero, all_on)
    assert np.array_equal(got[0], want[0])
    assert np.array_equal(got[1], want[1])


def assert_same_rounds(fast, slow):
    assert fast.winners == slow.winners
    assert fast.tie_breaks == slow.tie_breaks
    assert len(fast.rounds) == len(slow.rounds)
    for ours, theirs in zip(fast.rounds, slow.rounds, strict=True):
        assert ours.keys() == theirs.keys()
        for key, value in ours.items():
            if key == "tallies":
                assert value.keys() == theirs[key].keys()
                for name, votes in value.items():
                    assert votes == pytest.approx(theirs[key][name], rel=1e-12, abs=1e-9)
            elif isinstance(value, float):
                assert value == pytest.approx(theirs[key], rel=1e-12, abs=1e-9)
            else:
                assert value == theirs[key]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fractional", [False, True])
@pytest.mark.parametrize("withdrawn", [False, True])
def test_irv_pointers_match_the_rank_matrix_count(monkeypatch, seed, fractional, withdrawn):
    rng = np.random.default_rng([seed, fractional, withdrawn])
    profile = random_profile(rng, n=6, fractional=fractional, withdrawn=withdrawn)
    fast = run_tally("irv", profile)
    with monkeypatch.context() as patched:
        patched.setattr(irv_module, "_Pointers", lambda *_: None)
        slow = run_tally(
            "irv", Profile(profile.candidates, profile.ranks, profile.counts, profile.withdrawn)
        )
    assert_same_rounds(fast, slow)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("withdrawn", [False, True])
@pytest.mark.parametrize("seats", [1, 2, 3])
def test_meek_by_groups_matches_meek_ballot_by_ballot(monkeypatch, seed, withdrawn, seats):
    rng = np.random.default_rng([seed, withdrawn, seats])
    profile = random_profile(rng, n=7, rows=80, withdrawn=withdrawn)
    fast = run_tally("stv-meek", profile, seats)
    with monkeypatch.context() as patched:
        patched.setattr(meek_module, "_Paths", lambda *_: None)
        slow = run_tally("stv-meek", profile, seats)
    assert fast.as_dict() == slow.as_dict()


def test_meek_with_fractional_weights_counts_ballot_by_ballot():
    profile = random_profile(np.random.default_rng(5), n=5, fractional=True)
    result = run_tally("stv-meek", profile, 2)
    assert len(result.winners) == 2


@pytest.mark.parametrize("seed", SEEDS)
def test_plurality_matches_a_reference(seed):
    rng = np.random.default_rng(seed)
    profile = random_profile(rng, n=5, ties=seed % 2 == 0, gaps=seed % 3 == 0)
    scores = run_tally("plurality", profile).evidence["first_preferences"]
    firsts = reference_first_choices(profile.ranks)
    for c, name in enumerate(profile.candidates):
        assert scores[name] == pytest.approx(float(profile.counts[firsts == c].sum()))


@pytest.mark.parametrize("m", [1, 4, 10, 12])
@pytest.mark.parametrize("spaced", [False, True])
def test_the_orders_a_reader_attaches_are_the_profiles_own(m, spaced):
    rng = np.random.default_rng([m, spaced])
    parsed = parse_preflib(random_preflib(rng, "soc", m, 400, spaced=spaced))
    profile = parsed.profile
    assert profile.__dict__.get("_from_one") or spaced  # spaced files may take the general path
    own = Profile(profile.candidates, profile.ranks, profile.counts)
    assert np.array_equal(profile.orders, own.orders)
    assert np.array_equal(profile.first_choices, own.first_choices)
    most = min(2, m)
    for method, seats in (
        ("irv", 1),
        ("stv-scottish", most),
        ("stv-meek", most),
        ("plurality", 1),
    ):
        assert (
            run_tally(method, profile, seats).as_dict() == run_tally(method, own, seats).as_dict()
        )
