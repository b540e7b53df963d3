"""Hashing of every colour mode, and of hostile files: each bad file gets its own error, the batch goes on."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from typer.testing import CliRunner

import trailguard.cli.media  # noqa: F401  (registers the commands on the app)
from media_images import encode, scene
from trailguard.cli.app import app
from trailguard.media.hashing import hash_bytes, hash_file
from trailguard.media.hexcodes import hamming
from trailguard.settings import Settings

SETTINGS = Settings(database_url="sqlite:///:memory:")


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [("RGB", "JPEG"), ("RGBA", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("CMYK", "JPEG"), ("L", "WEBP"),
     ("RGB", "WEBP"), ("I;16", "PNG"), ("1", "PNG"), ("RGB", "GIF"), ("RGB", "TIFF"), ("RGB", "BMP")],
)  # fmt: skip
def test_every_mode_hashes_close_to_the_rgb_original(mode: str, fmt: str) -> None:
    original = scene(7)
    reference = hash_bytes(encode(original), "ref.png", SETTINGS)
    converted = original.convert("L").convert(mode) if mode in ("I;16", "LA", "1") else original.convert(mode)
    data = encode(converted, fmt)
    got = hash_bytes(data, f"x.{fmt.lower()}", SETTINGS)
    assert got.error is None
    assert got.md5 == hashlib.md5(data).hexdigest() and got.sha256 == hashlib.sha256(data).hexdigest()
    assert got.pdq is not None and reference.pdq is not None
    limit = 31 if mode in ("1", "P") or fmt == "GIF" else 20  # dithering and palettes move more bits
    assert hamming(got.pdq, reference.pdq) <= limit


def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    # A PNG header that claims 100000 x 100000 pixels: refused on the header alone.
    big = Image.new("L", (1, 1))
    data = bytearray(encode(big))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", 100_000, 100_000)
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(data[ihdr : ihdr + 17])))
    got = hash_bytes(bytes(data), "bomb.png", SETTINGS)
    assert got.error is not None and "decompression bomb" in got.error and got.pdq is None
    assert got.md5 == hashlib.md5(data).hexdigest()  # the file was read: its exact hash still matches


def test_oversize_missing_corrupt_and_non_image_files_each_get_a_reason(tmp_path: Path) -> None:
    small = Settings(database_url="sqlite:///:memory:", max_image_bytes=1000)
    (tmp_path / "big.png").write_bytes(encode(scene(1)))
    (tmp_path / "text.jpg").write_text("hello, not an image")
    (tmp_path / "cut.jpg").write_bytes(encode(scene(2), "JPEG")[:600])
    (tmp_path / "dir.png").mkdir()
    reasons = {
        name: hash_file(tmp_path / name, small).error
        for name in ("big.png", "text.jpg", "cut.jpg", "dir.png", "missing.png")
    }
    assert "file too large" in (reasons["big.png"] or "")
    assert "not an image" in (reasons["text.jpg"] or "")
    assert "corrupt or truncated" in (reasons["cut.jpg"] or "")
    assert reasons["dir.png"] == "not a regular file"
    assert reasons["missing.png"] == "file not found"


def test_undecodable_files_keep_their_md5_and_sha256_unread_ones_have_none(tmp_path: Path) -> None:
    # HEIC/AVIF/video stand-ins and a damaged JPEG: read, not decoded, so only the PDQ is missing.
    small = Settings(database_url="sqlite:///:memory:", max_image_bytes=1000)
    files = {
        "photo.heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(range(200)),
        "clip.mp4": b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2mp41" + bytes(300),
        "cut.jpg": encode(scene(2), "JPEG")[:600],
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        got = hash_file(tmp_path / name, small)
        assert (got.md5, got.sha256) == (hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest())
        assert got.pdq is None and got.quality is None and (got.error or "").startswith("no PDQ: ")
    (tmp_path / "big.png").write_bytes(encode(scene(1)))
    (tmp_path / "dir.png").mkdir()
    for name in ("big.png", "dir.png", "missing.png"):
        got = hash_file(tmp_path / name, small)
        assert got.error and (got.md5, got.sha256, got.pdq) == (None, None, None)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=4000), st.integers(min_value=0, max_value=3900))
def test_hostile_bytes_never_raise(noise: bytes, cut: int) -> None:
    # Real image headers followed by garbage, and plain garbage: an ImageHash always comes back.
    base = encode(scene(3, (40, 30)), "PNG")
    for data in (noise, base[:cut] + noise, encode(scene(3, (40, 30)), "GIF")[:cut] + noise):
        got = hash_bytes(data, "fuzz", SETTINGS)
        assert (got.error is None) == (got.pdq is not None)
        assert got.sha256 == hashlib.sha256(data).hexdigest()


def test_tiny_images_hash_with_quality_zero() -> None:
    got = hash_bytes(encode(Image.new("RGB", (3, 3), "white")), "tiny.png", SETTINGS)
    assert got.error is None and got.quality == 0


def test_hash_cli_prints_one_json_line_per_file_and_goes_on_after_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    good.write_bytes(encode(scene(4)))
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8\xff broken")
    result = CliRunner().invoke(app, ["hash", str(good), str(tmp_path / "bad.jpg"), str(good), "--dihedral"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["path"] for line in lines] == [str(good), str(tmp_path / "bad.jpg"), str(good)]
    assert set(lines[0]) == {"path", "pdq", "quality", "md5", "sha256", "dihedral"}
    assert lines[0]["dihedral"]["orig"] == lines[0]["pdq"] and len(lines[0]["dihedral"]) == 8
    assert lines[1]["error"].startswith("no PDQ: ") and "pdq" not in lines[1] and "dihedral" not in lines[1]
    assert (
        lines[1]["md5"] == hashlib.md5(b"\xff\xd8\xff broken").hexdigest() and len(lines[1]["sha256"]) == 64
    )
    nothing_read = CliRunner().invoke(app, ["hash", str(tmp_path / "missing.jpg"), str(tmp_path)])
    assert nothing_read.exit_code == 1
    assert [set(json.loads(line)) for line in nothing_read.stdout.splitlines()] == [{"path", "error"}] * 2


def test_animated_gif_hashes_its_first_frame() -> None:
    frames = [scene(10), scene(11)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    first = hash_bytes(encode(frames[0], "GIF"), "first.gif", SETTINGS)
    animated = hash_bytes(buf.getvalue(), "anim.gif", SETTINGS)
    assert animated.pdq == first.pdq
