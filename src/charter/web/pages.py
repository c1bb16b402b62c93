"""The server-rendered pages: the polity, its constitution, motions, my powers, the ledger.

Forms post to the same `perform` the API uses, so an act from a page is
performed as the signed-in person (never a form field) and judged by the
domain. Every form carries the session's CSRF token.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Literal

import yaml
from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from charter.web.accounts import AccountError
from charter.web.api import perform
from charter.web.api_cosign import answer_cosigning, propose_cosigning, withdraw_cosigning
from charter.web.auth import (
    check_csrf,
    check_login_token,
    login_token,
    principal,
    rate_limit,
    runtime_of,
    session_cookie,
    set_login_cookie,
    set_session,
)
from charter.web.charts import result_chart
from charter.web.dashboards import federation_view, inspection_view
from charter.web.errors import WebError
from charter.web.powers import motion_moves, my_powers
from charter.web.receipts import check_receipt, open_receipt, parse_receipt_text
from charter.web.rendering import render
from charter.web.schemas import ActRequest
from charter.web.views import (
    checkpoint_view,
    constitution_view,
    entries_view,
    polity_summary,
    state_view,
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _outcome(request: Request, polity_id: str, entry: int | None) -> dict[str, Any] | None:
    """The outcome of entry `entry` (just performed from a form), to show at the top of a page."""
    if entry is None:
        return None
    with runtime_of(request).polities() as service:
        record = service.polity(polity_id).record
    if not 1 <= entry <= len(record):
        return None
    return {"seq": entry, **record[entry - 1].as_dict()}


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    with runtime_of(request).polities() as service:
        polities = [polity_summary(record) for record in service.store.polities()]
    return render(request, "home.html", {"polities": polities})


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, polity: str = "", person: str = "") -> Response:
    with runtime_of(request).polities() as service:
        polities = [record.id for record in service.store.polities()]
    token = login_token(request)
    response = render(
        request,
        "login.html",
        {"polities": polities, "polity": polity, "person": person, "csrf_token": token},
    )
    set_login_cookie(request, response)
    return response


@router.post("/login")
def login(
    request: Request,
    polity: str = Form(""),
    person: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    check_login_token(request, csrf_token)
    runtime = runtime_of(request)
    keys = rate_limit(request, polity, person)
    account = runtime.accounts.check_password(polity, person, password)
    if account is not None:
        with runtime.polities() as service:
            if person not in service.polity(polity).state.members:
                account = None  # an account outlives membership only as a row: no sign-in
    if account is None:
        runtime.accounts.record_failure(keys)
        raise WebError(401, "bad_credentials", "wrong polity, person or password", "password")
    session_id, _session = runtime.accounts.open_session(account)
    response = RedirectResponse(f"/p/{polity}/powers", status_code=303)
    set_session(runtime, response, session_id)
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("")) -> Response:
    runtime = runtime_of(request)
    who = principal(request)
    response = RedirectResponse("/", status_code=303)
    if who is not None and who.via == "session":
        check_csrf(who, csrf_token)
        cookie = request.cookies.get(session_cookie(runtime))
        if cookie:
            runtime.accounts.close_session(cookie)
    set_session(runtime, response, None)
    return response


@router.get("/p/{polity_id}", response_class=HTMLResponse)
def polity_page(request: Request, polity_id: str) -> Response:
    runtime = runtime_of(request)
    with runtime.polities() as service:
        state = service.polity(polity_id).state
        size = service.store.head(polity_id).size
    view = state_view(polity_id, state, runtime.now(), size)
    return render(request, "polity.html", {"polity": view, "tab": "polity"})


@router.get("/p/{polity_id}/constitution", response_class=HTMLResponse)
def constitution_page(request: Request, polity_id: str) -> Response:
    with runtime_of(request).polities() as service:
        state = service.polity(polity_id).state
    view = constitution_view(polity_id, state)
    by_anchor: dict[str, list[dict[str, Any]]] = {}
    for grant in view["grants"]:
        by_anchor.setdefault(grant["anchor"], []).append(grant)
    return render(
        request,
        "constitution.html",
        {
            "polity": {"id": polity_id, "name": view["name"]},
            "c": view,
            "grants": by_anchor,
            "tab": "constitution",
        },
    )


@router.get("/p/{polity_id}/motions", response_class=HTMLResponse)
def motions_page(request: Request, polity_id: str, entry: int | None = Query(None)) -> Response:
    runtime = runtime_of(request)
    with runtime.polities() as service:
        polity = service.polity(polity_id)
        state = polity.state
        size = service.store.head(polity_id).size
    view = state_view(polity_id, state, runtime.now(), size)
    bodies = [{"id": "members", "name": "the members"}] + [
        {"id": b["id"], "name": b["name"]} for b in view["bodies"]
    ]
    charts = {
        m["id"]: result_chart(m["result"], f"motion-{m['id']}")
        for m in view["motions"]
        if m["result"] is not None
    }
    return render(
        request,
        "motions.html",
        {
            "polity": view,
            "bodies": bodies,
            "charts": charts,
            "outcome": _outcome(request, polity_id, entry),
            "tab": "motions",
        },
    )


@router.get("/p/{polity_id}/powers", response_class=HTMLResponse)
def powers_page(request: Request, polity_id: str, entry: int | None = Query(None)) -> Response:
    runtime = runtime_of(request)
    who = principal(request)
    answers: list[dict[str, Any]] = []
    moves: list[dict[str, Any]] = []
    to_sign: list[dict[str, Any]] = []
    mine: list[dict[str, Any]] = []
    with runtime.polities() as service:
        polity = service.polity(polity_id)
        name = polity.constitution.name
        if who is not None and who.polity_id == polity_id:
            now = runtime.now()
            answers = [a.as_dict() for a in my_powers(polity, who.person, now)]
            moves = [
                m.as_dict()
                for m in motion_moves(
                    polity, who.person, now, lambda m: runtime.box.contents(polity_id, m)
                )
            ]
    if who is not None and who.polity_id == polity_id:
        for cosigning in runtime.cosign.of_polity(polity_id):
            view = cosigning.as_dict()
            if cosigning.proposer == who.person:
                mine.append(view)
            elif who.person in cosigning.cosigners:
                view["mine_to_answer"] = (
                    cosigning.status == "pending" and who.person in cosigning.waiting_for
                )
                to_sign.append(view)
    return render(
        request,
        "powers.html",
        {
            "polity": {"id": polity_id, "name": name},
            "answers": answers,
            "moves": moves,
            "to_sign": to_sign,
            "mine": mine,
            "outcome": _outcome(request, polity_id, entry),
            "tab": "powers",
        },
    )


@router.get("/p/{polity_id}/ledger", response_class=HTMLResponse)
def ledger_page(
    request: Request,
    polity_id: str,
    start: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=500),
) -> Response:
    with runtime_of(request).polities() as service:
        name = service.polity(polity_id).constitution.name
        size = service.store.head(polity_id).size
        stop = min(size, start + limit)
        entries = service.store.entries(polity_id, start, stop) if start < size else []
        checkpoints = [checkpoint_view(c) for c in service.store.checkpoints(polity_id)]
    return render(
        request,
        "ledger.html",
        {
            "polity": {"id": polity_id, "name": name},
            "page": entries_view(entries, start, size, limit),
            "checkpoints": checkpoints[-10:],
            "tab": "ledger",
        },
    )


@router.get("/p/{polity_id}/inspection", response_class=HTMLResponse)
def inspection_page(request: Request, polity_id: str) -> Response:
    """The Inspection's dashboard: findings with their evidence, the power map, power."""
    with runtime_of(request).polities() as service:
        polity = service.polity(polity_id)
        view = inspection_view(polity_id, polity)
        name = polity.constitution.name
    return render(
        request,
        "inspection.html",
        {"polity": {"id": polity_id, "name": name}, "report": view, "tab": "inspection"},
    )


