"""Queues, jobs and decisions: how items reach reviewers and what they decide.

Jobs are made from stored assessments by `fill` (a queue takes the items at its band or above, of its kind if
it names one). `next_job` claims the best open job for one reviewer so that concurrent callers never get the
same one: on PostgreSQL a `SELECT ... FOR UPDATE SKIP LOCKED` in the claiming transaction; on SQLite one
`UPDATE ... WHERE id = (SELECT ...)` statement, which SQLite runs whole under its single write lock. A claim
lapses after the configured minutes, and the job is handed out again. A decision is written once and never
changed; an escalation makes a job in the `escalations` queue in the same transaction, so it cannot be lost.
Every change is an audit event written in the transaction that makes it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, exists, func, insert, literal, or_, select, update

from trailguard.model import BANDS
from trailguard.review import audit
from trailguard.review import tables as rt
from trailguard.review.users import User
from trailguard.store import tables as st

DEFAULT_QUEUE = "review"
ESCALATIONS = "escalations"
MAX_REASON, MAX_POLICY, MAX_COMMENT = 2000, 128, 4000
WORKERS = ("reviewer", "analyst")  # the roles that work jobs and decide


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    """The job is not in a state that allows this (claimed by someone else, decided, ...)."""


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat()


def bands_from(band: str) -> list[str]:
    if band not in BANDS:
        raise ValueError(f"band must be one of {', '.join(BANDS)}, got {band!r}")
    return list(BANDS[BANDS.index(band) :])


def _queue_id(conn: Connection, name: str, min_band: str, description: str) -> int:
    q = rt.queues
    found = conn.execute(select(q.c.id).where(q.c.name == name)).scalar()
    if found is not None:
        return int(found)
    result = conn.execute(
        insert(q).values(name=name, description=description, min_band=min_band, created_at=_now())
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def create_queue(
    conn: Connection, name: str, min_band: str, kind: str | None, description: str, by: str
) -> dict[str, Any]:
    bands_from(min_band)
    if (
        not 1 <= len(name) <= 64
        or conn.execute(select(rt.queues.c.id).where(rt.queues.c.name == name)).first()
    ):
        raise Conflict(f"queue {name[:64]!r} exists or its name is not 1-64 characters")
    result = conn.execute(
        insert(rt.queues).values(
            name=name, description=description[:2000], min_band=min_band, kind=kind, created_at=_now()
        )
    )
    qid = int(result.inserted_primary_key[0])  # type: ignore[index]
    audit.record(conn, by, "queue.create", f"queue:{qid}", {"name": name, "min_band": min_band, "kind": kind})
    return {"id": qid, "name": name, "min_band": min_band, "kind": kind}


def fill(conn: Connection, by: str) -> dict[str, int]:
    """Make a job for every stored assessment a queue takes and does not have yet; jobs made per queue.

    With no queue yet, the default one (medium band and above, every kind) is made first.
    """
    if conn.execute(select(rt.queues.c.id).limit(1)).first() is None:
        _queue_id(conn, DEFAULT_QUEUE, "medium", "Every item at medium band or above, best score first.")
    j, a, it = rt.jobs, st.assessments, st.items
    made: dict[str, int] = {}
    for queue in conn.execute(
        select(rt.queues).where(rt.queues.c.name != ESCALATIONS).order_by(rt.queues.c.id)
    ):
        wanted = select(
            literal(queue.id), a.c.item_id, a.c.score, a.c.band, literal("open"), literal(_now())
        ).where(
            a.c.band.in_(bands_from(queue.min_band)),
            ~exists().where(j.c.queue_id == queue.id, j.c.item_id == a.c.item_id),
        )
        if queue.kind:
            wanted = wanted.join(it, it.c.id == a.c.item_id).where(it.c.kind == queue.kind)
        # Counted, not read from rowcount: drivers do not all report it for INSERT ... SELECT.
        had = _count(conn, queue.id)
        conn.execute(
            insert(j).from_select(["queue_id", "item_id", "score", "band", "status", "created_at"], wanted)
        )
        made[queue.name] = _count(conn, queue.id) - had
    audit.record(conn, by, "queue.fill", "queues", made)
    return made


def _count(conn: Connection, queue_id: int) -> int:
    return int(conn.execute(select(func.count()).where(rt.jobs.c.queue_id == queue_id)).scalar_one())


def list_queues(engine: Engine) -> list[dict[str, Any]]:
    q, j = rt.queues, rt.jobs
    with engine.connect() as conn:
        rows = conn.execute(select(q).order_by(q.c.id)).all()
        counts: dict[tuple[int, str], int] = {}
        for qid, status, n in conn.execute(
            select(j.c.queue_id, j.c.status, func.count()).group_by(j.c.queue_id, j.c.status)
        ):
            counts[(qid, status)] = n
    return [
        {
            "id": r.id,
            "name": r.name,
            "description": r.description,
            "min_band": r.min_band,
            "kind": r.kind,
            **{s: counts.get((r.id, s), 0) for s in ("open", "held", "decided")},
        }
        for r in rows
    ]


def _job_dict(row: Any, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "queue_id": row.queue_id,
        "item_id": row.item_id,
        "score": row.score,
        "band": row.band,
        "status": row.status,
        "claimed_by": names.get(row.claimed_by) if row.claimed_by else None,
        "claim_expires_at": _iso(row.claim_expires_at),
        "held_by": names.get(row.held_by) if row.held_by else None,
        "created_at": _iso(row.created_at),
    }


def _names(conn: Connection) -> dict[int, str]:
    return dict(conn.execute(select(rt.users.c.id, rt.users.c.name)).all())


def list_jobs(
    engine: Engine, queue_id: int, status: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    j = rt.jobs
    with engine.connect() as conn:
        if conn.execute(select(rt.queues.c.id).where(rt.queues.c.id == queue_id)).first() is None:
            raise NotFound(f"no queue {queue_id}")
        query = select(j).where(j.c.queue_id == queue_id)
        if status:
            query = query.where(j.c.status == status)
        rows = conn.execute(query.order_by(j.c.score.desc(), j.c.id).limit(limit).offset(offset)).all()
        names = _names(conn)
    return [_job_dict(r, names) for r in rows]


def get_job(engine: Engine, job_id: int) -> dict[str, Any]:
    j, d, c = rt.jobs, rt.decisions, rt.comments
    with engine.connect() as conn:
        row = conn.execute(select(j).where(j.c.id == job_id)).first()
        if row is None:
            raise NotFound(f"no job {job_id}")
        names = _names(conn)
        decision = conn.execute(select(d).where(d.c.job_id == job_id)).first()
        notes = conn.execute(select(c).where(c.c.job_id == job_id).order_by(c.c.id)).all()
    out = _job_dict(row, names)
    out["decision"] = None if decision is None else _decision_dict(decision, names)
    out["comments"] = [
        {"id": n.id, "by": names.get(n.user_id), "body": n.body, "created_at": _iso(n.created_at)}
        for n in notes
    ]
    return out


def _decision_dict(row: Any, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "job_id": row.job_id,
        "item_id": row.item_id,
        "by": names.get(row.user_id),
        "action": row.action,
        "reason": row.reason,
        "policy": row.policy,
        "created_at": _iso(row.created_at),
    }


def _available(now: datetime) -> Any:
    j = rt.jobs
    return and_(j.c.status == "open", or_(j.c.claimed_by.is_(None), j.c.claim_expires_at < now))


def next_job(conn: Connection, queue_id: int, user: User, minutes: int) -> int | None:
    """Claim the open job with the best score for `user`; its id, or None when the queue has none left."""
    j = rt.jobs
    now = _now()
    if conn.execute(select(rt.queues.c.id).where(rt.queues.c.id == queue_id)).first() is None:
        raise NotFound(f"no queue {queue_id}")
    best = (
        select(j.c.id)
        .where(j.c.queue_id == queue_id, _available(now))
        .order_by(j.c.score.desc(), j.c.id)
        .limit(1)
    )
    claim = {"claimed_by": user.id, "claim_expires_at": now + timedelta(minutes=minutes)}
    if conn.dialect.name == "postgresql":
        job_id = conn.execute(best.with_for_update(skip_locked=True)).scalar()
        if job_id is None:
            return None
        conn.execute(update(j).where(j.c.id == job_id).values(**claim))
    else:
        job_id = conn.execute(
            update(j)
            .where(j.c.id == best.scalar_subquery(), _available(now))
            .values(**claim)
            .returning(j.c.id)
        ).scalar()
        if job_id is None:
            return None
    audit.record(conn, user.name, "job.claim", f"job:{job_id}", {"queue": queue_id, "how": "next"})
    return int(job_id)


def _job(conn: Connection, job_id: int) -> Any:
    row = conn.execute(select(rt.jobs).where(rt.jobs.c.id == job_id)).first()
    if row is None:
        raise NotFound(f"no job {job_id}")
    return row


def claim(conn: Connection, job_id: int, user: User, minutes: int) -> None:
    """Claim a given job: open, and unclaimed, lapsed, or already this user's."""
    j = rt.jobs
    now = _now()
    done = conn.execute(
        update(j)
        .where(j.c.id == job_id, or_(_available(now), and_(j.c.status == "open", j.c.claimed_by == user.id)))
        .values(claimed_by=user.id, claim_expires_at=now + timedelta(minutes=minutes))
    ).rowcount
    if not done:
        _job(conn, job_id)
        raise Conflict(f"job {job_id} is claimed by someone else, held or decided")
    audit.record(conn, user.name, "job.claim", f"job:{job_id}", {})


