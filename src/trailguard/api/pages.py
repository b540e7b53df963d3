"""The server-rendered console pages (a first one: the queues), for a browser with a session cookie.

Pages are Jinja2 with autoescaping on for every template, so ad text written by an attacker is shown as text,
and they are served under a Content-Security-Policy that allows no script, style, frame or foreign form target.
They are not part of the API's OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select

from trailguard.api.auth import SESSION_COOKIE, Context, context, set_session_cookie
from trailguard.review import users, work
from trailguard.store import tables as st

router = APIRouter(prefix="/console", include_in_schema=False)
Ctx = Annotated[Context, Depends(context)]
PAGE_CSP = "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
EXCERPT = 200  # characters of an item's text shown in a queue row
JOBS_SHOWN = 50

_env = Environment(
    loader=PackageLoader("trailguard.api", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def _page(name: str, status: int = 200, **values: Any) -> HTMLResponse:
    html = _env.get_template(name).render(**values)
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": PAGE_CSP})


@router.get("/login")
def login_page() -> HTMLResponse:
    return _page("login.html.j2", title="Log in", user=None, refused=False)


@router.post("/login")
def login_form(
    request: Request,
    ctx: Ctx,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    user = users.log_in(ctx.log, name, password)
    if user is None:
        return _page("login.html.j2", status=401, title="Log in", user=None, refused=True)
    with ctx.log.begin() as conn:
        cookie, _csrf = users.start_session(conn, user)
    response = RedirectResponse("/console/queues", status_code=303)
    set_session_cookie(response, request, cookie)
    return response


@router.get("/queues")
def queues_page(request: Request, ctx: Ctx) -> Response:
    found = users.user_for_session(ctx.log.engine, request.cookies.get(SESSION_COOKIE, ""))
    if found is None:
        return RedirectResponse("/console/login", status_code=303)
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
    return _page("queues.html.j2", title="Queues", user=found[0], queues=queues)
