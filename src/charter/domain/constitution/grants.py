"""Every power the constitution grants, as one flat list, each grant citing its clause.

Powers are stated where a reader expects them: under an office or body
(`powers`), in the clause saying how a post is filled (`filled_by` grants
`elect` or `appoint` over it), how its holder is removed (`removal` grants
`dismiss`), how members are admitted and expelled, and who amends. The
authority check only ever reads this list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from charter.domain.constitution.model import (
    Appointment,
    Constitution,
    Election,
    MemberClause,
    PowerGrant,
    Quota,
    Scope,
)
from charter.domain.constitution.types import Threshold

__all__ = ["Grant", "HolderKind", "grants_for", "grants_of"]

HolderKind = Literal["office", "body", "members"]


@dataclass(frozen=True, slots=True)
class Grant:
    """One power held by one holder, with its limits, and the clause that says so."""

    clause: str
    power: str
    holder: str
    holder_kind: HolderKind
    scope: Scope | None = None
    quota: Quota | None = None
    cosign: tuple[str, ...] = ()
    reserved: tuple[str, ...] = ()
    procedure: str | None = None
    threshold: Threshold | None = None
    nominated_by: str | None = None
    personal: bool = False
    """True for `members.powers` without a procedure: each member holds it. Other grants to
    `members` (and those with a procedure) belong to the members together, exercised by a
    carried motion of their general meeting."""

    def reaches(
        self, kind: Literal["office", "body", "member", "matter", "polity"], target: str
    ) -> bool:
        """Whether the grant's scope covers `target` (a missing scope covers everything but
        member polities, which a federal power reaches only where its scope names them)."""
        if target in self.reserved:
            return False
        if kind == "polity":
            return self.scope is not None and (
                self.scope.polities == "all" or target in self.scope.polities
            )
        if self.scope is None:
            return True
        if kind == "member":
            return self.scope.members
        field = {"office": self.scope.offices, "body": self.scope.bodies}.get(kind)
        if field is None:
            field = self.scope.matters
        return field == "all" or target in field


def _holder_kind(constitution: Constitution, holder: str) -> HolderKind:
    kind = constitution.holder_kind(holder)
    return kind if kind is not None else "office"


def _from_power(constitution: Constitution, clause: str, holder: str, power: PowerGrant) -> Grant:
    return Grant(
        clause=clause,
        power=power.power,
        holder=holder,
        holder_kind=_holder_kind(constitution, holder),
        scope=power.scope,
        quota=power.quota,
        cosign=power.cosign,
        reserved=power.reserved,
        procedure=power.procedure,
        personal=holder == "members" and power.procedure is None,
    )


def _from_member_clause(
    constitution: Constitution, clause: str, power: str, rule: MemberClause
) -> Grant:
    scope = rule.scope if rule.scope is not None else Scope(members=True)
    return Grant(
        clause=clause,
        power=power,
        holder=rule.by,
        holder_kind=_holder_kind(constitution, rule.by),
        scope=scope,
        cosign=rule.cosign,
        reserved=rule.reserved,
        procedure=rule.procedure,
    )


def _from_filling(
    constitution: Constitution,
    clause: str,
    kind: Literal["office", "body"],
    target: str,
    filling: Election | Appointment,
) -> Grant:
    scope = Scope(offices=(target,)) if kind == "office" else Scope(bodies=(target,))
    if isinstance(filling, Election):
        return Grant(
            clause=clause,
            power="elect",
            holder=filling.by,
            holder_kind=_holder_kind(constitution, filling.by),
            scope=scope,
            procedure=filling.procedure,
            nominated_by=filling.nominated_by,
        )
    return Grant(
        clause=clause,
        power="appoint",
        holder=filling.by,
        holder_kind=_holder_kind(constitution, filling.by),
        scope=scope,
        cosign=filling.cosign,
    )


def grants_of(constitution: Constitution) -> tuple[Grant, ...]:
    """All grants of `constitution`, in document order (cached: constitutions are immutable)."""
    return _cached(constitution)[0]


def grants_for(constitution: Constitution, power: str) -> tuple[Grant, ...]:
    """The grants of `power`, in document order: `grants_of` filtered, without filtering per act."""
    return _cached(constitution)[1].get(power, ())


_Cache = tuple[tuple[Grant, ...], dict[str, tuple[Grant, ...]]]


def _cached(constitution: Constitution) -> _Cache:
    """The constitution's grants, and the same grants by power, collected once.

    Read from `__pydantic_private__` directly: every act's authority check comes
    here, and pydantic's `__getattr__` for a private attribute costs as much as
    the rest of the lookup.
    """
    private = constitution.__pydantic_private__
    cached: _Cache | None = private.get("_grants") if private is not None else None
    if cached is None:
        grants = _collect(constitution)
        by_power: dict[str, list[Grant]] = {}
        for grant in grants:
            by_power.setdefault(grant.power, []).append(grant)
        cached = (grants, {power: tuple(found) for power, found in by_power.items()})
        constitution._grants = cached
    return cached


def _collect(constitution: Constitution) -> tuple[Grant, ...]:
    grants: list[Grant] = []
    members = constitution.members
    for index, rule in enumerate(members.admission):
        grants.append(
            _from_member_clause(constitution, f"members.admission[{index}]", "admit", rule)
        )
    for index, rule in enumerate(members.expulsion):
        grants.append(
            _from_member_clause(constitution, f"members.expulsion[{index}]", "expel", rule)
        )
    for index, power in enumerate(members.powers):
        grants.append(_from_power(constitution, f"members.powers[{index}]", "members", power))
    for name, body in constitution.bodies.items():
        if isinstance(body.filled_by, Election | Appointment):
            grants.append(
                _from_filling(
                    constitution, f"bodies.{name}.filled_by", "body", name, body.filled_by
                )
            )
        for index, power in enumerate(body.powers):
            grants.append(_from_power(constitution, f"bodies.{name}.powers[{index}]", name, power))
    for name, office in constitution.offices.items():
        grants.append(
            _from_filling(
                constitution, f"offices.{name}.filled_by", "office", name, office.filled_by
            )
        )
        if office.removal is not None:
            removal = office.removal
            grants.append(
                Grant(
                    clause=f"offices.{name}.removal",
                    power="dismiss",
                    holder=removal.by,
                    holder_kind=_holder_kind(constitution, removal.by),
                    scope=Scope(offices=(name,)),
                    procedure=removal.procedure,
                    threshold=removal.threshold,
                )
            )
        for index, power in enumerate(office.powers):
            grants.append(_from_power(constitution, f"offices.{name}.powers[{index}]", name, power))
    if constitution.federation is not None:
        accession = constitution.federation.accession
        grants.append(
            Grant(
                clause="federation.accession",
                power="admit-polity",
                holder=accession.by,
                holder_kind=_holder_kind(constitution, accession.by),
                procedure=accession.procedure,
            )
        )
    if constitution.amendment is not None:
        amendment = constitution.amendment
        grants.append(
            Grant(
                clause="amendment",
                power="amend",
                holder=amendment.by,
                holder_kind=_holder_kind(constitution, amendment.by),
                procedure=amendment.procedure,
            )
        )
    return tuple(grants)
