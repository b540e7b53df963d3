"""Hash types as a registry: PDQ, MD5 and SHA-256 each one class with its name, parsing, distance and index.

Modelled on python-threatexchange's SignalType: everything that differs between hash types lives on the
type, so bank files, the store, the match index and the command line ask the registry instead of comparing
strings, and adding a type (vPDQ, PhotoDNA-like fingerprints) is one class and one `register` call. Every
registered type passes the same conformance tests (tests/test_media_hashtypes.py, `HashTypeConformance`).

Two families:
- similarity hashes (PDQ): distance is a metric (Hamming over 256 bits); a bank entry matches within the
  index's distance; quality says whether a hash carries enough detail to be used;
- exact hashes (MD5, SHA-256): the discrete metric (0 for the same file, 1 for any other), so they match at
  distance 0 only, whatever distance a caller asks for PDQ.

This module imports nothing heavy: the command line consults it at start-up. The PDQ index (numpy) is
imported when one is built.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any, ClassVar, Protocol

from trailguard.model import ImageHash

_HEX = re.compile(r"\A[0-9a-f]+\Z")


class HashIndex(Protocol):
    """Rows of the values an index was built from, near a query value."""

    def __len__(self) -> int: ...

    def query(self, value: str, max_distance: int) -> list[tuple[int, int]]:
        """(row, distance) of every value within `max_distance` (already normalised), nearest first."""
        ...


class HashType:
    """One kind of hash. Subclasses set the class variables; the methods are shared where they can be."""

    name: ClassVar[str]  # the stored and exported `hash_type`, lower case; also the ImageHash attribute
    aliases: ClassVar[tuple[str, ...]] = ()  # other spellings partners' files use (HMA, ThreatExchange)
    label: ClassVar[str]  # as a reviewer reads it: "PDQ", "SHA-256"
    hex_digits: ClassVar[int]
    description: ClassVar[str]
    metric: ClassVar[str] = "distance"  # what `distance` measures, in words
    exact: ClassVar[bool]  # True: only identical values match
    max_distance: ClassVar[int]  # the largest distance `distance` can return
    has_quality: ClassVar[bool] = False  # a quality score comes with each hash and gates its use

    @classmethod
    def normalise(cls, value: str) -> str:
        """Lower-case hex of the right length; ValueError naming the type and what was wrong."""
        text = value.strip().lower()
        if len(text) != cls.hex_digits or not _HEX.match(text):
            raise ValueError(
                f"not a {cls.name} hash: expected {cls.hex_digits} hex digits, got {value[:80]!r}"
            )
        return text

    @classmethod
    def is_valid(cls, value: str) -> bool:
        try:
            cls.normalise(value)
        except ValueError:
            return False
        return True

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        """Distance between two normalised values of this type."""
        raise NotImplementedError

    @classmethod
    def build_index(cls, values: Sequence[str], max_distance: int) -> HashIndex:
        """An index over normalised values, answering queries up to `max_distance` with exact recall."""
        raise NotImplementedError

    @classmethod
    def as_image(cls, value: str, path: str = "") -> ImageHash:
        """An ImageHash holding only this one hash, for matching a hash given without its image."""
        fields: dict[str, Any] = {cls.name: value}
        return replace(ImageHash(path=path), **fields)

    @classmethod
    def of_image(cls, image: ImageHash) -> str | None:
        """This type's value among an image's hashes, if it has one."""
        value = getattr(image, cls.name)
        return value if isinstance(value, str) else None


class _ExactIndex:
    """Exact look-up: a dict from value to the rows holding it."""

    def __init__(self, values: Sequence[str]) -> None:
        self._rows: dict[str, list[int]] = defaultdict(list)
        for row, value in enumerate(values):
            self._rows[value].append(row)
        self._n = len(values)

    def __len__(self) -> int:
        return self._n

    def query(self, value: str, max_distance: int) -> list[tuple[int, int]]:
        return [(row, 0) for row in self._rows.get(value, ())]


class ExactHash(HashType):
    """A cryptographic file hash: the same value means the same bytes; any change gives an unrelated value."""

    exact = True
    max_distance = 1

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        return 0 if a == b else 1

    @classmethod
    def build_index(cls, values: Sequence[str], max_distance: int) -> HashIndex:
        return _ExactIndex(values)


class _PdqIndex:
    """The exact-recall multi-index Hamming search (media/hamming.py) behind the HashIndex protocol."""

    def __init__(self, values: Sequence[str], max_distance: int) -> None:
        from trailguard.media.hamming import HammingIndex, pdq_words

        self._to_words = pdq_words
        self._index = HammingIndex(pdq_words(values), max_distance)

    def __len__(self) -> int:
        return len(self._index)

    def query(self, value: str, max_distance: int) -> list[tuple[int, int]]:
        rows, dists = self._index.query(self._to_words([value])[0], max_distance)
        return sorted(zip(rows.tolist(), dists.tolist(), strict=True), key=lambda rd: (rd[1], rd[0]))


class PDQ(HashType):
    """Meta's PDQ perceptual hash: 256 bits, near-duplicate pictures lie within a small Hamming distance."""

    name = "pdq"
    label = "PDQ"
    metric = "Hamming distance"
    hex_digits = 64
    description = "PDQ perceptual hash (256 bits), matched within a Hamming distance"
    exact = False
    max_distance = 256
    has_quality = True

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        return (int(a, 16) ^ int(b, 16)).bit_count()

    @classmethod
    def build_index(cls, values: Sequence[str], max_distance: int) -> HashIndex:
        return _PdqIndex(values, max_distance)


