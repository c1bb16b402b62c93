"""The polity's state: an immutable value, folded from its founding and its acts.

Nothing here is ever mutated: every act yields a new state (`PolityState.evolve`),
so a refused or malformed act cannot leave a half-changed polity behind, and
replaying the same acts always yields an equal state. The growing collections
are persistent (pyrsistent): a new state shares all but a path of the old one,
so an act costs the same at the millionth entry as at the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Literal

from pyrsistent import pmap, pvector
from pyrsistent._pvector import python_pvector
from pyrsistent.typing import PMap, PVector

from charter.domain.constitution import Constitution
from charter.domain.persistent import pmap_get, pmap_set
from charter.domain.seats import active_holders, active_posts
from charter.domain.voting import VoteResult

__all__ = [
    "Affiliation",
    "Exercise",
    "Faction",
    "Inspection",
    "Mark",
    "MemberPolity",
    "Motion",
    "MotionStatus",
    "Nomination",
    "PolityState",
    "PostKind",
    "Tenure",
]

_EMPTY_HISTORY: PVector[Any] = python_pvector()  # type: ignore[no-untyped-call]
_KEEP: Any = object()
"""`PolityState.evolve`'s default: keep the field as it is."""
_new = object.__new__
_set = object.__setattr__


def history() -> PVector[Any]:
    """An empty persistent vector for a history that grows with the ledger (inspections, uses).

    pyrsistent's pure-Python vector, not its C one: the cyclic garbage collector
    traverses a new C vector element by element, so every act that extended a
    long history would cost a young-generation collection time proportional to
    the ledger's length; the Python vector exposes only its root and tail.
    """
    return _EMPTY_HISTORY


PostKind = Literal["office", "body"]
MotionStatus = Literal["tabled", "open", "closed", "carried", "failed", "withdrawn"]


@dataclass(frozen=True, slots=True)
class Tenure:
    """One person holding one seat of an office or body, from `since` until `until` (term end)."""

    person: str
    post: str
    kind: PostKind
    since: datetime
    until: datetime | None
    basis: str
    chosen_by: str
    ended: datetime | None = None
    end_reason: str = ""
    votes: int = 1
    """Votes the seat carries in a weighted body (a delegate's mandate); 1 elsewhere."""

    def active(self, at: datetime) -> bool:
        return self.ended is None and (self.until is None or at < self.until)


@dataclass(frozen=True, slots=True)
class Nomination:
    """A standing nomination of `person` for `post`, made by `by` under `basis`."""

    person: str
    post: str
    by: str
    at: datetime
    basis: str


@dataclass(frozen=True, slots=True)
class Mark:
    """Part of one ballot: `votes` votes given one way (a ballot is several where votes are split).

    On a yes/no motion `choice` is yes, no or abstain; on a choice motion
    `ranking` lists options in order of preference (for an approval count, the
    approved options), and an empty ranking is a blank vote.
    """

    votes: int
    choice: str | None = None
    ranking: tuple[str, ...] = ()
    receipt: str | None = None


@dataclass(frozen=True)
class Motion:
    """A motion before a body, from tabling to its result.

    A yes/no motion has no `options`; a choice motion chooses `seats` of its
    `options` (an election: the candidates for the `election` post). A secret
    vote records in `ballots` only who voted; what was voted arrives as the
    anonymous `box` when the vote closes.
    """

    id: str
    body: str
    mover: str
    text: str
    tabled_at: datetime
    procedure: str
    action: Mapping[str, Any] | None = None
    matter: str | None = None
    seconder: str | None = None
    status: MotionStatus = "tabled"
    ballots: PMap[str, tuple[Mark, ...]] = field(default_factory=pmap)
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    result: VoteResult | None = None
    effect: str = ""
    options: tuple[str, ...] = ()
    seats: int = 1
    election: tuple[PostKind, str] | None = None
    amends: str | None = None
    amended_by: tuple[str, ...] = ()
    secret: bool = False
    box: tuple[Mark, ...] = ()

    def with_ballot(self, voter: str, marks: tuple[Mark, ...]) -> Motion:
        """A copy with `voter`'s ballot added: `replace(self, ballots=...)` at a fraction of its
        cost, as every ballot of a vote makes one. (The motion keeps its fields in its instance
        dictionary, without slots, so that the copy is one copy of that dictionary.)"""
        values = self.__dict__.copy()
        values["ballots"] = pmap_set(self.ballots, voter, marks)
        new = _new(type(self))
        _set(new, "__dict__", values)
        return new


