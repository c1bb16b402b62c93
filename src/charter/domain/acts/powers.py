"""Acts that exercise a granted power, by a person directly or by a body through a motion.

Each kind says how to read its arguments (and so what it reaches), what must be
true of its target (a seat free, no incompatible office, a nomination standing),
and what it changes. The same spec serves a person's act and a body's carried
motion, so both meet exactly the same checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal

from pyrsistent import pvector

from charter.domain.acts.args import Args
from charter.domain.acts.federation import federation_of, read_consent, read_criteria
from charter.domain.amendment import Edit, amend, read_edits
from charter.domain.authority import (
    Extra,
    Target,
    authorize,
    incompatibility,
    offices_of,
    seat_holders,
)
from charter.domain.constitution import Constitution, Grant
from charter.domain.state import (
    Affiliation,
    Exercise,
    Inspection,
    MemberPolity,
    Nomination,
    PolityState,
    PostKind,
    Tenure,
)
from charter.errors import ActError

__all__ = ["POWER_ACTS", "Parsed", "PowerSpec", "exercise", "ultra_vires"]


@dataclass(frozen=True, slots=True)
class Parsed:
    """An act's arguments, read and resolved."""

    target: Target | None
    person: str | None = None
    post: str | None = None
    votes: int = 1
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


Check = Callable[[PolityState, Parsed, datetime], str | None]
GrantCheck = Callable[[PolityState, Parsed], Extra | None]
Effect = Callable[[PolityState, Parsed, Grant, str, datetime], tuple[PolityState, tuple[str, ...]]]


@dataclass(frozen=True, slots=True)
class PowerSpec:
    """How one kind of power act reads, checks and takes effect."""

    kind: str
    parse: Callable[[PolityState, Args], Parsed]
    check: Check
    effect: Effect
    grant_check: GrantCheck | None = None


POWER_ACTS: dict[str, PowerSpec] = {}


def _register(spec: PowerSpec) -> None:
    POWER_ACTS[spec.kind] = spec


def _member(state: PolityState, person: str) -> str | None:
    return None if person in state.members else f"{person} is not a member"


# --- membership --------------------------------------------------------------------------


def _parse_person(state: PolityState, args: Args) -> Parsed:
    person = args.text("person")
    return Parsed(Target("member", person), person=person)


def _check_admit(state: PolityState, parsed: Parsed, at: datetime) -> str | None:
    return f"{parsed.person} is already a member" if parsed.person in state.members else None


def _admit(
    state: PolityState, parsed: Parsed, grant: Grant, by: str, at: datetime
) -> tuple[PolityState, tuple[str, ...]]:
    person = parsed.person or ""
    return state.evolve(members=state.members | {person}), (f"{person} admitted as a member",)


def _check_expel(state: PolityState, parsed: Parsed, at: datetime) -> str | None:
    return _member(state, parsed.person or "")


def _expel(
    state: PolityState, parsed: Parsed, grant: Grant, by: str, at: datetime
) -> tuple[PolityState, tuple[str, ...]]:
    person = parsed.person or ""
    ending = [t for t in state.tenures if t.person == person]
    factions = state.factions
    for key, faction in state.factions.items():
        if person in faction.members:
            rest = faction.members - {person}
            factions = (
                factions.set(key, replace(faction, members=rest)) if rest else factions.discard(key)
            )
    state = replace(
        state.with_tenures(ending, at, "expelled"),
        members=state.members - {person},
        nominations=pvector(n for n in state.nominations if n.person != person),
        factions=factions,
    )
    effects = [f"{person} expelled"] + [f"{person} leaves {t.post}" for t in ending if t.active(at)]
    return state, tuple(effects)


_register(PowerSpec("admit", _parse_person, _check_admit, _admit))
_register(PowerSpec("expel", _parse_person, _check_expel, _expel))


# --- posts: appoint, elect, dismiss, nominate ------------------------------------------------


def _parse_post(state: PolityState, args: Args) -> Parsed:
    if "polity" in args.values:
        return _parse_member_officer(state, args)
    kind, post = args.post(state)
    person = args.text("person")
    return Parsed(Target(kind, post), person=person, post=post)


