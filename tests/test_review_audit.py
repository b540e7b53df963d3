"""The audit log is tamper-evident: `trailguard audit verify` exits 0 on an intact log and 1, naming the first
bad entry, after a row is edited, deleted, inserted or reordered, the log is cut short or rewritten whole."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Connection, Engine, delete, insert, select, update
from typer.testing import CliRunner

from review_db import fresh_database
from trailguard.cli import app
from trailguard.review import audit, schema
from trailguard.review import tables as rt
from trailguard.store.db import make_engine

E = rt.audit_events


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def logged(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, dict[str, str]]]:
    """A store with six audit events, and the environment that points the CLI at it and its anchor."""
    pg = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    with fresh_database(request.param, tmp_path, pg) as url:
        engine = make_engine(url)
        schema.upgrade(engine)
        env = {
            "TRAILGUARD_DATABASE_URL": url,
            "TRAILGUARD_AUDIT_KEY_FILE": str(tmp_path / "keys" / "audit.pem"),
            "TRAILGUARD_AUDIT_CHECKPOINT_FILE": str(tmp_path / "anchor" / "checkpoint.json"),
        }
        log = audit.AuditLog(
            engine,
            audit.anchor_for(url, env["TRAILGUARD_AUDIT_KEY_FILE"], env["TRAILGUARD_AUDIT_CHECKPOINT_FILE"]),
        )
        for n, (actor, action) in enumerate(
            [
                ("ana", "login"),
                ("ana", "item.view"),
                ("ben", "login.failed"),
                ("ben", "login"),
                ("ben", "decision"),
                ("ana", "item.view"),
            ],
            start=1,
        ):
            log.record(actor, action, f"item:ad-{n}", {"n": n})
        yield engine, env
        engine.dispose()


def _verify(env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", "verify"], env=env)
    return result.exit_code, result.output


def _rows(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(select(E).order_by(E.c.seq))]


def _rewrite(conn: Connection, rows: list[dict[str, Any]]) -> None:
    conn.execute(delete(E))
    conn.execute(insert(E), rows)


def _rechain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a forger who knows the algorithm (it is public) does: recompute every hash in order."""
    prev = audit.GENESIS
    for r in rows:
        r["prev_hash"] = prev
        r["hash"] = prev = audit.event_hash(
            prev, r["seq"], r["at"], r["actor"], r["action"], r["target"], r["details"]
        )
    return rows


def edit(conn: Connection) -> None:
    conn.execute(update(E).where(E.c.seq == 3).values(actor="someone-else"))


def edit_details(conn: Connection) -> None:
    conn.execute(update(E).where(E.c.seq == 5).values(details=orjson.dumps({"n": 50}).decode()))


def delete_one(conn: Connection) -> None:
    conn.execute(delete(E).where(E.c.seq == 3))


def insert_forged(conn: Connection) -> None:
    rows = _rows(conn)
    forged = {**rows[1], "actor": "mallory", "action": "login"}
    for r in rows[2:]:
        r["seq"] += 1
    forged["seq"] = 3
    forged["prev_hash"] = rows[1]["hash"]
    forged["hash"] = audit.event_hash(
        forged["prev_hash"], 3, forged["at"], "mallory", "login", forged["target"], forged["details"]
    )
    _rewrite(conn, [*rows[:2], forged, *rows[2:]])


def reorder(conn: Connection) -> None:
    rows = _rows(conn)
    rows[1]["seq"], rows[3]["seq"] = rows[3]["seq"], rows[1]["seq"]
    _rewrite(conn, rows)


def cut_short(conn: Connection) -> None:
    conn.execute(delete(E).where(E.c.seq >= 5))
    last = conn.execute(select(E.c.hash).where(E.c.seq == 4)).scalar_one()
    conn.execute(update(rt.audit_head).values(seq=4, hash=last))


def rewrite_whole_chain(conn: Connection) -> None:
    rows = _rows(conn)
    rows[1]["actor"] = "mallory"
    _rewrite(conn, _rechain(rows))
    conn.execute(update(rt.audit_head).values(hash=rows[-1]["hash"]))


