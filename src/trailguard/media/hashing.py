"""PDQ, MD5 and SHA-256 of untrusted image files, one clear error per bad file.

PDQ is computed by the `pdqhash` package (Meta's C++ reference core) on Pillow's RGB conversion of the image
at full resolution up to 4096x4096 pixels (MAX_PDQ_PIXELS; larger images are reduced first to bound the cost):
the same pixels python-threatexchange and Hasher-Matcher-Actioner feed it, so our hashes equal theirs to the bit
(checked against the ThreatExchange reference vectors in tests/test_media_conformance.py).

EXIF orientation: the hash is computed on the pixels *as stored*, ignoring the orientation tag. That is what
the ecosystem's published hashes (ThreatExchange, HMA, python-threatexchange) do, so a bank shared by another
platform matches. A phone photo whose tag says "rotate 90°" therefore hashes as its sideways stored form; the
8 dihedral hashes (`dihedral_hashes`, `trailguard hash --dihedral`, `trailguard match --dihedral`) cover every
rotation and flip, and `upright=True` hashes the image as a viewer shows it.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pdqhash
from PIL import Image, ImageOps, UnidentifiedImageError

from trailguard.model import ImageHash
from trailguard.settings import Settings

#: The order `pdqhash.compute_dihedral` returns the 8 hashes in (upstream names).
DIHEDRAL_NAMES: tuple[str, ...] = ("orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipp", "flipm")


class ImageError(ValueError):
    """An image that cannot be hashed; the message names the reason in words a reviewer understands."""


def bits_to_hex(bits: np.ndarray) -> str:
    """Hex of pdqhash's 256-element bit vector, most significant bit first (the upstream text format)."""
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


#: The raster formats Trailguard decodes (Pillow format names). Every other format Pillow knows (EPS, which
#: runs Ghostscript; PDF; IM, FITS, SPIDER and dozens of rarer plugins) is refused before its parser sees a byte:
#: less hostile code reached by attacker-written files, and no image type a bank would list is lost. A JPEG
#: with several pictures (MPO, from some cameras) opens through the JPEG plugin and hashes its first picture.
SUPPORTED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")

#: Pixels PDQ is computed on at most. PDQ reduces every image to 64x64 itself, but its cost grows with the
#: input (a 7000x7000 image: 6 s and 1.3 GB); above this bound the image is first box-reduced by the smallest
#: integer factor that fits. Images up to 4096x4096 (every common camera) hash bit-identical to the reference;
#: a larger one hashes within a few bits of it, far inside the match distance.
MAX_PDQ_PIXELS = 4096 * 4096


def _reduction(width: int, height: int) -> int:
    """The smallest integer factor that brings width x height to at most MAX_PDQ_PIXELS."""
    factor = 1
    while (width // factor) * (height // factor) > MAX_PDQ_PIXELS:
        factor += 1
    return factor


def _upright(im: Image.Image) -> Image.Image:
    """The image as a viewer shows it; a clear error when its EXIF is too malformed to apply."""
    try:
        return ImageOps.exif_transpose(im)
    except Exception as exc:  # it re-encodes the EXIF, failing on a tag of the wrong type (struct.error...)
        raise ImageError(
            f"EXIF orientation cannot be applied, malformed EXIF ({type(exc).__name__}: {exc})"
        ) from exc


def _open_pixels(stream: BinaryIO, settings: Settings, upright: bool) -> np.ndarray:
    """Decode an image to an RGB array, refusing decompression bombs before any pixel is decoded.

    Whatever a decoder raises on hostile bytes becomes an ImageError for this one file: Pillow's plugins
    raise not only OSError and ValueError but also TypeError, struct.error, IndexError, KeyError and
    ZeroDivisionError on malformed headers, and none of them may abort the batch.
    """
    try:
        with warnings.catch_warnings():
            # Pillow warns (and past 2x raises) above its own global limit; we apply ours explicitly below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # "Corrupt EXIF data" and the like: hostile files are routine here, and one warning line per file
            # on stderr tells a reviewer nothing the per-file result does not.
            warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
            with Image.open(stream, formats=SUPPORTED_FORMATS) as im:
                width, height = im.size
                if width <= 0 or height <= 0:
                    raise ImageError("image has no pixels")
                if width * height > settings.max_image_pixels:
                    raise ImageError(
                        f"image too large: {width}x{height} = {width * height} pixels exceeds the limit of "
                        f"{settings.max_image_pixels} (possible decompression bomb)"
                    )
                im.load()
                frame = _upright(im) if upright else im
                # Pillow's own conversion for every mode (alpha dropped, palette expanded, CMYK/LAB/HSV
                # converted, 16-bit grey clipped): the pre-processing the reference hashes were made with.
                rgb = frame.convert("RGB")
                factor = _reduction(*rgb.size)
                return np.asarray(rgb.reduce(factor) if factor > 1 else rgb)
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageError(f"image too large (possible decompression bomb): {exc}") from exc
    except UnidentifiedImageError as exc:
        raise ImageError(f"not an image format Trailguard decodes ({', '.join(SUPPORTED_FORMATS)})") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(f"corrupt or truncated image: {exc}") from exc
    except Exception as exc:  # any decoder failure is this file's error, see above
        raise ImageError(f"corrupt or truncated image ({type(exc).__name__}: {exc})") from exc


def decode_pixels(data: bytes, settings: Settings, *, upright: bool = False) -> np.ndarray:
    """The RGB pixels of image bytes, under the same guards as hashing (decoder allow-list, pixel bound,
    reduction above MAX_PDQ_PIXELS); ImageError naming the reason otherwise. For a viewer (the console's
    image pages) that must decode no more of a hostile file than the scan does."""
    if len(data) > settings.max_image_bytes:
        raise ImageError(f"image larger than {settings.max_image_bytes} bytes")
    return _open_pixels(io.BytesIO(data), settings, upright)


def pdq_of_pixels(rgb: np.ndarray) -> tuple[str, int]:
    """PDQ hex and quality of an RGB uint8 array (height x width x 3)."""
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb, dtype=np.uint8))
    return bits_to_hex(bits), int(quality)


