"""What the STV counts share: ballots as arrays with a pointer each, and ties settled by looking back.

Every distinct ballot is one row of `orders` (candidate indices best first,
-1 padded) with how many voters cast it. Identical ballots travel together
through any STV count, so a row carries one value and one pointer (the
position of the preference it currently counts for) for all its voters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from charter.domain.tally.profile import Profile, TallyError
from charter.domain.tally.registry import TieBreaker

__all__ = ["Ballots", "advance", "ballots_of", "by_history", "integral_counts"]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Ballots:
    """The non-empty distinct ballots of a profile: orders (rows x ranks) and voters per row."""

    orders: Ints
    counts: npt.NDArray[np.float64]

    @property
    def rows(self) -> int:
        return int(self.orders.shape[0])


def ballots_of(profile: Profile) -> Ballots:
    """The profile's strict ballots, empty ones dropped (a paper with no preference is not valid)."""
    orders = profile.orders
    keep = orders[:, 0] >= 0 if orders.shape[1] else np.zeros(orders.shape[0], dtype=bool)
    keep &= profile.counts > 0
    if keep.all():  # the usual case: no copy of the orders (no count writes to them)
        return Ballots(orders, profile.counts.copy())
    return Ballots(np.ascontiguousarray(orders[keep]), profile.counts[keep].copy())


def integral_counts(ballots: Ballots, method: str) -> Ints:
    """Voters per row as integers; methods that count ballot papers refuse fractional weights."""
    rounded = np.rint(ballots.counts)
    if not np.array_equal(rounded, ballots.counts):
        raise TallyError(
            f"{method} counts whole ballot papers, but some ballot weights are fractional"
        )
    return rounded.astype(np.int64)


def advance(orders: Ints, rows: Ints, start: Ints, continuing: Bools) -> tuple[Ints, Ints]:
    """For each of `rows`, the first position >= start whose candidate is continuing.

    Returns (positions, candidates); a ballot with no such preference gets
    position len(ranks) and candidate -1 (it is exhausted, non-transferable).
    Rows are looked at one preference at a time, and only those whose
    preference there is not continuing look at the next one.
    """
    width = orders.shape[1]
    if rows.size == 0 or width == 0:
        return np.full(rows.size, width, dtype=np.int64), np.full(rows.size, -1, dtype=np.int64)
    if continuing.all() and rows.size == orders.shape[0] and not start.any():
        # Everyone continuing, every ballot from its first preference: the first column.
        candidates = orders[rows, 0]
        return np.where(candidates >= 0, 0, width).astype(np.int64), candidates.astype(np.int64)
    flat = (orders if orders.flags.c_contiguous else np.ascontiguousarray(orders)).reshape(-1)
    open_ = np.append(continuing, False)  # index -1 (padding: nothing more) reads False
    positions = np.array(start, dtype=np.int64)
    candidates = np.full(rows.size, -1, dtype=np.int64)
    todo = np.arange(rows.size)
    base = rows.astype(np.int64) * width
    while todo.size:
        position = positions[todo]
        beyond = position >= width
        at = flat[base[todo] + np.minimum(position, width - 1)]
        at[beyond] = -1
        found = open_[at]
        candidates[todo[found]] = at[found]
        ended = at < 0  # padding comes last: the ballot has no more preferences
        positions[todo[ended]] = width
        onward = ~(found | ended)
        todo = todo[onward]
        positions[todo] = position[onward] + 1
    return positions, candidates


def by_history(
    tied: Sequence[int],
    history: Sequence[Any],
    *,
    highest: bool,
    ties: TieBreaker,
    purpose: str,
    stage: int,
    names: Sequence[str],
    key: Callable[[Any], Any] = lambda value: value,
) -> tuple[int, dict[str, Any]]:
    """Settle a tie by the most recent earlier stage where the tied candidates differed, else by lot.

    `history[-1]` is the stage at which they are tied; earlier entries are
    looked at from the most recent back. At the first stage where they are
    not all equal, those with the highest (or lowest) total there stay in; if
    that is still more than one, the look-back continues among them. Equal at
    every stage: the TieBreaker decides ("by lot"), and the tie is recorded.
    """
    group = sorted(set(tied))
    note: dict[str, Any] = {"among": [names[c] for c in group]}
    for back in range(len(history) - 2, -1, -1):
        values = {c: key(history[back][c]) for c in group}
        if len(set(values.values())) > 1:
            best = max(values.values()) if highest else min(values.values())
            group = [c for c in group if values[c] == best]
            if len(group) == 1:
                note.update(decided_by="earlier stage", stage=back + 1, chose=names[group[0]])
                return group[0], note
    chosen = ties.choose(group, purpose, stage)
    note.update(decided_by="lot", chose=names[chosen], rule=ties.rule)
    return chosen, note
