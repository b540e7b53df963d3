"""What every console page shares: the templates, the page CSP, the visitor's session and its CSRF check.

Pages are Jinja2 with autoescaping on for every template, so text written by an attacker is shown as text,
and they are served under a Content-Security-Policy that allows script, style and images from our own origin
only (our static files under /console/static): no inline script or style, no frame, no foreign form target.
A page's forms carry the session's CSRF token in a hidden field, checked here before any write.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape

from trailguard.api.auth import SESSION_COOKIE, Context, context
from trailguard.report.highlight import untrusted
from trailguard.review import users, work
from trailguard.review.users import User

Ctx = Annotated[Context, Depends(context)]
# No NUL in a path: PostgreSQL text cannot hold one, so no stored id has one (and the audit log could not
# record the request).
NO_NUL = r"^[^\x00]*$"
ItemId = Annotated[str, Path(max_length=512, pattern=NO_NUL)]
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
STATIC = FilePath(__file__).resolve().parent.parent / "web" / "console"

_env = Environment(
    loader=PackageLoader("trailguard.api", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    # The templates are package files that change only with the package: compiled once, never re-checked
    # (auto-reload stats every template a page extends or includes, on every request).
    auto_reload=False,
)
_env.filters["u"] = untrusted
# Every character but the unreserved ones escaped, "/" too: an item id is one path segment's worth of text
# whatever it holds, so "../x" in an id cannot climb out of /console/items/.
_env.filters["q"] = lambda value: quote(str(value), safe="")


def static_files() -> StaticFiles:
    """Our own scripts and styles, and the vendored cytoscape.js (see web/console/vendor)."""
    return StaticFiles(directory=STATIC)


@dataclass(frozen=True, slots=True)
class Visitor:
    """The user of a console session, with the session's CSRF token (put in every form of the page)."""

    user: User
    csrf: str

    @property
    def works(self) -> bool:
        return self.user.role in work.WORKERS


def visitor(request: Request, ctx: Ctx) -> Visitor:
    """The session's visitor; without a live session, a redirect to the log-in page."""
    found = users.user_for_session(ctx.log.engine, request.cookies.get(SESSION_COOKIE, ""))
    if found is None:
        raise HTTPException(303, "log in first", headers={"Location": "/console/login"})
    return Visitor(*found)


Seen = Annotated[Visitor, Depends(visitor)]


def check_csrf(who: Visitor, token: str) -> None:
    """A form's hidden CSRF field must be the session's: a hostile page can make the browser post a form
    with the cookie, but cannot read the token out of our page."""
    if not secrets.compare_digest(token, who.csrf):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page")


def page(name: str, who: Visitor | None, status: int = 200, **values: Any) -> HTMLResponse:
    html = _env.get_template(name).render(
        me=who.user if who else None, csrf=who.csrf if who else "", works=bool(who and who.works), **values
    )
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": PAGE_CSP})


def refusal(who: Visitor | None, status: int, message: str) -> HTMLResponse:
    """An error page (403, 404, 409, 422) that says why, in the console's layout."""
    titles = {
        403: "Not allowed",
        404: "Not found",
        409: "Not possible now",
        422: "Not accepted",
        502: "Not recorded",
    }
    return page("message.html.j2", who, status, title=titles.get(status, "Refused"), message=message)
