"""The JSON API under /api: read a polity, act in it, and check its ledger.

Reads are public: a polity's ledger is meant to be verified by anyone. Acting
needs a signed-in member (a session with its CSRF token, or an API token with
the `act` scope) and is performed as that member; the domain judges it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from charter.domain.acts import Act
from charter.domain.inspection.report import inspect
from charter.ledger.bundle import write_bundle
from charter.services.sequencer import Performed
from charter.web.accounts import AccountError
from charter.web.auth import (
    Principal,
    allowed_actor,
    principal,
    principal_soon,
    require_actor,
    runtime_of,
)
from charter.web.dashboards import federation_view
from charter.web.errors import WebError
from charter.web.powers import motion_moves, my_powers
from charter.web.receipts import (
    RECEIPT_FORMAT,
    cast_receipt,
    check_receipt,
    closing_view,
    open_receipt,
    secret_ballot,
)
from charter.web.runtime import Runtime
from charter.web.schemas import (
    ActRequest,
    ActResult,
    ErrorBody,
    NewAccount,
    TokenIssued,
    TokenRequest,
)
from charter.web.views import (
    checkpoint_view,
    constitution_view,
    entries_view,
    polity_summary,
    state_view,
)

__all__ = ["perform", "perform_as", "router"]

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 401, 403, 404, 422, 429)
}

router = APIRouter(prefix="/api", responses=ERRORS)


@router.get("/polities", tags=["polities"])
def list_polities(request: Request) -> list[dict[str, Any]]:
    """Every polity in the database, with its ledger size and root."""
    runtime = runtime_of(request)
    with runtime.polities() as service:
        return [polity_summary(record) for record in service.store.polities()]


@router.get("/polities/{polity_id}", tags=["polities"])
def polity_state(request: Request, polity_id: str) -> dict[str, Any]:
    """Members, offices and bodies with their holders, and every motion with its status and result."""
    runtime = runtime_of(request)
    with runtime.polities() as service:
        polity = service.polity(polity_id)
        size = service.store.head(polity_id).size
        return state_view(polity_id, polity.state, runtime.now(), size)


@router.get("/polities/{polity_id}/constitution", tags=["polities"])
def polity_constitution(request: Request, polity_id: str) -> dict[str, Any]:
    """The constitution in force: its document, its clauses, and every power it grants."""
    runtime = runtime_of(request)
    with runtime.polities() as service:
        return constitution_view(polity_id, service.polity(polity_id).state)


@router.get("/polities/{polity_id}/inspection", tags=["polities"])
def polity_inspection(request: Request, polity_id: str) -> dict[str, Any]:
    """The Inspection's report: who really holds power, and the evidence."""
    runtime = runtime_of(request)
    with runtime.polities() as service:
        polity = service.polity(polity_id)
        state, record = polity.state, polity.record
    return inspect(state, record, polity_id).as_dict()


@router.get("/polities/{polity_id}/federation", tags=["polities"])
def polity_federation(request: Request, polity_id: str) -> dict[str, Any]:
    """For a federation: its competences, member polities (with criteria, joining and leaving)
    and delegates; for any polity, the federations in this database it is a member of, and
    its own record of federations it joined or left."""
    runtime = runtime_of(request)
    with runtime.polities() as service:
        service.store.head(polity_id)
        return federation_view(service, polity_id, runtime.memberships)


def perform(request: Request, polity_id: str, body: ActRequest, csrf: str | None) -> ActResult:
    """Perform `body` as the signed-in member; shared by the API and the pages' forms.

    Whoever the act made a member (an admission, or a carried motion admitting
    them) gets an account, its one-time password returned to the actor alone.
    A ballot on a secret vote goes into the ballot box (checked first, under a
    new receipt) and the ledger records only that its voter voted; closing a
    secret vote hands in the box, sorted by receipt, unless the act brings one.
    """
    return perform_as(request, polity_id, _actor(request, polity_id, body, csrf), body, ())


