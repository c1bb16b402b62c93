"""The app factory: `create_app(db_url)` gives the ASGI app `charter serve` runs."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from anyio import to_thread
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from charter import __version__
from charter.web import api, api_cosign, pages
from charter.web.errors import install_error_handlers
from charter.web.runtime import Runtime, Settings, _now
from charter.web.security import SecurityHeaders

__all__ = [
    "ENV_DB",
    "ENV_INSECURE",
    "ENV_KEYS",
    "SERVER_GC_THRESHOLDS",
    "app_from_environment",
    "create_app",
    "tune_collector",
]

ENV_DB = "CHARTER_WEB_DB"
ENV_KEYS = "CHARTER_WEB_KEY_DIR"
ENV_INSECURE = "CHARTER_WEB_INSECURE_COOKIES"
SERVER_GC_THRESHOLDS = (50_000, 20, 10)
"""The cyclic collector's thresholds in a server worker (Python's defaults: 700, 10, 10)."""


def create_app(
    db_url: str | None = None,
    *,
    key_dir: Path | None = None,
    settings: Settings | None = None,
    clock: Callable[[], datetime] | None = None,
    hasher: PasswordHasher | None = None,
) -> FastAPI:
    """The web app over the store at `db_url` (migrated if need be): API, pages, sign-in."""
    runtime = Runtime(
        db_url, key_dir=key_dir, settings=settings, hasher=hasher, clock=clock or _now
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Requests run on anyio's thread pool; the more acts in flight, the bigger the
        # sequencer's batches (see Settings.threads).
        to_thread.current_default_thread_limiter().total_tokens = runtime.settings.threads
        yield
        runtime.close()

    app = FastAPI(
        title="Charter",
        version=__version__,
        description="Constitution-as-code: read polities, act in them, check their ledgers.",
        docs_url=None,  # Swagger UI loads scripts from a CDN, which the CSP forbids
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(api_cosign.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), "static")
    app.add_middleware(SecurityHeaders, hsts=runtime.settings.secure_cookies)
    return app


def tune_collector() -> None:
    """Set the cyclic garbage collector for a server worker, which owns its process.

    With Python's defaults a young collection runs every 700 new objects,
    so the objects of the ~100 requests in flight are found alive, promoted,
    and counted towards full collections, which then scan the whole heap
    (every fold's state) every few seconds and stall the worker for 100-270 ms
    each: measured at ~10% of a worker's time under load, rising as the
    ledger grows. At 50,000 a request's objects are freed by reference
    counting before a collection sees them. What the worker holds at start
    (modules, the app) is frozen out of every collection.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVER_GC_THRESHOLDS)


def app_from_environment() -> FastAPI:
    """The app as `charter serve --workers N` starts it in each worker (settings by environment)."""
    key_dir = os.environ.get(ENV_KEYS)
    insecure = os.environ.get(ENV_INSECURE) == "1"
    app = create_app(
        os.environ.get(ENV_DB) or None,
        key_dir=Path(key_dir) if key_dir else None,
        settings=Settings(secure_cookies=not insecure),
    )
    tune_collector()
    return app
