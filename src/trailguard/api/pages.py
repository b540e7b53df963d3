"""The server-rendered console: log-in, log-out and the queues, and the routers of the other pages.

The pages are not part of the API's OpenAPI document. Shared machinery (templates, CSP, session, CSRF) is in
`api.console_page`; items and jobs in `api.pages_items`, images in `api.pages_images`, networks, entities,
search, audit and users in `api.pages_browse`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from trailguard.api import pages_browse, pages_images, pages_items
from trailguard.api.auth import SESSION_COOKIE, set_session_cookie
from trailguard.api.console_page import Ctx, Seen, check_csrf, page
from trailguard.review import audit, users, work
from trailguard.store import tables as st

router = APIRouter(prefix="/console", include_in_schema=False)
EXCERPT = 200  # characters of an item's text shown in a queue row
JOBS_SHOWN = 50


@router.get("/login")
def login_page() -> HTMLResponse:
    return page("login.html.j2", None, title="Log in", refused=False)


@router.post("/login")
def login_form(
    request: Request,
    ctx: Ctx,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    user = users.log_in(ctx.log, name, password)
    if user is None:
        return page("login.html.j2", None, status=401, title="Log in", refused=True)
    with ctx.log.begin() as conn:
        cookie, _csrf = users.start_session(conn, user)
    response = RedirectResponse("/console/queues", status_code=303)
    set_session_cookie(response, request, cookie)
    return response


@router.post("/logout")
def logout_form(
    request: Request, who: Seen, ctx: Ctx, csrf: Annotated[str, Form(max_length=100)]
) -> Response:
    check_csrf(who, csrf)
    with ctx.log.begin() as conn:
        users.end_session(conn, request.cookies.get(SESSION_COOKIE, ""))
        audit.record(conn, who.user.name, "logout", who.user.name)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/queues")
def queues_page(who: Seen, ctx: Ctx, empty: int | None = None) -> Response:
    queues = work.list_queues(ctx.log.engine)
    for q in queues:
        q["jobs"] = work.list_jobs(ctx.log.engine, q["id"], "open", JOBS_SHOWN, 0)
        ids = [j["item_id"] for j in q["jobs"]]
        with ctx.log.engine.connect() as conn:
            texts = dict(
                conn.execute(select(st.items.c.id, st.items.c.data).where(st.items.c.id.in_(ids))).all()
            )
        for j in q["jobs"]:
            data = texts.get(j["item_id"]) or {}
            j["excerpt"] = str(data.get("text") or data.get("title") or "")[:EXCERPT]
    return page("queues.html.j2", who, title="Queues", queues=queues, empty=empty)


router.include_router(pages_items.router)
router.include_router(pages_images.router)
router.include_router(pages_browse.router)
