"""The Hamming index finds exactly what brute force finds, at every distance it was built for."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from trailguard.media.hamming import HammingIndex, plan_chunks


def _flip(row: np.ndarray, bits: list[int]) -> np.ndarray:
    out = row.copy()
    for b in bits:
        out[b // 64] ^= np.uint64(1) << np.uint64(63 - b % 64)
    return out


def _brute(words: np.ndarray, q: np.ndarray, d: int) -> set[int]:
    return set(np.nonzero(np.bitwise_count(words ^ q).sum(axis=1) <= d)[0].tolist())


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=3000),
    max_distance=st.sampled_from([0, 5, 15, 31, 40]),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_exact_recall_against_brute_force(n: int, max_distance: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    words = rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)
    index = HammingIndex(words, max_distance)
    for k in range(12):
        # planted near-duplicates at and around the boundary, plus random queries
        if n and k < 10:
            flips = rng.choice(256, size=min(max_distance + k % 3 - 1, 255) if max_distance else k % 2,
                               replace=False).tolist()  # fmt: skip
            q = _flip(words[int(rng.integers(0, n))], flips)
        else:
            q = rng.integers(0, 2**64, size=4, dtype=np.uint64)
        rows, dists = index.query(q)
        assert set(rows.tolist()) == _brute(words, q, max_distance)
        assert all(int(np.bitwise_count(words[r] ^ q).sum()) == d for r, d in zip(rows, dists, strict=True))


def test_every_plan_satisfies_the_pigeonhole_bound() -> None:
    for n in (1, 100, 10_000, 10_000_000):
        for d in (0, 1, 15, 31, 63):
            chunks = plan_chunks(n, d)
            assert sum(c.width for c in chunks) == 256
            assert sum(c.radius + 1 for c in chunks) >= d + 1


def test_smaller_query_distance_and_duplicates() -> None:
    rng = np.random.default_rng(5)
    base = rng.integers(0, 2**64, size=(1, 4), dtype=np.uint64)
    words = np.vstack(
        [base, base, _flip(base[0], [1, 2, 3])[None, :], _flip(base[0], list(range(0, 60, 2)))[None, :]]
    )
    index = HammingIndex(words, 31)
    rows, dists = index.query(base[0], max_distance=3)
    assert sorted(zip(rows.tolist(), dists.tolist(), strict=True)) == [(0, 0), (1, 0), (2, 3)]
    rows, _ = index.query(base[0])
    assert sorted(rows.tolist()) == [0, 1, 2, 3]


def test_reference_needles_in_haystack(pdq_data) -> None:  # type: ignore[no-untyped-def]
    from trailguard.media.hamming import pdq_words

    base = pdq_data / "threatexchange" / "pdq" / "data" / "reg-test-input"
    hay = (base / "haystack.txt").read_text().split()
    needles = (base / "needles.txt").read_text().split()
    words = pdq_words(hay)
    index = HammingIndex(words, 31)
    found = 0
    for q in pdq_words(needles):
        rows, _ = index.query(q)
        assert set(rows.tolist()) == _brute(words, q, 31)
        found += len(rows)
    assert found > 0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), d=st.sampled_from([0, 8, 31]))
def test_crowded_queries_fall_back_to_the_exact_scan(seed: int, d: int) -> None:
    """A bank of near-duplicates (a few originals, many re-encodings): a query in the crowd draws more
    candidates than a scan would cost, and is answered by the brute-force scan with the same exact answer."""
    rng = np.random.default_rng(seed)
    originals = rng.integers(0, 2**64, size=(3, 4), dtype=np.uint64)
    words = np.array([_flip(originals[i % 3], rng.choice(256, size=int(rng.integers(0, 41)), replace=False).tolist())
                      for i in range(600)])  # fmt: skip
    crowded = HammingIndex(words, 31, fallback_min_rows=0)
    plain = HammingIndex(words, 31)
    assert crowded._flat is not None and plain._flat is None
    for q in (words[0], _flip(originals[1], [3, 90, 200]), rng.integers(0, 2**64, size=4, dtype=np.uint64)):
        rows, dists = crowded.query(q, d)
        assert set(rows.tolist()) == _brute(words, q, d)
        assert rows.tolist() == sorted(rows.tolist())
        assert [int(np.bitwise_count(words[r] ^ q).sum()) for r in rows] == dists.tolist()
        expected_rows, expected_dists = plain.query(q, d)
        assert (rows.tolist(), dists.tolist()) == (expected_rows.tolist(), expected_dists.tolist())
