"""Benchmark: Trailguard's exact multi-index Hamming index against faiss, on random or skewed 256-bit hashes.

    .venv/bin/python benchmarks/match_index.py                # 10,000,000 hashes (about 4 GB peak RSS)
    .venv/bin/python benchmarks/match_index.py --n 200000     # quick run
    .venv/bin/python benchmarks/match_index.py --bank vpdq --n 1000000 --skip-multihash

`--bank vpdq` builds a bank as real ones are, full of near-duplicates: the 12,914 distinct PDQ hashes of
ThreatExchange's vPDQ sample videos (consecutive frames of a video are themselves close), each stored hash a
random one of them with 0-40 random bits flipped (re-encodings, crops). Read from ../shared/data/pdq or
--vpdq-dir.

Half the queries are planted near-duplicates of a stored hash (0..max_distance bits flipped, plus a few
stored variants around them), half are random. Ground truth is faiss IndexBinaryFlat (brute force), so the
recall of each index is measured against it in the same run. Everything runs on one thread (faiss OpenMP
set to 1) so per-query figures compare like with like; batch throughput is also single-threaded. Each
query's wall-clock time and its thread's CPU time are both reported: on a shared machine the wall-clock p99
is mostly the scheduler (a preempted query waits a time slice, several ms), which CPU time leaves out.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np

from trailguard.media.crowds import faiss_codes
from trailguard.media.hamming import HammingIndex


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def flip(rows: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = rows.copy()
    as_bits = np.unpackbits(out.view(np.uint8), axis=1)
    for i, k in enumerate(counts):
        idx = rng.choice(256, size=int(k), replace=False)
        as_bits[i, idx] ^= 1
    return np.packbits(as_bits, axis=1).view(np.uint64)


def make_data(n: int, q: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)
    planted = q // 2
    anchors = rng.choice(n, size=planted, replace=False)
    queries = flip(base[anchors], rng.integers(0, d + 1, size=planted), rng)
    # Stored variants near each planted query: some inside the radius, some just outside it.
    variants = flip(np.repeat(queries, 3, axis=0), rng.integers(0, d + 10, size=planted * 3), rng)
    slots = rng.choice(np.setdiff1d(np.arange(n), anchors), size=len(variants), replace=False)
    base[slots] = variants
    randoms = rng.integers(0, 2**64, size=(q - planted, 4), dtype=np.uint64)
    return base, np.vstack([queries, randoms])


VPDQ_DIR = Path(__file__).resolve().parent.parent.parent / "shared/data/pdq/threatexchange/vpdq/sample-hashes"


def vpdq_hashes(folder: Path) -> np.ndarray:
    """The distinct frame hashes of the vPDQ sample files (`frame,quality,pdqhex,timestamp` lines)."""
    hexes = sorted({fields[2] for f in sorted(folder.glob("*.txt")) for line in f.read_text().splitlines()
                    if len(fields := line.split(",")) >= 3 and len(fields[2]) == 64})  # fmt: skip
    return np.frombuffer(bytes.fromhex("".join(hexes)), dtype=">u8").astype(np.uint64).reshape(-1, 4)


def flip_upto(rows: np.ndarray, most: int, rng: np.random.Generator) -> np.ndarray:
    """Each row with 0..`most` random bits flipped (vectorised; a position drawn twice flips once)."""
    out = np.empty_like(rows)
    for start in range(0, len(rows), 200_000):
        part = rows[start : start + 200_000]
        k = rng.integers(0, most + 1, size=len(part))
        pos = rng.integers(0, 256, size=(len(part), most))
        bits = np.zeros((len(part), 256), dtype=np.uint8)
        keep = np.arange(most)[None, :] < k[:, None]
        bits[np.nonzero(keep)[0], pos[keep]] = 1
        mask = np.packbits(bits, axis=1).view(">u8").astype(np.uint64)
        out[start : start + len(part)] = part ^ mask
    return out


def make_skewed(n: int, q: int, d: int, seed: int, folder: Path) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    frames = vpdq_hashes(folder)
    base = flip_upto(frames[rng.integers(0, len(frames), size=n)], 40, rng)
    planted = q // 2
    queries = flip_upto(base[rng.choice(n, size=planted, replace=False)], d, rng)
    randoms = rng.integers(0, 2**64, size=(q - planted, 4), dtype=np.uint64)
    return base, np.vstack([queries, randoms])


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def faiss_range(index: faiss.IndexBinary, codes: np.ndarray, d: int) -> list[set[int]]:
    lims, _, ids = index.range_search(codes, d + 1)  # faiss keeps distances < radius
    return [set(ids[lims[i] : lims[i + 1]].tolist()) for i in range(len(codes))]


def run(name: str, build: Callable[[], object], query_one: Callable[[object, int], set[int]],
        query_batch: Callable[[object], list[set[int]]], nq: int, truth: list[set[int]] | None) -> dict:  # fmt: skip
    """Measure one index in a forked child, so its memory is counted alone and freed completely after."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=lambda: child.send(_measure(name, build, query_one, query_batch, nq, truth)))
    proc.start()
    result = parent.recv()
    proc.join()
    return result