def _actor(request: Request, polity_id: str, body: ActRequest, csrf: str | None) -> str:
    """The signed-in member who may act here (401/403 otherwise)."""
    return _acting(require_actor(request, polity_id, "act", csrf, changes=True), polity_id, body)


def _acting(who: Principal, polity_id: str, body: ActRequest) -> str:
    """The person who acts, unless the act asks for co-signers (who sign for themselves)."""
    if body.cosigned_by:
        raise WebError(
            422,
            "cosignature_needs_cosigners",
            "co-signers sign for themselves: propose the act with POST"
            f" /api/polities/{polity_id}/cosignings and each co-signer signs it there",
            where="cosigned_by",
        )
    return who.person


def perform_as(
    request: Request,
    polity_id: str,
    actor: str,
    body: ActRequest,
    cosigned_by: tuple[str, ...],
) -> ActResult:
    """Perform `body` as `actor` (whose credential the caller has checked), co-signed by
    `cosigned_by` (who have each signed it themselves), waiting on this thread."""
    runtime = runtime_of(request)
    prepared = prepare(runtime, polity_id, actor, body, cosigned_by)
    try:
        performed = runtime.sequencer.perform(
            polity_id, prepared.act, alone=prepared.alone, prove=prepared.prove
        )
    except BaseException:
        prepared.withdraw(runtime)
        raise
    return finish(runtime, polity_id, prepared, performed)


@dataclass(frozen=True, slots=True)
class Prepared:
    """An act ready for the sequencer, and what answering it will need.

    The act is prepared against this worker's fold as last seen (no store read,
    no lock: a secret vote's box needs to know the motion) and handed to the
    runtime's sequencer, which judges it against the head with whatever else is
    queued, stores the batch in one commit, signs one checkpoint over it and
    answers with the open ballots' inclusion proofs. Only ballots share a batch:
    any other act may admit members, so it goes alone and whom it admitted is
    exactly the difference around it.
    """

    polity_id: str
    act: Act
    kind: str
    motion: str
    secret: bool
    code: str | None = None
    """A secret ballot's receipt code: its item is in the box already."""
    box_item: dict[str, Any] | None = None

    @property
    def alone(self) -> bool:
        return self.kind != "cast-ballot"

    @property
    def prove(self) -> bool:
        return self.kind == "cast-ballot" and self.code is None

    def withdraw(self, runtime: Runtime) -> None:
        """The act was not stored: take its ballot back out of the box."""
        if self.code is not None:
            runtime.box.take(self.polity_id, self.motion, self.code)

    def needs_store(self, performed: Performed) -> bool:
        """Whether answering touches the database (the box, or new accounts)."""
        return self.code is not None or self.secret or bool(performed.admitted)


def prepare(
    runtime: Runtime,
    polity_id: str,
    actor: str,
    body: ActRequest,
    cosigned_by: tuple[str, ...],
) -> Prepared:
    """The act `body` as `actor`, a secret ballot already in the box (see `Prepared`)."""
    now = runtime.now()
    args = dict(body.args)
    name = args.get("motion")
    polity = runtime.snapshot(polity_id)
    motion = polity.state.motions.get(name) if isinstance(name, str) else None
    if isinstance(name, str) and (motion is None or (motion.secret and motion.status != "open")):
        polity = runtime.polity(polity_id)  # new to this worker, or it may have opened since
        motion = polity.state.motions.get(name)
    secret = motion is not None and motion.secret and motion.status == "open"
    box_item: dict[str, Any] | None = None
    if secret and motion is not None and body.act == "cast-ballot":
        box_item = secret_ballot(polity, motion, args, actor, now)
        args = {"motion": motion.id}
    elif secret and motion is not None and body.act == "close-vote" and "box" not in args:
        args["box"] = runtime.box.contents(polity_id, motion.id)
    act = _act(actor, body, now, args, cosigned_by)
    code = None if box_item is None else runtime.box.put(polity_id, str(name), box_item)
    return Prepared(polity_id, act, body.act, str(name), secret, code, box_item)


