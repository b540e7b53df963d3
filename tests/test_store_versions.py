"""Item identity and versions: a later read of an item never replaces an earlier one's content or hits.

The chat is a Discord export read twice through the real reader and scan: on May 1 it holds a threat to send
someone's pictures, and the export of May 8 no longer has that message (deleted in the chat). Both are one
chat (the same channel and message range, so the same id), and both versions stay in the store.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy import inspect, select

from store_fixtures import CHAT_ID, THREAT, whatsapp_export, write_inputs
from trailguard.model import Item, Message
from trailguard.pipeline.local import ScanOptions, run_scan
from trailguard.settings import Settings
from trailguard.store import tables as tb
from trailguard.store.versions import compare
from trailguard.store.writer import Store

DATA = Path(__file__).parent / "data" / "store"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tg.db'}"
    value: str = request.getfixturevalue("fresh_postgres_url")
    return value


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def scan(folder: Path, url: str, out: str, deleted: tuple[str, ...] = ()) -> int:
    """Scan the chat (with `deleted` messages left out of its export) and the ads; the items changed."""
    inputs = write_inputs(folder, deleted)
    settings = Settings(database_url=url, workers=1)
    return run_scan(inputs, settings, ScanOptions(out_dir=folder / out)).changed


def version_hits(store: Store, item_id: str) -> dict[str, set[str]]:
    vh = tb.version_hits
    with store.engine.connect() as conn:
        rows = conn.execute(select(vh.c.content_sha256, vh.c.indicator).where(vh.c.item_id == item_id))
        out: dict[str, set[str]] = {}
        for sha, indicator in rows:
            out.setdefault(sha, set()).add(indicator)
    return out


def test_a_later_export_of_a_chat_is_a_new_version_and_keeps_the_earlier_ones_hits(
    in_tmp: Path, url: str
) -> None:
    assert scan(in_tmp, url, "may1") == 0
    assert scan(in_tmp, url, "may8", deleted=("1003",)) == 1  # the chat changed; the ads did not
    store = Store(url)
    first, second = store.versions(CHAT_ID)
    assert first.assessment.band == "critical" and second.assessment.band != "critical"
    assert "chat.sextortion_threat" in {h.indicator for h in first.assessment.hits}
    assert THREAT in [m.text for m in first.item.messages]
    assert THREAT not in [m.text for m in second.item.messages]
    # The current row is the version read last; the earlier version's hits stay queryable in the store.
    with store.engine.connect() as conn:
        band = conn.execute(select(tb.assessments.c.band).where(tb.assessments.c.item_id == CHAT_ID))
        assert band.scalar_one() == second.assessment.band
    hits = version_hits(store, CHAT_ID)
    assert "chat.sextortion_threat" in hits[first.content_sha256]
    assert "chat.sextortion_threat" not in hits.get(second.content_sha256, set())
    assert [len(store.versions(i)) for i in ("ad-1", "ad-2")] == [1, 1]
    assert store.changed_items() == [(CHAT_ID, 2)]

    # Reading the first export again changes nothing stored but which version is current.
    assert scan(in_tmp, url, "again") == 1
    assert [v.content_sha256 for v in store.versions(CHAT_ID)] == [
        first.content_sha256,
        second.content_sha256,
    ]
    assert version_hits(store, CHAT_ID) == hits


def test_versions_command_shows_what_changed(in_tmp: Path) -> None:
    url = f"sqlite:///{in_tmp / 'tg.db'}"
    scan(in_tmp, url, "may1")
    env = {**os.environ, "TRAILGUARD_DATABASE_URL": url, "TRAILGUARD_WORKERS": "1"}
    cmd = [sys.executable, "-m", "trailguard.cli"]
    proc = subprocess.run(
        [*cmd, "scan", "chat.json", "--out", "may8"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "items changed" not in proc.stdout  # nothing said when nothing changed (the same file)
    write_inputs(in_tmp, deleted=("1003",))
    proc = subprocess.run(
        [*cmd, "scan", "chat.json", "--out", "may8"], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    flat = " ".join(proc.stdout.split())
    assert "1 items changed since their stored version; earlier versions kept" in flat

    shown = subprocess.run([*cmd, "versions", CHAT_ID], env=env, capture_output=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    doc = orjson.loads(shown.stdout)
    assert [v["band"] == "critical" for v in doc["versions"]] == [True, False]
    [change] = doc["changes"]
    assert [m["text"] for m in change["messages_removed"]] == [THREAT]
    assert change["messages_added"] == [] and change["messages_edited"] == []
    assert "chat.sextortion_threat" in change["indicators_lost"]
    assert change["band"]["old"] == "critical"

    listed = subprocess.run([*cmd, "versions"], env=env, capture_output=True, timeout=120)
    assert orjson.loads(listed.stdout) == {"changed_items": [{"item_id": CHAT_ID, "versions": 2}]}
    unknown = subprocess.run([*cmd, "versions", "no-such-id"], env=env, capture_output=True, timeout=120)
    assert unknown.returncode == 1 and b"No stored item" in unknown.stderr


def test_a_store_written_before_versions_opens_and_keeps_its_stored_version(in_tmp: Path) -> None:
    # before-versions.sql: the store the previous release wrote for the May 1 export and the ads (see
    # make_before_versions.py). Opening it adds the new tables; the first changed read copies the old
    # version over before the new one becomes current, and its rejects are not stored twice.
    db = in_tmp / "tg.db"
    conn = sqlite3.connect(db)
    conn.executescript((DATA / "before-versions.sql").read_text())
    conn.close()
    url = f"sqlite:///{db}"
    store = Store(url)
    [old] = store.versions(CHAT_ID)  # no version rows yet: the current one stands for itself
    assert old.assessment.band == "critical"
    assert store.count(tb.item_versions) == 0
    assert "ix_rejects_source" in {i["name"] for i in inspect(store.engine).get_indexes("rejects")}

    assert scan(in_tmp, url, "may8", deleted=("1003",)) == 1
    first, second = store.versions(CHAT_ID)
    assert (first.content_sha256, first.first_scan_id) == (old.content_sha256, 1)
    assert first.assessment.band == "critical" and second.assessment.band != "critical"
    assert "chat.sextortion_threat" in version_hits(store, CHAT_ID)[first.content_sha256]
    assert store.count(tb.rejects) == 2  # the two bad lines, read by both scans
    with store.engine.connect() as c:
        members = set(c.execute(select(tb.network_items.c.item_id)).scalars())
        statuses = list(c.execute(select(tb.scans.c.status)).scalars())
    assert members == {"ad-1", "ad-2"} and statuses == ["finished", "finished"]


def test_a_version_is_what_the_item_says_not_where_it_was_read() -> None:
    chat = Item(
        id="discord:1:1-2",
        kind="chat",
        messages=[Message("1", "hi", "kai", "2024-05-01T16:00:00+00:00")],
        extra={"export_file": "a/chat.json", "authors": {"kai": "7"}},
    )
    moved = Item.from_dict(
        {**chat.to_dict(), "extra": {"export_file": "b/chat.json", "authors": {"kai": "7"}}}
    )
    assert moved.content_hash() == chat.content_hash()
    edited = Item.from_dict(chat.to_dict())
    edited.messages[0].text = "hi!"
    assert edited.content_hash() != chat.content_hash()


def test_a_whatsapp_re_export_is_a_new_version_of_the_same_chat(in_tmp: Path, url: str) -> None:
    # WhatsApp exports carry no chat id; the chat's title and first message still make a re-export the same
    # item, so the threat deleted before the second export stays in the store, and the change is shown.
    settings = Settings(database_url=url, workers=1)
    name = "WhatsApp Chat with kai.txt"
    (in_tmp / "may1").mkdir()
    (in_tmp / "may1" / name).write_bytes(whatsapp_export())
    run_scan([f"may1/{name}"], settings, ScanOptions(out_dir=in_tmp / "out1"))
    (in_tmp / "may8").mkdir()
    (in_tmp / "may8" / name).write_bytes(whatsapp_export(deleted=("1003",)))
    assert run_scan([f"may8/{name}"], settings, ScanOptions(out_dir=in_tmp / "out8")).changed == 1

    store = Store(url)
    [(chat_id, count)] = store.changed_items()
    assert count == 2
    assert chat_id.startswith("whatsapp:")
    first, second = store.versions(chat_id)
    assert "chat.sextortion_threat" in {h.indicator for h in first.assessment.hits}
    assert "chat.sextortion_threat" in version_hits(store, chat_id)[first.content_sha256]
    change = compare(first, second)
    assert [m["text"] for m in change["messages_removed"]] == [THREAT]
    assert change["messages_added"] == [] and change["messages_edited"] == []
    assert "chat.sextortion_threat" in change["indicators_lost"]
