"""The Hamming index finds exactly what brute force finds, at every distance it was built for."""

from __future__ import annotations

from unittest.mock import patch

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


def _crowded_bank(rng: np.random.Generator, originals: int, copies: int, most: int) -> np.ndarray:
    """Near-duplicates as real banks hold them: copies of a few originals with 0..`most` random bits flipped."""
    base = rng.integers(0, 2**64, size=(originals, 4), dtype=np.uint64)
    return np.array([_flip(base[i % originals], rng.choice(256, size=int(rng.integers(0, most + 1)),
                                                           replace=False).tolist())
                     for i in range(copies)])  # fmt: skip


def _check(index: HammingIndex, words: np.ndarray, q: np.ndarray, d: int) -> None:
    rows, dists = index.query(q, d)
    assert rows.tolist() == sorted(_brute(words, q, d))  # exact, ascending, each row once
    assert [int(np.bitwise_count(words[r] ^ q).sum()) for r in rows] == dists.tolist()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), d=st.sampled_from([0, 8, 31]))
def test_crowded_queries_fall_back_to_the_exact_scan(seed: int, d: int) -> None:
    """Without the crowd index (no pivots found), a query in a crowd draws more candidates than a scan would
    cost, and is answered by the brute-force scan with the same exact answer."""
    from trailguard.media import hamming

    rng = np.random.default_rng(seed)
    words = _crowded_bank(rng, 3, 600, 40)
    no_pivots = np.empty((0, 32), dtype=np.uint8)
    with patch.object(hamming, "find_pivots", return_value=no_pivots):
        crowded = HammingIndex(words, 31, fallback_min_rows=0)
    plain = HammingIndex(words, 31)
    assert crowded._flat is not None and crowded._crowds is None and plain._flat is None
    with patch.object(HammingIndex, "_scan", autospec=True, side_effect=HammingIndex._scan) as scan:
        for q in (words[0], _flip(words[1], [3, 90, 200]), rng.integers(0, 2**64, size=4, dtype=np.uint64)):
            _check(crowded, words, q, d)
            expected_rows, expected_dists = plain.query(q, d)
            rows, dists = crowded.query(q, d)
            assert (rows.tolist(), dists.tolist()) == (expected_rows.tolist(), expected_dists.tolist())
    assert any(call.args[0] is crowded for call in scan.call_args_list)  # the crowd did take the scan


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    originals=st.integers(min_value=1, max_value=6),
    most=st.sampled_from([0, 20, 40, 90]),
    d=st.sampled_from([0, 8, 31]),
)
def test_crowds_and_tables_together_find_what_brute_force_finds(
    seed: int, originals: int, most: int, d: int
) -> None:
    """Crowds of near-duplicates (some copies beyond a pivot's reach), exact duplicates and lone random
    hashes in one bank: the pivot index and the chunk tables between them return exactly brute force."""
    rng = np.random.default_rng(seed)
    crowd = _crowded_bank(rng, originals, 1500, most)
    lone = rng.integers(0, 2**64, size=(300, 4), dtype=np.uint64)
    words = np.vstack([crowd, np.repeat(crowd[:1], 50, axis=0), lone])[rng.permutation(1850)]
    index = HammingIndex(words, 31, fallback_min_rows=0)
    assert index._crowds is not None and len(index._crowds) > 0  # the crowd structure is what is tested
    assert len(index._crowds) + len(index._rest) == len(words)
    for k in range(15):
        row = words[int(rng.integers(0, len(words)))]
        q = _flip(row, rng.choice(256, size=int(rng.integers(0, 2 * d + 3)), replace=False).tolist())
        _check(index, words, q if k < 12 else rng.integers(0, 2**64, size=4, dtype=np.uint64), d)


def test_pivot_windows_are_exact_where_the_triangle_inequality_is_tight() -> None:
    """Members and queries on one line through the pivot (nested flips): d(q, m) = |d(q, p) - d(p, m)|, so
    every window edge is met exactly, and members at the reach and beyond it are told apart."""
    from trailguard.media.crowds import CrowdIndex, faiss_codes

    pivot = np.random.default_rng(11).integers(0, 2**64, size=4, dtype=np.uint64)
    words = np.array([_flip(pivot, list(range(r))) for r in range(81)] * 3)  # distances 0..80, 3 each
    crowds = CrowdIndex(faiss_codes(words), faiss_codes(pivot[None, :]), reach=64)
    assert sorted(crowds.rows.tolist()) == [i for i in range(len(words)) if i % 81 <= 64]
    for t in range(0, 120, 1):
        q = _flip(pivot, list(range(t)))
        for d in (0, 1, 31):
            rows, dists = crowds.query(faiss_codes(q[None, :]), d)
            expected = _brute(words, q, d) & set(crowds.rows.tolist())
            assert sorted(rows.tolist()) == sorted(expected)
            assert all(dist == abs(t - r % 81) for r, dist in zip(rows.tolist(), dists.tolist(), strict=True))


def test_a_bank_that_is_one_tight_crowd() -> None:
    """Thousands of copies of one hash and its 1-2 bit variants (one picture uploaded over and over): one
    crowd holds nearly the whole bank, and every query still gets exactly what brute force finds."""
    rng = np.random.default_rng(8)
    one = rng.integers(0, 2**64, size=4, dtype=np.uint64)
    variants = [
        _flip(one, rng.choice(256, size=int(rng.integers(1, 3)), replace=False).tolist()) for _ in range(1000)
    ]
    words = np.vstack([np.repeat(one[None, :], 3000, axis=0), variants,
                       rng.integers(0, 2**64, size=(20, 4), dtype=np.uint64)])  # fmt: skip
    index = HammingIndex(words, 31, fallback_min_rows=0)
    assert index._crowds is not None and len(index._crowds.pivots) == 1 and len(index._crowds) == 4000
    for q in (one, _flip(one, list(range(31))), _flip(one, list(range(32))), words[4005]):
        for d in (0, 1, 31):
            _check(index, words, q, d)


def test_random_banks_have_no_pivots_and_crowds_have_some() -> None:
    """A random bank keeps the plain multi-index (no pivot would cover anything); a crowd gets pivots."""
    from trailguard.media.crowds import faiss_codes, find_pivots

    rng = np.random.default_rng(3)
    assert len(find_pivots(faiss_codes(rng.integers(0, 2**64, size=(5000, 4), dtype=np.uint64)))) == 0
    assert 1 <= len(find_pivots(faiss_codes(_crowded_bank(rng, 4, 4000, 20)))) <= 40
