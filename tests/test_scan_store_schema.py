"""`trailguard scan` (and `demo`, and the bank commands) refuse a store that is behind the migrations, with
the command that fixes it, before reading any input; an empty store is made at the newest revision."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select
from typer.testing import CliRunner

from review_db import fresh_database
from trailguard.cli import app
from trailguard.demo.corpus import write_corpus
from trailguard.review import schema
from trailguard.store import tables as st
from trailguard.store.db import make_engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    pg = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    with fresh_database(request.param, tmp_path, pg) as url:
        yield url


def _scan(url: str, tmp_path: Path, *extra: str) -> object:
    corpus = tmp_path / "ads.jsonl"
    write_corpus(corpus, 12, seed=5)
    env = {"TRAILGUARD_DATABASE_URL": url, "TRAILGUARD_WORKERS": "1"}
    return CliRunner().invoke(app, ["scan", str(corpus), "--out", str(tmp_path / "out"), *extra], env=env)


def test_scan_refuses_a_store_at_an_old_revision_and_writes_nothing(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    schema.upgrade(engine, to="0001")
    result = _scan(db_url, tmp_path)
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    out = result.output  # type: ignore[attr-defined]
    assert "is at revision 0001" in out and f"needs revision {schema.state(engine).head}" in out
    assert "run `trailguard db upgrade`" in out
    assert schema.state(engine).current == "0001"  # nothing created behind the migrations' back
    assert "review_jobs" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(st.items)).scalar_one() == 0
    assert not (tmp_path / "out" / "assessments.jsonl").exists()

    upgraded = CliRunner().invoke(app, ["db", "upgrade"], env={"TRAILGUARD_DATABASE_URL": db_url})
    assert upgraded.exit_code == 0, upgraded.output
    again = _scan(db_url, tmp_path)
    assert again.exit_code == 0, again.output  # type: ignore[attr-defined]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(st.items)).scalar_one() == 12
    engine.dispose()


def test_scan_makes_an_empty_store_at_the_newest_revision(db_url: str, tmp_path: Path) -> None:
    result = _scan(db_url, tmp_path)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    engine = make_engine(db_url)
    state = schema.state(engine)
    assert state.current == state.head and not state.behind
    assert {"items", "review_jobs", "review_users"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_a_store_begun_by_a_bank_command_is_one_scan_accepts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tg.db'}"
    made = CliRunner().invoke(
        app, ["bank", "create", "partner-list", "--kind", "known"], env={"TRAILGUARD_DATABASE_URL": url}
    )
    assert made.exit_code == 0, made.output
    assert _scan(url, tmp_path).exit_code == 0  # type: ignore[attr-defined]


def test_a_no_store_scan_leaves_a_missing_sqlite_file_missing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'never.db'}"
    assert _scan(url, tmp_path, "--no-store").exit_code == 0  # type: ignore[attr-defined]
    assert not (tmp_path / "never.db").exists()


def test_demo_refuses_a_store_that_is_behind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    schema.upgrade(make_engine(url), to="0002")
    result = CliRunner().invoke(
        app, ["demo", "--out", str(tmp_path / "demo"), "--n", "5"], env={"TRAILGUARD_DATABASE_URL": url}
    )
    assert result.exit_code == 1 and "run `trailguard db upgrade`" in result.output
    assert not (tmp_path / "demo" / "corpus.jsonl").exists()