@dataclass(frozen=True, slots=True)
class Faction:
    """An organised group of members, where the constitution allows them."""

    id: str
    name: str
    founder: str
    members: frozenset[str]
    formed_at: datetime


@dataclass(frozen=True, slots=True)
class Exercise:
    """One granted use of a power under a clause; quotas count these."""

    clause: str
    actor: str
    time: datetime
    act_index: int


@dataclass(frozen=True, slots=True)
class Inspection:
    """An inspection opened by `inspector` into `target`."""

    inspector: str
    target: str
    target_kind: str
    time: datetime
    act_index: int
    report: str = ""


@dataclass(frozen=True, slots=True)
class MemberPolity:
    """A polity that is a member of this federation: since when, its criteria, and its exit."""

    id: str
    name: str
    joined_at: datetime | None
    criteria: Mapping[str, float]
    basis: str
    leaves_at: datetime | None = None
    exit_checkpoint: str = ""

    def active(self, at: datetime | None) -> bool:
        return self.leaves_at is None or (at is not None and at < self.leaves_at)

    def as_dict(self, at: datetime | None) -> dict[str, Any]:
        """Its row as the CLI and the web show it: since when, its exit, whether still a
        member at `at`, and its criteria."""
        return {
            "polity": self.id,
            "name": self.name,
            "joined": self.joined_at.isoformat() if self.joined_at else None,
            "leaves": self.leaves_at.isoformat() if self.leaves_at else None,
            "member": self.active(at),
            "criteria": dict(self.criteria),
        }


@dataclass(frozen=True, slots=True)
class Affiliation:
    """This polity's own record of a federation it decided to join or leave."""

    federation: str
    status: Literal["joining", "left"]
    since: datetime
    basis: str


