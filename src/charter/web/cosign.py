"""Co-signatures through the web: an act is proposed, each named co-signer signs it, then it is performed.

A grant with `cosign` needs, besides its holder, a holder of each named office
or body to put their name to the act (`cosigned_by`). Nobody may sign for
someone else, so the web keeps the act pending in `web_cosignings` until every
co-signer named has signed in and signed it; then it is performed as the
proposer's act with `cosigned_by` set, and judged by the same authority check
as any act (granted citing its clause, or refused with the reason, both
recorded). One refusal to sign ends the request; so does its proposer
withdrawing it. Nothing pending is evidence: only the performed act is.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from charter.domain.acts import Act
from charter.domain.polity import Polity
from charter.storage.engine import WRITE_OPTION
from charter.storage.schema import web_cosign_answers, web_cosignings
from charter.web.errors import WebError
from charter.web.schemas import ActRequest

__all__ = ["CosignStore", "Cosigning", "validate_proposal"]

Status = Literal["pending", "performing", "performed", "declined", "withdrawn", "failed"]


@dataclass(frozen=True, slots=True)
class Cosigning:
    """One act waiting for (or done with) its co-signers."""

    id: int
    polity_id: str
    proposer: str
    act: dict[str, Any]
    cosigners: tuple[str, ...]
    status: Status
    created_at: float
    seq: int | None
    answers: dict[str, str]

    @property
    def waiting_for(self) -> tuple[str, ...]:
        return tuple(p for p in self.cosigners if p not in self.answers)

    def request(self) -> ActRequest:
        return ActRequest.model_validate(self.act)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "polity": self.polity_id,
            "proposer": self.proposer,
            "act": self.act,
            "cosigners": list(self.cosigners),
            "answers": self.answers,
            "waiting_for": list(self.waiting_for),
            "status": self.status,
            "seq": self.seq,
        }


def validate_proposal(polity: Polity, proposer: str, body: ActRequest, act: Act) -> None:
    """Refuse (422) a proposal that could never be performed as written; changes nothing.

    The co-signers must be members other than the proposer, named once; the act
    must be well formed (the domain reads it now, without recording anything).
    Whether it is *granted* is decided only when it is performed.
    """
    members = polity.state.members
    seen: set[str] = set()
    for index, person in enumerate(body.cosigned_by):
        where = f"cosigned_by[{index}]"
        if person == proposer:
            raise WebError(422, "invalid_cosigner", "you cannot co-sign your own act", where)
        if person in seen:
            raise WebError(422, "invalid_cosigner", f"{person} is named twice", where)
        if person not in members:
            raise WebError(422, "invalid_cosigner", f"{person} is not a member", where)
        seen.add(person)
    polity.judge(act)  # ActError (422 malformed_act, with its path) if the act is malformed


class CosignStore:
    """Pending co-signed acts and their co-signers' answers, in the web's tables."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock

    def propose(self, polity_id: str, proposer: str, body: ActRequest) -> Cosigning:
        act = body.model_dump(by_alias=True, exclude={"cosigned_by"}, exclude_defaults=True)
        act["act"] = body.act
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                result = connection.execute(
                    insert(web_cosignings).values(
                        polity_id=polity_id,
                        proposer=proposer,
                        act=json.dumps(act, sort_keys=True),
                        cosigners=json.dumps(list(body.cosigned_by)),
                        status="pending",
                        created_at=self.clock(),
                    )
                )
                key = result.inserted_primary_key
        assert key is not None
        return self.get(polity_id, int(key[0]))

    def get(self, polity_id: str, cosigning_id: int) -> Cosigning:
        found = self._load(
            (web_cosignings.c.polity_id == polity_id) & (web_cosignings.c.id == cosigning_id)
        )
        if not found:
            raise WebError(
                404, "not_found", f"no co-signing {cosigning_id} in {polity_id}", "cosigning_id"
            )
        return found[0]

    def of_polity(self, polity_id: str) -> list[Cosigning]:
        return self._load(web_cosignings.c.polity_id == polity_id)

    def _load(self, condition: Any) -> list[Cosigning]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(web_cosignings).where(condition).order_by(web_cosignings.c.id)
            ).all()
            ids = [row.id for row in rows]
            answers: dict[int, dict[str, str]] = {i: {} for i in ids}
            if ids:
                for answer in connection.execute(
                    select(web_cosign_answers).where(web_cosign_answers.c.cosigning_id.in_(ids))
                ):
                    answers[answer.cosigning_id][answer.person] = answer.answer
        return [
            Cosigning(
                row.id,
                row.polity_id,
                row.proposer,
                json.loads(row.act),
                tuple(json.loads(row.cosigners)),
                row.status,
                row.created_at,
                row.seq,
                answers[row.id],
            )
            for row in rows
        ]

    def answer(
        self, polity_id: str, cosigning_id: int, person: str, answer: Literal["signed", "declined"]
    ) -> Cosigning:
        """Record `person`'s answer; with the last signature, claim the act for performing.

        The claim is a conditional update (pending -> performing), so among
        concurrent last signers exactly one performs the act.
        """
        current = self.get(polity_id, cosigning_id)
        if person not in current.cosigners:
            raise WebError(
                403,
                "not_a_cosigner",
                f"{person} is not asked to co-sign request {cosigning_id}"
                f" (asked: {', '.join(current.cosigners)})",
            )
        if current.status != "pending":
            raise WebError(
                409, "not_pending", f"request {cosigning_id} is {current.status}", "cosigning_id"
            )
        try:
            with self.engine.connect() as connection:
                connection.execution_options(**{WRITE_OPTION: True})
                with connection.begin():
                    connection.execute(
                        insert(web_cosign_answers).values(
                            cosigning_id=cosigning_id, person=person, answer=answer, at=self.clock()
                        )
                    )
                    if answer == "declined":
                        self._move(connection, cosigning_id, "pending", "declined")
        except IntegrityError:
            raise WebError(
                409, "already_answered", f"{person} has already answered request {cosigning_id}"
            ) from None
        done = self.get(polity_id, cosigning_id)
        if answer == "signed" and not done.waiting_for:
            with self.engine.connect() as connection:
                connection.execution_options(**{WRITE_OPTION: True})
                with connection.begin():
                    claimed = self._move(connection, cosigning_id, "pending", "performing")
            if claimed:
                return self.get(polity_id, cosigning_id)
        return done

    def withdraw(self, polity_id: str, cosigning_id: int, person: str) -> Cosigning:
        current = self.get(polity_id, cosigning_id)
        if person != current.proposer:
            raise WebError(
                403, "not_the_proposer", f"only {current.proposer} may withdraw this request"
            )
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                moved = self._move(connection, cosigning_id, "pending", "withdrawn")
        if not moved:
            raise WebError(
                409, "not_pending", f"request {cosigning_id} is {current.status}", "cosigning_id"
            )
        return self.get(polity_id, cosigning_id)

    def performed(self, cosigning_id: int, seq: int | None) -> None:
        """The claimed act was recorded at `seq` (None: it failed before being recorded)."""
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                connection.execute(
                    update(web_cosignings)
                    .where(web_cosignings.c.id == cosigning_id)
                    .values(status="performed" if seq is not None else "failed", seq=seq)
                )

    @staticmethod
    def _move(connection: Any, cosigning_id: int, old: str, new: str) -> bool:
        result = connection.execute(
            update(web_cosignings)
            .where(web_cosignings.c.id == cosigning_id, web_cosignings.c.status == old)
            .values(status=new)
        )
        return bool(result.rowcount)
