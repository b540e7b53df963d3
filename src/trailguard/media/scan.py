"""The media part of a scan: hash the images items refer to, match them against the banks, link items
that share an image. Reports carry hashes, bank names and distances, never the image itself.
"""

from __future__ import annotations

from pathlib import Path

from trailguard.media.hamming import HammingIndex
from trailguard.media.hashing import hash_file
from trailguard.media.hexcodes import pdq_words
from trailguard.media.index import Match, MatchIndex
from trailguard.model import Hit, ImageHash, LinkReason, Span
from trailguard.settings import Settings

_INDICATORS = {
    "known": ("media.known_image_match", "known abusive material"),
    "victim_submission": ("media.victim_submitted_image_match", "an image a person asked to have blocked"),
}
MAX_LINK_PAIRS = 50  # pairs listed as evidence on one shared-image link; the group itself is not capped


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


def hash_item_images(base_dir: Path, refs: list[str], settings: Settings) -> list[ImageHash]:
    """Hash each referenced image; an unsafe or unreadable reference gives an ImageHash with `error`."""
    out = []
    for ref in refs:
        try:
            path = resolve_item_image(base_dir, ref)
        except UnsafeImagePath as exc:
            out.append(ImageHash(path=ref, error=str(exc)))
            continue
        result = hash_file(path, settings)
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
            how = "identical file" if m.hash_type != "pdq" else f"PDQ Hamming distance {m.distance} of 256"
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


def image_link_reasons(images: list[tuple[str, ImageHash]], settings: Settings) -> list[LinkReason]:
    """Groups of items whose images match each other (same SHA-256, or PDQ within the match distance).

    Groups are connected components of the "matches" relation; each reason lists the matching pairs
    (item, image, item, image, distance) as its checkable evidence. Low-quality PDQ hashes never link.
    """
    usable = [(item, img) for item, img in images if img.error is None]
    parent = list(range(len(usable)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs: list[tuple[int, int, int]] = []
    by_sha: dict[str, int] = {}
    for i, (_, img) in enumerate(usable):
        if img.sha256 in by_sha:
            pairs.append((by_sha[img.sha256], i, 0))
        elif img.sha256:
            by_sha[img.sha256] = i
    pdq_rows = [
        i
        for i, (_, img) in enumerate(usable)
        if img.pdq and (img.quality or 0) >= settings.pdq_min_quality and by_sha.get(img.sha256 or "") == i
    ]
    if len(pdq_rows) > 1:
        words = pdq_words([usable[i][1].pdq or "" for i in pdq_rows])
        index = HammingIndex(words, settings.pdq_max_distance)
        for a, row in enumerate(words):
            found, dists = index.query(row)
            for b, d in zip(found.tolist(), dists.tolist(), strict=True):
                if b > a:
                    pairs.append((pdq_rows[a], pdq_rows[b], int(d)))
    for a, b, _ in pairs:
        parent[find(a)] = find(b)
    groups: dict[int, list[tuple[int, int, int]]] = {}
    for pair in pairs:
        groups.setdefault(find(pair[0]), []).append(pair)
    reasons = []
    for members in groups.values():
        items = sorted({usable[i][0] for a, b, _ in members for i in (a, b)})
        if len(items) < 2:
            continue  # the same image twice in one item is not a link
        first = usable[members[0][0]][1]
        reasons.append(
            LinkReason(
                kind="shared_image",
                value=f"pdq:{first.pdq}" if first.pdq else f"sha256:{first.sha256}",
                items=items,
                detail={
                    "pairs": [
                        [usable[a][0], usable[a][1].path, usable[b][0], usable[b][1].path, d]
                        for a, b, d in members[:MAX_LINK_PAIRS]
                    ],
                    "pair_count": len(members),
                },
            )
        )
    reasons.sort(key=lambda r: r.items)
    return reasons


__all__ = [
    "UnsafeImagePath",
    "hash_item_images",
    "image_link_reasons",
    "match_item_images",
    "resolve_item_image",
]