def _measure(name: str, build: Callable[[], object], query_one: Callable[[object, int], set[int]],
             query_batch: Callable[[object], list[set[int]]], nq: int, truth: list[set[int]] | None) -> dict:  # fmt: skip
    gc.collect()
    before = rss_bytes()
    index, build_s = timed(build)
    gc.collect()
    mem = rss_bytes() - before
    lat, cpu = [], []
    for i in range(nq):
        t, c = time.perf_counter(), time.thread_time()
        query_one(index, i)
        lat.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
    found, batch_s = timed(lambda: query_batch(index))
    assert isinstance(found, list)
    truth = truth or found
    true_pairs = sum(len(t) for t in truth)
    hit = sum(len(t & f) for t, f in zip(truth, found, strict=True))
    extra = sum(len(f - t) for t, f in zip(truth, found, strict=True))
    lat.sort()
    cpu.sort()
    result = {
        "name": name,
        "build_s": build_s,
        "mem_mb": mem / 2**20,
        "p50_ms": statistics.median(lat) * 1000,
        "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
        "cpu_p50_ms": statistics.median(cpu) * 1000,
        "cpu_p99_ms": cpu[min(len(cpu) - 1, int(len(cpu) * 0.99))] * 1000,
        "qps_batch": nq / batch_s,
        "recall": hit / true_pairs if true_pairs else 1.0,
        "false": extra,
        "true_pairs": true_pairs,
        "found": found,
    }
    print(
        f"{name:34s} build {build_s:7.1f} s  mem {result['mem_mb']:8.0f} MiB  p50 {result['p50_ms']:8.3f} ms  "
        f"p99 {result['p99_ms']:8.3f} ms  (CPU {result['cpu_p50_ms']:.3f} / {result['cpu_p99_ms']:.3f})  batch {result['qps_batch']:9.0f} q/s  recall {result['recall']:.4f} "
        f"({hit}/{true_pairs}, {extra} beyond radius)",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=10_000_000, help="stored hashes (default 10,000,000)")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--max-distance", type=int, default=31)
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--skip-multihash", action="store_true", help="leave out faiss IndexBinaryMultiHash")
    parser.add_argument(
        "--bank", choices=("random", "vpdq"), default="random", help="see the module docstring"
    )
    parser.add_argument("--vpdq-dir", type=Path, default=VPDQ_DIR)
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)
    d = args.max_distance
    with open("/proc/cpuinfo") as fh:
        cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "?")
    print(
        f"machine: {cpu}, {os.cpu_count()} cores; python {platform.python_version()}, faiss {faiss.__version__}"
    )
    print(f"n={args.n:,} bank={args.bank} queries={args.queries} (half planted near-duplicates) "
          f"max_distance={d}; 1 thread")  # fmt: skip
    if args.bank == "vpdq":
        data, gen_s = timed(lambda: make_skewed(args.n, args.queries, d, args.seed, args.vpdq_dir))
    else:
        data, gen_s = timed(lambda: make_data(args.n, args.queries, d, args.seed))
    assert isinstance(data, tuple)
    base, queries = data
    print(f"generated in {gen_s:.1f} s")
    codes, qcodes = faiss_codes(base), faiss_codes(queries)
    nq = len(queries)

    def flat_build() -> faiss.IndexBinaryFlat:
        index = faiss.IndexBinaryFlat(256)
        index.add(codes)
        return index

    flat = run("faiss IndexBinaryFlat (brute force)", flat_build,
               lambda ix, i: faiss_range(ix, qcodes[i : i + 1], d)[0],  # type: ignore[arg-type]
               lambda ix: faiss_range(ix, qcodes, d), nq, None)  # type: ignore[arg-type]  # fmt: skip
    truth = flat["found"]
    results = [flat]
    if not args.skip_multihash:

        def mih_build() -> faiss.IndexBinaryMultiHash:
            # Hasher-Matcher-Actioner's configuration: 16 hash tables of 16 bits, nflip = threshold // 16.
            index = faiss.IndexBinaryMultiHash(256, 16, 16)
            index.nflip = d // 16
            index.add(codes)
            return index

        results.append(run("faiss IndexBinaryMultiHash (HMA)", mih_build,
                           lambda ix, i: faiss_range(ix, qcodes[i : i + 1], d)[0],  # type: ignore[arg-type]
                           lambda ix: faiss_range(ix, qcodes, d), nq, truth))  # type: ignore[arg-type]  # fmt: skip

    def ours_one(ix: HammingIndex, i: int) -> set[int]:
        return set(ix.query(queries[i])[0].tolist())

    def ours_build() -> HammingIndex:
        index = HammingIndex(base, d)
        crowds = index._crowds
        print(f"trailguard HammingIndex: {0 if crowds is None else len(crowds.pivots):,} pivots, "
              f"{0 if crowds is None else len(crowds):,} rows in crowds, {len(index._rest):,} in the chunk "
              f"tables ({len(index.chunks)} chunks); {index.nbytes() / 2**20:.0f} MiB held", flush=True)  # fmt: skip
        return index

    ours = run("trailguard HammingIndex", ours_build, ours_one,  # type: ignore[arg-type]
               lambda ix: [set(r[0].tolist()) for r in ix.query_many(queries)], nq, truth)  # type: ignore[attr-defined]  # fmt: skip
    results.append(ours)
    print()
    print(
        "| index | build (s) | memory (MiB) | p50 (ms) | p99 (ms) | CPU p50 / p99 (ms) | batch (queries/s) | recall |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['name']} | {r['build_s']:.1f} | {r['mem_mb']:.0f} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | "
              f"{r['cpu_p50_ms']:.3f} / {r['cpu_p99_ms']:.3f} | {r['qps_batch']:.0f} | "
              f"{r['recall'] * 100:.2f}% ({r['true_pairs']} true pairs) |")  # fmt: skip
    for clock, key in (("wall clock", ""), ("CPU time", "cpu_")):
        print(f"speed-up of trailguard over brute force ({clock}): p50 "
              f"{flat[key + 'p50_ms'] / ours[key + 'p50_ms']:.1f}x, p99 {flat[key + 'p99_ms'] / ours[key + 'p99_ms']:.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
