"""Template detection after InfoShield (Lee et al., ICDE 2021), written from the paper.

Coarse step: every document votes with its top TF-IDF phrases (here: its rarest shared, non-stock word
3-grams); documents that share top phrases, or that MinHash LSH finds to be near-duplicates, fall into one
coarse cluster (connected components).
Fine step: per coarse cluster, a template is built from a medoid document, aligned against the sampled
members that resemble it (token-set Jaccard >= NEIGHBOUR): tokens most of them share stay constant, the rest
become <SLOT>s. Voting among the medoid's neighbours rather than the whole sample lets a cluster that mixes
two groups' wording yield one template per group, one round each. The template is kept only if it
shortens the description length (minimum description length, as in the paper): the bits to write the
template once plus each member as edits against it must be fewer than the bits to write the members raw.
Members that it does not compress, that follow less than `coverage` of the template's informative
(non-stock) constant words, or whose own informative words the template explains less than `coverage` of,
stay out; the remainder is tried again. (The coverage floors are ours, not the paper's: without them, two
ads sharing one sentence of otherwise different text pass as one template.) Stock phrases cost the same with
or without a template, so sharing them alone never pays for one: stock wording of the genre links nobody.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from trailguard.link.shingles import PARTS, Shingles, TokenStore, _mix, _slices, shingle_hashes

SLOT = -1
MAX_ROUNDS = 8  # templates per coarse cluster (a cluster may hold several groups' wording)
# The medoid's template is voted by the sampled members whose token sets overlap it this much (Jaccard):
# in a cluster that mixes groups, the votes come from its own group, not from the whole cluster.
NEIGHBOUR = 0.4
# Hostile-input bounds for the fine step: tokens of a document used for alignment (difflib is quadratic in
# them), and members of one part aligned (the rest of an oversize part is left unlinked by templates).
ALIGN_TOKENS = 400
MAX_MEMBERS = 5_000


@dataclass(slots=True)
class Template:
    tokens: list[int]  # token ids, SLOT for slots
    members: list[int]
    saving_bits: float
    slot_fills: list[list[str]] = field(default_factory=list)

    def text(self, words: list[str]) -> str:
        return " ".join("<SLOT>" if t == SLOT else words[t] for t in self.tokens)

    def key(self, words: list[str]) -> str:
        return hashlib.sha1(self.text(words).encode()).hexdigest()[:12]


def components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Connected-component label per document for an edge list (scipy, linear time)."""
    if len(pairs) == 0:
        return np.arange(n)
    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels


def top_phrase_pairs(sh: Shingles, keep: np.ndarray, k: int, min_shared: int, max_list: int) -> np.ndarray:
    """Edges that connect documents sharing at least `min_shared` of their k top TF-IDF phrases.

    With one occurrence per document, TF-IDF ranks a document's phrases by rarity (inverse document
    frequency), so the top-k are the k rarest non-stock phrases seen at least twice. Requiring two shared
    top phrases (the paper links on one) keeps chance overlaps between unrelated ads from chaining a large
    corpus into one giant coarse cluster; a phrase that tops more than `max_list` documents is skipped.

    Two documents share `min_shared` top phrases exactly when they share one combination of that many of
    them, so each document files itself under every such combination of its own top phrases and each
    combination's documents are linked as a star: the same connected components as the full pair list, in
    time and memory linear in the number of documents (a common phrase no longer costs its list squared).
    """
    top = _top_phrases(sh, keep, k)
    if len(top) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    docs, ranks = top[:, 0].astype(np.int64), top[:, 1:]
    del top
    tops_of = np.bincount(ranks[ranks != _NONE].astype(np.int64))
    ranks[(ranks != _NONE) & (tops_of[np.minimum(ranks, len(tops_of) - 1).astype(np.int64)] > max_list)] = (
        _NONE
    )
    del tops_of
    ranks.sort(axis=1)
    # Each combination's first (lowest) rank picks its partition, so equal combinations meet in one partition
    # and each partition's rows (1/PARTS of all documents' combinations) are sorted alone.
    part_of = (ranks % np.uint64(PARTS)).astype(np.uint8)
    combos = list(itertools.combinations(range(ranks.shape[1]), min_shared))
    found: list[np.ndarray] = []
    for p in range(PARTS):
        keys: list[np.ndarray] = []
        owners: list[np.ndarray] = []
        for combo in combos:
            ok = (ranks[:, combo[-1]] != _NONE) & (part_of[:, combo[0]] == p)
            key = np.zeros(int(ok.sum()), dtype=np.uint64)
            for c in combo:  # exact for min_shared <= 2 (ranks < 2**32); hashed beyond
                key = _combine(key, ranks[ok, c], exact=min_shared <= 2)
            keys.append(key)
            owners.append(docs[ok])
        key, doc = np.concatenate(keys), np.concatenate(owners)
        del keys, owners
        if len(key) < 2:  # nothing to share in this partition
            continue
        order = np.lexsort((doc, key))
        key, doc = key[order], doc[order]
        same = key[1:] == key[:-1]
        run_first = doc[np.flatnonzero(np.r_[True, ~same])][np.cumsum(np.r_[True, ~same]) - 1]
        linked = run_first != doc
        found.append((run_first[linked].astype(np.uint64) << np.uint64(32)) | doc[linked].astype(np.uint64))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    edges = np.unique(np.concatenate(found))  # documents < 2**32: the same order as rows sorted by (a, b)
    return np.stack([edges >> np.uint64(32), edges & _NONE], axis=1).astype(np.int64)


