"""Ballots as arrays: each distinct ballot once, with how many voters cast it.

A profile holds a rank matrix: one row per distinct ballot, one column per
candidate, the rank the ballot gives that candidate (1 is first; equal numbers
are ties; 0 means not ranked, below every ranked candidate). Every method
reads the same matrix, so partial ballots and ties work everywhere, and a
million ballots of ten candidates that repeat are only as many rows as there
are distinct rankings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from charter.errors import CharterError

__all__ = ["Profile", "TallyError", "attach_orders"]

Ranks = npt.NDArray[np.int16]
Weights = npt.NDArray[np.float64]


class TallyError(CharterError):
    """A count that cannot be made as asked (bad ballots, unknown method, impossible seats)."""


@dataclass(frozen=True, eq=False)
class Profile:
    """Candidates, the distinct ballots as a rank matrix, and each ballot's weight (voters)."""

    candidates: tuple[str, ...]
    ranks: Ranks
    counts: Weights
    withdrawn: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if len(set(self.candidates)) != len(self.candidates):
            raise TallyError("candidate names must be distinct")
        if self.ranks.ndim != 2 or self.ranks.shape[1] != len(self.candidates):
            raise TallyError(
                f"the rank matrix must have one column per candidate ({len(self.candidates)})"
            )
        if self.counts.shape != (self.ranks.shape[0],):
            raise TallyError("there must be one count per distinct ballot")
        if (self.counts < 0).any():
            raise TallyError("ballot counts cannot be negative")

    # -- building -------------------------------------------------------------------------------

    @classmethod
    def from_rankings(
        cls,
        candidates: Sequence[str],
        ballots: Iterable[tuple[Sequence[str | Sequence[str]], float]],
    ) -> Profile:
        """From (ranking, count) pairs; a ranking lists names best first, a tuple of names is a tie."""
        index = {name: position for position, name in enumerate(candidates)}
        merged: dict[tuple[int, ...], float] = {}
        for ranking, count in ballots:
            row = [0] * len(candidates)
            for rank, group in enumerate(ranking, start=1):
                names = (group,) if isinstance(group, str) else tuple(group)
                for name in names:
                    if name not in index:
                        raise TallyError(f"'{name}' is not a candidate")
                    if row[index[name]]:
                        raise TallyError(f"'{name}' is ranked twice on one ballot")
                    row[index[name]] = rank
            key = tuple(row)
            merged[key] = merged.get(key, 0.0) + float(count)
        keys = list(merged)
        ranks = np.array(keys, dtype=np.int16).reshape(len(keys), len(candidates))
        counts = np.array([merged[key] for key in keys], dtype=np.float64)
        return cls(tuple(candidates), ranks, counts)

    @classmethod
    def from_orders(
        cls, candidates: Sequence[str], orders: npt.ArrayLike, counts: npt.ArrayLike
    ) -> Profile:
        """From strict preference orders: row i lists candidate indices best first, -1 padding."""
        order = np.asarray(orders, dtype=np.int64)
        weights = np.asarray(counts, dtype=np.float64)
        if order.ndim != 2:
            raise TallyError("orders must be a 2-D array of candidate indices")
        ranks = np.zeros((order.shape[0], len(candidates)), dtype=np.int16)
        rows = np.arange(order.shape[0])
        for position in range(order.shape[1]):
            chosen = order[:, position]
            valid = chosen >= 0
            if (chosen[valid] >= len(candidates)).any():
                raise TallyError("an order names a candidate index out of range")
            if (ranks[rows[valid], chosen[valid]] != 0).any():
                raise TallyError("a candidate appears twice in one order")
            ranks[rows[valid], chosen[valid]] = position + 1
        return cls(tuple(candidates), ranks, weights).compacted()

    def compacted(self) -> Profile:
        """The same profile with identical ballots merged and empty ballots kept (they count for quorum)."""
        if self.ranks.shape[0] == 0:
            return self
        unique, inverse = np.unique(self.ranks, axis=0, return_inverse=True)
        counts = np.bincount(
            inverse.ravel(), weights=self.counts, minlength=unique.shape[0]
        ).astype(np.float64)
        return Profile(self.candidates, unique.astype(np.int16), counts, self.withdrawn)

    # -- reading --------------------------------------------------------------------------------

    @property
    def total(self) -> float:
        """Voters (or weight) in all."""
        return float(self.counts.sum())

    @cached_property
    def _layout(self) -> tuple[npt.NDArray[np.int64] | None, bool | None]:
        """(orders, strict) from one scatter of each ranked candidate into the slot of its rank.

        `orders` is None unless the ballots are strict and every row ranks 1, 2, ..., k (no
        gaps), `strict` None when some rank is outside 0..n (the sorting checks then decide).
        """
        n = len(self.candidates)
        rows = self.ranks.shape[0]
        if rows == 0 or n == 0:
            return np.full((rows, n), -1, dtype=np.int64), True
        if int(self.ranks.min()) < 0 or int(self.ranks.max()) > n:
            return None, None
        # Column n takes every unranked candidate (rank 0 - 1 = -1 is the last column).
        slots = np.full((rows, n + 1), -1, dtype=np.int8 if n < 127 else np.int64)
        index = self.ranks.astype(np.intp) - 1
        np.put_along_axis(slots, index, np.arange(n, dtype=slots.dtype), axis=1)
        filled = slots[:, :n] >= 0
        if np.count_nonzero(filled) != np.count_nonzero(self.ranks):
            return None, False  # two candidates on one rank: a tie
        if not (filled[:, 1:] <= filled[:, :-1]).all():
            return None, True  # strict, but some row skips a rank
        return slots[:, :n].astype(np.int64), True

    @cached_property
    def strict(self) -> bool:
        """Whether no ballot ties two candidates it ranks."""
        known = self._layout[1]
        if known is not None:
            return known
        ranked = np.where(self.ranks > 0, self.ranks, 0)
        ordered = np.sort(ranked, axis=1)
        same = (ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] > 0)
        return not bool(same.any())

    @cached_property
    def orders(self) -> npt.NDArray[np.int64]:
        """Each ballot as candidate indices best first, -1 padded (strict profiles only)."""
        if not self.strict:
            raise TallyError(
                "this method needs strict rankings, but some ballots rank candidates equal"
            )
        scattered = self._layout[0]
        if scattered is not None:
            return scattered
        key = np.where(self.ranks > 0, self.ranks, np.iinfo(np.int16).max).astype(np.int64)
        order = np.argsort(key, axis=1, kind="stable")
        ranked = np.take_along_axis(self.ranks > 0, order, axis=1)
        return np.where(ranked, order, -1)

    @cached_property
    def first_choices(self) -> npt.NDArray[np.int64]:
        """Each ballot's candidate ranked 1, or -1 where none is, or several are (a tie)."""
        n = len(self.candidates)
        if self.__dict__.get("orders") is not None and self._layout_known_from_one():
            orders = self.__dict__["orders"]
            if not n:
                return np.full(orders.shape[0], -1, dtype=np.int64)
            # One strided pass into a contiguous column: every later read is sequential.
            return np.ascontiguousarray(orders[:, 0])
        firsts = np.full(self.ranks.shape[0], -1, dtype=np.int64)
        if n == 0:
            return firsts
        at = np.flatnonzero(self.ranks.ravel() == 1)
        row, candidate = np.divmod(at, n)
        firsts[row] = candidate
        shared = row[1:][row[1:] == row[:-1]]  # rows listed twice rank two candidates first
        firsts[shared] = -1
        return firsts

    def _layout_known_from_one(self) -> bool:
        """Whether the cached orders are ranks 1, 2, ... in order (so orders[:, 0] is rank 1)."""
        if self.__dict__.get("_from_one"):
            return True
        return "_layout" in self.__dict__ and self._layout[0] is not None

    @cached_property
    def pairwise(self) -> npt.NDArray[np.float64]:
        """P[a, b]: weight of ballots that rank a above b (ranked above unranked; ties count for neither)."""
        n = len(self.candidates)
        key = np.where(self.ranks > 0, self.ranks, np.iinfo(np.int16).max).astype(np.int32)
        matrix = np.zeros((n, n), dtype=np.float64)
        for a in range(n):
            prefers = key[:, a : a + 1] < key
            matrix[a] = self.counts @ prefers
        np.fill_diagonal(matrix, 0.0)
        return matrix


