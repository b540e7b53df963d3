"""Hashing of every colour mode, and of hostile files: each bad file gets its own error, the batch goes on."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import warnings
import zlib
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image
from typer.testing import CliRunner

import trailguard.cli.media  # noqa: F401  (registers the commands on the app)
from media_images import encode, scene
from trailguard.cli.app import app
from trailguard.media.hashing import hash_bytes, hash_file
from trailguard.media.hashtypes import PDQ
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
    assert PDQ.distance(got.pdq, reference.pdq) <= limit


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


def _exif(**tags: object) -> Image.Exif:
    exif = Image.Exif()
    for tag, value in tags.items():
        exif[int(tag.removeprefix("t"), 16)] = value
    return exif


def _legacy_encode(im: Image.Image, fmt: str) -> bytes:
    with warnings.catch_warnings():  # Pillow deprecates writing some old formats; reading them is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        return encode(im, fmt)


# One small image in every supported format (and colour layouts their decoders treat differently), plus
# formats Pillow reads but Trailguard refuses: the seeds the hostile-bytes test mutates.
_SMALL = scene(3, (40, 30))
_SEEDS = {
    "png": encode(_SMALL),
    "png-p": encode(_SMALL.convert("P")),
    "jpeg": encode(_SMALL, "JPEG", exif=_exif(t0112=6, t011A=72.0)),
    "gif": encode(_SMALL, "GIF"),
    "webp": encode(_SMALL, "WEBP"),
    "bmp": encode(_SMALL, "BMP"),
    "bmp-p": encode(_SMALL.convert("P"), "BMP"),
    "tiff": encode(_SMALL, "TIFF", exif=_exif(t0112=3)),
    "tiff-lzw-cmyk": encode(_SMALL.convert("CMYK"), "TIFF", compression="tiff_lzw"),
    "im": _legacy_encode(_SMALL, "IM"),
    "eps": encode(_SMALL, "EPS"),
    "pdf": encode(_SMALL, "PDF"),
    "ppm": encode(_SMALL, "PPM"),
}


@settings(max_examples=200, deadline=None)
# Crashers fuzzing found, kept as fixed examples: a TIFF tag retyped, and the JPEG's XResolution tag renamed
# ImageWidth (both: Pillow's EXIF rewrite under `upright` raised TypeError / struct.error).
@example(seed="tiff", flips=[(72, 2)], cut=None, noise=b"")
@example(seed="jpeg", flips=[(_SEEDS["jpeg"].index(b"\x01\x1a\x00\x05") + 1, 0)], cut=None, noise=b"")
@given(
    st.sampled_from(sorted(_SEEDS)),
    st.lists(st.tuples(st.integers(0, 600), st.integers(0, 255)), max_size=8),
    st.one_of(st.none(), st.integers(min_value=0, max_value=7000)),
    st.binary(max_size=200),
)
def test_hostile_bytes_never_raise(
    seed: str, flips: list[tuple[int, int]], cut: int | None, noise: bytes
) -> None:
    # A real file of each format with bytes overwritten (mostly in its header, where the parsers read sizes,
    # offsets and counts), cut short and followed by garbage; and the garbage alone. Hashed as stored and
    # upright (which rewrites the EXIF): an ImageHash always comes back, never an exception.
    data = bytearray(_SEEDS[seed])
    for pos, byte in flips:
        data[pos % len(data)] = byte
    for sample in (bytes(data[:cut]) + noise, noise):
        for upright in (False, True):
            got = hash_bytes(sample, "fuzz", SETTINGS, upright=upright)
            assert (got.error is None) == (got.pdq is not None)
            assert got.sha256 == hashlib.sha256(sample).hexdigest()


def test_hostile_files_found_by_fuzzing_get_a_reason_and_the_batch_goes_on(tmp_path: Path) -> None:
    # An IM file whose header gives a fractional size made Pillow raise TypeError, which aborted a whole
    # `hash` batch; IM (like EPS, which would run Ghostscript, and PDF) is now refused before its parser runs.
    im_file = tmp_path / "float.im"
    im_file.write_bytes(_SEEDS["im"].replace(b"Image size (x*y): 40*30", b"Image size (x*y): 40*30."))
    (tmp_path / "picture.eps").write_bytes(_SEEDS["eps"])
    (tmp_path / "scan.pdf").write_bytes(_SEEDS["pdf"])
    # A JPEG whose EXIF has the image width typed as a fraction: decodes, but applying the orientation makes
    # Pillow re-encode the EXIF and raise struct.error.
    odd_exif = tmp_path / "odd-exif.jpg"
    odd_exif.write_bytes(encode(scene(5, (64, 48)), "JPEG", exif=_exif(t0112=6, t011A=72.0)).replace(
        b"\x01\x1a\x00\x05", b"\x01\x00\x00\x05"))  # fmt: skip
    good = tmp_path / "good.png"
    good.write_bytes(encode(scene(4)))
    files = [im_file, tmp_path / "picture.eps", tmp_path / "scan.pdf", odd_exif, good]
    result = CliRunner().invoke(app, ["hash", "--upright", *map(str, files)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["path"] for line in lines] == [str(f) for f in files]
    for line in lines[:3]:
        assert line["error"].startswith(
            "no PDQ: not an image format Trailguard decodes (JPEG, PNG, GIF, WEBP"
        )
        assert len(line["sha256"]) == 64  # still matchable as the identical file
    assert lines[3]["error"].startswith("no PDQ: EXIF orientation cannot be applied, malformed EXIF (error:")
    assert "pdq" in lines[4] and "error" not in lines[4]
    assert hash_file(odd_exif, SETTINGS).pdq is not None  # as stored, the same file hashes fine


def test_dihedral_hashes_follow_upright(tmp_path: Path) -> None:
    photo = tmp_path / "phone.jpg"
    photo.write_bytes(encode(scene(6), "JPEG", exif=_exif(t0112=6)))  # "rotate 90 degrees when showing"
    result = CliRunner().invoke(app, ["hash", "--dihedral", "--upright", str(photo)])
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout)
    assert line["pdq"] == hash_file(photo, SETTINGS, upright=True).pdq != hash_file(photo, SETTINGS).pdq
    assert line["dihedral"]["orig"] == line["pdq"]
    stored = json.loads(CliRunner().invoke(app, ["hash", "--dihedral", str(photo)]).stdout)
    assert stored["dihedral"]["orig"] == stored["pdq"] != line["pdq"]
    # The upright picture is the stored one turned 90 degrees: one of the stored forms matches it.
    assert min(PDQ.distance(line["pdq"], h) for h in stored["dihedral"].values()) <= SETTINGS.pdq_max_distance


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
