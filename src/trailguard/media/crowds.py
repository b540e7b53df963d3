"""Exact radius search inside the crowded regions of a hash bank: pivots, members stored by distance.

Why: real banks are full of near-duplicates (re-uploads, re-encodings, the frames of one video). Their bits
are correlated, so in the multi-index of media/hamming.py they crowd into a few chunk buckets and a query
near them draws hundreds of thousands of scattered candidates. Here such rows are grouped instead:

- a few pivots are chosen where the bank is dense (`find_pivots`, on a sample);
- every row within `reach` bits of a pivot becomes a member of its nearest pivot, and the members are
  stored contiguously, pivot by pivot and, within a pivot, by their distance r to it;
- a query at distance p from a pivot can only match members with |p - r| <= D (triangle inequality:
  d(q, m) >= |d(q, pivot) - d(pivot, m)|), which is one contiguous run of that pivot's members; each run is
  verified on all 256 bits by faiss's popcount over contiguous codes (about 0.5 ns a row, against about
  140 ns for a scattered candidate of the multi-index).

Exact whatever pivots are chosen: the choice only decides how much is read. Rows farther than `reach` from
every pivot are left to the multi-index (`HammingIndex` combines both).
"""

from __future__ import annotations

import faiss
import numpy as np

CODE_BYTES = 32  # a 256-bit hash
# Windows of the member array closer than this many rows are verified as one: scanning the gap costs less
# than another call.
_MERGE_GAP = 256


def faiss_codes(words: np.ndarray) -> np.ndarray:
    """(n, 4) uint64 hash words as faiss's (n, 32) uint8 binary codes, in the same (big-endian) bit order."""
    return np.ascontiguousarray(
        np.asarray(words, dtype=np.uint64).astype(">u8").view(np.uint8).reshape(-1, CODE_BYTES)
    )