@dataclass(frozen=True)
class PolityState:
    """Everything the constitution needs to judge the next act.

    Its fields live in its instance dictionary (no slots), which `evolve` copies
    whole: nothing else may be stored there.
    """

    constitution: Constitution
    versions: tuple[Constitution, ...]
    time: datetime | None = None
    next_index: int = 0
    members: frozenset[str] = frozenset()
    tenures: PVector[Tenure] = field(default_factory=pvector)
    past_tenures: PVector[Tenure] = field(default_factory=pvector)
    nominations: PVector[Nomination] = field(default_factory=pvector)
    motions: PMap[str, Motion] = field(default_factory=pmap)
    factions: PMap[str, Faction] = field(default_factory=pmap)
    exercises: PMap[str, PVector[Exercise]] = field(default_factory=pmap)
    """Granted uses of power, by clause, in time order (each a `history()`): quotas count them by bisection."""
    inspections: PVector[Inspection] = field(default_factory=history)
    polities: PMap[str, MemberPolity] = field(default_factory=pmap)
    """Member polities, where this polity is a federation (those who left stay, with `leaves_at`)."""
    affiliations: PMap[str, Affiliation] = field(default_factory=pmap)
    """Federations this polity decided to join or leave, by its own procedure."""

    def member_polities(self, at: datetime | None = None) -> tuple[MemberPolity, ...]:
        """Member polities that have not left by `at` (default: the latest act's time)."""
        moment = at if at is not None else self.time
        return tuple(p for p in self.polities.values() if p.active(moment))

    @property
    def version(self) -> int:
        """1 for the founding constitution, +1 for each amendment that took effect."""
        return len(self.versions)

    def evolve(
        self,
        *,
        constitution: Constitution = _KEEP,
        versions: tuple[Constitution, ...] = _KEEP,
        time: datetime | None = _KEEP,
        next_index: int = _KEEP,
        members: frozenset[str] = _KEEP,
        tenures: PVector[Tenure] = _KEEP,
        past_tenures: PVector[Tenure] = _KEEP,
        nominations: PVector[Nomination] = _KEEP,
        motions: PMap[str, Motion] = _KEEP,
        factions: PMap[str, Faction] = _KEEP,
        exercises: PMap[str, PVector[Exercise]] = _KEEP,
        inspections: PVector[Inspection] = _KEEP,
        polities: PMap[str, MemberPolity] = _KEEP,
        affiliations: PMap[str, Affiliation] = _KEEP,
    ) -> PolityState:
        """A copy with the given fields changed: `dataclasses.replace` without its per-call work.

        Every act evolves the state two or three times, so this is on the hot path
        of judging. The state keeps its fields in its instance dictionary (it has no
        slots) so that a copy is one C-level copy of that dictionary, with the
        changed fields written over it: about half the cost of setting the fourteen
        fields one by one. `_STATE_FIELDS` is checked against these parameters at
        import, so a new field cannot be forgotten.
        """
        values = self.__dict__.copy()
        if constitution is not _KEEP:
            values["constitution"] = constitution
        if versions is not _KEEP:
            values["versions"] = versions
        if time is not _KEEP:
            values["time"] = time
        if next_index is not _KEEP:
            values["next_index"] = next_index
        if members is not _KEEP:
            values["members"] = members
        if tenures is not _KEEP:
            values["tenures"] = tenures
        if past_tenures is not _KEEP:
            values["past_tenures"] = past_tenures
        if nominations is not _KEEP:
            values["nominations"] = nominations
        if motions is not _KEEP:
            values["motions"] = motions
        if factions is not _KEEP:
            values["factions"] = factions
        if exercises is not _KEEP:
            values["exercises"] = exercises
        if inspections is not _KEEP:
            values["inspections"] = inspections
        if polities is not _KEEP:
            values["polities"] = polities
        if affiliations is not _KEEP:
            values["affiliations"] = affiliations
        new = _new(PolityState)
        _set(new, "__dict__", values)
        return new

    def with_motion(self, motion: Motion) -> PolityState:
        return self.evolve(motions=pmap_set(self.motions, motion.id, motion))

    def with_faction(self, faction: Faction | None, faction_id: str) -> PolityState:
        if faction is None:
            return self.evolve(factions=self.factions.discard(faction_id))
        return self.evolve(factions=self.factions.set(faction_id, faction))

    def uses(self) -> tuple[Exercise, ...]:
        """Every granted use of power, in the order of the acts."""
        return tuple(
            sorted(
                (use for uses in self.exercises.values() for use in uses), key=lambda u: u.act_index
            )
        )

    def with_exercise(self, use: Exercise) -> PolityState:
        uses = pmap_get(self.exercises, use.clause, _EMPTY_HISTORY)
        return self.evolve(exercises=pmap_set(self.exercises, use.clause, uses.append(use)))

    def with_tenures(self, ending: list[Tenure], at: datetime, reason: str) -> PolityState:
        """Move `ending` from the current tenures to the past ones, ended at `at` for `reason`."""
        if not ending:
            return self
        gone = set(map(id, ending))
        return self.evolve(
            tenures=pvector(t for t in self.tenures if id(t) not in gone),
            past_tenures=self.past_tenures.extend(
                replace(t, ended=at, end_reason=reason) for t in ending
            ),
        )

    def active_tenures(self, at: datetime | None = None) -> tuple[Tenure, ...]:
        moment = at if at is not None else self.time
        if moment is None:
            return tuple([tenure for tenure in self.tenures if tenure.ended is None])
        return tuple(
            [
                tenure
                for tenure in self.tenures
                if tenure.ended is None and (tenure.until is None or moment < tenure.until)
            ]
        )

    def holders(self, post: str, at: datetime | None = None) -> tuple[str, ...]:
        """People holding a seat of `post` (office or body, not counting ex officio seats).

        Remembered for the tenure vector and the window of moments it holds for
        (`charter.domain.seats`): every act asks this, the tenures seldom change.
        """
        moment = at if at is not None else self.time
        if moment is not None:
            return active_holders(self.tenures, post, moment)
        return tuple(
            [
                tenure.person
                for tenure in self.tenures
                if tenure.post == post
                and tenure.ended is None
                and (moment is None or tenure.until is None or moment < tenure.until)
            ]
        )

    def posts_of(self, person: str, at: datetime | None = None) -> tuple[Tenure, ...]:
        """The current tenures of `person` at `at` (remembered as `holders` is)."""
        moment = at if at is not None else self.time
        if moment is not None:
            return active_posts(self.tenures, person, moment)
        return tuple(
            [
                tenure
                for tenure in self.tenures
                if tenure.person == person
                and tenure.ended is None
                and (moment is None or tenure.until is None or moment < tenure.until)
            ]
        )


_STATE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(PolityState))
_EVOLVE = PolityState.evolve.__code__
if _EVOLVE.co_varnames[1 : 1 + _EVOLVE.co_kwonlyargcount] != _STATE_FIELDS:
    raise TypeError("PolityState.evolve must take every field of PolityState, in order")
