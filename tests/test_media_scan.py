"""Item images during a scan: safe path resolution, bank hits with evidence, shared-image links."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

from media_images import encode, scene
from trailguard.link import LinkConfig, link_assessments
from trailguard.media.index import MatchIndex
from trailguard.media.scan import (
    UnsafeImagePath,
    hash_item_images,
    match_item_images,
    pdq_neighbours,
    resolve_item_image,
)
from trailguard.model import Assessment
from trailguard.settings import Settings
from trailguard.store.banks import BankEntry

SETTINGS = Settings(database_url="sqlite:///:memory:")


def test_resolve_item_image_stays_inside_the_base(tmp_path: Path) -> None:
    base = tmp_path / "input"
    (base / "img").mkdir(parents=True)
    (base / "img" / "a.jpg").write_bytes(b"x")
    (tmp_path / "secret.txt").write_text("not for the scan")
    os.symlink(tmp_path / "secret.txt", base / "img" / "link.jpg")
    os.symlink(base / "img" / "a.jpg", base / "inside-link.jpg")
    assert resolve_item_image(base, "img/a.jpg") == (base / "img" / "a.jpg").resolve()
    assert resolve_item_image(base, "img/../img/a.jpg") == (base / "img" / "a.jpg").resolve()
    assert resolve_item_image(base, "inside-link.jpg") == (base / "img" / "a.jpg").resolve()
    for ref in (
        "/etc/passwd",
        "../secret.txt",
        "img/../../secret.txt",
        "img/link.jpg",
        "",
        "a\x00b",
        "C:\\x.jpg",
    ):
        with pytest.raises(UnsafeImagePath):
            resolve_item_image(base, ref)


def _entry(entry_id: int, bank: str, kind: str, value: str, hash_type: str = "pdq") -> BankEntry:
    quality = 100 if hash_type == "pdq" else None
    return BankEntry(
        entry_id, bank, kind, hash_type, value, quality, "synthetic", "test", None, "t", datetime.now(UTC)
    )


def test_known_match_becomes_a_hit_with_bank_and_distance_as_evidence(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "ad-1-0.png").write_bytes(encode(scene(21)))
    (tmp_path / "img" / "ad-1-1.png").write_bytes(encode(scene(22)))
    hashes = hash_item_images(
        tmp_path, ["img/ad-1-0.png", "img/ad-1-1.png", "../x.png", "img/none.png"], SETTINGS
    )
    assert [h.error is None for h in hashes] == [True, True, False, False]
    assert hashes[0].path == "img/ad-1-0.png"  # the reference as written, never an absolute path
    known_pdq = f"{int(hashes[0].pdq or '', 16) ^ 0b1011:064x}"  # 3 bits away
    index = MatchIndex([_entry(17, "x", "known", known_pdq)])
    [hit] = match_item_images(hashes, index)
    assert (hit.indicator, hit.category, hit.weight, hit.grade, hit.effect) == (
        "media.known_image_match", "media", 1.0, "A", "risk")  # fmt: skip
    assert hit.evidence[0].text == "image img/ad-1-0.png ~ bank 'x' entry 17, pdq distance 3"
    assert "bank 'x'" in hit.source and "distance 3" in hit.explanation

    negative = MatchIndex(
        [_entry(17, "x", "known", known_pdq), _entry(18, "memes", "negative", hashes[0].pdq or "")]
    )
    [context] = match_item_images(hashes, negative)
    assert (context.indicator, context.effect, context.weight) == (
        "media.match_suppressed_by_negative_bank",
        "context",
        0.0,
    )


def test_matching_images_between_items_become_links(tmp_path: Path) -> None:
    same = encode(scene(30))
    (tmp_path / "a.png").write_bytes(same)
    (tmp_path / "b.png").write_bytes(same)
    (tmp_path / "c.jpg").write_bytes(encode(scene(30), "JPEG", quality=70))  # re-encoded copy
    (tmp_path / "d.png").write_bytes(encode(scene(31)))
    refs = {"ad-1": "a.png", "ad-2": "b.png", "ad-3": "c.jpg", "ad-4": "d.png"}
    hashes = {item: hash_item_images(tmp_path, [ref], SETTINGS) for item, ref in refs.items()}
    assert hash_item_images(tmp_path, [], SETTINGS) == []

    pdqs = [hashes[i][0].pdq or "" for i in refs]
    pairs = {(a, b): d for a, b, d in pdq_neighbours(pdqs, SETTINGS.pdq_max_distance)}
    assert pairs[(0, 1)] == 0 and 0 < pairs[(0, 2)] <= 31 and (0, 3) not in pairs

    assessments = [
        Assessment(item_id=i, kind="ad", entities=[], hits=[], score=0.0, band="low", images=hashes[i])
        for i in refs
    ]
    config = LinkConfig(image_neighbours=partial(pdq_neighbours, max_distance=SETTINGS.pdq_max_distance))
    [network] = link_assessments(assessments, config)
    assert network.items == ["ad-1", "ad-2", "ad-3"]
    assert {r.kind for r in network.reasons} == {"shared_image"}


def test_undecodable_known_file_still_matches_md5_and_sha256_banks(tmp_path: Path) -> None:
    # A banked file Pillow cannot decode (a HEIC stand-in, and a PNG damaged past its header) is still the
    # identical file: the exact-hash banks must fire; an unreadable reference gives no hit and no crash.
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(range(256)) * 4
    damaged = encode(scene(40))[:300]
    (tmp_path / "a.heic").write_bytes(heic)
    (tmp_path / "b.png").write_bytes(damaged)
    hashes = hash_item_images(tmp_path, ["a.heic", "b.png", "gone.png"], SETTINGS)
    assert [h.pdq for h in hashes] == [None, None, None]
    index = MatchIndex(
        [
            _entry(5, "known-md5", "known", hashlib.md5(heic).hexdigest(), "md5"),
            _entry(6, "known-sha", "known", hashlib.sha256(damaged).hexdigest(), "sha256"),
        ]
    )
    hits = match_item_images(hashes, index)
    assert [(h.indicator, h.evidence[0].text) for h in hits] == [
        ("media.known_image_match", "image a.heic ~ bank 'known-md5' entry 5, md5 distance 0"),
        ("media.known_image_match", "image b.png ~ bank 'known-sha' entry 6, sha256 distance 0"),
    ]
    assert all("identical file" in h.explanation for h in hits)
    result = index.match(hashes[0])
    assert result.skipped is not None and result.skipped.startswith("no PDQ: ")
    assert index.match(hashes[2]).matches == []
