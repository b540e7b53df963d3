"""Linking on Spark: the link stage's template fine step and its final clustering run on executors.

The link stage is trailguard.link.linker.link, the same code as the local engine's; a LinkRunner says where
its two separable steps run, and this module's runner sends them to Spark:

- the template fine step (InfoShield alignment, difflib, the costliest step of linking): each coarse
  cluster part, the documents it aligns (at most templates.MAX_MEMBERS, the first in item-id order, each cut
  to templates.ALIGN_TOKENS tokens, exactly what TemplateFinder.find reads), is one task; an executor builds a
  TemplateFinder over those documents only and runs the same `find`; the vocabulary and the stock shingles
  travel once per scan as broadcasts. Parts go out in batches of about BATCH_TOKENS tokens, so the driver
  holds one batch beyond its columns, and the templates come back in part order: the same list as locally.
- the final clustering (connected components over the star edges of the evidence that merges): the
  large-star / small-star algorithm (Kiveris et al., "Connected Components in MapReduce and Beyond", SoCC
  2014) over an edge RDD, its lineage cut every round (`localCheckpoint`), until the edges form stars
  (each node beside one smaller root, no root beside one): the stars are the components.

What still runs on the driver over all items, in the local stage's compact columns and at its cost (about
1.7 GiB per million items, the same memory guard): reading the assessments into columns, shingles, MinHash
signatures and LSH buckets, identifier groups and hub detection, copied-script counts, and describing the
networks (docs/deployment.md).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from trailguard.link.linker import LinkRunner
from trailguard.link.shingles import TokenStore
from trailguard.link.templates import ALIGN_TOKENS, MAX_MEMBERS, Template, TemplateFinder

if TYPE_CHECKING:
    from pyspark import RDD, SparkContext
    from pyspark.broadcast import Broadcast

BATCH_TOKENS = 4_000_000  # document tokens shipped per fine-step job (16 MB as uint32)
EDGE_SLICE = 200_000  # edges per slice when the driver hands the edge list to Spark
MAX_ROUNDS = 100  # large-star / small-star needs O(log^2 n) rounds; far more means a bug, not a big graph


def spark_runner(sc: SparkContext) -> LinkRunner:
    """A LinkRunner whose fine step and clustering run on `sc`'s executors."""
    return LinkRunner(find_templates=partial(find_templates, sc), components=partial(components, sc))


# --- the template fine step ----------------------------------------------------------------------------------

# One part as shipped: its item indices (in the order `find` takes them), their ranks, their token counts,
# and their tokens, concatenated.
_Part = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def find_templates(
    sc: SparkContext, finder: TemplateFinder, parts: Sequence[list[int]]
) -> Iterator[list[Template]]:
    """TemplateFinder.find of each part on the executors, in part order."""
    words = sc.broadcast(finder.words)
    stock = sc.broadcast(finder.stock)
    params = (finder.size, finder.sample, finder.min_tokens, finder.coverage)
    try:
        batch: list[_Part] = []
        tokens = 0
        for part in parts:
            packed = _pack(finder, part)
            batch.append(packed)
            tokens += len(packed[3])
            if tokens >= BATCH_TOKENS:
                yield from _run(sc, batch, words, stock, params)
                batch, tokens = [], 0
        if batch:
            yield from _run(sc, batch, words, stock, params)
    finally:
        words.unpersist()
        stock.unpersist()


def _pack(finder: TemplateFinder, part: list[int]) -> _Part:
    """What `find` reads of a part: its first MAX_MEMBERS members in item-id order, ALIGN_TOKENS tokens each."""
    todo = sorted(part, key=lambda d: int(finder.rank[d]))[:MAX_MEMBERS]
    idx = np.asarray(todo, dtype=np.int64)
    start = finder.offsets[idx]
    end = np.minimum(finder.offsets[idx + 1], start + ALIGN_TOKENS)
    tokens = np.concatenate([finder.ids[a:b] for a, b in zip(start.tolist(), end.tolist(), strict=True)])
    return idx, finder.rank[idx], (end - start).astype(np.uint32), tokens.astype(np.uint32)