def prepare_at_once(
    runtime: Runtime, polity_id: str, actor: str, body: ActRequest
) -> Prepared | None:
    """`prepare`, when it needs neither the store nor a lock (so the event loop may run it):
    the polity folded here already and the act's motion, if it names one, known to this
    fold and not secret. None otherwise: then `prepare` it on a thread."""
    polity = runtime.service.snapshot(polity_id)
    if polity is None:
        return None
    args = dict(body.args)
    name = args.get("motion")
    if isinstance(name, str):
        motion = polity.state.motions.get(name)
        if motion is None or motion.secret:
            return None
    return Prepared(
        polity_id, _act(actor, body, runtime.now(), args, ()), body.act, str(name), False
    )


def _act(
    actor: str,
    body: ActRequest,
    now: datetime,
    args: dict[str, Any],
    cosigned_by: tuple[str, ...],
) -> Act:
    return Act(
        actor=actor,
        kind=body.act,
        time=now,  # the sequencer keeps web acts in time order (restamp)
        args=args,
        power=body.power,
        capacity=body.as_,
        cosigned_by=cosigned_by,
        note=body.note,
    )


def finish(runtime: Runtime, polity_id: str, prepared: Prepared, performed: Performed) -> ActResult:
    """The answer to a performed act: its entry, a ballot's receipt, new members' accounts."""
    entry = performed.entry
    granted = entry.outcome.granted
    if prepared.code is not None and not granted:
        runtime.box.take(polity_id, prepared.motion, prepared.code)
    if prepared.secret and prepared.kind == "close-vote" and granted:
        runtime.box.empty(polity_id, prepared.motion)
    seq = entry.index + 1
    receipt: dict[str, Any] | None = None
    if prepared.kind == "cast-ballot" and granted:
        if prepared.code is not None and prepared.box_item is not None:
            receipt = {
                "charter-receipt": RECEIPT_FORMAT,
                "polity": polity_id,
                "motion": prepared.motion,
                "secret": True,
                "receipt": prepared.code,
                "ballot": prepared.box_item,
            }
        else:
            receipt = cast_receipt(polity_id, performed)
    accounts = [
        NewAccount(person=person, password=runtime.accounts.admit(polity_id, person))
        for person in performed.admitted
    ]
    return ActResult(
        seq=seq,
        verdict=entry.outcome.verdict,
        granted=granted,
        basis=entry.outcome.basis,
        effects=list(entry.outcome.effects),
        entry={"seq": seq, **entry.as_dict(), **_cosigned(entry.act.cosigned_by)},
        receipt=receipt,
        accounts=accounts,
    )


def _cosigned(cosigners: tuple[str, ...]) -> dict[str, Any]:
    return {"cosigned_by": list(cosigners)} if cosigners else {}


@router.post("/polities/{polity_id}/acts", tags=["acts"])
async def perform_act(request: Request, polity_id: str, body: ActRequest) -> ActResult:
    """Perform an act as the signed-in member: granted citing its clause, or refused with the
    reason (both recorded, status 200). A malformed act is 422 and records nothing. A session
    must send its CSRF token in the X-CSRF-Token header."""
    # A Bearer token is looked up together with the other requests' while the event loop
    # waits, and an open ballot is prepared on the loop; a session, a secret ballot (the box)
    # or a polity not yet folded here go to a worker thread. The wait for the batch holds no
    # thread, so a batch is as big as what is in flight, and its answers are made on the
    # event loop rather than by a crowd of woken threads contending with the sequencer.
    runtime = runtime_of(request)
    who = allowed_actor(await principal_soon(request), request, polity_id, "act", changes=True)
    actor = _acting(who, polity_id, body)
    prepared = prepare_at_once(runtime, polity_id, actor, body)
    if prepared is None:
        prepared = await run_in_threadpool(prepare, runtime, polity_id, actor, body, ())
    future = runtime.sequencer.submit(
        polity_id, prepared.act, alone=prepared.alone, prove=prepared.prove
    )
    try:
        # shielded: a client gone away does not withdraw an act the sequencer may be storing
        performed = await asyncio.shield(asyncio.wrap_future(future))
    except asyncio.CancelledError:
        raise
    except BaseException:
        await run_in_threadpool(prepared.withdraw, runtime)
        raise
    if prepared.needs_store(performed):
        return await run_in_threadpool(finish, runtime, polity_id, prepared, performed)
    return finish(runtime, polity_id, prepared, performed)


