"""Evidence cases as reviewers see them: jobs linked to a case, the cases with their custody logs, and a
reviewer's approval of a case for reporting.

The cases and their signed custody logs are the evidence package's (evidence.custody); this module only
links jobs to them and reads them. Approval is a signed `approve` custody entry by the reviewer, written by
the same `custody.append` that `trailguard case approve` uses, then an audit event.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from trailguard.evidence import custody
from trailguard.evidence.tables import evidence_cases, evidence_custody
from trailguard.review import audit
from trailguard.review import tables as rt
from trailguard.review.users import User
from trailguard.review.work import NotFound, iso_time


def _known(conn: Connection, case_id: str) -> Any:
    """The case's row; NotFound (also for an id PostgreSQL could not even compare, with a NUL in it)."""
    row = (
        None
        if "\x00" in case_id
        else conn.execute(select(evidence_cases).where(evidence_cases.c.id == case_id)).first()
    )
    if row is None:
        raise NotFound(f"no case {case_id[:64]!r}")
    return row


def link(conn: Connection, job_id: int, case_id: str, user: User) -> None:
    """Link a job to an existing case (a later link replaces the earlier one; both are audited)."""
    _known(conn, case_id)
    if not conn.execute(update(rt.jobs).where(rt.jobs.c.id == job_id).values(case_id=case_id)).rowcount:
        raise NotFound(f"no job {job_id}")
    audit.record(conn, user.name, "job.case", f"job:{job_id}", {"case": case_id})


def _approvals(conn: Connection, case_id: str | None = None) -> dict[str, list[str]]:
    c = evidence_custody
    query = select(c.c.case_id, c.c.operator).where(c.c.kind == "approve").order_by(c.c.seq)
    if case_id is not None:
        query = query.where(c.c.case_id == case_id)
    out: dict[str, list[str]] = {}
    for row in conn.execute(query):
        out.setdefault(row.case_id, []).append(row.operator)
    return out


def list_cases(engine: Engine, limit: int, offset: int) -> list[dict[str, Any]]:
    e, j = evidence_cases, rt.jobs
    with engine.connect() as conn:
        rows = conn.execute(
            select(e).order_by(e.c.created_at.desc(), e.c.id).limit(limit).offset(offset)
        ).all()
        ids = [r.id for r in rows]
        jobs: dict[str, int] = dict(
            conn.execute(
                select(j.c.case_id, func.count()).where(j.c.case_id.in_(ids)).group_by(j.c.case_id)
            ).all()
        )
        approvals = _approvals(conn)
    return [
        {
            "id": r.id,
            "title": r.title,
            "created_by": r.created_by,
            "created_at": iso_time(r.created_at),
            "jobs": int(jobs.get(r.id, 0)),
            "approved_by": approvals.get(r.id, []),
        }
        for r in rows
    ]


def read_case(conn: Connection, case_id: str, user: User) -> dict[str, Any]:
    """The case, its custody log (each entry's fields, hash and signature), its jobs; the view is audited."""
    row = _known(conn, case_id)
    audit.record(conn, user.name, "case.view", f"case:{case_id}")
    c, j = evidence_custody, rt.jobs
    chain = [
        custody.Entry(body=r.body.encode(), entry_hash=r.entry_hash, signature=r.signature)
        for r in conn.execute(
            select(c.c.body, c.c.entry_hash, c.c.signature).where(c.c.case_id == case_id).order_by(c.c.seq)
        )
    ]
    jobs = conn.execute(
        select(j.c.id, j.c.item_id, j.c.status, j.c.band).where(j.c.case_id == case_id).order_by(j.c.id)
    ).all()
    return {
        "id": row.id,
        "title": row.title,
        "created_by": row.created_by,
        "created_at": iso_time(row.created_at),
        "approved_by": _approvals(conn, case_id).get(case_id, []),
        "custody": [{**e.fields, "hash": e.entry_hash, "signature": e.signature} for e in chain],
        "custody_problems": custody.check_chain(chain, case_id),
        "jobs": [{"id": r.id, "item_id": r.item_id, "status": r.status, "band": r.band} for r in jobs],
    }


def approve(log: audit.AuditLog, keydir: Path, case_id: str, user: User) -> dict[str, Any]:
    """The reviewer approves the case for reporting: a signed custody entry in their name, then audited.

    The custody entry commits in its own transaction (custody.append), so it is written before the audit
    event; an approval whose audit write failed still shows in the custody log, never the reverse.
    """
    with log.engine.connect() as conn:
        _known(conn, case_id)
    entry = custody.append(log.engine, keydir, case_id, "approve", user.name, {"via": "console"})
    log.record(user.name, "case.approve", f"case:{case_id}", {"custody_hash": entry.entry_hash})
    return {"case": case_id, "approved_by": user.name, "custody_hash": entry.entry_hash}
