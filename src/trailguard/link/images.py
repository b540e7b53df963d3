"""Image links: identical files (MD5/SHA-256) and the same picture re-encoded (PDQ within a distance).

Exact hashes become identifiers like any phone number, so hub detection applies to them too (a site logo on
every ad is a hub). PDQ hashes below the quality floor are never matched (upstream convention).
"""

from __future__ import annotations

from collections import defaultdict

from trailguard.link.config import ImageNeighbours
from trailguard.model import ImageHash


def image_keys(
    images: list[ImageHash], min_quality: int, pdq_out: list[tuple[str, int]] | None, idx: int
) -> set[str]:
    """Identifier keys of an item's images.

    With `pdq_out` (a near-match index is configured), PDQ hashes are collected there for grouping later and
    get no exact-equality key of their own, which the near-match group already covers; without it, exact
    PDQ equality is the grouping.
    """
    keys: set[str] = set()
    for im in images:
        # A file read but not decoded keeps its MD5/SHA-256 (and links by them); one never read has no hashes.
        if im.sha256:
            keys.add(f"image:sha256:{im.sha256.lower()}")
        elif im.md5:
            keys.add(f"image:md5:{im.md5.lower()}")
        if im.pdq and (im.quality or 0) >= min_quality:
            pdq = im.pdq.lower()
            if pdq_out is None:
                keys.add(f"image:pdq:{pdq}")
            else:
                pdq_out.append((pdq, idx))
    return keys


def near_image_groups(pdq: list[tuple[str, int]], neighbours: ImageNeighbours) -> dict[str, list[int]]:
    """Items whose PDQ hashes are near each other (per the caller's index), keyed by the group's first hash."""
    hexes = [h for h, _ in pdq]
    parent = list(range(len(hexes)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, _ in neighbours(hexes):
        if 0 <= i < len(hexes) and 0 <= j < len(hexes):
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, set[int]] = defaultdict(set)
    for k in range(len(hexes)):
        groups[find(k)].add(pdq[k][1])
    return {f"image:pdq~:{hexes[root]}": sorted(items) for root, items in groups.items() if len(items) >= 2}
