"""Migrations: a store written by a real `trailguard scan` (no alembic_version) upgrades without loss; a new
store upgraded from nothing has exactly the tables the code declares; commands refuse a store that is behind."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select
from typer.testing import CliRunner

from review_db import fresh_database
from trailguard.cli import app
from trailguard.demo.corpus import write_corpus
from trailguard.evidence import tables as _evidence_tables  # noqa: F401  (declares the evidence tables)
from trailguard.review import schema
from trailguard.review import tables as rt
from trailguard.store import banks
from trailguard.store import tables as st
from trailguard.store.db import make_engine, metadata

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    pg = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    with fresh_database(request.param, tmp_path, pg) as url:
        yield url


def _scan_in_a_fresh_process(url: str, tmp_path: Path) -> None:
    """A real scan in its own process, its store then made as scans left it before migrations: no
    `alembic_version` and no review tables (a scan now makes an empty store at the newest revision)."""
    corpus = tmp_path / "ads.jsonl"
    write_corpus(corpus, 40, seed=3)
    env = {
        **os.environ,
        "TRAILGUARD_DATABASE_URL": url,
        "TRAILGUARD_WORKERS": "1",
        "PYTHONPATH": str(ROOT / "src"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "trailguard.cli", "scan", str(corpus), "--out", str(tmp_path / "out")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    engine = make_engine(url)
    with engine.begin() as conn:
        review = [t.name for t in reversed(metadata.sorted_tables) if t.name.startswith("review_")]
        for name in [*review, "alembic_version"]:
            conn.execute(sa.text(f'DROP TABLE "{name}"'))
    engine.dispose()


@pytest.mark.slow
def test_store_written_by_a_scan_is_stamped_and_upgraded_without_loss(db_url: str, tmp_path: Path) -> None:
    _scan_in_a_fresh_process(db_url, tmp_path)
    engine = make_engine(db_url)
    assert "review_users" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        before_items = dict(conn.execute(select(st.items.c.id, st.items.c.data)).all())
        before_scores = dict(conn.execute(select(st.assessments.c.item_id, st.assessments.c.score)).all())
        before_hits = conn.execute(select(st.hits).order_by(st.hits.c.item_id, st.hits.c.indicator)).all()
    assert len(before_items) == 40 and before_hits
    state = schema.state(engine)
    assert state.legacy and state.behind and state.current is None

    result = CliRunner().invoke(app, ["db", "upgrade"], env={"TRAILGUARD_DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    assert "stamped at baseline 0001" in result.output and "to 0008" in result.output

    assert schema.state(engine).current == schema.state(engine).head == "0008"
    with engine.connect() as conn:
        assert dict(conn.execute(select(st.items.c.id, st.items.c.data)).all()) == before_items
        assert (
            dict(conn.execute(select(st.assessments.c.item_id, st.assessments.c.score)).all())
            == before_scores
        )
        assert (
            conn.execute(select(st.hits).order_by(st.hits.c.item_id, st.hits.c.indicator)).all()
            == before_hits
        )
        assert conn.execute(select(rt.audit_head.c.seq)).scalar_one() == 0
    again = CliRunner().invoke(app, ["db", "upgrade"], env={"TRAILGUARD_DATABASE_URL": db_url})
    assert again.exit_code == 0 and "already at 0008" in again.output
    engine.dispose()


def test_migrations_build_exactly_the_declared_schema(db_url: str) -> None:
    """If a table or column is added to the code without a revision, this fails (add one: docs/console.md)."""
    engine = make_engine(db_url)
    schema.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    engine.dispose()


def test_a_store_with_only_bank_tables_keeps_its_banks(db_url: str) -> None:
    engine = make_engine(db_url)
    banks.ensure_schema(engine)  # what `trailguard bank create` did before migrations
    banks.create_bank(engine, "partner-list", "known", source="a hash-sharing programme", created_by="ana")
    assert schema.state(engine).legacy
    schema.upgrade(engine)
    assert [b.name for b in banks.list_banks(engine)] == ["partner-list"]
    assert {"items", "scans", "review_jobs"} <= set(inspect(engine).get_table_names())
    engine.dispose()


@pytest.mark.parametrize(
    "args", [["serve"], ["queue", "fill"], ["audit", "verify"], ["users", "token", "ana"]], ids=" ".join
)
def test_commands_refuse_a_store_that_is_behind_with_the_fix(args: list[str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    banks.ensure_schema(engine)
    engine.dispose()
    result = CliRunner().invoke(app, args, env={"TRAILGUARD_DATABASE_URL": url})
    assert result.exit_code == 1
    assert "run `trailguard db upgrade`" in result.output
    assert "made before migrations" in result.output