_NONE = np.uint64(0xFFFFFFFF)


def _combine(key: np.ndarray, col: np.ndarray, exact: bool) -> np.ndarray:
    if exact:
        return (key << np.uint64(32)) | col
    with np.errstate(over="ignore"):
        return _mix(key ^ col)


def _top_phrases(sh: Shingles, keep: np.ndarray, k: int) -> np.ndarray:
    """Rows (document, rank of its 1st..k-th rarest usable phrase), missing ones as _NONE (uint64).

    Only usable phrases (seen at least twice, not stock) are ranked, densely, so every array here is sized by
    them and by their rows, not by all distinct shingles and all rows (most shingles are on one document).
    """
    usable = np.flatnonzero((sh.df >= 2) & keep)
    if len(usable) == 0:
        return np.zeros((0, k + 1), dtype=np.uint64)
    # Rarity rank of each usable shingle: by document frequency, ties by hash (deterministic).
    order = np.lexsort((sh.hashes[usable], sh.df[usable]))
    rank = np.full(len(sh.hashes), 0xFFFFFFFF, dtype=np.uint32)
    rank[usable[order]] = np.arange(len(usable), dtype=np.uint32)
    del usable, order
    m = sum(int((rank[sh.sid[s]] != 0xFFFFFFFF).sum()) for s in _slices(len(sh.sid)))
    # (document << 32 | rank) of every usable row, filled a slice at a time, then sorted: per document its
    # phrases from the rarest up.
    key = np.empty(m, dtype=np.uint64)
    m = 0
    for s in _slices(len(sh.sid)):
        r = rank[sh.sid[s]]
        rows = r != 0xFFFFFFFF
        n_rows = int(rows.sum())
        key[m : m + n_rows] = (sh.doc[s][rows].astype(np.uint64) << np.uint64(32)) | r[rows]
        m += n_rows
    del rank
    if m == 0:
        return np.zeros((0, k + 1), dtype=np.uint64)
    key.sort()
    doc = np.empty(m, dtype=np.uint32)
    for s in _slices(m):
        doc[s] = key[s] >> np.uint64(32)
    starts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
    ends = np.r_[starts[1:], m]
    out = np.full((len(starts), k + 1), _NONE, dtype=np.uint64)
    out[:, 0] = doc[starts]
    del doc
    for c in range(k):
        at = starts + c
        ok = at < ends
        out[ok, c + 1] = key[at[ok]] & _NONE
    return out


