"""The review model through the API and the console pages: filters validated, second review and the
escalation hook over HTTP (409 and 502 with a message), cases linked and approved with a signed custody
entry, appeal and case pages escaped and guarded by the session's CSRF token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from review_db import console
from trailguard.api.app import create_app
from trailguard.evidence import custody
from trailguard.review import audit, users, work
from trailguard.review import tables as rt
from trailguard.settings import Settings

PEOPLE = {"adam": "admin", "ann": "analyst", "rita": "reviewer", "rob": "reviewer", "aud": "auditor"}


class Api:
    def __init__(self, client: TestClient, log: audit.AuditLog, tokens: dict[str, str], keys: Path) -> None:
        self.client, self.log, self.tokens, self.keys = client, log, tokens, keys
        self.queue = self.get("adam", "/api/queues").json()[0]["id"]

    def get(self, who: str, path: str) -> Any:
        return self.client.get(path, headers={"Authorization": f"Bearer {self.tokens[who]}"})

    def post(self, who: str, path: str, body: dict[str, Any] | None = None, method: str = "POST") -> Any:
        return self.client.request(
            method, path, json=body, headers={"Authorization": f"Bearer {self.tokens[who]}"}
        )

    def claimed(self, who: str, query: str = "") -> dict[str, Any]:
        r = self.post(who, f"/api/queues/{self.queue}/next{query}")
        assert r.status_code == 200, r.text
        return dict(r.json())

    def actions(self) -> list[tuple[str, str]]:
        e = rt.audit_events
        with self.log.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(select(e.c.actor, e.c.action).order_by(e.c.seq))]


def failing_hook(request: work.Escalation) -> None:
    raise TimeoutError(f"reporting service unreachable for {request.item_id}")


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    log, tokens = console(f"sqlite:///{tmp_path / 'tg.db'}", tmp_path, 40, PEOPLE)
    assert isinstance(log, audit.AuditLog)
    monkeypatch.setenv("TRAILGUARD_EVIDENCE_DIR", str(tmp_path / "evidence"))
    with TestClient(create_app(log, Settings(), on_escalate=failing_hook), follow_redirects=False) as c:
        yield Api(c, log, tokens, tmp_path / "evidence" / "keys")
    log.engine.dispose()


def test_filters_are_query_parameters_and_are_validated(api: Api) -> None:
    jobs = api.get("rita", f"/api/queues/{api.queue}/jobs?band=critical&band=high&limit=500").json()
    assert len(jobs) == 20 and {j["band"] for j in jobs} == {"critical", "high"}
    assert all(j["kind"] == "ad" and j["platform"] == "example.com" for j in jobs)
    found = api.get("rita", f"/api/queues/{api.queue}/jobs?place=Boston&indicator=ads.obscured_phone").json()
    assert len(found) == 30 and found[0]["place"] == "boston, ma"
    assert api.get("rita", f"/api/queues/{api.queue}/jobs?indicator=ads.minor_age").json() == []
    for bad in ("band=severe", "kind=tweet", "score_min=-1", "score_min=0.9&score_max=0.1", "place="):
        r = api.get("rita", f"/api/queues/{api.queue}/jobs?{bad}")
        assert r.status_code == 422, (bad, r.text)
    job = api.claimed("rita", "?band=medium")
    assert job["band"] == "medium" and job["claimed_by"] == "rita"


def test_a_failed_escalation_answers_502_and_leaves_the_job_claimed(api: Api) -> None:
    job = api.claimed("rita")
    r = api.post(
        "rita",
        f"/api/jobs/{job['id']}/decision",
        {"action": "report", "reason": "a potential victim", "policy": "tg-9"},
    )
    assert r.status_code == 502
    assert "not recorded" in r.json()["detail"] and "unreachable" in r.json()["detail"]
    again = api.get("rita", f"/api/jobs/{job['id']}").json()
    assert (again["status"], again["claimed_by"], again["decision"]) == ("open", "rita", None)
    assert ("rita", "escalation.failed") in api.actions()
    dismissed = api.post(
        "rita", f"/api/jobs/{job['id']}/decision", {"action": "dismiss", "reason": "benign", "policy": "p"}
    )
    assert dismissed.status_code == 201  # no external step: recorded


def test_second_review_over_http(api: Api) -> None:
    r = api.post("adam", f"/api/queues/{api.queue}/settings", {"second_review": ["confirm"]}, "PUT")
    assert r.status_code == 200 and r.json()["second_review"] == ["confirm"]
    job = api.claimed("rita")
    decided = api.post(
        "rita", f"/api/jobs/{job['id']}/decision", {"action": "confirm", "reason": "control", "policy": "p"}
    ).json()
    second = decided["second_review"]["job_id"]
    refused = api.post("rita", f"/api/jobs/{second}/claim")
    assert refused.status_code == 409 and "your own decision" in refused.json()["detail"]
    assert api.post("rob", f"/api/jobs/{second}/claim").status_code == 200
    final = api.post(
        "rob", f"/api/jobs/{second}/decision", {"action": "confirm", "reason": "agreed", "policy": "p"}
    )
    assert final.status_code == 201 and final.json()["reviews"]["by"] == "rita"
    assert api.get("ann", f"/api/jobs/{job['id']}").json()["second_review"]["final"]["by"] == "rob"


def test_cases_are_linked_read_and_approved_with_a_signed_custody_entry(api: Api) -> None:
    case_id = custody.create_case(api.log.engine, api.keys, "synthetic case", "adam")
    job = api.claimed("rita")
    assert api.post("rita", f"/api/jobs/{job['id']}/case", {"case_id": case_id}).json()["case_id"] == case_id
    assert api.post("rita", f"/api/jobs/{job['id']}/case", {"case_id": "case-nope"}).status_code == 404
    assert api.post("rita", "/api/cases/case-nope/approve").status_code == 404
    approved = api.post("rita", f"/api/cases/{case_id}/approve")
    assert approved.status_code == 200 and approved.json()["approved_by"] == "rita"
    seen = api.get("aud", f"/api/cases/{case_id}").json()
    assert seen["approved_by"] == ["rita"] and seen["custody_problems"] == []
    assert [(e["kind"], e["operator"]) for e in seen["custody"]] == [("create", "adam"), ("approve", "rita")]
    assert seen["jobs"] == [
        {"id": job["id"], "item_id": job["item_id"], "status": "open", "band": job["band"]}
    ]
    listed = api.get("ann", "/api/cases").json()
    assert [(c["id"], c["jobs"], c["approved_by"]) for c in listed] == [(case_id, 1, ["rita"])]
    assert {("rita", "job.case"), ("rita", "case.approve"), ("aud", "case.view")} <= set(api.actions())
    assert custody.check_chain(custody.entries(api.log.engine, case_id), case_id) == []


def test_wellness_counts_todays_decisions(api: Api) -> None:
    for _ in range(3):
        job = api.claimed("rob")
        api.post(
            "rob", f"/api/jobs/{job['id']}/decision", {"action": "dismiss", "reason": "b", "policy": "p"}
        )
        api.get("rob", f"/api/items/{job['item_id']}")
    seen = api.get("rob", "/api/me/wellness").json()
    assert seen["decided"]["critical"] == 3 and seen["severe_decided"] == 3 and seen["item_views"] == 3
    assert api.get("rita", "/api/me/wellness").json()["severe_decided"] == 0


def _log_in(api: Api, name: str) -> str:
    r = api.client.post("/console/login", data={"name": name, "password": "correct horse battery"})
    assert r.status_code == 303
    found = users.user_for_session(api.log.engine, api.client.cookies["tg_session"])
    assert found is not None
    return found[1]


def test_appeal_pages_escape_text_and_need_the_csrf_token(api: Api) -> None:
    job = api.claimed("rita")
    decision = api.post(
        "rita", f"/api/jobs/{job['id']}/decision", {"action": "escalate", "reason": "r", "policy": "p"}
    )
    assert decision.status_code == 502  # the hook fails for escalations too; dismiss instead
    api.post("rita", f"/api/jobs/{job['id']}/decision", {"action": "dismiss", "reason": "r", "policy": "p"})
    decision_id = api.get("rita", f"/api/jobs/{job['id']}").json()["decision"]["id"]
    appeal = api.post(
        "ann",
        f"/api/decisions/{decision_id}/appeals",
        {"appellant": "<img src=x onerror=alert(1)>", "body": "<script>alert(2)</script>"},
    ).json()
    assert api.client.get(f"/console/appeals/{appeal['id']}").status_code == 303  # no session: log in

    _log_in(api, "rita")  # the decider: sees the appeal, no form
    own = api.client.get(f"/console/appeals/{appeal['id']}")
    assert own.status_code == 200 and 'value="overturned"' not in own.text and "Someone other" in own.text
    assert "<script>alert" not in own.text and "<img src=x" not in own.text and "&lt;script&gt;" in own.text
    assert "unsafe-inline" not in own.headers["content-security-policy"]

    csrf = _log_in(api, "rob")
    page = api.client.get(f"/console/appeals/{appeal['id']}")
    assert 'name="csrf"' in page.text and 'value="overturned"' in page.text
    form = {"outcome": "overturned", "reason": "looked again"}
    stale = api.client.post(f"/console/appeals/{appeal['id']}", data={**form, "csrf": "forged"})
    assert stale.status_code == 403 and "CSRF" in stale.text
    assert api.get("adam", f"/api/appeals/{appeal['id']}").json()["status"] == "open"
    done = api.client.post(f"/console/appeals/{appeal['id']}", data={**form, "csrf": csrf})
    assert done.status_code == 303
    assert api.get("adam", f"/api/appeals/{appeal['id']}").json()["outcome_by"] == "rob"
    listing = api.client.get("/console/appeals")
    assert "overturned" in listing.text and "<img src=x" not in listing.text


def test_case_page_approves_with_the_csrf_token_only(api: Api) -> None:
    case_id = custody.create_case(api.log.engine, api.keys, "<b>synthetic</b> case", "adam")
    csrf = _log_in(api, "aud")
    page = api.client.get(f"/console/cases/{case_id}")
    assert "Approve this case" not in page.text  # an auditor approves nothing
    assert api.client.post(f"/console/cases/{case_id}", data={"csrf": csrf}).status_code == 409
    csrf = _log_in(api, "rita")
    page = api.client.get(f"/console/cases/{case_id}")
    assert "&lt;b&gt;synthetic" in page.text and "Custody log intact" in page.text
    assert api.client.post(f"/console/cases/{case_id}", data={"csrf": "x"}).status_code == 403
    assert api.get("adam", f"/api/cases/{case_id}").json()["approved_by"] == []
    assert api.client.post(f"/console/cases/{case_id}", data={"csrf": csrf}).status_code == 303
    assert api.get("adam", f"/api/cases/{case_id}").json()["approved_by"] == ["rita"]
    assert "nobody yet" not in api.client.get("/console/cases").text


def test_nul_characters_are_refused_not_stored(api: Api) -> None:
    """PostgreSQL refuses NUL in text outright; every entry point refuses it first, as a client error."""
    q = f"/api/queues/{api.queue}"
    assert api.get("rita", f"{q}/jobs?platform=a%00b").status_code == 422
    assert api.post("rita", f"{q}/next?indicator=a%00").status_code == 422
    assert api.post("adam", "/api/routes", {"queue": "q", "platform": "a\x00"}).status_code == 422
    assert api.post("adam", "/api/routes", {"queue": "q\x00", "kind": "ad"}).status_code == 422
    assert api.post("adam", "/api/routes", {"queue": "escalations", "kind": "ad"}).status_code == 422
    assert api.get("aud", "/api/cases/case-%00").status_code == 404
    assert api.post("rita", "/api/cases/case-%00/approve").status_code == 404
    job = api.claimed("rita")
    assert api.post("rita", f"/api/jobs/{job['id']}/case", {"case_id": "c\x00"}).status_code == 404
