"""Log-in with a session cookie: CSRF on every write, lockout after repeated failures, every attempt audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from review_db import console
from trailguard.api.app import create_app
from trailguard.review import audit, users
from trailguard.settings import Settings

PASSWORD = "correct horse battery"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    log, tokens = console(
        f"sqlite:///{tmp_path / 'tg.db'}", tmp_path, 20, {"rita": "reviewer", "aud": "auditor"}
    )
    assert isinstance(log, audit.AuditLog)
    with TestClient(create_app(log, Settings())) as c:
        yield c, tokens
    log.engine.dispose()


def _audit(c: TestClient, tokens: dict[str, str]) -> list[tuple[str, str]]:
    events = c.get("/api/audit?limit=1000", headers={"Authorization": f"Bearer {tokens['aud']}"}).json()
    return [(e["actor"], e["action"]) for e in events]


def test_session_cookie_and_csrf(client: tuple[TestClient, dict[str, str]]) -> None:
    c, tokens = client
    r = c.post("/api/login", json={"name": "rita", "password": PASSWORD})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    csrf = r.json()["csrf_token"]
    assert c.get("/api/me").json() == {"name": "rita", "role": "reviewer"}  # reads need the cookie only
    queue = c.get("/api/queues").json()[0]["id"]
    refused = c.post(f"/api/queues/{queue}/next")  # a write without the header: what a hostile page can send
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.text
    forged = ("y" if csrf[0] == "x" else "x") + csrf[
        1:
    ]  # one character off (was the token itself 1 in 64 times)
    assert c.post(f"/api/queues/{queue}/next", headers={"X-CSRF-Token": forged}).status_code == 403
    assert c.post(f"/api/queues/{queue}/next", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert c.post("/api/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    c.cookies.set("tg_session", cookie.split(";")[0].split("=", 1)[1])  # the old cookie, replayed
    assert c.get("/api/me").status_code == 401
    assert ("rita", "login") in _audit(c, tokens) and ("rita", "logout") in _audit(c, tokens)


def test_lockout_after_repeated_failures(client: tuple[TestClient, dict[str, str]]) -> None:
    c, tokens = client
    for _ in range(users.LOCK_AFTER):
        assert c.post("/api/login", json={"name": "rita", "password": "not the password"}).status_code == 401
    locked = c.post("/api/login", json={"name": "rita", "password": PASSWORD})
    assert locked.status_code == 401
    unknown = c.post("/api/login", json={"name": "nobody", "password": PASSWORD})
    assert unknown.json() == locked.json()  # no telling a locked account from a missing one
    events = _audit(c, tokens)
    assert events.count(("rita", "login.failed")) == users.LOCK_AFTER + 1
    assert ("anonymous", "login.failed") in events and ("rita", "login") not in events
