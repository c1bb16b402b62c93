"""Exact swing counts for every player, by the size of the coalition joined.

For player i and size s, the swing count is

    c_i[s] = #{S ⊆ N∖{i}, |S| = s : S ∪ {i} wins} − #{S ⊆ N∖{i}, |S| = s : S wins},

from which every index here is derived (Banzhaf: Σ_s c_i[s]; Shapley–Shubik:
Σ_s c_i[s]·s!(n−1−s)!/n!). The count is linear in the game's winning
indicator, so a game that is an alternative (OR) of rule sets is counted by
inclusion–exclusion over the conjunctions of its rule sets, and vetoes are one
more rule in each conjunction (weight 1 for each veto player, quota: all of
them).

A conjunction of weighted rules w_c(S) ≥ q_c is counted on the complement
R = N∖(S∪{i}): S ∪ {i} wins iff w_c(R) ≤ B_c = T_c − q_c for every criterion
c, and S wins iff w_c(R) ≤ B_c − w_c(i). So everything follows from

    P[r, t] = #{R ⊆ N, |R| = r, w(R) ≤ t}   (t in the box 0 ≤ t_c ≤ B_c),

the generating function Π_j (1 + y·x^{w_j}) times Π_c 1/(1 − x_c), built by one
dynamic programme over the players (starting from all ones: the prefix sums
come for free). Leaving player i out is the division by (1 + y·x^{w_i}),

    P_i[r, t] = Σ_m (−1)^m P[r − m, t − m·w_i],

and only the two corners t = B and t = B − w_i are needed, so each player
costs one gather of at most min(n, B/w_i) entries. Rules whose weights are all
equal become a minimum coalition size; a player heavier than a criterion's
slack B_c is in every winning coalition of the conjunction and leaves the
programme.

Exactness: the programme runs in NumPy uint64 arithmetic modulo 2^64 and, when
counts can exceed 2^63, modulo as many primes just below 2^63 as the bound
2^n needs; the counts are rebuilt by the Chinese remainder theorem. Nothing
can overflow silently: every addition is reduced, and the moduli's product
exceeds twice the largest possible count. Games with one weighted criterion
(plus sizes and vetoes) and at most 36 free players may instead be counted by
meeting in the middle: all subsets of each half, sorted, with int64 counts far
below 2^53.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cache
from itertools import combinations
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from charter.domain.power.game import Game, PowerError

__all__ = ["Conjunction", "Method", "conjunctions", "swing_counts"]

Method = Literal["auto", "dp", "mitm", "compiled"]

MAX_ALTERNATIVES = 16
MAX_CELLS = 400_000_000  # uint64 cells of one dynamic programme (3.2 GB): refuse beyond
MITM_PLAYERS = 36
COMPILED_WORK = 2_000_000  # cells × free players from which the compiled loops repay loading them
PARALLEL_CELLS = 100_000_000  # uint64 cells (800 MB) that the threads' tables may hold at once

U64 = np.uint64


@dataclass(frozen=True, slots=True)
class Conjunction:
    """Weighted rules that must all hold, as (integer weights, threshold), plus a minimum size."""

    rules: tuple[tuple[tuple[int, ...], int], ...]
    min_size: int = 0


def _conjunction(rules: Sequence[tuple[tuple[int, ...], int]], n: int) -> Conjunction | None:
    """Merge rules into a conjunction; None when no coalition can meet them all."""
    merged: dict[tuple[int, ...], int] = {}
    min_size = 0
    for weights, threshold in rules:
        if threshold <= 0:
            continue
        if sum(weights) < threshold:
            return None
        first = weights[0]
        if first > 0 and all(value == first for value in weights):
            min_size = max(min_size, -(-threshold // first))
            continue
        divisor = math.gcd(*weights)
        key = tuple(value // divisor for value in weights)
        merged[key] = max(merged.get(key, 0), -(-threshold // divisor))
    if min_size > n:
        return None
    return Conjunction(tuple(sorted(merged.items())), min_size)


def conjunctions(game: Game) -> dict[Conjunction, int]:
    """The game as a signed sum of conjunctions (inclusion–exclusion over its alternatives)."""
    count = len(game.alternatives)
    if count > MAX_ALTERNATIVES:
        raise PowerError(
            f"{count} alternative rule sets: at most {MAX_ALTERNATIVES} can be counted exactly"
        )
    vetoes: list[tuple[tuple[int, ...], int]] = []
    if game.vetoes:
        vetoes.append((tuple(int(name in game.vetoes) for name in game.players), len(game.vetoes)))
    integral = [[rule.integral for rule in ruleset.rules] for ruleset in game.alternatives]
    signed: dict[Conjunction, int] = {}
    for size in range(1, count + 1):
        sign = 1 if size % 2 else -1
        for chosen in combinations(range(count), size):
            rules = [rule for index in chosen for rule in integral[index]] + vetoes
            conjunction = _conjunction(rules, game.n)
            if conjunction is not None:
                signed[conjunction] = signed.get(conjunction, 0) + sign
    return {conjunction: sign for conjunction, sign in signed.items() if sign}


def swing_counts(game: Game, by_size: bool, method: Method = "auto") -> list[list[int]]:
    """c_i[s] for every player i (rows) and size s = 0..n−1 (columns); one column if not by_size."""
    n = game.n
    width = n if by_size else 1
    signed = conjunctions(game)
    if len(signed) == 1 and next(iter(signed.values())) == 1:  # one rule set: no sums to form
        return _count(next(iter(signed)), n, by_size, method)
    total = [[0] * width for _ in range(n)]
    for conjunction, sign in signed.items():
        counts = _count(conjunction, n, by_size, method)
        for row, add in zip(total, counts, strict=True):
            for index, value in enumerate(add):
                row[index] += sign * value
    return total


# --- one conjunction ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    """A conjunction on the complement: free players, their weights, the box, the sizes."""

    n: int
    free: tuple[int, ...]  # players who may be outside a winning coalition
    weights: tuple[tuple[int, ...], ...]  # per player of the game, per remaining criterion
    bounds: tuple[int, ...]  # B_c per remaining criterion
    min_size: int
    rows: int  # sizes 0..rows−1 of R that can fit in the box


def _plan(conjunction: Conjunction, n: int) -> _Plan:
    bounds = [sum(weights) - threshold for weights, threshold in conjunction.rules]
    vectors = [weights for weights, _ in conjunction.rules]
    forced = {
        player
        for weights, bound in zip(vectors, bounds, strict=True)
        for player, weight in enumerate(weights)
        if weight > bound
    }
    free = tuple(player for player in range(n) if player not in forced)
    keep = [
        index
        for index, (weights, bound) in enumerate(zip(vectors, bounds, strict=True))
        if sum(weights[player] for player in free) > bound
    ]
    per_player = tuple(tuple(vectors[c][player] for c in keep) for player in range(n))
    kept_bounds = tuple(bounds[c] for c in keep)
    rows = len(free)
    for c, bound in enumerate(kept_bounds):
        smallest = sorted(per_player[player][c] for player in free)
        fits = 0
        running = 0
        for weight in smallest:
            running += weight
            if running > bound:
                break
            fits += 1
        rows = min(rows, fits)
    return _Plan(n, free, per_player, kept_bounds, conjunction.min_size, rows + 1)


def _count(conjunction: Conjunction, n: int, by_size: bool, method: Method) -> list[list[int]]:
    plan = _plan(conjunction, n)
    sized = by_size or plan.min_size > 0
    use_mitm = method == "mitm" or (
        method == "auto"
        and len(plan.bounds) == 1
        and len(plan.free) <= MITM_PLAYERS
        and _dp_cost(plan, sized) > _mitm_cost(plan)
    )
    use_compiled = method == "compiled" or (
        method == "auto"
        and not use_mitm
        and len(plan.bounds) == 1
        and _cells(plan, sized) * len(plan.free) >= COMPILED_WORK
    )
    if use_compiled:
        if len(plan.bounds) > 1:
            raise PowerError("the compiled count needs at most one weighted criterion")
        if not plan.bounds:  # sizes only: one criterion that every coalition meets
            plan = replace(plan, weights=((0,),) * n, bounds=(0,))
        return _compiled_sized(plan, by_size) if sized else _compiled_totals(plan)
    if use_mitm:
        if len(plan.bounds) > 1 or len(plan.free) > MITM_PLAYERS:
            raise PowerError(
                "meeting in the middle needs one weighted criterion and at most "
                f"{MITM_PLAYERS} free players"
            )
        with_, without = _mitm(plan)
    else:
        if not sized:
            return [[value] for value in _dp_totals(plan)]
        return _dp_sized(plan, by_size)
    return _by_size(plan, with_, without, by_size)


def _by_size(
    plan: _Plan, with_: list[list[int]], without: list[list[int]], by_size: bool
) -> list[list[int]]:
    """Swing counts by coalition size s from counts by complement size r = n−1−s."""
    n = plan.n
    result = []
    for player in range(n):
        row = [0] * n
        for r in range(min(plan.rows, n)):
            s = n - 1 - r
            value = 0
            if s + 1 >= plan.min_size:
                value += with_[player][r]
            if s >= plan.min_size:
                value -= without[player][r]
            row[s] = value
        result.append(row if by_size else [sum(row)])
    return result


def _cells(plan: _Plan, sized: bool) -> int:
    """Cells of the dynamic programme's table."""
    return math.prod(bound + 1 for bound in plan.bounds) * (plan.rows if sized else 1)


