"""STV as Scottish councils count it: The Scottish Local Government Elections Order 2007.

Source: SSI 2007/42, Schedule 1, rules 45-52 ("Counting of votes"), carried
into the Scottish Local Government Elections Order 2011 (SSI 2011/399) in the
same words; legislation.gov.uk/ssi/2007/42/schedule/1. The rules, as counted
here (rule numbers are cited in the code and in every stage record):

- 45 First stage: each valid ballot paper credits one vote to its first
  preference. A paper with no preference at all is not valid and is not
  counted. Withdrawn candidates are never continuing (papers skip them).
- 46 Quota: valid papers divided by (seats + 1), decimals ignored, plus one.
- 47 A candidate whose votes equal or exceed the quota at any stage is deemed
  elected (and from then on receives no transfers).
- 48 Surplus (votes above quota) transfer, Weighted Inclusive Gregory: every
  paper the elected candidate holds moves to its next available preference
  for a continuing candidate with the transfer value
  `surplus x value_when_received / candidate's total votes`, computed to five
  decimal places with any remainder ignored; papers with no such preference
  are non-transferable. Value lost to the truncation stays with no one and is
  recorded.
- 49 With several surpluses, the largest is transferred first, one per stage;
  equal surpluses: the candidate with more votes at the most recent stage
  where they differed goes first; equal at every stage: by lot.
- 50 With no surplus to transfer, the continuing candidate with the fewest
  votes is excluded and all their papers move on at the value they carry.
- 51 Equal lowest: the one lowest at the most recent stage where they
  differed is excluded; equal at every stage: by lot.
- 52 When the continuing candidates are as many as the vacancies, they are
  all deemed elected and no further transfer is made.

"By lot" is the count's TieBreaker, recorded. Arithmetic is exact: every
value is an integer number of 1/100000ths of a vote (NumPy int64), so the
five-decimal truncation of rule 48(3) is integer floor division.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from charter.domain.tally.profile import Profile
from charter.domain.tally.registry import TallyResult, TieBreaker, progress, tally_method
from charter.domain.tally.stv_common import Ints, advance, ballots_of, by_history, integral_counts

__all__ = ["stv_scottish"]

SCALE = 100_000  # rule 48(3): five decimal places
SOURCE = "Scottish Local Government Elections Order 2007 (SSI 2007/42), Schedule 1, rules 45-52"


def _votes(units: int | np.int64) -> float:
    """Fixed-point units as a number of votes (the float's shortest repr is the exact decimal)."""
    return int(units) / SCALE


@tally_method(
    "stv-scottish",
    summary="STV by the Scottish council rules (SSI 2007/42): Droop quota, WIG, 5 decimals",
    family="proportional",
    multi_winner=True,
    tie_rule="rules 49 and 51: most recent stage where the tied differed, then by lot (TieBreaker)",
)
def stv_scottish(profile: Profile, seats: int, ties: TieBreaker) -> TallyResult:
    return _Count(profile, seats, ties).run()


class _Count:
    def __init__(self, profile: Profile, seats: int, ties: TieBreaker) -> None:
        self.names = profile.candidates
        self.seats = seats
        self.ties = ties
        ballots = ballots_of(profile)
        self.orders = ballots.orders
        self.counts = integral_counts(ballots, "stv-scottish")
        n = len(self.names)
        self.continuing = np.ones(n, dtype=bool)
        for c in profile.withdrawn:
            self.continuing[c] = False
        self.withdrawn = sorted(profile.withdrawn)
        self.valid = int(self.counts.sum())
        self.quota = (self.valid // (seats + 1) + 1) * SCALE  # rule 46
        self.value = np.full(ballots.rows, SCALE, dtype=np.int64)
        rows = np.arange(ballots.rows, dtype=np.int64)
        self.position, self.current = advance(
            self.orders, rows, np.zeros(ballots.rows, dtype=np.int64), self.continuing
        )
        self.totals = self._credit(self.current, self.value)
        self.elected: list[int] = []
        self.excluded: list[int] = []
        self.pending: list[int] = []  # deemed elected, surplus not yet transferred (rule 49)
        self.history: list[Ints] = []
        self.stages: list[dict[str, Any]] = []
        self.non_transferable = 0
        self.lost = 0

    # -- arithmetic on ballot rows ---------------------------------------------------------------

    def _credit(self, candidates: Ints, values: Ints, rows: Ints | None = None) -> Ints:
        """Votes per candidate (fixed-point) from rows pointing at `candidates` with `values`."""
        counts = self.counts if rows is None else self.counts[rows]
        into = np.zeros(len(self.names), dtype=np.int64)
        live = candidates >= 0
        np.add.at(into, candidates[live], counts[live] * values[live])
        return into

    def _move(self, rows: Ints, values: Ints) -> tuple[Ints, int]:
        """Move `rows` to their next continuing preference carrying `values`; (credited, non-transferable)."""
        positions, candidates = advance(self.orders, rows, self.position[rows] + 1, self.continuing)
        self.position[rows] = positions
        self.current[rows] = candidates
        self.value[rows] = values
        credited = self._credit(candidates, values, rows)
        dead = candidates < 0
        non_transferable = int((self.counts[rows][dead] * values[dead]).sum())
        return credited, non_transferable

    # -- the count ---------------------------------------------------------------------------------

    def run(self) -> TallyResult:
        self._end_stage({"stage": 1, "rule": "45", "action": "first preferences"})
        while True:
            self._deem_elected()
            vacancies = self.seats - len(self.elected)
            if vacancies <= 0:
                break
            continuing = [int(c) for c in np.flatnonzero(self.continuing)]
            if len(continuing) <= vacancies:  # rule 52
                self._fill_last(continuing)
                break
            surpluses = [c for c in self.pending if self.totals[c] > self.quota]
            self.pending = surpluses
            if surpluses:
                self._transfer_surplus(surpluses)
            else:
                self._exclude(continuing)
        return self._result()

    def _end_stage(self, record: dict[str, Any]) -> None:
        self.history.append(self.totals.copy())
        record["tallies"] = {
            self.names[c]: _votes(self.totals[c])
            for c in range(len(self.names))
            if self.continuing[c] or c in self.elected
        }
        record["elected"] = []
        self.stages.append(record)
        what = record["action"] + (f" of {record['from']}" if "from" in record else "")
        progress(f"stage {record['stage']}: {what}; {len(self.elected)} elected so far")

    def _deem_elected(self) -> None:
        """Rule 47: everyone at or above the quota, listed highest first (ties as rule 49)."""
        reached = [int(c) for c in np.flatnonzero(self.continuing & (self.totals >= self.quota))]
        stage = self.stages[-1]
        while reached:
            top = max(self.totals[c] for c in reached)
            tied = [c for c in reached if self.totals[c] == top]
            chosen, note = self._break(tied, highest=True, purpose="rule 49: order of surpluses")
            if note is not None:
                note["rule"] = "49(2)" if note["decided_by"] == "earlier stage" else "49(3)"
                stage.setdefault("ties", []).append(note)
            reached.remove(chosen)
            self.continuing[chosen] = False
            self.elected.append(chosen)
            self.pending.append(chosen)
            stage["elected"].append(
                {
                    "candidate": self.names[chosen],
                    "votes": _votes(self.totals[chosen]),
                    "surplus": _votes(self.totals[chosen] - self.quota),
                    "rule": "47",
                }
            )

    def _break(
        self, tied: list[int], *, highest: bool, purpose: str
    ) -> tuple[int, dict[str, Any] | None]:
        if len(tied) == 1:
            return tied[0], None
        return by_history(
            tied,
            self.history,
            highest=highest,
            ties=self.ties,
            purpose=purpose,
            stage=len(self.stages),
            names=self.names,
        )

    def _transfer_surplus(self, surpluses: list[int]) -> None:
        """Rules 48 and 49: the largest surplus moves, every paper at surplus x value / total."""
        top = max(self.totals[c] for c in surpluses)
        # Equal surpluses: `pending` is already in the rule-49 order fixed when they were elected.
        source = next(c for c in surpluses if self.totals[c] == top)
        self.pending.remove(source)
        total = int(self.totals[source])
        surplus = total - self.quota
        rows = np.flatnonzero(self.current == source).astype(np.int64)
        received = self.value[rows]
        values = (surplus * received) // total  # rule 48(3): five decimals, remainder ignored
        credited, non_transferable = self._move(rows, values)
        moved = int(credited.sum())
        lost = surplus - moved - non_transferable
        self.totals += credited
        self.totals[source] = self.quota
        self.non_transferable += non_transferable
        self.lost += lost
        # Papers received at one value all transfer at one value: a class per value received.
        levels = np.unique(received)[::-1]
        classes = zip(levels.tolist(), ((surplus * levels) // total).tolist(), strict=True)
        self._end_stage(
            {
                "stage": len(self.stages) + 1,
                "rule": "48, 49",
                "action": "surplus",
                "from": self.names[source],
                "surplus": _votes(surplus),
                "total_votes": _votes(total),
                "transfer_values": [
                    {"value_received": _votes(v), "transfer_value": _votes(t)} for v, t in classes
                ],
                "transfers": self._named(credited),
                "non_transferable": _votes(non_transferable),
                "lost_to_truncation": _votes(lost),
            }
        )

    def _exclude(self, continuing: list[int]) -> None:
        """Rules 50 and 51: the lowest continuing candidate goes; papers move at the value they carry."""
        low = min(self.totals[c] for c in continuing)
        tied = [c for c in continuing if self.totals[c] == low]
        loser, note = self._break(tied, highest=False, purpose="rule 51: exclusion")
        self.continuing[loser] = False
        self.excluded.append(loser)
        rows = np.flatnonzero(self.current == loser).astype(np.int64)
        held = int(self.totals[loser])
        credited, non_transferable = self._move(rows, self.value[rows])  # rule 50(4)
        self.totals += credited
        self.totals[loser] = 0
        self.non_transferable += non_transferable
        record: dict[str, Any] = {
            "stage": len(self.stages) + 1,
            "rule": "50",
            "action": "exclusion",
            "from": self.names[loser],
            "votes": _votes(held),
            "transfers": self._named(credited),
            "non_transferable": _votes(non_transferable),
        }
        if note is not None:
            note["rule"] = "51(2)(a)" if note["decided_by"] == "earlier stage" else "51(2)(b)"
            record["ties"] = [note]
        self._end_stage(record)

    def _fill_last(self, continuing: list[int]) -> None:
        """Rule 52: as many continuing candidates as vacancies; they are elected, nothing moves."""
        ordered = sorted(continuing, key=lambda c: (-int(self.totals[c]), c))
        for c in ordered:
            self.continuing[c] = False
            self.elected.append(c)
        self.stages[-1]["last_vacancies"] = {
            "rule": "52",
            "elected": [self.names[c] for c in ordered],
        }

    def _named(self, amounts: Ints) -> dict[str, float]:
        return {self.names[c]: _votes(amounts[c]) for c in np.flatnonzero(amounts)}

    def _result(self) -> TallyResult:
        evidence = {
            "rules": SOURCE,
            "valid_ballots": self.valid,
            "quota": _votes(self.quota),
            "precision": "5 decimal places, remainders ignored (rule 48(3))",
            "withdrawn": [self.names[c] for c in self.withdrawn],
            "excluded": [self.names[c] for c in self.excluded],
            "non_transferable": _votes(self.non_transferable),
            "lost_to_truncation": _votes(self.lost),
        }
        self.stages[0]["quota"] = _votes(self.quota)
        return TallyResult(
            "stv-scottish",
            tuple(self.names[c] for c in self.elected),
            rounds=tuple(self.stages),
            evidence=evidence,
        )
