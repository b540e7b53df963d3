"""The main job end to end: `trailguard scan` on real files, through the real store, in real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from trailguard.demo.corpus import generate
from trailguard.pipeline.local import ScanOptions, run_scan
from trailguard.settings import Settings
from trailguard.store import tables as tb
from trailguard.store.writer import Store

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'

GOOD = [
    {
        "id": "ad-1",
        "kind": "ad",
        "text": "Sweet young new girl, 100% real pics. Incall only. Text six1seven 555 o1two3",
        "location": "Boston, MA",
        "posted_at": "2024-05-01T10:00:00Z",
    },
    {"id": "ad-2", "kind": "ad", "text": "Licensed massage therapist, clinic hours 9-5. Call 617-555-0188."},
    {
        "id": "job-1",
        "kind": "job",
        "title": "Waitress abroad",
        "text": "Waitress needed in Dubai, flights and visa paid, no experience. Contact only on WhatsApp.",
    },
    {"id": HOSTILE, "kind": "post", "text": f"hello {HOSTILE} call 617 555 0123"},
]
BAD_LINES = [
    b"{not json",
    b"[1, 2, 3]",
    b'{"kind": "ad", "text": "no id"}',
    b'{"id": "x1", "text": 5}',
    b'{"id": "x2", "text": "bad utf8 \xff\xfe"}',
    b"[" * 5000 + b"]" * 5000,
]


def write_input(path: Path, records: list[dict[str, object]], bad: list[bytes] = BAD_LINES) -> None:
    lines = [orjson.dumps(r) for r in records] + bad
    path.write_bytes(b"\n".join(lines) + b"\n")


def settings_for(tmp_path: Path, workers: int = 1) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'tg.db'}", workers=workers)


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


@pytest.mark.parametrize("workers", [1, 2])
def test_scan_writes_every_output_and_counts_add_up(tmp_path: Path, workers: int) -> None:
    src = tmp_path / "in.jsonl"
    write_input(src, GOOD)
    out = tmp_path / "out"
    result = run_scan([str(src)], settings_for(tmp_path, workers), ScanOptions(out_dir=out))

    assert (result.read, result.assessed, result.rejected) == (10, 4, 6)
    assessments = {a["item_id"]: a for a in read_jsonl(out / "assessments.jsonl")}
    rejected = read_jsonl(out / "rejected.jsonl")
    assert set(assessments) == {"ad-1", "ad-2", "job-1", HOSTILE}
    assert len(rejected) == 6
    assert sorted(r["line"] for r in rejected) == [5, 6, 7, 8, 9, 10]
    assert all(r["source"] == str(src) and r["reason"] for r in rejected)

    risky = assessments["ad-1"]
    assert risky["band"] in ("high", "critical")
    fired = {h["indicator"] for h in risky["hits"]}
    assert {"ads.obscured_phone", "ads.trust_language", "ads.restricted_movement"} <= fired
    phone = next(e for e in risky["entities"] if e["type"] == "phone")
    assert (phone["value"], phone["obfuscated"]) == ("+16175550123", True)
    assert assessments["ad-2"]["band"] == "low"
    assert {h["indicator"] for h in assessments["job-1"]["hits"]} >= {"jobs.travel_paid_abroad"}

    networks = orjson.loads((out / "networks.json").read_bytes())
    shared = [n for n in networks if set(n["items"]) == {"ad-1", HOSTILE}]
    assert shared and shared[0]["reasons"][0]["value"] == "+16175550123"

    html = (out / "report.html").read_text()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html

    store = Store(settings_for(tmp_path).database_url)
    assert store.count(tb.items) == 4
    assert store.count(tb.rejects) == 6


def test_rescan_updates_instead_of_duplicating(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    write_input(src, GOOD, bad=[])
    settings = settings_for(tmp_path)
    run_scan([str(src)], settings, ScanOptions(out_dir=tmp_path / "o1"))
    edited = [dict(GOOD[1], text="Licensed massage therapist. Now also evenings.")]
    write_input(src, GOOD[:1] + edited + GOOD[2:], bad=[])
    run_scan([str(src)], settings, ScanOptions(out_dir=tmp_path / "o2"))
    store = Store(settings.database_url)
    assert store.count(tb.items) == 4
    assert store.count(tb.assessments) == 4
    with store.engine.connect() as conn:
        data = conn.execute(select(tb.items.c.data).where(tb.items.c.id == "ad-2")).scalar_one()
        assert "evenings" in data["text"]
        assert conn.execute(select(func.count()).select_from(tb.scans)).scalar_one() == 2


def test_nothing_readable_exits_non_zero_and_partial_input_exits_zero(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"{oops\n[1]\n")
    env = {
        **os.environ,
        "TRAILGUARD_DATABASE_URL": f"sqlite:///{tmp_path / 'tg.db'}",
        "TRAILGUARD_WORKERS": "1",
    }
    cmd = [sys.executable, "-m", "trailguard.cli", "scan", str(bad), "--out", str(tmp_path / "o")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert len(read_jsonl(tmp_path / "o" / "rejected.jsonl")) == 2

    good = tmp_path / "good.jsonl"
    write_input(good, GOOD[:2])
    proc = subprocess.run(
        [*cmd[:4], str(good), *cmd[5:]], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert "assessed" in proc.stdout


def test_stdin_input(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TRAILGUARD_DATABASE_URL": f"sqlite:///{tmp_path / 'tg.db'}",
        "TRAILGUARD_WORKERS": "1",
    }
    data = b"\n".join(orjson.dumps(r) for r in GOOD[:2]) + b"\n"
    proc = subprocess.run(
        [sys.executable, "-m", "trailguard.cli", "scan", "-", "--out", str(tmp_path / "o")],
        input=data,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert {a["item_id"] for a in read_jsonl(tmp_path / "o" / "assessments.jsonl")} == {"ad-1", "ad-2"}


@pytest.mark.slow
def test_scan_killed_part_way_and_restarted_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    corpus = generate(6000, seed=3)
    src = tmp_path / "big.jsonl"
    src.write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in corpus.items))
    db = tmp_path / "tg.db"
    env = {**os.environ, "TRAILGUARD_DATABASE_URL": f"sqlite:///{db}", "TRAILGUARD_WORKERS": "1"}
    cmd = [sys.executable, "-m", "trailguard.cli", "scan", str(src), "--out", str(tmp_path / "o")]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = Store(f"sqlite:///{db}")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and store.count(tb.items) < 1000:
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = store.count(tb.items)
    assert 0 < partial < 6000, "the scan should have been killed part-way"
    assert not (tmp_path / "o" / "assessments.jsonl").exists()  # no half-written output under the real name

    proc2 = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc2.returncode == 0, proc2.stderr
    assert store.count(tb.items) == 6000
    assert store.count(tb.assessments) == 6000
    assert len(read_jsonl(tmp_path / "o" / "assessments.jsonl")) == 6000


def test_scan_hashes_item_images_matches_banks_and_links_shared_pictures(tmp_path: Path) -> None:
    from media_images import encode, scene
    from trailguard.cli.scan import _load_index
    from trailguard.media.hashing import hash_file
    from trailguard.store.banks import NewEntry, add_entries, create_bank

    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "known.png").write_bytes(encode(scene(40)))
    (tmp_path / "img" / "shared.png").write_bytes(encode(scene(41)))
    (tmp_path / "img" / "shared-copy.jpg").write_bytes(encode(scene(41), "JPEG", quality=70))
    (tmp_path / "img" / "clip.heic").write_bytes(b"\x00\x00\x00\x18ftypheic not decodable here")
    records = [
        {"id": "ad-h", "text": "Short clip", "images": ["img/clip.heic"]},
        {"id": "ad-k", "text": "Relaxing spa day", "images": ["img/known.png"]},
        {"id": "ad-s1", "text": "Friendly company", "images": ["img/shared.png"]},
        {"id": "ad-s2", "text": "Different words here", "images": ["img/shared-copy.jpg"]},
        {"id": "ad-x", "text": "Escape attempt", "images": ["../outside.png", "/etc/passwd"]},
    ]
    src = tmp_path / "in.jsonl"
    write_input(src, records, bad=[])
    settings = settings_for(tmp_path)
    store = Store(settings.database_url)
    create_bank(store.engine, "known-test", "known", source="test fixture", created_by="tester")
    known = hash_file(tmp_path / "img" / "known.png", settings)
    report = add_entries(
        store.engine,
        "known-test",
        [NewEntry("pdq", known.pdq or "", known.quality, "test label")],
        added_by="t",
    )
    assert report.added == 1
    undecodable = hash_file(tmp_path / "img" / "clip.heic", settings)
    assert undecodable.pdq is None and undecodable.md5
    add_entries(store.engine, "known-test", [NewEntry("md5", undecodable.md5, None, "clip")], added_by="t")

    result = run_scan([str(src)], settings, ScanOptions(out_dir=tmp_path / "o"), index=_load_index(settings))
    assessments = {a["item_id"]: a for a in read_jsonl(tmp_path / "o" / "assessments.jsonl")}
    hit = next(h for h in assessments["ad-k"]["hits"] if h["indicator"] == "media.known_image_match")
    assert assessments["ad-k"]["band"] == "critical"
    assert "known-test" in hit["explanation"] or "known-test" in hit["source"]
    assert assessments["ad-s1"]["band"] == "low"
    # A file Pillow cannot decode still matches the bank by its MD5.
    assert assessments["ad-h"]["band"] == "critical"
    escaped = assessments["ad-x"]["images"]
    assert len(escaped) == 2 and all(i.get("error") and not i.get("pdq") for i in escaped)
    [network] = [n for n in result.networks if "ad-s1" in n.items]
    assert network.items == ["ad-s1", "ad-s2"]
    assert [r.kind for r in network.reasons] == ["shared_image"]


def test_no_store_scan_still_matches_the_banks_and_writes_no_items(tmp_path: Path) -> None:
    from media_images import encode, scene
    from trailguard.media.hashing import hash_file
    from trailguard.store.banks import NewEntry, add_entries, create_bank

    (tmp_path / "known.png").write_bytes(encode(scene(40)))
    src = tmp_path / "in.jsonl"
    write_input(src, [{"id": "ad-k", "text": "Relaxing spa day", "images": ["known.png"]}], bad=[])
    settings = settings_for(tmp_path)
    store = Store(settings.database_url)
    create_bank(store.engine, "known-test", "known", source="test fixture", created_by="tester")
    known = hash_file(tmp_path / "known.png", settings)
    add_entries(
        store.engine, "known-test", [NewEntry("pdq", known.pdq or "", known.quality, "x")], added_by="t"
    )
    env = {**os.environ, "TRAILGUARD_DATABASE_URL": settings.database_url, "TRAILGUARD_WORKERS": "1"}
    cmd = [
        sys.executable,
        "-m",
        "trailguard.cli",
        "scan",
        str(src),
        "--out",
        str(tmp_path / "o"),
        "--no-store",
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    [a] = read_jsonl(tmp_path / "o" / "assessments.jsonl")
    assert a["band"] == "critical"
    assert "media.known_image_match" in {h["indicator"] for h in a["hits"]}  # type: ignore[union-attr, index]
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tb.items)).scalar_one() == 0

    # With no database file at all, --no-store does not create one.
    env["TRAILGUARD_DATABASE_URL"] = f"sqlite:///{tmp_path / 'absent.db'}"
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "absent.db").exists()
