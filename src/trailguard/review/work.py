"""Queues, jobs and decisions: how items reach reviewers and what they decide.

Jobs are made from stored assessments by `fill` (routing rules first, see review.routing; then a queue
takes the items at its band or above, of its kind if it names one). `next_job` claims the best open job for
one reviewer so that concurrent callers never get the same one: on PostgreSQL a `SELECT ... FOR UPDATE SKIP
LOCKED` in the claiming transaction; on SQLite one `UPDATE ... WHERE id = (SELECT ...)` statement, which
SQLite runs whole under its single write lock. A claim lapses after the configured minutes, and the job is
handed out again. A decision is written once and never changed; an escalation makes a job in the
`escalations` queue in the same transaction, so it cannot be lost, and a decision that needs a second review
makes that job the same way. Every change is an audit event written in the transaction that makes it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    update,
)

from trailguard.model import BANDS
from trailguard.review import audit, routing, wellness
from trailguard.review import tables as rt
from trailguard.review.filters import EVERY_JOB, JobFilter, no_nul
from trailguard.review.users import User
from trailguard.store import tables as st
from trailguard.store.db import lock_key, write_transaction

DEFAULT_QUEUE = "review"
ESCALATIONS = "escalations"
PUBLIC_REPORTS = "public-reports"
SECOND_REVIEW = "second-review"
# filled by decisions or by `add_job` (public reports), never by `fill`
SYSTEM_QUEUES = (ESCALATIONS, SECOND_REVIEW, PUBLIC_REPORTS)
EXTERNAL = ("escalate", "report")  # the actions whose final decision runs the escalation hook
ANALYZE_AFTER = 1000  # jobs made by one fill after which PostgreSQL's statistics are refreshed
MAX_REASON, MAX_POLICY, MAX_COMMENT = 2000, 128, 4000
WORKERS = ("reviewer", "analyst")  # the roles that work jobs and decide


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    """The job is not in a state that allows this (claimed by someone else, decided, ...)."""


class EscalationFailed(RuntimeError):
    """The external step of an escalation or report failed: the decision was not recorded."""


@dataclass(frozen=True, slots=True)
class Escalation:
    """What the escalation hook is told: a final `escalate` or `report` decision about to be recorded."""

    job_id: int
    item_id: str
    action: str
    reason: str
    policy: str
    by: str
    case_id: str | None  # the evidence case linked to the job, if any


# Called before the decision's transaction, with none open: the external step (a CyberTipline submission)
# keeps its own records (custody entries) and may take minutes, which no open write transaction should span
# (on SQLite it would hold every writer off). Raising anything means the decision is not recorded.
EscalationHook = Callable[[Escalation], None]


def _now() -> datetime:
    return datetime.now(UTC)


def iso_time(when: datetime | None) -> str | None:
    if when is None:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat()


def bands_from(band: str) -> list[str]:
    if band not in BANDS:
        raise ValueError(f"band must be one of {', '.join(BANDS)}, got {band!r}")
    return list(BANDS[BANDS.index(band) :])


def ensure_queue(conn: Connection, name: str, min_band: str, description: str, by: str) -> int:
    """The id of the queue `name`, made (and audited) if it does not exist yet."""
    q = rt.queues
    no_nul("a queue name", name)
    if not 1 <= len(name) <= 64:
        raise ValueError("a queue name must have 1-64 characters")
    found = conn.execute(select(q.c.id).where(q.c.name == name)).scalar()
    if found is not None:
        return int(found)
    result = conn.execute(
        insert(q).values(name=name, description=description, min_band=min_band, created_at=_now())
    )
    qid = int(result.inserted_primary_key[0])  # type: ignore[index]
    audit.record(conn, by, "queue.create", f"queue:{qid}", {"name": name, "min_band": min_band})
    return qid


def _second_review(actions: list[str] | None) -> str | None:
    """The `second_review` column's form of a list of actions: sorted, comma-joined; None for none."""
    if not actions:
        return None
    bad = [a for a in actions if a not in rt.ACTIONS]
    if bad:
        raise ValueError(f"second_review actions must be among {', '.join(rt.ACTIONS)}, got {bad[0][:32]!r}")
    return ",".join(sorted(set(actions)))


def _cap(severe_cap: int | None) -> int | None:
    if severe_cap is not None and not 1 <= severe_cap <= 10_000:
        raise ValueError("severe_cap must be 1 to 10000 (or none)")
    return severe_cap


