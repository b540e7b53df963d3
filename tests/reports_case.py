"""A synthetic evidence case for the report tests: two stored ads, a real capture from a local page, attach
entries naming the ads, and (optionally) a reviewer's approval. Every identifier is reserved test data."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from evidence_bundles import page_server, url_of
from trailguard.evidence import attach, capture, custody
from trailguard.model import Assessment, Entity, Item, SourceRef
from trailguard.store.writer import Store

ROOT = Path(__file__).resolve().parent.parent
PAGE = b"<html><body>Room for rent, text 617-555-0123 or write to rooms@example.org</body></html>"


def xsd_path() -> Path:
    """NCMEC's schema: TRAILGUARD_NCMEC_XSD, else ../shared/data/ncmec/ beside the repository (never copied in)."""
    explicit = os.environ.get("TRAILGUARD_NCMEC_XSD")
    path = Path(explicit) if explicit else ROOT.parent / "shared" / "data" / "ncmec" / "cyber_tipline.xsd"
    if not path.is_file():
        from conftest import missing

        missing("NCMEC's CyberTipline schema", f"put cyber_tipline.xsd at {path} or set TRAILGUARD_NCMEC_XSD")
    return path.resolve()


def _ad(item_id: str, author: str | None, entities: list[Entity], url: str) -> tuple[Item, Assessment]:
    text = "Room for rent, new in town"
    item = Item(
        id=item_id,
        kind="ad",
        text=text,
        platform="classifieds.example.org",
        url=url,
        author=author,
        posted_at="2026-03-01T09:30:00+00:00",
        location="Boston, MA",
        source=SourceRef("ads.jsonl", 1),
    )
    assessment = Assessment(
        item_id=item_id, kind="ad", entities=entities, hits=[], score=0.6, band="high", text=text
    )
    return item, assessment


@dataclass
class Case:
    engine: Engine
    evidence: Path  # the evidence directory (keys/, cases/)
    case_id: str
    page_url: str


def make_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, approve: bool = True) -> Case:
    """The case, in a SQLite store under tmp_path, with TRAILGUARD_DATABASE_URL and _EVIDENCE_DIR set for the CLI."""
    url = f"sqlite:///{tmp_path / 'tg.db'}"
    evidence = tmp_path / "evidence"
    monkeypatch.setenv("TRAILGUARD_DATABASE_URL", url)
    monkeypatch.setenv("TRAILGUARD_EVIDENCE_DIR", str(evidence))
    store = Store(url)
    scan = store.start_scan(["ads.jsonl"])
    store.save_assessed(
        scan,
        [
            _ad(
                "ad-1",
                "roomsbyjo",
                [
                    Entity("phone", "+16175550123", "617-555-0123", 0, 12),
                    Entity("email", "rooms@example.org", "rooms@example.org", 13, 30),
                    Entity("crypto", "btc:bc1qexampleexampleexampleexample0000", "bc1q...", 31, 40),
                    Entity("age", 19, "19", 41, 43),
                ],
                "https://classifieds.example.org/ad/1",
            ),
            _ad(
                "ad-2",
                None,
                [Entity("phone", "+16175550188", "617 555 0188", 0, 12)],
                "https://classifieds.example.org/ad/2",
            ),
        ],
    )
    engine = store.engine
    keys = evidence / "keys"
    case_id = custody.create_case(engine, keys, "Rooms ads on classifieds.example.org", "alice")
    with page_server(PAGE) as httpd:
        page_url = url_of(httpd, "/ad/1")
        path, result = capture.store(
            page_url, evidence / "cases" / case_id, operator="alice", case_id=case_id
        )
    details = result.details() | {"file": path.name, "sha256": capture.file_sha256(path)}
    custody.append(engine, keys, case_id, "capture", "alice", details)
    attach.attach(engine, keys, case_id, "alice", item_ids=["ad-1", "ad-2"], bank_entries=[])
    # an item attached once and since gone from the store (the entry as attach.item_details writes it)
    custody.append(engine, keys, case_id, "attach", "alice", {"attached": "item", "item": "ad-gone"})
    if approve:
        custody.append(engine, keys, case_id, "approve", "rita", {})
    return Case(engine, evidence, case_id, page_url)


REPORTER_ENV = {
    "TRAILGUARD_REPORTER_ORG": "Example Safety Team",
    "TRAILGUARD_REPORTER_FIRST_NAME": "Rita",
    "TRAILGUARD_REPORTER_LAST_NAME": "Reviewer",
    "TRAILGUARD_REPORTER_EMAIL": "reports@example.org",
    "TRAILGUARD_REPORTER_PHONE": "+16175550100",
}


def set_reporter(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in REPORTER_ENV.items():
        monkeypatch.setenv(name, value)
