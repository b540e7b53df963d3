"""Routing rules: which queue a newly assessed item goes to, as data (the `review_routes` table).

When jobs are made (`trailguard queue fill`, `serve` at start, after a scan) the rules are tried in their
`position` order and the first one an item matches puts it in that rule's queue, with the rule's priority
(higher is handed out first). An item no rule matches goes to the queues no rule targets, by their own band
and kind (the default). An item that already has a job is never routed again, so adding a rule changes where
new items go, not the work already queued.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, delete, exists, func, insert, select

from trailguard.model import BANDS, KINDS
from trailguard.review import audit
from trailguard.review import tables as rt
from trailguard.review.filters import MAX_TEXT, like_prefix, no_nul
from trailguard.store import tables as st

PRIORITIES: dict[str, int] = {"low": -1, "normal": 0, "high": 1, "urgent": 2}
MAX_RULES = 500


def _priority_name(value: int) -> str:
    return next((name for name, v in PRIORITIES.items() if v == value), str(value))


def _glob(pattern: str) -> str:
    """An indicator pattern (`*` any characters, all else literal) as a LIKE pattern, escape `\\`."""
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def add_rule(
    conn: Connection,
    queue: str,
    by: str,
    *,
    indicator: str | None = None,
    platform: str | None = None,
    kind: str | None = None,
    place: str | None = None,
    min_band: str | None = None,
    priority: str = "normal",
) -> dict[str, Any]:
    """Append a rule (last place) routing matching items to `queue`, which is made if it does not exist."""
    from trailguard.review.work import SYSTEM_QUEUES, ensure_queue  # work imports this module for fill

    if queue in SYSTEM_QUEUES:
        raise ValueError(f"the {queue} queue is filled by decisions, not by routing rules")
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}, got {priority[:32]!r}")
    if min_band is not None and min_band not in BANDS:
        raise ValueError(f"min_band must be one of {', '.join(BANDS)}, got {min_band[:32]!r}")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind[:32]!r}")
    place = place.strip().lower() if place is not None else None
    for name, value in (("indicator", indicator), ("platform", platform), ("place", place)):
        if value is not None and not 1 <= len(value) <= (128 if name == "indicator" else MAX_TEXT):
            raise ValueError(f"{name} must have 1 to {128 if name == 'indicator' else MAX_TEXT} characters")
        no_nul(name, value)
    if not any((indicator, platform, kind, place, min_band)):
        raise ValueError("a rule needs at least one condition (indicator, platform, kind, place or min_band)")
    r = rt.routes
    if conn.execute(select(func.count()).select_from(r)).scalar_one() >= MAX_RULES:
        raise ValueError(f"at most {MAX_RULES} routing rules")
    queue_id = ensure_queue(conn, queue, "low", f"Items routed here by rules (made by {by[:64]}).", by)
    position = int(conn.execute(select(func.coalesce(func.max(r.c.position), 0))).scalar_one()) + 1
    values = {
        "position": position,
        "queue_id": queue_id,
        "indicator": indicator,
        "platform": platform,
        "kind": kind,
        "place": place,
        "min_band": min_band,
        "priority": PRIORITIES[priority],
        "created_by": by[:64],
        "created_at": datetime.now(UTC),
    }
    rule_id = int(conn.execute(insert(r).values(**values)).inserted_primary_key[0])  # type: ignore[index]
    shown = _rule_dict({**values, "id": rule_id, "queue": queue})
    audit.record(conn, by, "route.add", f"route:{rule_id}", {k: v for k, v in shown.items() if k != "id"})
    return shown


def _rule_dict(row: Any) -> dict[str, Any]:
    get = row.get if isinstance(row, dict) else row._mapping.get
    return {
        "id": get("id"),
        "position": get("position"),
        "queue": get("queue"),
        "indicator": get("indicator"),
        "platform": get("platform"),
        "kind": get("kind"),
        "place": get("place"),
        "min_band": get("min_band"),
        "priority": _priority_name(int(get("priority") or 0)),
    }


def rules(conn: Connection) -> list[Any]:
    r, q = rt.routes, rt.queues
    return list(
        conn.execute(
            select(r, q.c.name.label("queue")).join(q, q.c.id == r.c.queue_id).order_by(r.c.position)
        )
    )


def list_rules(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [_rule_dict(row) for row in rules(conn)]


def remove_rule(conn: Connection, rule_id: int, by: str) -> None:
    if not conn.execute(delete(rt.routes).where(rt.routes.c.id == rule_id)).rowcount:
        raise LookupError(f"no routing rule {rule_id}")
    audit.record(conn, by, "route.remove", f"route:{rule_id}", {})


def matches(rule: Any) -> list[ColumnElement[Any]]:
    """The rule's conditions over `assessments` joined to `items` (what `fill` selects from)."""
    a, it = st.assessments, st.items
    out: list[ColumnElement[Any]] = []
    if rule.indicator:
        h = st.hits
        out.append(
            exists().where(h.c.item_id == a.c.item_id, h.c.indicator.like(_glob(rule.indicator), escape="\\"))
        )
    if rule.platform:
        out.append(it.c.platform == rule.platform)
    if rule.kind:
        out.append(it.c.kind == rule.kind)
    if rule.place:
        out.append(func.lower(it.c.location).like(like_prefix(rule.place), escape="\\"))
    if rule.min_band:
        out.append(a.c.band.in_(BANDS[BANDS.index(rule.min_band) :]))
    return out
