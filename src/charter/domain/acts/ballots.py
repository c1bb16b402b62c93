"""Ballots: reading what a voter marked, checking it against the motion, and counting the marks.

One reader serves an open ballot (`cast-ballot`) and each ballot of a secret
vote's box (`close-vote`), so both meet the same rules: a yes/no motion takes
`choice: yes|no|abstain`; a choice motion takes a `ranking` of its options
(ranked methods), an `approve` list (approval), or a single `choice` (an
option, or `abstain` for a blank vote). A voter carrying several votes casts
them all one way, or splits them (`split`) where the procedure allows it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from charter.domain.acts.args import Args
from charter.domain.constitution.model import Procedure
from charter.domain.constitution.types import Threshold, describe_value
from charter.domain.state import Mark, Motion
from charter.domain.voting import Count, VoteResult, count_choice, count_decision, decision_kind
from charter.errors import ActError

__all__ = ["BALLOT_KEYS", "BallotRefusedError", "count_marks", "read_ballot", "read_box"]

BALLOT_KEYS = ("choice", "ranking", "approve", "split")
"""The arguments that say how a ballot is marked."""


class BallotRefusedError(Exception):
    """A well-formed ballot the motion cannot accept: the reason is refused, and recorded."""


def _family(motion: Motion, procedure: Procedure) -> str:
    from charter.domain.tally import methods

    info = methods().get(procedure.method)
    return info.family if info is not None else "yes-no"


def _names(args: Args, name: str) -> list[str]:
    args.read.add(name)
    value = args.values.get(name)
    if not isinstance(value, list | tuple) or not all(
        isinstance(item, str) and item for item in value
    ):
        raise ActError(
            f"expected a list of option names, got {describe_value(value)}",
            path=args.path(name),
        )
    return list(value)


def _checked(motion: Motion, names: Sequence[str], verb: str) -> tuple[str, ...]:
    seen: set[str] = set()
    for name in names:
        if name not in motion.options:
            noun = "candidate" if motion.election is not None else "option"
            listed = ", ".join(motion.options)
            raise BallotRefusedError(f"{name} is not a {noun} in '{motion.id}' ({noun}s: {listed})")
        if name in seen:
            raise BallotRefusedError(f"the ballot {verb} {name} twice")
        seen.add(name)
    return tuple(names)


def _mark(motion: Motion, procedure: Procedure, args: Args, votes: int) -> Mark:
    """One way of marking `votes` votes, read from exactly one of choice, ranking or approve."""
    given = [key for key in ("choice", "ranking", "approve") if key in args.values]
    if len(given) != 1:
        raise ActError(
            "mark the ballot with exactly one of choice, ranking or approve", path=args.prefix
        )
    key = given[0]
    if not motion.options:
        if key != "choice":
            raise BallotRefusedError(
                f"'{motion.id}' is a yes/no motion: vote with choice yes, no or abstain"
            )
        return Mark(votes, choice=args.choice("choice", ("yes", "no", "abstain")))
    approval = _family(motion, procedure) == "approval"
    if key == "choice":
        value = args.text("choice")
        if value not in motion.options and value == "abstain":
            return Mark(votes)
        return Mark(votes, ranking=_checked(motion, [value], "marks"))
    if key == "ranking" and approval:
        raise BallotRefusedError(
            f"'{motion.id}' is counted by {procedure.method}: approve options (approve: [...]),"
            " do not rank them"
        )
    if key == "approve" and not approval:
        raise BallotRefusedError(
            f"'{motion.id}' is counted by {procedure.method}: rank the options (ranking: [...])"
        )
    verb = "ranks" if key == "ranking" else "approves"
    return Mark(votes, ranking=_checked(motion, _names(args, key), verb))


def _marks(
    motion: Motion, procedure: Procedure, args: Args, votes: int, voter: str
) -> tuple[Mark, ...]:
    if "split" not in args.values:
        return (_mark(motion, procedure, args, votes),)
    if not procedure.split_votes:
        raise BallotRefusedError(
            f"procedures.{motion.procedure} does not allow splitting votes (split_votes)"
        )
    if any(key in args.values for key in ("choice", "ranking", "approve")):
        raise ActError(
            "a split ballot marks each part inside split, not beside it", path=args.prefix
        )
    parts = args.sequence("split")
    marks = []
    for index, raw in enumerate(parts):
        part = Args(raw, f"{args.path('split')}[{index}]")
        share = part.count("votes")
        if share < 1:
            raise ActError(
                "each part of a split carries at least one vote", path=part.path("votes")
            )
        marks.append(_mark(motion, procedure, part, share))
        part.finish()
    given = sum(mark.votes for mark in marks)
    if given != votes:
        raise BallotRefusedError(f"the split gives {given} votes; {voter} carries {votes}")
    return tuple(marks)


def read_ballot(
    motion: Motion, procedure: Procedure, args: Args, votes: int, voter: str
) -> tuple[Mark, ...]:
    """The marks of an open ballot; BallotRefusedError (recorded) or ActError (malformed) if unfit."""
    return _marks(motion, procedure, args, votes, voter)


def read_box(
    motion: Motion, procedure: Procedure, raw: Any, path: str, expected: int
) -> tuple[Mark, ...]:
    """The anonymous ballots of a secret vote, each with its voter's receipt, checked together.

    The box must hold exactly the votes recorded as cast, each receipt once; it
    is kept sorted by receipt, so its order says nothing about who voted when.
    """
    if not isinstance(raw, list | tuple):
        raise ActError(f"expected a list of ballots, got {describe_value(raw)}", path=path)
    ballots: list[tuple[str, tuple[Mark, ...]]] = []
    for index, item in enumerate(raw):
        where = f"{path}[{index}]"
        args = Args(item, where)
        receipt = args.text("receipt")
        votes = args.count("votes") if "votes" in args.values else 1
        if "split" in args.values:
            votes = sum(
                part.get("votes", 0) if isinstance(part, Mapping) else 0
                for part in args.values["split"] or ()
            )
        try:
            marks = _marks(motion, procedure, args, votes, "the voter")
        except BallotRefusedError as refusal:
            raise BallotRefusedError(f"box[{index}]: {refusal}") from None
        args.finish(allowed=("votes",))
        ballots.append((receipt, marks))
    receipts = [receipt for receipt, _ in ballots]
    if len(set(receipts)) != len(receipts):
        twice = next(r for r in receipts if receipts.count(r) > 1)
        raise BallotRefusedError(f"the box holds receipt {twice} twice")
    held = sum(mark.votes for _, marks in ballots for mark in marks)
    if held != expected:
        raise BallotRefusedError(f"the box holds {held} votes but {expected} were cast")
    ballots.sort(key=lambda pair: pair[0])
    return tuple(
        Mark(mark.votes, mark.choice, mark.ranking, receipt)
        for receipt, marks in ballots
        for mark in marks
    )


def count_marks(
    motion: Motion,
    procedure: Procedure,
    marks: Sequence[Mark],
    *,
    total: int,
    threshold: Threshold,
    seed: str | None = None,
) -> VoteResult:
    """Count the marks by the procedure: yes/no against the threshold, or a choice by its tally method."""
    if not motion.options:
        yes = sum(m.votes for m in marks if m.choice == "yes")
        no = sum(m.votes for m in marks if m.choice == "no")
        abstain = sum(m.votes for m in marks if m.choice == "abstain")
        counted = procedure.abstentions == "counted"
        return count_decision(
            procedure.method if decision_kind(procedure.method) == "yes-no" else "majority",
            Count(yes, no, abstain),
            total,
            threshold,
            procedure.quorum,
            counted,
        )
    approval = _family(motion, procedure) == "approval"
    preferences: list[tuple[Sequence[str | Sequence[str]], int]] = []
    for mark in marks:
        if mark.ranking:
            order: Sequence[str | Sequence[str]] = [mark.ranking] if approval else mark.ranking
            preferences.append((order, mark.votes))
    blank = sum(m.votes for m in marks if not m.ranking)
    return count_choice(
        procedure.method,
        motion.options,
        preferences,
        blank=blank,
        seats=motion.seats,
        total=total,
        quorum=procedure.quorum,
        seed=seed,
    )
