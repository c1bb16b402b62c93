"""Every error the web app returns, in one shape, made in one place.

The shape is ``{"code": ..., "message": ..., "where": ...}``: a stable
machine-readable code, a sentence a person can read, and where the fault is
(an act's argument path, a request field, or null). API routes get it as JSON;
pages get the same three fields rendered as HTML. The handlers below are the
only place responses for errors are built:

    WebError (status, code, message, where)   raised by routes and auth
    ActError              -> 422 malformed_act, where = the act's argument path
    UnknownPolity         -> 404 unknown_polity
    ProofError            -> 400 bad_proof_request
    other CharterError    -> 400 (code from the error's class)
    RequestValidationError-> 422 invalid_request, where = the field
    HTTPException         -> its status (404 not_found, 405 method_not_allowed, ...)
    anything else         -> 500 internal (no details leak)
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from charter.errors import ActError, CharterError
from charter.ledger.proofs import ProofError
from charter.storage import UnknownPolity

__all__ = ["WebError", "error_body", "install_error_handlers"]

log = logging.getLogger("charter.web")

_STATUS_CODES = {
    400: "bad_request",
    401: "not_signed_in",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
}


class WebError(Exception):
    """An error a route or the sign-in machinery raises on purpose, with its HTTP status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        where: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.where = where
        self.headers = headers


def error_body(code: str, message: str, where: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "where": where}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower().removesuffix("_error")


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path == "/openapi.json":
        return False
    return "text/html" in request.headers.get("accept", "")


def _respond(
    request: Request,
    status: int,
    code: str,
    message: str,
    where: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if _wants_html(request):
        from charter.web.rendering import render_error

        return render_error(request, status, error_body(code, message, where), headers)
    return JSONResponse(error_body(code, message, where), status_code=status, headers=headers)


def _validation_where(error: dict[str, Any]) -> str:
    loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    return ".".join(loc)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers: after this, every error leaves the app in the one shape."""

    @app.exception_handler(WebError)
    async def web_error(request: Request, error: WebError) -> Response:
        return _respond(
            request, error.status, error.code, error.message, error.where, error.headers
        )

    @app.exception_handler(ActError)
    async def act_error(request: Request, error: ActError) -> Response:
        return _respond(request, 422, "malformed_act", error.message, error.path or None)

    @app.exception_handler(UnknownPolity)
    async def unknown_polity(request: Request, error: UnknownPolity) -> Response:
        return _respond(request, 404, "unknown_polity", str(error))

    @app.exception_handler(ProofError)
    async def proof_error(request: Request, error: ProofError) -> Response:
        return _respond(request, 400, "bad_proof_request", str(error))

    @app.exception_handler(CharterError)
    async def charter_error(request: Request, error: CharterError) -> Response:
        return _respond(request, 400, _snake(type(error).__name__), str(error))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        problems = error.errors()
        first = problems[0] if problems else {}
        message = str(first.get("msg", "invalid request"))
        return _respond(request, 422, "invalid_request", message, _validation_where(first) or None)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        code = _STATUS_CODES.get(error.status_code, "http_error")
        detail = error.detail if isinstance(error.detail, str) else code
        headers = dict(error.headers) if error.headers else None
        return _respond(request, error.status_code, code, detail, None, headers)

    @app.exception_handler(Exception)
    async def internal(request: Request, error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _respond(request, 500, "internal", "internal error; the operator's log has details")