def create_queue(
    conn: Connection,
    name: str,
    min_band: str,
    kind: str | None,
    description: str,
    by: str,
    second_review: list[str] | None = None,
    severe_cap: int | None = None,
) -> dict[str, Any]:
    bands_from(min_band)
    no_nul("a queue name", name)
    no_nul("a description", description)
    if (
        not 1 <= len(name) <= 64
        or conn.execute(select(rt.queues.c.id).where(rt.queues.c.name == name)).first()
    ):
        raise Conflict(f"queue {name[:64]!r} exists or its name is not 1-64 characters")
    settings = {"second_review": _second_review(second_review), "severe_cap": _cap(severe_cap)}
    result = conn.execute(
        insert(rt.queues).values(
            name=name,
            description=description[:2000],
            min_band=min_band,
            kind=kind,
            created_at=_now(),
            **settings,
        )
    )
    qid = int(result.inserted_primary_key[0])  # type: ignore[index]
    shown = {"name": name, "min_band": min_band, "kind": kind, **settings}
    audit.record(conn, by, "queue.create", f"queue:{qid}", shown)
    return {"id": qid, **shown}


def configure_queue(
    conn: Connection, queue_id: int, by: str, second_review: list[str] | None, severe_cap: int | None
) -> None:
    """Set a queue's second-review actions and severe-band cap (an empty list / None turns them off)."""
    settings = {"second_review": _second_review(second_review), "severe_cap": _cap(severe_cap)}
    if not conn.execute(update(rt.queues).where(rt.queues.c.id == queue_id).values(**settings)).rowcount:
        raise NotFound(f"no queue {queue_id}")
    audit.record(conn, by, "queue.configure", f"queue:{queue_id}", settings)


JOB_FIELDS = [
    "queue_id",
    "item_id",
    "score",
    "band",
    "status",
    "created_at",
    "kind",
    "platform",
    "place",
    "priority",
    "route_id",
]


def _candidates(queue_id: int, priority: int, route_id: int | None) -> Any:
    """Every stored assessment as the JOB_FIELDS of a new open job in the queue (narrowed by the caller)."""
    a, it = st.assessments, st.items
    return select(
        literal(queue_id),
        a.c.item_id,
        a.c.score,
        a.c.band,
        literal("open"),
        literal(_now()),
        it.c.kind,
        func.substr(it.c.platform, 1, 200),
        func.lower(func.substr(it.c.location, 1, 200)),
        literal(priority),
        literal(route_id) if route_id is not None else null(),
    ).select_from(a.join(it, it.c.id == a.c.item_id))


def fill(conn: Connection, by: str) -> dict[str, int]:
    """Make the jobs for stored assessments that have none yet; jobs made per queue.

    First the routing rules, in order (review.routing): an item without any job goes to the first rule's
    queue it matches. Then each queue no rule targets takes, as before rules existed, the items at its band
    or above (of its kind, if it names one) that it lacks and that no rule routed. With no such queue yet,
    the default one (medium band and above, every kind) is made first.
    """
    q, j, a, it = rt.queues, rt.jobs, st.assessments, st.items
    rules = routing.rules(conn)
    targeted = {rule.queue_id for rule in rules}
    takers = select(q.c.id).where(q.c.name.notin_(SYSTEM_QUEUES), q.c.id.notin_(targeted))
    if conn.execute(takers.limit(1)).first() is None:
        ensure_queue(
            conn, DEFAULT_QUEUE, "medium", "Every item at medium band or above, best score first.", by
        )
    made: dict[str, int] = {}

    def run(queue_id: int, name: str, wanted: Any) -> None:
        # Counted, not read from rowcount: drivers do not all report it for INSERT ... SELECT.
        had = _count(conn, queue_id)
        conn.execute(insert(j).from_select(JOB_FIELDS, wanted))
        made[name] = made.get(name, 0) + _count(conn, queue_id) - had

    for rule in rules:
        wanted = _candidates(rule.queue_id, rule.priority, rule.id).where(
            *routing.matches(rule), ~exists().where(j.c.item_id == a.c.item_id)
        )
        run(rule.queue_id, rule.queue, wanted)
    for queue in conn.execute(select(q).where(q.c.name.notin_(SYSTEM_QUEUES)).order_by(q.c.id)):
        if queue.id in targeted:
            continue
        wanted = _candidates(queue.id, 0, None).where(
            a.c.band.in_(bands_from(queue.min_band)),
            ~exists().where(j.c.queue_id == queue.id, j.c.item_id == a.c.item_id),
            ~exists().where(j.c.item_id == a.c.item_id, j.c.route_id.is_not(None)),
        )
        if queue.kind:
            wanted = wanted.where(it.c.kind == queue.kind)
        run(queue.id, queue.name, wanted)
    if conn.dialect.name == "postgresql" and sum(made.values()) >= ANALYZE_AFTER:
        # Until autovacuum comes by, the planner thinks the queue is nearly empty and sorts every open job
        # for each "next" instead of reading the first ones from ix_review_jobs_pick (300 ms against 0.2
        # ms on 100k jobs). ANALYZE counts this transaction's own new rows.
        conn.execute(text("ANALYZE review_jobs"))
    fold_counts(conn)  # a fill adds a count row per job made (SQLite's triggers are per row)
    audit.record(conn, by, "queue.fill", "queues", made)
    return made


