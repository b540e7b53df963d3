"""The match index over every active bank hash: PDQ within a Hamming distance, MD5 and SHA-256 exactly.

Each registered hash type (media/hashtypes.py) brings its own index; this module adds the rules that hold
across types.

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

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from trailguard.media.hashtypes import HASH_TYPES, HashType, hash_type
from trailguard.model import ImageHash
from trailguard.settings import Settings
from trailguard.store.banks import BankEntry, active_entries

if TYPE_CHECKING:
    from sqlalchemy import Engine


@dataclass(frozen=True, slots=True)
class Match:
    bank: str
    bank_kind: str
    label: str
    entry_id: int
    hash_type: str  # a registered hash type name (pdq, md5, sha256)
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
    """All active bank entries, one index per registered hash type (media/hashtypes.py)."""

    def __init__(
        self, entries: Iterable[BankEntry], *, min_quality: int = 50, max_distance: int = 31
    ) -> None:
        self.min_quality = min_quality
        self.max_distance = max_distance
        self._entries: dict[str, list[BankEntry]] = {t.name: [] for t in HASH_TYPES}
        self.low_quality = 0  # entries kept in the bank but left out of the index
        for entry in entries:
            kind = hash_type(entry.hash_type)  # the store only holds registered types
            if kind.has_quality and entry.quality is not None and entry.quality < min_quality:
                self.low_quality += 1
                continue
            self._entries[kind.name].append(entry)
        self._indexes = {
            t.name: t.build_index([e.value for e in self._entries[t.name]], self._limit(t))
            for t in HASH_TYPES
        }

    @classmethod
    def from_store(cls, engine: Engine, settings: Settings) -> MatchIndex:
        return cls(
            active_entries(engine),
            min_quality=settings.pdq_min_quality,
            max_distance=settings.pdq_max_distance,
        )

    def __len__(self) -> int:
        return sum(len(v) for v in self._entries.values())

    def _limit(self, kind: type[HashType]) -> int:
        return 0 if kind.exact else self.max_distance

    def query(self, kind: str, value: str, max_distance: int | None = None) -> list[Match]:
        """Every indexed entry of this hash type within the distance, nearest first (no negative-bank logic).

        Exact types match at distance 0 whatever `max_distance` says. ValueError for an unknown type, a value
        that is not one of it, or a distance beyond the one the index was built for.
        """
        t = hash_type(kind)
        limit = self._limit(t)
        if not t.exact and max_distance is not None:
            if max_distance > limit:
                raise ValueError(f"index built for distance <= {limit}, asked for {max_distance}")
            limit = max_distance
        entries = self._entries[t.name]
        return [
            self._match(entries[row], d) for row, d in self._indexes[t.name].query(t.normalise(value), limit)
        ]

    def match(self, image: ImageHash, max_distance: int | None = None) -> MatchResult:
        """Match one image's hashes against every bank, applying the quality floor and negative banks.

        Each hash the image has is used: exact types (MD5, SHA-256) first, then similarity types (PDQ) by
        distance. A file that was read but not decoded has no PDQ, yet its exact hashes still find an
        identical banked file; `skipped` says why the PDQ was not used. `max_distance` narrows the positive
        similarity matches only; negative banks are searched at the index's own distance (see the module
        docstring for the suppression rule).
        """
        result = MatchResult()
        limit = self.max_distance if max_distance is None else max_distance
        if limit > self.max_distance:
            raise ValueError(f"index built for distance <= {self.max_distance}, asked for {limit}")
        found: list[Match] = []
        similarity_used = False
        for t in sorted(HASH_TYPES, key=lambda t: not t.exact):
            value = t.of_image(image)
            if not value:
                continue
            if t.has_quality and image.quality is not None and image.quality < self.min_quality:
                result.skipped = (
                    f"{t.label} quality {image.quality} is below {self.min_quality}: not used for matching"
                )
                continue
            similarity_used |= not t.exact
            found.extend(
                m
                for m in self.query(t.name, value)
                if t.exact or m.bank_kind == "negative" or m.distance <= limit
            )
        if not similarity_used and result.skipped is None and image.error is not None:
            result.skipped = image.error
        seen: set[int] = set()
        unique = []
        for m in found:  # an entry found by MD5 and PDQ at once is reported once, by its first (exact) match
            if m.entry_id not in seen:
                seen.add(m.entry_id)
                unique.append(m)
        result.negative = [m for m in unique if m.bank_kind == "negative"]
        exact_negative = {m.hash_type for m in result.negative if hash_type(m.hash_type).exact}
        for m in unique:
            if m.bank_kind == "negative":
                continue
            # A similarity match yields to any negative match; an exact one only to a negative of the same
            # exact hash type.
            exact = hash_type(m.hash_type).exact
            cancelled = m.hash_type in exact_negative if exact else bool(result.negative)
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
