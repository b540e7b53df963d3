"""20 reviewers ask a real server for their next job at the same moment: 20 different jobs, on SQLite
(one atomic UPDATE) and PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn

from review_db import console, fresh_database
from trailguard.api.app import create_app
from trailguard.review import audit
from trailguard.settings import Settings

REVIEWERS = 20


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, dict[str, str], audit.AuditLog]]:
    pg = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    with fresh_database(request.param, tmp_path, pg) as url:
        people = {f"rev{i:02d}": "reviewer" for i in range(REVIEWERS)}
        log, tokens = console(url, tmp_path, 60, people)  # 45 jobs at medium band or above
        assert isinstance(log, audit.AuditLog)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        srv = uvicorn.Server(
            uvicorn.Config(create_app(log, Settings()), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not srv.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert srv.started
        try:
            yield f"http://127.0.0.1:{port}", tokens, log
        finally:
            srv.should_exit = True
            thread.join(timeout=10)
            log.engine.dispose()


def test_twenty_simultaneous_next_requests_get_twenty_jobs(
    server: tuple[str, dict[str, str], audit.AuditLog],
) -> None:
    base, tokens, log = server
    queue = httpx.get(f"{base}/api/queues", headers={"Authorization": f"Bearer {tokens['rev00']}"}).json()[0]
    assert queue["open"] == 45
    start = threading.Barrier(REVIEWERS)

    def ask(name: str) -> tuple[str, int, dict[str, object]]:
        with httpx.Client(base_url=base, timeout=60) as client:
            start.wait()
            r = client.post(
                f"/api/queues/{queue['id']}/next", headers={"Authorization": f"Bearer {tokens[name]}"}
            )
            return name, r.status_code, r.json()

    with ThreadPoolExecutor(REVIEWERS) as pool:
        answers = list(pool.map(ask, sorted(tokens)))
    assert [code for _, code, _ in answers] == [200] * REVIEWERS
    assert len({job["id"] for _, _, job in answers}) == REVIEWERS
    assert all(job["claimed_by"] == name for name, _, job in answers)
    assert audit.verify(log.engine, log.anchor).ok  # 20 claims appended concurrently, one unbroken chain