def add_job(conn: Connection, queue: str, item_id: str, by: str) -> int:
    """Put one stored, assessed item in the named queue (made if missing, band low: it takes what it is given),
    outside `fill`'s routing: how an item nothing has scored, such as a public report, still reaches a
    reviewer. The job is made from the item's row as `fill` makes jobs (kind, platform, place copied)."""
    qid = ensure_queue(conn, queue, "low", f"Items put here directly ({queue}), not routed by score.", by)
    conn.execute(
        insert(rt.jobs).from_select(
            JOB_FIELDS, _candidates(qid, 0, None).where(st.assessments.c.item_id == item_id)
        )
    )
    job_id = conn.execute(
        select(func.max(rt.jobs.c.id)).where(rt.jobs.c.queue_id == qid, rt.jobs.c.item_id == item_id)
    ).scalar_one()
    if job_id is None:
        raise NotFound(f"no assessed item {item_id[:200]!r}")
    audit.record(conn, by, "job.create", f"job:{job_id}", {"queue": queue, "item": item_id[:512]})
    return int(job_id)


def _count(conn: Connection, queue_id: int) -> int:
    return int(conn.execute(select(func.count()).where(rt.jobs.c.queue_id == queue_id)).scalar_one())


FOLD_AFTER = 1000  # rows of review_queue_counts beyond which the queue page folds them


def fold_counts(conn: Connection) -> None:
    """Replace the rows of review_queue_counts by one a (queue, status), their sum (none where it is 0).

    Only the rows this transaction deletes are summed (DELETE ... RETURNING): a row a concurrent writer adds
    meanwhile is not seen, so not deleted, and still counts; two folds at once each fold what they deleted.
    """
    c = rt.queue_counts
    if conn.dialect.name == "postgresql":  # one fold at a time: two deleting the same rows could deadlock
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key("queue-counts")})
    totals: dict[tuple[int, str], int] = {}
    for qid, status, n in conn.execute(delete(c).returning(c.c.queue_id, c.c.status, c.c.n)):
        totals[(qid, status)] = totals.get((qid, status), 0) + n
    rows = [{"queue_id": q, "status": s, "n": n} for (q, s), n in totals.items() if n]
    if rows:
        conn.execute(insert(c), rows)


