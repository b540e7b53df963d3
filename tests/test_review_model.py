"""The review model on a real store, SQLite and PostgreSQL: routing rules, queue filters, second review,
the escalation hook, the severe-band cap, appeals (with racing deciders) and the audit events of each."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select

from review_db import fresh_database
from trailguard.model import Assessment, Hit, Item, Span
from trailguard.review import appeals, audit, routing, schema, users, wellness, work
from trailguard.review import tables as rt
from trailguard.review.filters import JobFilter
from trailguard.store.db import make_engine
from trailguard.store.writer import Store

# (id, kind, platform, location, indicator, band, score): synthetic items, no real content.
ITEMS = [
    ("ad-1", "ad", "example.com", "Boston, MA", "ads.minor_age", "critical", 0.95),
    ("ad-2", "ad", "example.com", "Boston, MA", "ads.obscured_phone", "high", 0.70),
    ("ad-3", "ad", "example.org", "Albany, NY", "ads.obscured_phone", "medium", 0.45),
    ("ad-4", "ad", "example.org", "Boston, MA", "ads.third_party", "critical", 0.91),
    ("post-1", "post", "forum.test", "Austin, TX", "ads.obscured_phone", "high", 0.66),
    ("post-2", "post", "forum.test", "boston, ma", "ads.minor_age", "medium", 0.41),
    ("ad-5", "ad", "example.com", "Albany, NY", "ads.third_party", "low", 0.10),
]
PEOPLE = [("rita", "reviewer"), ("rob", "reviewer"), ("ann", "analyst"), ("adam", "admin")]


def store_items(url: str, rows: list[tuple[str, str, str, str, str, str, float]]) -> None:
    pairs = []
    for item_id, kind, platform, place, indicator, band, score in rows:
        body = f"synthetic listing {item_id}, call 555-0100 <script>alert(1)</script>"
        item = Item(id=item_id, kind=kind, text=body, location=place, platform=platform)
        hit = Hit(indicator, "deception", 0.3, "A", [Span(0, 9, "synthetic")], "test signal", "src")
        pairs.append((item, Assessment(item_id, kind, [], [hit], score, band, text=body)))
    store = Store(url)
    scan = store.start_scan(["synthetic.jsonl"])
    store.save_assessed(scan, pairs)
    store.finish_scan(scan, read=len(pairs), assessed=len(pairs), rejected=0)
    store.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[audit.AuditLog]:
    pg = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    with fresh_database(request.param, tmp_path, pg) as url:
        engine = make_engine(url)
        schema.upgrade(engine)
        store_items(url, ITEMS)
        log = audit.AuditLog(engine, audit.Anchor(tmp_path / "key.pem", tmp_path / "checkpoint.json"))
        with log.begin() as conn:
            for name, role in PEOPLE:
                users.add_user(conn, name, role, "correct horse battery", by="test")
        yield log
        engine.dispose()


def _user(log: audit.AuditLog, name: str) -> users.User:
    with log.engine.connect() as conn:
        found = users.find_user(conn, name)
    assert found is not None
    return found


def _queues(log: audit.AuditLog) -> dict[str, dict[str, Any]]:
    return {q["name"]: q for q in work.list_queues(log.engine)}


def _items(log: audit.AuditLog, queue: str) -> list[str]:
    return [j["item_id"] for j in work.list_jobs(log.engine, _queues(log)[queue]["id"], None, 100, 0)]


def _actions(log: audit.AuditLog) -> list[tuple[str, str, str]]:
    e = rt.audit_events
    with log.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(e.c.actor, e.c.action, e.c.target).order_by(e.c.seq))]


def test_routing_first_match_wins_with_priority_and_a_default(log: audit.AuditLog) -> None:
    with log.begin() as conn:
        routing.add_rule(conn, "minors", "adam", indicator="ads.minor_*", priority="urgent")
        routing.add_rule(conn, "boston", "adam", place="BOSTON", min_band="medium")  # any case, prefix
        routing.add_rule(conn, "forum", "adam", platform="forum.test")
        made = work.fill(conn, by="test")
    assert made == {"minors": 2, "boston": 2, "forum": 1, "review": 1}
    assert sorted(_items(log, "minors")) == ["ad-1", "post-2"]  # post-2 is in Boston too: first rule wins
    assert sorted(_items(log, "boston")) == ["ad-2", "ad-4"]
    assert _items(log, "forum") == ["post-1"]
    assert _items(log, "review") == ["ad-3"]  # no rule: the default queue, by band (ad-5 is low)
    with log.begin() as conn:
        assert sum(work.fill(conn, by="test").values()) == 0  # an item is routed once
    minors = work.list_jobs(log.engine, _queues(log)["minors"]["id"], None, 10, 0)
    assert {j["priority"] for j in minors} == {routing.PRIORITIES["urgent"]}
    rules = routing.list_rules(log.engine)
    assert [(r["position"], r["queue"]) for r in rules] == [(1, "minors"), (2, "boston"), (3, "forum")]
    with log.begin() as conn:
        routing.remove_rule(conn, rules[1]["id"], "adam")
        with pytest.raises(LookupError):
            routing.remove_rule(conn, rules[1]["id"], "adam")
    assert [r["queue"] for r in routing.list_rules(log.engine)] == ["minors", "forum"]
    assert [a for _, a, _ in _actions(log)].count("route.add") == 3
    with pytest.raises(ValueError, match="at least one condition"), log.begin() as conn:
        routing.add_rule(conn, "x", "adam")
    with pytest.raises(ValueError, match="priority"), log.begin() as conn:
        routing.add_rule(conn, "x", "adam", kind="ad", priority="asap")


def test_priority_orders_next_before_score(log: audit.AuditLog) -> None:
    with log.begin() as conn:
        queue = work.create_queue(conn, "all", "low", None, "", by="adam")["id"]
        routing.add_rule(conn, "all", "adam", platform="example.org", priority="high")
        routing.add_rule(conn, "all", "adam", kind="ad")
        work.fill(conn, by="test")
    rita = _user(log, "rita")
    got = []
    with log.begin() as conn:
        while (job := work.next_job(conn, queue, rita, 30)) is not None:
            got.append(work.get_job(log.engine, job)["item_id"])
    assert got == ["ad-4", "ad-3", "ad-1", "ad-2", "ad-5"]  # example.org first (high), then by score


FILTERS: list[tuple[JobFilter, set[str]]] = [
    (JobFilter(bands=("critical",)), {"ad-1", "ad-4"}),
    (JobFilter(score_min=0.5, score_max=0.8), {"ad-2", "post-1"}),
    (JobFilter(kind="post"), {"post-1", "post-2"}),
    (JobFilter(platform="example.org"), {"ad-3", "ad-4"}),
    (JobFilter(place="bos"), {"ad-1", "ad-2", "ad-4", "post-2"}),
    (JobFilter(place="100%_"), set()),  # LIKE characters are literal
    (JobFilter(indicator="ads.minor_age"), {"ad-1", "post-2"}),
    (JobFilter(indicator="ads.minor_age", kind="ad"), {"ad-1"}),
    (JobFilter(max_age_hours=1), {"ad-1", "ad-2", "ad-3", "ad-4", "post-1", "post-2", "ad-5"}),
    (JobFilter(min_age_hours=1), set()),
]


def test_filters_narrow_list_and_next(log: audit.AuditLog) -> None:
    with log.begin() as conn:
        queue = work.create_queue(conn, "everything", "low", None, "", by="adam")["id"]
        work.fill(conn, by="test")
    rita = _user(log, "rita")
    for where, expected in FILTERS:
        listed = {j["item_id"] for j in work.list_jobs(log.engine, queue, "open", 100, 0, where)}
        assert listed == expected, where
        handed = []
        with log.begin() as conn:
            while (job := work.next_job(conn, queue, rita, 30, where)) is not None:
                handed.append(job)
            assert {work.get_job(log.engine, j)["item_id"] for j in handed} == expected, where
            for j in handed:  # back in the queue for the next filter
                work.release(conn, j, rita)


def test_bad_filters_are_refused() -> None:
    with pytest.raises(ValueError, match="band"):
        JobFilter(bands=("severe",))
    with pytest.raises(ValueError, match="kind"):
        JobFilter(kind="tweet")
    with pytest.raises(ValueError, match="above"):
        JobFilter(score_min=0.9, score_max=0.1)


def _claimed(log: audit.AuditLog, queue: int, who: users.User, item: str) -> int:
    j = rt.jobs
    with log.begin() as conn:
        job = conn.execute(select(j.c.id).where(j.c.queue_id == queue, j.c.item_id == item)).scalar_one()
        work.claim(conn, job, who, 30)
    return int(job)


def test_second_review_needs_a_different_reviewer_and_records_the_outcome(log: audit.AuditLog) -> None:
    with log.begin() as conn:
        queue = work.create_queue(
            conn, "strict", "medium", None, "", by="adam", second_review=["confirm", "report"]
        )["id"]
        work.fill(conn, by="test")
    rita, rob = _user(log, "rita"), _user(log, "rob")
    first_job = _claimed(log, queue, rita, "ad-1")
    with log.begin() as conn:
        first = work.decide(conn, first_job, rita, "confirm", "signs of control", "tg-3.1")
    second_queue = _queues(log)[work.SECOND_REVIEW]["id"]
    pending = work.get_job(log.engine, first_job)["second_review"]
    assert pending["status"] == "open" and pending["final"] is None
    second_job = pending["job_id"]
    with log.begin() as conn:  # the first reviewer is never handed it, nor may take or decide it
        assert work.next_job(conn, second_queue, rita, 30) is None
    with pytest.raises(work.Conflict, match="your own decision"), log.begin() as conn:
        work.claim(conn, second_job, rita, 30)
    with pytest.raises(work.Conflict, match="your own decision"), log.begin() as conn:
        work.reassign(conn, second_job, "rita", _user(log, "ann"), 30)
    with log.begin() as conn:
        assert work.next_job(conn, second_queue, rob, 30) == second_job
        work.decide(conn, second_job, rob, "dismiss", "a benign listing on a second look", "tg-3.1")
    done = work.get_job(log.engine, first_job)["second_review"]
    assert done["status"] == "decided"
    assert (done["final"]["by"], done["final"]["action"]) == ("rob", "dismiss")
    assert work.get_job(log.engine, second_job)["reviews"]["id"] == first
    # A dismissal needs no second review.
    other = _claimed(log, queue, rita, "ad-2")
    with log.begin() as conn:
        work.decide(conn, other, rita, "dismiss", "benign", "tg-3.1")
    assert work.get_job(log.engine, other)["second_review"] is None
    e = rt.audit_events
    with log.engine.connect() as conn:
        details = conn.execute(
            select(e.c.details).where(e.c.action == "decision", e.c.target == f"job:{second_job}")
        ).scalar_one()
    assert f'"second_review_of":{first}' in details and '"agrees":false' in details
    assert audit.verify(log.engine, log.anchor).ok


def test_a_failing_escalation_step_records_nothing_and_is_audited(log: audit.AuditLog) -> None:
    with log.begin() as conn:
        queue = work.create_queue(conn, "all", "low", None, "", by="adam")["id"]
        work.fill(conn, by="test")
    rita = _user(log, "rita")
    job = _claimed(log, queue, rita, "ad-4")
    calls: list[work.Escalation] = []

    def failing(request: work.Escalation) -> None:
        calls.append(request)
        raise ConnectionError("the reporting service did not answer")

    with pytest.raises(work.EscalationFailed, match="did not answer"):
        work.decide_logged(log, job, rita, "report", "a potential victim, report it", "tg-9", failing)
    assert calls and calls[0].item_id == "ad-4" and calls[0].action == "report"
    after = work.get_job(log.engine, job)
    assert (after["status"], after["claimed_by"], after["decision"]) == ("open", "rita", None)
    assert ("rita", "escalation.failed", f"job:{job}") in _actions(log)
    with pytest.raises(work.EscalationFailed):
        work.decide_logged(log, job, rita, "escalate", "needs a senior look", "tg-9", failing)
    assert "escalations" not in _queues(log)  # its making was rolled back with the decision

    def ok(request: work.Escalation) -> None:
        calls.append(request)

    work.decide_logged(log, job, rita, "escalate", "needs a senior look", "tg-9", ok)
    assert work.get_job(log.engine, job)["decision"]["action"] == "escalate"
    assert _queues(log)["escalations"]["open"] == 1 and len(calls) == 3
    assert audit.verify(log.engine, log.anchor).ok


def test_a_queue_cap_on_severe_bands_per_reviewer_and_day(log: audit.AuditLog) -> None:
    with log.begin() as conn:
        queue = work.create_queue(conn, "capped", "low", None, "", by="adam", severe_cap=2)["id"]
        work.fill(conn, by="test")
    rita, rob = _user(log, "rita"), _user(log, "rob")
    bands = []
    for _ in range(4):
        with log.begin() as conn:
            job = work.next_job(conn, queue, rita, 30)
            assert job is not None
            bands.append(work.get_job(log.engine, job)["band"])
            work.decide(conn, job, rita, "dismiss", "benign", "p")
    # Two severe jobs, then the cap: medium and low ones, although severe ones are left.
    assert bands[:2] == ["critical", "critical"] and set(bands[2:]) <= {"medium", "low"}
    with log.begin() as conn:
        job = work.next_job(conn, queue, rob, 30)  # rob is under the cap
    assert work.get_job(log.engine, job)["band"] in wellness.SEVERE
    seen = wellness.exposure(log.engine, rita)
    assert seen["decided"]["critical"] == 2 and seen["severe_decided"] == 2
    assert seen["caps"] == [{"queue": "capped", "severe_cap": 2, "severe_decided": 2, "reached": True}]


def race(log: audit.AuditLog, *steps: Any) -> list[str]:
    """Run each step in its own transaction, all at once; "ok" or "conflict" for each, sorted."""
    start, outcomes = threading.Barrier(len(steps)), []

    def run(step: Any) -> None:
        start.wait()
        try:
            with log.begin() as conn:
                step(conn)
            outcomes.append("ok")
        except work.Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=run, args=(s,)) for s in steps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes)


def test_appeals_are_decided_once_by_someone_else(log: audit.AuditLog) -> None:
    with log.begin() as conn:
        queue = work.create_queue(conn, "all", "low", None, "", by="adam")["id"]
        work.fill(conn, by="test")
    rita, rob, ann = _user(log, "rita"), _user(log, "rob"), _user(log, "ann")
    job = _claimed(log, queue, rita, "ad-2")
    with log.begin() as conn:
        decision = work.decide(conn, job, rita, "confirm", "signs of control", "tg-3")
    with pytest.raises(work.Conflict, match="may not file"), log.begin() as conn:
        appeals.file(conn, decision, rob, "the poster", "please look again")
    with log.begin() as conn:
        appeal = appeals.file(conn, decision, ann, "the poster", "<b>it was</b> a mistake")
    with pytest.raises(work.Conflict, match="appealed already"), log.begin() as conn:
        appeals.file(conn, decision, ann, "the poster", "again")
    with pytest.raises(work.NotFound), log.begin() as conn:
        appeals.file(conn, 10_000, ann, "the poster", "no such decision")
    with pytest.raises(work.Conflict, match="your own decision"), log.begin() as conn:
        appeals.decide(conn, appeal, rita, "overturned", "I was wrong")
    with log.begin() as conn:
        appeals.decide(conn, appeal, rob, "overturned", "no sign of control on a second reading")
    with pytest.raises(work.Conflict, match="decided already"), log.begin() as conn:
        appeals.decide(conn, appeal, ann, "upheld", "late")
    got = appeals.get_appeal(log.engine, appeal)
    assert (got["status"], got["outcome_by"], got["decided_by"], got["filed_by"]) == (
        "overturned",
        "rob",
        "rita",
        "ann",
    )
    assert work.get_job(log.engine, job)["decision"]["action"] == "confirm"  # the decision stays as made
    assert [a["id"] for a in appeals.list_appeals(log.engine, "overturned", 10, 0)] == [appeal]
    with work.viewing_item(log, "ad-2", ann) as conn:
        (shown,) = work.view_item(conn, "ad-2")["decisions"]
    assert shown["appeal"] == {"id": appeal, "status": "overturned"}
    assert appeals.list_appeals(log.engine, "open", 10, 0) == []
    acts = _actions(log)
    assert ("ann", "appeal.file", f"appeal:{appeal}") in acts
    assert ("rob", "appeal.decide", f"appeal:{appeal}") in acts


def test_racing_appeal_filings_and_decisions_have_one_winner(log: audit.AuditLog) -> None:
    with log.begin() as conn:
        queue = work.create_queue(conn, "all", "low", None, "", by="adam")["id"]
        work.fill(conn, by="test")
    rita, rob, ann, adam = (_user(log, n) for n in ("rita", "rob", "ann", "adam"))
    job = _claimed(log, queue, rita, "ad-1")
    with log.begin() as conn:
        decision = work.decide(conn, job, rita, "report", "a potential victim", "tg-9")

    assert race(
        log,
        lambda conn: appeals.file(conn, decision, ann, "the poster", "one"),
        lambda conn: appeals.file(conn, decision, adam, "the platform", "two"),
    ) == ["conflict", "ok"]
    (appeal,) = appeals.list_appeals(log.engine, None, 10, 0)
    assert race(
        log,
        lambda conn: appeals.decide(conn, appeal["id"], rob, "upheld", "stands"),
        lambda conn: appeals.decide(conn, appeal["id"], ann, "overturned", "does not"),
    ) == ["conflict", "ok"]
    assert appeals.get_appeal(log.engine, appeal["id"])["status"] in ("upheld", "overturned")
    assert audit.verify(log.engine, log.anchor).ok


def test_racing_second_reviewers_get_the_job_once(log: audit.AuditLog) -> None:
    with log.begin() as conn:
        queue = work.create_queue(conn, "strict", "low", None, "", by="adam", second_review=["report"])["id"]
        work.fill(conn, by="test")
    rita, rob, ann = (_user(log, n) for n in ("rita", "rob", "ann"))
    job = _claimed(log, queue, rita, "ad-1")
    with log.begin() as conn:
        work.decide(conn, job, rita, "report", "a potential victim", "tg-9")
    second_queue = _queues(log)[work.SECOND_REVIEW]["id"]
    got: list[int | None] = []

    def take(who: users.User) -> Any:
        def step(conn: Connection) -> None:
            got.append(work.next_job(conn, second_queue, who, 30))

        return step

    assert race(log, take(rob), take(ann), take(rita)) == ["ok", "ok", "ok"]
    second = work.get_job(log.engine, job)["second_review"]["job_id"]
    assert sorted(got, key=lambda j: j or 0) == [None, None, second]  # one taker; never rita
    assert work.get_job(log.engine, second)["claimed_by"] in ("rob", "ann")


def test_revision_0006_downgrades_and_upgrades_without_losing_decisions(log: audit.AuditLog) -> None:
    from alembic import command
    from sqlalchemy import func

    with log.begin() as conn:
        queue = work.create_queue(conn, "all", "low", None, "", by="adam")["id"]
        work.fill(conn, by="test")
    rita = _user(log, "rita")
    job = _claimed(log, queue, rita, "ad-1")
    with log.begin() as conn:
        work.decide(conn, job, rita, "dismiss", "benign", "p")
    cfg = schema._config()
    with log.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    assert schema.state(log.engine).current == "0004"
    schema.upgrade(log.engine)
    with log.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(rt.decisions)).scalar_one() == 1
        assert conn.execute(select(rt.jobs.c.kind).where(rt.jobs.c.id == job)).scalar_one() == "ad"