def _run(
    sc: SparkContext,
    batch: list[_Part],
    words: Broadcast[list[str]],
    stock: Broadcast[np.ndarray],
    params: Any,
) -> list[list[Template]]:
    slices = min(len(batch), 4 * sc.defaultParallelism)
    return (
        sc.parallelize(batch, slices)
        .map(partial(_find_part, words=words, stock=stock, params=params))
        .collect()
    )


def _find_part(
    part: _Part, words: Broadcast[list[str]], stock: Broadcast[np.ndarray], params: Any
) -> list[Template]:
    """On an executor: the part's templates from a TemplateFinder over its documents alone, members mapped
    back to the scan's item indices. The ranks are the scan's, so every tie breaks as it does locally."""
    idx, rank, lengths, tokens = part
    store = TokenStore(0)
    store.ids = array("I", tokens.tobytes())
    store.lengths = array("I", lengths.tobytes())
    size, sample, min_tokens, coverage = params
    finder = TemplateFinder(store, words.value, rank, stock.value, size, sample, min_tokens, coverage)
    found = finder.find(list(range(len(idx))))
    for t in found:
        t.members = idx[t.members].tolist()
    return found


# --- connected components --------------------------------------------------------------------------------------


def components(sc: SparkContext, n: int, pairs: np.ndarray) -> np.ndarray:
    """A component label per item (the smallest index in it) for an edge list, computed on the executors;
    only the labels of items with an edge come back to the driver."""
    labels = np.arange(n)
    if len(pairs) == 0:
        return labels
    chunks = [pairs[s : s + EDGE_SLICE] for s in range(0, len(pairs), EDGE_SLICE)]
    edges = sc.parallelize(chunks, max(len(chunks), sc.defaultParallelism)).flatMap(_undirected).distinct()
    for _ in range(MAX_ROUNDS):
        step = _small_star(_large_star(edges))
        step.localCheckpoint()  # the check below materialises it; the next round starts from it, not the input
        done = _is_star_forest(step)
        edges.unpersist()
        edges = step
        if done:
            break
    else:
        raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")
    for chunk in edges.mapPartitions(_as_array).toLocalIterator():
        labels[chunk[:, 0]] = chunk[:, 1]
    return labels


def _undirected(chunk: np.ndarray) -> Iterator[tuple[int, int]]:
    for u, v in chunk.tolist():
        if u != v:
            yield (u, v) if u > v else (v, u)


def _large_star(edges: RDD[tuple[int, int]]) -> RDD[tuple[int, int]]:
    """Each node's larger neighbours are tied to the smallest node of its neighbourhood (itself included)."""
    both = edges.flatMap(lambda e: ((e[0], e[1]), (e[1], e[0])))
    return both.groupByKey().flatMap(_large).distinct()


def _large(entry: tuple[int, Iterable[int]]) -> list[tuple[int, int]]:
    u, near = entry
    seen = set(near)
    m = min(min(seen), u)
    return [(v, m) for v in seen if v > u]


def _small_star(edges: RDD[tuple[int, int]]) -> RDD[tuple[int, int]]:
    """Each node and its smaller neighbours are tied to the smallest of them: edges (node, smaller root)."""
    return edges.map(lambda e: e if e[0] > e[1] else (e[1], e[0])).groupByKey().flatMap(_small).distinct()


def _small(entry: tuple[int, Iterable[int]]) -> list[tuple[int, int]]:
    u, near = entry
    group = set(near)
    group.add(u)
    m = min(group)
    return [(v, m) for v in group if v != m]


def _is_star_forest(edges: RDD[tuple[int, int]]) -> bool:
    """Whether every node has at most one (smaller) root and no root has one: the stars are then the
    components, since both steps keep every component connected and never join two."""
    roles = edges.flatMap(lambda e: ((e[0], (1, 0)), (e[1], (0, 1))))
    merged = roles.reduceByKey(lambda a, b: (a[0] + b[0], a[1] + b[1]))
    return bool(merged.filter(lambda kv: kv[1][0] > 1 or (kv[1][0] > 0 and kv[1][1] > 0)).isEmpty())


def _as_array(rows: Iterable[tuple[int, int]]) -> Iterator[np.ndarray]:
    out = np.asarray(list(rows), dtype=np.int64).reshape(-1, 2)
    if len(out):
        yield out