def _mine(row: Any, user: User, now: datetime) -> bool:
    expires = row.claim_expires_at
    return bool(
        row.claimed_by == user.id
        and expires
        and (expires if expires.tzinfo else expires.replace(tzinfo=UTC)) > now
    )


def release(conn: Connection, job_id: int, user: User) -> None:
    """Give back one's claim on an open job, or put a held job back in its queue."""
    j = rt.jobs
    now = _now()
    conn.execute(update(j).where(j.c.id == job_id).values(status=j.c.status))  # write lock first (SQLite)
    row = _job(conn, job_id)
    if row.status == "held":
        if row.held_by != user.id and user.role != "analyst":
            raise Conflict(f"job {job_id} is held by someone else")
    elif row.status != "open" or not _mine(row, user, now):
        raise Conflict(f"job {job_id} is not claimed by you")
    conn.execute(
        update(j)
        .where(j.c.id == job_id)
        .values(status="open", claimed_by=None, claim_expires_at=None, held_by=None)
    )
    audit.record(conn, user.name, "job.release", f"job:{job_id}", {"was": row.status})


def hold(conn: Connection, job_id: int, user: User, reason: str) -> None:
    """Take a claimed job out of the queue until it is released (waiting on information, say)."""
    j = rt.jobs
    conn.execute(update(j).where(j.c.id == job_id).values(status=j.c.status))
    row = _job(conn, job_id)
    if row.status != "open" or not _mine(row, user, _now()):
        raise Conflict(f"job {job_id} is not claimed by you")
    conn.execute(
        update(j)
        .where(j.c.id == job_id)
        .values(status="held", held_by=user.id, claimed_by=None, claim_expires_at=None)
    )
    audit.record(
        conn, user.name, "job.hold", f"job:{job_id}", {"reason": _text("reason", reason, MAX_REASON)}
    )