def delete_and_rechain(conn: Connection) -> None:
    rows = _rows(conn)[:-1]
    _rewrite(conn, _rechain(rows))
    conn.execute(update(rt.audit_head).values(seq=5, hash=rows[-1]["hash"]))


def append_forged(conn: Connection) -> None:
    rows = _rechain([*_rows(conn), {**_rows(conn)[0], "seq": 7, "actor": "mallory"}])
    conn.execute(insert(E).values(rows[-1]))


TAMPERING: dict[str, tuple[Callable[[Connection], None], str]] = {
    "edit a row's actor": (edit, "entry 3: its content does not match its hash"),
    "edit a row's details": (edit_details, "entry 5: its content does not match its hash"),
    "delete a row": (delete_one, "entry 3: missing"),
    "insert a correctly hashed row": (insert_forged, "entry 4: does not follow entry 3"),
    "reorder two rows": (reorder, "entry 2: does not follow entry 1"),
    "cut the log short": (cut_short, "entry 5: missing (the log is cut short"),
    "rewrite the whole chain": (rewrite_whole_chain, "entry 6: differs from the signed checkpoint"),
    "delete the last row and rechain": (delete_and_rechain, "entry 6: missing"),
    "append a rechained row": (append_forged, "entry 7: not anchored by the checkpoint"),
}


def test_intact_log_verifies(logged: tuple[Engine, dict[str, str]]) -> None:
    code, out = _verify(logged[1])
    assert code == 0, out
    assert "audit log intact: 6 entries" in out


@pytest.mark.parametrize("how", list(TAMPERING))
def test_tampering_is_found_and_named(logged: tuple[Engine, dict[str, str]], how: str) -> None:
    engine, env = logged
    tamper, expected = TAMPERING[how]
    with engine.begin() as conn:
        tamper(conn)
    code, out = _verify(env)
    assert code == 1
    assert expected in out


def test_a_forged_checkpoint_is_refused(logged: tuple[Engine, dict[str, str]]) -> None:
    env = logged[1]
    path = Path(env["TRAILGUARD_AUDIT_CHECKPOINT_FILE"])
    doc = orjson.loads(path.read_bytes())
    assert doc["count"] == 6
    path.write_bytes(orjson.dumps({**doc, "count": 5}))
    code, out = _verify(env)
    assert code == 1 and "bad signature" in out


def test_a_missing_checkpoint_is_a_failure_once_there_are_events(
    logged: tuple[Engine, dict[str, str]],
) -> None:
    Path(logged[1]["TRAILGUARD_AUDIT_CHECKPOINT_FILE"]).unlink()
    code, out = _verify(logged[1])
    assert code == 1 and "entry 1: no checkpoint anchors the log" in out


def test_the_key_is_private_to_its_owner(logged: tuple[Engine, dict[str, str]]) -> None:
    assert Path(logged[1]["TRAILGUARD_AUDIT_KEY_FILE"]).stat().st_mode & 0o077 == 0


