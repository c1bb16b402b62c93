"""The second pass of validation: every name a clause uses must mean something.

The first pass (pydantic) checks each clause on its own; this one checks them
against each other: unknown offices, bodies, procedures, matters and powers;
elections held by an office; a custom power granted to nothing; entrenched
clauses that do not exist or that another clause contradicts.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from charter.domain.constitution.grants import grants_of
from charter.domain.constitution.model import (
    STANDARD_POWERS,
    Appointment,
    Constitution,
    Delegation,
    Election,
    ExOfficio,
    Joint,
    MemberClause,
    PowerGrant,
    Scope,
)
from charter.domain.document import Path, lookup, parse_path

__all__ = ["Finding", "check_references"]

Finding = tuple[str, Path]
RESERVED_NAMES = frozenset({"members", "all"})


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Checker:
    def __init__(self, constitution: Constitution) -> None:
        self.c = constitution
        self.offices = set(constitution.offices)
        self.bodies = set(constitution.bodies)
        self.procedures = set(constitution.procedures)
        self.matters = set(constitution.matters)
        self.powers = set(STANDARD_POWERS) | set(constitution.custom_powers)
        self.findings: list[Finding] = []

    def add(self, message: str, path: Path) -> None:
        self.findings.append((message, path))

    def expect(self, name: str, path: Path, *, kinds: str, known: set[str]) -> None:
        if name not in known:
            self.add(f"unknown {kinds} '{name}'{_suggest(name, known)}", path)

    def holder(self, name: str, path: Path) -> None:
        self.expect(
            name, path, kinds="office or body", known=self.offices | self.bodies | {"members"}
        )

    def procedure(self, name: str | None, path: Path) -> None:
        if name is not None and name not in self.procedures:
            self.add(
                f"unknown procedure '{name}'{_suggest(name, self.procedures)};"
                " declare it under 'procedures'",
                path,
            )

    def scope(self, scope: Scope | None, path: Path) -> None:
        if scope is None:
            return
        for field, known, kinds in (
            ("offices", self.offices, "office"),
            ("bodies", self.bodies | {"members"}, "body"),
            ("matters", self.matters, "matter"),
        ):
            names = getattr(scope, field)
            if names == "all":
                continue
            for index, name in enumerate(names):
                self.expect(name, (*path, "scope", field, index), kinds=kinds, known=known)

    def names(self, names: tuple[str, ...], path: Path, kinds: str, known: set[str]) -> None:
        for index, name in enumerate(names):
            self.expect(name, (*path, index), kinds=kinds, known=known)

    def grant(self, power: PowerGrant, path: Path) -> None:
        if power.power not in self.powers:
            self.add(
                f"unknown power '{power.power}'{_suggest(power.power, self.powers)};"
                " declare custom powers under 'custom_powers'",
                (*path, "power"),
            )
        self.scope(power.scope, path)
        everything = self.offices | self.bodies | self.matters | {"members"}
        self.names(power.reserved, (*path, "reserved"), "office, body or matter", everything)
        self.names(power.cosign, (*path, "cosign"), "office or body", self.offices | self.bodies)
        self.procedure(power.procedure, (*path, "procedure"))

    def member_clause(self, rule: MemberClause, path: Path) -> None:
        self.holder(rule.by, (*path, "by"))
        self.procedure(rule.procedure, (*path, "procedure"))
        self.scope(rule.scope, path)
        everything = self.offices | self.bodies | {"members"}
        self.names(rule.reserved, (*path, "reserved"), "office or body", everything)
        self.names(rule.cosign, (*path, "cosign"), "office or body", self.offices | self.bodies)

    def filling(self, filling: object, path: Path, own: str) -> None:
        if isinstance(filling, Election):
            if filling.by in self.offices:
                self.add(
                    f"'{filling.by}' is an office; elections are held by a body or the members"
                    " (use method: appointment for a choice by an office)",
                    (*path, "by"),
                )
            else:
                self.expect(
                    filling.by, (*path, "by"), kinds="body", known=self.bodies | {"members"}
                )
            if filling.nominated_by is not None:
                self.holder(filling.nominated_by, (*path, "nominated_by"))
            self.procedure(filling.procedure, (*path, "procedure"))
        elif isinstance(filling, Appointment):
            if filling.by in self.bodies or filling.by == "members":
                self.add(
                    f"'{filling.by}' is a body; appointments are made by an office"
                    " (use method: election for a choice by a body)",
                    (*path, "by"),
                )
            else:
                self.expect(filling.by, (*path, "by"), kinds="office", known=self.offices)
            self.names(
                filling.cosign, (*path, "cosign"), "office or body", self.offices | self.bodies
            )
        elif isinstance(filling, ExOfficio):
            self.names(filling.offices, (*path, "offices"), "office", self.offices)
        elif isinstance(filling, Joint):
            self.names(filling.bodies, (*path, "bodies"), "body", self.bodies - {own})

    def run(self) -> list[Finding]:
        c = self.c
        for name in sorted(self.offices & self.bodies):
            self.add(
                f"'{name}' names both an office and a body; names must be unique", ("offices", name)
            )
        for name in sorted((self.offices | self.bodies) & RESERVED_NAMES):
            kind = "offices" if name in self.offices else "bodies"
            self.add(f"'{name}' is a reserved word and cannot name an office or body", (kind, name))
        for index, rule in enumerate(c.members.admission):
            self.member_clause(rule, ("members", "admission", index))
        for index, rule in enumerate(c.members.expulsion):
            self.member_clause(rule, ("members", "expulsion", index))
        for index, power in enumerate(c.members.powers):
            self.grant(power, ("members", "powers", index))
        for name, body in c.bodies.items():
            path: Path = ("bodies", name)
            self.filling(body.filled_by, (*path, "filled_by"), name)
            self.procedure(body.procedure, (*path, "procedure"))
            self.names(
                body.incompatible_with,
                (*path, "incompatible_with"),
                "office or body",
                (self.offices | self.bodies) - {name},
            )
            for index, power in enumerate(body.powers):
                self.grant(power, (*path, "powers", index))
        for name, office in c.offices.items():
            path = ("offices", name)
            self.filling(office.filled_by, (*path, "filled_by"), name)
            if office.removal is not None:
                self.holder(office.removal.by, (*path, "removal", "by"))
                self.procedure(office.removal.procedure, (*path, "removal", "procedure"))
            self.names(
                office.incompatible_with,
                (*path, "incompatible_with"),
                "office or body",
                (self.offices | self.bodies) - {name},
            )
            for index, power in enumerate(office.powers):
                self.grant(power, (*path, "powers", index))
        # imported here: voting needs constitution.types, which loads this package
        from charter.domain.voting import known_methods

        methods = known_methods()
        for name, procedure in c.procedures.items():
            if procedure.method not in methods:
                self.add(
                    f"unknown voting method '{procedure.method}'{_suggest(procedure.method, methods)}",
                    ("procedures", name, "method"),
                )
        if c.amendment is not None:
            if c.amendment.by in self.offices:
                self.add(
                    "the constitution is amended by a body or the members, not an office",
                    ("amendment", "by"),
                )
            else:
                self.expect(
                    c.amendment.by,
                    ("amendment", "by"),
                    kinds="body",
                    known=self.bodies | {"members"},
                )
            self.procedure(c.amendment.procedure, ("amendment", "procedure"))
        self.federation()
        self.custom_powers_granted()
        self.entrenchments()
        return self.findings

    def federation(self) -> None:
        c = self.c
        criteria = set(c.federation.criteria) if c.federation is not None else set()
        for name, body in c.bodies.items():
            filling = body.filled_by
            if isinstance(filling, Delegation) and filling.proportional_to is not None:
                if filling.proportional_to not in criteria:
                    self.add(
                        f"unknown criterion '{filling.proportional_to}'; declare it under federation.criteria",
                        ("bodies", name, "filled_by", "proportional_to"),
                    )
                if body.seats is None:
                    self.add(
                        "seats shared in proportion need a number of seats to share",
                        ("bodies", name, "seats"),
                    )
        for name, procedure in c.procedures.items():
            for index, majority in enumerate(procedure.majorities):
                if c.federation is None:
                    self.add(
                        "majorities of member polities need a federation clause",
                        ("procedures", name, "majorities", index),
                    )
                elif majority.criterion != "members" and majority.criterion not in criteria:
                    self.add(
                        f"unknown criterion '{majority.criterion}' (members, or one of federation.criteria)",
                        ("procedures", name, "majorities", index, "criterion"),
                    )
            if (procedure.majorities or procedure.veto != "none") and procedure.ballot == "secret":
                self.add(
                    "majorities and vetoes of member polities need open ballots: each delegation's vote counts",
                    ("procedures", name, "ballot"),
                )
            if procedure.veto != "none" and c.federation is None:
                self.add(
                    "a veto of member polities needs a federation clause",
                    ("procedures", name, "veto"),
                )
        federation = c.federation
        if federation is None:
            return
        for index, matter in enumerate(federation.competences):
            if matter == "secession":
                self.add(
                    "secession cannot be a federal competence: each member's right to leave is its own",
                    ("federation", "competences", index),
                )
            else:
                self.expect(
                    matter, ("federation", "competences", index), kinds="matter", known=self.matters
                )
        accession = federation.accession
        self.expect(
            accession.by,
            ("federation", "accession", "by"),
            kinds="body",
            known=self.bodies | {"members"},
        )
        self.procedure(accession.procedure, ("federation", "accession", "procedure"))

    def custom_powers_granted(self) -> None:
        granted = {grant.power for grant in grants_of(self.c)}
        for name in self.c.custom_powers:
            if name not in granted:
                self.add(f"custom power '{name}' is granted to nothing", ("custom_powers", name))

    def entrenchments(self) -> None:
        data = self.c.document.data
        grants = grants_of(self.c)
        for index, rule in enumerate(self.c.entrenched):
            path: Path = ("entrenched", index, "clause")
            try:
                clause = parse_path(rule.clause)
                if data is not None:
                    lookup(data, clause)
            except (KeyError, ValueError) as error:
                self.add(f"entrenched clause '{rule.clause}' does not exist ({error})", path)
                continue
            if not rule.exclusive:
                continue
            held = [grant for grant in grants if grant.clause == rule.clause]
            if not held:
                self.add(
                    f"'{rule.clause}' grants no power, so it cannot be entrenched as exclusive",
                    path,
                )
                continue
            power = held[0].power
            for grant in grants:
                if grant.power == power and grant.clause != rule.clause:
                    self.add(
                        f"grants '{power}', contradicting entrenched clause {rule.clause}"
                        f" (entrenched[{index}]), which alone may grant it",
                        parse_path(grant.clause),
                    )


def check_references(constitution: Constitution) -> list[Finding]:
    """Every cross-reference problem in `constitution`, as (message, path) pairs."""
    return _Checker(constitution).run()
