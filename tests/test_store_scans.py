"""Scans through the real store: one rule for repeated ids, rejects stored once, and scans at once.

Scans at once run as real `trailguard scan` processes on a real SQLite file and a real PostgreSQL database,
and their stored networks are compared with the same scans run one after the other.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select

from trailguard.demo.corpus import generate
from trailguard.ingest.identity import DUPLICATE_REASON
from trailguard.pipeline.local import ScanOptions, run_scan
from trailguard.settings import Settings
from trailguard.store import tables as tb
from trailguard.store.writer import Store


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def write_jsonl(path: Path, records: Sequence[dict[str, object]], bad: Sequence[bytes] = ()) -> None:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records) + b"".join(b + b"\n" for b in bad))


def settings_for(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'tg.db'}", workers=1)


def test_a_repeated_id_in_one_scan_keeps_the_first_record_everywhere(tmp_path: Path) -> None:
    # Before: the linker kept the first ad-1 (number ...0123, shared with ad-2) and the store the last
    # (...0199), so the stored network cited a number its stored item did not have.
    records: list[dict[str, object]] = [
        {"id": "ad-1", "text": "Sweet new friend downtown, text 617 555 0123"},
        {"id": "ad-2", "text": "Relaxing company tonight, call 617-555-0123"},
        {"id": "ad-1", "text": "Fresh face in town, call 617 555 0199"},
    ]
    src = tmp_path / "in.jsonl"
    write_jsonl(src, records)
    out = tmp_path / "o"
    result = run_scan([str(src)], settings_for(tmp_path), ScanOptions(out_dir=out))
    assert (result.read, result.assessed, result.rejected) == (3, 2, 1)
    [reject] = read_jsonl(out / "rejected.jsonl")
    assert (reject["id"], reject["line"], reject["reason"]) == ("ad-1", 3, DUPLICATE_REASON)
    assert "617 555 0199" in str(reject["raw"])
    assert [a["item_id"] for a in read_jsonl(out / "assessments.jsonl")] == ["ad-1", "ad-2"]

    store = Store(settings_for(tmp_path).database_url)
    with store.engine.connect() as conn:
        entities = conn.execute(select(tb.entities.c.item_id, tb.entities.c.type, tb.entities.c.value)).all()
        [network] = conn.execute(select(tb.networks.c.data)).scalars()
        rejects = conn.execute(select(tb.rejects.c.record_id, tb.rejects.c.reason)).all()
    phones = {(i, v) for i, t, v in entities if t == "phone"}
    assert phones == {("ad-1", "+16175550123"), ("ad-2", "+16175550123")}
    cited = {(i, r["value"]) for r in network["reasons"] for i in r["items"]}
    assert cited <= phones, "the stored network cites an identifier its stored items do not have"
    assert [tuple(r) for r in rejects] == [("ad-1", DUPLICATE_REASON)]


def test_scanning_a_file_again_stores_its_rejects_once(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    bad = [b"{oops %d" % n for n in range(100)]
    write_jsonl(src, [{"id": "ad-1", "text": "hello"}], bad)
    settings = settings_for(tmp_path)
    for n in range(2):
        result = run_scan([str(src)], settings, ScanOptions(out_dir=tmp_path / f"o{n}"))
        assert result.rejected == 100 and len(read_jsonl(tmp_path / f"o{n}" / "rejected.jsonl")) == 100
    store = Store(settings.database_url)
    with store.engine.connect() as conn:
        scans = list(conn.execute(select(tb.scans.c.id).order_by(tb.scans.c.id)).scalars())
        owners = list(conn.execute(select(tb.rejects.c.scan_id)).scalars())
    assert len(owners) == 100 and set(owners) == {scans[-1]}  # each row names the last scan that read it
    # A line that changes is a different record: the old one stays (it was read), the new one is added.
    write_jsonl(src, [{"id": "ad-1", "text": "hello"}], [b"{changed", *bad[1:]])
    run_scan([str(src)], settings, ScanOptions(out_dir=tmp_path / "o3"))
    assert store.count(tb.rejects) == 101


# --- scans at once -----------------------------------------------------------------------------------------


def two_halves(tmp_path: Path, n: int) -> list[Path]:
    """A synthetic corpus dealt alternately into two files, so that most planted networks span both."""
    items = generate(n, seed=11).items
    paths = [tmp_path / "left.jsonl", tmp_path / "right.jsonl"]
    for k, path in enumerate(paths):
        write_jsonl(path, items[k::2], bad=[b"{bad line %d" % k])
    return paths


def scan_processes(url: str, inputs: list[Path], out: Path, at_once: bool) -> list[str]:
    """Run `trailguard scan` on each input (all started together, or one after the other); their stderr."""
    env = {**os.environ, "TRAILGUARD_DATABASE_URL": url, "TRAILGUARD_WORKERS": "1"}
    cmds = [
        [sys.executable, "-m", "trailguard.cli", "scan", str(p), "--out", str(out / f"{k}-{p.stem}")]
        for k, p in enumerate(inputs)
    ]
    errors: list[str] = []
    if at_once:
        procs = [
            subprocess.Popen(c, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for c in cmds
        ]
        for p in procs:
            _, stderr = p.communicate(timeout=600)
            assert p.returncode == 0, stderr
            errors.append(stderr)
    else:
        for c in cmds:
            proc = subprocess.run(c, env=env, capture_output=True, text=True, timeout=600)
            assert proc.returncode == 0, proc.stderr
            errors.append(proc.stderr)
    return errors


def stored_state(url: str) -> tuple[set[frozenset[str]], int, int, list[str]]:
    """The stored partition (networks as sets of items), the item and reject counts, the scan statuses."""
    store = Store(url)
    members: dict[str, set[str]] = {}
    with store.engine.connect() as conn:
        for network_id, item_id in conn.execute(
            select(tb.network_items.c.network_id, tb.network_items.c.item_id)
        ):
            members.setdefault(network_id, set()).add(item_id)
        statuses = list(conn.execute(select(tb.scans.c.status)).scalars())
    state = (
        {frozenset(m) for m in members.values()},
        store.count(tb.items),
        store.count(tb.rejects),
        statuses,
    )
    store.engine.dispose()
    return state


def check_at_once_equals_one_after_the_other(tmp_path: Path, urls: Callable[[], str]) -> None:
    """Two scans started together store what the same two scans store one after the other (in the order
    they reached the relink: either, since both start at once). Linking over different sets of items can
    draw boundaries differently (templates, hubs), so the two orders may differ from each other; the
    scans at once must equal one of them exactly, and store every item, reject and scan."""
    inputs = two_halves(tmp_path, 1000)
    together = urls()
    errors = scan_processes(together, inputs, tmp_path / "at-once", at_once=True)
    orders = []
    for order in (inputs, inputs[::-1]):
        url = urls()
        scan_processes(url, order, tmp_path / "sequential", at_once=False)
        orders.append(stored_state(url))
    assert not [e for e in errors if "not stored" in e or "Traceback" in e], errors
    state = stored_state(together)
    assert state[1:] == (1000, 2, ["finished", "finished"])
    assert len(state[0]) > 10, "the corpus should have networks spanning both files"
    assert state in orders


@pytest.mark.slow
def test_two_scans_at_once_into_sqlite_store_what_they_store_one_after_the_other(tmp_path: Path) -> None:
    names = iter(range(3))
    check_at_once_equals_one_after_the_other(tmp_path, lambda: f"sqlite:///{tmp_path}/tg{next(names)}.db")


@pytest.mark.slow
@pytest.mark.postgres
def test_two_scans_at_once_into_a_new_postgres_database(
    tmp_path: Path, new_postgres_database: Callable[[], str]
) -> None:
    # On an empty database both create the schema at once, then both write networks with the same ids.
    check_at_once_equals_one_after_the_other(tmp_path, new_postgres_database)


@pytest.mark.slow
@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_one_file_scanned_twice_at_once_stores_what_one_scan_stores(
    tmp_path: Path, db: str, request: pytest.FixtureRequest
) -> None:
    # With the schema in place, both scans compute the same networks (the same ids): before, both inserted
    # them and one died on the networks primary key, leaving its scan "running".
    left, right = two_halves(tmp_path, 1000)
    both = tmp_path / "both.jsonl"
    both.write_bytes(left.read_bytes() + right.read_bytes())
    if db == "sqlite":
        urls = [f"sqlite:///{tmp_path}/twice.db", f"sqlite:///{tmp_path}/once.db"]
    else:
        make: Callable[[], str] = request.getfixturevalue("new_postgres_database")
        urls = [make(), make()]
    Store(urls[0]).engine.dispose()  # the schema in place
    errors = scan_processes(urls[0], [both, both], tmp_path / "twice", at_once=True)
    scan_processes(urls[1], [both], tmp_path / "once", at_once=False)
    assert not [e for e in errors if "not stored" in e or "Traceback" in e], errors
    twice, once = stored_state(urls[0]), stored_state(urls[1])
    assert twice[1:] == (1000, 2, ["finished", "finished"])
    assert twice[0] == once[0] and len(once[0]) > 10
