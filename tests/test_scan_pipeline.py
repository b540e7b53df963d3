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
    assert orjson.loads((out / "hubs.json").read_bytes()) == []  # two posters sharing a number: no hub

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
    # Every third record is bad, so the killed scan has saved rejects (they are written 200 at a time).
    records = [orjson.dumps(d) + b"\n" for d in corpus.items]
    src.write_bytes(b"".join(r + (b"{oops\n" if n % 3 == 0 else b"") for n, r in enumerate(records)))
    db = tmp_path / "tg.db"
    env = {**os.environ, "TRAILGUARD_DATABASE_URL": f"sqlite:///{db}", "TRAILGUARD_WORKERS": "1"}
    cmd = [sys.executable, "-m", "trailguard.cli", "scan", str(src), "--out", str(tmp_path / "o")]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = Store(f"sqlite:///{db}")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (store.count(tb.items) < 1000 or store.count(tb.rejects) == 0):
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = store.count(tb.items)
    assert 0 < partial < 6000, "the scan should have been killed part-way"
    assert 0 < store.count(tb.rejects) < 2000
    assert not (tmp_path / "o" / "assessments.jsonl").exists()  # no half-written output under the real name

    proc2 = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc2.returncode == 0, proc2.stderr
    assert store.count(tb.items) == 6000
    assert store.count(tb.assessments) == 6000
    assert len(read_jsonl(tmp_path / "o" / "assessments.jsonl")) == 6000
    # The same reject rows as one clean scan, all the restarted scan's; the killed scan is marked aborted.
    assert len(read_jsonl(tmp_path / "o" / "rejected.jsonl")) == 2000
    with store.engine.connect() as conn:
        scans = conn.execute(select(tb.scans.c.id, tb.scans.c.status).order_by(tb.scans.c.id)).all()
        assert [row.status for row in scans] == ["aborted", "finished"]
        owners = conn.execute(select(tb.rejects.c.scan_id, tb.rejects.c.line)).all()
    assert len(owners) == 2000 and {row.scan_id for row in owners} == {scans[1].id}
    assert len({row.line for row in owners}) == 2000


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


def test_file_names_that_are_not_utf8_reach_every_output(tmp_path: Path) -> None:
    inbox = os.fsencode(tmp_path / "inbox")
    os.mkdir(inbox)
    with open(os.path.join(inbox, b"ad\xff.jsonl"), "wb") as fh:
        fh.write(orjson.dumps(GOOD[0]) + b"\n{oops\n")
    settings = settings_for(tmp_path)
    for n, entry in enumerate([os.fsdecode(inbox), os.fsdecode(os.path.join(inbox, b"ad\xff.jsonl"))]):
        result = run_scan([entry], settings, ScanOptions(out_dir=tmp_path / f"o{n}"))
        assert (result.read, result.assessed, result.rejected) == (2, 1, 1)
        [reject] = read_jsonl(tmp_path / f"o{n}" / "rejected.jsonl")
        assert reject["source"] == os.fsdecode(inbox) + "/ad\\xff.jsonl"
    store = Store(settings.database_url)
    with store.engine.connect() as conn:
        assert set(conn.execute(select(tb.items.c.source_file)).scalars()) == {reject["source"]}
        inputs = list(conn.execute(select(tb.scans.c.inputs).order_by(tb.scans.c.id)).scalars())
        assert inputs[1] == [reject["source"]]


def test_csv_mapping_to_an_unknown_field_fails_before_anything_is_written(tmp_path: Path) -> None:
    src = tmp_path / "ads.csv"
    src.write_text("ad_id,body\nad-1,hello\n")
    settings = settings_for(tmp_path)
    Store(settings.database_url)  # an existing database, to see that no scan row is left `running`
    out = tmp_path / "o"
    with pytest.raises(ValueError, match="'txet' are not Item fields"):
        run_scan([str(src)], settings, ScanOptions(out_dir=out, csv_mapping={"body": "txet"}))
    assert not out.exists()
    assert Store(settings.database_url).count(tb.scans) == 0