class MD5(ExactHash):
    name = "md5"
    label = "MD5"
    aliases = ("photo_md5",)  # HMA's name; its video_md5 is not an image hash and stays unknown
    hex_digits = 32
    description = "MD5 of the file's bytes, matched exactly"


class SHA256(ExactHash):
    name = "sha256"
    label = "SHA-256"
    aliases = ("sha-256",)
    hex_digits = 64
    description = "SHA-256 of the file's bytes, matched exactly"


class Registry:
    """The hash types Trailguard knows, by name and alias; names and aliases are unique across types."""

    def __init__(self) -> None:
        self._types: dict[str, type[HashType]] = {}
        self._lookup: dict[str, type[HashType]] = {}

    def register(self, cls: type[HashType]) -> type[HashType]:
        for key in (cls.name, *cls.aliases):
            if key != key.lower() or not key:
                raise ValueError(f"hash type names are non-empty lower case, got {key!r}")
            if key in self._lookup:
                raise ValueError(f"hash type name {key!r} is already taken by {self._lookup[key].__name__}")
        self._types[cls.name] = cls
        for key in (cls.name, *cls.aliases):
            self._lookup[key] = cls
        return cls

    def get(self, name: str) -> type[HashType]:
        """The type called `name` or one of its aliases (any case); ValueError naming the known types."""
        found = self._lookup.get(name.strip().lower())
        if found is None:
            raise ValueError(f"unknown hash type {name[:40]!r} (expected one of {', '.join(self.names())})")
        return found

    def names(self) -> tuple[str, ...]:
        return tuple(self._types)

    def __iter__(self) -> Iterator[type[HashType]]:
        return iter(self._types.values())

    def parse_tagged(self, text: str) -> tuple[type[HashType], str] | None:
        """`TYPE:VALUE` (e.g. `sha256:9f86...`) as its type and normalised value; None when not tagged.

        ValueError when the tag names a type but the value is not one of it.
        """
        tag, sep, value = text.partition(":")
        if not sep or tag.strip().lower() not in self._lookup:
            return None
        kind = self.get(tag)
        return kind, kind.normalise(value)


HASH_TYPES = Registry()
for _cls in (PDQ, MD5, SHA256):
    HASH_TYPES.register(_cls)


def hash_type(name: str) -> type[HashType]:
    """The registered type called `name` (or an alias); ValueError for an unknown one."""
    return HASH_TYPES.get(name)
