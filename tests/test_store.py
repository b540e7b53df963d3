"""The store on SQLite and on a real PostgreSQL server: upserts, no duplicates on re-scan."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from trailguard.model import Assessment, Entity, Hit, Item, LinkReason, Network, Reject, SourceRef, Span
from trailguard.store import tables as tb
from trailguard.store.writer import Reach, Store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tg.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    s = Store(url)
    yield s
    s.engine.dispose()


def pair(
    item_id: str, score: float, phone: str = "+16175550123", text_: str = "call six1seven"
) -> tuple[Item, Assessment]:
    item = Item(id=item_id, kind="ad", text=text_, location="Boston, MA", source=SourceRef("in.jsonl", 3))
    a = Assessment(
        item_id=item_id,
        kind="ad",
        entities=[Entity("phone", phone, "six1seven", 5, 14, True)],
        hits=[Hit("ads.obscured_phone", "deception", 0.35, "A", [Span(5, 14, "six1seven")], "why", "src")],
        score=score,
        band="medium" if score >= 0.3 else "low",
        text=text_,
    )
    return item, a


def test_rescan_updates_rows_without_duplicates(store: Store) -> None:
    first = store.start_scan(["in.jsonl"])
    store.save_assessed(first, [pair("ad-1", 0.35), pair("ad-2", 0.1)])
    second = store.start_scan(["in.jsonl"])
    store.save_assessed(second, [pair("ad-1", 0.5, phone="+16175550199", text_="edited")])
    assert store.count(tb.items) == 2
    assert store.count(tb.assessments) == 2
    assert store.count(tb.entities) == 2
    with store.engine.connect() as conn:
        row = conn.execute(select(tb.items).where(tb.items.c.id == "ad-1")).one()
        assert (row.first_scan_id, row.last_scan_id) == (first, second)
        assert row.data["text"] == "edited"
        score = conn.execute(
            select(tb.assessments.c.score).where(tb.assessments.c.item_id == "ad-1")
        ).scalar_one()
        assert score == 0.5
        values = conn.execute(
            select(tb.entities.c.value).where(tb.entities.c.type == "phone").order_by(tb.entities.c.value)
        ).scalars()
        assert list(values) == ["+16175550123", "+16175550199"]


def test_duplicate_ids_in_one_batch_keep_the_first(store: Store) -> None:
    # The same rule as the scan's (ingest.identity) and the link stage's: the first record of an id wins.
    scan = store.start_scan(["x"])
    store.save_assessed(scan, [pair("ad-1", 0.1), pair("ad-1", 0.6, phone="+16175550199")])
    assert store.count(tb.assessments) == 1
    with store.engine.connect() as conn:
        assert conn.execute(select(tb.assessments.c.score)).scalar_one() == 0.1
        assert conn.execute(select(tb.entities.c.value)).scalar_one() == "+16175550123"


def test_rejects_networks_and_scan_counts(store: Store) -> None:
    scan = store.start_scan(["bad.jsonl"])
    store.save_rejects(scan, [Reject(SourceRef("bad.jsonl", 7), "invalid JSON: x", None, "{oops")])
    store.save_assessed(scan, [pair("ad-1", 0.3), pair("ad-2", 0.3)])
    net = Network("n1", ["ad-1", "ad-2"], [LinkReason("shared_phone", "+16175550123", ["ad-1", "ad-2"])])
    store.save_networks(scan, [net])
    store.save_networks(scan, [net])  # idempotent
    store.finish_scan(scan, read=3, assessed=2, rejected=1)
    assert store.count(tb.network_items) == 2
    with store.engine.connect() as conn:
        row = conn.execute(select(tb.scans).where(tb.scans.c.id == scan)).one()
        assert (row.read, row.assessed, row.rejected, row.status) == (3, 2, 1, "finished")
        rej = conn.execute(select(tb.rejects)).one()
        assert (rej.source, rej.line, rej.reason) == ("bad.jsonl", 7, "invalid JSON: x")


def test_large_batch_is_chunked(store: Store) -> None:
    scan = store.start_scan(["big"])
    store.save_assessed(scan, [pair(f"ad-{i}", 0.1) for i in range(1200)])
    assert store.count(tb.items) == 1200
    assert store.count(tb.hits) == 1200


def test_rescan_replaces_superseded_networks(store: Store) -> None:
    first = store.start_scan(["in.jsonl"])
    store.save_assessed(first, [pair("ad-1", 0.3), pair("ad-2", 0.3), pair("ad-3", 0.3)])
    old = Network("n-old", ["ad-1", "ad-2", "ad-3"], [LinkReason("shared_phone", "+16175550123")])
    store.save_networks(first, [old])
    # Re-scanned, ad-3 no longer shares the number: the old three-item network must not linger.
    second = store.start_scan(["in.jsonl"])
    store.save_assessed(
        second, [pair("ad-1", 0.3), pair("ad-2", 0.3), pair("ad-3", 0.3, phone="+16175550199")]
    )
    new = Network("n-new", ["ad-1", "ad-2"], [LinkReason("shared_phone", "+16175550123")])
    store.save_networks(second, [new])
    with store.engine.connect() as conn:
        assert list(conn.execute(select(tb.networks.c.id)).scalars()) == ["n-new"]
        members = conn.execute(select(tb.network_items.c.item_id).order_by(tb.network_items.c.item_id))
        assert list(members.scalars()) == ["ad-1", "ad-2"]


def test_partial_rescan_keeps_networks_that_reach_items_it_did_not_read(store: Store) -> None:
    first = store.start_scan(["ab.jsonl"])
    store.save_assessed(first, [pair("ad-a", 0.3), pair("ad-b", 0.3)])
    store.save_networks(
        first, [Network("n-ab", ["ad-a", "ad-b"], [LinkReason("shared_phone", "+16175550123")])]
    )
    second = store.start_scan(["a.jsonl"])  # only ad-a is read again: alone, it links to nothing
    store.save_assessed(second, [pair("ad-a", 0.3)])
    store.save_networks(second, [])
    with store.engine.connect() as conn:
        assert list(conn.execute(select(tb.networks.c.id)).scalars()) == ["n-ab"]
        assert store.count(tb.network_items) == 2


def test_rejected_records_with_nul_are_stored(store: Store) -> None:
    scan = store.start_scan(["x"])
    store.save_rejects(scan, [Reject(SourceRef("x", 1), "invalid JSON: y", "id\x00", '{"id": "\x00')])
    with store.engine.connect() as conn:
        row = conn.execute(select(tb.rejects)).one()
        assert (row.record_id, row.raw) == ("id\ufffd", '{"id": "\ufffd')


def test_finishing_a_scan_aborts_unfinished_scans_of_the_same_inputs_and_drops_their_rejects(
    store: Store,
) -> None:
    def rejects(scan: int) -> None:
        store.save_rejects(scan, [Reject(SourceRef("in.jsonl", n), "invalid JSON: x") for n in (2, 5)])

    other = store.start_scan(["other.jsonl"])  # still running, different inputs: left alone
    store.save_rejects(other, [Reject(SourceRef("other.jsonl", n), "invalid JSON: x") for n in (2, 5)])
    killed = store.start_scan(["in.jsonl"])
    rejects(killed)  # then the process was killed: never finished
    with store.engine.begin() as conn:  # a run of an older version, with no record of who ran it
        conn.execute(tb.scan_runs.delete().where(tb.scan_runs.c.scan_id == killed))
    restarted = store.start_scan(["in.jsonl"])
    rejects(restarted)
    store.finish_scan(restarted, read=7, assessed=5, rejected=2)
    with store.engine.connect() as conn:
        statuses = {r.id: r.status for r in conn.execute(select(tb.scans.c.id, tb.scans.c.status))}
        per_scan = conn.execute(
            select(tb.rejects.c.scan_id, func.count().label("n")).group_by(tb.rejects.c.scan_id)
        )
        counts = {r.scan_id: r.n for r in per_scan}
    assert statuses == {other: "running", killed: "aborted", restarted: "finished"}
    assert counts == {other: 2, restarted: 2}


def test_no_item_is_ever_in_two_stored_networks(store: Store) -> None:
    reason = [LinkReason("shared_phone", "+16175550123")]
    first = store.start_scan(["abc.jsonl"])
    store.save_assessed(first, [pair("ad-a", 0.3), pair("ad-b", 0.3), pair("ad-c", 0.3)])
    store.save_networks(first, [Network("n-abc", ["ad-a", "ad-b", "ad-c"], reason)])

    # A partial re-scan of ad-a and ad-b, linked without ad-c: the new network would overlap the kept one.
    second = store.start_scan(["ab.jsonl"])
    store.save_assessed(second, [pair("ad-a", 0.3), pair("ad-b", 0.3), pair("ad-d", 0.3)])
    stored = store.save_networks(
        second,
        [Network("n-ab", ["ad-a", "ad-b"], reason), Network("n-d", ["ad-d", "ad-x"], reason)],
    )
    assert [n.id for n in stored] == ["n-d"]
    assert store_networks(store) == {"n-abc": ["ad-a", "ad-b", "ad-c"], "n-d": ["ad-d", "ad-x"]}

    # Linked again together with the kept network's other item (as the pipeline does): it is replaced.
    third = store.start_scan(["ab.jsonl"])
    store.save_assessed(
        third, [pair("ad-a", 0.3, phone="+16175550150"), pair("ad-b", 0.3, phone="+16175550150")]
    )
    # ad-c comes with its network; ad-d shares ad-c's number (so a full relink would join them), ad-x with ad-d's
    assert store.outside_members(third, {"phone"}).items == ["ad-c", "ad-d", "ad-x"]
    store.save_networks(third, [Network("n-abc2", ["ad-a", "ad-b", "ad-c"], reason)], relinked=["ad-c"])
    assert store_networks(store) == {"n-abc2": ["ad-a", "ad-b", "ad-c"], "n-d": ["ad-d", "ad-x"]}
    [reloaded] = store.load_assessments(["ad-c", "ad-unknown"])
    assert reloaded.item_id == "ad-c" and reloaded.entities[0].value == "+16175550123"


def test_a_new_item_reaches_the_stored_items_and_networks_sharing_its_identifiers(store: Store) -> None:
    first = store.start_scan(["day1.jsonl"])
    store.save_assessed(
        first, [pair("ad-a", 0.3), pair("ad-b", 0.3), pair("ad-q", 0.3, phone="+16175550177")]
    )
    store.save_networks(
        first, [Network("n-ab", ["ad-a", "ad-b"], [LinkReason("shared_phone", "+16175550123")])]
    )
    lone = store.start_scan(["day0.jsonl"])
    store.save_assessed(lone, [pair("ad-z", 0.3, phone="+16175550188")])
    second = store.start_scan(["day2.jsonl"])
    store.save_assessed(second, [pair("ad-new", 0.3), pair("ad-r", 0.3, phone="+16175550177")])
    # ad-new shares the network's number (both members come, with the network); ad-r shares ad-q's number
    # (ad-q is in no network, it still comes); ad-z shares nothing.
    assert store.outside_members(second, {"phone"}) == Reach(["ad-a", "ad-b", "ad-q"], [])
    assert store.outside_members(second, {"email"}) == Reach([], [])
    # A number on more stored items than max_sharing is not followed, and is named so it never merges.
    assert store.outside_members(second, {"phone"}, max_sharing=1) == Reach(["ad-q"], ["phone:+16175550123"])


def test_reach_follows_identifiers_through_items_linked_by_no_earlier_scan(store: Store) -> None:
    # Day 1: a1 alone. Day 2 (linked): a2 shares a1's number. Day 3 (--no-link): c1 has a1's number and
    # another. Day 4: d1 has c1's other number: the full picture is one group {a1, a2, c1, d1}.
    reason = [LinkReason("shared_phone", "+16175550111")]
    day1 = store.start_scan(["d1.jsonl"])
    store.save_assessed(day1, [pair("a1", 0.3, phone="+16175550111")])
    day2 = store.start_scan(["d2.jsonl"])
    store.save_assessed(day2, [pair("a2", 0.3, phone="+16175550111")])
    store.save_networks(day2, [Network("n-a", ["a1", "a2"], reason)])
    day3 = store.start_scan(["d3.jsonl"])
    item, a = pair("c1", 0.3, phone="+16175550111")
    a.entities.append(Entity("phone", "+16175550144", "617 555 0144", 20, 32))
    store.save_assessed(day3, [(item, a)])
    day4 = store.start_scan(["d4.jsonl"])
    store.save_assessed(day4, [pair("d1", 0.3, phone="+16175550144")])
    assert store.outside_members(day4, {"phone"}).items == ["a1", "a2", "c1"]
    assert store.outside_members(day4, {"phone"}, max_items=0).items == ["c1"]  # stops after the first round


def test_a_run_still_at_work_is_not_aborted(store: Store) -> None:
    import os
    import subprocess
    import sys
    from datetime import UTC, datetime, timedelta

    def rejects(scan: int) -> None:  # each run has its own bad line (the file changed between runs)
        store.save_rejects(scan, [Reject(SourceRef("in.jsonl", scan), "invalid JSON: x")])

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(gone.stdout)
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    live = store.start_scan(["in.jsonl"])  # another process on this machine, at work
    elsewhere = store.start_scan(["in.jsonl"])  # another machine, heard from a minute ago
    silent = store.start_scan(["in.jsonl"])  # another machine, silent for two hours
    killed = store.start_scan(["in.jsonl"])  # this machine, its process gone
    died_here = store.start_scan(["in.jsonl"])  # this very process: it died in it (an exception)
    for scan in (live, elsewhere, silent, killed, died_here):
        rejects(scan)
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        runs = tb.scan_runs
        conn.execute(runs.update().where(runs.c.scan_id == live).values(pid=worker.pid))
        conn.execute(
            runs.update()
            .where(runs.c.scan_id == elsewhere)
            .values(host="other", seen_at=now - timedelta(minutes=1))
        )
        conn.execute(
            runs.update()
            .where(runs.c.scan_id == silent)
            .values(host="other", seen_at=now - timedelta(hours=2))
        )
        conn.execute(runs.update().where(runs.c.scan_id == killed).values(pid=dead_pid))
    assert dead_pid != os.getpid()
    restarted = store.start_scan(["in.jsonl"])
    rejects(restarted)
    try:
        store.finish_scan(restarted, read=3, assessed=2, rejected=1)
    finally:
        worker.kill()
        worker.wait()
    with store.engine.connect() as conn:
        statuses = {r.id: r.status for r in conn.execute(select(tb.scans.c.id, tb.scans.c.status))}
        owners = set(conn.execute(select(tb.rejects.c.scan_id)).scalars())
    assert statuses == {
        live: "running",
        elsewhere: "running",
        silent: "aborted",
        killed: "aborted",
        died_here: "aborted",
        restarted: "finished",
    }
    assert owners == {live, elsewhere, restarted}


def store_networks(store: Store) -> dict[str, list[str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(tb.network_items.c.network_id, tb.network_items.c.item_id).order_by(
                tb.network_items.c.network_id, tb.network_items.c.item_id
            )
        )
        members: dict[str, list[str]] = {}
        for row in rows:
            members.setdefault(row.network_id, []).append(row.item_id)
    return members
