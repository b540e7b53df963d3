"""`trailguard demo` ends by offering the console: a store at the newest migration, filled queues, the user
`admin` with a one-time password printed once with the command to start the server, and no server started."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from trailguard.api.app import create_app
from trailguard.cli import app
from trailguard.review import schema
from trailguard.review import tables as rt
from trailguard.review.audit import AuditLog, anchor_for
from trailguard.settings import Settings
from trailguard.store.db import make_engine

PASSWORD = re.compile(r"admin / (\S+)\s+\(one-time")


def _demo(url: str, out: Path) -> str:
    result = CliRunner().invoke(
        app,
        ["demo", "--out", str(out), "--n", "60"],
        env={"TRAILGUARD_DATABASE_URL": url, "TRAILGUARD_WORKERS": "1"},
    )
    assert result.exit_code == 0, result.output
    return result.output


def _logs_in(url: str, password: str) -> bool:
    engine = make_engine(url)
    with TestClient(create_app(AuditLog(engine, anchor_for(url)), Settings())) as client:
        api = client.post("/api/login", json={"name": "admin", "password": password})
        page = client.post(
            "/console/login", data={"name": "admin", "password": password}, follow_redirects=False
        )
    engine.dispose()
    assert (api.status_code == 200) == (page.status_code == 303)
    return api.status_code == 200


@pytest.mark.slow
def test_demo_offers_the_console_with_a_one_time_password(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    out = _demo(url, tmp_path / "demo")
    assert "trailguard serve --host 127.0.0.1 --port 8000" in out
    assert "http://127.0.0.1:8000/console/login" in out
    assert "(with TRAILGUARD_DATABASE_URL as now)" in out and "It is not running" in out
    first = PASSWORD.findall(out)
    assert len(first) == 1 and len(first[0]) >= 20
    assert out.count(first[0]) == 1  # printed once

    engine = make_engine(url)
    state = schema.state(engine)
    assert state.current == state.head
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(rt.jobs)).scalar_one() > 0
    engine.dispose()
    assert _logs_in(url, first[0])

    second = PASSWORD.findall(_demo(url, tmp_path / "demo"))
    assert len(second) == 1 and second != first
    assert _logs_in(url, second[0]) and not _logs_in(url, first[0])
