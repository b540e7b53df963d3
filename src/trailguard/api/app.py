"""The FastAPI application of `trailguard serve`: routes, error mapping, headers and the OpenAPI document.

The document marks public routes with `security: []` and lists each route's roles under `x-roles`, both read
from the routes themselves (see `api.auth.allow`), so the document cannot say other than what is enforced.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class SecurityHeaders:
    """Adds HEADERS to every response that does not set its own (a page sets its own CSP: see api.pages).

    Plain ASGI rather than `@app.middleware("http")`: that wrapper runs each request through extra tasks and
    memory streams, which cost a sizeable share of a short API call under load (docs/benchmarks.md).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.extra = [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in HEADERS.items()
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in self.extra if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


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

    app.add_middleware(SecurityHeaders)

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