@router.get("/polities/{polity_id}/entries", tags=["ledger"])
def ledger_entries(
    request: Request,
    polity_id: str,
    start: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:
    """The ledger's entries as stored, a page at a time (the genesis entry is 0)."""
    runtime = runtime_of(request)
    with runtime.polities() as service:
        size = service.store.head(polity_id).size
        stop = min(size, start + limit)
        entries = service.store.entries(polity_id, start, stop) if start < size else []
    return entries_view(entries, start, size, limit)


@router.get("/polities/{polity_id}/receipts/{seq:int}", tags=["receipts"])
def ballot_receipt(request: Request, polity_id: str, seq: int) -> dict[str, Any]:
    """The receipt of the open ballot recorded at entry SEQ: its position and an inclusion
    proof against the newest signed checkpoint (open ballots are public already)."""
    runtime = runtime_of(request)
    with runtime.polities() as service:
        service.store.head(polity_id)
        return open_receipt(service, polity_id, seq)


@router.post("/polities/{polity_id}/receipts/check", tags=["receipts"])
def receipt_check(request: Request, polity_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Check a receipt (the JSON given when voting): is the ballot in the ledger, in which
    entry, with the inclusion proof that checked (`status` included, pending, missing or
    mismatch). Changes nothing; no sign-in needed."""
    runtime = runtime_of(request)
    with runtime.polities() as service:
        service.store.head(polity_id)
        return check_receipt(service, runtime.box, polity_id, body).as_dict()


@router.get("/polities/{polity_id}/motions/{motion}/closing", tags=["receipts"])
def motion_closing(request: Request, polity_id: str, motion: str) -> dict[str, Any]:
    """The `close-vote` entry of MOTION with its ballot box and inclusion proof (nulls while
    the vote is open): what a voter needs to find a secret receipt without sending it."""
    runtime = runtime_of(request)
    with runtime.polities() as service:
        service.store.head(polity_id)
        return closing_view(service, polity_id, motion)


@router.get("/polities/{polity_id}/checkpoints", tags=["ledger"])
def ledger_checkpoints(request: Request, polity_id: str) -> list[dict[str, Any]]:
    """Every signed checkpoint (RFC 9162 signed tree heads, as signed notes)."""
    runtime = runtime_of(request)
    with runtime.polities() as service:
        service.store.head(polity_id)
        return [checkpoint_view(c) for c in service.store.checkpoints(polity_id)]


@router.get("/polities/{polity_id}/proofs/inclusion/{index}", tags=["ledger"])
def inclusion_proof(
    request: Request, polity_id: str, index: int, size: int | None = Query(None, ge=1)
) -> dict[str, Any]:
    """That entry INDEX is in the tree of SIZE entries (default: the whole ledger)."""
    runtime = runtime_of(request)
    with runtime.polities() as service:
        head = service.store.head(polity_id).size
        tree = head if size is None else size
        if size is not None and size > head:
            raise WebError(400, "bad_proof_request", f"the ledger has {head} entries", "size")
        if not 0 <= index < tree:
            raise WebError(
                400, "bad_proof_request", f"no entry {index} in a tree of {tree}", "index"
            )
        return service.prove_inclusion(polity_id, index, size).as_dict()


@router.get("/polities/{polity_id}/proofs/consistency", tags=["ledger"])
def consistency_proof(
    request: Request,
    polity_id: str,
    old: int = Query(ge=1),
    new: int = Query(ge=1),
) -> dict[str, Any]:
    """That the first OLD entries are unchanged in the tree of NEW entries."""
    runtime = runtime_of(request)
    with runtime.polities() as service:
        head = service.store.head(polity_id).size
        if not old <= new <= head:
            raise WebError(
                400, "bad_proof_request", f"need old <= new <= {head} (the ledger's size)", "new"
            )
        return service.prove_consistency(polity_id, old, new).as_dict()


@router.get(
    "/polities/{polity_id}/export",
    tags=["ledger"],
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def export_bundle(request: Request, polity_id: str) -> Response:
    """The export bundle: everything `charter verify` needs to check the polity offline."""
    runtime = runtime_of(request)
    with runtime.polities() as service:
        service.store.head(polity_id)
        data = write_bundle(service.export(polity_id))
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{polity_id}.bundle"'},
    )


@router.get("/me", tags=["accounts"])
def me(request: Request) -> dict[str, Any]:
    """Who the request is signed in as (401 if nobody), and the CSRF token of a session."""
    who = principal(request)
    if who is None:
        raise WebError(401, "not_signed_in", "not signed in")
    return {
        "polity": who.polity_id,
        "person": who.person,
        "via": who.via,
        "scopes": list(who.scopes),
        "csrf_token": who.csrf or None,
    }


@router.get("/polities/{polity_id}/powers", tags=["accounts"])
def powers(request: Request, polity_id: str) -> dict[str, Any]:
    """For the signed-in member: each power, granted now (with its clause) or not (why not),
    and each step they might take on an undecided motion, as the domain would judge it now."""
    who = require_actor(request, polity_id, "read", changes=False)
    runtime = runtime_of(request)
    with runtime.polities() as service:
        polity = service.polity(polity_id)
        now = runtime.now()
        answers = my_powers(polity, who.person, now)
        moves = motion_moves(polity, who.person, now, lambda m: runtime.box.contents(polity_id, m))
    return {
        "person": who.person,
        "powers": [answer.as_dict() for answer in answers],
        "motions": [move.as_dict() for move in moves],
    }


@router.get("/tokens", tags=["accounts"])
def list_tokens(request: Request) -> list[dict[str, Any]]:
    """The signed-in person's API tokens (never their values)."""
    who = principal(request)
    if who is None:
        raise WebError(401, "not_signed_in", "not signed in")
    runtime = runtime_of(request)
    return [
        {"id": t.id, "name": t.name, "scopes": list(t.scopes), "revoked": t.revoked}
        for t in runtime.accounts.tokens_of(who.account)
    ]


@router.post("/tokens", tags=["accounts"], status_code=201)
def issue_token(request: Request, body: TokenRequest) -> TokenIssued:
    """A new API token for the signed-in person (from a session, with its CSRF token)."""
    who = principal(request)
    if who is None or who.via != "session":
        raise WebError(401, "not_signed_in", "sign in with a session to issue API tokens")
    require_actor(request, who.polity_id, "act", changes=True)
    runtime = runtime_of(request)
    try:
        token, token_id = runtime.accounts.issue_token(who.account, body.name, tuple(body.scopes))
    except AccountError as error:
        raise WebError(422, "invalid_scope", str(error), "scopes") from None
    return TokenIssued(id=token_id, token=token, scopes=sorted(set(body.scopes)))


@router.delete("/tokens/{token_id}", tags=["accounts"], status_code=204)
def revoke_token(request: Request, token_id: int) -> Response:
    """Revoke one of the signed-in person's tokens (a token may revoke itself)."""
    who = principal(request)
    if who is None:
        raise WebError(401, "not_signed_in", "not signed in")
    require_actor(request, who.polity_id, "read", changes=True)
    if not runtime_of(request).accounts.revoke_token(who.account, token_id):
        raise WebError(404, "unknown_token", f"you have no live token {token_id}", "token_id")
    return Response(status_code=204)
