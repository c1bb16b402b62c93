"""The API for co-signatures: propose an act needing co-signers, sign or decline it, withdraw it.

The functions here serve the API routes and the "my powers" page alike. Every
answer is given by the signed-in co-signer themselves (a session with its CSRF
token, or an API token with the `act` scope); the act is performed, as the
proposer's, only once every co-signer has signed, and the domain judges it.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path, Request

from charter.domain.acts import Act
from charter.web.api import ERRORS, perform_as
from charter.web.auth import require_actor, runtime_of
from charter.web.cosign import Cosigning, validate_proposal
from charter.web.errors import WebError
from charter.web.schemas import ActRequest, ActResult, CosignAnswer, CosigningView

__all__ = ["answer_cosigning", "propose_cosigning", "router", "withdraw_cosigning"]

router = APIRouter(prefix="/api", responses={**ERRORS, 409: ERRORS[400]})

CosigningId = Path(ge=1, le=2**31 - 1, description="The request's number.")
"""Bounded like the database's integer column, so an absurd id is 422, not a database error."""


def _view(cosigning: Cosigning) -> CosigningView:
    return CosigningView.model_validate(cosigning.as_dict())


def propose_cosigning(
    request: Request, polity_id: str, body: ActRequest, csrf: str | None
) -> Cosigning:
    """Keep `body` pending for its co-signers; 422 (nothing kept) if it could never be performed."""
    who = require_actor(request, polity_id, "act", csrf, changes=True)
    if not body.cosigned_by:
        raise WebError(
            422,
            "no_cosigners",
            "name the members who must co-sign (cosigned_by); an act without co-signers is"
            " performed directly (POST .../acts)",
            "cosigned_by",
        )
    runtime = runtime_of(request)
    with runtime.polities() as service:
        polity = service.polity(polity_id)
        act = Act(
            actor=who.person,
            kind=body.act,
            time=runtime.now(),
            args=body.args,
            power=body.power,
            capacity=body.as_,
            cosigned_by=tuple(body.cosigned_by),
            note=body.note,
        )
        validate_proposal(polity, who.person, body, act)
    return runtime.cosign.propose(polity_id, who.person, body)


def answer_cosigning(
    request: Request,
    polity_id: str,
    cosigning_id: int,
    answer: Literal["signed", "declined"],
    csrf: str | None,
) -> tuple[Cosigning, ActResult | None]:
    """Record the signed-in co-signer's answer; perform the act once all have signed."""
    who = require_actor(request, polity_id, "act", csrf, changes=True)
    runtime = runtime_of(request)
    with runtime.polities() as service:
        service.store.head(polity_id)
    cosigning = runtime.cosign.answer(polity_id, cosigning_id, who.person, answer)
    if cosigning.status != "performing":
        return cosigning, None
    try:
        result = perform_as(
            request, polity_id, cosigning.proposer, cosigning.request(), cosigning.cosigners
        )
    except BaseException:
        runtime.cosign.performed(cosigning.id, None)
        raise
    runtime.cosign.performed(cosigning.id, result.seq)
    return runtime.cosign.get(polity_id, cosigning_id), result


def withdraw_cosigning(
    request: Request, polity_id: str, cosigning_id: int, csrf: str | None
) -> Cosigning:
    who = require_actor(request, polity_id, "act", csrf, changes=True)
    return runtime_of(request).cosign.withdraw(polity_id, cosigning_id, who.person)


@router.post("/polities/{polity_id}/cosignings", tags=["co-signatures"], status_code=201)
def propose(request: Request, polity_id: str, body: ActRequest) -> CosigningView:
    """Propose an act that needs co-signers (`cosigned_by`): it is kept pending, not recorded,
    until each co-signer named has signed it. A malformed act, or co-signers who are not
    members (or the proposer), are 422 and nothing is kept."""
    return _view(propose_cosigning(request, polity_id, body, None))


@router.get("/polities/{polity_id}/cosignings", tags=["co-signatures"])
def list_cosignings(request: Request, polity_id: str) -> list[CosigningView]:
    """Every act proposed for co-signature in the polity (for its signed-in members)."""
    require_actor(request, polity_id, "read", changes=False)
    return [_view(c) for c in runtime_of(request).cosign.of_polity(polity_id)]


@router.get("/polities/{polity_id}/cosignings/{cosigning_id}", tags=["co-signatures"])
def get_cosigning(
    request: Request, polity_id: str, cosigning_id: int = CosigningId
) -> CosigningView:
    """One act proposed for co-signature, with each answer so far."""
    require_actor(request, polity_id, "read", changes=False)
    return _view(runtime_of(request).cosign.get(polity_id, cosigning_id))


@router.post("/polities/{polity_id}/cosignings/{cosigning_id}/sign", tags=["co-signatures"])
def sign(request: Request, polity_id: str, cosigning_id: int = CosigningId) -> CosignAnswer:
    """Sign as one of the co-signers named (403 for anyone else, 409 if no longer pending).
    With the last signature the act is performed as the proposer's, with `cosigned_by`, and
    judged by the authority check: `result` is then the recorded outcome."""
    cosigning, result = answer_cosigning(request, polity_id, cosigning_id, "signed", None)
    return CosignAnswer(cosigning=_view(cosigning), result=result)


@router.post("/polities/{polity_id}/cosignings/{cosigning_id}/decline", tags=["co-signatures"])
def decline(request: Request, polity_id: str, cosigning_id: int = CosigningId) -> CosignAnswer:
    """Decline to co-sign: the request ends, and nothing is recorded in the ledger."""
    cosigning, result = answer_cosigning(request, polity_id, cosigning_id, "declined", None)
    return CosignAnswer(cosigning=_view(cosigning), result=result)


@router.post("/polities/{polity_id}/cosignings/{cosigning_id}/withdraw", tags=["co-signatures"])
def withdraw(request: Request, polity_id: str, cosigning_id: int = CosigningId) -> CosigningView:
    """Withdraw your own proposal while it is pending."""
    return _view(withdraw_cosigning(request, polity_id, cosigning_id, None))
