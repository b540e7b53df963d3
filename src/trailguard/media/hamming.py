"""Exact radius search over 256-bit hashes by multi-index hashing (Norouzi et al., 2012).

Written here rather than taken from faiss: `IndexBinaryFlat` reads every hash on every query, and
`IndexBinaryMultiHash` (as Hasher-Matcher-Actioner configures it: 16 tables of 16 bits, nflip 1) is exact but
fixes the chunking and keeps its tables in hash maps several times the size of the hashes. Here the chunking
is chosen per index size and the tables are flat arrays (benchmarks/match_index.py compares all three).

Scheme: the 256 bits are cut into m contiguous chunks; chunk i gets a search radius r_i with
sum(r_i + 1) >= D + 1. If two hashes are within distance D, some chunk differs in at most r_i bits (otherwise
the total would be at least sum(r_i + 1) > D), so probing, in every chunk's table, every key within r_i of
the query's chunk finds every true match: exact recall by the pigeonhole principle. Each chunk's table is
direct-addressed (CSR: an offsets array over all 2^w keys and the row ids sorted by key), so a probe is two
array reads, and candidates are verified with popcount over the full 256 bits.

The chunk count is chosen at build time from a cost model (probes plus expected candidates), with each
chunk's key space no larger than the number of hashes so that the tables stay within the hashes' own size.

Skewed banks: real banks are full of near-duplicates (re-uploads, the frames of one video), whose chunk keys
crowd into a few buckets, so a query in a crowded region could draw hundreds of thousands of candidates and
cost several times a brute-force scan (p99 150 ms against 43 ms on a 10M vPDQ-derived bank). Banks of
`fallback_min_rows` hashes or more therefore get two more structures, both exact:
- the crowds themselves go to a pivot index (media/crowds.py): rows within a few dozen bits of a pivot
  chosen where the bank is dense are stored contiguously by pivot and distance, and searched through the
  triangle inequality with a contiguous popcount; only the rows outside every crowd are in the chunk tables;
- the probe step counts the candidates before fetching any; when verifying them would cost more than
  scanning every row of the tables, the query is answered by faiss's brute-force scan of those rows
  instead (the same exact answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from math import comb, log2
from typing import Any

import faiss
import numpy as np

from trailguard.media.crowds import CrowdIndex, faiss_codes, find_pivots

BITS = 256
_PROBE_COST = 2.0  # a probe (two offset reads) costs about two candidate verifications
# Verifying one candidate (a random row gather, popcount, dedup) costs about as much as faiss's brute-force
# scan of this many rows (measured: ~140 ns per candidate against ~2.2 ns per row scanned, benchmarks/).
_SCAN_ROWS_PER_CANDIDATE = 48
# Crowds: pivots cover sample neighbours within _PIVOT_RADIUS; a row within _CROWD_REACH of its nearest pivot
# is a member. On a 1M vPDQ-derived bank, a reach of 64 puts 99.6% of the rows in crowds (48: 95%), while a
# random hash (about 128 bits from every pivot) stays out.
_PIVOT_RADIUS = 32
_CROWD_REACH = 64


@dataclass(frozen=True, slots=True)
class Chunk:
    start: int  # first bit, counted from the most significant bit of the hash
    width: int
    radius: int


def _ball_size(width: int, radius: int) -> int:
    return sum(comb(width, k) for k in range(radius + 1))


def plan_chunks(n: int, max_distance: int) -> list[Chunk]:
    """Choose chunk widths and radii that guarantee exact recall at `max_distance` at the least cost."""
    if not 0 <= max_distance < BITS:
        raise ValueError(f"max_distance must be in 0..{BITS - 1}, got {max_distance}")
    max_width = max(8, min(24, int(log2(max(n, 2)))))
    best: tuple[float, list[Chunk]] | None = None
    for m in range(-(-BITS // max_width), 65):
        widths = [BITS // m + (1 if i < BITS % m else 0) for i in range(m)]
        # Spread the radius budget; narrower chunks (at the end) take the extra radius: their balls are smaller.
        need = max(0, max_distance + 1 - m)
        radii = [need // m + (1 if i >= m - need % m else 0) for i in range(m)] if need else [0] * m
        chunks, start = [], 0
        for w, r in zip(widths, radii, strict=True):
            chunks.append(Chunk(start, w, min(r, w)))
            start += w
        cost = sum(_ball_size(c.width, c.radius) * (_PROBE_COST + n / 2**c.width) for c in chunks)
        if best is None or cost < best[0]:
            best = (cost, chunks)
    assert best is not None
    return best[1]


def _flip_masks(width: int, radius: int) -> np.ndarray:
    """Every key XOR mask with at most `radius` of `width` bits set (the probes of one chunk)."""
    masks = [0]
    for k in range(1, radius + 1):
        masks.extend(sum(1 << b for b in bits) for bits in combinations(range(width), k))
    return np.array(masks, dtype=np.uint32)


def pdq_words(hexes: Sequence[str]) -> np.ndarray:
    """PDQ hex strings (normalised) as an (n, 4) uint64 array, the layout the index compares with popcount."""
    raw = bytes.fromhex("".join(hexes))
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, 4)


def chunk_keys(words: np.ndarray, chunk: Chunk) -> np.ndarray:
    """The chunk's bits of each (n, 4) uint64 hash row, as uint32 keys."""
    wi, off = divmod(chunk.start, 64)
    if off + chunk.width <= 64:
        part = words[:, wi] >> np.uint64(64 - off - chunk.width)
    else:
        lo = off + chunk.width - 64  # bits taken from the next word
        high = (words[:, wi] & np.uint64((1 << (64 - off)) - 1)) << np.uint64(lo)
        part = high | (words[:, wi + 1] >> np.uint64(64 - lo))
    return (part & np.uint64((1 << chunk.width) - 1)).astype(np.uint32)


