"""`trailguard queue route add|list|remove` on a migrated store, and what `queue fill` then does with it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from review_db import seed_items
from trailguard.cli import app
from trailguard.review import schema
from trailguard.store.db import make_engine


def test_route_commands_and_fill(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tg.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    seed_items(url, 8)  # ads in Boston on example.com, two per band
    env = {"TRAILGUARD_DATABASE_URL": url}
    run = CliRunner().invoke
    added = run(app, ["queue", "route", "add", "boston", "--place", "Boston", "--min-band", "high"], env=env)
    assert added.exit_code == 0, added.output
    rule = json.loads(added.stdout)
    assert (rule["queue"], rule["place"], rule["min_band"], rule["priority"]) == (
        "boston",
        "boston",
        "high",
        "normal",
    )
    bad = run(app, ["queue", "route", "add", "x", "--kind", "tweet"], env=env)
    assert bad.exit_code == 2 and "kind must be one of" in bad.output
    none = run(app, ["queue", "route", "add", "x"], env=env)
    assert none.exit_code == 2 and "at least one condition" in none.output
    filled = run(app, ["queue", "fill"], env=env)
    assert filled.exit_code == 0
    assert "boston: 4 new jobs" in filled.output and "review: 2 new jobs" in filled.output
    listed = run(app, ["queue", "route", "list"], env=env)
    assert [json.loads(line)["id"] for line in listed.stdout.splitlines()] == [rule["id"]]
    assert run(app, ["queue", "route", "remove", str(rule["id"])], env=env).exit_code == 0
    missing = run(app, ["queue", "route", "remove", str(rule["id"])], env=env)
    assert missing.exit_code == 1 and "no routing rule" in missing.output
    assert run(app, ["queue", "route", "list"], env=env).stdout == ""


def test_a_scan_into_an_upgraded_store_routes_what_it_stored(tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from trailguard.demo.corpus import write_corpus
    from trailguard.review import tables as rt

    url = f"sqlite:///{tmp_path / 'tg.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    env = {"TRAILGUARD_DATABASE_URL": url, "TRAILGUARD_WORKERS": "1"}
    run = CliRunner().invoke
    assert run(app, ["queue", "route", "add", "everything", "--min-band", "low"], env=env).exit_code == 0
    write_corpus(tmp_path / "ads.jsonl", 30, seed=5)
    scanned = run(app, ["scan", str(tmp_path / "ads.jsonl"), "--out", str(tmp_path / "out")], env=env)
    assert scanned.exit_code == 0, scanned.output
    assert "review queues: 30 new jobs" in scanned.output
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(rt.jobs)).scalar_one() == 30
        assert (
            conn.execute(
                select(rt.audit_events.c.actor).where(rt.audit_events.c.action == "queue.fill")
            ).scalar()
            == "scan"
        )
    engine.dispose()
