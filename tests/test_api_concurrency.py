"""20 reviewers ask a real server for their next job at the same moment: 20 different jobs, on SQLite
(one atomic UPDATE) and PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED), from one server process or from
`trailguard serve --workers 2`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
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
def store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, dict[str, str], audit.AuditLog]]:
    pg = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    with fresh_database(request.param, tmp_path, pg) as url:
        people = {f"rev{i:02d}": "reviewer" for i in range(REVIEWERS)}
        log, tokens = console(url, tmp_path, 60, people)  # 45 jobs at medium band or above
        assert isinstance(log, audit.AuditLog)
        try:
            yield url, tokens, log
        finally:
            log.engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(params=["one process", "two workers"])
def server(
    request: pytest.FixtureRequest, store: tuple[str, dict[str, str], audit.AuditLog]
) -> Iterator[tuple[str, dict[str, str], audit.AuditLog]]:
    url, tokens, log = store
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    if request.param == "one process":
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
            yield base, tokens, log
        finally:
            srv.should_exit = True
            thread.join(timeout=10)
        return
    env = {
        **os.environ,
        "TRAILGUARD_DATABASE_URL": url,
        "TRAILGUARD_AUDIT_KEY_FILE": str(log.anchor.key_path),
        "TRAILGUARD_AUDIT_CHECKPOINT_FILE": str(log.anchor.path),
    }
    cmd = [sys.executable, "-m", "trailguard.cli", "serve", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, "trailguard serve --workers 2 exited"
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "trailguard serve --workers 2 did not start"
                time.sleep(0.2)
        yield base, tokens, log
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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