class HammingIndex:
    """All rows within Hamming distance `max_distance` of a query, with exact recall.

    Banks of `fallback_min_rows` hashes or more get the crowd index and the brute-force fallback (see the
    module docstring); smaller ones are cheap to search whatever their shape.
    """

    def __init__(
        self, words: np.ndarray, max_distance: int = 31, *, fallback_min_rows: int = 1 << 16
    ) -> None:
        if words.ndim != 2 or words.shape[1] != 4:
            raise ValueError("words must be an (n, 4) uint64 array")
        self.words = np.ascontiguousarray(words, dtype=np.uint64)
        self.max_distance = max_distance
        self._crowds: CrowdIndex | None = None
        self._rest_rows: np.ndarray | None = None  # the bank rows in the chunk tables, when not all are
        self._rest = self.words
        large = len(self.words) >= fallback_min_rows
        if large:
            codes = faiss_codes(self.words)
            pivots = find_pivots(codes, _PIVOT_RADIUS)
            if len(pivots):
                self._crowds = CrowdIndex(codes, pivots, _CROWD_REACH)
                left = np.ones(len(self.words), dtype=bool)
                left[self._crowds.rows] = False
                self._rest_rows = np.nonzero(left)[0]
                self._rest = self.words[self._rest_rows]
            del codes
        n = len(self._rest)
        self.chunks = plan_chunks(n, max_distance)
        # All chunk tables live in two flat arrays so that a query is a handful of vector operations:
        # `_offsets` holds each chunk's CSR offsets (already shifted to its slice of `_rows`), `_rows` the row
        # ids of each chunk sorted by key; `_probe_*` list every probe of every chunk.
        index_type = np.int64 if n * len(self.chunks) >= 2**31 else np.int32
        masks = [_flip_masks(c.width, c.radius) for c in self.chunks]
        table_base = np.cumsum([0] + [(1 << c.width) + 1 for c in self.chunks])
        self._offsets = np.empty(int(table_base[-1]), dtype=index_type)
        self._rows = np.empty(n * len(self.chunks), dtype=np.int32)
        for i, chunk in enumerate(self.chunks):
            keys = chunk_keys(self._rest, chunk)
            counts = np.bincount(keys, minlength=1 << chunk.width)
            table = self._offsets[table_base[i] : table_base[i + 1]]
            table[0] = i * n
            table[1:] = np.cumsum(counts) + i * n
            self._rows[i * n : (i + 1) * n] = np.argsort(keys, kind="stable")
            del keys, counts
        self._probe_masks = np.concatenate(masks).astype(np.int64)
        self._probe_base = np.repeat(table_base[:-1], [len(m) for m in masks]).astype(np.int64)
        self._probe_counts = np.array([len(m) for m in masks])
        self._shifts = [(BITS - c.start - c.width, (1 << c.width) - 1) for c in self.chunks]
        self._flat: Any = None  # faiss IndexBinaryFlat over the chunk tables' rows, for crowded queries
        if large:
            self._flat = faiss.IndexBinaryFlat(BITS)
            self._flat.add(faiss_codes(self._rest))

    def __len__(self) -> int:
        return len(self.words)

    def nbytes(self) -> int:
        """Memory held by the index, hashes included."""
        held = self.words.nbytes + self._offsets.nbytes + self._rows.nbytes
        if self._flat is not None:
            held += len(self._rest) * BITS // 8
        if self._crowds is not None and self._rest_rows is not None:
            held += self._crowds.nbytes() + self._rest.nbytes + self._rest_rows.nbytes
        return held

    def query(self, words: np.ndarray, max_distance: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Rows within `max_distance` (default: the build distance) of one (4,) uint64 hash, and distances.

        Rows come in ascending order, each once.
        """
        d = self.max_distance if max_distance is None else max_distance
        if d > self.max_distance:
            raise ValueError(f"index built for distance <= {self.max_distance}, asked for {d}")
        q = np.ascontiguousarray(words, dtype=np.uint64).reshape(1, 4)
        rows, dists = self._query_tables(q, d)
        if self._crowds is None or self._rest_rows is None:
            return rows, dists
        # A row is either in a crowd or in the tables, never both: the union needs no deduplication.
        crowd_rows, crowd_dists = self._crowds.query(faiss_codes(q), d)
        # One sort of (row, distance) packed into an int64 (a distance fits in 9 bits) instead of an argsort
        # and two gathers: a third of the time on a query with 10,000 matches.
        packed = np.concatenate([self._rest_rows[rows] << 9 | dists, crowd_rows << 9 | crowd_dists])
        packed.sort()
        return packed >> 9, packed & 511

    def _query_tables(self, q: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
        """The multi-index search over the rows in the chunk tables (positions in `_rest`)."""
        if len(self._rest) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        value = int.from_bytes(q.astype(">u8").tobytes(), "big")
        keys = np.array([(value >> shift) & mask for shift, mask in self._shifts], dtype=np.int64)
        probes = (self._probe_masks ^ np.repeat(keys, self._probe_counts)) + self._probe_base
        starts = self._offsets[probes]
        lens = self._offsets[probes + 1] - starts
        total = int(lens.sum())
        if total == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        if self._flat is not None and total * _SCAN_ROWS_PER_CANDIDATE > len(self._rest):
            return self._scan(q, d)
        # Concatenate the ranges rows[start:start+len] without a Python loop.
        candidates = self._rows[np.repeat(starts - (np.cumsum(lens) - lens), lens) + np.arange(total)]
        dist = np.bitwise_count(self._rest[candidates] ^ q).sum(axis=1, dtype=np.int64)
        keep = dist <= d
        rows, first = np.unique(candidates[keep], return_index=True)  # a row found through several chunks
        return rows.astype(np.int64), dist[keep][first]

    def _scan(self, q: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
        """Every table row within `d` by faiss's brute-force scan (it keeps distances below the radius given)."""
        _, dists, ids = self._flat.range_search(faiss_codes(q), d + 1)
        order = np.argsort(ids, kind="stable")
        return ids[order].astype(np.int64), dists[order].astype(np.int64)

    def query_many(
        self, words: np.ndarray, max_distance: int | None = None
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """`query` for each row of a (k, 4) array."""
        return [self.query(row, max_distance) for row in np.asarray(words, dtype=np.uint64).reshape(-1, 4)]