class TemplateFinder:
    """The fine step, with the token store for alignment and the stock shingles for the cost model."""

    def __init__(
        self,
        store: TokenStore,
        words: list[str],
        rank: np.ndarray,
        stock_hashes: np.ndarray,
        size: int,
        sample: int,
        min_tokens: int,
        coverage: float,
    ) -> None:
        """`words` by token id (TokenStore.canonical_words); `rank` of each item in item-id order, used
        wherever a position would otherwise decide (sampling, ties), so input order never changes a result."""
        self.offsets = store.offsets()
        self.ids = np.frombuffer(store.ids, dtype=np.uint32)
        self.rank = rank
        self.stock = stock_hashes
        self.size = size
        self.sample = sample
        self.coverage = coverage
        self.min_tokens = min_tokens
        self.bits = math.log2(max(2, len(words)))
        self.words = words

    def doc(self, d: int) -> list[int]:
        """The first ALIGN_TOKENS tokens: alignment (difflib) is quadratic, and a template is in the opening
        of an ad; hostile long texts must not cost seconds per pair."""
        start = int(self.offsets[d])
        return self.ids[start : min(int(self.offsets[d + 1]), start + ALIGN_TOKENS)].tolist()

    def informative(self, toks: list[int]) -> list[bool]:
        """A token is informative when some shingle covering it is not stock wording."""
        n, s = len(toks), self.size
        if n < s:
            return [True] * n
        h = shingle_hashes(np.asarray(toks, dtype=np.uint64), s)
        if len(self.stock):
            pos = np.minimum(np.searchsorted(self.stock, h), len(self.stock) - 1)
            is_stock = self.stock[pos] == h
        else:
            is_stock = np.zeros(len(h), dtype=bool)
        out = [False] * n
        for p in np.flatnonzero(~is_stock).tolist():
            for q in range(p, p + s):
                out[q] = True
        return out

    def find(self, members: list[int]) -> list[Template]:
        """Templates of one cluster; at most MAX_MEMBERS of it (the first in item-id order) are aligned."""
        found: list[Template] = []
        rank = self.rank
        todo = sorted(members, key=lambda d: int(rank[d]))[:MAX_MEMBERS]
        for _ in range(MAX_ROUNDS):
            if len(todo) < 2:
                break
            tpl = self._fit(todo)
            if tpl is None:
                break
            found.append(tpl)
            assigned = set(tpl.members)
            todo = [d for d in todo if d not in assigned]
        return found

    def _fit(self, members: list[int]) -> Template | None:
        docs = {d: self.doc(d) for d in members}
        sample = members[: self.sample]
        sets = {d: set(docs[d]) for d in sample}
        rank = self.rank
        medoid = max(
            sample, key=lambda d: (sum(len(sets[d] & sets[e]) for e in sample if e != d), -int(rank[d]))
        )
        base = docs[medoid]
        if len(base) < self.min_tokens:
            return None
        own = sets[medoid]
        near = [d for d in sample if d != medoid and len(own & sets[d]) >= NEIGHBOUR * len(own | sets[d])]
        votes = [0] * len(base)
        for d in near:
            for a, _, size in SequenceMatcher(None, base, docs[d], autojunk=False).get_matching_blocks():
                for q in range(a, a + size):
                    votes[q] += 1
        need = max(1, len(near) / 2)
        info = self.informative(base)
        tokens: list[int] = []
        flags: list[bool] = []
        for tok, v, inf in zip(base, votes, info, strict=True):
            if v >= need:
                tokens.append(tok)
                flags.append(inf)
            elif not tokens or tokens[-1] != SLOT:
                tokens.append(SLOT)
                flags.append(False)
        n_slots = tokens.count(SLOT)
        position_bits = 2 * math.log2(len(tokens) + 1)
        template_bits = sum(flags) * self.bits + n_slots * position_bits
        chosen: list[int] = []
        saving = 0.0
        fills: list[list[str]] = [[] for _ in range(n_slots)]
        slot_index = [sum(1 for t in tokens[:i] if t == SLOT) for i in range(len(tokens))]
        words = self.words
        n_info = sum(flags)
        if n_info < self.min_tokens:
            return None
        for d in members:
            doc = docs[d]
            raw = len(doc) * self.bits
            own_info = sum(self.informative(doc))
            cost = 0.0
            matched = 0
            for op, a0, a1, b0, b1 in SequenceMatcher(None, tokens, doc, autojunk=False).get_opcodes():
                if op == "equal":
                    stock = sum(1 for q in range(a0, a1) if not flags[q])
                    cost += stock * self.bits
                    matched += a1 - a0 - stock
                    continue
                cost += position_bits + (b1 - b0) * self.bits
                if op == "replace" and b1 > b0 and tokens[a0] == SLOT:
                    slot_fill = fills[slot_index[a0]]
                    if len(slot_fill) < 5:
                        text = " ".join(words[t] for t in doc[b0:b1][:8])
                        if text not in slot_fill:
                            slot_fill.append(text)
            if cost < raw and matched >= self.coverage * n_info and matched >= self.coverage * own_info:
                chosen.append(d)
                saving += raw - cost
        saving -= template_bits
        if len(chosen) < 2 or saving <= 0:
            return None
        return Template(tokens, chosen, round(saving, 1), fills)
