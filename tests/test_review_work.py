"""Queues, claims and decisions on a real store: who gets which job, and what a decision leaves behind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select, update

from review_db import fresh_database, seed_items
from trailguard.review import audit, schema, users, work
from trailguard.review import tables as rt
from trailguard.store import tables as st
from trailguard.store.db import make_engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[audit.AuditLog]:
    pg = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    with fresh_database(request.param, tmp_path, pg) as url:
        engine = make_engine(url)
        schema.upgrade(engine)
        seed_items(url, 12)  # 3 per band: 9 at medium or above
        log = audit.AuditLog(engine, audit.Anchor(tmp_path / "key.pem", tmp_path / "checkpoint.json"))
        with log.begin() as conn:
            for name, role in [
                ("rita", "reviewer"),
                ("rob", "reviewer"),
                ("ann", "analyst"),
                ("aud", "auditor"),
            ]:
                users.add_user(conn, name, role, "correct horse battery", by="test")
        yield log
        engine.dispose()


def _user(engine: Engine, name: str) -> users.User:
    with engine.connect() as conn:
        found = users.find_user(conn, name)
    assert found is not None
    return found


def _queue(log: audit.AuditLog) -> int:
    with log.begin() as conn:
        assert work.fill(conn, by="test") == {"review": 9}
        assert work.fill(conn, by="test") == {"review": 0}  # idempotent
        return int(conn.execute(select(rt.queues.c.id)).scalar_one())


def test_next_hands_out_best_score_first_and_never_twice(log: audit.AuditLog) -> None:
    queue = _queue(log)
    rita = _user(log.engine, "rita")
    got = []
    while True:
        with log.begin() as conn:
            job = work.next_job(conn, queue, rita, 30)
        if job is None:
            break
        got.append(work.get_job(log.engine, job))
    assert len(got) == 9 and len({j["id"] for j in got}) == 9
    assert [j["score"] for j in got] == sorted((j["score"] for j in got), reverse=True)
    assert {j["band"] for j in got} == {"medium", "high", "critical"}
    assert all(j["claimed_by"] == "rita" for j in got)


def test_a_lapsed_claim_is_handed_out_again(log: audit.AuditLog) -> None:
    queue = _queue(log)
    rita, rob = _user(log.engine, "rita"), _user(log.engine, "rob")
    with log.begin() as conn:
        first = work.next_job(conn, queue, rita, 30)
        conn.execute(
            update(rt.jobs)
            .where(rt.jobs.c.id == first)
            .values(claim_expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    with log.begin() as conn:
        assert work.next_job(conn, queue, rob, 30) == first
    with pytest.raises(work.Conflict), log.begin() as conn:
        work.decide(conn, first, rita, "dismiss", "benign listing", "ads-policy-1")


def test_decision_is_final_and_escalation_is_queued(log: audit.AuditLog) -> None:
    queue = _queue(log)
    rita, rob = _user(log.engine, "rita"), _user(log.engine, "rob")
    with log.begin() as conn:
        job = work.next_job(conn, queue, rita, 30)
        assert job is not None
    with pytest.raises(work.Conflict), log.begin() as conn:
        work.decide(conn, job, rob, "dismiss", "not mine to decide", "p")  # not rob's claim
    with log.begin() as conn:
        work.decide(conn, job, rita, "escalate", "coded youth language, needs a senior look", "tg-policy-3.2")
    with pytest.raises(work.Conflict), log.begin() as conn:
        work.decide(conn, job, rita, "dismiss", "changed my mind", "p")
    decided = work.get_job(log.engine, job)
    assert decided["status"] == "decided"
    assert decided["decision"]["action"] == "escalate" and decided["decision"]["by"] == "rita"
    queues = {q["name"]: q for q in work.list_queues(log.engine)}
    assert queues["escalations"]["open"] == 1
    esc = work.list_jobs(log.engine, queues["escalations"]["id"], None, 10, 0)
    assert [j["item_id"] for j in esc] == [decided["item_id"]]
    with log.engine.connect() as conn:
        events = conn.execute(
            select(rt.audit_events.c.actor, rt.audit_events.c.action).order_by(rt.audit_events.c.seq)
        ).all()
    assert ("rita", "decision") in events and ("rita", "job.claim") in events
    assert audit.verify(log.engine, log.anchor).ok


def test_hold_release_and_reassign(log: audit.AuditLog) -> None:
    queue = _queue(log)
    rita, ann = _user(log.engine, "rita"), _user(log.engine, "ann")
    with log.begin() as conn:
        job = work.next_job(conn, queue, rita, 30)
        assert job is not None
        work.hold(conn, job, rita, "waiting for the platform's reply")
    assert work.get_job(log.engine, job)["status"] == "held"
    with log.begin() as conn:
        others = [work.next_job(conn, queue, ann, 30) for _ in range(8)]
        assert job not in others and work.next_job(conn, queue, ann, 30) is None
        work.release(conn, job, rita)
    with log.begin() as conn:
        assert work.next_job(conn, queue, ann, 30) == job
    with pytest.raises(work.Conflict), log.begin() as conn:
        work.reassign(conn, job, "aud", ann, 30)  # an auditor works no jobs
    with log.begin() as conn:
        work.reassign(conn, job, "rita", ann, 30)
    assert work.get_job(log.engine, job)["claimed_by"] == "rita"


def test_view_item_returns_assessment_and_is_audited(log: audit.AuditLog) -> None:
    rob = _user(log.engine, "rob")
    with work.viewing_item(log, "ad-3", rob) as conn:
        seen = work.view_item(conn, "ad-3")
    assert seen["item"]["text"].startswith("new in town")
    assert seen["assessment"]["band"] == "critical"
    assert seen["assessment"]["hits"][0]["indicator"] == "ads.obscured_phone"
    with pytest.raises(work.NotFound), work.viewing_item(log, "ad-404", rob) as conn:
        work.view_item(conn, "ad-404")
    with log.engine.connect() as conn:
        last = conn.execute(select(rt.audit_events).order_by(rt.audit_events.c.seq.desc()).limit(1)).one()
    assert (last.actor, last.action, last.target) == ("rob", "item.view", "item:ad-3")


def test_log_in_locks_after_repeated_failures(log: audit.AuditLog) -> None:
    assert users.log_in(log, "rita", "correct horse battery") is not None
    for _ in range(users.LOCK_AFTER):
        assert users.log_in(log, "rita", "wrong password!!") is None
    assert users.log_in(log, "rita", "correct horse battery") is None  # locked, right password or not
    assert users.log_in(log, "nobody", "whatever it is") is None
    with log.engine.connect() as conn:
        rows = conn.execute(
            select(rt.audit_events.c.actor, rt.audit_events.c.action, rt.audit_events.c.details)
            .where(rt.audit_events.c.action.like("login%"))
            .order_by(rt.audit_events.c.seq)
        ).all()
    assert [r.action for r in rows] == ["login"] + ["login.failed"] * (users.LOCK_AFTER + 2)
    assert '"reason":"locked"' in rows[-2].details and rows[-1].actor == "anonymous"


def test_tokens_are_stored_only_as_digests(log: audit.AuditLog) -> None:
    rita = _user(log.engine, "rita")
    with log.begin() as conn:
        token = users.new_token(conn, rita, by="test")
    assert users.user_for_token(log.engine, token) == rita
    assert users.user_for_token(log.engine, token + "x") is None
    with log.engine.connect() as conn:
        stored = conn.execute(select(rt.api_tokens.c.token_sha256)).scalars().all()
        hashes = conn.execute(select(rt.users.c.password_hash)).scalars().all()
    assert token not in stored and users.digest(token) in stored
    assert all(h.startswith("$argon2id$") for h in hashes)


@pytest.mark.parametrize(
    ("name", "role", "password", "why"),
    [
        ("Rita", "reviewer", "long enough pass", "user name"),
        ("rita2", "boss", "long enough pass", "role must be"),
        ("rita2", "reviewer", "short", "password has"),
    ],
)
def test_bad_new_users_are_refused(
    log: audit.AuditLog, name: str, role: str, password: str, why: str
) -> None:
    with pytest.raises(ValueError, match=why), log.begin() as conn:
        users.add_user(conn, name, role, password, by="test")


def _counted(engine: Engine) -> dict[tuple[str, str], int]:
    """Jobs per (queue, status) as the queue page shows them, and (checked equal) as counted from the jobs."""
    shown = {
        (q["name"], status): q[status]
        for q in work.list_queues(engine)
        for status in ("open", "held", "decided")
        if q[status]
    }
    q, j = rt.queues, rt.jobs
    with engine.connect() as conn:
        counted = {
            (name, status): n
            for name, status, n in conn.execute(
                select(q.c.name, j.c.status, func.count())
                .join(q, q.c.id == j.c.queue_id)
                .group_by(q.c.name, j.c.status)
            )
        }
    assert shown == counted
    return shown


def test_queue_counts_follow_every_change_of_the_jobs(
    log: audit.AuditLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = _queue(log)
    assert _counted(log.engine) == {("review", "open"): 9}
    rita = _user(log.engine, "rita")
    with log.begin() as conn:
        held, escalated, dismissed = (work.next_job(conn, queue, rita, 30) for _ in range(3))
        assert held and escalated and dismissed
        work.hold(conn, held, rita, "waiting for the platform's reply")
        work.decide(conn, escalated, rita, "escalate", "coded youth language", "tg-policy-3.2")
        work.decide(conn, dismissed, rita, "dismiss", "benign listing", "ads-policy-1")
    assert _counted(log.engine) == {
        ("review", "open"): 6,
        ("review", "held"): 1,
        ("review", "decided"): 2,
        ("escalations", "open"): 1,
    }
    with log.begin() as conn:
        work.release(conn, held, rita)
        conn.execute(update(rt.jobs).values(claimed_by=None))  # touches every job, changes no count
    assert _counted(log.engine)[("review", "open")] == 7
    escalations = {q["name"]: q["id"] for q in work.list_queues(log.engine)}["escalations"]
    with log.engine.begin() as conn:  # a job moved to another queue, and an item deleted with its jobs
        conn.execute(update(rt.jobs).where(rt.jobs.c.id == dismissed).values(queue_id=escalations))
        item = conn.execute(select(rt.jobs.c.item_id).where(rt.jobs.c.id == held)).scalar_one()
        conn.execute(delete(st.items).where(st.items.c.id == item))
    after = {("review", "open"): 6, ("review", "decided"): 1, ("escalations", "open"): 1}
    assert _counted(log.engine) == {**after, ("escalations", "decided"): 1}
    with log.engine.connect() as conn:
        rows_before = conn.execute(select(func.count()).select_from(rt.queue_counts)).scalar_one()
    monkeypatch.setattr(work, "FOLD_AFTER", 0)
    assert _counted(log.engine) == {**after, ("escalations", "decided"): 1}  # folded on the way
    with log.engine.connect() as conn:
        rows_after = conn.execute(select(func.count()).select_from(rt.queue_counts)).scalar_one()
    assert rows_before > rows_after == 4
