"""The FastAPI application of `trailguard serve`: routes, error mapping, headers and the OpenAPI document.

The document marks public routes with `security: []` and lists each route's roles under `x-roles`, both read
from the routes themselves (see `api.auth.allow`), so the document cannot say other than what is enforced.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from trailguard.api import browse, cases, pages, pages_review, people, public, work
from trailguard.api.auth import PUBLIC, Context
from trailguard.api.console_page import static_files
from trailguard.review import work as review_work
from trailguard.review.audit import AuditLog
from trailguard.settings import Settings

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def create_app(
    log: AuditLog, settings: Settings, on_escalate: review_work.EscalationHook | None = None
) -> FastAPI:
    """The application; `on_escalate` is the external step of a final escalation or report (reports)."""
    # No /docs or /redoc: their pages load scripts from a CDN, which the CSP (and the project) refuses.
    app = FastAPI(
        title="Trailguard", version="0.1.0", docs_url=None, redoc_url=None, openapi_url="/openapi.json"
    )
    app.state.ctx = Context(log=log, settings=settings)
    app.state.on_escalate = on_escalate

    @app.get("/api/health", openapi_extra=PUBLIC)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(people.router)
    app.include_router(work.router)
    app.include_router(browse.router)
    app.include_router(cases.router)
    app.include_router(pages.router)
    app.include_router(pages_review.router)
    app.include_router(public.router)
    app.mount("/console/static", static_files(), name="console-static")

    @app.exception_handler(LookupError)
    async def not_found(_: Request, exc: LookupError) -> JSONResponse:
        return JSONResponse({"detail": str(exc.args[0]) if exc.args else "not found"}, status_code=404)

    @app.exception_handler(review_work.Conflict)
    async def conflict(_: Request, exc: review_work.Conflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(ValueError)
    async def invalid(_: Request, exc: ValueError) -> JSONResponse:
        # The shape the document gives every 422 (FastAPI's HTTPValidationError), so that a client reads a
        # refusal by the store's own checks the same way as one by the request's schema.
        error = {"loc": ["body"], "msg": str(exc), "type": "value_error"}
        return JSONResponse({"detail": [error]}, status_code=422)

    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)  # a page sets its own CSP (see api.pages)
        return response

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(title=app.title, version=app.version, routes=app.routes)
            routers = [people.router, work.router, browse.router, cases.router]
            for route in [*app.routes, *(r for router in routers for r in router.routes)]:
                if isinstance(route, APIRoute):
                    roles = _roles(route.dependant)
                    for method in route.methods or ():
                        op = doc["paths"][route.path_format][method.lower()]
                        if roles is not None:
                            op["x-roles"] = list(roles)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _roles(dependant: Dependant) -> tuple[str, ...] | None:
    """The roles a route's `allow(...)` dependency admits, wherever it sits in the dependency tree."""
    for dep in dependant.dependencies:
        roles = getattr(dep.call, "roles", None)
        if roles is not None:
            return tuple(roles)
        found = _roles(dep)
        if found is not None:
            return found
    return None
