"""Motions and votes: table, second, withdraw, open, ballot, close, declare.

A body exercises its powers only through motions: a motion may carry an
`action` (appoint, elect, dismiss, amend, ...), checked against the body's
grants when it is tabled (an out-of-order motion is refused at once) and again
when its result is declared, and taking effect only if carried. A motion may
instead choose among `options`, or hold an `election` of candidates to an
office or body, counted by its procedure's tally method; or it may `amend`
another motion still tabled, whose wording (and action) it replaces if carried.

Who may table, second or put a motion to the vote in a body: the holders of a
clause granting `propose-motion`, `second` or `set-agenda` over that body; where
no clause grants it for that body, every seat holder of the body may.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from charter.domain.acts.args import Args
from charter.domain.acts.ballots import (
    BALLOT_KEYS,
    BallotRefusedError,
    count_marks,
    read_ballot,
    read_box,
)
from charter.domain.acts.federation import withdrawn_voters
from charter.domain.acts.majorities import member_majorities
from charter.domain.acts.model import Act, Outcome
from charter.domain.acts.powers import POWER_ACTS, Parsed, PowerSpec, exercise, ultra_vires
from charter.domain.authority import (
    Target,
    authorize,
    reaches,
    seat_holders,
    vote_total,
    vote_weight,
)
from charter.domain.constitution import Grant, grants_of
from charter.domain.constitution.model import Procedure
from charter.domain.persistent import pmap_get
from charter.domain.state import Mark, Motion, MotionStatus, PolityState, PostKind
from charter.domain.voting import Count, count_decision, decision_kind, recorded_decision
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
    "admit-polity",
    "join-federation",
    "leave-federation",
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
    motion = pmap_get(state.motions, name, None)
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


def _names_list(args: Args, name: str) -> tuple[str, ...]:
    values = args.sequence(name)
    for index, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            raise ActError("expected a name", path=f"{args.path(name)}[{index}]")
        if value in values[:index]:
            raise ActError(f"{value} is listed twice", path=f"{args.path(name)}[{index}]")
    return tuple(values)


def _seats(args: Args, options: tuple[str, ...]) -> int:
    if "seats" not in args.values:
        return 1
    seats = args.count("seats")
    if not 1 <= seats <= len(options):
        raise ActError(
            f"expected between 1 and {len(options)} (the number of options)",
            path=args.path("seats"),
        )
    return seats


Election = tuple[PostKind, str, tuple[str, ...], int]


def _election(state: PolityState, args: Args) -> Election | None:
    raw = args.mapping("election", required=False)
    if raw is None:
        return None
    inner = Args(raw, args.path("election"))
    kind, post = inner.post(state)
    candidates = _names_list(inner, "candidates")
    seats = _seats(inner, candidates)
    inner.finish()
    return kind, post, candidates, seats


def _election_in_order(state: PolityState, body: str, election: Election, at: datetime) -> str:
    """'' if `body` could elect each candidate to the post now, else why the election is out of order."""
    kind, post, candidates, seats = election
    c = state.constitution
    definition = c.offices.get(post) or c.bodies[post]
    if definition.seats is not None:
        free = definition.seats - len(state.holders(post, at))
        if seats > free:
            return f"{c.label(post)} has {free} free seat{'s' if free != 1 else ''}, not {seats}"
    for candidate in candidates:
        parsed = Parsed(Target(kind, post), person=candidate, post=post)
        trial, why, _ = exercise(
            state,
            POWER_ACTS["elect"],
            parsed,
            actor=body,
            power="elect",
            at=at,
            index=state.next_index,
            body=body,
        )
        if trial is None:
            return f"candidate {candidate}: {why}"
    return ""


def _table(state: PolityState, act: Act) -> Step:
    args = Args(act.args)
    body = args.body(state)
    name = args.text("motion")
    if name in state.motions:
        raise ActError(f"motion '{name}' already exists", path=args.path("motion"))
    text = args.text("text")
    matter = args.matter(state)
    action = _action(state, args)
    election = _election(state, args)
    options = _names_list(args, "options") if "options" in args.values else ()
    seats = _seats(args, options) if options else 1
    amends = args.optional("amends")
    args.finish()
    given = [key for key in ("action", "options", "election") if key in args.values]
    if len(given) > 1:
        raise ActError(f"a motion has one of {', '.join(given)}, not several", path=args.prefix)
    if amends is not None and (options or election):
        raise ActError(
            "an amendment replaces a motion's wording and action", path=args.path("amends")
        )
    target = state.motions.get(amends) if amends is not None else None
    if amends is not None and target is None:
        raise ActError(f"unknown motion '{amends}'", path=args.path("amends"))
    clause, reason = _agenda_right(state, act, "propose-motion", body)
    if clause is None:
        return state, Outcome.refuse(reason)
    beyond = ultra_vires(state, Target("matter", matter) if matter is not None else None)
    if beyond is not None:
        return state, Outcome.refuse(f"motion out of order: {beyond}")
    if target is not None:
        if target.body != body:
            return state, Outcome.refuse(
                f"motion '{target.id}' is before {state.constitution.label(target.body)}, not {state.constitution.label(body)}"
            )
        if target.status != "tabled":
            return state, Outcome.refuse(
                f"motion '{target.id}' is {target.status}; only a tabled motion can be amended"
            )
        if target.options and action is not None:
            return state, Outcome.refuse(
                f"motion '{target.id}' chooses among options; an amendment can change only its wording"
            )
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
    if election is not None:
        why = _election_in_order(state, body, election, act.time)
        if why:
            return state, Outcome.refuse(f"motion out of order: {why}")
        kind, post, options, seats = election
        first = Parsed(Target(kind, post), person=options[0], post=post)
        procedure = _procedure_name(state, body, (POWER_ACTS["elect"], first, "elect"), act.time)
    elif target is not None:
        # decided as the motion it amends is; the wording of a choice, by the body's own rules
        procedure = (
            target.procedure if not target.options else _procedure_name(state, body, None, act.time)
        )
        needed = _procedure_name(state, body, action, act.time) if action is not None else None
        if needed is not None and needed != procedure:
            return state, Outcome.refuse(
                f"that action is decided by procedures.{needed}, but motion '{target.id}'"
                f" is decided by procedures.{procedure}: table it as a motion of its own"
            )
    else:
        procedure = _procedure_name(state, body, action, act.time)
    if procedure is None:
        return state, Outcome.refuse(f"no procedure is declared by which {body} decides")
    rules = state.constitution.procedures.get(procedure, Procedure())
    problem = _method_fits(procedure, rules, bool(options), seats)
    if problem:
        return state, Outcome.refuse(problem)
    motion = Motion(
        id=name,
        body=body,
        mover=act.actor,
        text=text,
        tabled_at=act.time,
        procedure=procedure,
        action=dict(act.args["action"]) if action is not None else None,
        matter=matter,
        options=options,
        seats=seats,
        election=(election[0], election[1]) if election is not None else None,
        amends=amends,
        secret=rules.ballot == "secret",
    )
    what = f"amendment '{name}' to motion '{amends}'" if amends else f"motion '{name}'"
    return state.with_motion(motion), Outcome.grant(clause, f"{what} tabled in {body}")


def _method_fits(name: str, procedure: Procedure, choice: bool, seats: int) -> str:
    """'' if the procedure's method can decide this motion, else why not."""
    from charter.domain.tally import methods

    kind = decision_kind(procedure.method)
    where = f"procedures.{name}.method"
    if choice and kind == "yes-no":
        return (
            f"{where} is {procedure.method}, which decides yes or no;"
            " a choice among options or candidates needs a tally method (e.g. irv, stv-scottish, approval)"
        )
    if not choice and kind == "choice":
        return (
            f"{where} is {procedure.method}, which chooses among options;"
            " table options or an election, not a yes/no motion"
        )
    info = methods().get(procedure.method)
    if seats > 1 and info is not None and not info.multi_winner:
        return f"{where} is {procedure.method}, which fills one seat, not {seats}"
    return ""


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
    pending = sorted(
        m.id
        for m in state.motions.values()
        if m.amends == motion.id and m.status in ("tabled", "open", "closed")
    )
    if pending:
        return state, Outcome.refuse(
            f"amendment {', '.join(repr(p) for p in pending)} to '{motion.id}' must be decided first"
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
    procedure = _procedure(state, motion)
    weight = vote_weight(state, motion.body, act.actor, act.time)
    marks: tuple[Mark, ...]
    refused = ""
    if motion.secret:
        marks = (Mark(weight),)
        marked = [key for key in BALLOT_KEYS if key in args.values]
        if marked:
            raise ActError(
                f"the vote on '{motion.id}' is secret: the ballot goes into the ballot box,"
                f" and only that {act.actor} voted goes into the record",
                path=args.path(marked[0]),
            )
    else:
        try:
            marks = read_ballot(motion, procedure, args, weight, act.actor)
        except BallotRefusedError as refusal:
            marks = ()  # refused below, once the vote is known to be open
            refused = str(refusal)
    args.finish(allowed=BALLOT_KEYS)
    if motion.status != "open":
        return state, Outcome.refuse(f"the vote on '{motion.id}' is not open ({motion.status})")
    if act.actor not in seat_holders(state, motion.body, act.time):
        return state, Outcome.refuse(
            f"{act.actor} holds no seat in {state.constitution.label(motion.body)}"
        )
    if pmap_get(motion.ballots, act.actor, None) is not None:  # `in`, minus PMap's overhead
        return state, Outcome.refuse(f"{act.actor} has already voted on '{motion.id}'")
    if refused:
        return state, Outcome.refuse(refused)
    basis = "members" if motion.body == "members" else f"bodies.{motion.body}: seat holder"
    what = "secret ballot cast" if motion.secret else "ballot cast"
    return state.with_motion(motion.with_ballot(act.actor, marks)), Outcome.grant(
        basis, f"{what} on '{motion.id}'"
    )


def _close(state: PolityState, act: Act) -> Step:
    """Close a vote; a secret vote closes with its ballot box, checked against who voted."""
    args = Args(act.args)
    motion = _motion(state, args)
    if motion.secret and "box" not in args.values and motion.status == "open":
        raise ActError(
            f"the vote on '{motion.id}' is secret: close it with its ballot box",
            path=args.path("box"),
        )
    if not motion.secret and "box" in args.values:
        raise ActError(
            f"the vote on '{motion.id}' is open: its ballots are already in the record",
            path=args.path("box"),
        )
    box: tuple[Mark, ...] = ()
    refused = ""
    if motion.secret and motion.status == "open":
        cast = sum(mark.votes for marks in motion.ballots.values() for mark in marks)
        try:
            box = read_box(
                motion, _procedure(state, motion), args.values["box"], args.path("box"), cast
            )
        except BallotRefusedError as refusal:
            refused = str(refusal)
        args.read.add("box")
    args.finish(allowed=("box",))
    if motion.status != "open":
        return state, Outcome.refuse(f"the vote on '{motion.id}' is not open ({motion.status})")
    clause, reason = _agenda_right(state, act, "set-agenda", motion.body)
    if clause is None:
        return state, Outcome.refuse(reason)
    if refused:
        return state, Outcome.refuse(refused)
    closed = replace(motion, status="closed", closed_at=act.time, box=box)
    effects = [f"vote on '{motion.id}' closed"]
    if motion.secret:
        effects.append(f"ballot box of {len({m.receipt for m in box})} ballots opened")
    return state.with_motion(closed), Outcome.grant(clause, *effects)


def _counted(
    state: PolityState, motion: Motion, args: Args, seats: int
) -> tuple[Count | bool | None, int]:
    """The count to declare (or the recorded verdict, where no count survives) and the seats it is out of.

    Counts come from the ballots cast in the record (None: count them); a
    result taken from history may instead give `counts` (and, for a body of no
    fixed size, the `seats` that sat), or `recorded: carried|failed` where the
    sources give no count at all.
    """
    given = args.mapping("counts", required=False)
    recorded = args.values.get("recorded")
    if (given is not None or recorded is not None) and motion.options:
        raise ActError(
            f"'{motion.id}' chooses among options; its result is counted from its ballots",
            path=args.path("counts" if given is not None else "recorded"),
        )
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
        return None, seats
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
    seats = vote_total(state, motion.body, act.time)
    seed = args.optional("seed")
    if seed is not None and not motion.options:
        raise ActError(
            "a seed breaks ties between options; a yes/no motion has none", path=args.path("seed")
        )
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
    if motion.secret and motion.status == "open":
        return state, Outcome.refuse(
            f"the secret vote on '{motion.id}' must be closed with its ballot box before its result"
        )
    procedure = _procedure(state, motion)
    action, stale = (None, "") if motion.amends else _stored_action(state, motion)
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
    elif isinstance(count, Count):
        counted = procedure.abstentions == "counted"
        result = count_decision("majority", count, seats, threshold, procedure.quorum, counted)
    else:
        ballots = dict(motion.ballots)
        gone = withdrawn_voters(state, motion.body, set(ballots), act.time)
        for voter in gone:
            del ballots[voter]
        marks = (
            motion.box
            if motion.secret
            else tuple(mark for marks in ballots.values() for mark in marks)
        )
        result = count_marks(motion, procedure, marks, total=seats, threshold=threshold, seed=seed)
        if (procedure.majorities or procedure.veto != "none") and not motion.options:
            result = member_majorities(state, motion, procedure, ballots, result, act.time)
        if gone:
            result = replace(
                result,
                explanation=f"{result.explanation}; ballots of {', '.join(sorted(gone))} withdrawn"
                " (their polity has left the federation)",
            )
    effects = [f"'{motion.id}' {result.explanation}"]
    new_state = state
    effect = ""
    if result.carried and stale:
        effect = f"its action was refused: {stale}"
        effects.append(effect)
    if result.carried and motion.amends is not None:
        new_state, effect = _amend_motion(state, motion)
        effects.append(effect)
    elif result.carried and motion.election is not None:
        new_state, done = _elect_winners(state, motion, result.winners, act)
        effect = "; ".join(done)
        effects.extend(done)
    elif result.carried and action is not None:
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
        new_state.motions[motion.id],
        status=status,
        closed_at=motion.closed_at or act.time,
        result=result,
        effect=effect,
    )
    return new_state.with_motion(finished), Outcome.grant(clause, *effects, result=result)


