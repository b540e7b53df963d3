"""MinHash signatures and LSH banding over the shingle arrays: candidate near-duplicate pairs.

Written by hand rather than with datasketch: datasketch's MinHash objects and MinHashLSH keep Python objects
and dict entries per document and band (gigabytes at a million ads), and hash one document at a time. Here
the signatures are one uint32 matrix computed with vectorised passes (multiply-shift hashing, a universal
family) and the bands are grouped by sorting, which keeps 1M ads within the memory target.
"""

from __future__ import annotations

import numpy as np

from trailguard.link.shingles import Shingles

EMPTY = np.uint32(0xFFFFFFFF)


def signatures(sh: Shingles, keep: np.ndarray, num_perm: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Signature matrix (docs x num_perm) over the kept shingles (`keep`: per distinct shingle), and which
    documents have any.

    Each permutation hashes the distinct shingles once and gathers the values per row, so the per-row work
    is a uint32 gather and a segmented minimum.
    """
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    rows = keep[sh.sid]
    doc = sh.doc[rows]
    sid = sh.sid[rows]
    del rows
    sig = np.full((sh.n_docs, num_perm), EMPTY, dtype=np.uint32)
    if len(doc) == 0:
        return sig, np.zeros(sh.n_docs, dtype=bool)
    starts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
    present = doc[starts]
    del doc
    with np.errstate(over="ignore"):
        for k in range(num_perm):
            per_shingle = ((a[k] * sh.hashes + b[k]) >> np.uint64(32)).astype(np.uint32)
            sig[present, k] = np.minimum.reduceat(per_shingle[sid], starts)
    has = np.zeros(sh.n_docs, dtype=bool)
    has[present] = True
    return sig, has


def candidate_pairs(
    sig: np.ndarray, has: np.ndarray, rank: np.ndarray, bands: int, rows: int, max_bucket: int
) -> np.ndarray:
    """Pairs (i < j) that agree on all rows of at least one band; each bucket is linked as a star and a chain.

    Linking a bucket's members to its first member and to their neighbour (instead of all pairs) keeps the
    cost linear in bucket size; connectivity, not the full pair list, is what clustering needs. Within a
    bucket members are taken in `rank` order (item-id order), so which pairs are checked never depends on
    the order the items came in.
    """
    docs = np.flatnonzero(has)
    out: list[np.ndarray] = []
    if len(docs) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    with np.errstate(over="ignore"):
        for band in range(bands):
            cols = sig[docs, band * rows : (band + 1) * rows].astype(np.uint64)
            key = np.zeros(len(docs), dtype=np.uint64)
            for c in range(rows):
                key = (key * np.uint64(0x9E3779B97F4A7C15)) ^ cols[:, c]
            order = np.lexsort((rank[docs], key))
            k = key[order]
            d = docs[order]
            same = k[1:] == k[:-1]
            run_start = np.flatnonzero(np.r_[True, ~same])
            run_id = np.cumsum(np.r_[True, ~same]) - 1
            first = d[run_start][run_id]
            size = np.diff(np.r_[run_start, len(d)])[run_id]
            star = (first != d) & (size <= max_bucket)
            out.append(_packed(first[star], d[star]))
            out.append(_packed(d[:-1][same], d[1:][same]))
    keys = np.unique(np.concatenate(out)) if out else np.zeros(0, dtype=np.uint64)
    return np.stack([(keys >> np.uint64(32)), keys & np.uint64(0xFFFFFFFF)], axis=1).astype(np.int64)


def _packed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distinct pairs as (smaller << 32 | larger) uint64: 8 bytes an edge, not 16 as two int64 columns."""
    lo, hi = np.minimum(a, b).astype(np.uint64), np.maximum(a, b).astype(np.uint64)
    return np.unique((lo << np.uint64(32)) | hi)


def similar(sig: np.ndarray, pairs: np.ndarray, threshold: float) -> np.ndarray:
    """Keep pairs whose estimated Jaccard similarity reaches the threshold."""
    if len(pairs) == 0:
        return pairs
    est = np.empty(len(pairs))
    step = 50_000  # pairs compared at once: two gathers of step x num_perm uint32 (13 MB each at 64)
    for s in range(0, len(pairs), step):
        p = pairs[s : s + step]
        est[s : s + step] = (sig[p[:, 0]] == sig[p[:, 1]]).mean(axis=1)
    ok = est >= threshold
    return pairs[ok]
