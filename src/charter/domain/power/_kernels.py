"""Compiled loops of the counting programme for one weighted criterion (numba, nogil).

Why compiled: in NumPy every player costs several passes over the table (the
addition, then a temporary for the reduction modulo a prime, then the
minimum), and the table of a large game does not fit in the core's cache. One
fused loop reads two cells and writes one per update; the loops release the
GIL, so the moduli of one count run on several cores in threads.

Arithmetic: residues modulo `modulus` < 2^63 (a prime), or modulo 2^64 when
`modulus` is 0, as uint64. Two residues below p < 2^63 add without wrapping,
and min(x, x − p) (wrapping subtraction) reduces the sum into [0, p).

Importing this module imports numba and loads (or compiles, the first time
on a machine, into `__pycache__`) the kernels: about half a second, paid only
by games large enough to need them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba  # type: ignore[import-untyped]
import numpy as np
from numpy.typing import NDArray

__all__ = ["THREADS", "extract_sized", "extract_totals", "prefix_sized", "prefix_totals"]

THREADS: int = int(numba.config.NUMBA_NUM_THREADS)  # the cores, unless NUMBA_NUM_THREADS says

F = TypeVar("F", bound=Callable[..., Any])

U64Array = NDArray[np.uint64]
I64Array = NDArray[np.int64]


def _jit(function: F) -> F:
    """Compile `function` without the GIL, caching the machine code on disk."""
    return cast(F, numba.njit(cache=True, nogil=True, boundscheck=False)(function))


@_jit
def _add(a: np.uint64, b: np.uint64, p: np.uint64) -> np.uint64:
    x = a + b
    if p:
        return min(x, x - p)
    return x


@_jit
def _sub(a: np.uint64, b: np.uint64, p: np.uint64) -> np.uint64:
    if p:
        return _add(a, p - b if b else b, p)
    return a - b


@_jit
def _shift_add(table: U64Array, w: int, top: int, p: np.uint64) -> None:
    """table[t] += table[t − w] for w ≤ t ≤ top, in place: the old values are read.

    Descending blocks of at most w cells, so that within a block the cells read
    lie below the cells written and the compiler can vectorise it.
    """
    high = top
    while high >= w:
        low = max(w, high - w + 1)
        into = table[low : high + 1]
        read = table[low - w : high + 1 - w]
        if p:
            for k in range(into.shape[0]):
                x = into[k] + read[k]
                into[k] = min(x, x - p)
        else:
            for k in range(into.shape[0]):
                into[k] += read[k]
        high = low - 1


@_jit
def _shift_add_pair(table: U64Array, a: int, b: int, top: int, p: np.uint64) -> None:
    """Two players at once (a ≤ b): table[t] += table[t − a] + table[t − b] + table[t − a − b].

    One pass instead of two: the table is read and written once for both, which
    is what bounds the loop when the table does not fit in the core's cache.
    """
    c = a + b
    high = top
    while high >= a:
        low = max(a, high - a + 1)
        into = table[low : high + 1]
        first = table[low - a : high + 1 - a]
        if low >= c:
            second = table[low - b : high + 1 - b]
            third = table[low - c : high + 1 - c]
            for k in range(into.shape[0]):
                x = _add(into[k], first[k], p)
                y = _add(second[k], third[k], p)
                into[k] = _add(x, y, p)
        else:
            for k in range(into.shape[0]):
                t = low + k
                x = _add(into[k], first[k], p)
                if t >= b:
                    x = _add(x, table[t - b], p)
                if t >= c:
                    x = _add(x, table[t - c], p)
                into[k] = x
        high = low - 1


@_jit
def prefix_totals(weights: I64Array, bound: int, modulus: np.uint64, weightless: int) -> U64Array:
    """P[t] = #{R : w(R) ≤ t} for 0 ≤ t ≤ bound, mod `modulus`.

    R ranges over the subsets of the players of `weights` and of `weightless`
    more players of weight 0 (each doubles every count). The weights must be
    positive and ascending: after the k lightest players, every cell beyond
    their total weight W_k holds 2^k, so each player updates only
    [w, min(W_k, bound)] and the cells beyond are filled in when reached.
    Players are added two at a time.
    """
    p = modulus
    table = np.ones(bound + 1, dtype=np.uint64)
    total = 0
    filled = 0  # cells 0..filled are exact; beyond, the value is `saturated`
    saturated = np.uint64(1)
    count = weights.shape[0]
    for j in range(0, count, 2):
        pair = j + 1 < count
        total += weights[j] + (weights[j + 1] if pair else 0)
        top = min(total, bound)
        if top > filled:
            table[filled + 1 : top + 1] = saturated
            filled = top
        if pair:
            _shift_add_pair(table, weights[j], weights[j + 1], top, p)
            saturated = _add(saturated, saturated, p)
        else:
            _shift_add(table, weights[j], top, p)
        saturated = _add(saturated, saturated, p)
    if bound > filled:
        table[filled + 1 :] = saturated
    for _ in range(weightless):
        for t in range(bound + 1):
            table[t] = _add(table[t], table[t], p)
    return table


@_jit
def extract_totals(table: U64Array, bound: int, weights: I64Array, modulus: np.uint64) -> U64Array:
    """For each weight w: P_{−w}(B) − P_{−w}(B − w) = P[B] + 2 Σ_{m≥1} (−1)^m P[B − m·w].

    Dividing the generating function by (1 + x^w) leaves that player out.
    """
    p = modulus
    result = np.empty(weights.shape[0], dtype=np.uint64)
    for k in range(weights.shape[0]):
        w = weights[k]
        even = np.uint64(0)
        odd = np.uint64(0)
        m = 1
        t = bound - w
        while t >= 0:
            if m % 2:
                odd = _add(odd, table[t], p)
            else:
                even = _add(even, table[t], p)
            m += 1
            t -= w
        twice = _sub(even, odd, p)
        result[k] = _add(table[bound], _add(twice, twice, p), p)
    return result


@_jit
def prefix_sized(weights: I64Array, bound: int, rows: int, modulus: np.uint64) -> U64Array:
    """P[r, t] = #{R : |R| = r, w(R) ≤ t} for r < rows, t ≤ bound, mod `modulus`.

    The weights must be descending: row r is zero below the weight of the r
    lightest players added so far, and each row is updated from there only.
    Rows are updated from the top, so every update reads the row below before
    this player touched it.
    """
    p = modulus
    size = bound + 1
    table = np.zeros((rows, size), dtype=np.uint64)
    table[0, :] = 1
    first = np.full(rows, size, dtype=np.int64)
    first[0] = 0
    for j in range(weights.shape[0]):
        w = weights[j]
        for r in range(min(j + 1, rows - 1), 0, -1):
            begin = first[r - 1] + w
            if begin >= size:
                continue
            into = table[r, begin:]
            read = table[r - 1, begin - w : size - w]
            if p:
                for k in range(into.shape[0]):
                    x = into[k] + read[k]
                    into[k] = min(x, x - p)
            else:
                for k in range(into.shape[0]):
                    into[k] += read[k]
            if begin < first[r]:
                first[r] = begin
    return table


@_jit
def extract_sized(
    table: U64Array, bound: int, weights: I64Array, modulus: np.uint64
) -> tuple[U64Array, U64Array]:
    """For each weight w and size r: P_{−w}[r, B] and P_{−w}[r, B − w].

    P_{−w}[r, t] = Σ_m (−1)^m P[r − m, t − m·w]: the division by (1 + y·x^w).
    """
    p = modulus
    rows = table.shape[0]
    with_ = np.zeros((weights.shape[0], rows), dtype=np.uint64)
    without = np.zeros((weights.shape[0], rows), dtype=np.uint64)
    for k in range(weights.shape[0]):
        w = weights[k]
        for r in range(rows):
            with_[k, r] = _divided(table, r, bound, w, p)
            without[k, r] = _divided(table, r, bound - w, w, p)
    return with_, without


@_jit
def _divided(table: U64Array, r: int, t: int, w: int, p: np.uint64) -> np.uint64:
    """P_{−w}[r, t] = Σ_m (−1)^m P[r − m, t − m·w], over the terms with t − m·w ≥ 0."""
    value = np.uint64(0)
    for m in range(r + 1):
        if t < 0:
            break
        term = table[r - m, t]
        value = _sub(value, term, p) if m % 2 else _add(value, term, p)
        t -= w
    return value