@router.get("/p/{polity_id}/federation", response_class=HTMLResponse)
def federation_page(request: Request, polity_id: str) -> Response:
    """A federation's members, delegates and competences, or a member's federations."""
    runtime = runtime_of(request)
    with runtime.polities() as service:
        view = federation_view(service, polity_id, runtime.memberships)
        name = service.polity(polity_id).constitution.name
    return render(
        request,
        "federation.html",
        {"polity": {"id": polity_id, "name": name}, "fed": view, "tab": "federation"},
    )


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, issued: str | None = None, changed: int = 0) -> Response:
    who = principal(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    tokens = runtime_of(request).accounts.tokens_of(who.account)
    return render(
        request, "account.html", {"tokens": tokens, "issued": issued, "changed": bool(changed)}
    )


@router.post("/account/password")
def account_password(
    request: Request,
    current: str = Form(""),
    new: str = Form(""),
    again: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """Replace one's password (a one-time one, say): the current one is asked for again."""
    who = principal(request)
    if who is None or who.via != "session":
        raise WebError(401, "not_signed_in", "sign in to change your password")
    check_csrf(who, csrf_token)
    runtime = runtime_of(request)
    keys = rate_limit(request, who.polity_id, who.person)
    if runtime.accounts.check_password(who.polity_id, who.person, current) is None:
        runtime.accounts.record_failure(keys)
        raise WebError(401, "bad_credentials", "the current password is wrong", "current")
    if new != again:
        raise WebError(422, "invalid_request", "the two new passwords differ", "again")
    try:
        runtime.accounts.change_password(
            who.account, new, request.cookies.get(session_cookie(runtime))
        )
    except AccountError as error:
        raise WebError(422, "invalid_request", str(error), "new") from None
    return RedirectResponse("/account?changed=1", status_code=303)


@router.post("/account/tokens")
def account_token(
    request: Request,
    name: str = Form(...),
    csrf_token: str = Form(""),
    scope_act: str = Form(""),
) -> Response:
    who = principal(request)
    if who is None or who.via != "session":
        raise WebError(401, "not_signed_in", "sign in to issue API tokens")
    check_csrf(who, csrf_token)
    scopes = ("read", "act") if scope_act else ("read",)
    try:
        token, _ = runtime_of(request).accounts.issue_token(who.account, name, scopes)
    except AccountError as error:
        raise WebError(422, "invalid_scope", str(error), "scopes") from None
    tokens = runtime_of(request).accounts.tokens_of(who.account)
    return render(request, "account.html", {"tokens": tokens, "issued": token})


@router.post("/account/tokens/{token_id}/revoke")
def account_revoke(request: Request, token_id: int, csrf_token: str = Form("")) -> Response:
    who = principal(request)
    if who is None or who.via != "session":
        raise WebError(401, "not_signed_in", "sign in to revoke API tokens")
    check_csrf(who, csrf_token)
    runtime_of(request).accounts.revoke_token(who.account, token_id)
    return RedirectResponse("/account", status_code=303)


# -- acting from a form ---------------------------------------------------------------------------


def _ranking(form: FormData) -> list[str]:
    """Options ranked by number inputs `rank:OPTION` (1 = first); blanks are not ranked."""
    ranks: list[tuple[int, str]] = []
    for key, value in form.multi_items():
        if not key.startswith("rank:") or not isinstance(value, str) or not value.strip():
            continue
        try:
            ranks.append((int(value), key.removeprefix("rank:")))
        except ValueError:
            raise WebError(422, "invalid_request", f"rank '{value}' is not a number", key) from None
    numbers = [number for number, _ in ranks]
    if len(set(numbers)) != len(numbers):
        raise WebError(422, "invalid_request", "two options have the same rank", "ranking")
    return [option for _, option in sorted(ranks)]


def _form_act(form: FormData) -> ActRequest:
    """The act a form describes (never its actor: that is the signed-in person)."""
    kind = str(form.get("act") or "")
    args: dict[str, Any] = {}
    motion = str(form.get("motion") or "")
    if kind == "table-motion":
        args = {
            "body": str(form.get("body") or ""),
            "motion": motion,
            "text": str(form.get("text") or ""),
        }
        options = [o.strip() for o in str(form.get("options") or "").split(",") if o.strip()]
        if options:
            args["options"] = options
            args["seats"] = int(str(form.get("seats") or "1") or "1")
    elif kind == "cast-ballot":
        ballot = str(form.get("ballot") or "")
        args = {"motion": motion}
        if ballot == "ranking":
            args["ranking"] = _ranking(form)
        elif ballot == "approval":
            args["approve"] = [str(v) for v in form.getlist("approve")]
        else:
            args["choice"] = str(form.get("choice") or "")
    elif kind in ("second-motion", "open-vote", "close-vote", "declare-result", "withdraw-motion"):
        args = {"motion": motion}
    else:
        text = str(form.get("args") or "").strip()
        try:
            loaded = yaml.safe_load(text) if text else {}
        except yaml.YAMLError as error:
            raise WebError(
                422, "invalid_request", f"the arguments are not YAML: {error}", "args"
            ) from None
        if not isinstance(loaded, dict):
            raise WebError(422, "invalid_request", "the arguments must be a mapping", "args")
        args = loaded
    power = str(form.get("power") or "") or None
    cosigners = [p.strip() for p in str(form.get("cosigners") or "").split(",") if p.strip()]
    return ActRequest.model_validate(
        {"act": kind, "args": args, "power": power, "cosigned_by": cosigners}
    )


@router.post("/p/{polity_id}/act")
async def act_from_form(request: Request, polity_id: str) -> Response:
    form = await request.form()
    csrf = str(form.get("csrf_token") or "")
    back = str(form.get("return_to") or "motions")
    if back not in ("motions", "powers"):
        back = "motions"
    who = principal(request)
    if who is not None:
        check_csrf(who, csrf)  # before reading the act: a forged form learns nothing
    body = _form_act(form)
    if body.cosigned_by:
        await run_in_threadpool(propose_cosigning, request, polity_id, body, csrf)
        return RedirectResponse(f"/p/{polity_id}/powers#cosignings", status_code=303)
    result = await run_in_threadpool(perform, request, polity_id, body, csrf)
    if result.accounts:
        # The new members' passwords are shown once, in this response alone.
        with runtime_of(request).polities() as service:
            name = service.polity(polity_id).constitution.name
        return render(
            request,
            "admitted.html",
            {
                "polity": {"id": polity_id, "name": name},
                "accounts": result.accounts,
                "outcome": _outcome(request, polity_id, result.seq),
                "tab": back,
            },
        )
    if result.receipt is not None and result.receipt.get("secret"):
        # Shown once, in this response alone: the receipt is never in a URL or stored.
        return _receipt_page(request, polity_id, result.receipt, None, result.seq)
    return RedirectResponse(f"/p/{polity_id}/{back}?entry={result.seq}", status_code=303)


@router.post("/p/{polity_id}/cosignings/{cosigning_id}/{answer}")
def cosigning_from_form(
    request: Request,
    polity_id: str,
    answer: str,
    cosigning_id: int = Path(ge=1, le=2**31 - 1),
    csrf_token: str = Form(""),
) -> Response:
    """Sign, decline or withdraw a pending co-signed act from the "my powers" page."""
    if answer == "withdraw":
        withdraw_cosigning(request, polity_id, cosigning_id, csrf_token)
        return RedirectResponse(f"/p/{polity_id}/powers#cosignings", status_code=303)
    if answer not in ("sign", "decline"):
        raise WebError(404, "not_found", f"no such answer '{answer}'", "answer")
    kind: Literal["signed", "declined"] = "signed" if answer == "sign" else "declined"
    _, result = answer_cosigning(request, polity_id, cosigning_id, kind, csrf_token)
    if result is not None:
        return RedirectResponse(f"/p/{polity_id}/powers?entry={result.seq}", status_code=303)
    return RedirectResponse(f"/p/{polity_id}/powers#cosignings", status_code=303)


# -- ballot receipts ------------------------------------------------------------------------------


def _receipt_page(
    request: Request,
    polity_id: str,
    receipt: dict[str, Any] | None,
    check: dict[str, Any] | None,
    entry: int | None = None,
    pasted: str = "",
) -> Response:
    with runtime_of(request).polities() as service:
        name = service.polity(polity_id).constitution.name
    text = json.dumps(receipt, indent=2) if receipt is not None else ""
    return render(
        request,
        "receipt.html",
        {
            "polity": {"id": polity_id, "name": name},
            "receipt": receipt,
            "receipt_text": text,
            "download": "data:application/json;base64," + base64.b64encode(text.encode()).decode(),
            "check": check,
            "pasted": pasted,
            "outcome": _outcome(request, polity_id, entry),
            "tab": "receipt",
        },
    )


@router.get("/p/{polity_id}/receipt", response_class=HTMLResponse)
def receipt_page(request: Request, polity_id: str, entry: int | None = Query(None)) -> Response:
    """Paste a receipt to check it; with `entry`, the receipt of that open ballot."""
    receipt = None
    if entry is not None:
        with runtime_of(request).polities() as service:
            receipt = open_receipt(service, polity_id, entry)
    return _receipt_page(request, polity_id, receipt, None)


@router.post("/p/{polity_id}/receipt", response_class=HTMLResponse)
def receipt_check_page(request: Request, polity_id: str, receipt: str = Form("")) -> Response:
    """Check a pasted receipt. It changes nothing, so it needs neither sign-in nor CSRF token."""
    runtime = runtime_of(request)
    document = parse_receipt_text(receipt)
    with runtime.polities() as service:
        service.store.head(polity_id)
        check = check_receipt(service, runtime.box, polity_id, document).as_dict()
    return _receipt_page(request, polity_id, None, check, pasted=receipt)
