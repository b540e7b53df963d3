"""Appeals against decisions: filed by an analyst or admin on behalf of the appellant (the person who posted
the item, a platform, ...), with their text; decided, upheld or overturned, by a reviewer or analyst who is
not the one who made the decision.

A decision may be appealed once (a unique constraint, so two racing filings are one appeal and one
conflict), and an appeal is decided once (a conditional UPDATE on its `open` status, so of two racing
deciders exactly one wins on SQLite and PostgreSQL alike). Decisions themselves are never changed: an
overturned decision stays in the record with the appeal that overturned it beside it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from trailguard.review import audit
from trailguard.review import tables as rt
from trailguard.review.users import User
from trailguard.review.work import Conflict, NotFound, clean_text, iso_time, user_names

FILERS = ("analyst", "admin")
DECIDERS = ("reviewer", "analyst")
OUTCOMES = ("upheld", "overturned")
MAX_BODY, MAX_APPELLANT = 4000, 200


def _lock(conn: Connection, where: Any) -> None:
    """A no-op write first: on SQLite it takes the write lock before anything is read, so the checks that
    follow see the latest state; on PostgreSQL it locks the appeal row if there is one."""
    conn.execute(update(rt.appeals).where(where).values(status=rt.appeals.c.status))


def file(conn: Connection, decision_id: int, user: User, appellant: str, body: str) -> int:
    """Record an appeal against a decision; its id."""
    if user.role not in FILERS:
        raise Conflict(f"a {user.role} may not file appeals")
    appellant, body = clean_text("appellant", appellant, MAX_APPELLANT), clean_text("appeal", body, MAX_BODY)
    d, a = rt.decisions, rt.appeals
    _lock(conn, a.c.decision_id == decision_id)
    if conn.execute(select(d.c.id).where(d.c.id == decision_id)).first() is None:
        raise NotFound(f"no decision {decision_id}")
    if conn.execute(select(a.c.id).where(a.c.decision_id == decision_id)).first() is not None:
        raise Conflict(f"decision {decision_id} has been appealed already")
    try:
        made = conn.execute(
            insert(a).values(
                decision_id=decision_id,
                filed_by=user.id,
                appellant=appellant,
                body=body,
                status="open",
                created_at=datetime.now(UTC),
            )
        )
    except IntegrityError as exc:  # PostgreSQL: filed by someone else between the check and the insert
        raise Conflict(f"decision {decision_id} has been appealed already") from exc
    appeal_id = int(made.inserted_primary_key[0])  # type: ignore[index]
    audit.record(
        conn,
        user.name,
        "appeal.file",
        f"appeal:{appeal_id}",
        {"decision": decision_id, "appellant": appellant},
    )
    return appeal_id


def decide(conn: Connection, appeal_id: int, user: User, outcome: str, reason: str) -> None:
    """Uphold or overturn an open appeal; never by the user who made the decision appealed against."""
    if user.role not in DECIDERS:
        raise Conflict(f"a {user.role} may not decide appeals")
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome[:32]!r}")
    reason = clean_text("reason", reason, MAX_BODY)
    a, d = rt.appeals, rt.decisions
    _lock(conn, a.c.id == appeal_id)
    row = conn.execute(
        select(a.c.status, d.c.user_id, d.c.id.label("decision_id"))
        .join(d, d.c.id == a.c.decision_id)
        .where(a.c.id == appeal_id)
    ).first()
    if row is None:
        raise NotFound(f"no appeal {appeal_id}")
    if row.user_id == user.id:
        raise Conflict(f"appeal {appeal_id} is against your own decision: someone else must decide it")
    done = conn.execute(
        update(a)
        .where(a.c.id == appeal_id, a.c.status == "open")
        .values(status=outcome, decided_by=user.id, outcome_reason=reason, decided_at=datetime.now(UTC))
    ).rowcount
    if not done:
        raise Conflict(f"appeal {appeal_id} is decided already")
    audit.record(
        conn,
        user.name,
        "appeal.decide",
        f"appeal:{appeal_id}",
        {"decision": row.decision_id, "outcome": outcome},
    )


def _appeal_dict(row: Any, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "decision_id": row.decision_id,
        "item_id": row.item_id,
        "action": row.action,
        "decided_by": names.get(row.decider),
        "filed_by": names.get(row.filed_by),
        "appellant": row.appellant,
        "body": row.body,
        "status": row.status,
        "outcome_by": names.get(row.decided_by) if row.decided_by else None,
        "outcome_reason": row.outcome_reason,
        "created_at": iso_time(row.created_at),
        "decided_at": iso_time(row.decided_at),
    }


def _select() -> Any:
    a, d = rt.appeals, rt.decisions
    return select(a, d.c.item_id, d.c.action, d.c.user_id.label("decider")).join(d, d.c.id == a.c.decision_id)


def list_appeals(engine: Engine, status: str | None, limit: int, offset: int) -> list[dict[str, Any]]:
    a = rt.appeals
    query = _select()
    if status:
        query = query.where(a.c.status == status)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(a.c.id).limit(limit).offset(offset)).all()
        names = user_names(conn)
    return [_appeal_dict(r, names) for r in rows]


def get_appeal(engine: Engine, appeal_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(_select().where(rt.appeals.c.id == appeal_id)).first()
        if row is None:
            raise NotFound(f"no appeal {appeal_id}")
        return _appeal_dict(row, user_names(conn))
