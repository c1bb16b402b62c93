"""Jinja2 templates for the pages, and the error page in the one error shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from charter.errors import CharterError

__all__ = ["render", "render_error", "templates"]

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    from charter.web.auth import principal

    try:
        who = principal(request)
    except Exception:  # a bad Bearer header on a page: show it signed out
        who = None
    response: HTMLResponse = templates.TemplateResponse(
        request,
        name,
        {"who": who, "federal": _federal(request, context), **context},
        status_code=status,
    )
    return response


def _federal(request: Request, context: dict[str, Any]) -> bool:
    """Whether the page's polity gets a Federation tab: a federation, or a member of one."""
    from charter.web.auth import runtime_of
    from charter.web.dashboards import is_federal

    polity = context.get("polity")
    polity_id = polity.get("id") if isinstance(polity, dict) else None
    if not polity_id:
        return False
    runtime = runtime_of(request)
    try:
        with runtime.polities() as service:
            return is_federal(service.polity(str(polity_id))) or bool(
                runtime.memberships.federations_of(service, str(polity_id))
            )
    except CharterError:
        return False


def render_error(
    request: Request, status: int, error: dict[str, Any], headers: dict[str, str] | None
) -> HTMLResponse:
    response = render(request, "error.html", {"status": status, "error": error}, status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
