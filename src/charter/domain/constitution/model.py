"""The constitution language as typed, immutable objects (`charter: 1`).

Each class is one kind of clause. A power is always granted *somewhere*: in the
`powers` list of an office, a body or the members, or implicitly by the clause
that says how an office or body is filled (`filled_by`), how an officer is
removed (`removal`), how members are admitted and expelled, and who amends the
constitution. `grants.py` turns all of them into one list the authority check
reads, each grant citing its clause.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr

from charter.domain.constitution.types import (
    DurationField,
    FrozenMap,
    Identifier,
    NameSet,
    PositiveInt,
    QuorumField,
    Share,
    Threshold,
    ThresholdField,
)
from charter.domain.document import Document
from charter.domain.duration import Duration

__all__ = [
    "STANDARD_POWERS",
    "Accession",
    "AmendmentRule",
    "Appointment",
    "Body",
    "Constitution",
    "Delegation",
    "Election",
    "Entrenchment",
    "ExOfficio",
    "Factions",
    "Federation",
    "InspectionRules",
    "Joint",
    "Majority",
    "MemberClause",
    "Membership",
    "Office",
    "PowerGrant",
    "Procedure",
    "Quota",
    "Removal",
    "Scope",
    "Secession",
    "Thresholds",
]

STANDARD_POWERS: tuple[str, ...] = (
    "admit",
    "expel",
    "appoint",
    "dismiss",
    "nominate",
    "elect",
    "set-agenda",
    "propose-motion",
    "second",
    "amend",
    "inspect",
    "admit-polity",
    "join-federation",
    "leave-federation",
)
"""Powers every constitution may grant without declaring them; others go in `custom_powers`."""


def _as_list(value: Any) -> Any:
    """Let a single clause stand where a list of clauses is expected."""
    return [value] if isinstance(value, dict) else value


class _Clause(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class Scope(_Clause):
    """What a power reaches. `all` reaches every office (or body, or matter)."""

    offices: NameSet = ()
    bodies: NameSet = ()
    members: bool = False
    matters: NameSet = ()
    polities: NameSet = ()
    """Member polities whose officers a federal power reaches (never, unless named here)."""


class Quota(_Clause):
    """At most `max` uses of the power in any window of length `per`."""

    max: PositiveInt
    per: DurationField


class PowerGrant(_Clause):
    """One power granted to the office, body or members it is listed under, with its limits."""

    power: Identifier
    scope: Scope | None = None
    quota: Quota | None = None
    cosign: tuple[Identifier, ...] = ()
    reserved: tuple[Identifier, ...] = ()
    procedure: Identifier | None = None
    note: str = ""


class Election(_Clause):
    """Filled by a vote of a body (or of `members`), optionally from a nominee of `nominated_by`."""

    method: Literal["election"]
    by: Identifier
    nominated_by: Identifier | None = None
    procedure: Identifier | None = None
    note: str = ""


class Appointment(_Clause):
    """Filled by the choice of an office holder, optionally with co-signatures."""

    method: Literal["appointment"]
    by: Identifier
    cosign: tuple[Identifier, ...] = ()
    note: str = ""


class ExOfficio(_Clause):
    """Seats held by whoever holds the listed offices."""

    method: Literal["ex-officio"]
    offices: tuple[Identifier, ...]
    note: str = ""


class Joint(_Clause):
    """A joint sitting: every seat holder of the listed bodies sits in it."""

    method: Literal["joint"]
    bodies: tuple[Identifier, ...]
    note: str = ""


class Delegation(_Clause):
    """Seats filled by delegates each member polity chooses by its own procedure (federations).

    Each member sends `per_member` delegates, or, with `proportional_to`, a
    share of the body's seats in proportion to that criterion (largest
    remainders, at least one each).
    """

    method: Literal["delegation"]
    per_member: PositiveInt = 1
    proportional_to: Identifier | None = None
    note: str = ""


BodyFilling = Annotated[
    Election | Appointment | ExOfficio | Joint | Delegation, Field(discriminator="method")
]
OfficeFilling = Annotated[Election | Appointment, Field(discriminator="method")]


class Majority(_Clause):
    """One majority a federal decision needs: a share of the members, or of a criterion (population)."""

    criterion: Identifier
    quota: Share
    note: str = ""


class Procedure(_Clause):
    """How a body decides: seconding, debate, quorum, threshold and counting.

    `method` is `majority` (yes/no motions against the threshold) or a tally
    method (elections and choice motions); `split_votes` lets a voter carrying
    several votes cast them different ways.
    """

    seconding: bool = True
    debate: DurationField = Duration()
    quorum: QuorumField | None = None
    threshold: ThresholdField = Threshold(kind="simple")
    abstentions: Literal["counted", "ignored"] = "ignored"
    method: Identifier = "majority"
    ballot: Literal["open", "secret"] = "open"
    split_votes: bool = False
    majorities: tuple[Majority, ...] = ()
    veto: Literal["none", "all"] | tuple[Identifier, ...] = "none"
    note: str = ""


class Body(_Clause):
    """A collective organ: seats, how they are filled, how it decides, what it may do."""

    name: str
    seats: PositiveInt | None = None
    filled_by: BodyFilling
    procedure: Identifier = "ordinary"
    term: DurationField | None = None
    weighted: bool = False
    incompatible_with: tuple[Identifier, ...] = ()
    powers: tuple[PowerGrant, ...] = ()
    note: str = ""


class Removal(_Clause):
    """Who may remove the holder of an office, and by what procedure or threshold."""

    by: Identifier
    procedure: Identifier | None = None
    threshold: ThresholdField | None = None
    note: str = ""


class Office(_Clause):
    """A post held by one person per seat: how filled, for how long, how removed, its powers."""

    name: str
    seats: PositiveInt | None = 1
    filled_by: OfficeFilling
    term: DurationField | None = None
    term_limit: PositiveInt | None = None
    removal: Removal | None = None
    incompatible_with: tuple[Identifier, ...] = ()
    powers: tuple[PowerGrant, ...] = ()
    note: str = ""


class MemberClause(_Clause):
    """Who admits (or expels) members, whom it reaches, and by what procedure."""

    by: Identifier
    procedure: Identifier | None = None
    scope: Scope | None = None
    reserved: tuple[Identifier, ...] = ()
    cosign: tuple[Identifier, ...] = ()
    conditions: tuple[str, ...] = ()
    note: str = ""


class Membership(_Clause):
    """Members: how admitted and expelled, and the powers every member holds."""

    admission: Annotated[tuple[MemberClause, ...], BeforeValidator(_as_list)] = ()
    expulsion: Annotated[tuple[MemberClause, ...], BeforeValidator(_as_list)] = ()
    powers: tuple[PowerGrant, ...] = ()
    rights: tuple[str, ...] = ()
    note: str = ""


class Factions(_Clause):
    """Whether members may organise factions, and how one is formed."""

    allowed: bool = True
    min_founders: PositiveInt = 1
    note: str = ""


class Accession(_Clause):
    """How a polity joins the federation: a federal body's decision, and conditions it must meet."""

    by: Identifier
    procedure: Identifier | None = None
    required_rights: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    note: str = ""


