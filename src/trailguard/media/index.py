"""The match index over every active bank hash: PDQ within a Hamming distance, MD5 and SHA-256 exactly.

Rules it enforces (see docs/media.md):
- only active (not withdrawn) entries are loaded; rebuild the index after a withdrawal (the CLI and the scan
  build it fresh from the store each run, so a withdrawn hash stops matching at once);
- PDQ hashes below the minimum quality are neither indexed nor queried (too featureless to mean anything);
  a bank entry whose quality is unknown is trusted, as its curator vouched for it;
- a query that matches a negative bank (stock photos, memes known to collide) has its other matches
  suppressed: they are returned in `suppressed`, never as matches. Negative banks are always searched at
  the index's full PDQ distance, whatever distance the caller asks for positives: a stricter query must not
  switch the suppression off. An exact (MD5/SHA-256) match is suppressed only by a negative entry for that
  same exact hash: a PDQ look-alike of a harmless picture says nothing about an identical known file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Engine

from trailguard.media.hamming import HammingIndex
from trailguard.media.hexcodes import normalise_hash, pdq_words
from trailguard.model import ImageHash
from trailguard.settings import Settings
from trailguard.store.banks import BankEntry, active_entries


@dataclass(frozen=True, slots=True)
class Match:
    bank: str
    bank_kind: str
    label: str
    entry_id: int
    hash_type: str  # pdq, md5 or sha256
    distance: int  # 0 for exact MD5/SHA-256 matches
    case_ref: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "bank": self.bank,
            "bank_kind": self.bank_kind,
            "label": self.label,
            "entry_id": self.entry_id,
            "hash_type": self.hash_type,
            "distance": self.distance,
            "case_ref": self.case_ref,
        }


@dataclass(slots=True)
class MatchResult:
    matches: list[Match] = field(default_factory=list)
    suppressed: list[Match] = field(default_factory=list)  # matches cancelled by a negative-bank match
    negative: list[Match] = field(default_factory=list)  # the negative-bank entries that cancelled them
    skipped: str | None = None  # why no PDQ matching was done (low quality, not decodable), if it was not


class MatchIndex:
    """All active bank entries, searchable by PDQ distance and exact cryptographic hash."""

    def __init__(
        self, entries: Iterable[BankEntry], *, min_quality: int = 50, max_distance: int = 31
    ) -> None:
        self.min_quality = min_quality
        self.max_distance = max_distance
        self._pdq: list[BankEntry] = []
        self._exact: dict[tuple[str, str], list[BankEntry]] = defaultdict(list)
        self.low_quality = 0  # entries kept in the bank but left out of the index
        for entry in entries:
            if entry.hash_type == "pdq":
                if entry.quality is not None and entry.quality < min_quality:
                    self.low_quality += 1
                    continue
                self._pdq.append(entry)
            else:
                self._exact[(entry.hash_type, entry.value)].append(entry)
        words = pdq_words([e.value for e in self._pdq]) if self._pdq else np.zeros((0, 4), dtype=np.uint64)
        self._hamming = HammingIndex(words, max_distance)

    @classmethod
    def from_store(cls, engine: Engine, settings: Settings) -> MatchIndex:
        return cls(
            active_entries(engine),
            min_quality=settings.pdq_min_quality,
            max_distance=settings.pdq_max_distance,
        )

    def __len__(self) -> int:
        return len(self._pdq) + sum(len(v) for v in self._exact.values())

    def query_pdq(self, pdq: str, max_distance: int | None = None) -> list[Match]:
        """Every indexed PDQ entry within the distance, nearest first (no negative-bank logic)."""
        value = normalise_hash("pdq", pdq)
        rows, dists = self._hamming.query(pdq_words([value])[0], max_distance)
        order = np.lexsort((rows, dists))
        return [self._match(self._pdq[int(rows[i])], int(dists[i])) for i in order]

    def query_exact(self, hash_type: str, value: str) -> list[Match]:
        return [self._match(e, 0) for e in self._exact.get((hash_type, normalise_hash(hash_type, value)), [])]

    def match(self, image: ImageHash, max_distance: int | None = None) -> MatchResult:
        """Match one image's hashes against every bank, applying the quality floor and negative banks.

        Each hash the image has is used: MD5/SHA-256 exactly, PDQ by distance. A file that was read but not
        decoded has no PDQ, yet its exact hashes still find an identical banked file; `skipped` says why the
        PDQ was not used. `max_distance` narrows the positive PDQ matches only; negative banks are searched
        at the index's own distance (see the module docstring for the suppression rule).
        """
        result = MatchResult()
        found: list[Match] = []
        for hash_type in ("md5", "sha256"):
            value = getattr(image, hash_type)
            if value:
                found.extend(self.query_exact(hash_type, value))
        if image.pdq:
            if image.quality is not None and image.quality < self.min_quality:
                result.skipped = (
                    f"PDQ quality {image.quality} is below {self.min_quality}: not used for matching"
                )
            else:
                limit = self.max_distance if max_distance is None else max_distance
                if limit > self.max_distance:
                    raise ValueError(f"index built for distance <= {self.max_distance}, asked for {limit}")
                found.extend(
                    m for m in self.query_pdq(image.pdq) if m.bank_kind == "negative" or m.distance <= limit
                )
        elif image.error is not None:
            result.skipped = image.error
        seen: set[int] = set()
        unique = []
        for m in found:  # an entry found by MD5 and PDQ at once is reported once, by its first (exact) match
            if m.entry_id not in seen:
                seen.add(m.entry_id)
                unique.append(m)
        result.negative = [m for m in unique if m.bank_kind == "negative"]
        exact_negative = {m.hash_type for m in result.negative if m.hash_type != "pdq"}
        for m in unique:
            if m.bank_kind == "negative":
                continue
            # A PDQ match yields to any negative match; an exact one only to a negative of the same exact hash.
            cancelled = bool(result.negative) if m.hash_type == "pdq" else m.hash_type in exact_negative
            (result.suppressed if cancelled else result.matches).append(m)
        return result

    @staticmethod
    def _match(entry: BankEntry, distance: int) -> Match:
        return Match(
            bank=entry.bank,
            bank_kind=entry.bank_kind,
            label=entry.label,
            entry_id=entry.id,
            hash_type=entry.hash_type,
            distance=distance,
            case_ref=entry.case_ref,
        )
