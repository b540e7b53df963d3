"""Who is asking, and may they: bearer tokens, and a role check that the OpenAPI document shows.

`allow(...)` is the one place a route's roles are written: the dependency it returns refuses other roles
with 403 and carries the roles, which `api.app` copies into the document (`x-roles`) for readers and for the
table-driven test that calls every route as every role.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from trailguard.review import tables as rt
from trailguard.review.audit import AuditLog
from trailguard.review.users import SESSION_FOR, User, user_for_session, user_for_token
from trailguard.settings import Settings

# A route meant to be public says so in the OpenAPI document: `openapi_extra=PUBLIC` on its decorator.
PUBLIC: dict[str, Any] = {"security": []}

bearer = HTTPBearer(auto_error=False, description="An API token from `trailguard users token NAME`.")
SESSION_COOKIE = "tg_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
session_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description=f"From POST /api/login; writes also need {CSRF_HEADER}.",
)


def set_session_cookie(response: Response, request: Request, cookie: str) -> None:
    """The session cookie as every log-in sets it: script cannot read it, other sites cannot send it, and it
    travels only over HTTPS when the console is served over HTTPS."""
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(SESSION_FOR.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


@dataclass(frozen=True, slots=True)
class Context:
    log: AuditLog
    settings: Settings


def context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def current_user(
    request: Request,
    ctx: Annotated[Context, Depends(context)],
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    cookie: Annotated[str | None, Depends(session_cookie)],
) -> User:
    """The bearer token's user, else the session cookie's; a write with a cookie must carry its CSRF token.

    A browser sends the cookie with any request a hostile page makes it send; it cannot send the header, which
    only the console's own script can read from the log-in answer.
    """
    if creds is None and cookie:
        found = user_for_session(ctx.log.engine, cookie)
        if found is None:
            raise HTTPException(401, "session expired or unknown", headers={"WWW-Authenticate": "Bearer"})
        user, csrf = found
        if request.method not in SAFE_METHODS and not secrets.compare_digest(
            request.headers.get(CSRF_HEADER, ""), csrf
        ):
            raise HTTPException(403, f"missing or wrong {CSRF_HEADER} header")
        return user
    if creds is None:
        raise HTTPException(401, "credentials required", headers={"WWW-Authenticate": "Bearer"})
    holder = user_for_token(ctx.log.engine, creds.credentials)
    if holder is None:
        ctx.log.record("anonymous", "auth.failed", "api", {"reason": "unknown or revoked token"})
        raise HTTPException(401, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
    return holder


def allow(*roles: str) -> Callable[[User], User]:
    unknown = set(roles) - set(rt.ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def check(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in roles:
            raise HTTPException(403, f"a {user.role} may not do this")
        return user

    check.roles = roles  # type: ignore[attr-defined]
    return check


ANYONE = rt.ROLES
WORKERS = ("reviewer", "analyst")

Anyone = Annotated[User, Depends(allow(*ANYONE))]
Admin = Annotated[User, Depends(allow("admin"))]
Overseer = Annotated[User, Depends(allow("admin", "auditor"))]
Worker = Annotated[User, Depends(allow(*WORKERS))]
Manager = Annotated[User, Depends(allow("admin", "analyst"))]