def distances(query: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Hamming distance from one (1, 32) code to each row of a C-contiguous (k, 32) block, as int32."""
    out = np.empty(len(codes), dtype=np.int32)
    if len(codes):
        ptr = faiss.swig_ptr
        faiss.hammings(ptr(query), ptr(codes), 1, len(codes), CODE_BYTES, ptr(out))  # type: ignore[attr-defined]
    return out


def find_pivots(
    codes: np.ndarray, radius: int = 32, *, sample: int = 50_000, min_members: int = 64, seed: int = 0
) -> np.ndarray:
    """Pivots at the dense spots of the bank: (k, 32) codes, none when the bank has no crowds.

    A random sample of the rows stands for the bank. Each sample row's neighbours within `radius` are
    counted (faiss range searches, sample x sample); then, densest first, a row whose uncovered neighbours
    stand for at least `min_members` bank rows (and at least 2 sample rows, so that a lone hash is never a
    pivot) becomes a pivot and covers them. A random bank yields none, since its hashes lie about 128 bits
    apart. Only the covering pass lists neighbours, a batch of rows at a time and among the uncovered rows
    only, so that a bank that is one tight crowd (sample^2 pairs) costs neither the time nor the memory of
    listing them all.
    """
    n = len(codes)
    if n == 0:
        return np.empty((0, CODE_BYTES), dtype=np.uint8)
    rng = np.random.default_rng(seed)
    picked = np.ascontiguousarray(codes[np.sort(rng.choice(n, size=min(n, sample), replace=False))])
    # Counted one row at a time (about 20 us each), whatever the density: range searches would materialise
    # every pair, sample^2 of them in a bank that is one tight crowd.
    count_within, as_codes = faiss.hamming_count_thres, faiss.cast_integer_to_uint8_ptr  # type: ignore[attr-defined]
    counts = np.zeros(len(picked), dtype=np.int64)
    total = np.zeros(1, dtype=np.uint64)
    everyone, into = faiss.swig_ptr(picked), faiss.swig_ptr(total)
    first = picked.ctypes.data
    for i in range(len(picked)):  # counts distances <= radius, overwriting `total`
        count_within(as_codes(first + i * CODE_BYTES), everyone, 1, len(picked), radius, CODE_BYTES, into)
        counts[i] = total[0]
    need = max(2, int(min_members * len(picked) / n))
    order = np.argsort(-counts, kind="stable")
    order = order[counts[order] >= need]  # densest first
    alive = np.ones(len(picked), dtype=bool)
    pivots = []
    for at in range(0, len(order), 256):
        live = np.flatnonzero(alive)  # only uncovered neighbours count: search among those alone
        if len(live) < need:
            break
        flat = faiss.IndexBinaryFlat(CODE_BYTES * 8)
        flat.add(picked[live])
        batch = order[at : at + 256]
        lims, _, ids = flat.range_search(picked[batch], radius + 1)  # faiss keeps distances below the radius
        for j, i in enumerate(batch.tolist()):
            near = live[ids[lims[j] : lims[j + 1]]]
            if alive[near].sum() >= need:
                pivots.append(i)
                alive[near] = False
    return picked[pivots]


class CrowdIndex:
    """The rows of a bank within `reach` of some pivot, searchable by the triangle inequality (exact)."""

    def __init__(self, codes: np.ndarray, pivots: np.ndarray, reach: int = 64) -> None:
        self.pivots = np.ascontiguousarray(pivots, dtype=np.uint8)
        self.reach = reach
        k = len(self.pivots)
        flat = faiss.IndexBinaryFlat(CODE_BYTES * 8)
        flat.add(self.pivots)
        dist, pivot = flat.search(codes, 1)  # each row's nearest pivot and its distance (exact)
        dist, pivot = dist[:, 0].astype(np.int64), pivot[:, 0]
        del flat
        rows = np.nonzero(dist <= reach)[0]  # the others are left to the multi-index
        key = pivot[rows] * (reach + 1) + dist[rows]  # pivot, then distance to it
        del dist, pivot
        order = np.argsort(key, kind="stable")
        self.rows = rows[order].astype(np.int32 if len(codes) < 2**31 else np.int64)
        self.codes = np.ascontiguousarray(codes[self.rows])
        # bounds[p, r] = first member of pivot p at distance >= r; bounds[p, reach + 1] = end of pivot p.
        starts = np.zeros(k * (reach + 1) + 1, dtype=np.int64)
        starts[1:] = np.cumsum(np.bincount(key, minlength=k * (reach + 1)))
        self.bounds = np.empty((k, reach + 2), dtype=np.int64)
        self.bounds[:, : reach + 1] = starts[:-1].reshape(k, reach + 1)
        self.bounds[:, reach + 1] = starts[reach + 1 :: reach + 1]

    def __len__(self) -> int:
        return len(self.rows)

    def nbytes(self) -> int:
        return self.codes.nbytes + self.rows.nbytes + self.bounds.nbytes + self.pivots.nbytes

    def query(self, code: np.ndarray, max_distance: int) -> tuple[np.ndarray, np.ndarray]:
        """Bank rows within `max_distance` of one (1, 32) code among the members, and their distances."""
        code = np.ascontiguousarray(code, dtype=np.uint8).reshape(1, CODE_BYTES)  # the loop reads it raw
        p = distances(code, self.pivots).astype(np.int64)
        lo = np.clip(p - max_distance, 0, self.reach + 1)
        hi = np.clip(p + max_distance + 1, 0, self.reach + 1)
        hit = np.nonzero(lo < hi)[0]
        starts, ends = self.bounds[hit, lo[hit]], self.bounds[hit, hi[hit]]
        keep = ends > starts
        starts, ends = starts[keep], ends[keep]
        if len(starts) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        # Windows are in member order (pivots ascending); join those separated by small gaps. Each window is
        # verified where it lies by one faiss call (about 0.4 us, then 0.5 ns a row) writing into its slice
        # of one buffer; the pointers are computed here, within `self.codes` and `out` by construction, so the
        # loop creates no array views.
        split = np.nonzero(starts[1:] - ends[:-1] > _MERGE_GAP)[0] + 1
        starts, ends = starts[np.r_[0, split]], ends[np.r_[split - 1, len(ends) - 1]]
        lens = ends - starts
        firsts = np.cumsum(lens) - lens  # where each window's distances begin in `out`
        out = np.empty(int(lens.sum()), dtype=np.int32)
        query, hammings = faiss.swig_ptr(code), faiss.hammings  # type: ignore[attr-defined]
        as_codes, as_out = faiss.cast_integer_to_uint8_ptr, faiss.cast_integer_to_int_ptr  # type: ignore[attr-defined]
        block_at = (self.codes.ctypes.data + starts * CODE_BYTES).tolist()
        out_at = (out.ctypes.data + firsts * out.itemsize).tolist()
        for block, count, into in zip(block_at, lens.tolist(), out_at, strict=True):
            hammings(query, as_codes(block), 1, count, CODE_BYTES, as_out(into))
        found = np.flatnonzero(out <= max_distance)
        window = np.searchsorted(firsts, found, side="right") - 1
        members = found - firsts[window] + starts[window]
        return self.rows[members].astype(np.int64), out[found].astype(np.int64)
