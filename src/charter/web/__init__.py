"""Charter's web application: a JSON API and server-rendered pages over the polity service.

`create_app(db_url)` builds the ASGI app; `charter serve` runs it under
uvicorn. Modules: `api` (JSON routes), `pages` (HTML routes), `auth` (who is
asking, CSRF, rate limits), `accounts` (the web's tables), `errors` (the one
error shape), `security` (headers), `views` and `powers` (what is shown),
`demo` (the 1923 example with demo accounts).
"""

from charter.web.app import create_app

__all__ = ["create_app"]