def _parse_member_officer(state: PolityState, args: Args) -> Parsed:
    """An office of a member polity (`polity`, `office`): a federation reaching into a member."""
    federation_of(state, args.path("polity"))
    polity = args.text("polity")
    office = args.text("office")
    person = args.text("person")
    return Parsed(Target("polity", polity), person=person, details={"office": office})


def _in_member(parsed: Parsed) -> bool:
    return parsed.target is not None and parsed.target.kind == "polity"


def _check_member_officer(state: PolityState, parsed: Parsed, at: datetime) -> str | None:
    polity = parsed.target.name if parsed.target is not None else ""
    member = state.polities.get(polity)
    if member is None or not member.active(at):
        return f"{polity} is not a member polity of the federation"
    return None


def _direct_member(
    state: PolityState, parsed: Parsed, grant: Grant, by: str, at: datetime
) -> tuple[PolityState, tuple[str, ...]]:
    polity = parsed.target.name if parsed.target is not None else ""
    office = parsed.details.get("office")
    return state, (
        f"directive to {polity}: {grant.power} {parsed.person} as its {office} (under {grant.clause});"
        f" it takes effect when {polity} records it in its own ledger",
    )


def _parse_placement(state: PolityState, args: Args) -> Parsed:
    """A post and a person, and in a weighted body the votes the seat carries (`votes`, default 1)."""
    parsed = _parse_post(state, args)
    if "votes" not in args.values or _in_member(parsed):
        return parsed
    body = state.constitution.bodies.get(parsed.post or "")
    if body is None or not body.weighted:
        raise ActError(
            f"{state.constitution.label(parsed.post or '')} does not carry weighted votes"
            " (only a body with weighted: true does)",
            path=args.path("votes"),
        )
    votes = args.count("votes")
    if votes < 1:
        raise ActError("a seat carries at least one vote", path=args.path("votes"))
    return replace(parsed, votes=votes)


def _placement(state: PolityState, parsed: Parsed, at: datetime) -> str | None:
    if _in_member(parsed):
        return _check_member_officer(state, parsed, at)
    c = state.constitution
    person, post = parsed.person or "", parsed.post or ""
    if (problem := _member(state, person)) is not None:
        return problem
    if person in state.holders(post, at):
        return f"{person} already holds {c.label(post)}"
    office = c.offices.get(post)
    seats = office.seats if office is not None else c.bodies[post].seats
    if seats is not None and len(state.holders(post, at)) >= seats:
        noun = "seat" if seats == 1 else "seats"
        return f"{c.label(post)} has no free seat ({seats} {noun}, all filled)"
    if (problem := incompatibility(state, person, post, at)) is not None:
        return problem
    if office is not None and office.term_limit is not None:
        served = sum(
            1
            for t in (*state.tenures, *state.past_tenures)
            if t.person == person and t.post == post
        )
        if served >= office.term_limit:
            return (
                f"{person} has served {served} term{'s' if served != 1 else ''} as {office.name};"
                f" the limit is {office.term_limit} (offices.{post}.term_limit)"
            )
    return None


def _nomination_required(state: PolityState, parsed: Parsed) -> Extra:
    def check(grant: Grant) -> str | None:
        if grant.nominated_by is None:
            return None
        standing = any(
            n.person == parsed.person and n.post == parsed.post for n in state.nominations
        )
        if standing:
            return None
        label = state.constitution.label(grant.nominated_by)
        return f"{parsed.person} has not been nominated for {parsed.post} by {label} ({grant.clause}.nominated_by)"

    return check


def _place(
    state: PolityState, parsed: Parsed, grant: Grant, by: str, at: datetime
) -> tuple[PolityState, tuple[str, ...]]:
    if _in_member(parsed):
        return _direct_member(state, parsed, grant, by, at)
    c = state.constitution
    person, post = parsed.person or "", parsed.post or ""
    definition = c.offices.get(post) or c.bodies[post]
    until = definition.term.after(at) if definition.term is not None else None
    kind: PostKind = "office" if post in c.offices else "body"
    tenure = Tenure(person, post, kind, at, until, grant.clause, by, votes=parsed.votes)
    state = replace(
        state,
        tenures=state.tenures.append(tenure),
        nominations=pvector(
            n for n in state.nominations if not (n.person == person and n.post == post)
        ),
    )
    verb = "elected to" if grant.power == "elect" else "appointed to"
    term = f" until {until.date().isoformat()}" if until is not None else ""
    carrying = f" carrying {parsed.votes} votes" if parsed.votes != 1 else ""
    return state, (f"{person} {verb} {c.label(post)}{carrying}{term}",)


