"""``create_app``: the HTTP JSON API of a ``LibraryService`` engine.

The layers, outside in: a body size limit (413), ``Idempotency-Key`` (first
answers remembered in the database for the caller, ``callers``: the patron, whose
token is checked first), FastAPI's routing with the bearer token
dependency, and the engine, where every rule lives. Errors become
``ErrorBody`` JSON with the status of their class (``handlers``).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pydantic.json_schema import models_json_schema

from services.protocol import LibraryService
from services.server import handlers
from services.server.auth import DatabaseTokens
from services.server.callers import callers
from services.server.jobs import background
from services.server.middleware import BodyLimitMiddleware, IdempotencyMiddleware
from services.server.operations import OPERATIONS
from services.server.routes import API, install_routes
from services.server.settings import ServerSettings
from services.server.state import ServerState
from services.server.wire import ErrorBody


def create_app(
    engine: LibraryService,
    settings: ServerSettings | None = None,
    *,
    now: Callable[[], float] = time.time,
    warm_up: bool = False,
) -> FastAPI:
    """The server for ``engine``. ``now`` (seconds) is the clock of the token
    lifetimes, the login throttle and the idempotency records; tests move it.
    ``warm_up``: ask the engine once at start, so that the first patron does
    not wait for it to load its region. While it runs, the server delivers
    the outbox and expires holds on its own (``services.server.jobs``)."""
    settings = settings or ServerSettings()
    state = ServerState(engine, settings, now)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm_up:
            await engine.libraries()
        try:
            async with background(engine, settings):
                yield
        finally:
            state.idempotency.close()
            if isinstance(state.tokens, DatabaseTokens):
                state.tokens.close()

    app = FastAPI(
        title="Mana bibliotēka — library service",
        version="1",
        description=(
            "The operations of the LibraryService contract over HTTP. Errors are "
            "JSON {code, lv, en, field?, refusal?}. Account and staff operations "
            "take `Authorization: Bearer <token>` from POST /api/v1/login. Every "
            "write takes an optional `Idempotency-Key`."
        ),
        openapi_url=f"{API}/openapi.json",
        docs_url=f"{API}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.mana = state
    handlers.install(app)
    install_routes(app, state)
    _describe_errors(app)
    # Added last = runs first: the size limit sees every body before anything else.
    app.add_middleware(
        IdempotencyMiddleware,
        store=state.idempotency,
        limit=settings.max_body_bytes,
        callers=callers(app, state),
        exempt={API + o.path for o in OPERATIONS.values() if o.method == "POST" and not o.idempotent},
    )
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    return app


def _describe_errors(app: FastAPI) -> None:
    """Put ``ErrorBody`` into the OpenAPI components the routes refer to."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            _, defs = models_json_schema([(ErrorBody, "serialization")],
                                         ref_template="#/components/schemas/{model}")
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in defs.get("$defs", {}).items():
                schemas.setdefault(name, schema)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