def reassign(conn: Connection, job_id: int, to: str, user: User, minutes: int) -> None:
    """Hand an undecided job to a reviewer or analyst as their claim (admins and analysts do this)."""
    j = rt.jobs
    conn.execute(update(j).where(j.c.id == job_id).values(status=j.c.status))
    row = _job(conn, job_id)
    target = conn.execute(select(rt.users.c.id, rt.users.c.role).where(rt.users.c.name == to)).first()
    if target is None:
        raise NotFound(f"no user {to[:64]!r}")
    if target.role not in WORKERS:
        raise Conflict(f"user {to!r} is a {target.role} and cannot work jobs")
    if row.status == "decided":
        raise Conflict(f"job {job_id} is decided")
    conn.execute(
        update(j)
        .where(j.c.id == job_id)
        .values(
            status="open",
            held_by=None,
            claimed_by=target.id,
            claim_expires_at=_now() + timedelta(minutes=minutes),
        )
    )
    audit.record(conn, user.name, "job.reassign", f"job:{job_id}", {"to": to})


def _text(what: str, value: str, limit: int) -> str:
    value = value.replace("\x00", "").strip()
    if not 1 <= len(value) <= limit:
        raise ValueError(f"{what} must have 1 to {limit} characters")
    return value


def decide(conn: Connection, job_id: int, user: User, action: str, reason: str, policy: str) -> int:
    """Record the decision on a job claimed by `user`; its id. An escalation queues the item for escalations."""
    if action not in rt.ACTIONS:
        raise ValueError(f"action must be one of {', '.join(rt.ACTIONS)}, got {action[:32]!r}")
    reason, policy = _text("reason", reason, MAX_REASON), _text("policy", policy, MAX_POLICY)
    j = rt.jobs
    now = _now()
    conn.execute(update(j).where(j.c.id == job_id).values(status=j.c.status))
    row = _job(conn, job_id)
    if row.status != "open" or not _mine(row, user, now):
        raise Conflict(f"job {job_id} is not claimed by you (claim it first), or it is decided or held")
    if action == "escalate":
        esc = _queue_id(conn, ESCALATIONS, "low", "Items escalated by a reviewer, for a senior decision.")
        if esc == row.queue_id:
            raise Conflict("this job is already an escalation: confirm, report or dismiss it")
        if conn.execute(select(j.c.id).where(j.c.queue_id == esc, j.c.item_id == row.item_id)).first():
            raise Conflict(f"item {row.item_id!r} is already in the escalations queue")
        conn.execute(
            insert(j).values(
                queue_id=esc,
                item_id=row.item_id,
                score=row.score,
                band=row.band,
                status="open",
                created_at=now,
            )
        )
    result = conn.execute(
        insert(rt.decisions).values(
            job_id=job_id,
            item_id=row.item_id,
            user_id=user.id,
            action=action,
            reason=reason,
            policy=policy,
            created_at=now,
        )
    )
    conn.execute(update(j).where(j.c.id == job_id).values(status="decided", claim_expires_at=None))
    decision_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    audit.record(
        conn,
        user.name,
        "decision",
        f"job:{job_id}",
        {"item": row.item_id, "action": action, "policy": policy, "decision": decision_id},
    )
    return decision_id


def comment(conn: Connection, job_id: int, user: User, body: str) -> int:
    body = _text("comment", body, MAX_COMMENT)
    _job(conn, job_id)
    result = conn.execute(
        insert(rt.comments).values(job_id=job_id, user_id=user.id, body=body, created_at=_now())
    )
    audit.record(conn, user.name, "comment", f"job:{job_id}", {})
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def view_item(conn: Connection, item_id: str, user: User) -> dict[str, Any]:
    """The stored item, its assessment (with every hit and its explanation) and the decisions on it."""
    audit.record(conn, user.name, "item.view", f"item:{item_id}")
    item = conn.execute(select(st.items.c.data).where(st.items.c.id == item_id)).scalar()
    if item is None:
        raise NotFound(f"no item {item_id[:512]!r}")
    assessment = conn.execute(
        select(st.assessments.c.data).where(st.assessments.c.item_id == item_id)
    ).scalar()
    names = _names(conn)
    decisions = conn.execute(
        select(rt.decisions).where(rt.decisions.c.item_id == item_id).order_by(rt.decisions.c.id)
    )
    return {
        "item": item,
        "assessment": assessment,
        "decisions": [_decision_dict(d, names) for d in decisions],
    }