def _check_dismiss(state: PolityState, parsed: Parsed, at: datetime) -> str | None:
    if _in_member(parsed):
        return _check_member_officer(state, parsed, at)
    if parsed.person not in state.holders(parsed.post or "", at):
        return f"{parsed.person} does not hold {state.constitution.label(parsed.post or '')}"
    return None


def _dismiss(
    state: PolityState, parsed: Parsed, grant: Grant, by: str, at: datetime
) -> tuple[PolityState, tuple[str, ...]]:
    if _in_member(parsed):
        return _direct_member(state, parsed, grant, by, at)
    ending = [t for t in state.tenures if t.person == parsed.person and t.post == parsed.post]
    state = state.with_tenures(ending, at, "dismissed")
    return state, (f"{parsed.person} removed from {state.constitution.label(parsed.post or '')}",)


def _check_nominate(state: PolityState, parsed: Parsed, at: datetime) -> str | None:
    if _in_member(parsed):
        return "a federation does not nominate a member polity's officers"
    if (problem := _member(state, parsed.person or "")) is not None:
        return problem
    if any(n.person == parsed.person and n.post == parsed.post for n in state.nominations):
        return f"{parsed.person} is already nominated for {parsed.post}"
    return None


def _nominate(
    state: PolityState, parsed: Parsed, grant: Grant, by: str, at: datetime
) -> tuple[PolityState, tuple[str, ...]]:
    nomination = Nomination(parsed.person or "", parsed.post or "", by, at, grant.clause)
    state = state.evolve(nominations=state.nominations.append(nomination))
    return state, (f"{parsed.person} nominated for {state.constitution.label(parsed.post or '')}",)


_register(PowerSpec("appoint", _parse_placement, _placement, _place))
_register(PowerSpec("elect", _parse_placement, _placement, _place, _nomination_required))
_register(PowerSpec("dismiss", _parse_post, _check_dismiss, _dismiss))
_register(PowerSpec("nominate", _parse_post, _check_nominate, _nominate))


# --- inspection and custom powers ------------------------------------------------------------


def _parse_inspect(state: PolityState, args: Args) -> Parsed:
    report = args.text("report", required=False)
    if "person" in args.values:
        person = args.text("person")
        return Parsed(Target("member", person), person=person, details={"report": report})
    kind, post = args.post(state)
    return Parsed(Target(kind, post), post=post, details={"report": report})


def _inspect(
    state: PolityState, parsed: Parsed, grant: Grant, by: str, at: datetime
) -> tuple[PolityState, tuple[str, ...]]:
    target = parsed.target or Target("matter", "?")
    inspection = Inspection(
        by, target.name, target.kind, at, state.next_index, str(parsed.details.get("report", ""))
    )
    return state.evolve(inspections=state.inspections.append(inspection)), (
        f"inspection of {target.name} opened",
    )


def _parse_custom(state: PolityState, args: Args) -> Parsed:
    matter = args.matter(state)
    if matter is None and state.constitution.federation is not None:
        raise ActError(
            "a federal act must name the matter it reaches, so that it can be checked against"
            " the federal competences (federation.competences)",
            path=args.path("matter"),
        )
    text = args.text("text", required=False)
    return Parsed(Target("matter", matter) if matter else None, details={"text": text})


def _no_check(state: PolityState, parsed: Parsed, at: datetime) -> str | None:
    return None


def _record_only(
    state: PolityState, parsed: Parsed, grant: Grant, by: str, at: datetime
) -> tuple[PolityState, tuple[str, ...]]:
    text = " ".join(str(parsed.details.get("text") or "").split())
    return state, (
        (f"'{grant.power}' exercised: {text}") if text else f"'{grant.power}' exercised",
    )


_register(PowerSpec("inspect", _parse_inspect, _no_check, _inspect))
_register(PowerSpec("exercise", _parse_custom, _no_check, _record_only))


# --- amendment --------------------------------------------------------------------------------


def _parse_amend(state: PolityState, args: Args) -> Parsed:
    changes = args.sequence("changes")
    edits = read_edits(changes, args.path("changes"))
    args.text("summary", required=False)
    return Parsed(None, details={"edits": edits, "summary": args.values.get("summary", "")})


