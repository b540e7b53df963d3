"""Every route of the OpenAPI document against every role: 401 without credentials (or with a bad token),
403 where the role may not, 2xx where it may. A route added without an entry in CALLS fails the test."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from review_db import console, seed_network
from trailguard.api.app import create_app
from trailguard.evidence import custody
from trailguard.review import appeals, audit, routing, users, work
from trailguard.review import tables as rt
from trailguard.settings import Settings

PEOPLE = {"adam": "admin", "ann": "analyst", "rita": "reviewer", "aud": "auditor", "rob": "reviewer"}
AS_ROLE = {"admin": "adam", "analyst": "ann", "reviewer": "rita", "auditor": "aud"}


class World:
    def __init__(self, log: audit.AuditLog, tokens: dict[str, str], network: str, evidence: Path) -> None:
        self.log, self.tokens, self.network = log, tokens, network
        self.counter = itertools.count(1)
        self.case = custody.create_case(log.engine, evidence / "keys", "synthetic case", "adam")
        with log.engine.connect() as conn:
            self.queue = int(
                conn.execute(select(rt.queues.c.id).where(rt.queues.c.name == "review")).scalar_one()
            )

    def user(self, name: str) -> users.User:
        with self.log.engine.connect() as conn:
            found = users.find_user(conn, name)
        assert found is not None
        return found

    def job(self, claimed_by: str | None = None) -> int:
        """A job nobody has touched, claimed by `claimed_by` if given."""
        j = rt.jobs
        with self.log.begin() as conn:
            job_id = int(
                conn.execute(
                    select(j.c.id)
                    .where(j.c.queue_id == self.queue, j.c.claimed_by.is_(None), j.c.status == "open")
                    .order_by(j.c.id)
                    .limit(1)
                ).scalar_one()
            )
            if claimed_by:
                work.claim(conn, job_id, self.user(claimed_by), 30)
            else:  # set aside so that no later call picks it as untouched
                conn.execute(j.update().where(j.c.id == job_id).values(band=j.c.band))
        return job_id

    def decision(self) -> int:
        """A new decision, by rob (whom no role in AS_ROLE is)."""
        job_id = self.job("rob")
        with self.log.begin() as conn:
            return work.decide(conn, job_id, self.user("rob"), "confirm", "signs of control", "ads-2")

    def appeal(self) -> int:
        with self.log.begin() as conn:
            return appeals.file(conn, self.decision(), self.user("ann"), "the poster", "it was a mistake")

    def route(self) -> int:
        with self.log.begin() as conn:
            rule = routing.add_rule(conn, f"q{next(self.counter)}", "test", platform="example.org")
        return int(rule["id"])


# operation (METHOD path) -> given the world and the caller's name: (concrete path, JSON body or None)
Call = Callable[[World, str], tuple[str, dict[str, Any] | None]]
CALLS: dict[str, Call] = {
    "GET /api/me": lambda w, u: ("/api/me", None),
    "POST /api/logout": lambda w, u: ("/api/logout", None),
    "GET /api/users": lambda w, u: ("/api/users", None),
    "POST /api/users": lambda w, u: (
        "/api/users",
        {"name": f"new{next(w.counter)}", "role": "reviewer", "password": "another long password"},
    ),
    "POST /api/users/{name}/tokens": lambda w, u: ("/api/users/rob/tokens", None),
    "GET /api/audit": lambda w, u: ("/api/audit?limit=5", None),
    "GET /api/audit/verify": lambda w, u: ("/api/audit/verify", None),
    "GET /api/items/{item_id}": lambda w, u: ("/api/items/ad-1", None),
    "GET /api/networks/{network_id}": lambda w, u: (f"/api/networks/{w.network}", None),
    "GET /api/networks/{network_id}/graph": lambda w, u: (f"/api/networks/{w.network}/graph", None),
    "GET /api/entities": lambda w, u: ("/api/entities?value=(617)%20555-0105", None),
    "GET /api/search": lambda w, u: ("/api/search?q=ad-1&limit=5", None),
    "GET /api/queues": lambda w, u: ("/api/queues", None),
    "POST /api/queues": lambda w, u: ("/api/queues", {"name": f"q{next(w.counter)}", "min_band": "high"}),
    "POST /api/queues/fill": lambda w, u: ("/api/queues/fill", None),
    "GET /api/queues/{queue_id}/jobs": lambda w, u: (f"/api/queues/{w.queue}/jobs?status=open", None),
    "POST /api/queues/{queue_id}/next": lambda w, u: (f"/api/queues/{w.queue}/next", None),
    "GET /api/jobs/{job_id}": lambda w, u: (f"/api/jobs/{w.job()}", None),
    "POST /api/jobs/{job_id}/claim": lambda w, u: (f"/api/jobs/{w.job()}/claim", None),
    "POST /api/jobs/{job_id}/release": lambda w, u: (f"/api/jobs/{w.job(u)}/release", None),
    "POST /api/jobs/{job_id}/hold": lambda w, u: (
        f"/api/jobs/{w.job(u)}/hold",
        {"reason": "waiting on the platform"},
    ),
    "POST /api/jobs/{job_id}/reassign": lambda w, u: (f"/api/jobs/{w.job()}/reassign", {"user": "rob"}),
    "POST /api/jobs/{job_id}/decision": lambda w, u: (
        f"/api/jobs/{w.job(u)}/decision",
        {"action": "dismiss", "reason": "a benign listing", "policy": "ads-1"},
    ),
    "POST /api/jobs/{job_id}/comments": lambda w, u: (
        f"/api/jobs/{w.job()}/comments",
        {"body": "<b>see ad-2</b>"},
    ),
    "PUT /api/queues/{queue_id}/settings": lambda w, u: (
        f"/api/queues/{w.queue}/settings",
        {"second_review": [], "severe_cap": 10_000},
    ),
    "GET /api/routes": lambda w, u: ("/api/routes", None),
    "POST /api/routes": lambda w, u: (
        "/api/routes",
        {"queue": "minors", "indicator": "ads.minor_*", "priority": "high"},
    ),
    "DELETE /api/routes/{route_id}": lambda w, u: (f"/api/routes/{w.route()}", None),
    "POST /api/jobs/{job_id}/case": lambda w, u: (f"/api/jobs/{w.job()}/case", {"case_id": w.case}),
    "POST /api/decisions/{decision_id}/appeals": lambda w, u: (
        f"/api/decisions/{w.decision()}/appeals",
        {"appellant": "the poster", "body": "<script>alert(1)</script> please look again"},
    ),
    "GET /api/appeals": lambda w, u: ("/api/appeals?status=open", None),
    "GET /api/appeals/{appeal_id}": lambda w, u: (f"/api/appeals/{w.appeal()}", None),
    "POST /api/appeals/{appeal_id}/decision": lambda w, u: (
        f"/api/appeals/{w.appeal()}/decision",
        {"outcome": "upheld", "reason": "the decision stands"},
    ),
    "GET /api/cases": lambda w, u: ("/api/cases", None),
    "GET /api/cases/{case_id}": lambda w, u: (f"/api/cases/{w.case}", None),
    "POST /api/cases/{case_id}/approve": lambda w, u: (f"/api/cases/{w.case}/approve", None),
    "GET /api/me/wellness": lambda w, u: ("/api/me/wellness", None),
}


@pytest.fixture
def world(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, World, dict[str, Any]]]:
    url = f"sqlite:///{tmp_path / 'tg.db'}"
    log, tokens = console(url, tmp_path, 120, PEOPLE)
    assert isinstance(log, audit.AuditLog)
    network = seed_network(url, ["ad-1", "ad-2", "ad-3"])
    monkeypatch.setenv("TRAILGUARD_EVIDENCE_DIR", str(tmp_path / "evidence"))
    app = create_app(log, Settings())
    with TestClient(app) as client:
        yield client, World(log, tokens, network, tmp_path / "evidence"), app.openapi()
    log.engine.dispose()


def _operations(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{m.upper()} {p}", op) for p, ops in doc["paths"].items() for m, op in ops.items()]


def test_every_route_against_every_role(world: tuple[TestClient, World, dict[str, Any]]) -> None:
    client, w, doc = world
    operations = _operations(doc)
    public = [name for name, op in operations if op.get("security") == []]
    frontline = ["POST /api/public/challenge", "POST /api/public/reports", "POST /api/public/reports/status",
                 "POST /api/public/victim-submissions", "POST /api/public/victim-submissions/withdraw"]  # fmt: skip
    assert sorted(public) == sorted(
        ["GET /api/health", "POST /api/login", *frontline]
    )  # (test_frontline_api)
    assert client.get("/api/health").status_code == 200
    guarded = [(name, op) for name, op in operations if name not in public]
    assert sorted(name for name, _ in guarded) == sorted(CALLS), "every route needs an entry in CALLS"
    outcomes: list[str] = []
    for name, op in guarded:
        method, _ = name.split(" ", 1)
        roles = op["x-roles"]
        path, body = CALLS[name](w, "rita")
        for headers in ({}, {"Authorization": "Bearer tg_not-a-token"}, {"Authorization": "Basic YTpi"}):
            r = client.request(method, path, json=body, headers=headers)
            assert r.status_code == 401, (name, headers, r.text)
        for role, person in AS_ROLE.items():
            path, body = CALLS[name](w, person)
            r = client.request(
                method, path, json=body, headers={"Authorization": f"Bearer {w.tokens[person]}"}
            )
            want = "2xx" if role in roles else "403"
            got = "2xx" if 200 <= r.status_code < 300 else str(r.status_code)
            outcomes.append(
                f"{name} as {role}: {got}" + ("" if got == want else f" (wanted {want}: {r.text[:200]})")
            )
    wrong = [o for o in outcomes if "wanted" in o]
    assert wrong == []
    assert len(outcomes) == 4 * len(CALLS)


def test_the_contract_roles(world: tuple[TestClient, World, dict[str, Any]]) -> None:
    """What the issue fixes, checked on the document (which the test above checks against the server)."""
    ops = dict(_operations(world[2]))
    assert ops["GET /api/users"]["x-roles"] == ops["POST /api/users"]["x-roles"] == ["admin"]
    assert sorted(ops["GET /api/audit"]["x-roles"]) == ["admin", "auditor"]
    assert sorted(ops["POST /api/jobs/{job_id}/decision"]["x-roles"]) == ["analyst", "reviewer"]
    assert set(ops["GET /api/items/{item_id}"]["x-roles"]) == {"admin", "analyst", "reviewer", "auditor"}
    # Starting and ending one's own session changes no data: the auditor may log in and out.
    writes = [
        name
        for name in ops
        if not name.startswith("GET ")
        and name not in ("POST /api/login", "POST /api/logout")
        and ops[name].get("security") != []  # the public API: no roles at all (test_frontline_api)
    ]
    assert writes and all("auditor" not in ops[name]["x-roles"] for name in writes)


def test_item_views_and_failed_tokens_are_audited_and_text_is_inert(
    world: tuple[TestClient, World, dict[str, Any]],
) -> None:
    client, w, _ = world
    r = client.get("/api/items/ad-5", headers={"Authorization": f"Bearer {w.tokens['aud']}"})
    assert r.status_code == 200
    assert r.json()["assessment"]["hits"][0]["explanation"] == "digits as words"
    assert (
        "script-src" not in r.headers["content-security-policy"]
        and "default-src 'none'" in r.headers["content-security-policy"]
    )
    assert r.headers["content-type"].startswith("application/json")
    client.get("/api/me", headers={"Authorization": "Bearer tg_forged"})
    events = client.get(
        "/api/audit?limit=1000", headers={"Authorization": f"Bearer {w.tokens['adam']}"}
    ).json()
    assert {"actor": "aud", "action": "item.view", "target": "item:ad-5"}.items() <= events[-2].items()
    assert (events[-1]["actor"], events[-1]["action"]) == ("anonymous", "auth.failed")
    assert client.get("/api/audit/verify", headers={"Authorization": f"Bearer {w.tokens['aud']}"}).json()[
        "ok"
    ]
