"""Routes about people and the record of what they did: /api/me, /api/users, /api/audit."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from trailguard.api.auth import SESSION_COOKIE, Admin, Anyone, Context, Overseer, context, set_session_cookie
from trailguard.review import audit, users, wellness
from trailguard.review import tables as rt

router = APIRouter(prefix="/api")
Ctx = Annotated[Context, Depends(context)]


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    role: Literal["admin", "analyst", "reviewer", "auditor"]
    password: str = Field(min_length=users.MIN_PASSWORD, max_length=users.MAX_PASSWORD)


class Credentials(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=users.MAX_PASSWORD)


@router.post("/login", openapi_extra={"security": []}, responses={401: {"description": "Refused."}})
def log_in(body: Credentials, request: Request, response: Response, ctx: Ctx) -> dict[str, str]:
    """Start a session (cookie); the answer holds the CSRF token every write in the session must send.

    After LOCK_AFTER wrong passwords in a row the account is locked for a while; the answer never says
    whether the name exists or the account is locked.
    """
    user = users.log_in(ctx.log, body.name, body.password)
    if user is None:
        raise HTTPException(401, "wrong name or password, or the account is locked for now")
    with ctx.log.begin() as conn:
        cookie, csrf = users.start_session(conn, user)
    set_session_cookie(response, request, cookie)
    return {"name": user.name, "role": user.role, "csrf_token": csrf}


@router.post("/logout")
def log_out(user: Anyone, request: Request, response: Response, ctx: Ctx) -> dict[str, str]:
    cookie = request.cookies.get(SESSION_COOKIE)
    with ctx.log.begin() as conn:
        if cookie:
            users.end_session(conn, cookie)
        audit.record(conn, user.name, "logout", user.name)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"name": user.name}


@router.get("/me")
def me(user: Anyone) -> dict[str, Any]:
    return {"name": user.name, "role": user.role}


@router.get("/me/wellness")
def my_wellness(user: Anyone, ctx: Ctx) -> dict[str, Any]:
    """Today's (UTC) exposure: decisions per band, item views, and each capped queue's count and cap."""
    return wellness.exposure(ctx.log.engine, user)


@router.get("/users")
def list_users(user: Admin, ctx: Ctx) -> list[dict[str, object]]:
    return users.list_users(ctx.log.engine)


@router.post("/users", status_code=201)
def add_user(body: NewUser, user: Admin, ctx: Ctx) -> dict[str, Any]:
    with ctx.log.begin() as conn:
        made = users.add_user(conn, body.name, body.role, body.password, by=user.name)
    return {"name": made.name, "role": made.role}


@router.post("/users/{name}/tokens", status_code=201)
def new_token(name: str, user: Admin, ctx: Ctx) -> dict[str, str]:
    """A new API token for the user, shown this once."""
    with ctx.log.begin() as conn:
        target = users.find_user(conn, name)
        if target is None:
            raise LookupError(f"no user {name[:64]!r}")
        return {"name": target.name, "token": users.new_token(conn, target, by=user.name)}


@router.get("/audit")
def read_audit(
    user: Overseer,
    ctx: Ctx,
    after: Annotated[int, Query(ge=0, description="Events after this sequence number.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    actor: Annotated[str | None, Query(max_length=64)] = None,
) -> list[dict[str, Any]]:
    e = rt.audit_events
    query = select(e).where(e.c.seq > after)
    if actor:
        query = query.where(e.c.actor == actor)
    with ctx.log.engine.connect() as conn:
        rows = conn.execute(query.order_by(e.c.seq).limit(limit)).all()
    return [audit.event_dict(r) for r in rows]


@router.get("/audit/verify")
def verify_audit(user: Overseer, ctx: Ctx) -> dict[str, Any]:
    """Walk the hash chain against the signed checkpoint, as `trailguard audit verify` does."""
    verdict = audit.verify(ctx.log.engine, ctx.log.anchor)
    return {
        "ok": verdict.ok,
        "count": verdict.count,
        "anchored": verdict.anchored,
        "problem": verdict.problem,
        "first_bad": verdict.first_bad,
    }