def _amended(state: PolityState, parsed: Parsed) -> Constitution | str:
    edits: tuple[Edit, ...] = parsed.details["edits"]
    return amend(state.constitution, edits)


def _check_amend(state: PolityState, parsed: Parsed, at: datetime) -> str | None:
    result = _amended(state, parsed)
    if isinstance(result, str):
        return result
    after = state.evolve(constitution=result)
    for tenure in after.active_tenures(at):
        definition = result.offices.get(tenure.post) or result.bodies.get(tenure.post)
        if definition is None:
            continue  # the post is abolished; its holders leave it
        if definition.seats is not None and len(after.holders(tenure.post, at)) > definition.seats:
            return f"the amendment leaves {tenure.post} with more holders than its {definition.seats} seats"
        if (problem := incompatibility(after, tenure.person, tenure.post, at)) is not None:
            return f"the amendment would leave a sitting holder in breach: {problem}"
    if not result.factions.allowed and state.factions:
        return f"the amendment bans factions while {len(state.factions)} exist; they must dissolve first"
    return None


def _amend(
    state: PolityState, parsed: Parsed, grant: Grant, by: str, at: datetime
) -> tuple[PolityState, tuple[str, ...]]:
    result = _amended(state, parsed)
    assert not isinstance(result, str)
    removed = (set(state.constitution.offices) | set(state.constitution.bodies)) - (
        set(result.offices) | set(result.bodies)
    )
    ending = [t for t in state.tenures if t.post in removed]
    motions = state.motions
    for key, motion in state.motions.items():
        orphaned = motion.body != "members" and motion.body not in result.bodies
        if orphaned and motion.status in ("tabled", "open"):
            withdrawn = replace(
                motion, status="withdrawn", closed_at=at, effect="its body was abolished"
            )
            motions = motions.set(key, withdrawn)
    state = replace(
        state.with_tenures(ending, at, "post abolished"),
        constitution=result,
        versions=(*state.versions, result),
        motions=motions,
    )
    edits: tuple[Edit, ...] = parsed.details["edits"]
    changes = "; ".join(edit.describe() for edit in edits)
    return state, (f"constitution amended to version {state.version}: {changes}",)


_register(PowerSpec("amend", _parse_amend, _check_amend, _amend))


# --- federations: admitting a member polity; a polity joining or leaving one ------------------


def _parse_admit_polity(state: PolityState, args: Args) -> Parsed:
    federation = federation_of(state, args.prefix)
    polity = args.text("polity")
    name = args.text("name")
    criteria = read_criteria(state, federation, args)
    consent = read_consent(args, "consent")
    constitution = args.mapping("constitution", required=bool(federation.accession.required_rights))
    rights: list[str] = []
    if constitution is not None:
        members = constitution.get("members") or {}
        rights = list(members.get("rights") or ()) if isinstance(members, Mapping) else []
    details = {"polity": polity, "name": name, "criteria": criteria, "consent": consent}
    return Parsed(None, details={**details, "rights": tuple(rights)})


def _check_admit_polity(state: PolityState, parsed: Parsed, at: datetime) -> str | None:
    federation = federation_of(state)
    polity, name = parsed.details["polity"], parsed.details["name"]
    member = state.polities.get(polity)
    if member is not None and member.active(at):
        return f"{name} is already a member polity of the federation"
    for index, right in enumerate(federation.accession.required_rights):
        if right not in parsed.details["rights"]:
            return (
                f"{name}'s constitution does not guarantee '{right}'"
                f" (federation.accession.required_rights[{index}])"
            )
    return None


def _admit_polity(
    state: PolityState, parsed: Parsed, grant: Grant, by: str, at: datetime
) -> tuple[PolityState, tuple[str, ...]]:
    details = parsed.details
    member = MemberPolity(
        details["polity"], details["name"], at, dict(details["criteria"]), grant.clause
    )
    state = state.evolve(polities=state.polities.set(member.id, member))
    motion = details["consent"]["motion"]
    return state, (
        f"{member.name} admitted to the federation, on its own decision (motion '{motion}')",
    )


def _parse_federation(state: PolityState, args: Args) -> Parsed:
    federation = args.text("federation")
    return Parsed(None, details={"federation": federation})


