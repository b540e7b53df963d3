"""Validation of hash text from untrusted sources (bank files, victim submissions, the command line)."""

from __future__ import annotations

import re

import numpy as np

_HEX = re.compile(r"\A[0-9a-f]+\Z")
LENGTHS = {"pdq": 64, "md5": 32, "sha256": 64}


def normalise_hash(kind: str, value: str) -> str:
    """Lower-case hex of the right length for `kind` (pdq, md5, sha256); ValueError naming the problem."""
    if kind not in LENGTHS:
        raise ValueError(f"unknown hash type {kind!r} (expected one of {', '.join(LENGTHS)})")
    text = value.strip().lower()
    if len(text) != LENGTHS[kind] or not _HEX.match(text):
        raise ValueError(f"not a {kind} hash: expected {LENGTHS[kind]} hex digits, got {value[:80]!r}")
    return text


def pdq_words(hexes: list[str]) -> np.ndarray:
    """PDQ hex strings as an (n, 4) uint64 array, the layout the index compares with popcount."""
    raw = bytes.fromhex("".join(hexes))
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, 4)


def hamming(a: str, b: str) -> int:
    """Bits that differ between two PDQ hex strings."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