def list_queues(engine: Engine) -> list[dict[str, Any]]:
    """The queues with their jobs open, held and decided, from the counts the triggers keep (migration
    0008): a few rows to read, however many jobs there are. Folded when the rows have piled up."""
    q, c = rt.queues, rt.queue_counts
    with engine.connect() as conn:
        rows = conn.execute(select(q).order_by(q.c.id)).all()
        counts: dict[tuple[int, str], int] = {}
        kept = 0
        for qid, status, n, parts in conn.execute(
            select(c.c.queue_id, c.c.status, func.sum(c.c.n), func.count()).group_by(c.c.queue_id, c.c.status)
        ):
            counts[(qid, status)] = int(n)
            kept += parts
    if kept > FOLD_AFTER:
        with write_transaction(engine) as conn:
            fold_counts(conn)
    return [
        {
            "id": r.id,
            "name": r.name,
            "description": r.description,
            "min_band": r.min_band,
            "kind": r.kind,
            "second_review": r.second_review.split(",") if r.second_review else [],
            "severe_cap": r.severe_cap,
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
        "claim_expires_at": iso_time(row.claim_expires_at),
        "held_by": names.get(row.held_by) if row.held_by else None,
        "created_at": iso_time(row.created_at),
        "kind": row.kind,
        "platform": row.platform,
        "place": row.place,
        "priority": row.priority,
        "review_of": row.review_of,
        "case_id": row.case_id,
    }


def user_names(conn: Connection) -> dict[int, str]:
    return dict(conn.execute(select(rt.users.c.id, rt.users.c.name)).all())


ORDER = (rt.jobs.c.priority.desc(), rt.jobs.c.score.desc(), rt.jobs.c.id)  # the order jobs are handed out


def list_jobs(
    engine: Engine,
    queue_id: int,
    status: str | None,
    limit: int,
    offset: int,
    where: JobFilter = EVERY_JOB,
) -> list[dict[str, Any]]:
    j = rt.jobs
    with engine.connect() as conn:
        if conn.execute(select(rt.queues.c.id).where(rt.queues.c.id == queue_id)).first() is None:
            raise NotFound(f"no queue {queue_id}")
        query = select(j).where(j.c.queue_id == queue_id, *where.clauses(_now()))
        if status:
            query = query.where(j.c.status == status)
        rows = conn.execute(query.order_by(*ORDER).limit(limit).offset(offset)).all()
        names = user_names(conn)
    return [_job_dict(r, names) for r in rows]


def get_job(engine: Engine, job_id: int) -> dict[str, Any]:
    j, d, c = rt.jobs, rt.decisions, rt.comments
    with engine.connect() as conn:
        row = conn.execute(select(j).where(j.c.id == job_id)).first()
        if row is None:
            raise NotFound(f"no job {job_id}")
        names = user_names(conn)
        decision = conn.execute(select(d).where(d.c.job_id == job_id)).first()
        notes = conn.execute(select(c).where(c.c.job_id == job_id).order_by(c.c.id)).all()
        second = _second_review_of(conn, decision, names)
        first = None
        if row.review_of is not None:
            first = conn.execute(select(d).where(d.c.id == row.review_of)).first()
    out = _job_dict(row, names)
    out["decision"] = None if decision is None else _decision_dict(decision, names)
    out["second_review"] = second  # this job's decision waits on (or had) a second review
    if row.review_of is not None:
        out["reviews"] = None if first is None else _decision_dict(first, names)  # this job is the second
    out["comments"] = [
        {"id": n.id, "by": names.get(n.user_id), "body": n.body, "created_at": iso_time(n.created_at)}
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
        "created_at": iso_time(row.created_at),
    }


def _second_review_of(conn: Connection, decision: Any, names: dict[int, str]) -> dict[str, Any] | None:
    """For a decision that waits on (or had) a second review: that job and, once made, its decision."""
    if decision is None:
        return None
    j, d = rt.jobs, rt.decisions
    second = conn.execute(select(j).where(j.c.review_of == decision.id)).first()
    if second is None:
        return None
    final = conn.execute(select(d).where(d.c.job_id == second.id)).first()
    return {
        "job_id": second.id,
        "status": second.status,
        "final": None if final is None else _decision_dict(final, names),
    }


def _available(now: datetime) -> Any:
    j = rt.jobs
    return and_(j.c.status == "open", or_(j.c.claimed_by.is_(None), j.c.claim_expires_at < now))


def _not_own_second_review(user: User) -> Any:
    """Jobs `user` may take: not a second review of their own decision."""
    j, d = rt.jobs, rt.decisions
    return ~exists().where(d.c.id == j.c.review_of, d.c.user_id == user.id)


def next_job(
    conn: Connection, queue_id: int, user: User, minutes: int, where: JobFilter = EVERY_JOB
) -> int | None:
    """Claim the first open job (priority, then score) that passes the filter for `user`; its id, or None
    when there is none. Never a second review of the user's own decision; past the queue's daily cap on
    severe bands, only jobs of the other bands (review.wellness)."""
    j = rt.jobs
    now = _now()
    queue = conn.execute(select(rt.queues).where(rt.queues.c.id == queue_id)).first()
    if queue is None:
        raise NotFound(f"no queue {queue_id}")
    best = (
        select(j.c.id)
        .where(
            j.c.queue_id == queue_id,
            _available(now),
            _not_own_second_review(user),
            *wellness.cap_clauses(conn, queue, user, now),
            *where.clauses(now),
        )
        .order_by(*ORDER)
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


def _first_decider_check(conn: Connection, row: Any, user_id: int) -> None:
    """Conflict when the job is a second review of a decision by `user_id`."""
    if row.review_of is None:
        return
    first_by = conn.execute(select(rt.decisions.c.user_id).where(rt.decisions.c.id == row.review_of)).scalar()
    if first_by == user_id:
        raise Conflict(f"job {row.id} is the second review of your own decision: someone else must take it")


def claim(conn: Connection, job_id: int, user: User, minutes: int) -> None:
    """Claim a given job: open, and unclaimed, lapsed, or already this user's."""
    j = rt.jobs
    now = _now()
    _first_decider_check(conn, _job(conn, job_id), user.id)
    done = conn.execute(
        update(j)
        .where(j.c.id == job_id, or_(_available(now), and_(j.c.status == "open", j.c.claimed_by == user.id)))
        .values(claimed_by=user.id, claim_expires_at=now + timedelta(minutes=minutes))
    ).rowcount
    if not done:
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
        conn, user.name, "job.hold", f"job:{job_id}", {"reason": clean_text("reason", reason, MAX_REASON)}
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
    _first_decider_check(conn, row, target.id)
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


def clean_text(what: str, value: str, limit: int) -> str:
    value = value.replace("\x00", "").strip()
    if not 1 <= len(value) <= limit:
        raise ValueError(f"{what} must have 1 to {limit} characters")
    return value


def decide(
    conn: Connection,
    job_id: int,
    user: User,
    action: str,
    reason: str,
    policy: str,
) -> int:
    """Record the decision on a job claimed by `user`; its id.

    In a queue whose `second_review` names the action, the decision is the first of two: it makes a job in
    the second-review queue that someone else must decide, and that second decision is the final outcome.
    A final escalation queues the item for escalations. (The external step of a final escalation or report
    runs before this, in `decide_logged`.)
    """
    if action not in rt.ACTIONS:
        raise ValueError(f"action must be one of {', '.join(rt.ACTIONS)}, got {action[:32]!r}")
    reason, policy = clean_text("reason", reason, MAX_REASON), clean_text("policy", policy, MAX_POLICY)
    j = rt.jobs
    now = _now()
    conn.execute(update(j).where(j.c.id == job_id).values(status=j.c.status))
    row = _job(conn, job_id)
    if row.status != "open" or not _mine(row, user, now):
        raise Conflict(f"job {job_id} is not claimed by you (claim it first), or it is decided or held")
    _first_decider_check(conn, row, user.id)
    queue = conn.execute(select(rt.queues).where(rt.queues.c.id == row.queue_id)).one()
    needs_second = row.review_of is None and action in (queue.second_review or "").split(",")
    if action == "escalate" and not needs_second:
        _queue_escalation(conn, row, now, user.name)
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
    decision_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    conn.execute(update(j).where(j.c.id == job_id).values(status="decided", claim_expires_at=None))
    details: dict[str, Any] = {
        "item": row.item_id,
        "action": action,
        "policy": policy,
        "decision": decision_id,
    }
    if needs_second:
        details["second_review_job"] = _queue_second_review(conn, row, decision_id, now, user.name)
    if row.review_of is not None:
        first = conn.execute(select(rt.decisions.c.action).where(rt.decisions.c.id == row.review_of)).scalar()
        details |= {"second_review_of": row.review_of, "agrees": first == action}
    audit.record(conn, user.name, "decision", f"job:{job_id}", details)
    return decision_id


def pending_escalation(conn: Connection, job_id: int, user: User, action: str) -> Escalation | None:
    """What the external step would be told if `user` decided `action` on the job now: None unless the
    decision would be a final escalation or report (not the first of two) on a job `user` holds."""
    row = _job(conn, job_id)
    if action not in EXTERNAL or row.status != "open" or not _mine(row, user, _now()):
        return None
    queue = conn.execute(select(rt.queues).where(rt.queues.c.id == row.queue_id)).one()
    if row.review_of is None and action in (queue.second_review or "").split(","):
        return None
    return Escalation(job_id, row.item_id, action, "", "", user.name, row.case_id)


def _copy_job(row: Any, queue_id: int, now: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "queue_id": queue_id,
        "item_id": row.item_id,
        "score": row.score,
        "band": row.band,
        "status": "open",
        "created_at": now,
        "kind": row.kind,
        "platform": row.platform,
        "place": row.place,
        "priority": row.priority,
        "case_id": row.case_id,
        **extra,
    }


def _queue_escalation(conn: Connection, row: Any, now: datetime, by: str) -> None:
    j = rt.jobs
    esc = ensure_queue(conn, ESCALATIONS, "low", "Items escalated by a reviewer, for a senior decision.", by)
    if esc == row.queue_id:
        raise Conflict("this job is already an escalation: confirm, report or dismiss it")
    if conn.execute(select(j.c.id).where(j.c.queue_id == esc, j.c.item_id == row.item_id)).first():
        raise Conflict(f"item {row.item_id!r} is already in the escalations queue")
    conn.execute(insert(j).values(**_copy_job(row, esc, now)))


def _queue_second_review(conn: Connection, row: Any, decision_id: int, now: datetime, by: str) -> int:
    j = rt.jobs
    queue = ensure_queue(conn, SECOND_REVIEW, "low", "Decisions waiting for a second reviewer.", by)
    if conn.execute(select(j.c.id).where(j.c.queue_id == queue, j.c.item_id == row.item_id)).first():
        raise Conflict(f"item {row.item_id!r} already has a second review")
    made = conn.execute(insert(j).values(**_copy_job(row, queue, now, review_of=decision_id)))
    return int(made.inserted_primary_key[0])  # type: ignore[index]


def decide_logged(
    log: audit.AuditLog,
    job_id: int,
    user: User,
    action: str,
    reason: str,
    policy: str,
    on_escalate: EscalationHook | None = None,
) -> int:
    """`decide` in its own transaction, after the external step of a final escalation or report.

    The step runs first, outside any transaction; if it fails nothing is recorded (EscalationFailed): the
    job stays open and claimed by the user, who sees why and can try again, and the failure is itself an
    audit event, so it is never silent. Should the decision then be refused (the claim lapsed meanwhile),
    the step's own records stand and the refusal is raised as any other.
    """
    if on_escalate is not None:
        # What `decide` would refuse is refused before the external step, which cannot be taken back.
        clean_text("reason", reason, MAX_REASON)
        clean_text("policy", policy, MAX_POLICY)
        with log.engine.connect() as conn:
            pending = pending_escalation(conn, job_id, user, action)
        if pending is not None:
            try:
                on_escalate(replace(pending, reason=reason, policy=policy))
            except Exception as exc:  # any failure of the external step must stop the decision
                failure = EscalationFailed(f"{action} of job {job_id} failed: {exc}"[:500])
                log.record(
                    user.name, "escalation.failed", f"job:{job_id}", {"action": action, "error": str(failure)}
                )
                raise failure from exc
    with log.begin() as conn:
        return decide(conn, job_id, user, action, reason, policy)


def comment(conn: Connection, job_id: int, user: User, body: str) -> int:
    body = clean_text("comment", body, MAX_COMMENT)
    _job(conn, job_id)
    result = conn.execute(
        insert(rt.comments).values(job_id=job_id, user_id=user.id, body=body, created_at=_now())
    )
    audit.record(conn, user.name, "comment", f"job:{job_id}", {})
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def viewing_item(log: audit.AuditLog, item_id: str, user: User) -> AbstractContextManager[Connection]:
    """The connection to read an item on, its view audited once the reads are done (AuditLog.view): every
    route that shows an item reads it inside this."""
    return log.view(user.name, "item.view", f"item:{item_id}")


def view_item(conn: Connection, item_id: str) -> dict[str, Any]:
    """The stored item, its assessment (with every hit and its explanation) and the decisions on it, each
    with its appeal (status and outcome) if it has one. Read inside `viewing_item`; a missing item raises,
    so nothing is recorded for it."""
    item = conn.execute(select(st.items.c.data).where(st.items.c.id == item_id)).scalar()
    if item is None:
        raise NotFound(f"no item {item_id[:512]!r}")
    assessment = conn.execute(
        select(st.assessments.c.data).where(st.assessments.c.item_id == item_id)
    ).scalar()
    names = user_names(conn)
    d, a = rt.decisions, rt.appeals
    rows = conn.execute(
        select(d, a.c.id.label("appeal_id"), a.c.status.label("appeal_status"))
        .outerjoin(a, a.c.decision_id == d.c.id)
        .where(d.c.item_id == item_id)
        .order_by(d.c.id)
    )
    decisions = []
    for row in rows:
        appeal = None if row.appeal_id is None else {"id": row.appeal_id, "status": row.appeal_status}
        decisions.append({**_decision_dict(row, names), "appeal": appeal})
    return {"item": item, "assessment": assessment, "decisions": decisions}