def test_report_limit_zero_lists_no_items(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    write_input(src, GOOD, bad=[])
    result = run_scan([str(src)], settings_for(tmp_path), ScanOptions(out_dir=tmp_path / "o", report_limit=0))
    assert result.assessed == 4 and result.top == []
    assert (tmp_path / "o" / "report.html").is_file()


def stored_networks(store: Store) -> dict[str, set[str]]:
    members: dict[str, set[str]] = {}
    with store.engine.connect() as conn:
        for row in conn.execute(select(tb.network_items.c.network_id, tb.network_items.c.item_id)):
            members.setdefault(row.network_id, set()).add(row.item_id)
    return members


def test_rescan_without_linking_keeps_the_stored_networks(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    write_input(src, GOOD, bad=[])
    settings = settings_for(tmp_path)
    run_scan([str(src)], settings, ScanOptions(out_dir=tmp_path / "o1"))
    store = Store(settings.database_url)
    before = stored_networks(store)
    assert {"ad-1", HOSTILE} in before.values()
    run_scan([str(src)], settings, ScanOptions(out_dir=tmp_path / "o2", link=False))
    assert stored_networks(store) == before


def test_partial_rescan_keeps_each_item_in_one_stored_network(tmp_path: Path) -> None:
    corpus = generate(400, seed=3)
    lines = [orjson.dumps(d) + b"\n" for d in corpus.items]
    whole, half = tmp_path / "all.jsonl", tmp_path / "half.jsonl"
    whole.write_bytes(b"".join(lines))
    half.write_bytes(b"".join(lines[:200]))
    settings = settings_for(tmp_path)
    first = run_scan([str(whole)], settings, ScanOptions(out_dir=tmp_path / "o1"))
    store = Store(settings.database_url)
    full = stored_networks(store)
    half_ids = {d["id"] for d in corpus.items[:200]}
    reaching = [m for m in full.values() if m & half_ids and m - half_ids]
    assert len(first.networks) == len(full) >= 3 and reaching, "the corpus should have networks across halves"

    second = run_scan([str(half)], settings, ScanOptions(out_dir=tmp_path / "o2"))
    after = stored_networks(store)
    members = [i for m in after.values() for i in m]
    assert len(members) == len(set(members)), "an item is in two stored networks"
    # Networks the re-scan did not touch are kept as they were; those it touched were linked again whole.
    untouched = {nid: m for nid, m in full.items() if not m & half_ids}
    assert {nid: after[nid] for nid in untouched} == untouched
    relinked = {nid: m for nid, m in after.items() if nid not in untouched}
    assert relinked
    assert any(m - half_ids for m in relinked.values()), "links to items not re-read were lost"
    # networks.json describes the scan's own items only.
    assert all(set(n.items) <= half_ids for n in second.networks)


def test_skipped_and_unrecognised_files_are_counted(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_input(inbox / "ads.jsonl", GOOD[:2], bad=[])
    (inbox / "export.json").write_text('{\n  "items": [{"id": "lost-1", "text": "x"}]\n}\n')
    (inbox / "photo.png").write_bytes(b"\x89PNG not really")
    result = run_scan([str(inbox)], settings_for(tmp_path), ScanOptions(out_dir=tmp_path / "o"))
    assert (result.read, result.assessed, result.rejected) == (3, 2, 1)
    [reject] = read_jsonl(tmp_path / "o" / "rejected.jsonl")
    assert (reject["source"], reject["line"]) == (str(inbox / "export.json"), 0)
    assert (result.skipped, result.skipped_files) == (1, [str(inbox / "photo.png")])


def cli(tmp_path: Path, args: list[str], **env: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from trailguard.cli import app

    full_env = {
        "TRAILGUARD_DATABASE_URL": f"sqlite:///{tmp_path / 'tg.db'}",
        "TRAILGUARD_WORKERS": "1",
        **env,
    }
    outcome = CliRunner().invoke(app, args, env=full_env)
    return outcome.exit_code, outcome.output


def test_cli_usage_errors_exit_2_without_a_traceback(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    write_input(src, GOOD[:1], bad=[])
    scan = ["scan", str(src), "--out", str(tmp_path / "o")]
    cases = [
        (scan, {"TRAILGUARD_MAX_RECORD_BYTES": "abc"}, "TRAILGUARD_MAX_RECORD_BYTES must be an integer"),
        (["scan", str(src), "--out", str(src)], {}, "is a file"),
        (["scan", str(src), "--out", str(src / "sub")], {}, f"--out {src / 'sub'}: Not a directory"),
        ([*scan, "--csv-map", "body=txet"], {}, "not Item fields"),
        ([*scan, "--report-limit", "-1"], {}, "--report-limit"),
    ]
    for args, env, message in cases:
        code, output = cli(tmp_path, args, **env)
        flat = " ".join(output.replace("│", " ").split())
        assert (code, message in flat, "Traceback" in output) == (2, True, False), output
    assert not (tmp_path / "o").exists()
    assert not (tmp_path / "tg.db").exists() or Store(f"sqlite:///{tmp_path / 'tg.db'}").count(tb.scans) == 0


def test_cli_says_every_record_was_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"{oops\n[1]\n")
    code, output = cli(tmp_path, ["scan", str(bad), "--out", str(tmp_path / "o")])
    assert code == 1
    assert "No item could be read: every record was rejected" in output


def test_a_later_scan_joins_new_items_to_stored_networks_and_knows_a_restart_by_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    day1 = [
        {"id": "a1", "text": "Sweet new friend in Tampa, text 617 555 0123"},
        {"id": "a2", "text": "Relaxing evening company downtown, call 617-555-0123"},
        {"id": "b1", "text": "Bike for sale, call 212 555 0144"},
    ]
    write_input(tmp_path / "day1.jsonl", day1, bad=[])
    write_input(tmp_path / "day2.jsonl", [{"id": "a6", "text": "Back in town! six1seven 555 o1two3"}], bad=[])
    settings = settings_for(tmp_path)
    run_scan(["day1.jsonl"], settings, ScanOptions(out_dir=tmp_path / "o1"))
    result = run_scan(["./day2.jsonl"], settings, ScanOptions(out_dir=tmp_path / "o2"))
    assert result.networks == []  # networks.json: the scan's own items only, and a6 alone links nothing
    store = Store(settings.database_url)
    with store.engine.connect() as conn:
        stored = conn.execute(select(tb.network_items.c.network_id, tb.network_items.c.item_id)).all()
        inputs = list(conn.execute(select(tb.scans.c.inputs).order_by(tb.scans.c.id)).scalars())
    assert sorted(item for _, item in stored) == ["a1", "a2", "a6"] and len({n for n, _ in stored}) == 1
    assert inputs == [[str(tmp_path / "day1.jsonl")], [str(tmp_path / "day2.jsonl")]]


def test_a_number_on_too_many_stored_items_never_merges_a_later_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The hotline is on more stored items than are followed: the later scan's five posters, who quote it
    # beside their own numbers, must not become one network through it.
    import trailguard.store.writer as writer

    monkeypatch.setattr(writer, "MAX_SHARING", 5)
    import random

    vocab = [
        "amber",
        "brook",
        "cedar",
        "dune",
        "ember",
        "fjord",
        "grove",
        "heath",
        "inlet",
        "jetty",
        "knoll",
        "ledge",
        "marsh",
        "nook",
        "oasis",
        "prairie",
        "quarry",
        "ridge",
        "shoal",
        "tundra",
        "upland",
        "valley",
        "willow",
        "yarrow",
        "zephyr",
        "aspen",
        "birch",
        "clover",
        "dahlia",
        "elm",
        "fern",
        "gorse",
        "hazel",
        "iris",
        "juniper",
        "kelp",
        "lilac",
        "maple",
        "nettle",
        "orchid",
    ]

    def wording(i: int) -> str:  # unrelated words per post, so no text template links them
        return " ".join(random.Random(i).sample(vocab, 8))

    day1 = [{"id": f"h{i}", "text": f"{wording(i)} call 212 555 01{i:02d} or 617 555 0100"} for i in range(8)]
    day2 = [
        {"id": f"n{i}", "text": f"{wording(20 + i)} 312 555 01{i:02d} line 617 555 0100"} for i in range(5)
    ]
    write_input(tmp_path / "day1.jsonl", day1, bad=[])
    write_input(tmp_path / "day2.jsonl", day2, bad=[])
    settings = settings_for(tmp_path)
    run_scan([str(tmp_path / "day1.jsonl")], settings, ScanOptions(out_dir=tmp_path / "o1"))
    run_scan([str(tmp_path / "day2.jsonl")], settings, ScanOptions(out_dir=tmp_path / "o2"))
    with Store(settings.database_url).engine.connect() as conn:
        stored = set(conn.execute(select(tb.network_items.c.item_id)).scalars())
    assert not stored & {f"n{i}" for i in range(5)}
