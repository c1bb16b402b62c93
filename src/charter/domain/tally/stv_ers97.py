"""STV as the Electoral Reform Society counts it: the ERS97 rules.

Source: R. A. Newland and F. S. Britton, "How to conduct an election by the
Single Transferable Vote", 3rd edition, Electoral Reform Society, 1997,
sections 5 ("Detailed instructions for the count") and 6 (glossary), as
reproduced in OpenSTV's ERS97STV.py. Counted here (section numbers are cited
in the code and in every stage record):

- 5.1.2 A paper with no first preference is invalid; the total valid vote is
  the number of valid papers. Withdrawn candidates are never continuing.
- 5.1.6 Quota: total valid vote / (seats + 1) to two decimal places; if not
  exact, the remainder is ignored and 0.01 added. 5.4.8: while nobody has been
  deemed elected, papers that become non-transferable are left out and the
  quota is recalculated the same way (after each batch of an exclusion).
- 5.1.7, 5.3.13, 5.4.9 Considering continuing candidates in descending order
  of votes, deem elected any whose vote equals or exceeds (a) the quota or
  (b) the total active vote (6.20: continuing candidates' votes plus votes
  awaiting transfer) / (places not yet filled + 1), up to the places left.
  (b) is re-evaluated after each candidate deemed elected, and needs at
  least 0.01 of a vote (as OpenSTV, so that nobody is elected with nothing).
- 5.6.2 Equal votes and too few places for them all: the one(s) with more
  votes at the first stage, or at the earliest point after the transfer of a
  batch where they differed, are deemed elected; equal at all such points:
  none of them is deemed elected at that stage.
- 5.2.2 Surpluses are deferred when their total does not exceed (a) the gap
  between the two lowest continuing candidates or (b) the gap between the
  total of the lowest candidates who could be excluded together under 5.2.5
  and the candidate next above: both say "some exclusion under 5.2.5 is
  possible with the surpluses added in", which is how it is tested.
- 5.2.3 Otherwise the largest surplus is transferred (one per stage); equal
  surpluses: the greater vote at the first stage or the earliest point after
  a batch where they differed; equal at all: by lot.
- 5.3 Surplus transfer: only the last received batch (5.3.2; all papers for a
  surplus of first preferences, 5.3.1) is examined. If the value of its
  transferable papers exceeds the surplus, each moves at surplus / number of
  transferable papers, to two decimals, remainder ignored (5.3.7); otherwise
  each moves at its present value. The elected candidate keeps the quota; the
  rest of the surplus is the non-transferable difference (5.3.9, 6.11).
- 5.2.5 Exclusion: as many of the lowest candidates together as possible,
  provided enough remain to fill the places and their total votes plus any
  deferred surpluses do not exceed the vote of the candidate next above.
  Equal candidates are never split by that test (the "candidate next above"
  of a group is one with more votes), as in OpenSTV. When no group
  qualifies, the single lowest goes; equal lowest: fewer votes at the first
  stage or earliest point after a batch where they differed, else by lot.
- 5.4 The excluded candidates' papers are taken together and transferred in
  batches in descending order of value, each at the value it carries; after
  each batch the quota may be recalculated (5.4.8), candidates are deemed
  elected (5.4.9), and those no longer receive papers (5.4.10).
- 5.5.1 If a proposed exclusion would leave as many continuing candidates as
  places, they are all deemed elected. 5.5.2 Once every place is filled no
  further transfers are made and the rest are formally excluded.

"By lot" is the count's TieBreaker, recorded. Arithmetic is exact: every
value is an integer number of hundredths of a vote (NumPy int64), so the
truncations of 5.1.6 and 5.3.7 are integer divisions. The non-transferable
vote (6.13) is reported in two parts: the value of papers with no next
preference (and surplus the transferable papers could not carry), and the
non-transferable difference lost to truncating transfer values (6.11).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np

from charter.domain.tally.profile import Profile
from charter.domain.tally.registry import TallyResult, TieBreaker, progress, tally_method
from charter.domain.tally.stv_common import Ints, advance, ballots_of, integral_counts

__all__ = ["stv_ers97"]

SCALE = 100  # 5.1.6, 5.3.7: two decimal places
SOURCE = (
    "Electoral Reform Society, How to conduct an election by the Single Transferable Vote, "
    "3rd edition (Newland & Britton, 1997), sections 5-6"
)


def _votes(units: int | np.int64) -> float:
    """Hundredths as a number of votes (the float's shortest repr is the exact decimal)."""
    return int(units) / SCALE


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


@tally_method(
    "stv-ers97",
    summary="STV by the Electoral Reform Society's 1997 rules: last-batch surplus, 2 decimals",
    family="proportional",
    multi_winner=True,
    tie_rule="5.2.3, 5.2.5: earliest stage or batch where the tied differed, then by lot",
)
def stv_ers97(profile: Profile, seats: int, ties: TieBreaker) -> TallyResult:
    return _Count(profile, seats, ties).run()


class _Count:
    def __init__(self, profile: Profile, seats: int, ties: TieBreaker) -> None:
        self.names = profile.candidates
        self.seats = seats
        self.ties = ties
        ballots = ballots_of(profile)  # 5.1.2: papers without a first preference are invalid
        self.orders = ballots.orders
        self.counts = integral_counts(ballots, "stv-ers97")
        n = len(self.names)
        self.continuing = np.ones(n, dtype=bool)
        for c in profile.withdrawn:
            self.continuing[c] = False
        self.withdrawn = sorted(profile.withdrawn)
        self.valid = int(self.counts.sum())
        self.quota = self._droop(self.valid * SCALE)  # 5.1.6
        rows = ballots.rows
        self.value = np.full(rows, SCALE, dtype=np.int64)
        self.batch = np.zeros(rows, dtype=np.int64)  # the transfer each row was last received in
        self.batches = 0
        self.position, self.current = advance(
            self.orders,
            np.arange(rows, dtype=np.int64),
            np.zeros(rows, dtype=np.int64),
            self.continuing,
        )
        self.totals = self._credit(self.current, self.value)
        self.elected: list[int] = []
        self.excluded: list[int] = []
        self.pending: list[int] = []  # deemed elected, surplus not yet transferred
        self.history: list[Ints] = []  # 5.2.3, 5.2.5, 5.6.2: totals at every point
        self.points: list[str] = []
        self.stages: list[dict[str, Any]] = []
        self.non_transferable = 0
        self.lost = 0

    # -- arithmetic on ballot rows ---------------------------------------------------------------

    def _droop(self, total: int) -> int:
        """5.1.6: total / (seats + 1) to two decimals; if not exact, the remainder ignored plus 0.01."""
        return _ceil_div(total, self.seats + 1)

    def _credit(self, candidates: Ints, values: Ints, rows: Ints | None = None) -> Ints:
        counts = self.counts if rows is None else self.counts[rows]
        into = np.zeros(len(self.names), dtype=np.int64)
        live = candidates >= 0
        np.add.at(into, candidates[live], counts[live] * values[live])
        return into

    def _places(self) -> int:
        return self.seats - len(self.elected)

    def _continuing(self) -> list[int]:
        return [int(c) for c in np.flatnonzero(self.continuing)]

    def _surplus(self, c: int) -> int:
        return max(int(self.totals[c]) - self.quota, 0)

    def _active(self) -> int:
        """6.20 total active vote: continuing candidates' votes plus votes awaiting transfer."""
        held = int(self.totals[self.continuing].sum())
        held += sum(int(self.totals[c]) for c in self.excluded)  # batches not yet transferred
        return held + sum(self._surplus(c) for c in self.pending)

    def _point(self, label: str) -> None:
        self.history.append(self.totals.copy())
        self.points.append(label)

    # -- ties --------------------------------------------------------------------------------------

    def _earliest(self, tied: list[int], *, highest: bool) -> tuple[list[int], str | None]:
        """Narrow `tied` at the first stage, then each later point, where they differed.

        Returns those still tied (one, if decided) and the last point that narrowed them.
        """
        group = sorted(set(tied))
        decided: str | None = None
        for point, label in zip(self.history, self.points, strict=True):
            values = {c: int(point[c]) for c in group}
            if len(set(values.values())) > 1:
                best = max(values.values()) if highest else min(values.values())
                group = [c for c in group if values[c] == best]
                decided = label
                if len(group) == 1:
                    break
        return group, decided

    def _settle(self, tied: list[int], *, highest: bool, rule: str, purpose: str) -> int:
        """One of `tied` by the earliest point where they differed, else by lot (recorded)."""
        if len(tied) == 1:
            return tied[0]
        group, point = self._earliest(tied, highest=highest)
        note: dict[str, Any] = {"among": [self.names[c] for c in sorted(tied)], "rule": rule}
        if len(group) == 1:
            chosen = group[0]
            note.update(decided_by="earlier stage", point=point, chose=self.names[chosen])
        else:
            chosen = self.ties.choose(group, purpose, len(self.stages))
            note.update(decided_by="lot", chose=self.names[chosen])
        self.stages[-1].setdefault("ties", []).append(note)
        return chosen

    # -- the count ---------------------------------------------------------------------------------

    def run(self) -> TallyResult:
        record: dict[str, Any] = {"stage": 1, "rule": "5.1", "action": "first preferences"}
        self.stages.append(record)
        self._point("stage 1")
        self._deem_elected(record, "5.1.7")
        self._close(record)
        while self._places() > 0:
            continuing = self._continuing()
            if len(continuing) <= self._places():  # 5.5.1 (nobody left to exclude)
                self._fill_last(continuing, [])
                break
            surplus = sum(self._surplus(c) for c in self.pending)
            group = self._excludable(continuing, surplus)
            if surplus > 0 and not group:  # 5.2.2: not deferred
                self._transfer_surplus()
                continue
            if not group:  # 5.2.5: nobody can go with the others; the single lowest
                low = min(int(self.totals[c]) for c in continuing)
                tied = [c for c in continuing if int(self.totals[c]) == low]
                group = [tied[0]] if len(tied) == 1 else []
                record = self._open("exclusion", "5.2.5, 5.4")
                if not group:
                    group = [
                        self._settle(tied, highest=False, rule="5.2.5", purpose="5.2.5: exclusion")
                    ]
            else:
                record = self._open("exclusion", "5.2.5, 5.4")
            if surplus > 0:
                record["deferred_surpluses"] = {
                    self.names[c]: _votes(self._surplus(c)) for c in self.pending
                }
                record["deferred_by"] = "5.2.2"
            if len(continuing) - len(group) <= self._places():  # 5.5.1
                self.stages.pop()
                self._fill_last([c for c in continuing if c not in group], group)
                if "ties" in record:
                    self.stages[-1]["last_vacancies"]["ties"] = record["ties"]
                break
            self._exclude(group, record)
        for c in self._continuing():  # 5.5.2: the rest are formally excluded
            self.continuing[c] = False
        return self._result()

    def _open(self, action: str, rule: str) -> dict[str, Any]:
        record: dict[str, Any] = {"stage": len(self.stages) + 1, "rule": rule, "action": action}
        self.stages.append(record)
        return record

    def _close(self, record: dict[str, Any]) -> None:
        progress(f"stage {record['stage']}: {record['action']}")
        record["tallies"] = {
            self.names[c]: _votes(self.totals[c])
            for c in range(len(self.names))
            if self.continuing[c] or c in self.elected or self.totals[c]
        }
        record["quota"] = _votes(self.quota)
        record["non_transferable_total"] = _votes(self.non_transferable)
        record["lost_to_truncation_total"] = _votes(self.lost)
        record.setdefault("elected", [])

    def _deem_elected(self, record: dict[str, Any], rule: str) -> None:
        """5.1.7 / 5.3.13 / 5.4.9, ties as 5.6.2: in descending order of votes, up to the places left."""
        elected = record.setdefault("elected", [])
        while self._places() > 0:
            continuing = self._continuing()
            if not continuing:
                return
            places = self._places()
            active = self._active()

            top = max(int(self.totals[c]) for c in continuing)
            by_quota = top >= max(self.quota, 1)  # (a)
            by_active = top > 0 and top * (places + 1) >= active  # (b)
            if not (by_quota or by_active):
                return
            tied = [c for c in continuing if int(self.totals[c]) == top]
            chosen = self._in_order(tied, places, record)
            for c in chosen:
                self.continuing[c] = False
                self.elected.append(c)
                if int(self.totals[c]) > self.quota:
                    self.pending.append(c)
                elected.append(
                    {
                        "candidate": self.names[c],
                        "votes": _votes(self.totals[c]),
                        "surplus": _votes(self._surplus(c)),
                        "rule": f"{rule}(a)" if int(self.totals[c]) >= self.quota else f"{rule}(b)",
                    }
                )
            if len(chosen) < len(tied):
                return  # 5.6.2: the rest of the tie are not deemed elected at this stage

    def _in_order(self, tied: list[int], places: int, record: dict[str, Any]) -> list[int]:
        """Tied candidates who can be deemed elected now, best first (5.6.2)."""
        remaining = sorted(tied)
        chosen: list[int] = []
        while remaining:
            tier, _ = self._earliest(remaining, highest=True)
            if len(chosen) + len(tier) > places:
                break
            chosen.extend(tier)
            for c in tier:
                remaining.remove(c)
        if len(tied) > places:
            note: dict[str, Any] = {"among": [self.names[c] for c in tied], "rule": "5.6.2"}
            if len(chosen) == places:
                note["decided_by"] = "earlier stage"
            else:
                note["decided_by"] = "equal at every point: not deemed elected at this stage"
            note.update(
                chose=[self.names[c] for c in chosen],
                not_elected=[self.names[c] for c in remaining],
            )
            record.setdefault("ties", []).append(note)
        return chosen

    def _excludable(self, continuing: list[int], surplus: int) -> list[int]:
        """5.2.5 (and 5.2.2): the most lowest candidates that may be excluded together, or none."""
        ordered = sorted(continuing, key=lambda c: int(self.totals[c]))
        levels = sorted({int(self.totals[c]) for c in continuing})
        group: list[int] = []
        best: list[int] = []
        held = 0
        for level, above in pairwise(levels):
            cluster = [c for c in ordered if int(self.totals[c]) == level]
            group = group + cluster
            held += level * len(cluster)
            if held + surplus <= above and len(continuing) - len(group) >= self._places():
                best = list(group)
        return best

    def _transfer_surplus(self) -> None:
        """5.2.3 and 5.3: the largest surplus, from the last received batch only."""
        record = self._open("surplus", "5.2.3, 5.3")
        top = max(self._surplus(c) for c in self.pending)
        tied = [c for c in self.pending if self._surplus(c) == top]
        source = self._settle(tied, highest=True, rule="5.2.3", purpose="5.2.3: order of surpluses")
        self.pending.remove(source)
        surplus = self._surplus(source)
        held = np.flatnonzero(self.current == source).astype(np.int64)
        last = int(self.batch[held].max()) if held.size else 0
        rows = held[self.batch[held] == last]  # 5.3.1, 5.3.2
        positions, candidates = advance(self.orders, rows, self.position[rows] + 1, self.continuing)
        moving = candidates >= 0
        rows, positions, candidates = rows[moving], positions[moving], candidates[moving]
        papers = int(self.counts[rows].sum())
        present = int((self.counts[rows] * self.value[rows]).sum())
        if present > surplus:  # 5.3.7
            transfer_value = surplus // papers
            values = np.full(rows.size, transfer_value, dtype=np.int64)
        else:
            values = self.value[rows].copy()
        self.batches += 1
        self.position[rows] = positions
        self.current[rows] = candidates
        self.value[rows] = values
        self.batch[rows] = self.batches
        credited = self._credit(candidates, values, rows)
        moved = int(credited.sum())
        # 5.3.9, 6.11: what the truncated transfer value leaves behind; a surplus larger than
        # the transferable papers are worth leaves the rest with no next preference.
        lost = surplus - moved if present > surplus else 0
        non_transferable = surplus - moved - lost
        self.totals += credited
        self.totals[source] = self.quota
        self.lost += lost
        self.non_transferable += non_transferable
        record.update(
            {
                "from": self.names[source],
                "surplus": _votes(surplus),
                "batch_examined": "all papers (5.3.1)" if last == 0 else "last batch (5.3.2)",
                "transferable_papers": papers,
                "transferable_value": _votes(present),
                "transfer_value": (
                    _votes(int(values[0])) if present > surplus and rows.size else "present value"
                ),
                "transfers": self._named(credited),
                "non_transferable": _votes(non_transferable),
                "lost_to_truncation": _votes(lost),
            }
        )
        self._point(f"stage {record['stage']}")
        self._deem_elected(record, "5.3.13")
        self._close(record)

    def _exclude(self, group: list[int], record: dict[str, Any]) -> None:
        """5.4: the papers of the excluded, in batches by descending value, elections between."""
        for c in group:
            self.continuing[c] = False
            self.excluded.append(c)
        record["excluded"] = [self.names[c] for c in group]
        record["votes"] = {self.names[c]: _votes(self.totals[c]) for c in group}
        mine = np.isin(self.current, np.array(group, dtype=np.int64))
        values = sorted({int(v) for v in self.value[mine]}, reverse=True)  # 5.4.1
        batches: list[dict[str, Any]] = []
        record["batches"] = batches
        for number, value in enumerate(values, start=1):
            if self._places() == 0:
                break  # 5.5.2
            rows = np.flatnonzero(mine & (self.value == value)).astype(np.int64)
            mine[rows] = False
            taken = self._credit(self.current[rows], self.value[rows], rows)
            self.totals -= taken
            positions, candidates = advance(
                self.orders, rows, self.position[rows] + 1, self.continuing
            )
            self.batches += 1
            self.position[rows] = positions
            self.current[rows] = candidates
            self.batch[rows] = self.batches
            credited = self._credit(candidates, self.value[rows], rows)
            dead = candidates < 0
            non_transferable = int((self.counts[rows][dead] * self.value[rows][dead]).sum())
            self.totals += credited
            self.non_transferable += non_transferable
            batch: dict[str, Any] = {
                "batch": number,
                "value": _votes(value),
                "papers": int(self.counts[rows].sum()),
                "transfers": self._named(credited),
                "non_transferable": _votes(non_transferable),
            }
            batches.append(batch)
            if not self.elected and non_transferable:  # 5.4.8
                lost = self.non_transferable + self.lost
                self.quota = self._droop(self.valid * SCALE - lost)
                batch["quota_recalculated"] = {"rule": "5.4.8", "quota": _votes(self.quota)}
            self._point(f"stage {record['stage']}, batch {number}")
            self._deem_elected(batch, "5.4.9")
            if batch["elected"]:
                record.setdefault("elected", []).extend(batch["elected"])
            else:
                del batch["elected"]
            if "ties" in batch:
                record.setdefault("ties", []).extend(batch.pop("ties"))
        self._close(record)

    def _fill_last(self, continuing: list[int], excluded: list[int]) -> None:
        """5.5.1: as many continuing candidates as places; they are deemed elected, nothing moves."""
        ordered = sorted(continuing, key=lambda c: (-int(self.totals[c]), c))
        for c in excluded:
            self.continuing[c] = False
            self.excluded.append(c)
        for c in ordered:
            self.continuing[c] = False
            self.elected.append(c)
        self.stages[-1]["last_vacancies"] = {
            "rule": "5.5.1",
            "excluded": [self.names[c] for c in excluded],
            "elected": [self.names[c] for c in ordered],
        }

    def _named(self, amounts: Ints) -> dict[str, float]:
        return {self.names[c]: _votes(amounts[c]) for c in np.flatnonzero(amounts)}

    def _result(self) -> TallyResult:
        evidence = {
            "rules": SOURCE,
            "valid_ballots": self.valid,
            "quota": _votes(self.quota),
            "precision": "2 decimal places, remainders ignored (5.1.6, 5.3.7)",
            "withdrawn": [self.names[c] for c in self.withdrawn],
            "excluded": [self.names[c] for c in self.excluded],
            "non_transferable": _votes(self.non_transferable),
            "lost_to_truncation": _votes(self.lost),
        }
        return TallyResult(
            "stv-ers97",
            tuple(self.names[c] for c in self.elected),
            rounds=tuple(self.stages),
            evidence=evidence,
        )