def test_concurrent_events_are_anchored_together_and_each_before_its_call_returns(
    logged: tuple[Engine, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, env = logged
    anchor = audit.anchor_for(
        env["TRAILGUARD_DATABASE_URL"],
        env["TRAILGUARD_AUDIT_KEY_FILE"],
        env["TRAILGUARD_AUDIT_CHECKPOINT_FILE"],
    )
    log = audit.AuditLog(engine, anchor)
    renames: list[str] = []
    real_replace = audit.os.replace

    def slow_replace(src: Any, dst: Any) -> None:  # a slow disk: writers pile up behind the one writing
        renames.append(str(dst))
        time.sleep(0.05)
        real_replace(src, dst)

    monkeypatch.setattr(audit.os, "replace", slow_replace)
    start = threading.Barrier(20)
    anchored_when_returned: list[int] = []

    def views(n: int) -> None:  # a reviewer opening five items, one after the other
        start.wait()
        for k in range(5):
            seq = log.record(f"rev{n:02d}", "item.view", f"item:ad-{n}-{k}")
            checkpoint = anchor.read()
            assert checkpoint is not None
            anchored_when_returned.append(checkpoint.count - seq)

    with ThreadPoolExecutor(20) as pool:
        list(pool.map(views, range(20)))
    assert len(anchored_when_returned) == 100
    assert all(margin >= 0 for margin in anchored_when_returned)  # no call returned before its anchor
    # Each signature covered the views waiting for it: 10-27 here, against 58 when every waiting view
    # that found a newer head signed it again.
    assert len(renames) <= 40
    assert _verify(env) == (0, f"audit log intact: 106 entries, anchored by {anchor.path}\n")


def _log(env: dict[str, str], engine: Engine) -> audit.AuditLog:
    anchor = audit.anchor_for(
        env["TRAILGUARD_DATABASE_URL"],
        env["TRAILGUARD_AUDIT_KEY_FILE"],
        env["TRAILGUARD_AUDIT_CHECKPOINT_FILE"],
    )
    return audit.AuditLog(engine, anchor)


def test_concurrent_views_share_commits_and_each_is_in_the_log_before_it_returns(
    logged: tuple[Engine, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, env = logged
    log = _log(env, engine)
    batches: list[int] = []
    real_many = audit.record_many

    def slow_many(conn: Connection, events: Any) -> int:  # a slow commit: views pile up behind it
        batches.append(len(events))
        time.sleep(0.02)
        return real_many(conn, events)

    monkeypatch.setattr(audit, "record_many", slow_many)
    start = threading.Barrier(20)
    missing_on_return: list[str] = []

    def views(n: int) -> None:  # a reviewer opening five items, one after the other
        start.wait()
        for k in range(5):
            target = f"item:ad-{n}-{k}"
            with log.view(f"rev{n:02d}", "item.view", target) as conn:
                conn.execute(select(rt.audit_head.c.seq)).one()  # the read the view is of
            with engine.connect() as conn:
                if conn.execute(select(E.c.seq).where(E.c.target == target)).first() is None:
                    missing_on_return.append(target)
            checkpoint = log.anchor.read()
            assert checkpoint is not None
            with engine.connect() as conn:
                seq = conn.execute(select(E.c.seq).where(E.c.target == target)).scalar_one()
            assert checkpoint.count >= seq  # anchored before the view returned

    with ThreadPoolExecutor(20) as pool:
        list(pool.map(views, range(20)))
    assert missing_on_return == []
    assert sum(batches) == 100
    assert len(batches) < 60  # shared: one commit per view would be 100
    with engine.connect() as conn:
        targets = [r.target for r in conn.execute(select(E.c.target).where(E.c.seq > 6))]
    assert sorted(targets) == sorted(f"item:ad-{n}-{k}" for n in range(20) for k in range(5))
    assert _verify(env)[0] == 0


def test_a_view_whose_commit_fails_raises_and_records_nothing(
    logged: tuple[Engine, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, env = logged
    log = _log(env, engine)
    real_many = audit.record_many

    def failing(conn: Connection, events: Any) -> int:
        real_many(conn, events)
        raise OSError("disk full")

    monkeypatch.setattr(audit, "record_many", failing)
    failed = pytest.raises(RuntimeError, match="audit event of this view was not recorded: disk full")
    with failed, log.view("ana", "item.view", "item:ad-x"):
        pass
    # a view that fails its read records nothing either
    with pytest.raises(LookupError), log.view("ana", "item.view", "item:ad-y"):
        raise LookupError("no item")
    monkeypatch.setattr(audit, "record_many", real_many)
    with log.view("ana", "item.view", "item:ad-z"):
        pass
    with engine.connect() as conn:
        assert [r.target for r in conn.execute(select(E.c.target).where(E.c.seq > 6))] == ["item:ad-z"]
    assert _verify(env) == (0, f"audit log intact: 7 entries, anchored by {log.anchor.path}\n")