def _check_join(state: PolityState, parsed: Parsed, at: datetime) -> str | None:
    current = state.affiliations.get(parsed.details["federation"])
    if current is not None and current.status == "joining":
        return f"{state.constitution.name} has already decided to join {current.federation}"
    return None


def _check_leave(state: PolityState, parsed: Parsed, at: datetime) -> str | None:
    current = state.affiliations.get(parsed.details["federation"])
    if current is not None and current.status == "left":
        return f"{state.constitution.name} has already left {current.federation}"
    return None


def _affiliate(
    status: Literal["joining", "left"],
) -> Effect:
    def effect(
        state: PolityState, parsed: Parsed, grant: Grant, by: str, at: datetime
    ) -> tuple[PolityState, tuple[str, ...]]:
        federation = parsed.details["federation"]
        record = Affiliation(federation, status, at, grant.clause)
        verb = "join" if status == "joining" else "leave"
        return state.evolve(affiliations=state.affiliations.set(federation, record)), (
            f"decided to {verb} the federation '{federation}'",
        )

    return effect


_register(PowerSpec("admit-polity", _parse_admit_polity, _check_admit_polity, _admit_polity))
_register(PowerSpec("join-federation", _parse_federation, _check_join, _affiliate("joining")))
_register(PowerSpec("leave-federation", _parse_federation, _check_leave, _affiliate("left")))


# --- running a power act -----------------------------------------------------------------------


def exercise(
    state: PolityState,
    spec: PowerSpec,
    parsed: Parsed,
    *,
    actor: str,
    power: str,
    at: datetime,
    index: int,
    body: str | None = None,
    capacity: str | None = None,
    cosigners: tuple[str, ...] = (),
) -> tuple[PolityState | None, str, tuple[str, ...]]:
    """Check and apply one power act: (new state, clause, effects), or (None, reason, ())."""
    beyond = ultra_vires(state, parsed.target)
    if beyond is not None:
        return None, beyond, ()
    extra = spec.grant_check(state, parsed) if spec.grant_check is not None else None
    decision = authorize(
        state,
        actor=actor,
        power=power,
        target=parsed.target,
        at=at,
        body=body,
        capacity=capacity,
        cosigners=cosigners,
        extra=extra,
    )
    if decision.grant is None:
        if _in_member(parsed) and parsed.target is not None:
            polity = parsed.target.name
            return (
                None,
                f"ultra vires: the officers of {polity} are chosen and removed by {polity} alone,"
                f" and no clause grants the federation '{power}' over them ({decision.reason})",
                (),
            )
        return None, decision.reason, ()
    if spec.kind == "inspect" and body is None and parsed.target is not None:
        conflict = _self_inspection(state, actor, parsed.target, at)
        if conflict is not None:
            return None, conflict, ()
    problem = spec.check(state, parsed, at)
    if problem is not None:
        return None, problem, ()
    new_state, effects = spec.effect(state, parsed, decision.grant, body or actor, at)
    use = Exercise(decision.grant.clause, body or actor, at, index)
    return new_state.with_exercise(use), decision.grant.clause, effects


def ultra_vires(state: PolityState, target: Target | None) -> str | None:
    """Why a federal act reaching `target` is beyond the federation's competences, if it is."""
    federation = state.constitution.federation
    if federation is None or target is None or target.kind != "matter":
        return None
    if target.name == "secession":
        return (
            "ultra vires: no federal act may remove or block a member polity's right to leave"
            " (federation.secession, entrenched)"
        )
    if target.name not in federation.competences:
        label = " ".join(state.constitution.matters.get(target.name, target.name).split())
        return (
            f"ultra vires: '{target.name}' ({label}) is reserved to the member polities;"
            " it is not among the federal competences (federation.competences)"
        )
    return None


def _self_inspection(state: PolityState, actor: str, target: Target, at: datetime) -> str | None:
    if target.kind == "office" and target.name in offices_of(state, actor, at):
        return f"{actor} cannot inspect {state.constitution.label(target.name)}: he or she holds it"
    if target.kind == "body" and actor in seat_holders(state, target.name, at):
        return (
            f"{actor} cannot inspect {state.constitution.label(target.name)}: he or she sits in it"
        )
    if target.kind == "member" and target.name == actor:
        return f"{actor} cannot inspect himself or herself"
    return None
