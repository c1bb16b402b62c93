"""Meek's method of STV, counted in nine-decimal fixed point as the New Zealand rules do.

Sources: I. D. Hill, B. A. Wichmann and D. R. Woodall, "Algorithm 123 --
Single Transferable Vote by Meek's method", The Computer Journal 30(3),
1987; the New Zealand Local Electoral Regulations 2001, Schedule 1A; and
the reference implementation in J. Lundell's Droop (rules/meek.py).

Each candidate has a keep value: 1 while hopeful, 0 once excluded, and for
an elected candidate the share of each vote reaching them that they keep.
A ballot is worth 1; at each preference in turn the candidate keeps
`weight x keep value` and passes the rest on. What passes the last
preference is excess (exhausted). The quota is recomputed from the votes
the candidates hold, and elected candidates' keep values are lowered until
they hold just a quota. Counted here:

- arithmetic: integers in units of 10^-9 (NumPy int64 across distinct
  ballots; keep-value updates in Python integers). A candidate keeps
  `weight x keep value` rounded up, the ballot passes on exactly the rest
  (Hill's convention); quota = total votes held / (seats + 1) truncated to
  nine decimals, plus 10^-9; a new keep value = keep value x quota / votes,
  each step rounded up (Schedule 1A).
- elected: a hopeful candidate whose votes reach the quota.
- an iteration round ends when someone is elected, when the total surplus of
  the elected falls to OMEGA = 10^-6 or below, or when it stops falling
  (stable); then, if seats remain, the lowest hopeful is excluded. Hopefuls
  within the total surplus of the lowest cannot be told apart by further
  iteration and are tied: the one lowest at the most recent earlier round
  where they differed goes, else the TieBreaker decides (recorded).
- when the hopefuls are no more than the seats left, they are all elected.
- batch exclusion of sure losers is not used (it never changes the result).

How it is computed: a ballot's votes depend only on the elected candidates it
passes through before its first hopeful candidate (excluded ones keep
nothing, and a hopeful one keeps all that reaches it). When every weight is a
whole number of voters, each distinct ballot keeps a pointer to its first
hopeful candidate and the id of that path of elected candidates; an election
or exclusion moves on only the ballots that pointed at that candidate. The
iterations then run over the few distinct (path, first hopeful) groups with
their voters summed, which gives exactly the per-ballot sums, since every
voter on a path keeps and passes the same amounts. Fractional weights are
counted ballot by ballot (`distribute_rows`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from charter.domain.tally.profile import Profile
from charter.domain.tally.registry import TallyResult, TieBreaker, progress, tally_method
from charter.domain.tally.stv_common import Bools, Ints, advance, ballots_of, by_history

__all__ = ["OMEGA", "stv_meek"]

SCALE = 10**9
OMEGA = 10**3  # 10^-6 of a vote, in units of 10^-9
MAX_ITERATIONS = 10_000


def _votes(units: int | np.int64) -> float:
    return int(units) / SCALE


@tally_method(
    "stv-meek",
    summary="Meek STV (Hill-Wichmann-Woodall / NZ Schedule 1A), 9-decimal fixed point",
    family="proportional",
    multi_winner=True,
    tie_rule="lowest at the most recent round where they differed, then TieBreaker",
)
def stv_meek(profile: Profile, seats: int, ties: TieBreaker) -> TallyResult:
    return _Meek(profile, seats, ties).run()


class _Meek:
    def __init__(self, profile: Profile, seats: int, ties: TieBreaker) -> None:
        self.names = profile.candidates
        self.seats = seats
        self.ties = ties
        ballots = ballots_of(profile)
        self.orders = ballots.orders
        # Weights are voters; fractional weights are kept to nine decimals.
        self.counts = np.rint(ballots.counts * SCALE).astype(np.int64)
        n = len(self.names)
        self.keep = [SCALE] * n
        self.hopeful = set(range(n)) - set(profile.withdrawn)
        for c in profile.withdrawn:
            self.keep[c] = 0
        self.elected: list[int] = []
        self.excluded: list[int] = []
        self.history: list[list[int]] = []
        self.rounds: list[dict[str, Any]] = []
        voters = self.counts // SCALE
        whole = bool((self.counts % SCALE == 0).all()) and int(voters.sum()) < 2**50
        self.paths = _Paths(self.orders, voters, self._hopeful_mask()) if whole else None
        self.moving: list[int] = []

    def _hopeful_mask(self) -> Bools:
        mask = np.zeros(len(self.names), dtype=bool)
        mask[sorted(self.hopeful)] = True
        return mask

    def _changed(self, candidates: list[int]) -> None:
        """Candidates just elected or excluded: the ballots waiting on them move on (when next counted)."""
        self.moving += candidates

    def distribute(self) -> tuple[list[int], int]:
        """Votes each candidate keeps (units of 10^-9) and the excess, from every ballot."""
        if self.paths is not None:
            if self.moving:
                elected = np.zeros(len(self.names), dtype=bool)
                elected[self.elected] = True
                self.paths.move(self.moving, self._hopeful_mask(), elected)
                self.moving = []
            return self.paths.distribute(self.keep)
        return self.distribute_rows()

    def distribute_rows(self) -> tuple[list[int], int]:
        """`distribute`, ballot by ballot through every preference (any weights)."""
        keep = np.append(np.array(self.keep, dtype=np.int64), 0)  # padding (-1) keeps nothing
        weight = np.full(self.orders.shape[0], SCALE, dtype=np.int64)
        votes = np.zeros(len(self.names) + 1, dtype=np.int64)
        for position in range(self.orders.shape[1]):
            candidates = self.orders[:, position]
            kept = -((-weight * keep[candidates]) // SCALE)  # rounded up
            weight -= kept
            # counts are voters x 10^9; kept is per voter x 10^9
            np.add.at(votes, candidates, (kept * (self.counts // SCALE)))
            np.add.at(votes, candidates, (kept * (self.counts % SCALE)) // SCALE)
        excess = int((weight * (self.counts // SCALE)).sum())
        excess += int(((weight * (self.counts % SCALE)) // SCALE).sum())
        return [int(v) for v in votes[:-1]], excess

    def run(self) -> TallyResult:
        while len(self.elected) < self.seats and len(self.hopeful) > self.seats - len(self.elected):
            self._round()
        rest = sorted(self.hopeful, key=lambda c: -self.history[-1][c] if self.history else c)
        last: list[str] = []
        for c in rest:
            if len(self.elected) < self.seats:
                self.elected.append(c)
                last.append(self.names[c])
            self.hopeful.discard(c)
        if last:
            if not self.rounds:
                votes, excess = self.distribute()
                self.rounds.append(self._record(votes, excess, self._quota(votes), 0, "none"))
            self.rounds[-1]["elected_remaining"] = last
        return TallyResult(
            "stv-meek",
            tuple(self.names[c] for c in self.elected),
            rounds=tuple(self.rounds),
            evidence={
                "rules": "Meek STV: Hill, Wichmann & Woodall, Algorithm 123 (1987); NZ Schedule 1A",
                "precision": "9 decimal places; keep rounded up; omega 0.000001",
                "excluded": [self.names[c] for c in self.excluded],
                "final_keep_values": {self.names[c]: _votes(self.keep[c]) for c in self.elected},
            },
        )

    def _quota(self, votes: list[int]) -> int:
        return sum(votes) // (self.seats + 1) + 1

    def _round(self) -> None:
        last_surplus: int | None = None
        iterations = 0
        while True:
            iterations += 1
            votes, excess = self.distribute()
            quota = self._quota(votes)
            new = sorted(
                (c for c in self.hopeful if votes[c] >= quota), key=lambda c: (-votes[c], c)
            )
            surplus = sum(max(votes[c] - quota, 0) for c in self.elected + new)
            if new:
                status = "elected"
            elif surplus <= OMEGA:
                status = "omega"
            elif last_surplus is not None and surplus >= last_surplus:
                status = "stable"
            else:
                status = ""
            if iterations >= MAX_ITERATIONS:  # pragma: no cover - the surplus falls until it cannot
                status = "iteration limit"
            if status:
                break
            last_surplus = surplus
            for c in self.elected:
                kept = -((-self.keep[c] * quota) // SCALE)
                self.keep[c] = min(SCALE, -((-kept * SCALE) // max(votes[c], 1)))
        self.history.append(votes)
        record = self._record(votes, excess, quota, iterations, status)
        if new:
            for c in new:
                self.hopeful.discard(c)
                self.elected.append(c)
            record["elected"] = [self.names[c] for c in new]
            self._changed(new)
        else:
            self._exclude(votes, surplus, record)
        self.rounds.append(record)
        done = record.get("elected") or record.get("excluded")
        verb = "elected" if "elected" in record else "excluded"
        progress(f"round {record['round']}: {iterations} iterations, {done} {verb}")

    def _exclude(self, votes: list[int], surplus: int, record: dict[str, Any]) -> None:
        low = min(votes[c] for c in self.hopeful)
        tied = sorted(c for c in self.hopeful if votes[c] <= low + surplus)
        if len(tied) == 1:
            loser = tied[0]
        else:
            loser, note = by_history(
                tied,
                self.history,
                highest=False,
                ties=self.ties,
                purpose="meek: exclusion",
                stage=len(self.history),
                names=self.names,
            )
            record["ties"] = [note]
        self.hopeful.discard(loser)
        self.excluded.append(loser)
        self.keep[loser] = 0
        record["excluded"] = self.names[loser]
        self._changed([loser])

    def _record(
        self, votes: list[int], excess: int, quota: int, iterations: int, status: str
    ) -> dict[str, Any]:
        shown = [c for c in range(len(self.names)) if c in self.hopeful or c in self.elected]
        return {
            "round": len(self.rounds) + 1,
            "iterations": iterations,
            "ended_by": status,
            "quota": _votes(quota),
            "tallies": {self.names[c]: _votes(votes[c]) for c in shown},
            "keep_values": {self.names[c]: _votes(self.keep[c]) for c in self.elected},
            "excess": _votes(excess),
            "surplus": _votes(sum(max(votes[c] - quota, 0) for c in self.elected)),
        }


class _Paths:
    """Distinct ballots grouped by the elected candidates they pass before their first hopeful.

    Per row: `position` and `top`, its first hopeful candidate (-1: none left), and `path`,
    an id for the sequence of elected candidates before it (`sequences[id]`).
    """

    def __init__(self, orders: Ints, voters: Ints, hopeful: Bools) -> None:
        self.orders = np.ascontiguousarray(orders)
        self.voters = voters
        self.size = hopeful.size
        rows = orders.shape[0]
        self.position, self.top = advance(
            orders, np.arange(rows, dtype=np.int64), np.zeros(rows, dtype=np.int64), hopeful
        )
        self.path = np.zeros(rows, dtype=np.int64)
        self.sequences: list[tuple[int, ...]] = [()]
        self.children: dict[tuple[int, int], int] = {}
        self.groups: tuple[Ints, Ints, Ints] | None = None
        # Voters per group key path x (candidates + 1) + first hopeful (candidates: none).
        self.summed = np.bincount(self._keys(None), weights=voters.astype(np.float64))

    def _extend(self, paths: Ints, candidates: Ints) -> Ints:
        """The ids of each path with one more elected candidate at its end."""
        keys = paths * self.size + candidates
        present = np.flatnonzero(np.bincount(keys))
        table = np.zeros(int(present[-1]) + 1, dtype=np.int64)
        for key in present.tolist():
            parent, candidate = divmod(key, self.size)
            child = self.children.get((parent, candidate))
            if child is None:
                child = len(self.sequences)
                self.sequences.append((*self.sequences[parent], candidate))
                self.children[(parent, candidate)] = child
            table[key] = child
        extended: Ints = table[keys]
        return extended

    def move(self, changed: list[int], hopeful: Bools, elected: Bools) -> None:
        """Ballots whose first hopeful was in `changed` move to their next one, noting electeds."""
        rows = np.flatnonzero(self.top == changed[0]) if len(changed) == 1 else None
        if rows is None:
            rows = np.flatnonzero(np.isin(self.top, changed))
        rows = rows.astype(np.int64)
        self._regroup(rows, -1)
        waiting = rows
        width = self.orders.shape[1]
        flat = self.orders.reshape(-1)
        passable = np.append(~hopeful, False)  # index -1 (no preference left) stops
        while rows.size:
            at = self.top[rows]
            now_elected = elected[at]
            if now_elected.any():
                self.path[rows[now_elected]] = self._extend(
                    self.path[rows[now_elected]], at[now_elected]
                )
            position = self.position[rows] + 1
            beyond = position >= width
            np.minimum(position, width - 1, out=position)
            nxt = flat[rows * width + position]
            nxt[beyond] = -1
            position[beyond] = width
            self.position[rows] = position
            self.top[rows] = nxt
            # Stop at a hopeful candidate or the end; pass an elected one (noting it) or
            # an excluded one, and look again.
            rows = rows[passable[nxt]]
        self._regroup(waiting, +1)
        self.groups = None

    def _keys(self, rows: Ints | None) -> Ints:
        top = self.top if rows is None else self.top[rows]
        path = self.path if rows is None else self.path[rows]
        keys: Ints = path * (self.size + 1) + np.where(top >= 0, top, self.size)
        return keys

    def _regroup(self, rows: Ints, sign: int) -> None:
        """Take `rows` (distinct) out of (-1) or put them into (+1) the voters per group key."""
        keys = self._keys(rows)
        added = np.bincount(keys, weights=self.voters[rows].astype(np.float64))
        if added.size > self.summed.size:
            self.summed = np.concatenate([self.summed, np.zeros(added.size - self.summed.size)])
        self.summed[: added.size] += sign * added

    def _grouped(self) -> tuple[Ints, Ints, Ints]:
        if self.groups is None:
            slots = self.size + 1
            summed = np.rint(self.summed)
            present = np.flatnonzero(summed)
            path, top = np.divmod(present, slots)
            top[top == self.size] = -1
            depth = max((len(self.sequences[p]) for p in path.tolist()), default=0)
            matrix = np.full((path.size, depth), -1, dtype=np.int64)
            for i, p in enumerate(path.tolist()):
                sequence = self.sequences[p]
                matrix[i, : len(sequence)] = sequence
            # Whole voters below 2^50 in all: the float sums are exact.
            self.groups = (matrix, top, summed[present].astype(np.int64))
        return self.groups

    def distribute(self, keep_values: list[int]) -> tuple[list[int], int]:
        """Votes each candidate keeps and the excess, as `_Meek.distribute_rows` computes them."""
        matrix, top, voters = self._grouped()
        keep = np.append(np.array(keep_values, dtype=np.int64), 0)  # padding keeps nothing
        weight = np.full(top.size, SCALE, dtype=np.int64)
        votes = np.zeros(self.size + 1, dtype=np.int64)
        for depth in range(matrix.shape[1]):
            candidates = matrix[:, depth]
            kept = -((-weight * keep[candidates]) // SCALE)  # rounded up
            weight -= kept
            np.add.at(votes, candidates, kept * voters)
        # The first hopeful keeps all that reaches it; with none left, the rest is excess.
        live = top >= 0
        np.add.at(votes, top[live], weight[live] * voters[live])
        excess = int((weight[~live] * voters[~live]).sum())
        return [int(v) for v in votes[:-1]], excess
