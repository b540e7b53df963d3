"""Word shingles of every item's text, as compact numpy arrays, with their document frequencies.

Held as one token-id array for the whole batch (not one Python set per item) so a million ads fit in a few
hundred megabytes and every later step (stock-phrase suppression, MinHash, TF-IDF top phrases) is a
vectorised pass over the same arrays.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass

import numpy as np

_TOKEN = re.compile(r"[a-z0-9$@'_.]+")
_DIGIT = re.compile(r"\d")
DOC_BITS = 40  # shingle hashes keep 40 bits; the document index lives in the 24 bits above them
HASH_MASK = np.uint64((1 << DOC_BITS) - 1)
MAX_DOCS = 1 << (64 - DOC_BITS)


def tokens(text: str, max_chars: int) -> list[str]:
    """Lower-case word tokens with digits folded to 0, so changed ages and prices still align."""
    return [t.strip("._") or t for t in _TOKEN.findall(_DIGIT.sub("0", text[:max_chars].lower()))]


class TokenStore:
    """Token ids of all documents, appended one document at a time while the assessments stream in."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.vocab: dict[str, int] = {}
        self.ids = array("I")
        self.lengths = array("I")

    def add(self, text: str) -> None:
        if len(self.lengths) >= MAX_DOCS:
            raise ValueError(f"link handles at most {MAX_DOCS} items in one batch")
        vocab = self.vocab
        toks = tokens(text, self.max_chars)
        self.ids.extend([vocab.setdefault(t, len(vocab)) for t in toks])
        self.lengths.append(len(toks))


@dataclass(slots=True)
class Shingles:
    """Distinct (document, shingle) pairs sorted by document, and each shingle's document frequency."""

    doc: np.ndarray  # int64, one row per distinct (document, shingle)
    hash: np.ndarray  # uint64 40-bit shingle hash
    df: np.ndarray  # int64 document frequency of that shingle
    n_docs: int


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads token-id combinations over 64 bits."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


CHUNK_TOKENS = 4_000_000  # shingles are hashed a slice of documents at a time to bound temporary memory


def _chunk_keys(ids: np.ndarray, lengths: np.ndarray, first_doc: int, size: int) -> np.ndarray:
    """Sorted distinct (document << 40 | shingle hash) keys of consecutive documents."""
    doc_of = np.repeat(np.arange(first_doc, first_doc + len(lengths), dtype=np.int64), lengths)
    m = len(ids) - size + 1
    if m <= 0:
        return np.zeros(0, dtype=np.uint64)
    valid = doc_of[:m] == doc_of[size - 1 :]
    h = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(size):
            h = _mix(h ^ ids[k : k + m])
    keys = (doc_of[:m][valid].astype(np.uint64) << np.uint64(DOC_BITS)) | (h[valid] & HASH_MASK)
    return np.unique(keys)


def build(store: TokenStore, size: int) -> Shingles:
    n_docs = len(store.lengths)
    lengths = np.frombuffer(store.lengths, dtype=np.uint32).astype(np.int64)
    ids = np.frombuffer(store.ids, dtype=np.uint32)
    offsets = np.r_[0, np.cumsum(lengths)]
    parts: list[np.ndarray] = []
    d = 0
    while d < n_docs:  # documents never straddle a chunk, so the concatenated keys stay sorted
        end = max(d + 1, int(np.searchsorted(offsets, offsets[d] + CHUNK_TOKENS, side="right")) - 1)
        end = min(end, n_docs)
        chunk = ids[offsets[d] : offsets[end]].astype(np.uint64)
        parts.append(_chunk_keys(chunk, lengths[d:end], d, size))
        d = end
    keys = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
    del parts
    doc = (keys >> np.uint64(DOC_BITS)).astype(np.int64)
    sh = keys & HASH_MASK
    del keys
    ordered = np.sort(sh)
    starts = (
        np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else np.zeros(0, np.int64)
    )
    uniq = ordered[starts]
    counts = np.diff(np.r_[starts, len(ordered)])
    del ordered
    df = counts[np.searchsorted(uniq, sh)] if len(uniq) else np.zeros(0, dtype=np.int64)
    return Shingles(doc, sh, df.astype(np.int64), n_docs)


def spread(sh: Shingles, owner: np.ndarray, identified: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: among the items with an identifier that use the shingle, how many there are and how many
    distinct owners (poster components joined by identifiers) they belong to.

    A phrase used by many unrelated posters is stock wording; a group's own template phrase is used by many
    ads but few owners. This is what tells them apart at any corpus size. Items without any identifier are
    left out: each would count as an owner of its own.
    """
    if len(sh.hash) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    rows = identified[sh.doc]
    if not rows.any():
        empty = np.zeros(len(sh.hash), dtype=np.int64)
        return empty, empty
    h = sh.hash[rows]
    lab = owner[sh.doc[rows]].astype(np.int64)
    order = np.lexsort((lab, h))
    h, lab = h[order], lab[order]
    new_pair = np.r_[True, (h[1:] != h[:-1]) | (lab[1:] != lab[:-1])]
    hashes, users = np.unique(h, return_counts=True)
    owners = np.unique(h[new_pair], return_counts=True)[1]
    pos = np.minimum(np.searchsorted(hashes, sh.hash), len(hashes) - 1)
    found = hashes[pos] == sh.hash
    return np.where(found, users[pos], 0), np.where(found, owners[pos], 0)
