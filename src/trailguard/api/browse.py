"""Read-only routes for browsing what the scan stored: networks (and their graph), identifiers, search.

Every role may read (the auditor too: reading changes nothing); every read is an audit event
(AuditLog.view). The console's pages show the same data (api.pages_browse) from api.lookup.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query

from trailguard.api import lookup
from trailguard.api.auth import Anyone, Context, context
from trailguard.api.console_page import NO_NUL
from trailguard.model import ENTITY_TYPES

router = APIRouter(prefix="/api")
Ctx = Annotated[Context, Depends(context)]
NetworkId = Annotated[str, Path(min_length=1, max_length=64, pattern=NO_NUL)]
EntityType = Literal[ENTITY_TYPES]  # type: ignore[valid-type]


@router.get("/networks/{network_id}")
def read_network(network_id: NetworkId, user: Anyone, ctx: Ctx) -> dict[str, Any]:
    """A stored network: members, link reasons with their strength, circuit of places, templates, hits."""
    with ctx.log.view(user.name, "network.view", f"network:{network_id}") as conn:
        found = lookup.network(conn, network_id)
    if found is None:
        raise LookupError(f"no network {network_id!r}")
    return found


@router.get("/networks/{network_id}/graph")
def read_network_graph(network_id: NetworkId, user: Anyone, ctx: Ctx) -> dict[str, Any]:
    """The network as graph elements (items and the identifiers and templates that link them), as the
    console's network page draws it."""
    with ctx.log.view(user.name, "network.view", f"network:{network_id}", {"part": "graph"}) as conn:
        found = lookup.network(conn, network_id)
    if found is None:
        raise LookupError(f"no network {network_id!r}")
    return lookup.graph(found)


@router.get("/entities")
def read_entity(
    user: Anyone,
    ctx: Ctx,
    value: Annotated[str, Query(min_length=1, max_length=512)],
    type: EntityType | None = None,
) -> dict[str, Any]:
    """Every item and network with the identifier; any written form of a phone number finds it."""
    found = lookup.normalise(value, type)
    if found is None:
        raise ValueError("the value reads as no identifier: give its type (phone, email, handle, ...)")
    with ctx.log.view(user.name, "entity.view", f"entity:{found[0]}:{found[1]}"[:512]) as conn:
        return lookup.entity(conn, *found)


@router.get("/search")
def search(
    user: Anyone,
    ctx: Ctx,
    q: Annotated[str, Query(min_length=1, max_length=512)],
    limit: Annotated[int, Query(ge=1, le=lookup.MAX_ITEMS)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> dict[str, Any]:
    """Items by id (exact or prefix), by identifier (normalised as /api/entities does) or by text."""
    with ctx.log.view(user.name, "search", "items", {"q": q[:200]}) as conn:
        return lookup.search(conn, q, limit, offset)
