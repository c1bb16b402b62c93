"""Who is asking: a signed-in browser (session cookie) or a script (Bearer token).

A principal is one member of one polity. It is never a permission: what the
person may do is decided by the constitution, through the domain's authority
check, when their act is judged. This module only establishes *who* acts, and
guards against forged requests:

- session cookies are Secure (unless the app is told it is served over plain
  HTTP for local use), HttpOnly and SameSite=Lax;
- every state-changing request carried by a session cookie needs its session's
  CSRF token (a form field, or the X-CSRF-Token header for the API);
- the sign-in form carries a signed token matched to a pre-session cookie
  (double submit), so a forged sign-in POST is refused with 403;
- failed sign-ins are counted per person and per client address in the
  database (so every worker sees them) and limited.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool

from charter.web.accounts import SCOPES, SESSION_SECONDS, Account, Token
from charter.web.errors import WebError
from charter.web.runtime import Runtime

__all__ = [
    "CSRF_HEADER",
    "Principal",
    "allowed_actor",
    "check_csrf",
    "check_login_token",
    "login_token",
    "principal",
    "principal_soon",
    "rate_limit",
    "require_actor",
    "session_cookie",
    "set_login_cookie",
    "set_session",
]

CSRF_HEADER = "x-csrf-token"
LOGIN_TOKEN_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class Principal:
    """The person a request comes from, how they proved it, and what their credential allows."""

    account: Account
    via: Literal["session", "token"]
    scopes: tuple[str, ...]
    csrf: str = ""
    token_id: int | None = None

    @property
    def person(self) -> str:
        return self.account.person

    @property
    def polity_id(self) -> str:
        return self.account.polity_id


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def session_cookie(runtime: Runtime) -> str:
    return "__Host-charter-session" if runtime.settings.secure_cookies else "charter-session"


def _login_cookie(runtime: Runtime) -> str:
    return "__Host-charter-login" if runtime.settings.secure_cookies else "charter-login"


def principal(request: Request) -> Principal | None:
    """The signed-in person, if any; a Bearer token that is not valid is refused with 401."""
    runtime = runtime_of(request)
    bearer = _bearer(request)
    if bearer is not None:
        return _token_principal(runtime.accounts.token(bearer))
    return _session_principal(request)


async def principal_soon(request: Request) -> Principal | None:
    """`principal` without holding a thread: a Bearer token is looked up with the other
    requests' (`TokenLookups`) while the event loop waits; a session on the thread pool."""
    bearer = _bearer(request)
    if bearer is not None:
        lookup = runtime_of(request).tokens.lookup(bearer)
        return _token_principal(await asyncio.wrap_future(lookup))
    return await run_in_threadpool(_session_principal, request)


def _bearer(request: Request) -> str | None:
    """The request's Bearer token, if it sends one (401 if its Authorization is malformed)."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise WebError(401, "invalid_token", "expected 'Authorization: Bearer TOKEN'")
    return value.strip()


def _token_principal(token: Token | None) -> Principal:
    if token is None:
        raise WebError(
            401,
            "invalid_token",
            "the API token is unknown or revoked",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Principal(token.account, "token", token.scopes, token_id=token.id)


def _session_principal(request: Request) -> Principal | None:
    runtime = runtime_of(request)
    cookie = request.cookies.get(session_cookie(runtime))
    if not cookie:
        return None
    session = runtime.accounts.session(cookie)
    if session is None:
        return None
    return Principal(session.account, "session", SCOPES, csrf=session.csrf)


def check_csrf(who: Principal, supplied: str | None) -> None:
    """Refuse (403) a session-carried state change without its session's CSRF token."""
    if who.via != "session":
        return  # a Bearer token is not sent by browsers on their own: no CSRF to fear
    if not supplied or not hmac.compare_digest(supplied, who.csrf):
        raise WebError(403, "csrf", "missing or invalid CSRF token", where="csrf_token")


def require_actor(
    request: Request, polity_id: str, scope: str, csrf: str | None = None, *, changes: bool
) -> Principal:
    """The signed-in member of `polity_id` whose credential allows `scope` (401/403 otherwise)."""
    return allowed_actor(principal(request), request, polity_id, scope, csrf, changes=changes)


def allowed_actor(
    who: Principal | None,
    request: Request,
    polity_id: str,
    scope: str,
    csrf: str | None = None,
    *,
    changes: bool,
) -> Principal:
    """`who`, if signed in as a member of `polity_id` with `scope` (401/403 otherwise)."""
    if who is None:
        raise WebError(
            401,
            "not_signed_in",
            "sign in (a session) or send an API token (Authorization: Bearer)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if changes:
        check_csrf(who, csrf if csrf is not None else request.headers.get(CSRF_HEADER))
    if who.polity_id != polity_id:
        raise WebError(
            403,
            "wrong_polity",
            f"you are signed in as {who.person} of {who.polity_id}, not a member of {polity_id}",
        )
    if scope not in who.scopes:
        raise WebError(403, "insufficient_scope", f"this API token lacks the '{scope}' scope")
    return who


def set_session(runtime: Runtime, response: Response, session_id: str | None) -> None:
    name = session_cookie(runtime)
    if session_id is None:
        response.delete_cookie(
            name, path="/", secure=runtime.settings.secure_cookies, httponly=True, samesite="lax"
        )
        return
    response.set_cookie(
        name,
        session_id,
        max_age=SESSION_SECONDS,
        path="/",
        secure=runtime.settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )


# -- the sign-in form's CSRF token (before there is a session) ------------------------------------


def _serializer(runtime: Runtime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(runtime.secret, salt="charter-login")


def login_token(request: Request, response: Response | None = None) -> str:
    """The sign-in form's token; with `response`, also set its pre-session cookie on it."""
    runtime = runtime_of(request)
    nonce = request.cookies.get(_login_cookie(runtime)) or secrets.token_urlsafe(24)
    request.state.login_nonce = nonce
    if response is not None:
        set_login_cookie(request, response)
    return str(_serializer(runtime).dumps(nonce))


def set_login_cookie(request: Request, response: Response) -> None:
    """Set the pre-session cookie that `login_token` matched its token to."""
    runtime = runtime_of(request)
    response.set_cookie(
        _login_cookie(runtime),
        request.state.login_nonce,
        max_age=LOGIN_TOKEN_SECONDS,
        path="/",
        secure=runtime.settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )


def check_login_token(request: Request, supplied: str | None) -> None:
    """Refuse (403) a sign-in POST whose token does not match its pre-session cookie."""
    runtime = runtime_of(request)
    nonce = request.cookies.get(_login_cookie(runtime))
    try:
        signed = _serializer(runtime).loads(supplied or "", max_age=LOGIN_TOKEN_SECONDS)
    except BadSignature:
        signed = None
    if not nonce or not isinstance(signed, str) or not hmac.compare_digest(signed, nonce):
        raise WebError(403, "csrf", "missing or invalid CSRF token: reload the sign-in page")


def rate_limit(request: Request, polity_id: str, person: str) -> tuple[str, ...]:
    """The failure keys for this attempt; 429 if either has failed too often lately."""
    runtime = runtime_of(request)
    client = request.client.host if request.client is not None else "unknown"
    keys = (f"address:{client}", f"person:{polity_id}/{person}")
    settings = runtime.settings
    since = runtime.accounts.clock() - settings.login_window
    if runtime.accounts.failures_since(keys, since) >= settings.login_attempts:
        raise WebError(
            429,
            "too_many_attempts",
            "too many failed sign-ins; wait a few minutes and try again",
            headers={"Retry-After": str(int(settings.login_window))},
        )
    return keys
