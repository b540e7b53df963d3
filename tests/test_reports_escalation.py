"""A reviewer's `report` decision in the console submits the linked, approved case to the CyberTipline (the
local stand-in of tests/ncmec_standin.py), before the decision is recorded; a failed submission is a 502 the
reviewer sees, nothing is recorded and the job stays claimed in its queue."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ncmec_standin import PASSWORD, USER, StandIn, running
from reports_case import Case, make_case, set_reporter, xsd_path
from trailguard.api.app import create_app
from trailguard.evidence import custody
from trailguard.reports.escalation import escalation_hook
from trailguard.review import audit, users, work
from trailguard.review import tables as rt
from trailguard.settings import Settings


@dataclass
class World:
    client: TestClient
    log: audit.AuditLog
    case: Case
    standin: StandIn
    token: str

    def call(self, method: str, path: str, body: dict[str, object] | None = None) -> object:
        return self.client.request(method, path, json=body, headers={"Authorization": f"Bearer {self.token}"})


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    case = make_case(tmp_path, monkeypatch)  # approved by a reviewer, two attached ads
    set_reporter(monkeypatch)
    with running(xsd_path()) as standin:
        for name, value in {
            "TRAILGUARD_NCMEC_USERNAME": USER,
            "TRAILGUARD_NCMEC_PASSWORD": PASSWORD,
            "TRAILGUARD_NCMEC_URL": standin.url,
            "TRAILGUARD_NCMEC_ENVIRONMENT": "test",
            "TRAILGUARD_NCMEC_XSD": str(xsd_path()),
        }.items():
            monkeypatch.setenv(name, value)
        log = audit.AuditLog(
            case.engine, audit.Anchor(tmp_path / "audit-key.pem", tmp_path / "checkpoint.json")
        )
        with log.begin() as conn:
            rita = users.add_user(conn, "rita", "reviewer", "correct horse battery", by="test")
            token = users.new_token(conn, rita, by="test")
            work.create_queue(conn, "all", "low", None, "every band", by="test")
            work.fill(conn, by="test")
        settings = Settings(database_url=str(case.engine.url))
        app = create_app(log, settings, on_escalate=escalation_hook(case.engine, settings))
        with TestClient(app) as client:
            yield World(client, log, case, standin, token)


def _next_job(w: World) -> int:
    queues = w.call("GET", "/api/queues").json()  # type: ignore[attr-defined]
    queue = next(q["id"] for q in queues if q["name"] == "all")
    job = w.call("POST", f"/api/queues/{queue}/next").json()  # type: ignore[attr-defined]
    return int(job["id"])


def test_a_report_decision_submits_the_approved_case_before_it_is_recorded(world: World) -> None:
    job = _next_job(world)
    linked = world.call("POST", f"/api/jobs/{job}/case", {"case_id": world.case.case_id})
    assert linked.status_code == 200  # type: ignore[attr-defined]
    decided = world.call(
        "POST", f"/api/jobs/{job}/decision", {"action": "report", "reason": "r", "policy": "p"}
    )
    assert decided.status_code == 201, decided.text  # type: ignore[attr-defined]
    calls = world.standin.calls  # the documented flow; in test mode the report is retracted, never finished
    assert "/submit" in calls and "/upload" in calls and "/finish" not in calls, calls
    kinds = [e.fields["kind"] for e in custody.entries(world.case.engine, world.case.case_id)]
    assert "transfer" in kinds  # every step of the submission is in the case's signed custody log
    assert work.get_job(world.log.engine, job)["decision"]["action"] == "report"


def test_a_failed_or_impossible_submission_is_a_502_and_records_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = _next_job(world)
    body = {"action": "report", "reason": "a potential victim", "policy": "p"}
    unlinked = world.call("POST", f"/api/jobs/{job}/decision", body)
    assert unlinked.status_code == 502 and "no evidence case" in unlinked.text  # type: ignore[attr-defined]
    world.call("POST", f"/api/jobs/{job}/case", {"case_id": world.case.case_id})
    world.standin.fail_upload_code = 4100  # the service refuses the files
    refused = world.call("POST", f"/api/jobs/{job}/decision", body)
    assert refused.status_code == 502  # type: ignore[attr-defined]
    after = work.get_job(world.log.engine, job)
    assert (after["status"], after["claimed_by"], after["decision"]) == ("open", "rita", None)
    e = rt.audit_events
    with world.log.engine.connect() as conn:
        failed = conn.execute(select(e.c.target).where(e.c.action == "escalation.failed")).scalars().all()
    assert failed == [f"job:{job}", f"job:{job}"]  # each failure is an audit event: never silent
    dismissed = world.call(
        "POST", f"/api/jobs/{job}/decision", {"action": "dismiss", "reason": "r", "policy": "p"}
    )
    assert dismissed.status_code == 201  # type: ignore[attr-defined]  # other decisions need no external step