def _amend_motion(state: PolityState, amendment: Motion) -> tuple[PolityState, str]:
    """The amended motion takes the amendment's wording (and action, where it gives one)."""
    target = state.motions.get(amendment.amends or "")
    if target is None or target.status != "tabled":
        status = target.status if target is not None else "gone"
        return state, f"the amendment lapsed: motion '{amendment.amends}' is {status}"
    amended = replace(
        target,
        text=amendment.text,
        action=amendment.action if amendment.action is not None else target.action,
        amended_by=(*target.amended_by, amendment.id),
    )
    return state.with_motion(amended), f"motion '{target.id}' amended: {amendment.text}"


def _elect_winners(
    state: PolityState, motion: Motion, winners: tuple[str, ...], act: Act
) -> tuple[PolityState, list[str]]:
    """Elect each winner in the order the count elected them, each checked as a body's election."""
    assert motion.election is not None
    kind, post = motion.election
    effects: list[str] = []
    for winner in winners:
        parsed = Parsed(Target(kind, post), person=winner, post=post)
        applied, why, done = exercise(
            state,
            POWER_ACTS["elect"],
            parsed,
            actor=motion.body,
            power="elect",
            at=act.time,
            index=state.next_index,
            body=motion.body,
        )
        if applied is None:
            effects.append(f"{winner} could not take the seat: {why}")
        else:
            state = applied
            effects.extend(f"{line} ({why})" for line in done)
    return state, effects


MOTION_ACTS = {
    "table-motion": _table,
    "second-motion": _second,
    "withdraw-motion": _withdraw,
    "open-vote": _open,
    "cast-ballot": _ballot,
    "close-vote": _close,
    "declare-result": _declare,
}
