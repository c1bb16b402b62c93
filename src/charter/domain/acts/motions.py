"""Motions and votes: table, second, withdraw, open, ballot, close, declare.

A body exercises its powers only through motions: a motion may carry an
`action` (appoint, elect, dismiss, amend, ...), checked against the body's
grants when it is tabled (an out-of-order motion is refused at once) and again
when its result is declared, and taking effect only if carried.

Who may table, second or put a motion to the vote in a body: the holders of a
clause granting `propose-motion`, `second` or `set-agenda` over that body; where
no clause grants it for that body, every seat holder of the body may.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from charter.domain.acts.args import Args
from charter.domain.acts.model import Act, Outcome
from charter.domain.acts.powers import POWER_ACTS, Parsed, PowerSpec, exercise
from charter.domain.authority import Target, authorize, reaches, seat_count, seat_holders
from charter.domain.constitution import Grant, grants_of
from charter.domain.constitution.model import Procedure
from charter.domain.state import Motion, MotionStatus, PolityState
from charter.domain.voting import Count, count_decision, recorded_decision
from charter.errors import ActError

__all__ = ["MOTION_ACTS"]

Step = tuple[PolityState, Outcome]

BODY_ACTIONS = (
    "admit",
    "expel",
    "appoint",
    "elect",
    "dismiss",
    "nominate",
    "amend",
    "inspect",
    "exercise",
)


def _agenda_right(state: PolityState, act: Act, power: str, body: str) -> tuple[str | None, str]:
    """(clause, '') if `act.actor` may use `power` in `body`, else (None, reason)."""
    c = state.constitution
    target = Target("body", body)
    claimed = [g for g in grants_of(c) if g.power == power and reaches(state, g, target, act.time)]
    held = [g for g in claimed if _someone_holds(state, g, act.time)]
    if not held:
        if act.actor in seat_holders(state, body, act.time):
            where = "members" if body == "members" else f"bodies.{body}"
            if claimed:
                vacant = ", ".join(g.clause for g in claimed)
                why = f"nobody now holds {vacant}, so the seat holders act in its stead"
            else:
                why = "no clause grants it there"
            return f"{where}: any seat holder may use '{power}' ({why})", ""
        return None, f"{act.actor} holds no seat in {c.label(body)} and no power '{power}' there"
    decision = authorize(
        state,
        actor=act.actor,
        power=power,
        target=target,
        at=act.time,
        capacity=act.capacity,
        cosigners=act.cosigned_by,
    )
    if decision.grant is None:
        return None, decision.reason
    return decision.grant.clause, ""


def _someone_holds(state: PolityState, grant: Grant, at: datetime) -> bool:
    """Whether any person can use `grant` now: an office with a holder, or a member's own power.

    Agenda powers left with nobody to use them (a vacant chair) fall back to the
    seat holders, so that a body can always meet to fill the vacancy.
    """
    if grant.holder_kind == "office":
        return bool(state.holders(grant.holder, at))
    return grant.personal and bool(state.members)


def _motion(state: PolityState, args: Args) -> Motion:
    name = args.text("motion")
    motion = state.motions.get(name)
    if motion is None:
        raise ActError(f"unknown motion '{name}'", path=args.path("motion"))
    return motion


def _action(state: PolityState, args: Args) -> tuple[PowerSpec, Parsed, str] | None:
    raw = args.mapping("action", required=False)
    if raw is None:
        return None
    inner = Args(raw, args.path("action"))
    kind = inner.choice("act", BODY_ACTIONS)
    spec = POWER_ACTS[kind]
    power = inner.text("power") if kind == "exercise" else kind
    if kind == "exercise" and power not in state.constitution.custom_powers:
        raise ActError(f"unknown custom power '{power}'", path=inner.path("power"))
    parsed = spec.parse(state, inner)
    inner.finish()
    return spec, parsed, power


def _procedure_name(
    state: PolityState, body: str, action: tuple[PowerSpec, Parsed, str] | None, at: datetime
) -> str | None:
    c = state.constitution
    if action is not None:
        _, parsed, power = action
        decision = authorize(state, actor=body, power=power, target=parsed.target, at=at, body=body)
        if decision.grant is not None and decision.grant.procedure is not None:
            return decision.grant.procedure
    if body in c.bodies:
        return c.bodies[body].procedure
    return "ordinary" if "ordinary" in c.procedures else None


def _table(state: PolityState, act: Act) -> Step:
    args = Args(act.args)
    body = args.body(state)
    name = args.text("motion")
    if name in state.motions:
        raise ActError(f"motion '{name}' already exists", path=args.path("motion"))
    text = args.text("text")
    matter = args.matter(state)
    action = _action(state, args)
    args.finish()
    clause, reason = _agenda_right(state, act, "propose-motion", body)
    if clause is None:
        return state, Outcome.refuse(reason)
    if action is not None:
        spec, parsed, power = action
        trial, why, _ = exercise(
            state,
            spec,
            parsed,
            actor=body,
            power=power,
            at=act.time,
            index=state.next_index,
            body=body,
        )
        if trial is None:
            return state, Outcome.refuse(f"motion out of order: {why}")
    procedure = _procedure_name(state, body, action, act.time)
    if procedure is None:
        return state, Outcome.refuse(f"no procedure is declared by which {body} decides")
    motion = Motion(
        id=name,
        body=body,
        mover=act.actor,
        text=text,
        tabled_at=act.time,
        procedure=procedure,
        action=dict(act.args["action"]) if action is not None else None,
        matter=matter,
    )
    return state.with_motion(motion), Outcome.grant(clause, f"motion '{name}' tabled in {body}")


def _second(state: PolityState, act: Act) -> Step:
    args = Args(act.args)
    motion = _motion(state, args)
    args.finish()
    if motion.status != "tabled":
        return state, Outcome.refuse(
            f"motion '{motion.id}' is {motion.status}, not awaiting a seconder"
        )
    if motion.seconder is not None:
        return state, Outcome.refuse(
            f"motion '{motion.id}' is already seconded by {motion.seconder}"
        )
    if act.actor == motion.mover:
        return state, Outcome.refuse(f"{act.actor} moved '{motion.id}' and cannot second it")
    clause, reason = _agenda_right(state, act, "second", motion.body)
    if clause is None:
        return state, Outcome.refuse(reason)
    return state.with_motion(replace(motion, seconder=act.actor)), Outcome.grant(
        clause, f"motion '{motion.id}' seconded"
    )


def _withdraw(state: PolityState, act: Act) -> Step:
    args = Args(act.args)
    motion = _motion(state, args)
    args.finish()
    if act.actor != motion.mover:
        return state, Outcome.refuse(
            f"only its mover ({motion.mover}) may withdraw motion '{motion.id}'"
        )
    if motion.status not in ("tabled", "open"):
        return state, Outcome.refuse(
            f"motion '{motion.id}' is {motion.status} and can no longer be withdrawn"
        )
    withdrawn = replace(motion, status="withdrawn", closed_at=act.time)
    return state.with_motion(withdrawn), Outcome.grant(
        f"mover of motion '{motion.id}'", f"motion '{motion.id}' withdrawn"
    )


def _procedure(state: PolityState, motion: Motion) -> Procedure:
    procedure = state.constitution.procedures.get(motion.procedure)
    if procedure is None:  # abolished by an amendment while the motion was pending
        return Procedure()
    return procedure


def _open(state: PolityState, act: Act) -> Step:
    args = Args(act.args)
    motion = _motion(state, args)
    args.finish()
    if motion.status != "tabled":
        return state, Outcome.refuse(
            f"motion '{motion.id}' is {motion.status}; only a tabled motion can be put to the vote"
        )
    clause, reason = _agenda_right(state, act, "set-agenda", motion.body)
    if clause is None:
        return state, Outcome.refuse(reason)
    procedure = _procedure(state, motion)
    if procedure.seconding and motion.seconder is None:
        return state, Outcome.refuse(
            f"motion '{motion.id}' has not been seconded (procedures.{motion.procedure}.seconding)"
        )
    debate_ends = procedure.debate.after(motion.tabled_at)
    if act.time < debate_ends:
        return state, Outcome.refuse(
            f"the debate period of {procedure.debate.describe()} (procedures.{motion.procedure}.debate)"
            f" ends on {debate_ends.date().isoformat()}"
        )
    opened = replace(motion, status="open", opened_at=act.time)
    return state.with_motion(opened), Outcome.grant(clause, f"vote on '{motion.id}' opened")


def _ballot(state: PolityState, act: Act) -> Step:
    args = Args(act.args)
    motion = _motion(state, args)
    choice = args.choice("choice", ("yes", "no", "abstain"))
    args.finish()
    if motion.status != "open":
        return state, Outcome.refuse(f"the vote on '{motion.id}' is not open ({motion.status})")
    if act.actor not in seat_holders(state, motion.body, act.time):
        return state, Outcome.refuse(
            f"{act.actor} holds no seat in {state.constitution.label(motion.body)}"
        )
    if act.actor in motion.ballots:
        return state, Outcome.refuse(f"{act.actor} has already voted on '{motion.id}'")
    ballots = motion.ballots.set(act.actor, choice)
    basis = "members" if motion.body == "members" else f"bodies.{motion.body}: seat holder"
    return state.with_motion(replace(motion, ballots=ballots)), Outcome.grant(
        basis, f"ballot cast on '{motion.id}'"
    )


def _close(state: PolityState, act: Act) -> Step:
    args = Args(act.args)
    motion = _motion(state, args)
    args.finish()
    if motion.status != "open":
        return state, Outcome.refuse(f"the vote on '{motion.id}' is not open ({motion.status})")
    clause, reason = _agenda_right(state, act, "set-agenda", motion.body)
    if clause is None:
        return state, Outcome.refuse(reason)
    closed = replace(motion, status="closed", closed_at=act.time)
    return state.with_motion(closed), Outcome.grant(clause, f"vote on '{motion.id}' closed")


def _counted(
    state: PolityState, motion: Motion, args: Args, seats: int
) -> tuple[Count | bool, int]:
    """The count to declare (or the recorded verdict, where no count survives) and the seats it is out of.

    Counts come from the ballots cast in the record; a result taken from history
    may instead give `counts` (and, for a body of no fixed size, the `seats` that
    sat), or `recorded: carried|failed` where the sources give no count at all.
    """
    given = args.mapping("counts", required=False)
    recorded = args.values.get("recorded")
    if (given is not None or recorded is not None) and motion.ballots:
        raise ActError(
            f"{len(motion.ballots)} ballots were cast on '{motion.id}'; its result is counted from them",
            path=args.path("counts" if given is not None else "recorded"),
        )
    if given is not None and recorded is not None:
        raise ActError("give either counts or a recorded verdict, not both", path=args.prefix)
    if recorded is not None:
        return args.choice("recorded", ("carried", "failed")) == "carried", seats
    if given is None:
        choices = list(motion.ballots.values())
        return Count(choices.count("yes"), choices.count("no"), choices.count("abstain")), seats
    inner = Args(given, args.path("counts"))
    count = Count(inner.count("yes"), inner.count("no"), inner.count("abstain"))
    if "seats" in given:
        sat = inner.count("seats")
        declared = state.constitution.bodies.get(motion.body)
        if declared is not None and declared.seats is not None and sat != declared.seats:
            raise ActError(
                f"{motion.body} has {declared.seats} seats, not {sat}", path=inner.path("seats")
            )
        seats = sat
    inner.finish()
    if count.ballots > seats:
        raise ActError(
            f"{count.ballots} votes recorded but the body has {seats} seats",
            path=args.path("counts"),
        )
    return count, seats


def _stored_action(
    state: PolityState, motion: Motion
) -> tuple[tuple[PowerSpec, Parsed, str] | None, str]:
    """The motion's action read against today's constitution, or why it no longer reads:
    an amendment may have abolished what it names since it was tabled."""
    if motion.action is None:
        return None, ""
    try:
        return _action(state, Args({"action": motion.action})), ""
    except ActError as error:
        return None, f"{error.path.removeprefix('args.')}: {error.message} (since amended)"


def _declare(state: PolityState, act: Act) -> Step:
    args = Args(act.args)
    motion = _motion(state, args)
    seats = seat_count(state, motion.body, act.time)
    if motion.status not in ("open", "closed"):
        args.finish(allowed=("counts", "recorded"))
        return state, Outcome.refuse(
            f"motion '{motion.id}' is {motion.status}; only a vote that was opened has a result"
        )
    count, seats = _counted(state, motion, args, seats)
    args.finish()
    clause, reason = _agenda_right(state, act, "set-agenda", motion.body)
    if clause is None:
        return state, Outcome.refuse(reason)
    procedure = _procedure(state, motion)
    action, stale = _stored_action(state, motion)
    threshold = procedure.threshold
    if action is not None:
        spec, parsed, power = action
        decision = authorize(
            state,
            actor=motion.body,
            power=power,
            target=parsed.target,
            at=act.time,
            body=motion.body,
        )
        if decision.grant is not None and decision.grant.threshold is not None:
            threshold = decision.grant.threshold
    if isinstance(count, bool):
        result = recorded_decision(count, seats, threshold)
    else:
        counted = procedure.abstentions == "counted"
        result = count_decision(
            procedure.method, count, seats, threshold, procedure.quorum, counted
        )
    effects = [f"'{motion.id}' {result.explanation}"]
    new_state = state
    effect = ""
    if result.carried and stale:
        effect = f"its action was refused: {stale}"
        effects.append(effect)
    if result.carried and action is not None:
        spec, parsed, power = action
        applied, why, action_effects = exercise(
            state,
            spec,
            parsed,
            actor=motion.body,
            power=power,
            at=act.time,
            index=state.next_index,
            body=motion.body,
            cosigners=act.cosigned_by,
        )
        if applied is None:
            effect = f"its action was refused: {why}"
            effects.append(effect)
        else:
            new_state = applied
            effect = f"{'; '.join(action_effects)} ({why})"
            effects.extend(action_effects)
    status: MotionStatus = "carried" if result.carried else "failed"
    finished = replace(
        motion, status=status, closed_at=motion.closed_at or act.time, result=result, effect=effect
    )
    return new_state.with_motion(finished), Outcome.grant(clause, *effects, result=result)


MOTION_ACTS = {
    "table-motion": _table,
    "second-motion": _second,
    "withdraw-motion": _withdraw,
    "open-vote": _open,
    "cast-ballot": _ballot,
    "close-vote": _close,
    "declare-result": _declare,
}