def _dp_cost(plan: _Plan, sized: bool) -> int:
    """Rough element operations of the dynamic programme (about five passes per player)."""
    return 5 * _cells(plan, sized) * max(1, len(plan.free)) * len(_moduli(len(plan.free)))


def _mitm_cost(plan: _Plan) -> int:
    """Rough element operations of meeting in the middle (two searches per player)."""
    half = (len(plan.free) + 1) // 2
    return int(8 * plan.n * 2**half * (half + 2))


# --- exact arithmetic: moduli and the Chinese remainder theorem ----------------------------


def _is_prime(number: int) -> bool:
    if number < 2 or number % 2 == 0:
        return number == 2
    d, s = number - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for base in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        x = pow(base, d, number)
        if x in (1, number - 1):
            continue
        for _ in range(s - 1):
            x = x * x % number
            if x == number - 1:
                break
        else:
            return False
    return True


@cache
def _primes(count: int) -> tuple[int, ...]:
    found: list[int] = []
    candidate = 2**63 - 1
    while len(found) < count:
        if _is_prime(candidate):
            found.append(candidate)
        candidate -= 2
    return tuple(found)


@cache
def _moduli(free: int) -> tuple[int, ...]:
    """0 stands for 2^64; the product exceeds 2^(free+2) > twice any count of subsets."""
    bits = free + 2
    extra = max(0, -(-(bits - 64) // 62))
    return (0, *_primes(extra))


def _reduce(array: NDArray[np.uint64], modulus: int) -> None:
    if modulus:
        np.minimum(array, array - U64(modulus), out=array)


# --- the dynamic programme ---------------------------------------------------------------


def _check_size(plan: _Plan, sized: bool) -> None:
    cells = _cells(plan, sized)
    if cells > MAX_CELLS:
        raise PowerError(
            f"the exact count needs a table of {cells:,} cells (limit {MAX_CELLS:,}): "
            "state the weights with fewer significant digits"
        )


def _prefix_table(plan: _Plan, modulus: int, sized: bool) -> NDArray[np.uint64]:
    """P[r, t] (or P[t]): subsets of the free players of size r with weight ≤ t, mod `modulus`.

    With sizes, rows are updated one at a time from the top (no overlapping
    operands, so no temporary copies), heaviest players first, and each row only
    from the first weight its subsets can reach (the sum of its lightest members).
    """
    box = tuple(bound + 1 for bound in plan.bounds)
    if not sized:
        table = np.ones(box, dtype=np.uint64)
        for player in plan.free:
            weights = plan.weights[player]
            into: tuple[Any, ...] = (Ellipsis, *(slice(w, None) for w in weights))
            read: tuple[Any, ...] = (
                Ellipsis,
                *(slice(0, size - w) for w, size in zip(weights, box, strict=True)),
            )
            view = table[into]
            view += table[read]
            _reduce(view, modulus)
        return table
    table = np.zeros((plan.rows, *box), dtype=np.uint64)
    table[0] = 1
    if not box:
        for filled, _ in enumerate(plan.free):
            top = min(filled + 1, plan.rows - 1)
            if top >= 1:
                view = table[1 : top + 1]
                view += table[0:top].copy()
                _reduce(view, modulus)
        return table
    order = sorted(plan.free, key=lambda player: plan.weights[player][0], reverse=True)
    first = [0] + [box[0]] * (plan.rows - 1)  # where each row's nonzero part starts (dim 0)
    for filled, player in enumerate(order):
        weights = plan.weights[player]
        rest_into = tuple(slice(w, None) for w in weights[1:])
        rest_read = tuple(slice(0, size - w) for w, size in zip(weights[1:], box[1:], strict=True))
        for row in range(min(filled + 1, plan.rows - 1), 0, -1):
            begin = first[row - 1] + weights[0]
            if begin >= box[0]:
                continue
            into = (row, slice(begin, None), *rest_into)
            read = (
                row - 1,
                slice(begin - weights[0], box[0] - weights[0]),
                *rest_read,
            )
            view = table[into]
            view += table[read]
            _reduce(view, modulus)
            first[row] = min(first[row], begin)
    return table


def _by_moduli(plan: _Plan, work: Callable[[int], Any]) -> list[Any]:
    """`work(modulus)` for every modulus the count needs."""
    return [work(modulus) for modulus in _moduli(len(plan.free))]


def _combine(residues: Sequence[NDArray[Any]], moduli: Sequence[int]) -> NDArray[Any]:
    """Object arrays of exact ints from arrays of residues, one per modulus (CRT, vectorised)."""
    product = math.prod(modulus or 2**64 for modulus in moduli)
    total: NDArray[Any] = np.zeros(residues[0].shape, dtype=object)
    for residue, modulus in zip(residues, moduli, strict=True):
        base = modulus or 2**64
        rest = product // base
        total = total + residue * (rest * pow(rest, -1, base))
    total = total % product
    return np.where(total > product // 2, total - product, total)


def _exact_sum(values: NDArray[np.uint64], modulus: int, axis: int = 0) -> NDArray[Any]:
    """Exact sums of uint64 values along `axis`, reduced mod `modulus`, as an object array."""
    low = (values & U64(0xFFFFFFFF)).sum(axis=axis, dtype=np.uint64).astype(object)
    high = (values >> U64(32)).sum(axis=axis, dtype=np.uint64).astype(object)
    result: NDArray[Any] = (high * 2**32 + low) % (modulus or 2**64)
    return result


GATHER = 4_000_000  # table entries gathered at once, for a group of players


def _groups(players: Sequence[int], steps: Sequence[int], per_step: int) -> list[list[int]]:
    """Players in groups (by number of steps) whose gathers stay under GATHER entries."""
    order = sorted(range(len(players)), key=lambda k: steps[k])
    groups: list[list[int]] = []
    current: list[int] = []
    for k in order:
        if current and (len(current) + 1) * steps[k] * per_step > GATHER:
            groups.append(current)
            current = []
        current.append(k)
    if current:
        groups.append(current)
    return groups


def _steps(plan: _Plan, player: int, cap: int) -> int:
    """How many terms m the division by (1 + y·x^w) needs before t − m·w leaves the box."""
    reach = [b // w for w, b in zip(plan.weights[player], plan.bounds, strict=True) if w]
    return min(cap, min(reach) + 1) if reach else cap


def _dp_totals(plan: _Plan) -> list[int]:
    """Banzhaf swing totals per player, without sizes: P_i(B) − P_i(B − w_i)."""
    _check_size(plan, False)
    if len(plan.bounds) == 1 and len(_moduli(len(plan.free))) == 1:
        return _word_totals(plan)
    free = set(plan.free)
    dims = len(plan.bounds)
    bounds = np.array(plan.bounds, dtype=np.int64)
    movers = [p for p in plan.free if any(plan.weights[p])]  # weightless players never swing
    steps = [_steps(plan, p, 2**62) for p in movers]
    weights = np.array([plan.weights[p] for p in movers], dtype=np.int64).reshape(len(movers), dims)

    def residues(modulus: int) -> NDArray[Any]:
        table = _prefix_table(plan, modulus, False)
        corner = int(table[tuple(plan.bounds)])
        result: NDArray[Any] = np.zeros(plan.n, dtype=object)
        for player in range(plan.n):
            if player not in free:
                result[player] = corner
        for group in _groups(movers, steps, 1):
            count = max(steps[k] for k in group)
            m = np.arange(count, dtype=np.int64)
            index = [bounds[c] - m[None, :] * weights[group, c][:, None] for c in range(dims)]
            inside = np.ones((len(group), count), dtype=bool)
            for values in index:
                inside &= values >= 0
            values = table[tuple(np.where(inside, v, 0) for v in index)]
            values[~inside] = 0
            even = _exact_sum(values[:, 2::2], modulus, axis=1)
            odd = _exact_sum(values[:, 1::2], modulus, axis=1)
            # swing = P[B] + 2 Σ_{m≥1} (−1)^m P[B − m w]
            swing = corner + 2 * (even - odd)
            for k, value in zip(group, swing, strict=True):
                result[movers[k]] = value
        return result

    combined = _combine(_by_moduli(plan, residues), _moduli(len(plan.free)))
    return [int(value) for value in combined]


def _dp_sized(plan: _Plan, by_size: bool) -> list[list[int]]:
    """Swing counts by coalition size (or their totals), from P[r, t] by complement size r."""
    _check_size(plan, True)
    if len(plan.bounds) == 1 and len(_moduli(len(plan.free))) == 1:
        return _word_sized(plan, by_size)
    n, rows = plan.n, plan.rows
    free = set(plan.free)
    dims = len(plan.bounds)
    bounds = np.array(plan.bounds, dtype=np.int64)
    r = np.arange(rows, dtype=np.int64)
    usable = min(rows, n)
    s = n - 1 - r[:usable]  # the size of S for each complement size r
    with_counts = (s + 1 >= plan.min_size).astype(object)
    without_counts = (s >= plan.min_size).astype(object)
    movers = list(plan.free)
    steps = [_steps(plan, p, rows) for p in movers]
    weights = np.array([plan.weights[p] for p in movers], dtype=np.int64).reshape(len(movers), dims)

    def residues(modulus: int) -> NDArray[Any]:
        table = _prefix_table(plan, modulus, True)
        at: tuple[Any, ...] = (slice(None), *plan.bounds)
        corner = table[at].astype(object)
        result: NDArray[Any] = np.zeros((n, usable), dtype=object)
        for player in range(n):
            if player not in free:
                result[player] = corner[:usable] * with_counts
        for group in _groups(movers, steps, rows):
            count = max(steps[k] for k in group)
            m = np.arange(count, dtype=np.int64)
            shifted = r[None, :] - m[:, None]  # r − m, [m, r]
            live = shifted >= 0
            both = []
            for offset in (0, 1):  # with: t = B − m w; without: t = B − (m+1) w
                index = [
                    bounds[c] - (m + offset)[None, :] * weights[group, c][:, None]
                    for c in range(dims)
                ]  # [player, m]
                inside = np.ones((len(group), count), dtype=bool)
                for values in index:
                    inside &= values >= 0
                mask = live[None, :, :] & inside[:, :, None]  # [player, m, r]
                gathered = table[
                    (
                        np.where(mask, shifted[None, :, :], 0),
                        *(np.where(inside, v, 0)[:, :, None] for v in index),
                    )
                ]
                gathered[~mask] = 0
                both.append(
                    _exact_sum(gathered[:, 0::2], modulus, axis=1)
                    - _exact_sum(gathered[:, 1::2], modulus, axis=1)
                )
            swings = both[0][:, :usable] * with_counts - both[1][:, :usable] * without_counts
            for k, row in zip(group, swings, strict=True):
                result[movers[k]] = row
        return result

    combined = _combine(_by_moduli(plan, residues), _moduli(len(plan.free)))
    counts = []
    for row in combined:
        by_s = [0] * n
        for index, value in enumerate(row):
            by_s[n - 1 - index] = int(value)
        counts.append(by_s if by_size else [sum(by_s)])
    return counts


# --- one weighted criterion and counts of at most 2^62: one machine word per count ---------
#
# Small games (the Electoral College, the EU Council) spend their time in fixed
# costs, not in the table: here one NumPy operation per player builds it, the
# division by (1 + y·x^w) is one gather for all players, and the arithmetic
# wraps modulo 2^64, exact because every count is at most 2^62 (at most 62 free players).


def _word_totals(plan: _Plan) -> list[int]:
    bound = plan.bounds[0]
    weight = [vector[0] for vector in plan.weights]
    table = np.ones(bound + 1, dtype=np.uint64)
    for player in plan.free:
        w = weight[player]
        if w == 0:
            table += table
        elif w <= bound:
            table[w:] += table[: bound + 1 - w]  # NumPy buffers the overlap: old values are read
    corner = int(table[bound])
    distinct = sorted({weight[p] for p in plan.free if weight[p]})
    swing: dict[int, int] = {}
    if distinct:
        w_ = np.array(distinct, dtype=np.int64)[:, None]
        m = np.arange(1, bound // int(w_[0, 0]) + 1, dtype=np.int64)[None, :]
        at = bound - m * w_
        values = np.where(at >= 0, table[np.maximum(at, 0)], U64(0))
        even = values[:, 1::2].sum(axis=1, dtype=np.uint64)  # m = 2, 4, ...
        odd = values[:, 0::2].sum(axis=1, dtype=np.uint64)  # m = 1, 3, ...
        swings = (U64(corner) + U64(2) * (even - odd)).view(np.int64)
        swing = dict(zip(distinct, swings.tolist(), strict=True))
    free = set(plan.free)
    return [swing.get(weight[p], 0) if p in free else corner for p in range(plan.n)]


def _word_sized(plan: _Plan, by_size: bool) -> list[list[int]]:
    n, rows, bound = plan.n, plan.rows, plan.bounds[0]
    weight = [vector[0] for vector in plan.weights]
    table = np.zeros((rows, bound + 1), dtype=np.uint64)
    table[0] = 1
    for filled, player in enumerate(plan.free):
        w = weight[player]
        top = min(filled + 1, rows - 1)
        if top >= 1 and w <= bound:
            table[1 : top + 1, w:] += table[0:top, : bound + 1 - w]
    usable = min(rows, n)
    s = n - 1 - np.arange(usable)
    with_counts = (s + 1 >= plan.min_size).astype(np.uint64)
    without_counts = (s >= plan.min_size).astype(np.uint64)
    distinct = sorted({weight[p] for p in plan.free})
    w_ = np.array(distinct, dtype=np.int64)[:, None, None]  # [weight, m, r]
    m = np.arange(usable, dtype=np.int64)[None, :, None]
    r = np.arange(usable, dtype=np.int64)[None, None, :]
    sign = np.where(m % 2, U64(2**64 - 1), U64(1))  # (−1)^m, modulo 2^64
    shifted = r - m

    def corner(offset: int) -> NDArray[np.uint64]:
        at = bound - (m + offset) * w_
        inside = (shifted >= 0) & (at >= 0)
        values = np.where(inside, table[np.maximum(shifted, 0), np.maximum(at, 0)], U64(0))
        summed: NDArray[np.uint64] = (values * sign).sum(axis=1, dtype=np.uint64)
        return summed

    swings = (corner(0) * with_counts - corner(1) * without_counts).view(np.int64)
    by_weight = dict(zip(distinct, swings.tolist(), strict=True))
    forced = (table[:usable, bound] * with_counts).view(np.int64).tolist()
    free = set(plan.free)
    counts = []
    for player in range(n):
        row = by_weight[weight[player]] if player in free else forced
        by_s = [0] * n
        by_s[n - usable :] = row[::-1]
        counts.append(by_s if by_size else [sum(by_s)])
    return counts


# --- the compiled programme, one weighted criterion ----------------------------------------


def _crt(residues: Sequence[NDArray[np.uint64]], moduli: Sequence[int]) -> list[int]:
    """Exact signed ints from their residues, one array per modulus (0 stands for 2^64)."""
    if len(moduli) == 1:  # counts of at most 2^62: the uint64 bits, read as signed
        return [int(value) for value in residues[0].view(np.int64)]
    combined = _combine([residue.astype(object) for residue in residues], moduli)
    return [int(value) for value in combined]


def _in_threads(work: Callable[[int], Any], moduli: Sequence[int], cells: int) -> list[Any]:
    """`work(modulus)` for every modulus, on as many cores as the tables' memory allows.

    The compiled loops release the GIL, so threads run them side by side; how
    many is numba's thread count (the cores, or NUMBA_NUM_THREADS), asked of the
    kernels module so that the domain itself reads nothing from the environment.
    """
    from charter.domain.power import _kernels

    cores = _kernels.THREADS
    workers = max(1, min(len(moduli), cores, PARALLEL_CELLS // max(cells, 1)))
    if workers == 1:
        return [work(modulus) for modulus in moduli]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(work, moduli))


def _compiled_totals(plan: _Plan) -> list[list[int]]:
    """Banzhaf swing totals per player (no sizes), by the compiled programme."""
    from charter.domain.power import _kernels

    _check_size(plan, False)
    bound = plan.bounds[0]
    weight = [vector[0] for vector in plan.weights]
    positive = sorted(weight[p] for p in plan.free if weight[p])
    weightless = len(plan.free) - len(positive)
    distinct = sorted(set(positive))
    moduli = _moduli(len(plan.free))
    weights_array = np.array(positive, dtype=np.int64)
    distinct_array = np.array(distinct, dtype=np.int64)

    def residues(modulus: int) -> NDArray[np.uint64]:
        table = _kernels.prefix_totals(weights_array, bound, U64(modulus), weightless)
        swings = _kernels.extract_totals(table, bound, distinct_array, U64(modulus))
        return np.concatenate([table[bound:], swings])

    corner, *by_weight = _crt(_in_threads(residues, moduli, bound + 1), moduli)
    swing = dict(zip(distinct, by_weight, strict=True))
    free = set(plan.free)
    return [[swing.get(weight[p], 0) if p in free else corner] for p in range(plan.n)]


def _compiled_sized(plan: _Plan, by_size: bool) -> list[list[int]]:
    """Swing counts by coalition size (or their totals), by the compiled programme.

    Per modulus, the counts with and without the player become swings before
    the Chinese remainder theorem, so that only one value per weight and size
    is rebuilt.
    """
    from charter.domain.power import _kernels

    _check_size(plan, True)
    n, rows, bound = plan.n, plan.rows, plan.bounds[0]
    weight = [vector[0] for vector in plan.weights]
    descending = np.array(sorted((weight[p] for p in plan.free), reverse=True), dtype=np.int64)
    distinct = sorted({weight[p] for p in plan.free})
    distinct_array = np.array(distinct, dtype=np.int64)
    usable = min(rows, n)
    s = n - 1 - np.arange(usable)  # the size of S for each complement size r
    with_counts = (s + 1 >= plan.min_size).astype(np.uint64)
    without_counts = (s >= plan.min_size).astype(np.uint64)
    moduli = _moduli(len(plan.free))

    def residues(modulus: int) -> NDArray[np.uint64]:
        table = _kernels.prefix_sized(descending, bound, rows, U64(modulus))
        with_, without = _kernels.extract_sized(table, bound, distinct_array, U64(modulus))
        gained = with_[:, :usable] * with_counts
        lost = without[:, :usable] * without_counts
        swings = gained - lost  # wraps modulo 2^64 ...
        if modulus:  # ... and back into [0, p)
            swings[gained < lost] += U64(modulus)
        return np.concatenate([table[:usable, bound] * with_counts, swings.ravel()])

    values = _crt(_in_threads(residues, moduli, rows * (bound + 1)), moduli)
    position = {value: (index + 1) * usable for index, value in enumerate(distinct)}
    free = set(plan.free)
    counts = []
    for player in range(n):
        at = position[weight[player]] if player in free else 0
        by_s = [0] * n
        by_s[n - usable :] = values[at : at + usable][::-1]
        counts.append(by_s if by_size else [sum(by_s)])
    return counts


# --- meeting in the middle ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Half:
    players: tuple[int, ...]
    weight: NDArray[np.int64]  # of each subset, subset k contains players[j] iff bit j of k
    size: NDArray[np.int64]
    order: NDArray[np.intp]
    sorted_weight: NDArray[np.int64]
    cumulative: NDArray[np.float64]  # [p, s]: subsets among the p lightest with size s


def _half(players: tuple[int, ...], weights: Sequence[int]) -> _Half:
    weight = np.zeros(1, dtype=np.int64)
    size = np.zeros(1, dtype=np.int64)
    for player in players:
        weight = np.concatenate([weight, weight + weights[player]])
        size = np.concatenate([size, size + 1])
    order = np.argsort(weight, kind="stable")
    onehot = np.zeros((len(weight) + 1, len(players) + 1), dtype=np.float64)
    onehot[np.arange(1, len(weight) + 1), size[order]] = 1
    return _Half(players, weight, size, order, weight[order], np.cumsum(onehot, axis=0))


def _pairs(
    outer_weight: NDArray[np.int64],
    outer_size: NDArray[np.int64],
    outer_players: int,
    inner: _Half,
    limit: int,
    rows: int,
) -> list[int]:
    """#{(a, b): w(a) + w(b) ≤ limit} by |a| + |b|, a from the outer list, b any inner subset."""
    positions = np.searchsorted(inner.sorted_weight, limit - outer_weight, side="right")
    counts = inner.cumulative[positions]  # [a, |b|]
    onehot = np.zeros((len(outer_size), outer_players + 1), dtype=np.float64)
    onehot[np.arange(len(outer_size)), outer_size] = 1
    grid = onehot.T @ counts  # [|a|, |b|], exact: every entry is below 2^53
    result = [0] * rows
    for a in range(grid.shape[0]):
        for b in range(grid.shape[1]):
            if a + b < rows and grid[a, b]:
                result[a + b] += round(grid[a, b])
    return result


def _mitm(plan: _Plan) -> tuple[list[list[int]], list[list[int]]]:
    free = plan.free
    weights = [vector[0] if vector else 0 for vector in plan.weights]
    bound = plan.bounds[0] if plan.bounds else 0
    middle = len(free) // 2
    first, second = _half(free[:middle], weights), _half(free[middle:], weights)
    rows = plan.rows
    with_: list[list[int]] = []
    without: list[list[int]] = []
    for player in range(plan.n):
        if player in first.players:
            outer, inner = first, second
        else:
            outer, inner = second, first
        if player in outer.players:
            bit = outer.players.index(player)
            keep = ((np.arange(len(outer.weight)) >> bit) & 1) == 0
            sub_weight, sub_size = outer.weight[keep], outer.size[keep]
            limits = (bound, bound - weights[player])
        else:  # in every winning coalition of this conjunction
            sub_weight, sub_size = outer.weight, outer.size
            limits = (bound, -1)
        counts = [
            _pairs(sub_weight, sub_size, len(outer.players), inner, limit, rows)
            if limit >= 0
            else [0] * rows
            for limit in limits
        ]
        with_.append(counts[0])
        without.append(counts[1])
    return with_, without
