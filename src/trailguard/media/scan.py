"""The media part of a scan: hash the images items refer to, match them against the banks, link items
that share an image. Reports carry hashes, bank names and distances, never the image itself.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import orjson

from trailguard.media.hamming import HammingIndex, pdq_words
from trailguard.media.hashing import hash_file
from trailguard.media.hashtypes import hash_type
from trailguard.media.index import Match, MatchIndex
from trailguard.model import Hit, ImageHash, Span
from trailguard.settings import Settings

_INDICATORS = {
    "known": ("media.known_image_match", "known abusive material"),
    "victim_submission": ("media.victim_submitted_image_match", "an image a person asked to have blocked"),
}


class UnsafeImagePath(ValueError):
    """An item's image reference that would leave the input's directory."""


def resolve_item_image(base_dir: Path, ref: str) -> Path:
    """The file an item's image reference names, guaranteed to lie inside `base_dir`.

    Item files are attacker-written: an absolute path, a `..` that climbs out, or a symlink pointing
    elsewhere could make the scan read (and hash, and so disclose facts about) any file on the machine.
    """
    if not ref or "\x00" in ref:
        raise UnsafeImagePath(f"image reference {ref!r} is empty or contains a NUL byte")
    candidate = Path(ref)
    if candidate.is_absolute() or ref.startswith(("/", "\\")) or (len(ref) > 1 and ref[1] == ":"):
        raise UnsafeImagePath(
            f"image reference {ref!r} is an absolute path; only paths relative to the input"
        )
    base = base_dir.resolve()
    target = (base / candidate).resolve()  # follows symlinks, so a link out of base_dir is caught here
    if not target.is_relative_to(base):
        raise UnsafeImagePath(f"image reference {ref!r} leads outside the input's directory")
    return target


class ImageCache:
    """The hashes of the image files one scan has already hashed, so that a file many items name (one
    picture reused across a network's ads, or a hostile 7000x7000 PNG named by every line) is decoded once.

    A file is the same file while its device, inode, size and modification time are: a file rewritten
    between two items is hashed again. Each worker keeps a bounded memory of its own (least recently used
    out); with `shared_dir` (one directory per scan, made by the runner) the workers also share their results
    through it, so that N workers decode such a file once, not N times: the first to reach it holds a lock
    on the file's entry while it decodes, and the others wait and read its result.
    """

    def __init__(self, max_entries: int = 4096, shared_dir: Path | None = None) -> None:
        self._max = max_entries
        self._shared = shared_dir
        self._hashes: OrderedDict[tuple[str, int, int, int, int], ImageHash] = OrderedDict()

    def hash(self, path: Path, settings: Settings) -> ImageHash:
        """`hash_file(path, settings)`, from the cache when this file was hashed already."""
        try:
            st = path.stat()
        except OSError:
            return hash_file(path, settings)  # gives the error in words
        key = (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        cached = self._hashes.get(key)
        if cached is None:
            cached = self._hashes[key] = self._hash_shared(key, path, settings)
            if len(self._hashes) > self._max:
                self._hashes.popitem(last=False)
        else:
            self._hashes.move_to_end(key)
        return dataclasses.replace(cached)

    def _hash_shared(self, key: tuple[str, int, int, int, int], path: Path, settings: Settings) -> ImageHash:
        if self._shared is None:
            return hash_file(path, settings)
        import fcntl

        name = hashlib.blake2b(repr(key).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        done = self._shared / f"{name}.json"
        with (self._shared / f"{name}.lock").open("ab") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed, also if this worker dies
            if done.is_file():
                return ImageHash.from_dict(orjson.loads(done.read_bytes()))
            result = hash_file(path, settings)
            part = done.with_suffix(".part")
            part.write_bytes(orjson.dumps(result.to_dict()))
            part.replace(done)  # readers never see half an entry
            return result


def hash_item_images(
    base_dir: Path, refs: list[str], settings: Settings, cache: ImageCache | None = None
) -> list[ImageHash]:
    """Hash each referenced image; an unsafe or unreadable reference gives an ImageHash with `error`."""
    out = []
    for ref in refs:
        try:
            path = resolve_item_image(base_dir, ref)
        except UnsafeImagePath as exc:
            out.append(ImageHash(path=ref, error=str(exc)))
            continue
        result = cache.hash(path, settings) if cache is not None else hash_file(path, settings)
        result.path = ref  # report the reference as written, not the machine's absolute path
        out.append(result)
    return out


def _evidence(image: ImageHash, m: Match) -> Span:
    text = f"image {image.path} ~ bank '{m.bank}' entry {m.entry_id}, {m.hash_type} distance {m.distance}"
    return Span(start=0, end=0, text=text)


def match_item_images(hashes: list[ImageHash], index: MatchIndex) -> list[Hit]:
    """One hit per bank match of an item's images; a negative-bank match leaves a context hit instead."""
    hits: list[Hit] = []
    for image in hashes:
        result = index.match(image)
        for m in result.matches:
            indicator, what = _INDICATORS.get(m.bank_kind, _INDICATORS["known"])
            kind = hash_type(m.hash_type)
            how = (
                f"identical file ({kind.label})"
                if kind.exact
                else f"{kind.label} {kind.metric} {m.distance} of {kind.max_distance}"
            )
            hits.append(
                Hit(
                    indicator=indicator,
                    category="media",
                    weight=1.0,
                    grade="A",
                    evidence=[_evidence(image, m)],
                    explanation=(
                        f"Image {image.path} matches {what} in hash bank '{m.bank}' (entry {m.entry_id}"
                        f"{', label ' + repr(m.label) if m.label else ''}; {how}). A reviewer must confirm."
                    ),
                    source=f"hash bank '{m.bank}'",
                    effect="risk",
                )
            )
        if result.suppressed:
            neg = result.negative[0]
            hits.append(
                Hit(
                    indicator="media.match_suppressed_by_negative_bank",
                    category="media",
                    weight=0.0,
                    grade="A",
                    evidence=[_evidence(image, neg)],
                    explanation=(
                        f"Image {image.path} also matches negative bank '{neg.bank}' (known false matches), so "
                        f"{len(result.suppressed)} match(es) against "
                        f"{', '.join(sorted({m.bank for m in result.suppressed}))} were not counted."
                    ),
                    source=f"hash bank '{neg.bank}'",
                    effect="context",
                )
            )
    return hits


def pdq_neighbours(hexes: list[str], max_distance: int = 31) -> Iterator[tuple[int, int, int]]:
    """Pairs (i, j, distance), i < j, of PDQ hashes within `max_distance`: the link stage's image neighbours.

    Uses the same exact-recall HammingIndex as bank matching, so items whose pictures are re-encoded,
    resized or lightly edited copies of each other link, and the pair's distance is kept as evidence.
    """
    if len(hexes) < 2:
        return
    words = pdq_words(hexes)
    index = HammingIndex(words, max_distance)
    for a, row in enumerate(words):
        found, dists = index.query(row)
        for b, d in zip(found.tolist(), dists.tolist(), strict=True):
            if b > a:
                yield a, int(b), int(d)


__all__ = [
    "ImageCache",
    "UnsafeImagePath",
    "hash_item_images",
    "match_item_images",
    "pdq_neighbours",
    "resolve_item_image",
]