class Secession(_Clause):
    """Each member's right to leave: entrenched; the federation may only set notice and settlement."""

    notice: DurationField = Duration()
    settlement: tuple[str, ...] = ()
    note: str = ""


class Federation(_Clause):
    """A federation of polities: what it may decide, who it counts, how members join and leave.

    Every matter not named in `competences` is reserved to the members. The
    right of secession is entrenched by this clause itself.
    """

    competences: tuple[Identifier, ...] = ()
    criteria: FrozenMap[Identifier, str] = Field(default_factory=lambda: MappingProxyType({}))
    accession: Accession
    secession: Secession = Secession()
    note: str = ""


class Thresholds(_Clause):
    """When the Inspection reports a finding, and how severe it is; each may be overridden."""

    disproportion: float = Field(default=2.0, gt=1)
    """Effective over formal power at or above which authority is disproportionate to office."""
    disproportion_high: float = Field(default=5.0, gt=1)
    quota_pressure: float = Field(default=0.8, gt=0, le=1)
    """Share of a quota used in its window at or above which it is near exhaustion."""
    term_days: int = Field(default=30, ge=0)
    """Days before a term's end within which it is reported as ending."""
    refusals: int = Field(default=3, ge=1)
    """Refused attempts by one actor at or above which they are reported."""
    seat_share: float = Field(default=0.25, gt=0, le=1)
    """Share of all filled seats one person controls at or above which it is reported."""


class InspectionRules(_Clause):
    """The Inspection's thresholds, as the constitution sets them."""

    thresholds: Thresholds = Thresholds()
    note: str = ""


class AmendmentRule(_Clause):
    """Which body amends the constitution, and by which procedure."""

    by: Identifier
    procedure: Identifier
    note: str = ""


class Entrenchment(_Clause):
    """A clause no amendment may change; `exclusive` forbids any other clause to grant its power."""

    clause: str
    exclusive: bool = False
    note: str = ""


class Constitution(_Clause):
    """A validated constitution. Build one with `parse_constitution` or `load_constitution`."""

    charter: Literal[1]
    id: Identifier
    name: str
    description: str = ""
    sources: tuple[str, ...] = ()
    members: Membership = Membership()
    bodies: FrozenMap[Identifier, Body] = Field(default_factory=lambda: MappingProxyType({}))
    offices: FrozenMap[Identifier, Office] = Field(default_factory=lambda: MappingProxyType({}))
    procedures: FrozenMap[Identifier, Procedure] = Field(
        default_factory=lambda: MappingProxyType({})
    )
    matters: FrozenMap[Identifier, str] = Field(default_factory=lambda: MappingProxyType({}))
    custom_powers: FrozenMap[Identifier, str] = Field(default_factory=lambda: MappingProxyType({}))
    factions: Factions = Factions()
    amendment: AmendmentRule | None = None
    entrenched: tuple[Entrenchment, ...] = ()
    federation: Federation | None = None
    inspection: InspectionRules = InspectionRules()

    _document: Document = PrivateAttr(default_factory=lambda: Document(None))
    _grants: Any = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        """Equal when every clause is equal; caches and source positions do not count."""
        if not isinstance(other, Constitution):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in type(self).model_fields)

    __hash__ = None  # type: ignore[assignment]  # mutable-looking mappings inside; never hashed

    @property
    def document(self) -> Document:
        """The parsed source this constitution was validated from (for amendments and lines)."""
        return self._document

    def holder_kind(self, name: str) -> Literal["office", "body", "members"] | None:
        """Whether `name` is an office, a body, the members, or nothing known."""
        if name == "members":
            return "members"
        if name in self.offices:
            return "office"
        if name in self.bodies:
            return "body"
        return None

    def label(self, name: str) -> str:
        """A human name for an office or body id."""
        if name in self.offices:
            return self.offices[name].name
        if name in self.bodies:
            return self.bodies[name].name
        return "the members" if name == "members" else name