def attach_orders(
    profile: Profile,
    orders: npt.NDArray[np.int64],
    first_choices: npt.NDArray[np.int64] | None = None,
) -> Profile:
    """Give `profile` the strict orders its reader parsed along with the rank matrix.

    Row i of `orders` must list the candidates that row i of `profile.ranks` ranks 1, 2, ...,
    k, in that order, then -1: readers build both from the same parse, so this is not checked
    (it would cost the pass it saves). Methods that need the orders then skip deriving them.

    The first choices are kept too, as a contiguous column (`first_choices`, or copied out
    of the orders here): read from the order matrix, whose rows are 8·m bytes apart, a
    plurality count would spend its time on memory traffic, not on counting.
    """
    if orders.shape != profile.ranks.shape or orders.dtype != np.int64:
        raise TallyError("the orders must be an int64 matrix shaped like the rank matrix")
    rows, n = orders.shape
    if first_choices is None:
        first_choices = (
            np.ascontiguousarray(orders[:, 0]) if n else np.full(rows, -1, dtype=np.int64)
        )
    elif (
        first_choices.shape != (rows,)
        or first_choices.dtype != np.int64
        or not first_choices.flags.c_contiguous
    ):
        raise TallyError("the first choices must be a contiguous int64 column, one per ballot")
    profile.__dict__["orders"] = orders
    profile.__dict__["strict"] = True
    profile.__dict__["_from_one"] = True
    profile.__dict__["first_choices"] = first_choices
    return profile
