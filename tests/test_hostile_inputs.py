"""Attacker-shaped input stays cheap and never reaches the store in a form it refuses."""

from __future__ import annotations

import time

import pytest

from trailguard.extract import extract_entities
from trailguard.ingest.validate import MAX_IMAGES, InvalidRecord, decode_json, item_from_record
from trailguard.model import Item, Reject, SourceRef
from trailguard.settings import Settings

SETTINGS = Settings(database_url="sqlite:///:memory:")
SRC = SourceRef("hostile.jsonl", 1)


def test_nesting_check_is_linear_on_runs_of_escaped_quotes() -> None:
    # Enough brackets to pass the cheap pre-check, then an unterminated string of escaped quotes.
    data = b"[]" * 40 + b'"' + b'\\"' * 500_000
    started = time.perf_counter()
    with pytest.raises(InvalidRecord):
        decode_json(data, 32)
    assert time.perf_counter() - started < 1.0


def test_entity_overlap_resolution_is_not_quadratic() -> None:
    extract_entities("warm-up in Boston, MA")  # the gazetteer loads once per process
    text = "$100 hr 22yo " * 20_000  # 260 KB, 40,000 entities
    started = time.perf_counter()
    found = extract_entities(text)
    assert time.perf_counter() - started < 10.0
    assert len(found) == 40_000


def test_nul_rejects_short_fields_and_is_replaced_in_free_text() -> None:
    rejected = item_from_record({"id": "ad\x001", "text": "hello"}, SRC, SETTINGS)
    assert isinstance(rejected, Reject) and rejected.reason == "field 'id' contains a NUL character"
    rejected = item_from_record({"id": "ad-1", "text": "x", "author": "a\x00b"}, SRC, SETTINGS)
    assert isinstance(rejected, Reject) and rejected.reason == "field 'author' contains a NUL character"
    item = item_from_record(
        {"id": "ad-2", "text": "call\x00617-555-0123", "messages": [{"text": "a\x00b"}]}, SRC, SETTINGS
    )
    assert isinstance(item, Item)
    assert item.text == "call\ufffd617-555-0123"  # same length: evidence offsets stay valid
    assert item.messages[0].text == "a\ufffdb"


def test_image_list_is_bounded_and_deduplicated() -> None:
    item = item_from_record({"id": "ad-3", "images": ["a.jpg", "b.jpg", "a.jpg"]}, SRC, SETTINGS)
    assert isinstance(item, Item) and item.images == ["a.jpg", "b.jpg"]
    many = [f"img/{i}.jpg" for i in range(MAX_IMAGES + 1)]
    rejected = item_from_record({"id": "ad-4", "images": many}, SRC, SETTINGS)
    assert isinstance(rejected, Reject)
    assert rejected.reason == f"field 'images' names {MAX_IMAGES + 1} images, more than {MAX_IMAGES}"
