"""The vectorised array steps of linking against plain-Python definitions of what they compute."""

from __future__ import annotations

import itertools
import random

import numpy as np

from trailguard.link import minhash, shingles
from trailguard.link.templates import components, top_phrase_pairs


def _corpus(seed: int, n: int = 300) -> shingles.Shingles:
    rng = random.Random(seed)
    words = ["".join(rng.choices("abcdefghijklmnop", k=5)) for _ in range(40)]  # digits would fold to 0
    phrases = [" ".join(rng.choices(words, k=3)) for _ in range(60)]
    store = shingles.TokenStore(20_000)
    texts: list[str] = []
    for _ in range(n):  # some texts are an earlier one with a word or two changed: near-duplicates
        if texts and rng.random() < 0.4:
            toks = rng.choice(texts).split()
            toks[rng.randrange(len(toks))] = rng.choice(words)
            texts.append(" ".join(toks))
        else:
            texts.append(" ".join(rng.choices(phrases, k=rng.randint(1, 6))))
        store.add(texts[-1])
    store.canonical_words()
    return shingles.build(store, 3)


def _partition(n: int, edges: np.ndarray) -> set[frozenset[int]]:
    labels = components(n, edges)
    return {frozenset(np.flatnonzero(labels == lab).tolist()) for lab in set(labels.tolist())}


def test_top_phrase_pairs_join_documents_sharing_two_top_phrases() -> None:
    for seed in range(3):
        sh = _corpus(seed)
        keep = np.ones(len(sh.hashes), dtype=bool)
        keep[::7] = False  # some stock phrases
        k, max_list = 4, 25
        usable = [s for s in range(len(sh.hashes)) if sh.df[s] >= 2 and keep[s]]
        by_rarity = sorted(usable, key=lambda s: (int(sh.df[s]), int(sh.hashes[s])))
        rank = {s: r for r, s in enumerate(by_rarity)}
        per_doc: dict[int, set[int]] = {}
        for d, s in zip(sh.doc.tolist(), sh.sid.tolist(), strict=True):
            if s in rank:
                per_doc.setdefault(d, set()).add(s)
        top = {d: sorted(ss, key=rank.__getitem__)[:k] for d, ss in per_doc.items()}
        tops_of: dict[int, int] = {}
        for ts in top.values():
            for s in ts:
                tops_of[s] = tops_of.get(s, 0) + 1
        top = {d: {s for s in ts if tops_of[s] <= max_list} for d, ts in top.items()}
        brute = [(a, b) for a, b in itertools.combinations(sorted(top), 2) if len(top[a] & top[b]) >= 2]
        assert brute  # the corpus has documents to join
        got = top_phrase_pairs(sh, keep, k, 2, max_list)
        expected = _partition(sh.n_docs, np.asarray(brute, dtype=np.int64).reshape(-1, 2))
        assert _partition(sh.n_docs, got) == expected
        assert all(got[:, 0] < got[:, 1]) and len(np.unique(got, axis=0)) == len(got)


def test_candidate_pairs_are_the_distinct_band_neighbours() -> None:
    sh = _corpus(5)
    keep = np.ones(len(sh.hashes), dtype=bool)
    sig, has = minhash.signatures(sh, keep, 8)
    rank = np.arange(sh.n_docs)[::-1].copy()
    got = minhash.candidate_pairs(sig, has, rank, 4, 2, max_bucket=5)
    expected = set()
    for band in range(4):
        buckets: dict[tuple[int, ...], list[int]] = {}
        for d in np.flatnonzero(has).tolist():
            buckets.setdefault(tuple(sig[d, 2 * band : 2 * band + 2].tolist()), []).append(d)
        for members in buckets.values():
            members.sort(key=lambda d: int(rank[d]))
            chain = list(itertools.pairwise(members))
            star = [(members[0], m) for m in members[1:]] if len(members) <= 5 else []
            expected |= {(min(a, b), max(a, b)) for a, b in chain + star}
    assert sorted(map(tuple, got.tolist())) == sorted(expected)
