"""Read-only look-ups the console's pages and the browse API share: a network and its graph, everything
stored under one identifier, item search and the latest audit events.

Each function takes a connection, so the caller reads in the transaction that audits the look-up.
Identifiers are normalised with the extractor the scan uses (trailguard.extract), so any written form of a
phone number ("(617) 555-0123", "six1seven 555 01 23") finds the E.164 value the store keeps.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from trailguard.extract import extract_entities
from trailguard.model import ENTITY_TYPES
from trailguard.review import audit
from trailguard.review import tables as rt
from trailguard.store import tables as st

MAX_ITEMS = 500  # items listed for one identifier, and for one page of search results at most
EXCERPT = 200


def network(conn: Connection, network_id: str) -> dict[str, Any] | None:
    """The stored network (its JSON, see model.Network) with each shared identifier's link strength."""
    if "\x00" in network_id:
        return None
    data = conn.execute(select(st.networks.c.data).where(st.networks.c.id == network_id)).scalar()
    if data is None:
        return None
    size = max(1, len(data.get("items") or []))
    for r in data.get("reasons") or []:
        # Link strength: the share of the network's items that carry this identifier or template.
        r["strength"] = round(len(r.get("items") or []) / size, 3)
    return dict(data)


def graph(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Cytoscape elements of a network: one node per member item and per link reason (a shared identifier
    or a template), an edge from each reason to each item it names."""
    nodes: list[dict[str, Any]] = [
        {"data": {"id": f"item:{i}", "label": i, "kind": "item"}} for i in data["items"]
    ]
    edges: list[dict[str, Any]] = []
    members = set(data["items"])
    for n, r in enumerate(data.get("reasons") or []):
        rid = f"reason:{n}"
        label = r["kind"] if r["kind"] == "template" else f"{r['kind'].removeprefix('shared_')}: {r['value']}"
        nodes.append({"data": {"id": rid, "label": label[:80], "kind": "reason", "merged": r.get("merged")}})
        edges += [
            {"data": {"id": f"{rid}-{k}", "source": rid, "target": f"item:{i}"}}
            for k, i in enumerate(r.get("items") or [])
            if i in members
        ]
    return {"nodes": nodes, "edges": edges}


def normalise(value: str, type_: str | None = None) -> tuple[str, str] | None:
    """The (type, value) the store keeps for an identifier as someone typed it, or None if it reads as none.

    The extractor finds the identifier in the query; when it finds one covering the whole query (of the
    wanted type, if one is given) that is it. Otherwise a given type keeps the query as typed (a handle or a
    place the extractor does not recognise on its own).
    """
    text = value.replace("\x00", "").strip()  # no stored value holds a NUL (PostgreSQL text cannot)
    if not text:
        return None
    for e in extract_entities(text):
        if (type_ is None or e.type == type_) and e.end - e.start >= len(text) * 0.8:
            return e.type, str(e.value)
    if type_ in ENTITY_TYPES:
        return type_, text.lower() if type_ == "email" else text
    return None


def _item_rows(
    conn: Connection, where: Any, limit: int, offset: int, first: Any = None
) -> list[dict[str, Any]]:
    """Items matching `where`, best score first (those matching `first` before all others)."""
    it, a = st.items, st.assessments
    order = [a.c.score.desc().nulls_last(), it.c.id]
    rows = conn.execute(
        select(
            it.c.id, it.c.kind, it.c.platform, it.c.location, it.c.posted_at, it.c.data, a.c.score, a.c.band
        )
        .outerjoin(a, a.c.item_id == it.c.id)
        .where(where)
        .order_by(*([] if first is None else [first.desc()]), *order)
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "platform": r.platform,
            "location": r.location,
            "posted_at": r.posted_at,
            "score": r.score,
            "band": r.band,
            "excerpt": str(r.data.get("text") or r.data.get("title") or "")[:EXCERPT],
        }
        for r in rows
    ]


def entity(conn: Connection, type_: str, value: str) -> dict[str, Any]:
    """Every item (up to MAX_ITEMS, best score first) and every network holding the identifier."""
    e, ni, nw = st.entities, st.network_items, st.networks
    holders = select(e.c.item_id).where(e.c.type == type_, e.c.value == value)
    items = _item_rows(conn, st.items.c.id.in_(holders), MAX_ITEMS, 0)
    total = conn.execute(
        select(func.count(func.distinct(e.c.item_id))).where(e.c.type == type_, e.c.value == value)
    ).scalar()
    networks = conn.execute(
        select(nw.c.id, nw.c.size, nw.c.band, nw.c.score)
        .where(nw.c.id.in_(select(ni.c.network_id).where(ni.c.item_id.in_(holders))))
        .order_by(nw.c.score.desc(), nw.c.id)
    ).all()
    return {
        "type": type_,
        "value": value,
        "items_total": int(total or 0),
        "items": items,
        "networks": [dict(n._mapping) for n in networks],
    }


def search(conn: Connection, q: str, limit: int, offset: int) -> dict[str, Any]:
    """Items whose id is `q` (first) or starts with it, that hold the identifier `q` reads as, or whose title or text
    contains `q` (case-insensitive; LIKE with %, _ and \\ escaped, on both databases: no index serves a
    substring, so a search reads every item's text and is bounded by `limit`)."""
    it = st.items
    text = q.replace("\x00", "").strip()  # as in `normalise`
    if not text:
        return {"q": text, "identifier": None, "limit": limit, "offset": offset, "items": []}
    found = normalise(text)
    conditions = [
        it.c.id == text,
        it.c.id.startswith(text, autoescape=True),
        it.c.data["text"].as_string().icontains(text, autoescape=True),
        it.c.data["title"].as_string().icontains(text, autoescape=True),
    ]
    if found is not None:
        e = st.entities
        conditions.append(
            it.c.id.in_(select(e.c.item_id).where(and_(e.c.type == found[0], e.c.value == found[1])))
        )
    return {
        "q": text,
        "identifier": None if found is None else {"type": found[0], "value": found[1]},
        "limit": limit,
        "offset": offset,
        "items": _item_rows(conn, or_(*conditions), limit, offset, first=it.c.id == text),
    }


def recent_audit(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """The latest audit events, newest first."""
    ev = rt.audit_events
    rows = conn.execute(select(ev).order_by(ev.c.seq.desc()).limit(limit)).all()
    return [audit.event_dict(r) for r in rows]
