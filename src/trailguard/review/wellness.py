"""Reviewer wellness: how much of the most severe material each reviewer met today, and a per-queue cap.

Exposure is counted from the record itself (decisions by band, item views in the audit log) for the current
UTC day, so it needs no counters that could drift. A queue's `severe_cap` limits how many jobs of the SEVERE
bands one reviewer decides there in a day: past it, `next_job` hands that reviewer only jobs of the other
bands (the severe ones wait for someone else). Claiming a given job by id is the reviewer's own choice and
is not capped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, func, select

from trailguard.model import BANDS
from trailguard.review import tables as rt
from trailguard.review.users import User

SEVERE: tuple[str, ...] = ("high", "critical")


def day_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def severe_decided(conn: Connection, user_id: int, queue_id: int | None, now: datetime) -> int:
    """Jobs of SEVERE bands the user decided since the start of the UTC day (in one queue, or in any)."""
    j, d = rt.jobs, rt.decisions
    query = (
        select(func.count())
        .select_from(d.join(j, j.c.id == d.c.job_id))
        .where(d.c.user_id == user_id, d.c.created_at >= day_start(now), j.c.band.in_(SEVERE))
    )
    if queue_id is not None:
        query = query.where(j.c.queue_id == queue_id)
    return int(conn.execute(query).scalar_one())


def cap_clauses(conn: Connection, queue: Any, user: User, now: datetime) -> list[ColumnElement[Any]]:
    """What `next_job` adds for the queue's cap: no severe jobs for a user who reached it today."""
    if queue.severe_cap is None or severe_decided(conn, user.id, queue.id, now) < queue.severe_cap:
        return []
    return [rt.jobs.c.band.notin_(SEVERE)]


def exposure(engine: Engine, user: User) -> dict[str, Any]:
    """Today's decisions per band, item views, and where the user stands against each capped queue."""
    j, d, q, e = rt.jobs, rt.decisions, rt.queues, rt.audit_events
    now = datetime.now(UTC)
    start = day_start(now)
    with engine.connect() as conn:
        per_band: dict[str, int] = dict(
            conn.execute(
                select(j.c.band, func.count())
                .select_from(d.join(j, j.c.id == d.c.job_id))
                .where(d.c.user_id == user.id, d.c.created_at >= start)
                .group_by(j.c.band)
            ).all()
        )
        # Audit times are UTC ISO text, which sorts as time does.
        views = conn.execute(
            select(func.count()).where(
                e.c.actor == user.name, e.c.action == "item.view", e.c.at >= start.isoformat()
            )
        ).scalar_one()
        caps = [
            {
                "queue": row.name,
                "severe_cap": row.severe_cap,
                "severe_decided": severe_decided(conn, user.id, row.id, now),
            }
            for row in conn.execute(select(q).where(q.c.severe_cap.is_not(None)).order_by(q.c.id))
        ]
    return {
        "day": start.date().isoformat(),
        "decided": {band: int(per_band.get(band, 0)) for band in BANDS},
        "severe_bands": list(SEVERE),
        "severe_decided": sum([int(per_band.get(b, 0)) for b in SEVERE]),
        "item_views": int(views),
        "caps": [dict(c, reached=c["severe_decided"] >= c["severe_cap"]) for c in caps],
    }