def _hash_data(data: bytes, name: str, settings: Settings, upright: bool) -> ImageHash:
    """All three hashes of bytes already read; the cryptographic ones even when the bytes do not decode.

    A known file in a format Pillow cannot read (HEIC, AVIF, a video) or damaged just enough not to decode is
    still the identical file an MD5/SHA-256 bank lists, so only the PDQ is missing and `error` says why.
    """
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        rgb = _open_pixels(io.BytesIO(data), settings, upright)
    except ImageError as exc:
        return ImageHash(path=name, md5=md5, sha256=sha256, error=f"no PDQ: {exc}")
    pdq, quality = pdq_of_pixels(rgb)
    return ImageHash(path=name, pdq=pdq, quality=quality, md5=md5, sha256=sha256)


def hash_bytes(data: bytes, name: str, settings: Settings, *, upright: bool = False) -> ImageHash:
    """Hash an image held in memory; `error` is set instead of raising when it cannot be decoded."""
    if len(data) > settings.max_image_bytes:
        return ImageHash(
            path=name,
            error=f"file too large: {len(data)} bytes exceeds the limit of {settings.max_image_bytes}",
        )
    return _hash_data(data, name, settings, upright)


def read_bounded(path: Path, limit: int) -> bytes:
    """Read a file of at most `limit` bytes; raise ImageError naming the reason otherwise."""
    try:
        if not path.is_file():
            raise ImageError("not a regular file" if path.exists() else "file not found")
        size = path.stat().st_size
        if size > limit:
            raise ImageError(f"file too large: {size} bytes exceeds the limit of {limit}")
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise ImageError(f"cannot read file: {exc.strerror or exc}") from exc
    if len(data) > limit:  # grew while we read it
        raise ImageError(f"file too large: more than {limit} bytes")
    return data


def hash_file(path: Path, settings: Settings, *, upright: bool = False) -> ImageHash:
    """Hash one image file; a missing, oversize, corrupt or non-image file gives `error`, never an exception.

    A file that could not be read (missing, too large, not a regular file) has no hashes at all; one that was
    read but not decoded keeps its MD5 and SHA-256, with `error` starting "no PDQ: ".
    """
    try:
        data = read_bounded(path, settings.max_image_bytes)
    except ImageError as exc:
        return ImageHash(path=str(path), error=str(exc))
    return _hash_data(data, str(path), settings, upright)


def dihedral_hashes(
    source: Path | bytes, settings: Settings, *, upright: bool = False
) -> tuple[dict[str, str], int]:
    """The 8 PDQ hashes of the image rotated and flipped (name -> hex) and its quality.

    One decode, one downscale: the rotations are exact sign/transpose operations on the DCT (upstream's
    method), so a rotated or mirrored copy of a banked image is found by querying all 8. `upright` as for
    `hash_file`, so that `orig` is always the image's own `pdq`.
    Raises ImageError for an unreadable image.
    """
    data = read_bounded(source, settings.max_image_bytes) if isinstance(source, Path) else source
    if len(data) > settings.max_image_bytes:
        raise ImageError(f"file too large: {len(data)} bytes exceeds the limit of {settings.max_image_bytes}")
    rgb = _open_pixels(io.BytesIO(data), settings, upright)
    vectors, quality = pdqhash.compute_dihedral(np.ascontiguousarray(rgb, dtype=np.uint8))
    return {name: bits_to_hex(v) for name, v in zip(DIHEDRAL_NAMES, vectors, strict=True)}, int(quality)
