"""The network, entity, search, audit and user-list pages of the console.

The network page draws its graph with the vendored cytoscape.js from the JSON route /api/networks/{id}/graph
(our own script, web/console/network.js: no inline script). The audit page is for admins and auditors, the
user list for admins only; anyone else gets a 403 page. Views of networks and identifiers, and searches, are
audit events, as in the browse API (api.browse).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from trailguard.api import lookup
from trailguard.api.console_page import NO_NUL, Ctx, Seen, page, refusal
from trailguard.model import ENTITY_TYPES
from trailguard.review import users

router = APIRouter()
PAGE = 50  # search results per page
AUDIT_SHOWN = 200


@router.get("/networks/{network_id}")
def network_page(
    network_id: Annotated[str, Path(max_length=64, pattern=NO_NUL)], who: Seen, ctx: Ctx
) -> Response:
    with ctx.log.view(who.user.name, "network.view", f"network:{network_id}") as conn:
        found = lookup.network(conn, network_id)
    if found is None:
        return refusal(who, 404, f"no network {network_id!r}")
    return page("network.html.j2", who, title=f"Network {network_id}", n=found)


def _entity(who: Seen, ctx: Ctx, value: str, type_: str | None) -> Response:
    if type_ is not None and type_ not in ENTITY_TYPES:
        return refusal(who, 404, f"no identifier type {type_[:32]!r}: one of {', '.join(ENTITY_TYPES)}")
    found = lookup.normalise(value, type_)
    if found is None:
        return page("entity.html.j2", who, title="Identifier", query=value, e=None, types=ENTITY_TYPES)
    with ctx.log.view(who.user.name, "entity.view", f"entity:{found[0]}:{found[1]}"[:512]) as conn:
        result = lookup.entity(conn, *found)
    return page("entity.html.j2", who, title="Identifier", query=value, e=result, types=ENTITY_TYPES)


@router.get("/entities")
def entity_query_page(
    who: Seen,
    ctx: Ctx,
    value: Annotated[str, Query(max_length=512)] = "",
    type: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    return _entity(who, ctx, value, type or None)


@router.get("/entities/{type_}/{value:path}")
def entity_page(
    type_: Annotated[str, Path(max_length=16)],
    value: Annotated[str, Path(max_length=512, pattern=NO_NUL)],
    who: Seen,
    ctx: Ctx,
) -> Response:
    return _entity(who, ctx, value, type_)


@router.get("/search")
def search_page(
    who: Seen,
    ctx: Ctx,
    q: Annotated[str, Query(max_length=512)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=2000)] = 1,
) -> Response:
    result = None
    if q.strip():
        with ctx.log.view(who.user.name, "search", "items", {"q": q[:200]}) as conn:
            result = lookup.search(conn, q, PAGE + 1, (page_no - 1) * PAGE)
    more = bool(result and len(result["items"]) > PAGE)
    if result:
        result["items"] = result["items"][:PAGE]
    return page("search.html.j2", who, title="Search", q=q, r=result, page_no=page_no, more=more)


@router.get("/audit")
def audit_page(who: Seen, ctx: Ctx) -> Response:
    if who.user.role not in ("admin", "auditor"):
        return refusal(who, 403, "the audit log is for admins and auditors")
    with ctx.log.engine.connect() as conn:
        events = lookup.recent_audit(conn, AUDIT_SHOWN)
    return page("audit.html.j2", who, title="Audit log", events=events)


@router.get("/admin/users")
def users_page(who: Seen, ctx: Ctx) -> Response:
    if who.user.role != "admin":
        return refusal(who, 403, "user administration is for admins")
    return page("users.html.j2", who, title="Users", people=users.list_users(ctx.log.engine))
