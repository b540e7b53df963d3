"""PDQ, MD5 and SHA-256 against the ThreatExchange reference vectors in tests/data/pdq (see its README)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from trailguard.media.hashing import dihedral_hashes, hash_file
from trailguard.media.hashtypes import PDQ
from trailguard.settings import Settings

SETTINGS = Settings(database_url="sqlite:///:memory:")


def _rows(pdq_data: Path) -> list[dict[str, str]]:
    with (pdq_data / "COMPUTED_pdq_md5_sha256.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_reference_image_hashes_to_the_full_resolution_reference(pdq_data: Path) -> None:
    rows = _rows(pdq_data)
    assert len(rows) >= 50  # the whole table, not a sample
    failures = []
    for row in rows:
        got = hash_file(pdq_data / "threatexchange" / row["path"], SETTINGS)
        expected = (row["pdqhash_pypi_hash"], int(row["pdqhash_pypi_quality"]), row["md5"], row["sha256"])
        if (got.pdq, got.quality, got.md5, got.sha256) != expected:
            failures.append((row["path"], got.to_dict(), expected))
    assert failures == []


def test_exif_tagged_photos_hash_as_stored_and_upright_on_request(pdq_data: Path) -> None:
    """The EXIF policy: `pdq` ignores the orientation tag; `upright=True` applies it."""
    for row in _rows(pdq_data):
        if "exif-rotn" not in row["path"]:
            continue
        path = pdq_data / "threatexchange" / row["path"]
        assert hash_file(path, SETTINGS).pdq == row["pdqhash_pypi_hash"]
        assert hash_file(path, SETTINGS, upright=True).pdq == row["pdqhash_on_exif_transposed_hash"]


def test_rotated_and_flipped_files_match_the_dihedral_hashes_of_the_original(pdq_data: Path) -> None:
    lines = (pdq_data / "COMPUTED_dihedral_bridge.txt").read_text().splitlines()
    reference = dict(line.split(",")[:2] for line in lines[2:10])
    dih = pdq_data / "threatexchange" / "pdq" / "data" / "reg-test-input" / "dih"
    forms, quality = dihedral_hashes(dih / "bridge-1-original.jpg", SETTINGS)
    assert quality == 100
    assert forms == reference
    for file in sorted(dih.glob("bridge-*.jpg")):
        own = hash_file(file, SETTINGS).pdq
        assert own is not None
        assert min(PDQ.distance(own, h) for h in forms.values()) <= 10, file.name


def test_near_duplicates_match_and_featureless_images_have_low_quality(pdq_data: Path) -> None:
    base = pdq_data / "threatexchange" / "pdq" / "data"
    original = hash_file(base / "bridge-mods" / "aaa-orig.jpg", SETTINGS).pdq
    assert original is not None
    for mod in sorted((base / "bridge-mods").glob("*.jpg")):
        pdq = hash_file(mod, SETTINGS).pdq
        assert pdq is not None and PDQ.distance(original, pdq) <= 31, mod.name
    for name in ("q0003.jpg", "q0004.jpg"):
        quality = hash_file(base / "reg-test-input" / "labelme-subset" / name, SETTINGS).quality
        assert quality is not None and quality < SETTINGS.pdq_min_quality


@pytest.mark.parametrize("name", ["needles.txt", "haystack.txt"])
def test_reference_hash_lists_parse(pdq_data: Path, name: str) -> None:
    from trailguard.media.bankfiles import read_pdq_lines

    path = pdq_data / "threatexchange" / "pdq" / "data" / "reg-test-input" / name
    with path.open() as fh:
        entries = list(read_pdq_lines(fh))
    assert len(entries) == len(path.read_text().split())
    assert all(e.error is None and len(e.value) == 64 for e in entries)
